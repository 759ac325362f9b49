#pragma once
// One CSR graph per street mode: first_out has node_count+1 entries (first 0, last arc
// count), arcs sorted by tail; per arc its head, travel time and length.
#include <cstdint>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/network/network.hpp"

namespace flemsim::routing {

struct StreetGraph {
    core::Mode mode = core::Mode::walk;
    std::vector<std::uint32_t> first_out;
    std::vector<std::uint32_t> tail;
    std::vector<std::uint32_t> head;
    std::vector<double> time_s;
    std::vector<double> length_m;
    std::vector<std::uint32_t> link;  // the network link of each arc

    std::size_t node_count() const { return first_out.empty() ? 0 : first_out.size() - 1; }
    std::size_t arc_count() const { return head.size(); }
};

// Walk: every walk link both ways at `speed_mps`. Bike: bike links (one-way respected) at
// `speed_mps`. Car: car links (one-way respected) at each link's car speed (`speed_mps` unused).
StreetGraph build_street_graph(const network::Network& net, core::Mode mode, double speed_mps);

// A CSR graph from arc lists (tails need not be sorted); used by the builders and tests.
StreetGraph make_graph(std::size_t node_count, const std::vector<std::uint32_t>& tail,
                       const std::vector<std::uint32_t>& head, const std::vector<double>& time_s,
                       const std::vector<double>& length_m, const std::vector<std::uint32_t>& link);

// Per arc, its twin: the arc of the same link the other way (between the same nodes), or
// core::invalid_index where the link runs one way only.
std::vector<std::uint32_t> twin_arcs(const StreetGraph& g);

// The most seconds any arc takes per metre of its length (with `arc_time_s`, in the graph's arc
// numbering, instead of its times when given): a path of L metres takes at most L times this, a
// bound for searches that need only paths up to a length. Infinite where an arc takes time
// without length.
double most_seconds_per_metre(const StreetGraph& g, const double* arc_time_s = nullptr);

}  // namespace flemsim::routing
