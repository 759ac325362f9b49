#include "sim/routing/batch.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/csv.hpp"
#include "sim/core/text.hpp"
#include "sim/routing/dijkstra.hpp"

namespace flemsim::routing {

using core::invalid_index;
using core::Mode;

namespace {

// Nearest node with an arc of a graph, through a uniform grid.
class NodeGrid {
public:
    NodeGrid(const network::Network& net, const StreetGraph& g) : m_net(net) {
        for (std::uint32_t n = 0; n < g.node_count(); ++n)
            if (g.first_out[n + 1] > g.first_out[n]) m_nodes.push_back(n);
        if (m_nodes.empty()) return;
        m_min_x = m_min_y = std::numeric_limits<double>::infinity();
        double max_x = -m_min_x, max_y = -m_min_y;
        for (const auto n : m_nodes) {
            m_min_x = std::min(m_min_x, net.node_x_m[n]), max_x = std::max(max_x, net.node_x_m[n]);
            m_min_y = std::min(m_min_y, net.node_y_m[n]), max_y = std::max(max_y, net.node_y_m[n]);
        }
        m_cols = static_cast<int>((max_x - m_min_x) / m_cell) + 1;
        m_rows = static_cast<int>((max_y - m_min_y) / m_cell) + 1;
        m_bucket.resize(static_cast<std::size_t>(m_cols) * m_rows);
        for (const auto n : m_nodes) m_bucket[index(net.node_x_m[n], net.node_y_m[n])].push_back(n);
    }

