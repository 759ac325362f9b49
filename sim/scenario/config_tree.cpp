#include "sim/scenario/config_tree.hpp"

#include "sim/core/fs.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <unordered_map>

#include <fmt/format.h>

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

// The position of byte `offset` of `text`: line and column (in characters, 1-based).
SourcePos pos_at(std::string_view text, std::size_t offset, const std::string& file) {
    int line = 1, column = 1;
    for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
        if (text[i] == '\n') {
            ++line, column = 1;
        } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
            ++column;  // continuation bytes belong to the character before them
        }
    }
    return {file, line, column};
}

// Offset of the first byte that does not belong to well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF) or is a control character, or npos. Text that is not UTF-8 would pass
// through the scenario into names and output files that promise UTF-8 (JSON, CSV headers).
std::size_t invalid_utf8_at(std::string_view t) {
    std::size_t i = 0;
    while (i < t.size()) {
        const auto c = static_cast<unsigned char>(t[i]);
        if (c < 0x80) {
            // YAML allows no control characters but tab and line breaks; a NUL would also cut
            // names short where they meet C strings (HDF5 attributes).
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) return i;
            ++i;
            continue;
        }
        int len = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return i;
        }
        if (i + len > t.size()) return i;
        for (int k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(t[i + k]);
            if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
        }
        i += static_cast<std::size_t>(len);
    }
    return std::string_view::npos;
}

std::string bad_byte_message(char byte) {
    const auto b = static_cast<unsigned char>(byte);
    return b < 0x80 ? fmt::format("a control character (byte 0x{:02X}) in the text", b)
                    : fmt::format("not UTF-8 text (byte 0x{:02X})", b);
}

// How many nodes a file may become once its aliases are copied out. yaml-cpp resolves an
// alias by sharing the anchored node, but ConfigNode is a plain tree (merging and overrides
// edit it in place), so every alias is a deep copy: nine aliases of nine aliases of ... make
// a few hundred bytes of YAML into billions of nodes. Aliases stay allowed (a block of
// defaults used twice is ordinary YAML); what is refused is a copy beyond this size, counted
// from the parser's events before anything is copied. A scenario has a few hundred nodes
// and a large network patch some ten thousand, so the limit only meets bombs.
constexpr std::uint64_t max_nodes = 1'000'000;
// Mappings and sequences nest a handful of levels in a scenario; the tree is read and merged by
// recursion, so a document nested thousands deep would end the process on its stack.
constexpr std::size_t max_depth = 64;

// First pass over the events of the text: counts the nodes the tree will have with every
// alias expanded (refusing past max_nodes at the alias that crosses it), measures how deep it
// nests with every alias expanded (refusing past max_depth: aliases of aliases each a few
// levels deep nest as deep as written out), and refuses a second document, which YAML::Load
// would drop without a word.
class ShapeCheck : public YAML::EventHandler {
public:
    explicit ShapeCheck(const std::string& file) : m_file(file) {}

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& m, YAML::anchor_t a) override { leaf(m, a); }
    void OnAlias(const YAML::Mark& m, YAML::anchor_t a) override {
        // yaml-cpp names an anchor as its node opens, so an alias inside that node is a node
        // that contains itself: a value without end.
        for (const auto& open : m_open)
            if (open.anchor == a)
                throw InputError(pos_of(m, m_file), "this alias refers to a mapping or sequence that contains it",
                                 "a value cannot contain itself: write the inner value out");
        const auto it = m_expanded.find(a);
        add(it == m_expanded.end() ? 1 : it->second.count, m, true);
        const std::size_t levels = it == m_expanded.end() ? 0 : it->second.levels;
        if (m_open.size() + levels > max_depth)
            throw InputError(pos_of(m, m_file),
                             fmt::format("this alias nests mappings and sequences more than {} levels deep once "
                                         "expanded (aliases of aliases)",
                                         max_depth),
                             "write the values out, or use fewer nested aliases");
        child(levels);
    }
    void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t a, const std::string&) override {
        leaf(m, a);
    }
    void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a,
                         YAML::EmitterStyle::value) override {
        open(m, a);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
        open(m, a);
    }
    void OnMapEnd() override { close(); }

