#pragma once
// A YAML document as a tree whose every node remembers the file, line and column it came
// from, so that merged scenarios (`extends:` and `--set`) still report exact positions.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"

namespace flemsim::scenario {

struct ConfigNode {
    enum class Kind { null, scalar, sequence, map };
    struct Entry;

    Kind kind = Kind::null;
    std::string scalar;
    std::vector<ConfigNode> items;  // sequence
    std::vector<Entry> entries;     // map, in file order
    core::SourcePos pos;
    // Written with the tag `!replace`: when files stack (extends, include, combine) this value
    // replaces the base's instead of merging into it (sim/scenario/compose.hpp).
    bool replace = false;

    const ConfigNode* find(std::string_view key) const;
    ConfigNode* find(std::string_view key);
    std::string kind_name() const;
};

struct ConfigNode::Entry {
    std::string key;
    core::SourcePos key_pos;
    ConfigNode value;
};

// Parses YAML text; `file` is used in positions. Duplicate keys are an error.
ConfigNode parse_yaml(std::string_view text, const std::string& file);
ConfigNode load_yaml_file(const std::filesystem::path& path);

// Deep merge: maps merge key by key, anything else in `overlay` replaces `base`.
void merge_into(ConfigNode& base, const ConfigNode& overlay);

// Applies "a.b.c=value" (value parsed as YAML) to the tree, creating maps on the way.
void apply_override(ConfigNode& root, std::string_view assignment);

// The tree as YAML text (for provenance in output files).
std::string to_yaml(const ConfigNode& node);

}  // namespace flemsim::scenario
