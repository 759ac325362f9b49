#include "sim/scenario/config_tree.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <iterator>

namespace flemsim::scenario {

using core::InputError;
using core::SourcePos;

const ConfigNode* ConfigNode::find(std::string_view key) const {
    for (const auto& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

ConfigNode* ConfigNode::find(std::string_view key) {
    for (auto& e : entries)
        if (e.key == key) return &e.value;
    return nullptr;
}

std::string ConfigNode::kind_name() const {
    switch (kind) {
        case Kind::null:
            return "nothing";
        case Kind::scalar:
            return "a value";
        case Kind::sequence:
            return "a list";
        case Kind::map:
            return "a mapping";
    }
    return "?";
}

namespace {

SourcePos pos_of(const YAML::Mark& m, const std::string& file) {
    // yaml-cpp marks are 0-based.
    if (m.line < 0) return {file, 0, 0};
    return {file, m.line + 1, m.column + 1};
}

ConfigNode convert(const YAML::Node& n, const std::string& file) {
    ConfigNode out;
    out.pos = pos_of(n.Mark(), file);
    switch (n.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            out.kind = ConfigNode::Kind::null;
            break;
        case YAML::NodeType::Scalar:
            out.kind = ConfigNode::Kind::scalar;
            out.scalar = n.Scalar();
            break;
        case YAML::NodeType::Sequence:
            out.kind = ConfigNode::Kind::sequence;
            for (const auto& item : n) out.items.push_back(convert(item, file));
            break;
        case YAML::NodeType::Map:
            out.kind = ConfigNode::Kind::map;
            for (const auto& kv : n) {
                const SourcePos kpos = pos_of(kv.first.Mark(), file);
                if (!kv.first.IsScalar()) throw InputError(kpos, "a key must be a plain name");
                const std::string key = kv.first.Scalar();
                if (out.find(key)) throw InputError(kpos, "key '" + key + "' appears twice in the same mapping");
                out.entries.push_back({key, kpos, convert(kv.second, file)});
            }
            break;
    }
    return out;
}

void emit(YAML::Emitter& em, const ConfigNode& n) {
    switch (n.kind) {
        case ConfigNode::Kind::null:
            em << YAML::Null;
            break;
        case ConfigNode::Kind::scalar:
            em << n.scalar;
            break;
        case ConfigNode::Kind::sequence:
            em << YAML::Flow << YAML::BeginSeq;
            for (const auto& i : n.items) emit(em, i);
            em << YAML::EndSeq;
            break;
        case ConfigNode::Kind::map:
            em << YAML::Block << YAML::BeginMap;
            for (const auto& e : n.entries) {
                em << YAML::Key << e.key << YAML::Value;
                emit(em, e.value);
            }
            em << YAML::EndMap;
            break;
    }
}

}  // namespace

ConfigNode parse_yaml(std::string_view text, const std::string& file) {
    YAML::Node doc;
    try {
        doc = YAML::Load(std::string(text));
    } catch (const YAML::Exception& e) {
        throw InputError(pos_of(e.mark, file), "YAML syntax error: " + e.msg);
    }
    return convert(doc, file);
}

ConfigNode load_yaml_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError({path.string(), 0, 0}, "cannot open file", "does it exist?");
    return parse_yaml(std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()), path.string());
}

void merge_into(ConfigNode& base, const ConfigNode& overlay) {
    if (base.kind == ConfigNode::Kind::map && overlay.kind == ConfigNode::Kind::map) {
        for (const auto& e : overlay.entries) {
            if (ConfigNode* b = base.find(e.key)) {
                merge_into(*b, e.value);
            } else {
                base.entries.push_back(e);
            }
        }
        return;
    }
    base = overlay;
}

void apply_override(ConfigNode& root, std::string_view assignment) {
    const SourcePos where{"--set " + std::string(assignment), 0, 0};
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0) throw InputError(where, "expected key.path=value");
    const std::string path(assignment.substr(0, eq));
    ConfigNode value = parse_yaml(assignment.substr(eq + 1), "--set " + path);
    // Positions of the value point at the command line, not a file line.
    std::vector<ConfigNode*> stack{&value};
    while (!stack.empty()) {
        ConfigNode* n = stack.back();
        stack.pop_back();
        n->pos = where;
        for (auto& i : n->items) stack.push_back(&i);
        for (auto& e : n->entries) {
            e.key_pos = where;
            stack.push_back(&e.value);
        }
    }
    if (root.kind != ConfigNode::Kind::map) {
        root.kind = ConfigNode::Kind::map;
        root.entries.clear();
    }
    ConfigNode* cur = &root;
    std::size_t start = 0;
    for (;;) {
        const std::size_t dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (key.empty()) throw InputError(where, "empty key in '" + path + "'");
        if (cur->kind != ConfigNode::Kind::map) {
            throw InputError(
                where, "'" + path.substr(0, start ? start - 1 : 0) + "' is " + cur->kind_name() + ", not a mapping");
        }
        ConfigNode* next = cur->find(key);
        if (!next) {
            ConfigNode fresh;
            fresh.kind = dot == std::string::npos ? ConfigNode::Kind::null : ConfigNode::Kind::map;
            fresh.pos = where;
            cur->entries.push_back({key, where, std::move(fresh)});
            next = &cur->entries.back().value;
        }
        if (dot == std::string::npos) {
            merge_into(*next, value);
            return;
        }
        cur = next;
        start = dot + 1;
    }
}

std::string to_yaml(const ConfigNode& node) {
    YAML::Emitter em;
    emit(em, node);
    return std::string(em.c_str()) + "\n";
}

}  // namespace flemsim::scenario
