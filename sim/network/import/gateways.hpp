#pragma once
// Gateway zones at the edge of an imported study area: the import (OsmOptions::gateways) adds a
// node beyond each major road that the area's edge cuts, with connectors to the cut ends; this
// makes each such node a gateway zone (the rest of the region beyond that road), so that
// in-commuters drive in and residents drive out there.
#include <string>
#include <vector>

#include "sim/network/import/osm_import.hpp"
#include "sim/network/network.hpp"

namespace flemsim::network::import {

// Adds a gateway zone for each gateway of the import: id and name as the import made them
// (the road's ref or name, with a compass suffix when one road makes several), its node as
// centroid and only member, modes car, weight (zones.csv `weight`) the persons per hour its
// roads can bring in. Study zones keep their indices; call after add_zones.
void add_gateway_zones(Network& net, const std::vector<OsmGateway>& gateways);

}  // namespace flemsim::network::import