private:
    void add(std::uint64_t n, const YAML::Mark& m, bool alias) {
        m_count = std::min(m_count + n, max_nodes + 1);  // saturates: sizes cannot overflow
        if (m_count > max_nodes)
            throw InputError(pos_of(m, m_file),
                             alias ? fmt::format("this alias makes the document larger than {} values once "
                                                 "expanded (nested aliases that multiply)",
                                                 max_nodes)
                                   : fmt::format("the document has more than {} values", max_nodes),
                             "write the values out, or use fewer nested aliases");
    }
    void leaf(const YAML::Mark& m, YAML::anchor_t a) {
        add(1, m, false);
        if (a) m_expanded[a] = {1, 0};
        child(0);
    }
    void open(const YAML::Mark& m, YAML::anchor_t a) {
        add(1, m, false);
        if (m_open.size() >= max_depth)
            throw InputError(pos_of(m, m_file),
                             fmt::format("mappings and sequences nested more than {} levels deep", max_depth),
                             "a scenario nests a few levels: is a bracket or an indentation wrong?");
        m_open.push_back({a, m_count - 1, 0});
    }
    void close() {
        if (m_open.empty()) return;
        const Open o = m_open.back();
        m_open.pop_back();
        if (o.anchor) m_expanded[o.anchor] = {m_count - o.start, o.levels + 1};
        child(o.levels + 1);
    }
    // A value of `levels` levels (0 for a scalar) ends inside the innermost open node.
    void child(std::size_t levels) {
        if (!m_open.empty()) m_open.back().levels = std::max(m_open.back().levels, levels);
    }

    struct Expanded {
        std::uint64_t count = 0;  // values, every alias expanded
        std::size_t levels = 0;   // mappings and sequences nested, every alias expanded
    };
    struct Open {
        YAML::anchor_t anchor;
        std::uint64_t start;  // m_count before the node
        std::size_t levels;   // the deepest of its values so far
    };
    const std::string& m_file;
    std::uint64_t m_count = 0;
    std::unordered_map<YAML::anchor_t, Expanded> m_expanded;  // each anchored node, expanded
    std::vector<Open> m_open;
};

// Where the second document of a stream begins, for the error: the mark of its first node,
// or the line of its `---` when it is empty.
class FirstMark : public YAML::EventHandler {
public:
    YAML::Mark mark = YAML::Mark::null_mark();
    void OnDocumentStart(const YAML::Mark& m) override { take(m); }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark& m, YAML::anchor_t) override { take(m); }
    void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { take(m); }
    void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t, const std::string&) override { take(m); }
    void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        take(m);
    }
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
        take(m);
    }
    void OnMapEnd() override {}

private:
    void take(const YAML::Mark& m) {
        if (mark.is_null() && m.line >= 0) mark = m;
    }
};

void check_shape(const std::string& text, const std::string& file) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ShapeCheck shape(file);
    parser.HandleNextDocument(shape);
    FirstMark second;
    if (parser.HandleNextDocument(second)) {
        SourcePos pos = pos_of(second.mark, file);
        if (pos.line == 0) {
            // An empty second document has no node to point at: the last `---` is where it starts.
            const auto at = text.rfind("\n---");
            if (at != std::string::npos) pos = pos_at(text, at + 1, file);
        }
        throw InputError(pos, "a second YAML document ('---'): a file holds one document",
                         "remove the '---' line, or put the second document in a file of its own");
    }
}

// The one tag a scenario knows. yaml-cpp gives "?" for a plain untagged node, "!" for a quoted
// scalar, and the full name for YAML's own tags (!!str is tag:yaml.org,2002:str); a tag of
// our own that is not `!replace` is a typo that would otherwise pass silently.
constexpr std::string_view replace_tag = "!replace";
bool is_yaml_tag(const std::string& tag) {
    return tag.empty() || tag == "?" || tag == "!" || tag.rfind("tag:yaml.org,2002:", 0) == 0;
}

ConfigNode convert(const YAML::Node& n, const std::string& file) {
    ConfigNode out;
    out.pos = pos_of(n.Mark(), file);
    if (const std::string& tag = n.Tag(); tag == replace_tag)
        out.replace = true;
    else if (!is_yaml_tag(tag))
        throw InputError(out.pos, "unknown tag '" + tag + "'",
                         "the one tag a scenario knows is !replace, for a mapping that replaces the base's instead "
                         "of merging into it");
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
    if (const auto bad = invalid_utf8_at(text); bad != std::string_view::npos)
        throw InputError(pos_at(text, bad, file), bad_byte_message(text[bad]), "save the file as UTF-8 text");
    YAML::Node doc;
    try {
        const std::string owned(text);
        check_shape(owned, file);
        doc = YAML::Load(owned);
    } catch (const YAML::Exception& e) {
        throw InputError(pos_of(e.mark, file), "YAML syntax error: " + e.msg);
    }
    return convert(doc, file);
}

ConfigNode load_yaml_file(const std::filesystem::path& path) {
    // A folder opens as a stream on Linux and fails only when read, with an exception of the
    // standard library rather than a message naming the file.
    if (core::is_directory(path))
        throw InputError({path.string(), 0, 0}, "is a folder, not a file", "name a YAML file");
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
    if (const auto bad = invalid_utf8_at(assignment); bad != std::string_view::npos)
        throw InputError({"--set", 0, 0},
                         fmt::format("{} at character {} of the assignment", bad_byte_message(assignment[bad]),
                                     pos_at(assignment, bad, "").column));
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
