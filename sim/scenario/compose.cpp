#include "sim/scenario/compose.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <string_view>

#include "sim/core/fs.hpp"

namespace flemsim::scenario {

using core::InputError;
using core::SourcePos;

namespace {

// The sections of a network patch that list elements, and those that map an element to its change.
constexpr std::array<std::string_view, 6> list_sections{"add_nodes", "add_links",    "remove_links",
                                                        "add_stops", "add_vehicles", "add_lines"};
constexpr std::array<std::string_view, 2> change_sections{"change_links", "change_headways"};

bool is_one_of(std::string_view key, const auto& names) {
    return std::find(names.begin(), names.end(), key) != names.end();
}

bool same_place(const SourcePos& a, const SourcePos& b) {
    return a.line == b.line && a.column == b.column && canonical_file(a.file) == canonical_file(b.file);
}

bool from_shared(const ConfigNode& n, const std::set<std::string>& shared) {
    return shared.count(canonical_file(n.pos.file)) > 0;
}

bool same_value(const ConfigNode& a, const ConfigNode& b) {
    return to_yaml(a) == to_yaml(b);
}

// A value in a message: a scalar as written, anything else by its kind.
std::string brief(const ConfigNode& n) {
    if (n.kind == ConfigNode::Kind::scalar) return "'" + n.scalar + "'";
    return n.kind_name();
}

// The id of a listed element: its `id` key, or the scalar itself (remove_links lists ids).
std::string id_of(const ConfigNode& item) {
    if (item.kind == ConfigNode::Kind::scalar) return item.scalar;
    if (const ConfigNode* id = item.find("id"); id && id->kind == ConfigNode::Kind::scalar) return id->scalar;
    return {};
}

[[noreturn]] void conflict(const ConfigNode& first, const ConfigNode& second, const std::string& what) {
    throw InputError(second.pos, what + ", and in another way in " + first.pos.str(),
                     "keep the change in one of the two files, or write an option that extends the other");
}

void merge_change(ConfigNode& base, const ConfigNode& overlay, std::string_view section, Stacking how,
                  const std::set<std::string>& shared) {
    if (base.kind != ConfigNode::Kind::map || overlay.kind != ConfigNode::Kind::map) {
        base = overlay;  // the patch's reader reports the wrong type
        return;
    }
    for (const auto& e : overlay.entries) {
        ConfigNode* b = base.find(e.key);
        if (!b) {
            base.entries.push_back(e);
            continue;
        }
        if (same_value(*b, e.value)) continue;
        const std::string what = "network_patch." + std::string(section) + ": '" + e.key + "' is changed here";
        const bool attributes =
            section == "change_links" && b->kind == ConfigNode::Kind::map && e.value.kind == ConfigNode::Kind::map;
        if (how == Stacking::child_wins || from_shared(*b, shared)) {
            // A child changes again what its base changed; an option's change replaces its base's.
            if (attributes)
                merge_into(*b, e.value);
            else
                *b = e.value;
            continue;
        }
        if (from_shared(e.value, shared)) continue;
        if (!attributes) conflict(*b, e.value, what);
        // Two options may change different attributes of one link; the same one alike.
        for (const auto& a : e.value.entries) {
            ConfigNode* ba = b->find(a.key);
            if (!ba)
                b->entries.push_back(a);
            else if (!same_value(*ba, a.value))
                throw InputError(a.value.pos,
                                 "network_patch.change_links." + e.key + "." + a.key + ": set to " + brief(a.value) +
                                     " here and to " + brief(*ba) + " in " + ba->pos.str() + ": the options conflict",
                                 "keep the change in one of the two files, or write an option that extends the other");
        }
    }
}

void merge_list(ConfigNode& base, const ConfigNode& overlay, std::string_view section) {
    if (base.kind != ConfigNode::Kind::sequence || overlay.kind != ConfigNode::Kind::sequence) {
        base = overlay;  // the patch's reader reports the wrong type
        return;
    }
    for (const auto& item : overlay.items) {
        bool skip = false;
        for (const auto& b : base.items) {
            // The same entry reached through two files that both extend its file.
            if (same_place(b.pos, item.pos)) {
                skip = true;
                break;
            }
            const auto id = id_of(item);
            if (id.empty() || id != id_of(b)) continue;
            if (section == "remove_links" || same_value(b, item)) {
                skip = true;  // removed twice, or added alike twice: once is what both mean
                break;
            }
            conflict(b, item, "network_patch." + std::string(section) + ": '" + id + "' is added here");
        }
        if (!skip) base.items.push_back(item);
    }
}

// A link one file removes and another changes.
void check_removed_not_changed(const ConfigNode& patch) {
    const ConfigNode* removes = patch.find("remove_links");
    const ConfigNode* changes = patch.find("change_links");
    if (!removes || !changes || removes->kind != ConfigNode::Kind::sequence || changes->kind != ConfigNode::Kind::map)
        return;
    for (const auto& r : removes->items)
        for (const auto& c : changes->entries)
            if (r.kind == ConfigNode::Kind::scalar && r.scalar == c.key &&
                canonical_file(r.pos.file) != canonical_file(c.value.pos.file))
                conflict(r, c.value, "network_patch.change_links: link '" + c.key + "' is changed here but removed");
}

void merge_patch(ConfigNode& base, const ConfigNode& overlay, Stacking how, const std::set<std::string>& shared) {
    if (base.kind != ConfigNode::Kind::map || overlay.kind != ConfigNode::Kind::map) {
        base = overlay;  // the patch's reader reports the wrong type
        return;
    }
    for (const auto& e : overlay.entries) {
        ConfigNode* b = base.find(e.key);
        if (!b)
            base.entries.push_back(e);
        else if (is_one_of(e.key, list_sections))
            merge_list(*b, e.value, e.key);
        else if (is_one_of(e.key, change_sections))
            merge_change(*b, e.value, e.key, how, shared);
        else
            *b = e.value;  // an unknown section: the patch's reader names it
    }
    check_removed_not_changed(base);
}

void stack_node(ConfigNode& base, const ConfigNode& overlay, Stacking how, const std::set<std::string>& shared,
                const std::string& path) {
    // `!replace`: the overlay's mapping as a whole, like a scalar.
    if (base.kind == ConfigNode::Kind::map && overlay.kind == ConfigNode::Kind::map && !overlay.replace) {
        for (const auto& e : overlay.entries) {
            ConfigNode* b = base.find(e.key);
            if (!b)
                base.entries.push_back(e);
            else if (path.empty() && e.key == "network_patch" && !e.value.replace)
                merge_patch(*b, e.value, how, shared);
            else
                stack_node(*b, e.value, how, shared, path.empty() ? e.key : path + "." + e.key);
        }
        return;
    }
    if (how == Stacking::child_wins) {
        base = overlay;
        return;
    }
    if (same_value(base, overlay) || from_shared(overlay, shared)) return;
    if (from_shared(base, shared)) {
        base = overlay;
        return;
    }
    throw InputError(overlay.pos,
                     "combine: '" + path + "' is " + brief(overlay) + " here but " + brief(base) + " in " +
                         base.pos.str() + ": the options conflict",
                     "keep the value in one of the two files, or write an option that extends the other");
}

}  // namespace

std::string canonical_file(const std::string& file) {
    if (file.empty() || file.rfind("--set", 0) == 0) return file;
    // Merging asks for the same few files over and over.
    thread_local std::map<std::string, std::string> known;
    auto it = known.find(file);
    if (it == known.end()) it = known.emplace(file, core::weakly_canonical(file).string()).first;
    return it->second;
}

void stack_into(ConfigNode& base, const ConfigNode& overlay, Stacking how, const std::set<std::string>& shared) {
    stack_node(base, overlay, how, shared, "");
}

}  // namespace flemsim::scenario
