#include "sim/network/check.hpp"

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/strong_components.hpp>
#include <boost/property_map/property_map.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <queue>

namespace flemsim::network {

using core::InputError;
using core::invalid_index;

namespace {

using Graph = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, boost::no_property,
                                                 boost::no_property, std::uint32_t, std::uint32_t>;

// The mode's links as a graph over the nodes, stored by tail (CSR: a million-node network's
// adjacency lists were a million allocations per mode), each tail's edges in link order, as an
// adjacency list would keep them: the searches and the components are the same.
Graph mode_graph(const Network& net, std::uint8_t bit) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        if (!(net.link_modes[l] & bit)) continue;
        edges.emplace_back(net.link_from[l], net.link_to[l]);
        if (!net.link_oneway[l] || bit == walk_bit) edges.emplace_back(net.link_to[l], net.link_from[l]);
    }
    std::vector<std::size_t> first(net.node_count() + 1, 0);
    for (const auto& e : edges) ++first[e.first + 1];
    for (std::size_t n = 0; n < net.node_count(); ++n) first[n + 1] += first[n];
    std::vector<std::pair<std::uint32_t, std::uint32_t>> by_tail(edges.size());
    for (const auto& e : edges) by_tail[first[e.first]++] = e;
    return Graph(boost::edges_are_sorted, by_tail.begin(), by_tail.end(), net.node_count());
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
        const int count = net.node_count()
                              ? boost::strong_components(g, boost::make_iterator_property_map(
                                                                comp.begin(), boost::get(boost::vertex_index, g)))
                              : 0;
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
    // The nodes each zone's search has seen, marked with the zone (+1): no table of every node
    // per zone.
    std::vector<std::uint32_t> seen_by(net.node_count(), 0);
    for (std::uint32_t z = 0; z < net.zone_count(); ++z) {
        if (!(net.zone_modes[z] & transit_bit)) continue;
        const auto mark = z + 1;
        std::queue<std::uint32_t> q;
        q.push(net.zone_centroid[z]);
        seen_by[net.zone_centroid[z]] = mark;
        bool found = false;
        while (!q.empty() && !found) {
            const auto n = q.front();
            q.pop();
            found = is_stop[n] != 0;
            for (auto [e, end] = boost::out_edges(n, walk); e != end; ++e) {
                const auto m = static_cast<std::uint32_t>(boost::target(*e, walk));
                if (seen_by[m] != mark) {
                    seen_by[m] = mark;
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

namespace {

// Walk links, both ways, as CSR over nodes.
struct WalkGraph {
    std::vector<std::uint32_t> first;  // CSR over nodes
    std::vector<std::uint32_t> to;
    std::vector<double> length_m;
};

WalkGraph walk_graph(const Network& net) {
    WalkGraph g;
    g.first.assign(net.node_count() + 1, 0);
    for (std::size_t l = 0; l < net.link_count(); ++l)
        if (net.link_modes[l] & walk_bit) ++g.first[net.link_from[l] + 1], ++g.first[net.link_to[l] + 1];
    for (std::size_t n = 0; n < net.node_count(); ++n) g.first[n + 1] += g.first[n];
    g.to.resize(g.first.back());
    g.length_m.resize(g.first.back());
    std::vector<std::uint32_t> next(g.first.begin(), g.first.end() - 1);
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        if (!(net.link_modes[l] & walk_bit)) continue;
        const auto a = net.link_from[l], b = net.link_to[l];
        g.to[next[a]] = b, g.length_m[next[a]++] = net.link_length_m[l];
        g.to[next[b]] = a, g.length_m[next[b]++] = net.link_length_m[l];
    }
    return g;
}

// Nodes that `bit` can both enter and leave: ends of its links, the from end of a one-way one only
// to leave and the to end only to enter.
std::vector<char> enter_and_leave(const Network& net, std::uint8_t bit) {
    std::vector<char> in(net.node_count(), 0), out(net.node_count(), 0);
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        if (!(net.link_modes[l] & bit)) continue;
        out[net.link_from[l]] = in[net.link_to[l]] = 1;
        if (!net.link_oneway[l]) in[net.link_from[l]] = out[net.link_to[l]] = 1;
    }
    for (std::size_t n = 0; n < net.node_count(); ++n) in[n] = in[n] && out[n];
    return in;
}

// The walk (m) from node `from` to the nearest node marked in `park`, or infinity when none is
// within park_search_walk_m. `best` (a walk per node, infinity where not reached) is kept between
// calls: each search resets only the nodes it reached, not a table of every node (a network of a
// million nodes with thousands of parks).
double park_walk_m(const WalkGraph& g, const std::vector<char>& park, std::uint32_t from, std::vector<double>& best,
                   std::vector<std::uint32_t>& reached) {
    using Item = std::pair<double, std::uint32_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
    best.resize(g.first.size() - 1, std::numeric_limits<double>::infinity());
    for (const auto n : reached) best[n] = std::numeric_limits<double>::infinity();
    reached.assign(1, from);
    best[from] = 0;
    heap.push({0.0, from});
    while (!heap.empty()) {
        const auto [d, n] = heap.top();
        heap.pop();
        if (d > best[n]) continue;
        if (park[n]) return d;
        for (auto i = g.first[n]; i < g.first[n + 1]; ++i) {
            const double nd = d + g.length_m[i];
            if (nd <= park_search_walk_m && nd < best[g.to[i]]) {
                if (best[g.to[i]] == std::numeric_limits<double>::infinity()) reached.push_back(g.to[i]);
                best[g.to[i]] = nd;
                heap.push({nd, g.to[i]});
            }
        }
    }
    return std::numeric_limits<double>::infinity();
}

}  // namespace

std::vector<std::string> network_warnings(const Network& net) {
    std::vector<std::string> out;
    const std::string stops_file = (net.folder / "stops.csv").string();
    const WalkGraph walk = walk_graph(net);
    const std::vector<char> car_park = enter_and_leave(net, car_bit), bike_park = enter_and_leave(net, bike_bit);
    std::vector<double> best;
    std::vector<std::uint32_t> reached;
    for (std::uint32_t s = 0; s < net.stop_count(); ++s) {
        for (const std::uint8_t bit : {car_bit, bike_bit}) {
            const auto spaces = bit == car_bit ? net.stop_car_parking[s] : net.stop_bike_parking[s];
            if (spaces == 0) continue;
            const double m = park_walk_m(walk, bit == car_bit ? car_park : bike_park, net.stop_node[s], best, reached);
            if (m <= park_warn_walk_m) continue;
            const auto* mode = mode_word(bit);
            const auto what =
                fmt::format("{}: stop '{}' has {} {} parking spaces, but ", stops_file, net.stop_ids[s], spaces, mode);
            out.push_back(m <= park_search_walk_m
                              ? what + fmt::format("the nearest node with {} links in and out is {:.0f} m away on "
                                                   "foot (more than {:.0f} m)",
                                                   mode, m, park_warn_walk_m)
                              : what + fmt::format("no node with {} links in and out is within {:.0f} m on foot", mode,
                                                   park_search_walk_m));
        }
    }
    return out;
}

}  // namespace flemsim::network
