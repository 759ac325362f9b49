#include <algorithm>
#include <cmath>
#include <map>

#include "sim/mobsim/mobsim.hpp"
#include "sim/routing/dijkstra.hpp"

namespace flemsim::mobsim {

using core::invalid_index;

namespace {

// The schedule's trips as vehicle trips, numbered as in the schedule, with the capacity of
// the line's vehicle type scaled like the population (a 1/20 sample has 1/20 of the places).
Timetable expand_timetable(const routing::Schedule& sc, const network::Network& net, double capacity_factor) {
    Timetable tt;
    const std::size_t trips = sc.trip_count();
    tt.first_rn.resize(trips);
    tt.stop_count.resize(trips);
    tt.line.resize(trips);
    tt.departure_s.resize(trips);
    tt.capacity.resize(trips);
    tt.seated.resize(trips);
    tt.first_time = sc.trip_first_time;
    tt.sched_arrive_s = sc.arrive_s;
    tt.sched_depart_s = sc.depart_s;
    for (std::uint32_t i = 0; i < trips; ++i) {
        const auto route = sc.trip_route[i];
        const auto line = sc.route_line[route];
        const auto vehicle = net.line_vehicle[line];
        const double full = net.vehicle_seated[vehicle] + net.vehicle_standing[vehicle];
        tt.first_rn[i] = sc.route_first_rn[route];
        tt.stop_count[i] = sc.stop_count_of_route(route);
        tt.line[i] = line;
        tt.departure_s[i] = sc.depart(i, 0);
        tt.capacity[i] = static_cast<std::uint32_t>(std::max(1.0, std::round(full * capacity_factor)));
        tt.seated[i] = static_cast<std::uint32_t>(std::round(net.vehicle_seated[vehicle] * capacity_factor));
    }
    return tt;
}

BusRoutes bus_routes(const routing::RoutingContext& rc) {
    const auto& tm = *rc.transit;
    const auto& net = rc.net;
    BusRoutes br;
    br.rn_first_arc.push_back(0);
    br.rn_on_road.assign(tm.route_node_count(), 0);
    // The road path between consecutive stops of every line on the road: one search per stop
    // node, stopped once the next stops of all its lines are settled (their paths are those of a
    // full search), instead of a search of the whole network per stop of each line.
    std::map<std::uint32_t, std::vector<std::uint32_t>> next_stops;  // from stop node -> to stop nodes
    for (std::uint32_t rn = 0; rn < tm.route_node_count(); ++rn)
        if (net.line_on_road[tm.rn_line(rn)] && !tm.rn_is_last(rn))
            next_stops[net.stop_node[tm.rn_stop(rn)]].push_back(net.stop_node[tm.rn_stop(rn + 1)]);
    std::map<std::pair<std::uint32_t, std::uint32_t>, std::vector<std::uint32_t>> paths;  // (from, to) -> arcs
    routing::ShortestPathTree tree(rc.car);
    for (auto& [from, targets] : next_stops) {
        std::sort(targets.begin(), targets.end());
        targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
        tree.run_to(from, targets);
        for (const auto to : targets) {
            std::vector<std::uint32_t> arcs;
            if (tree.path_to(to, arcs)) paths.emplace(std::pair{from, to}, std::move(arcs));
        }
    }
    for (std::uint32_t rn = 0; rn < tm.route_node_count(); ++rn) {
        const auto line = tm.rn_line(rn);
        if (net.line_on_road[line] && !tm.rn_is_last(rn)) {
            const auto from = net.stop_node[tm.rn_stop(rn)], to = net.stop_node[tm.rn_stop(rn + 1)];
            if (const auto it = paths.find({from, to}); it != paths.end() && !it->second.empty()) {
                br.arcs.insert(br.arcs.end(), it->second.begin(), it->second.end());
                br.rn_on_road[rn] = 1;
            }
        }
        br.rn_first_arc.push_back(static_cast<std::uint32_t>(br.arcs.size()));
    }
    return br;
}

}  // namespace

MobsimContext make_mobsim_context(const routing::RoutingContext& routing, const MobsimParams& params) {
    return MobsimContext{routing, params,
                         expand_timetable(routing.transit->schedule(), routing.net, params.transit_capacity_factor),
                         bus_routes(routing)};
}

}  // namespace flemsim::mobsim
