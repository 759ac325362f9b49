#pragma once
// Small hand-made worlds for the mobsim tests: a network built in code, persons with one
// tour each, all plans given explicitly.
#include <filesystem>
#include <string>
#include <vector>

#include "sim/mobsim/mobsim.hpp"
#include "sim/network/network.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/routing/routes.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::testing {

struct LinkSpec {
    std::string from, to;
    double length_m;
    double speed_kph;  // 0: no car access
    double capacity_veh_per_h;
    double lanes = 1;
    bool walk = true;
};

// Nodes on a line at x = 0, 100, 200, ... named by `names`; links as given; one study zone
// holding every node; optional transit lines (stops at nodes).
struct World {
    network::Network net;
    scenario::Scenario scenario;
};

inline World make_world(const std::vector<std::string>& nodes, const std::vector<std::pair<double, double>>& xy,
                        const std::vector<LinkSpec>& links) {
    World w;
    auto& net = w.net;
    net.name = "test";
    net.origin_lat = 59.2;
    net.origin_lon = 17.9;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        net.node_ids.push_back(nodes[i]);
        net.node_x_m.push_back(xy[i].first);
        net.node_y_m.push_back(xy[i].second);
        net.node_zone.push_back(0);
        net.node_line.push_back(static_cast<int>(i) + 2);
    }
    for (std::size_t i = 0; i < links.size(); ++i) {
        const auto& l = links[i];
        net.link_ids.push_back("l" + std::to_string(i));
        net.link_from.push_back(net.find_node(l.from));
        net.link_to.push_back(net.find_node(l.to));
        net.link_length_m.push_back(l.length_m);
        net.link_type.push_back("test");
        std::uint8_t modes = l.walk ? network::walk_bit | network::bike_bit : 0;
        if (l.speed_kph > 0) modes |= network::car_bit;
        net.link_modes.push_back(modes);
        net.link_oneway.push_back(1);
        net.link_car_speed_mps.push_back(l.speed_kph / 3.6);
        net.link_lanes.push_back(l.lanes);
        net.link_capacity_veh_per_h.push_back(l.capacity_veh_per_h);
        net.link_name.push_back("");
    }
    net.zone_ids = {"all"};
    net.zone_names = {"All"};
    net.zone_kind = {network::ZoneKind::study};
    net.zone_centroid = {0};
    net.zone_modes = {network::walk_bit};
    net.zone_line = {2};
    net.zone_first_node = {0};
    for (std::uint32_t n = 0; n < nodes.size(); ++n) net.zone_nodes.push_back(n);
    net.zone_first_node.push_back(static_cast<std::uint32_t>(nodes.size()));
    net.line_first_stop = {0};
    net.line_first_headway = {0};
    w.scenario = scenario::load_scenario(std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml");
    w.scenario.modes.walk.speed_cv = w.scenario.modes.bike.speed_cv = 0;
    return w;
}

// Adds a transit line through `stops` (stop i at node stops[i]) with run times and one
// headway all day; vehicle capacity as given.
inline void add_line(World& w, const std::string& id, const std::vector<std::string>& stop_nodes,
                     const std::vector<std::int32_t>& run_s, std::int32_t from_s, std::int32_t to_s,
                     std::int32_t headway_s, std::uint32_t capacity, bool road = false) {
    auto& net = w.net;
    const auto vehicle = static_cast<std::uint32_t>(net.vehicle_ids.size());
    net.vehicle_ids.push_back(id + "_vehicle");
    net.vehicle_names.push_back(id);
    net.vehicle_seated.push_back(capacity);
    net.vehicle_standing.push_back(0);
    net.line_ids.push_back(id);
    net.line_names.push_back(id);
    net.line_mode.push_back(road ? network::LineMode::bus : network::LineMode::rail);
    net.line_vehicle.push_back(vehicle);
    net.line_on_road.push_back(road);
    net.line_both_ways.push_back(1);
    for (std::size_t k = 0; k < stop_nodes.size(); ++k) {
        std::uint32_t stop = net.find_stop("s_" + stop_nodes[k]);
        if (stop == core::invalid_index) {
            stop = static_cast<std::uint32_t>(net.stop_ids.size());
            net.stop_ids.push_back("s_" + stop_nodes[k]);
            net.stop_names.push_back(stop_nodes[k]);
            net.stop_node.push_back(net.find_node(stop_nodes[k]));
        }
        net.line_stop.push_back(stop);
        net.line_run_time_s.push_back(k == 0 ? 0 : run_s[k - 1]);
        net.line_dwell_s.push_back(0);
    }
    net.line_first_stop.push_back(static_cast<std::uint32_t>(net.line_stop.size()));
    net.headway_from_s.push_back(from_s);
    net.headway_to_s.push_back(to_s);
    net.headway_s.push_back(headway_s);
    net.line_first_headway.push_back(static_cast<std::uint32_t>(net.headway_s.size()));
}

// One person per departure, each with one tour from `from` to `to` leaving at the given
// time and coming back at `return_s`.
inline population::Population make_people(const network::Network& net, const std::vector<std::int32_t>& departures,
                                          const std::string& from, const std::string& to, std::int32_t return_s) {
    population::Population pop;
    for (std::size_t i = 0; i < departures.size(); ++i) {
        pop.group.push_back(core::Group::resident);
        pop.home_zone.push_back(0);
        pop.home_node.push_back(net.find_node(from));
        pop.work_zone.push_back(core::invalid_index);
        pop.work_node.push_back(core::invalid_index);
        pop.study_zone.push_back(core::invalid_index);
        pop.study_node.push_back(core::invalid_index);
        pop.car_available.push_back(1);
        pop.bike_owner.push_back(1);
        pop.transit_pass.push_back(1);
        pop.person_first_tour.push_back(static_cast<std::uint32_t>(i));
        pop.tour_purpose.push_back(core::Purpose::other);
        pop.tour_zone.push_back(0);
        pop.tour_node.push_back(net.find_node(to));
        pop.tour_depart_s.push_back(departures[i]);
        pop.tour_return_s.push_back(return_s);
    }
    pop.person_first_tour.push_back(static_cast<std::uint32_t>(departures.size()));
    return pop;
}

// Cars only, no squeezing past a blocked link: the tests watch the queues themselves.
inline mobsim::MobsimParams car_params() {
    mobsim::MobsimParams p;
    p.end_time_s = 30 * 3600;
    p.car_access_s = 0;
    p.stuck_time_s = 100000;
    return p;
}

struct Played {
    routing::TripRoutes routes;
    mobsim::DayResult day;
};

// Routes every trip by `mode` and plays the day.
inline Played play(const World& w, const population::Population& pop, core::Mode mode,
                   const mobsim::MobsimParams& params, const routing::RoutingContext& ctx) {
    std::vector<core::Mode> modes(pop.trip_count(), mode);
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
    Played p;
    p.routes = routing::route_trips(ctx, pop, modes, dep);
    const auto mctx = mobsim::make_mobsim_context(ctx, params);
    p.day = mobsim::simulate_day(mctx, {pop, modes, dep, p.routes});
    (void)w;
    return p;
}

}  // namespace flemsim::testing
