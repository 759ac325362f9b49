#pragma once
#include <string>
#include <vector>

#include "sim/network/network.hpp"

namespace flemsim::network {

// Checks what single rows cannot: every zone's nodes reachable both ways by each street
// mode the zone needs (all in the largest strongly connected part of that mode's graph),
// and a stop reachable on foot from every zone that needs transit. Throws InputError.
void check_network(const Network& net);

// Where a stop's parked car (bike) is: the nearest node on foot from the stop's node that cars
// (bikes) can both enter and leave by a link (routing puts the stop's car and bike park there).
// Walks farther than park_warn_walk_m make park-and-ride (bike-and-ride) there a drive and a long
// walk; none is looked for beyond park_search_walk_m.
inline constexpr double park_warn_walk_m = 500;
inline constexpr double park_search_walk_m = 2000;

// What a valid network may still lack, one message per line naming the file: every stop with car
// (bike) spaces whose car (bike) park is farther than park_warn_walk_m on foot, or not within
// park_search_walk_m. Not errors: a stop without a road near is served on foot and by transit, but
// its spaces are of little use. Ordered by stop, car before bike.
std::vector<std::string> network_warnings(const Network& net);

}  // namespace flemsim::network
