#include "sim/network/import/gateways.hpp"

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
    // Members per zone as CSR, in node order within a zone.
    const std::size_t nz = net.zone_ids.size();
    net.zone_first_node.assign(nz + 1, 0);
    for (std::uint32_t n = 0; n < net.node_count(); ++n)
        if (net.node_zone[n] != core::invalid_index) ++net.zone_first_node[net.node_zone[n] + 1];
    for (std::size_t z = 0; z < nz; ++z) net.zone_first_node[z + 1] += net.zone_first_node[z];
    net.zone_nodes.assign(net.zone_first_node[nz], 0);
    std::vector<std::uint32_t> pos(net.zone_first_node.begin(), net.zone_first_node.end() - 1);
    for (std::uint32_t n = 0; n < net.node_count(); ++n)
        if (net.node_zone[n] != core::invalid_index) net.zone_nodes[pos[net.node_zone[n]]++] = n;
}

}  // namespace flemsim::network::import
