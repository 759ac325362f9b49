#include "sim/network/import/gateways.hpp"

#include "sim/network/import/zones.hpp"

namespace flemsim::network::import {

std::vector<GatewayZone> gateway_zones(const std::vector<OsmGateway>& roads,
                                       const std::vector<GtfsReport::GatewayStation>& stations) {
    std::vector<GatewayZone> out;
    for (const auto& g : roads) out.push_back({g.node, g.id, g.name, car_bit, g.weight});
    for (const auto& s : stations)
        out.push_back({s.centroid_node, s.id, s.name + " (station)", transit_bit, s.places_per_h});
    return out;
}

void add_gateway_zones(Network& net, const std::vector<GatewayZone>& zones) {
    if (zones.empty()) return;
    net.zone_weight.resize(net.zone_count(), 0.0);
    for (const auto& g : zones) {
        const auto zone = static_cast<std::uint32_t>(net.zone_ids.size());
        net.zone_ids.push_back(g.id);
        net.zone_names.push_back(g.name);
        net.zone_kind.push_back(ZoneKind::gateway);
        net.zone_centroid.push_back(g.node);
        net.zone_modes.push_back(g.modes);
        net.zone_line.push_back(0);
        if (!net.zone_land_use.empty()) net.zone_land_use.push_back({0, 0, 0, 0});
        net.zone_weight.push_back(g.weight);
        net.node_zone[g.node] = zone;
    }
    rebuild_zone_members(net);
}

}  // namespace flemsim::network::import
