#include "sim/network/check.hpp"

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/strong_components.hpp>

#include <algorithm>
#include <queue>

namespace flemsim::network {

using core::InputError;
using core::invalid_index;

namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

Graph mode_graph(const Network& net, std::uint8_t bit) {
    Graph g(net.node_count());
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        if (!(net.link_modes[l] & bit)) continue;
        boost::add_edge(net.link_from[l], net.link_to[l], g);
        if (!net.link_oneway[l] || bit == walk_bit) boost::add_edge(net.link_to[l], net.link_from[l], g);
    }
    return g;
}

const char* mode_word(std::uint8_t bit) {
    return bit == walk_bit ? "walk" : bit == bike_bit ? "bike" : "car";
}

}  // namespace

void check_network(const Network& net) {
    const std::string nodes_file = (net.folder / "nodes.csv").string();
    const std::string zones_file = (net.folder / "zones.csv").string();
    for (const std::uint8_t bit : {walk_bit, bike_bit, car_bit}) {
        const Graph g = mode_graph(net, bit);
        std::vector<int> comp(net.node_count());
        const int count = net.node_count() ? boost::strong_components(g, comp.data()) : 0;
        // The main component is the largest among those holding zone nodes that need this mode.
        std::vector<std::size_t> size(static_cast<std::size_t>(count), 0);
        for (std::uint32_t n = 0; n < net.node_count(); ++n) {
            const auto z = net.node_zone[n];
            if (z != invalid_index && (net.zone_modes[z] & bit)) ++size[static_cast<std::size_t>(comp[n])];
        }
        if (count == 0) continue;
        const int main = static_cast<int>(std::max_element(size.begin(), size.end()) - size.begin());
        for (std::uint32_t z = 0; z < net.zone_count(); ++z) {
            if (!(net.zone_modes[z] & bit)) continue;
            for (std::uint32_t i = net.zone_first_node[z]; i < net.zone_first_node[z + 1]; ++i) {
                const auto n = net.zone_nodes[i];
                if (comp[n] == main) continue;
                throw InputError({nodes_file, net.node_line[n], 1},
                                 "node '" + net.node_ids[n] + "' of zone '" + net.zone_ids[z] +
                                     "' cannot be reached both ways by " + mode_word(bit) +
                                     " from the rest of the network",
                                 "possible cause: a missing link or connector, or a one-way street; or remove '" +
                                     std::string(mode_word(bit)) + "' from the zone's modes");
            }
            if (comp[net.zone_centroid[z]] != main)
                throw InputError(
                    {zones_file, net.zone_line[z], 1},
                    "centroid of zone '" + net.zone_ids[z] + "' cannot be reached both ways by " + mode_word(bit));
        }
    }
    // Transit: a stop reachable on foot from each zone centroid that needs transit.
    std::vector<char> is_stop(net.node_count(), 0);
    for (const auto n : net.stop_node) is_stop[n] = 1;
    const Graph walk = mode_graph(net, walk_bit);
    for (std::uint32_t z = 0; z < net.zone_count(); ++z) {
        if (!(net.zone_modes[z] & transit_bit)) continue;
        std::vector<char> seen(net.node_count(), 0);
        std::queue<std::uint32_t> q;
        q.push(net.zone_centroid[z]);
        seen[net.zone_centroid[z]] = 1;
        bool found = false;
        while (!q.empty() && !found) {
            const auto n = q.front();
            q.pop();
            found = is_stop[n] != 0;
            for (auto [e, end] = boost::out_edges(n, walk); e != end; ++e) {
                const auto m = static_cast<std::uint32_t>(boost::target(*e, walk));
                if (!seen[m]) {
                    seen[m] = 1;
                    q.push(m);
                }
            }
        }
        if (!found)
            throw InputError(
                {zones_file, net.zone_line[z], 1},
                "zone '" + net.zone_ids[z] + "' needs transit but no stop can be reached on foot from its centroid",
                "add a connector to a stop, or remove 'transit' from the zone's modes");
    }
}

}  // namespace flemsim::network
