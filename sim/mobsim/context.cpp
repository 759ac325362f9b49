#include <algorithm>
#include <cmath>

#include "sim/mobsim/mobsim.hpp"
#include "sim/routing/dijkstra.hpp"

namespace flemsim::mobsim {

using core::invalid_index;

namespace {

// The day's timetable and, up to the end of the simulated day, the next morning's (the
// level of service sends a traveller after the last service to the first next morning).
Timetable expand_timetable(const routing::TransitModel& tm, const network::Network& net, double capacity_factor,
                           std::int32_t end_time_s) {
    Timetable tt;
    tt.first_time.push_back(0);
    for (std::uint32_t l = 0; l < net.line_count(); ++l) {
        const std::uint32_t b = net.line_first_stop[l], e = net.line_first_stop[l + 1];
        const std::uint32_t n = e - b;
        const auto vehicle = net.line_vehicle[l];
        const double full = net.vehicle_seated[vehicle] + net.vehicle_standing[vehicle];
        const auto capacity = static_cast<std::uint32_t>(std::max(1.0, std::round(full * capacity_factor)));
        const auto seated = static_cast<std::uint32_t>(std::round(net.vehicle_seated[vehicle] * capacity_factor));
        const int directions = (l < net.line_both_ways.size() && !net.line_both_ways[l]) ? 1 : 2;
        for (int dir = 0; dir < directions; ++dir) {
            // Run time and dwell by position in this direction.
            std::vector<std::int32_t> run(n, 0), dwell(n, 0);
            for (std::uint32_t k = 0; k < n; ++k) {
                const std::uint32_t i = dir == 0 ? b + k : e - 1 - k;
                dwell[k] = (k == 0 || k + 1 == n) ? 0 : net.line_dwell_s[i];
                if (k + 1 < n) run[k] = net.line_run_time_s[dir == 0 ? i + 1 : i];
            }
            const std::int32_t day_end = net.headway_to_s[net.line_first_headway[l + 1] - 1];
            for (const std::int32_t offset : {0, 24 * 3600})
                for (std::uint32_t h = net.line_first_headway[l]; h < net.line_first_headway[l + 1]; ++h) {
                    // The next day's service starts only after this day's has ended.
                    if (offset > 0 && net.headway_from_s[h] + offset < day_end) continue;
                    for (std::int32_t dep = net.headway_from_s[h] + offset;
                         dep < net.headway_to_s[h] + offset && dep <= end_time_s; dep += net.headway_s[h]) {
                        tt.first_rn.push_back(tm.first_route_node(l, dir));
                        tt.stop_count.push_back(static_cast<std::uint16_t>(n));
                        tt.departure_s.push_back(dep);
                        tt.capacity.push_back(capacity);
                        tt.seated.push_back(seated);
                        std::int32_t t = dep;
                        for (std::uint32_t k = 0; k < n; ++k) {
                            if (k > 0) t += run[k - 1];
                            tt.sched_arrive_s.push_back(t);
                            t += dwell[k];
                            tt.sched_depart_s.push_back(t);
                        }
                        tt.first_time.push_back(static_cast<std::uint32_t>(tt.sched_arrive_s.size()));
                    }
                }
        }
    }
    return tt;
}

BusRoutes bus_routes(const routing::RoutingContext& rc) {
    const auto& tm = *rc.transit;
    const auto& net = rc.net;
    BusRoutes br;
    br.rn_first_arc.push_back(0);
    br.rn_on_road.assign(tm.route_node_count(), 0);
    routing::ShortestPathTree tree(rc.car);
    std::uint32_t tree_root = invalid_index;
    for (std::uint32_t rn = 0; rn < tm.route_node_count(); ++rn) {
        const auto line = tm.rn_line(rn);
        if (net.line_on_road[line] && !tm.rn_is_last(rn)) {
            const auto from = net.stop_node[tm.rn_stop(rn)], to = net.stop_node[tm.rn_stop(rn + 1)];
            if (from != tree_root) {
                tree.run(from);
                tree_root = from;
            }
            const std::size_t before = br.arcs.size();
            if (tree.path_to(to, br.arcs) && br.arcs.size() > before) br.rn_on_road[rn] = 1;
        }
        br.rn_first_arc.push_back(static_cast<std::uint32_t>(br.arcs.size()));
    }
    return br;
}

}  // namespace

MobsimContext make_mobsim_context(const routing::RoutingContext& routing, const MobsimParams& params) {
    return MobsimContext{
        routing, params,
        expand_timetable(*routing.transit, routing.net, params.transit_capacity_factor, params.end_time_s),
        bus_routes(routing)};
}

}  // namespace flemsim::mobsim