    // Nearest node and its distance; invalid_index when the graph has no arc.
    std::pair<std::uint32_t, double> nearest(double x, double y) const {
        std::uint32_t best = invalid_index;
        double best_d = std::numeric_limits<double>::infinity();
        if (m_nodes.empty()) return {best, best_d};
        const int c0 = std::clamp(static_cast<int>(std::floor((x - m_min_x) / m_cell)), 0, m_cols - 1);
        const int r0 = std::clamp(static_cast<int>(std::floor((y - m_min_y) / m_cell)), 0, m_rows - 1);
        for (int ring = 0; ring <= std::max(m_cols, m_rows); ++ring) {
            if (std::isfinite(best_d) && (ring - 1) * m_cell > best_d) break;
            for (int r = r0 - ring; r <= r0 + ring; ++r)
                for (int c = c0 - ring; c <= c0 + ring; ++c) {
                    if (r < 0 || c < 0 || r >= m_rows || c >= m_cols) continue;
                    if (std::max(std::abs(r - r0), std::abs(c - c0)) != ring) continue;
                    for (const auto n : m_bucket[static_cast<std::size_t>(r) * m_cols + c]) {
                        const double d = std::hypot(x - m_net.node_x_m[n], y - m_net.node_y_m[n]);
                        if (d < best_d || (d == best_d && n < best)) best_d = d, best = n;
                    }
                }
        }
        return {best, best_d};
    }

private:
    std::size_t index(double x, double y) const {
        const int c = std::clamp(static_cast<int>(std::floor((x - m_min_x) / m_cell)), 0, m_cols - 1);
        const int r = std::clamp(static_cast<int>(std::floor((y - m_min_y) / m_cell)), 0, m_rows - 1);
        return static_cast<std::size_t>(r) * m_cols + c;
    }
    const network::Network& m_net;
    std::vector<std::uint32_t> m_nodes;
    std::vector<std::vector<std::uint32_t>> m_bucket;
    double m_cell = 200, m_min_x = 0, m_min_y = 0;
    int m_cols = 1, m_rows = 1;
};

struct Scratch : RoutingScratch {
    TransitItinerary itinerary;
    std::vector<std::uint32_t> targets;
    explicit Scratch(const RoutingContext& c) : RoutingScratch(c) {}
};

}  // namespace

std::vector<RouteQuery> read_route_queries(const std::filesystem::path& file) {
    core::CsvReader r(file, {"id", "from_lat", "from_lon", "to_lat", "to_lon", "mode", "departure"});
    std::vector<RouteQuery> out;
    // Answers are matched to queries by id, so an id may appear once.
    std::unordered_map<std::string, int> lines;
    while (r.next()) {
        RouteQuery q;
        q.id = std::string(r.required_text(0));
        if (const auto [it, fresh] = lines.emplace(q.id, r.line()); !fresh)
            r.fail(0, "duplicate query id '" + q.id + "' (first on line " + std::to_string(it->second) + ")");
        q.from_lat = r.number(1);
        q.from_lon = r.number(2);
        q.to_lat = r.number(3);
        q.to_lon = r.number(4);
        for (std::size_t c : {1, 3})
            if (std::abs(r.number(c)) > 90) r.fail(c, "latitude out of range");
        for (std::size_t c : {2, 4})
            if (std::abs(r.number(c)) > 180) r.fail(c, "longitude out of range");
        const auto mode = core::enum_from_name<Mode>(core::mode_names, r.required_text(5));
        if (!mode) r.fail(5, "expected walk, bike, car or transit, got '" + std::string(r.text(5)) + "'");
        q.mode = *mode;
        q.departure_s = r.clock(6);
        out.push_back(q);
    }
    if (out.empty()) throw core::InputError({r.file(), r.line(), 0}, "no route queries (the table has no rows)");
    return out;
}

std::vector<RouteAnswer> answer_route_queries(const RoutingContext& ctx, const std::vector<RouteQuery>& queries,
                                              double max_snap_m) {
    const auto& net = ctx.net;
    const NodeGrid walk_grid(net, ctx.walk), bike_grid(net, ctx.bike), car_grid(net, ctx.car);
    const auto grid_of = [&](Mode m) -> const NodeGrid& {
        return m == Mode::bike ? bike_grid : m == Mode::car ? car_grid : walk_grid;
    };
    const std::size_t n = queries.size();
    std::vector<RouteAnswer> out(n);
    std::vector<std::uint32_t> from(n), to(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& q = queries[i];
        const auto [fx, fy] = net.to_x_y(q.from_lat, q.from_lon);
        const auto [tx, ty] = net.to_x_y(q.to_lat, q.to_lon);
        std::tie(from[i], out[i].snap_from_m) = grid_of(q.mode).nearest(fx, fy);
        std::tie(to[i], out[i].snap_to_m) = grid_of(q.mode).nearest(tx, ty);
        // A point too far from the network is not on it: no node stands in for it.
        auto& a = out[i];
        if (from[i] == invalid_index) {
            a.reason = fmt::format("the network has no {} links", core::name_of(q.mode));
        } else if (!(a.snap_from_m <= max_snap_m)) {
            a.reason = fmt::format("origin {:.0f} m from the network (more than {:g} m)", a.snap_from_m, max_snap_m);
        } else if (!(a.snap_to_m <= max_snap_m)) {
            a.reason = fmt::format("destination {:.0f} m from the network (more than {:g} m)", a.snap_to_m, max_snap_m);
        }
        if (!a.reason.empty()) from[i] = to[i] = invalid_index;
    }
    // By origin node, then mode, then departure: one search serves a group.
    std::vector<std::uint32_t> order(n);
    for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
    const TransitModel& tm = *ctx.transit;
    const auto key = [&](std::uint32_t i) {
        const auto m = static_cast<std::int64_t>(queries[i].mode);
        const std::int64_t when =
            queries[i].mode == Mode::transit ? static_cast<std::int64_t>(tm.period_of(queries[i].departure_s)) : 0;
        return std::tuple{from[i], m, when, i};
    };
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
    std::vector<std::size_t> group;
    for (std::size_t k = 0; k < n; ++k)
        if (k == 0 || from[order[k]] != from[order[k - 1]]) group.push_back(k);
    group.push_back(n);
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, group.size() - 1, 4), [&](const tbb::blocked_range<std::size_t>& r) {
            Scratch& s = scratch.local();
            for (std::size_t g = r.begin(); g != r.end(); ++g) {
                std::int64_t ready = -1;  // which tree the scratch holds: mode * 1000 + period
                for (std::size_t k = group[g]; k < group[g + 1]; ++k) {
                    const auto i = order[k];
                    const auto& q = queries[i];
                    auto& a = out[i];
                    if (from[i] == invalid_index || to[i] == invalid_index) continue;
                    if (q.mode == Mode::transit) {
                        const auto period = tm.period_of(q.departure_s);
                        const std::int64_t want = 3000 + static_cast<std::int64_t>(period);
                        if (ready != want) s.transit.run(from[i], period), ready = want;
                        const auto path = s.transit.path_to(to[i], &s.itinerary);
                        if (!path.found) continue;
                        a.found = true;
                        a.time_s = path.total_s();
                        a.distance_m = path.total_m();
                        a.transit = path;  // the components, without the path's stops and lines
                        for (const auto& ride : s.itinerary.rides) {
                            a.lines += (a.lines.empty() ? "" : "|") + net.line_ids[tm.rn_line(ride.board_rn)];
                            a.stops += (a.stops.empty() ? "" : "|") + net.stop_ids[tm.rn_stop(ride.board_rn)] + ">" +
                                       net.stop_ids[tm.rn_stop(ride.board_rn + ride.stops)];
                        }
                        continue;
                    }
                    auto& tree = q.mode == Mode::walk ? s.walk : q.mode == Mode::bike ? s.bike : s.car;
                    const std::int64_t want = static_cast<std::int64_t>(q.mode) * 1000;
                    if (ready != want) {
                        // One search for the run of queries of this origin and mode, stopped
                        // once all their destinations are settled.
                        s.targets.clear();
                        for (std::size_t j = k; j < group[g + 1] && queries[order[j]].mode == q.mode; ++j)
                            if (to[order[j]] != invalid_index) s.targets.push_back(to[order[j]]);
                        tree.run_to(from[i], s.targets);
                        ready = want;
                    }
                    if (!tree.reached(to[i])) continue;
                    a.found = true;
                    a.time_s = tree.time_s(to[i]);
                    a.distance_m = tree.length_m(to[i]);
                }
            }
        });
    return out;
}

void write_route_answers(const std::filesystem::path& file, const std::vector<RouteQuery>& queries,
                         const std::vector<RouteAnswer>& answers) {
    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out),
                   "id,mode,found,travel_time_s,distance_m,access_s,wait_s,in_vehicle_s,egress_s,transfers,lines,stops,"
                   "snap_from_m,snap_to_m,reason\n");
    for (std::size_t i = 0; i < queries.size(); ++i) {
        const auto& a = answers[i];
        fmt::format_to(std::back_inserter(out),
                       "{},{},{},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{},{},{},{:.1f},{:.1f},{}\n", queries[i].id,
                       core::name_of(queries[i].mode), a.found ? 1 : 0, a.time_s, a.distance_m, a.transit.access_s,
                       a.transit.wait_s, a.transit.in_vehicle_s, a.transit.egress_s + a.transit.transfer_walk_s,
                       a.transit.transfers, a.lines, a.stops, a.snap_from_m, a.snap_to_m,
                       a.found            ? std::string()
                       : a.reason.empty() ? std::string("no path")
                                          : a.reason);
    }
    core::write_file_atomically(file, fmt::to_string(out));
}

}  // namespace flemsim::routing
