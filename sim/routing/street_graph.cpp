#include "sim/routing/street_graph.hpp"

#include <algorithm>
#include <cassert>
#include <limits>

namespace flemsim::routing {

using network::Network;

StreetGraph make_graph(std::size_t node_count, const std::vector<std::uint32_t>& tail,
                       const std::vector<std::uint32_t>& head, const std::vector<double>& time_s,
                       const std::vector<double>& length_m, const std::vector<std::uint32_t>& link) {
    assert(tail.size() == head.size() && head.size() == time_s.size() && time_s.size() == length_m.size());
    StreetGraph g;
    g.first_out.assign(node_count + 1, 0);
    for (const auto t : tail) ++g.first_out[t + 1];
    for (std::size_t n = 0; n < node_count; ++n) g.first_out[n + 1] += g.first_out[n];
    std::vector<std::uint32_t> pos(g.first_out.begin(), g.first_out.end() - 1);
    const std::size_t m = tail.size();
    g.tail.resize(m);
    g.head.resize(m);
    g.time_s.resize(m);
    g.length_m.resize(m);
    g.link.resize(m);
    // Counting sort keeps the input order of arcs with the same tail: deterministic.
    for (std::size_t a = 0; a < m; ++a) {
        const auto p = pos[tail[a]]++;
        g.tail[p] = tail[a];
        g.head[p] = head[a];
        g.time_s[p] = time_s[a];
        g.length_m[p] = length_m[a];
        g.link[p] = link.empty() ? static_cast<std::uint32_t>(a) : link[a];
    }
    return g;
}

StreetGraph build_street_graph(const Network& net, core::Mode mode, double speed_mps) {
    const std::uint8_t bit = mode == core::Mode::walk   ? network::walk_bit
                             : mode == core::Mode::bike ? network::bike_bit
                                                        : network::car_bit;
    std::vector<std::uint32_t> tail, head, link;
    std::vector<double> time, length;
    for (std::uint32_t l = 0; l < net.link_count(); ++l) {
        if (!(net.link_modes[l] & bit)) continue;
        const double speed = mode == core::Mode::car ? net.link_car_speed_mps[l] : speed_mps;
        const double len = net.link_length_m[l];
        const bool both = mode == core::Mode::walk || !net.link_oneway[l];
        tail.push_back(net.link_from[l]);
        head.push_back(net.link_to[l]);
        time.push_back(len / speed);
        length.push_back(len);
        link.push_back(l);
        if (both) {
            tail.push_back(net.link_to[l]);
            head.push_back(net.link_from[l]);
            time.push_back(len / speed);
            length.push_back(len);
            link.push_back(l);
        }
    }
    StreetGraph g = make_graph(net.node_count(), tail, head, time, length, link);
    g.mode = mode;
    return g;
}

double most_seconds_per_metre(const StreetGraph& g, const double* arc_time_s) {
    double k = 0;
    for (std::size_t a = 0; a < g.arc_count(); ++a) {
        const double t = arc_time_s ? arc_time_s[a] : g.time_s[a];
        if (g.length_m[a] > 0)
            k = std::max(k, t / g.length_m[a]);
        else if (t > 0)
            return std::numeric_limits<double>::infinity();
    }
    return k;
}

std::vector<std::uint32_t> twin_arcs(const StreetGraph& g) {
    std::vector<std::uint32_t> twin(g.arc_count(), core::invalid_index);
    for (std::uint32_t a = 0; a < g.arc_count(); ++a)
        for (auto b = g.first_out[g.head[a]]; b < g.first_out[g.head[a] + 1]; ++b)
            if (g.head[b] == g.tail[a] && g.link[b] == g.link[a]) twin[a] = b;
    return twin;
}

}  // namespace flemsim::routing
