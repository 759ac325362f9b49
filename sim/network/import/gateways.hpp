#pragma once
// Gateway zones at the edge of an imported study area: the OpenStreetMap import
// (OsmOptions::gateways) adds a node beyond each major road that the area's edge cuts, and the
// GTFS import (GtfsOptions::gateway_stations) keeps the first rail station beyond the edge of
// each line; this makes each of them a gateway zone (the rest of the region beyond that road or
// station), so that in-commuters come in and residents go out there.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/network/import/gtfs_import.hpp"
#include "sim/network/import/osm_import.hpp"
#include "sim/network/network.hpp"

namespace flemsim::network::import {

struct GatewayZone {
    std::uint32_t node = 0;  // its centroid and only member
    std::string id, name;
    std::uint8_t modes = 0;  // ModeBits
    double weight = 0;       // persons per hour it can bring in (zones.csv `weight`)
};

// Road gateways (car) and station gateways (transit) as zones.
std::vector<GatewayZone> gateway_zones(const std::vector<OsmGateway>& roads,
                                       const std::vector<GtfsReport::GatewayStation>& stations);

// Adds the zones (kind gateway). Study zones keep their indices; call after add_zones.
void add_gateway_zones(Network& net, const std::vector<GatewayZone>& zones);

}  // namespace flemsim::network::import
