#pragma once
// How scenario files stack. `extends` puts a child over its base and `include` fragments over
// the base, the child's own keys winning; `combine` puts options side by side, each over the
// same base, so a package of options is the union of their changes. In every case the
// `network_patch` sections add up: lists (add_nodes, add_links, remove_links, add_stops,
// add_vehicles, add_lines) are joined and change_links / change_headways merge element by
// element. Two files that change the same element in ways that differ are an error naming
// both (for `extends` only where the child adds what its base added: a child may change again
// what its base changed).
// Mappings merge key by key; a mapping tagged `!replace` (e.g. `land_use: !replace {...}`)
// replaces the base's whole mapping instead, network_patch included.
#include <set>
#include <string>

#include "sim/scenario/config_tree.hpp"

namespace flemsim::scenario {

enum class Stacking {
    child_wins,    // extends / include: the overlay's values replace the base's
    side_by_side,  // combine: the overlay and the base are peers; a difference is a conflict
};

// The canonical form of a file name as positions record it (for comparing files reached by
// different relative paths).
std::string canonical_file(const std::string& file);

// Merges `overlay` into `base`. With side_by_side, `shared` holds the canonical names of the
// files both sides inherit: a value that comes from one of them gives way to the other side's
// value; two values from files of their own that differ are an InputError naming both files.
void stack_into(ConfigNode& base, const ConfigNode& overlay, Stacking how, const std::set<std::string>& shared = {});

}  // namespace flemsim::scenario
