#pragma once
// Scenario variants change the network with a patch (the scenario's `network_patch`): add or
// remove links, change a link's attributes, add stops and transit lines, change a line's
// headways. A patch that names something the network lacks is an error at its position; the
// patched network is checked like a loaded one.
#include "sim/network/network.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::network {

void apply_patch(Network& net, const scenario::ConfigNode& patch);

// The scenario's network: loaded, then patched when the scenario says so.
Network load_scenario_network(const scenario::Scenario& s);

}  // namespace flemsim::network
