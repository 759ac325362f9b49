#pragma once
#include "sim/network/network.hpp"

namespace flemsim::network {

// Checks what single rows cannot: every zone's nodes reachable both ways by each street
// mode the zone needs (all in the largest strongly connected part of that mode's graph),
// and a stop reachable on foot from every zone that needs transit. Throws InputError.
void check_network(const Network& net);

}  // namespace flemsim::network
