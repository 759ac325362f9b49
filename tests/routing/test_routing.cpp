#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <tuple>

#include "../mobsim/mobsim_fixture.hpp"
#include "sim/core/rng.hpp"
#include "sim/network/network.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/cch.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/los.hpp"
#include "sim/routing/routes.hpp"
#include "sim/routing/street_cch.hpp"
#include "sim/routing/transit.hpp"
#include "sim/scenario/scenario.hpp"

using namespace flemsim;
using routing::ShortestPathTree;

namespace {
const std::filesystem::path data = FLEMSIM_TEST_DATA;
}

TEST_CASE("a 3-node corridor, by hand") {
    // 0 --100 m--> 1 --200 m--> 2, and a slow direct arc 0 -> 2 of 250 m at a fifth of the speed.
    const auto g = routing::make_graph(3, {0, 1, 0}, {1, 2, 2}, {100, 200, 1250}, {100, 200, 250}, {});
    ShortestPathTree t(g);
    t.run(0);
    CHECK(t.time_s(0) == 0);
    CHECK(t.time_s(1) == 100);
    CHECK(t.time_s(2) == 300);
    CHECK(t.length_m(2) == 300);  // the length of the fastest path, not the shortest
    CHECK(g.head[t.parent_arc(2)] == 2);
    t.run(2);
    CHECK_FALSE(t.reached(0));  // arcs are directed
    t.run(0, 150.0);            // bounded search settles nothing beyond 150 s
    CHECK(t.time_s(1) == 100);
}

TEST_CASE("one-to-all times equal Boost's dijkstra_shortest_paths on random graphs") {
    using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                             boost::property<boost::edge_weight_t, double>>;
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        core::Rng rng(seed, core::Stream::person_attributes, 0);
        const std::uint32_t n = 50 + rng.below(400);
        const std::uint32_t m = n * (1 + rng.below(5));
        std::vector<std::uint32_t> tail, head;
        std::vector<double> w, len;
        BoostGraph bg(n);
        for (std::uint32_t a = 0; a < m; ++a) {
            const auto u = rng.below(n), v = rng.below(n);
            // Integer weights give ties, which must not change the times.
            const double weight = seed % 2 ? 1.0 + rng.below(20) : 0.5 + 100.0 * rng.uniform();
            tail.push_back(u);
            head.push_back(v);
            w.push_back(weight);
            len.push_back(weight * 2);
            boost::add_edge(u, v, weight, bg);
        }
        const auto g = routing::make_graph(n, tail, head, w, len, {});
        ShortestPathTree tree(g);
        std::vector<double> dist(n);
        for (std::uint32_t source : {0u, n / 2, n - 1}) {
            boost::dijkstra_shortest_paths(bg, source, boost::distance_map(dist.data()));
            tree.run(source);
            for (std::uint32_t v = 0; v < n; ++v) {
                const bool boost_reached = dist[v] < std::numeric_limits<double>::max() / 2;
                REQUIRE(boost_reached == tree.reached(v));
                if (boost_reached) REQUIRE(tree.time_s(v) == doctest::Approx(dist[v]).epsilon(1e-12));
            }
            // Stopping once a few targets are settled gives them the same times.
            const std::vector<std::uint32_t> targets{n / 3, n - 1, n / 3, 0};
            ShortestPathTree early(g);
            early.run_to(source, targets);
            for (const auto v : targets) {
                const bool boost_reached = dist[v] < std::numeric_limits<double>::max() / 2;
                REQUIRE(boost_reached == early.reached(v));
                if (boost_reached) REQUIRE(early.time_s(v) == doctest::Approx(dist[v]).epsilon(1e-12));
            }
        }
    }
}

TEST_CASE("street graphs of the tiny network") {
    const auto net = network::load_network(data / "tiny");
    const auto walk = routing::build_street_graph(net, core::Mode::walk, 1.25);
    const auto car = routing::build_street_graph(net, core::Mode::car, 0);
    ShortestPathTree w(walk), c(car);
    w.run(net.find_node("a0"));
    CHECK(w.time_s(net.find_node("a4")) == doctest::Approx(800 / 1.25));
    CHECK_FALSE(w.reached(net.find_node("gw")));  // the regional road is car only
    c.run(net.find_node("a0"));
    // 800 m at 36 km/h, then 4,200 m at 72 km/h.
    CHECK(c.time_s(net.find_node("gw")) == doctest::Approx(80 + 210));
    CHECK(c.length_m(net.find_node("gw")) == doctest::Approx(5000));
}

TEST_CASE("transit on the timetable of a line with a known headway") {
    const auto net = network::load_network(data / "tiny");
    const auto walk = routing::build_street_graph(net, core::Mode::walk, 1.3);
    routing::TransitParams p;
    p.max_access_walk_m = 1200;
    p.max_wait_s = 1800;
    p.w_in_vehicle = 0.03 / 60;
    p.w_wait = 0.05 / 60;
    p.w_walk = 0.06 / 60;
    routing::TransitModel model(net, walk, p);
    routing::TransitQuery q(model);
    q.run(net.find_node("a1"), 8);
    const auto path = q.path_to(net.find_node("gw"), 8 * 3600);
    REQUIRE(path.found);
    // Walk 200 m back to West station (153.8 s, whole seconds up: 154), wait for the 08:10
    // train (every 600 s from 05:00), ride 60 s + 30 s dwell at East + 300 s, walk 400 m from
    // City station to the centroid (307.7 s: 308).
    CHECK(path.access_s == 154);
    CHECK(path.wait_s == 600 - 154);
    CHECK(path.in_vehicle_s == 390);
    CHECK(path.egress_s == 308);
    CHECK(path.transfers == 0);
    CHECK(path.depart_s >= 8 * 3600);
    CHECK(path.first_stop == net.find_stop("st_west"));
    CHECK(path.last_stop == net.find_stop("st_city"));
    CHECK(path.first_line == net.find_line("r1"));
    CHECK(path.total_s() == 10 * 60 + 390 + 308);  // arrives 08:16:38
    // In-vehicle distance is stop to stop in a straight line: West-East 800 m, East-City
    // from (800, 0) to (5000, 400).
    CHECK(path.total_m() == doctest::Approx(200 + 800 + std::hypot(4200.0, 400.0) + 400).epsilon(1e-6));
    // Leaving just in time (08:07:26) there is no wait.
    CHECK(q.path_to(net.find_node("gw"), 8 * 3600 + 446).wait_s == 0);
    // The line runs in both directions: from City at 08:10, 300 s + 30 s + 60 s to West.
    q.run(net.find_node("gw"), 8);
    const auto back = q.path_to(net.find_node("a0"), 8 * 3600);
    REQUIRE(back.found);
    CHECK(back.in_vehicle_s == 300 + 30 + 60);
    // No service before 05:00, and 04:00 is more than max_wait_s (1800 s) before it: transit
    // is unavailable, not a wait of an hour.
    q.run(net.find_node("a1"), 4);
    CHECK_FALSE(q.path_to(net.find_node("gw"), 4 * 3600).found);
    // 04:40 waits for the 05:00 train: 1200 s - 154 s.
    CHECK(q.path_to(net.find_node("gw"), 4 * 3600 + 40 * 60).wait_s == 1200 - 154);
}

TEST_CASE("after the last service transit is unavailable, not a wait until the morning") {
    auto net = network::load_network(data / "tiny");
    net.headway_to_s.back() = 20 * 3600;  // the last train leaves West at 19:50
    const auto walk = routing::build_street_graph(net, core::Mode::walk, 1.3);
    routing::TransitParams p;
    p.max_access_walk_m = 1200;
    p.max_wait_s = 1800;
    routing::TransitModel model(net, walk, p);
    routing::TransitQuery q(model);
    q.run(net.find_node("a1"), 19);
    const auto last = q.path_to(net.find_node("gw"), 19 * 3600 + 45 * 60);
    REQUIRE(last.found);
    CHECK(last.wait_s == 300 - 154);
    CHECK_FALSE(q.path_to(net.find_node("gw"), 19 * 3600 + 50 * 60).found);  // 154 s walk: missed
    q.run(net.find_node("a1"), 21);
    CHECK_FALSE(q.path_to(net.find_node("gw"), 21 * 3600).found);
}

TEST_CASE("a search at one leaving time finds the feeder bus to the train, leaving as late as the profile") {
    // Home H; a bus stop B 200 m away; the station S 1,500 m away (walking at 1 m/s); D by
    // train. Leaving at 8:00: walk 25 min to S for the 8:30 train (arriving 8:50), or walk
    // 200 s to B, the 8:20 bus (S at 8:25, 120 s to change) and the same train. Costs (walk
    // x2): the walk 1500 x 2 + 300 wait + 1200 ride = 4500; the feeder 200 x 2 + 1000 wait at
    // home + 300 at S + 1500 ride = 3200. With one trip from H in the hour, the search runs at
    // 8:00 alone (not a profile), where the walk reaches S first; backwards from the 8:50 arrival
    // it finds the feeder, leaving at 8:16:40, the profile's answer.
    auto w = testing::make_world({"H", "B", "S", "D"}, {{0, 0}, {200, 0}, {1500, 0}, {6500, 0}},
                                 {{"H", "B", 200, 0, 0},
                                  {"B", "H", 200, 0, 0},
                                  {"B", "S", 1300, 0, 0},
                                  {"S", "B", 1300, 0, 0},
                                  {"S", "D", 5000, 0, 0},
                                  {"D", "S", 5000, 0, 0}});
    testing::add_line(w, "bus", {"B", "S"}, {300}, 8 * 3600 + 20 * 60, 8 * 3600 + 21 * 60, 3600, 100, true);
    testing::add_line(w, "train", {"S", "D"}, {1200}, 8 * 3600 + 30 * 60, 8 * 3600 + 31 * 60, 3600, 100);
    const auto walk = routing::build_street_graph(w.net, core::Mode::walk, 1.0);
    routing::TransitParams p;
    p.max_access_walk_m = 2000;
    p.min_transfer_s = 120;
    p.w_walk = 2;
    routing::TransitModel model(w.net, walk, p);
    const auto home = w.net.find_node("H"), dest = w.net.find_node("D");
    for (const std::size_t departures : {std::size_t{1}, std::size_t{0}}) {  // one search at 8:00, the profile
        CAPTURE(departures);
        routing::TransitQuery q(model);
        q.run(home, 8, departures);
        const auto path = q.path_to(dest, 8 * 3600);
        REQUIRE(path.found);
        CHECK(path.first_line == w.net.find_line("bus"));
        CHECK(path.last_line == w.net.find_line("train"));
        CHECK(path.transfers == 1);
        CHECK(path.access_s == 200);
        CHECK(path.depart_s == 8 * 3600 + 20 * 60 - 200);
        CHECK(path.wait_s == 1000 + 300);
        CHECK(path.in_vehicle_s == 1500);
        CHECK(path.cost == doctest::Approx(3200));
    }
}

TEST_CASE("level of service per trip: no transit an hour before the first train") {
    const auto s = scenario::load_scenario(data / "tiny.yaml");
    const auto net = network::load_network(s.network);
    const auto ctx = routing::build_routing(net, s);
    population::Population pop;
    pop.group = {core::Group::resident_worker};
    pop.home_zone = {net.find_zone("west")};
    pop.home_node = {net.find_node("a1")};
    pop.work_zone = {net.find_zone("city")};
    pop.work_node = {net.find_node("gw")};
    pop.study_zone = {core::invalid_index};
    pop.study_node = {core::invalid_index};
    pop.car_available = {1};
    pop.bike_owner = {1};
    pop.transit_pass = {1};
    pop.person_first_tour = {0, 1};
    pop.tour_purpose = {core::Purpose::work};
    pop.tour_zone = {net.find_zone("city")};
    pop.tour_node = {net.find_node("gw")};
    pop.tour_depart_s = {4 * 3600};  // an hour before the first train: more than max_wait_s
    pop.tour_return_s = {16 * 3600};
    const auto los = routing::compute_trip_los(ctx, pop);
    REQUIRE(los.size() == 2);
    CHECK_FALSE(los.has(0, core::Mode::transit));
    CHECK(los.has(1, core::Mode::transit));
    // From the gateway: 400 m to City (308 s at 1.3 m/s), the 16:10 train.
    CHECK(los.pt.wait_s[1] == 600 - 308);
    CHECK(los.has(0, core::Mode::car));
    CHECK(los.time_s[3][0] == doctest::Approx(80 - 20 + 210 + s.modes.car.access_s));  // from a1: 600 m at 10 m/s
    CHECK(los.has(0, core::Mode::walk) == false);                                      // no walk path to the gateway
    CHECK(los.has(0, core::Mode::bike) == false);
}

TEST_CASE("zone impedance is the fastest mode between centroids") {
    const auto s = scenario::load_scenario(data / "tiny.yaml");
    const auto net = network::load_network(s.network);
    const auto ctx = routing::build_routing(net, s);
    const auto imp = routing::compute_zone_impedance(ctx, 8 * 3600);
    const auto west = net.find_zone("west"), east = net.find_zone("east"), city = net.find_zone("city");
    // West to East centroids (a0 to a4): car 80 s + 120 s access; bike 800/4.2 = 190.5 s is faster.
    CHECK(imp.at(west, east) == doctest::Approx(800 / 4.2 / 60));
    CHECK(imp.at(west, city) == doctest::Approx((80 + 210 + 120) / 60.0));
    CHECK(imp.at(west, west) == doctest::Approx(0.5 * imp.at(west, east)));
    CHECK(imp.at(city, west) == doctest::Approx((80 + 210 + 120) / 60.0));
}

// Flemingsberg 2017's scenario, network and routing context, as a run loads them.
struct Flemingsberg2017 {
    scenario::Scenario s =
        scenario::load_scenario(std::filesystem::path(FLEMSIM_SOURCE_DIR) / "scenarios/flemingsberg-2017.yaml");
    network::Network net = network::load_network(s.network);
    routing::RoutingContext ctx = routing::build_routing(net, s);
};

// 24 hours of random congested car times: free flow times 1 to 3 (every third hour) or 1 to 1.5.
routing::CarTimes congested_hours(const routing::StreetGraph& g, core::Rng& rng) {
    routing::CarTimes times;
    times.hours = 24;
    times.time_s.resize(times.hours * g.arc_count());
    for (std::size_t h = 0; h < times.hours; ++h)
        for (std::size_t a = 0; a < g.arc_count(); ++a)
            times.time_s[h * g.arc_count() + a] = g.time_s[a] * (1 + (h % 3 == 0 ? 2.0 : 0.5) * rng.uniform());
    return times;
}

// Flemingsberg 2017's population at a twentieth (the gravity model's destinations) with every
// mode in turn (both trips of a tour alike).
struct FlemingsbergTrips : Flemingsberg2017 {
    population::Population pop;
    std::vector<core::Mode> modes;
    std::vector<std::int32_t> deps;
    FlemingsbergTrips() : pop(make()) {
        for (std::size_t t = 0; t < pop.trip_count(); ++t) {
            modes.push_back(static_cast<core::Mode>((t / 2) % 4));
            deps.push_back(routing::trip_departure_s(pop, t));
        }
    }
    population::Population make() {
        s.population.scale = 0.05;
        s.demand.given = false;  // the gravity model: trips enough, without a level of service first
        return population::synthesize(s, net, population::resolve_zone_data(s, net),
                                      routing::compute_zone_impedance(ctx, 8 * 3600));
    }
};

TEST_CASE("the trips' level of service and the walk and bike legs from labels equal the queries' up to rounding") {
    // Labels give the queries' costs bit for bit; the reported times and lengths differ from the
    // path's sums only by rounding (walk and bike lengths are time times speed, the car's a path
    // sum kept as a float). Transit does not come from them. Forced here (Flemingsberg is below
    // the 50,000 nodes of use_trip_labels).
    FlemingsbergTrips f;
    auto& ctx = f.ctx;
    const auto queries = routing::compute_trip_los(ctx, f.pop);
    ctx.force_trip_labels = true;
    const auto labels = routing::compute_trip_los(ctx, f.pop);
    REQUIRE(labels.size() == queries.size());
    CHECK(labels.available == queries.available);
    const auto close = [](float a, float b) { return std::abs(a - b) <= 1e-5f * std::max(1.0f, std::abs(b)); };
    std::array<std::size_t, core::mode_count> street{};
    for (const auto m : {core::Mode::walk, core::Mode::bike, core::Mode::car}) {
        const auto i = core::mode_index(m);
        for (std::size_t t = 0; t < queries.size(); ++t) {
            if (!queries.has(t, m)) continue;
            street[i] += queries.distance_m[i][t] > 0;
            INFO("mode " << i << ", trip " << t);
            CHECK(close(labels.time_s[i][t], queries.time_s[i][t]));
            CHECK(close(labels.distance_m[i][t], queries.distance_m[i][t]));
        }
    }
    for (const auto m : {core::Mode::walk, core::Mode::bike, core::Mode::car})
        CHECK(street[core::mode_index(m)] > 1000);
    for (std::size_t t = 0; t < queries.size(); ++t) CHECK(close(labels.car_drive_s[t], queries.car_drive_s[t]));
    CHECK(labels.time_s[core::mode_index(core::Mode::transit)] ==
          queries.time_s[core::mode_index(core::Mode::transit)]);
    CHECK(labels.pt.access_s == queries.pt.access_s);
    // Labels and trees forced together: the labels answer.
    ctx.force_trip_trees = true;
    const auto both = routing::compute_trip_los(ctx, f.pop);
    for (std::size_t i = 0; i < core::mode_count; ++i) CHECK(both.time_s[i] == labels.time_s[i]);
    ctx.force_trip_trees = false;

    // The walk and bike legs of route_trips on large networks (street_legs_by_cch, forced) take
    // their lengths from labels: the same legs, lengths up to rounding, every other leg the same
    // (the car's free-flow paths from labels are the queries').
    ctx.force_trip_labels = false;
    ctx.force_street_legs_by_cch = true;
    const auto by_cch = routing::route_trips(ctx, f.pop, f.modes, f.deps);
    ctx.force_trip_labels = true;
    const auto by_labels = routing::route_trips(ctx, f.pop, f.modes, f.deps);
    REQUIRE(by_labels.leg_kind == by_cch.leg_kind);
    // The car legs' paths (free flow, no car times) from labels too: the queries', arc for arc.
    CHECK(by_labels.leg_first_arc == by_cch.leg_first_arc);
    CHECK(by_labels.leg_arc0 == by_cch.leg_arc0);
    CHECK(by_labels.arc_rank == by_cch.arc_rank);
    CHECK(by_labels.wide_arcs == by_cch.wide_arcs);
    CHECK(by_labels.trip_first_leg == by_cch.trip_first_leg);
    std::size_t from_labels = 0;
    for (std::size_t t = 0; t < f.pop.trip_count(); ++t)
        for (auto l = by_cch.trip_first_leg[t]; l < by_cch.trip_first_leg[t + 1]; ++l) {
            INFO("trip ", t, " leg ", l);
            const auto k = by_cch.leg_kind[l];
            if (k == routing::LegKind::walk || k == routing::LegKind::bike) {
                CHECK(by_labels.leg_length_m[l] == doctest::Approx(by_cch.leg_length_m[l]).epsilon(1e-5));
                from_labels +=
                    (f.modes[t] == core::Mode::walk || f.modes[t] == core::Mode::bike) && by_cch.leg_length_m[l] > 0;
            } else {
                CHECK(by_labels.leg_length_m[l] == by_cch.leg_length_m[l]);
            }
        }
    CHECK(from_labels > 1000);

    // With the trips' level of service from labels (`known`), the legs take its distances: the
    // same bits as from labels. A walk range makes the level of service lack walk for the longer
    // walk trips: those legs come from a query each, again the same bits.
    CHECK(labels.from_labels ==
          (core::mode_bit(core::Mode::walk) | core::mode_bit(core::Mode::bike) | core::mode_bit(core::Mode::car)));
    CHECK(queries.from_labels == 0);
    const auto same_legs = [&](const routing::TripRoutes& a, const routing::TripRoutes& b) {
        CHECK(a.leg_kind == b.leg_kind);
        CHECK(a.leg_length_m == b.leg_length_m);
        CHECK(a.leg_first_arc == b.leg_first_arc);
        CHECK(a.leg_arc0 == b.leg_arc0);
        CHECK(a.trip_first_leg == b.trip_first_leg);
    };
    same_legs(routing::route_trips(ctx, f.pop, f.modes, f.deps, {}, nullptr, nullptr, nullptr, &labels), by_labels);

    // The car's labels kept by the trips' level of service (keep_car_labels) for the next
    // free-flow car answers, their sums dropped: the level of service is the same, and the routes
    // that take them (here where the rule alone would ask queries) are the queries' arc for arc.
    CHECK(ctx.cchs->take_car_labels() == nullptr);
    const auto keeping = routing::compute_trip_los(ctx, f.pop, true);
    for (std::size_t i = 0; i < core::mode_count; ++i) CHECK(keeping.time_s[i] == labels.time_s[i]);
    CHECK(keeping.distance_m == labels.distance_m);
    {
        auto kept = ctx.cchs->take_car_labels();
        REQUIRE(kept != nullptr);
        CHECK_FALSE(kept->has_sums());
        CHECK_FALSE(kept->forward());
        CHECK(&kept->metric() == &routing::street_metric(ctx, core::Mode::car));
        ctx.cchs->keep_car_labels(std::move(kept));
    }
    ctx.force_trip_labels = false;
    const auto taken = routing::route_trips(ctx, f.pop, f.modes, f.deps);
    CHECK(ctx.cchs->take_car_labels() == nullptr);  // handed over once
    same_legs(taken, by_cch);
    CHECK(taken.arc_rank == by_cch.arc_rank);
    CHECK(taken.wide_arcs == by_cch.wide_arcs);
    ctx.force_trip_labels = true;
    const double range = ctx.params.max_walk_trip_m;
    ctx.params.max_walk_trip_m = 1500;
    const auto ranged = routing::compute_trip_los(ctx, f.pop);
    ctx.params.max_walk_trip_m = range;
    std::size_t asked = 0;
    for (std::size_t t = 0; t < f.pop.trip_count(); ++t)
        asked += f.modes[t] == core::Mode::walk && !ranged.has(t, core::Mode::walk) && labels.has(t, core::Mode::walk);
    CHECK(asked > 100);
    same_legs(routing::route_trips(ctx, f.pop, f.modes, f.deps, {}, nullptr, nullptr, nullptr, &ranged), by_labels);
    // A level of service from queries is not taken (its distances may differ in the last bits).
    same_legs(routing::route_trips(ctx, f.pop, f.modes, f.deps, {}, nullptr, nullptr, nullptr, &queries), by_labels);
}

TEST_CASE("zone impedance from batched PHAST trees equals the searches'") {
    // Flemingsberg: 4,000-odd nodes a mode, so the searches by default; batched PHAST forced.
    const Flemingsberg2017 f;
    const auto& ctx = f.ctx;
    const auto searches = routing::compute_zone_impedance(ctx, 8 * 3600, routing::StreetTrees::searches);
    const auto automatic = routing::compute_zone_impedance(ctx, 8 * 3600);
    const auto batched = routing::compute_zone_impedance(ctx, 8 * 3600, routing::StreetTrees::batched);
    CHECK(automatic.minutes == searches.minutes);
    REQUIRE(batched.minutes.size() == searches.minutes.size());
    std::size_t finite = 0;
    for (std::size_t k = 0; k < searches.minutes.size(); ++k) {
        INFO("pair ", k);
        if (!std::isfinite(searches.minutes[k])) {
            CHECK(batched.minutes[k] == searches.minutes[k]);
            continue;
        }
        ++finite;
        CHECK(batched.minutes[k] == doctest::Approx(searches.minutes[k]).epsilon(1e-9));
    }
    CHECK(finite > 100);
}

TEST_CASE("zone skims and the demand models' street offers from batched PHAST equal the searches'") {
    // Flemingsberg, batched PHAST forced: the same times up to rounding; the lengths those of the
    // same paths, except where paths of equal time differ in length (none here).
    const Flemingsberg2017 f;
    const auto& ctx = f.ctx;
    const auto searches = routing::compute_zone_skims(ctx, 8 * 3600, routing::StreetTrees::searches);
    const auto batched = routing::compute_zone_skims(ctx, 8 * 3600, routing::StreetTrees::batched);
    const auto automatic = routing::compute_zone_skims(ctx, 8 * 3600);  // the searches by default, to the bit
    const auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
    for (std::size_t q = 0; q < searches.values.size(); ++q)
        CHECK(std::equal(automatic.values[q].begin(), automatic.values[q].end(), searches.values[q].begin(),
                         searches.values[q].end(), same));
    REQUIRE(batched.names == searches.names);
    std::size_t finite = 0;
    for (std::size_t q = 0; q < 6; ++q)  // walk, bike and car: time and distance
        for (std::size_t k = 0; k < searches.values[q].size(); ++k) {
            INFO(searches.names[q], " pair ", k);
            const double a = searches.values[q][k], b = batched.values[q][k];
            if (std::isnan(a)) {
                CHECK(std::isnan(b));
                continue;
            }
            ++finite;
            CHECK(b == doctest::Approx(a).epsilon(1e-9));
        }
    CHECK(finite > 1000);
    for (std::size_t q = 6; q < searches.values.size(); ++q)  // transit: the same searches
        CHECK(std::equal(batched.values[q].begin(), batched.values[q].end(), searches.values[q].begin(),
                         searches.values[q].end(), same));

    const auto by_searches = routing::compute_zone_los_by_period(ctx, 3600, 2, routing::StreetTrees::searches);
    const auto by_batched = routing::compute_zone_los_by_period(ctx, 3600, 2, routing::StreetTrees::batched);
    REQUIRE(by_batched.zones == by_searches.zones);
    REQUIRE(by_batched.periods == by_searches.periods);
    std::size_t street = 0;
    for (int p = 0; p < by_searches.periods; ++p)
        for (std::size_t i = 0; i < by_searches.zones; ++i)
            for (std::size_t j = 0; j < by_searches.zones; ++j) {
                const auto a = by_searches.at(p, i, j), b = by_batched.at(p, i, j);
                INFO("period ", p, " zones ", i, " ", j);
                REQUIRE(b.available == a.available);
                for (std::size_t m = 0; m < core::mode_count; ++m) {
                    CHECK(b.time_s[m] == doctest::Approx(a.time_s[m]).epsilon(1e-6));
                    CHECK(b.distance_m[m] == doctest::Approx(a.distance_m[m]).epsilon(1e-6));
                }
                CHECK(b.car_drive_s == doctest::Approx(a.car_drive_s).epsilon(1e-6));
                street += (a.available & core::mode_bit(core::Mode::walk)) != 0;
            }
    CHECK(street > 1000);
}

TEST_CASE("the demand models' zone offers: streets alike in every period, transit as its departures give it") {
    // Flemingsberg, periods of two hours, two departures a period. Walk, bike and car are the same
    // in every period; transit is the mean of the departures' journeys where at least half find
    // one (transit_path_at, asked here pair by pair), else not offered; a zone's offer to itself
    // is half its offer to the nearest other zone. The table keeps transit only where offered.
    const Flemingsberg2017 f;
    const auto& ctx = f.ctx;
    const int samples = 2;
    const std::int32_t period_s = 7200;
    const auto z = routing::compute_zone_los_by_period(ctx, period_s, samples);
    const std::size_t nz = ctx.net.zone_count();
    REQUIRE(z.zones == nz);
    REQUIRE(z.periods == 12);
    constexpr auto transit = core::mode_index(core::Mode::transit);
    constexpr auto transit_bit = core::mode_bit(core::Mode::transit);
    std::size_t offered = 0;
    std::array<std::size_t, 12> offered_in{};
    for (int p = 0; p < z.periods; ++p)
        for (std::size_t i = 0; i < nz; ++i)
            for (std::size_t j = 0; j < nz; ++j) {
                const auto a = z.at(p, i, j), first = z.at(0, i, j);
                INFO("period ", p, " zones ", i, " ", j);
                CHECK((a.available & ~transit_bit) == (first.available & ~transit_bit));
                for (std::size_t m = 0; m < core::mode_count; ++m)
                    if (m != transit) CHECK(a.time_s[m] == first.time_s[m]);
                CHECK(a.car_drive_s == first.car_drive_s);
                if (a.available & transit_bit) {
                    ++offered, ++offered_in[static_cast<std::size_t>(p)];
                    CHECK(a.time_s[transit] == a.pt.total_s());
                } else {
                    CHECK(a.time_s[transit] == 0);
                    CHECK(a.pt.in_vehicle_s == 0);
                }
                CHECK(z.at(p + z.periods, i, j).time_s[transit] == a.time_s[transit]);  // past midnight
            }
    CHECK(z.transit.size() == offered);
    CHECK(offered_in[4] > 0);   // 08-10
    CHECK(offered_in[1] == 0);  // 02-04: no service within max_wait_s
    CHECK(offered_in[11] > 0);  // 22-24

    // Pairs recomputed from their departures, in every period.
    routing::TransitQuery q(*ctx.transit);
    std::size_t checked = 0;
    for (std::size_t i = 0; i < nz; i += 7)
        for (std::size_t j = 1; j < nz; j += 5) {
            if (i == j) continue;
            for (int p = 0; p < z.periods; ++p) {
                routing::BasicTransitComponents<float> sum;
                float distance = 0;
                int found = 0;
                double transfers = 0;
                for (int k = 0; k < samples; ++k) {
                    const auto path = routing::transit_path_at(
                        ctx, q, ctx.net.zone_centroid[i], ctx.net.zone_centroid[j],
                        p * period_s + k * period_s / samples, nullptr, -1.0, static_cast<std::size_t>(samples) * nz);
                    if (!path.found) continue;
                    ++found;
                    sum.access_s += static_cast<float>(path.access_s);
                    sum.wait_s += static_cast<float>(path.wait_s);
                    sum.in_vehicle_s += static_cast<float>(path.in_vehicle_s);
                    sum.transfer_walk_s += static_cast<float>(path.transfer_walk_s);
                    sum.egress_s += static_cast<float>(path.egress_s);
                    transfers += path.transfers;
                    distance += static_cast<float>(path.total_m());
                }
                const auto a = z.at(p, i, j);
                INFO("period ", p, " zones ", i, " ", j, " found ", found);
                REQUIRE(((a.available & transit_bit) != 0) == (2 * found >= samples));
                if (2 * found < samples) continue;
                ++checked;
                const auto n = static_cast<float>(found);
                CHECK(a.pt.access_s == sum.access_s / n);
                CHECK(a.pt.wait_s == sum.wait_s / n);
                CHECK(a.pt.in_vehicle_s == sum.in_vehicle_s / n);
                CHECK(a.pt.egress_s == sum.egress_s / n);
                CHECK(a.distance_m[transit] == distance / n);
                CHECK(a.pt.transfers == static_cast<std::uint32_t>(std::lround(transfers / found)));
            }
        }
    CHECK(checked > 100);

    // A zone to itself: half its offer to the nearest other zone by street, in each period.
    for (std::size_t i = 0; i < nz; ++i) {
        std::size_t nearest = nz;
        float best = std::numeric_limits<float>::infinity();
        for (std::size_t j = 0; j < nz; ++j) {
            if (j == i) continue;
            const auto o = z.at(0, i, j);
            for (const auto m : {core::Mode::walk, core::Mode::bike, core::Mode::car})
                if ((o.available & core::mode_bit(m)) && o.distance_m[core::mode_index(m)] < best)
                    best = o.distance_m[core::mode_index(m)], nearest = j;
        }
        REQUIRE(nearest < nz);
        for (int p = 0; p < z.periods; ++p) {
            const auto self = z.at(p, i, i), near = z.at(p, i, nearest);
            INFO("zone ", i, " period ", p);
            CHECK(self.available == near.available);
            for (std::size_t m = 0; m < core::mode_count; ++m) {
                CHECK(self.time_s[m] == 0.5f * near.time_s[m]);
                CHECK(self.distance_m[m] == 0.5f * near.distance_m[m]);
            }
            CHECK(self.pt.wait_s == 0.5f * near.pt.wait_s);
        }
    }
}

TEST_CASE("a hand-made zone table: a pair's streets for every period, its transit in the period given") {
    routing::ZoneLosTable t(3, 4, 3600);
    CHECK(t.transit.empty());
    routing::PairOffer o;
    o.available = core::mode_bit(core::Mode::walk) | core::mode_bit(core::Mode::transit);
    o.time_s[core::mode_index(core::Mode::walk)] = 600;
    o.pt.in_vehicle_s = 300;
    o.pt.wait_s = 120;
    o.time_s[core::mode_index(core::Mode::transit)] = o.pt.total_s();
    t.put(1, 0, 2, o);
    const auto in = t.at(1, 0, 2), other = t.at(2, 0, 2), back = t.at(1, 2, 0);
    CHECK(in.available == o.available);
    CHECK(in.pt.in_vehicle_s == 300);
    CHECK(in.time_s[core::mode_index(core::Mode::transit)] == 420);
    CHECK(other.available == core::mode_bit(core::Mode::walk));
    CHECK(other.time_s[core::mode_index(core::Mode::walk)] == 600);
    CHECK(other.time_s[core::mode_index(core::Mode::transit)] == 0);
    CHECK(other.pt.in_vehicle_s == 0);
    CHECK(back.available == 0);
    CHECK(t.at(5, 0, 2).pt.in_vehicle_s == 300);  // a period past midnight
    o.pt.in_vehicle_s = 360;
    t.put(1, 0, 2, o);  // again: in place
    CHECK(t.transit.size() == 1);
    CHECK(t.at(1, 0, 2).pt.in_vehicle_s == 360);
    o.available = core::mode_bit(core::Mode::walk);
    t.put(1, 0, 2, o);  // transit no longer offered then
    CHECK(t.at(1, 0, 2).available == core::mode_bit(core::Mode::walk));
    CHECK(t.at(1, 0, 2).pt.in_vehicle_s == 0);
}

TEST_CASE("the batched zone trees are made once per mode and shared by the impedance, the skims and the offers") {
    const Flemingsberg2017 f;
    const auto& ctx = f.ctx;
    const std::size_t nz = ctx.net.zone_count();
    int made = 0;
    const auto make = [&] {
        ++made;
        return routing::StreetCchs::ZoneTable{};
    };
    // A fresh context makes the table on the first call only.
    const auto fresh = routing::build_routing(ctx.net, f.s);
    CHECK(fresh.cchs->zone_table(core::Mode::bike, make).time_s.empty());
    CHECK(fresh.cchs->zone_table(core::Mode::bike, make).time_s.empty());
    CHECK(made == 1);
    // The impedance's batched trees made the table of every street mode: with times and lengths,
    // which the skims then read.
    routing::compute_zone_impedance(ctx, 8 * 3600, routing::StreetTrees::batched);
    const auto skims = routing::compute_zone_skims(ctx, 8 * 3600, routing::StreetTrees::batched);
    const auto& walk = ctx.cchs->zone_table(core::Mode::walk, make);
    CHECK(made == 1);
    REQUIRE(walk.time_s.size() == nz * nz);
    REQUIRE(walk.length_m.size() == nz * nz);
    std::size_t finite = 0;
    for (std::size_t k = 0; k < nz * nz; ++k) {
        if (!(walk.time_s[k] < routing::unreachable)) continue;
        ++finite;
        CHECK(skims.values[0][k] == walk.time_s[k] / 60);
        CHECK(skims.values[1][k] == walk.length_m[k] / 1000);
    }
    CHECK(finite > 100);
}

TEST_CASE("the car's hourly paths, hour by hour on one customization, equal a fresh metric per hour") {
    // Flemingsberg's car network, 24 hours of random congested times, and car queries in groups
    // of one to three per origin and hour (few enough to go by the hierarchy, and enough groups in
    // every hour for a customization), some of them asked twice (as the replanning asks for a
    // trip at several departures in one hour), which take the first one's answer. Two hours have
    // the free-flow times (as where no car drove): they are answered on the free-flow metric, not
    // customized.
    const Flemingsberg2017 f;
    const auto& ctx = f.ctx;
    const auto& g = ctx.car;
    core::Rng rng(17, core::Stream::person_attributes, 0xca5);
    auto times = congested_hours(g, rng);
    for (const std::size_t h : {5, 23})  // 23 serves the hours past the table too
        std::copy(g.time_s.begin(), g.time_s.end(),
                  times.time_s.begin() + static_cast<std::ptrdiff_t>(h * g.arc_count()));
    std::vector<routing::CarQuery> queries;
    std::vector<std::uint64_t> keys;
    const auto nodes = static_cast<std::uint32_t>(g.node_count());
    for (int i = 0; i < 2000; ++i) {
        const std::uint32_t from = rng.below(nodes);
        const std::int64_t hour = rng.below(26);  // hours past the table's use its last
        for (std::uint32_t k = 0, n = 1 + rng.below(3); k < n; ++k) {
            const bool again = k > 0 && rng.below(2) == 0;
            queries.push_back({from, again ? queries.back().to : rng.below(nodes), hour});
            keys.push_back(routing::CarHourMetrics::key(from, hour));
        }
    }
    {
        std::vector<std::uint64_t> groups = keys;  // by hour of the table: groups worth a customization
        std::sort(groups.begin(), groups.end());
        groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
        std::vector<std::size_t> per_hour(times.hours, 0);
        for (const auto k : groups)
            ++per_hour[std::min<std::size_t>(routing::CarHourMetrics::key_hour(k), times.hours - 1)];
        for (const auto c : per_hour) REQUIRE(routing::worth_cch(g, c));
        // Half the hours or more have fewer queries than a 25th of the nodes (and none a query
        // graph): their metric after next is made beside the next one's, three metrics in turn;
        // the table's last hour (those past it too) has more, where only the next is made beside.
        std::vector<std::size_t> asked_in(times.hours, 0);
        for (const auto& q : queries)
            ++asked_in[std::min<std::size_t>(static_cast<std::size_t>(q.hour), times.hours - 1)];
        const auto few =
            std::count_if(asked_in.begin(), asked_in.end(), [&](std::size_t c) { return 25 * c < g.node_count(); });
        REQUIRE(2 * static_cast<std::size_t>(few) >= asked_in.size());
        REQUIRE(25 * asked_in.back() >= g.node_count());
    }
    const routing::CarHourMetrics cch(ctx, keys, &times);
    for (const auto& q : queries) REQUIRE(cch.by_cch(q.from, q.hour));
    const auto answers = cch.answer(queries, true);
    std::set<std::int64_t> asked;
    for (const auto& q : queries) asked.insert(std::min<std::int64_t>(q.hour, 23));
    REQUIRE(asked.contains(5));
    REQUIRE(asked.contains(23));
    CHECK(answers.customized_hours == asked.size() - 2);
    // Other answers to the same queries: the same, bit for bit, paths included.
    const auto same_answers = [&](const routing::CarAnswers& other) {
        CHECK(other.found == answers.found);
        CHECK(other.time_s == answers.time_s);
        CHECK(other.length_m == answers.length_m);
        bool same_paths = true;
        for (std::size_t q = 0; q < queries.size(); ++q) {
            const auto a = other.path(q), b = answers.path(q);
            same_paths = same_paths && std::equal(a.begin(), a.end(), b.begin(), b.end());
        }
        CHECK(same_paths);
    };
    {
        const tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        same_answers(routing::CarHourMetrics(ctx, keys, &times).answer(queries, true));
    }
    {
        // With routes (the day's, whose car paths bound the searches): each query's trip drives
        // the hour's shortest path (a bound at the cost), the free-flow one (a bound above it), a
        // path to another node (no bound: it does not end at the query's destination), or the
        // query names no trip; some trips walk first. The same answers, bit for bit.
        routing::TripRoutes routes;
        routing::StreetPathQuery free_flow(routing::street_metric(ctx, core::Mode::car));
        std::vector<routing::CarQuery> bounded = queries;
        std::size_t tight = 0, loose = 0, elsewhere = 0;
        for (std::size_t q = 0; q < queries.size(); ++q) {
            std::vector<std::uint32_t> path;
            double time_s = 0, length_m = 0;
            const std::size_t kind = q % 4;
            if (kind == 0 && answers.found[q]) {
                const auto p = answers.path(q);
                path.assign(p.begin(), p.end());
                ++tight;
            } else if (kind == 1 && free_flow.run(g, queries[q].from, queries[q].to, time_s, length_m)) {
                path = free_flow.arcs();
                loose += !path.empty();
            } else if (kind == 2 && queries[q].to != queries[(q + 1) % queries.size()].to &&
                       free_flow.run(g, queries[q].from, queries[(q + 1) % queries.size()].to, time_s, length_m)) {
                path = free_flow.arcs();
                elsewhere += !path.empty();
            }
            if (q % 8 == 1) {
                routes.leg_kind.push_back(routing::LegKind::walk);
                routes.add_leg_arcs(g, {});
            }
            routes.leg_kind.push_back(routing::LegKind::car);
            routes.add_leg_arcs(g, path);
            routes.trip_first_leg.push_back(static_cast<std::uint32_t>(routes.leg_kind.size()));
            if (kind != 3) bounded[q].route_trip = static_cast<std::uint32_t>(q);
        }
        CHECK(tight > 300);
        CHECK(loose > 300);
        CHECK(elsewhere > 300);
        const auto with_routes = routing::CarHourMetrics(ctx, keys, &times).answer(bounded, true, &routes);
        CHECK(answers.bounded_queries == 0);
        CHECK(with_routes.bounded_queries > 500);
        CHECK(with_routes.bounded_queries <= tight + loose + queries.size() / 4);  // a query to its own origin too
        same_answers(with_routes);
    }
    const auto& hierarchy = routing::street_cch(ctx, core::Mode::car);
    std::vector<std::unique_ptr<routing::CchMetric>> fresh(times.hours);  // the reference: a metric per hour
    std::size_t found = 0;
    for (std::size_t q = 0; q < queries.size(); ++q) {
        INFO("query ", q);
        const auto h = static_cast<std::size_t>(std::min<std::int64_t>(queries[q].hour, 23));
        if (!fresh[h])
            fresh[h] =
                std::make_unique<routing::CchMetric>(hierarchy, std::span<const double>(times.hour(h), g.arc_count()));
        routing::StreetPathQuery query(*fresh[h]);
        double time_s = 0, length_m = 0;
        const bool ok = query.run(g, queries[q].from, queries[q].to, time_s, length_m, times.hour(h));
        REQUIRE((answers.found[q] != 0) == ok);
        if (!ok) continue;
        ++found;
        CHECK(answers.time_s[q] == time_s);
        CHECK(answers.length_m[q] == length_m);
        const auto path = answers.path(q);
        CHECK(std::vector<std::uint32_t>(path.begin(), path.end()) == query.arcs());
    }
    CHECK(found > 1500);
    std::size_t twice = 0;
    for (std::size_t q = 1; q < queries.size(); ++q)
        twice += queries[q].from == queries[q - 1].from && queries[q].to == queries[q - 1].to;
    CHECK(twice > 50);
    // Without car times: one group per origin, on the free-flow metric; no arcs kept.
    std::vector<std::uint64_t> origin_keys;
    for (auto& q : queries) q.hour = 0, origin_keys.push_back(routing::CarHourMetrics::key(q.from, 0));
    const auto free_flow = routing::CarHourMetrics(ctx, origin_keys, nullptr).answer(queries, false);
    CHECK(free_flow.blocks.empty());
    CHECK(free_flow.arc_count.empty());
    routing::StreetPathQuery query(routing::street_metric(ctx, core::Mode::car));
    for (std::size_t q = 0; q < queries.size(); ++q) {
        double time_s = 0, length_m = 0;
        REQUIRE((free_flow.found[q] != 0) == query.run(g, queries[q].from, queries[q].to, time_s, length_m));
        if (free_flow.found[q]) CHECK(free_flow.time_s[q] == time_s);
    }
}

TEST_CASE("each hour decides alone whether its groups are worth the hierarchy's customization") {
    // Flemingsberg's car network with hourly times: `enough` groups (origins) in an hour are the
    // fewest worth a customization (worth_cch). Hour 8 has that many and goes by the hierarchy;
    // hour 2, one fewer, by searches, though the batch as a whole has plenty. Hours past the table
    // share its last hour's metric (index 23), so one origin at hour 30 rides on hour 23's groups.
    // Without car times every group is of the one free-flow hour: the batch decides as a whole.
    const Flemingsberg2017 f;
    const auto& ctx = f.ctx;
    const auto& g = ctx.car;
    core::Rng rng(17, core::Stream::person_attributes, 0xde1);
    const auto times = congested_hours(g, rng);
    std::size_t enough = 1;
    while (!routing::worth_cch(g, enough)) ++enough;
    REQUIRE(enough > 2);
    const auto nodes = static_cast<std::uint32_t>(g.node_count());
    REQUIRE(nodes > 4 * enough);
    const auto origin = [&](std::size_t i) { return static_cast<std::uint32_t>(i * (nodes / (4 * enough))); };
    std::vector<std::uint64_t> keys;
    for (std::size_t i = 0; i < enough; ++i) {
        keys.push_back(routing::CarHourMetrics::key(origin(i), 8));
        keys.push_back(routing::CarHourMetrics::key(origin(i), 8));  // two destinations: still one group
        keys.push_back(routing::CarHourMetrics::key(origin(enough + i), 23));
        if (i + 1 < enough) keys.push_back(routing::CarHourMetrics::key(origin(2 * enough + i), 2));
    }
    keys.push_back(routing::CarHourMetrics::key(origin(3 * enough), 30));
    const routing::CarHourMetrics hourly(ctx, keys, &times);
    for (std::size_t i = 0; i < enough; ++i) {
        INFO("origin ", i);
        CHECK(hourly.by_cch(origin(i), 8));
        CHECK(hourly.by_cch(origin(enough + i), 23));
        if (i + 1 < enough) CHECK_FALSE(hourly.by_cch(origin(2 * enough + i), 2));
    }
    CHECK(hourly.by_cch(origin(3 * enough), 30));
    // One hour of one fewer group than enough, alone: by searches; with one more origin, by the
    // hierarchy.
    std::vector<std::uint64_t> few;
    for (std::size_t i = 0; i + 1 < enough; ++i) few.push_back(routing::CarHourMetrics::key(origin(i), 2));
    CHECK_FALSE(routing::CarHourMetrics(ctx, few, &times).by_cch(origin(0), 2));
    few.push_back(routing::CarHourMetrics::key(origin(enough), 2));
    CHECK(routing::CarHourMetrics(ctx, few, &times).by_cch(origin(0), 2));
    // Without car times: hour 2's groups (one fewer than enough) and hour 8's count together.
    std::vector<std::uint64_t> free_keys;
    for (std::size_t i = 0; i + 1 < enough; ++i) free_keys.push_back(routing::CarHourMetrics::key(origin(i), 0));
    CHECK_FALSE(routing::CarHourMetrics(ctx, free_keys, nullptr).by_cch(origin(0), 0));
    free_keys.push_back(routing::CarHourMetrics::key(origin(0), 8));  // the same origin, another group
    CHECK(routing::CarHourMetrics(ctx, free_keys, nullptr).by_cch(origin(0), 0));
}

TEST_CASE("requests answered in batches at the same times equal each batch alone, to the bit") {
    // Flemingsberg 2017 at a fiftieth, congested car times: a car-only batch of single trips (the
    // day's gap) and a car-and-transit batch of tours' trip pairs at shifted departures (the
    // replanning), answered together (one customization an hour) and alone.
    Flemingsberg2017 f;
    f.s.population.scale = 0.02;
    f.s.demand.given = false;  // the gravity model places the persons: no level of service needed here
    const auto& ctx = f.ctx;
    const auto& g = ctx.car;
    const auto pop = population::synthesize(f.s, f.net, population::resolve_zone_data(f.s, f.net),
                                            routing::compute_zone_impedance(ctx, 8 * 3600));
    REQUIRE(pop.tour_count() > 500);
    core::Rng rng(17, core::Stream::person_attributes, 0xba7);
    const auto times = congested_hours(g, rng);
    std::vector<routing::LosRequest> single, pairs;
    for (std::uint32_t t = 0; t < pop.trip_count(); t += 3)
        single.push_back({t, static_cast<std::int32_t>(rng.below(26 * 3600))});
    for (std::uint32_t tour = 0; tour < pop.tour_count(); tour += 2)
        for (const std::int32_t shift : {-1800, 0, 1800}) {
            pairs.push_back({2 * tour, std::max(0, pop.tour_depart_s[tour] + shift)});
            pairs.push_back({2 * tour + 1, std::max(0, pop.tour_return_s[tour] + shift)});
        }
    const std::array<routing::LosBatch, 2> batches{routing::LosBatch{single, false}, routing::LosBatch{pairs, true}};
    const auto both = routing::compute_los_at(ctx, pop, batches, &times);
    REQUIRE(both.size() == 2);
    const auto alone_single = routing::compute_los_at(ctx, pop, single, &times, false);
    const auto alone_pairs = routing::compute_los_at(ctx, pop, pairs, &times);
    std::size_t car = 0, transit = 0;
    for (const auto& [a, b] : {std::pair{&both[0], &alone_single}, std::pair{&both[1], &alone_pairs}}) {
        CHECK(a->car_ok == b->car_ok);
        CHECK(a->car_time_s == b->car_time_s);
        CHECK(a->car_drive_s == b->car_drive_s);
        CHECK(a->car_distance_m == b->car_distance_m);
        CHECK(a->transit_ok == b->transit_ok);
        CHECK(a->pt_distance_m == b->pt_distance_m);
        CHECK(a->pt.in_vehicle_s == b->pt.in_vehicle_s);
        CHECK(a->pt.access_kind == b->pt.access_kind);
        CHECK(a->pt.lot_stop == b->pt.lot_stop);
        for (const auto ok : a->car_ok) car += ok;
        for (const auto ok : a->transit_ok) transit += ok;
    }
    CHECK(both[0].pt.access_s.empty());  // no transit asked for
    CHECK(car > pop.trip_count() / 2);
    CHECK(transit > 100);
    // Requests without the car (every third tour's): no car answer for them, the others' car
    // answers and everyone's transit the same bits as when all asked for the car.
    auto some = pairs;
    for (std::size_t i = 0; i < some.size(); ++i) some[i].car = (some[i].trip / 2) % 3 != 0;
    const auto partial = routing::compute_los_at(ctx, pop, some, &times);
    std::size_t without = 0, kept = 0;
    for (std::size_t i = 0; i < some.size(); ++i) {
        INFO("request ", i);
        if (!some[i].car) {
            CHECK(partial.car_ok[i] == 0);
            without += alone_pairs.car_ok[i];
            continue;
        }
        REQUIRE(partial.car_ok[i] == alone_pairs.car_ok[i]);
        kept += partial.car_ok[i];
        CHECK(partial.car_time_s[i] == alone_pairs.car_time_s[i]);
        CHECK(partial.car_drive_s[i] == alone_pairs.car_drive_s[i]);
        CHECK(partial.car_distance_m[i] == alone_pairs.car_distance_m[i]);
    }
    CHECK(without > 50);
    CHECK(kept > 100);
    CHECK(partial.transit_ok == alone_pairs.transit_ok);
    CHECK(partial.pt.in_vehicle_s == alone_pairs.pt.in_vehicle_s);
    CHECK(partial.pt.wait_s == alone_pairs.pt.wait_s);
    CHECK(partial.pt.access_kind == alone_pairs.pt.access_kind);
    CHECK(partial.pt_distance_m == alone_pairs.pt_distance_m);
}

// The tiny scenario's population with every mode in turn (both trips of a tour alike).
struct TinyTrips {
    scenario::Scenario s = scenario::load_scenario(data / "tiny.yaml");
    network::Network net = network::load_network(s.network);
    routing::RoutingContext ctx = routing::build_routing(net, s);
    population::Population pop = population::synthesize(s, net, population::resolve_zone_data(s, net),
                                                        routing::compute_zone_impedance(ctx, 8 * 3600));
    std::vector<core::Mode> modes;
    std::vector<std::int32_t> deps;
    TinyTrips() {
        for (std::size_t t = 0; t < pop.trip_count(); ++t) {
            modes.push_back(static_cast<core::Mode>((t / 2) % 4));
            deps.push_back(routing::trip_departure_s(pop, t));
        }
    }
};

TEST_CASE("the trips' level of service from one-to-all trees equals the queries' up to rounding") {
    TinyTrips tiny;
    const auto queries = routing::compute_trip_los(tiny.ctx, tiny.pop);
    tiny.ctx.force_trip_trees = true;
    const auto trees = routing::compute_trip_los(tiny.ctx, tiny.pop);
    REQUIRE(trees.size() == queries.size());
    CHECK(trees.available == queries.available);
    std::size_t street = 0;
    const auto close = [](float a, float b) { return std::abs(a - b) <= 1e-5f * std::max(1.0f, std::abs(b)); };
    for (const auto m : {core::Mode::walk, core::Mode::bike, core::Mode::car}) {
        const auto i = core::mode_index(m);
        for (std::size_t t = 0; t < queries.size(); ++t) {
            if (!queries.has(t, m)) continue;
            ++street;
            INFO("mode " << i << ", trip " << t);
            CHECK(close(trees.time_s[i][t], queries.time_s[i][t]));
            CHECK(close(trees.distance_m[i][t], queries.distance_m[i][t]));
        }
    }
    CHECK(street > 100);
    for (std::size_t t = 0; t < queries.size(); ++t) CHECK(close(trees.car_drive_s[t], queries.car_drive_s[t]));
    // Transit does not come from the street trees: the same bits.
    CHECK(trees.time_s[core::mode_index(core::Mode::transit)] == queries.time_s[core::mode_index(core::Mode::transit)]);
    CHECK(trees.pt.access_s == queries.pt.access_s);
}

TEST_CASE("rerouting some trips keeps the others' legs exactly") {
    const TinyTrips tiny;
    const auto [ctx, pop, modes, deps] = std::tie(tiny.ctx, tiny.pop, tiny.modes, tiny.deps);
    const auto all = routing::route_trips(ctx, pop, modes, deps);
    REQUIRE(all.trip_count() == pop.trip_count());
    // Every street leg has a length; walk and bike legs keep no arcs, car legs do.
    double walk_length = 0;
    for (std::size_t l = 0; l < all.leg_count(); ++l) {
        const bool has_arcs = all.leg_first_arc[l + 1] > all.leg_first_arc[l];
        if (all.leg_kind[l] == routing::LegKind::walk) walk_length += all.leg_length_m[l];
        if (all.leg_kind[l] != routing::LegKind::car) CHECK_FALSE(has_arcs);
    }
    CHECK(walk_length > 0);
    // Reroute every third trip with the same inputs: the result equals the full routing.
    std::vector<std::uint8_t> some(pop.trip_count(), 0);
    for (std::size_t t = 0; t < some.size(); t += 3) some[t] = 1;
    const auto mixed = routing::route_trips(ctx, pop, modes, deps, some, &all);
    CHECK(mixed.trip_first_leg == all.trip_first_leg);
    CHECK(mixed.leg_kind == all.leg_kind);
    CHECK(mixed.leg_first_arc == all.leg_first_arc);
    CHECK(mixed.leg_arc0 == all.leg_arc0);
    CHECK(mixed.arc_rank == all.arc_rank);
    CHECK(mixed.wide_arcs == all.wide_arcs);
    CHECK(mixed.leg_board_rn == all.leg_board_rn);
    CHECK(mixed.leg_stops == all.leg_stops);
    CHECK(mixed.leg_length_m == all.leg_length_m);
}

TEST_CASE("walk and bike legs by CCH queries: the searches' lengths, and traced again the same") {
    // Large networks route the day's walk and bike legs by CCH (street_legs_by_cch); forced here.
    TinyTrips tiny;
    auto [ctx, pop, modes, deps] = std::tie(tiny.ctx, tiny.pop, tiny.modes, tiny.deps);
    const auto searched = routing::route_trips(ctx, pop, modes, deps);
    ctx.force_street_legs_by_cch = true;
    const auto by_cch = routing::route_trips(ctx, pop, modes, deps);
    REQUIRE(by_cch.leg_kind == searched.leg_kind);
    std::size_t street_legs = 0;
    for (std::size_t l = 0; l < searched.leg_count(); ++l) {
        if (searched.leg_kind[l] != routing::LegKind::walk && searched.leg_kind[l] != routing::LegKind::bike) continue;
        ++street_legs;
        INFO("leg ", l);
        CHECK(by_cch.leg_length_m[l] == doctest::Approx(searched.leg_length_m[l]).epsilon(1e-6));
    }
    CHECK(street_legs > 20);
    // trace_walk_bike_legs follows the same rule: the paths it traces have the legs' lengths.
    std::vector<double> traced(by_cch.leg_count(), -1);
    std::mutex m;
    routing::trace_walk_bike_legs(
        ctx, pop, by_cch,
        [&](std::uint32_t leg, const routing::StreetGraph& g, const std::vector<std::uint32_t>& arcs) {
            double length = 0;
            for (const auto a : arcs) length += g.length_m[a];
            const std::lock_guard lock(m);
            traced[leg] = length;
        });
    std::size_t checked = 0;
    for (std::size_t l = 0; l < by_cch.leg_count(); ++l) {
        if (traced[l] < 0) continue;
        ++checked;
        CHECK(traced[l] == doctest::Approx(by_cch.leg_length_m[l]).epsilon(1e-6));
    }
    CHECK(checked > 10);
    // The traces' searches are bounded by the legs' lengths (cch_street_path): the same arcs as
    // without bounds (lengths unknown, 0) and as with bounds too low (half the lengths: each leg
    // asked again without one).
    const auto arcs_of = [&](const routing::TripRoutes& routes, bool labels = false) {
        std::vector<std::vector<std::uint32_t>> out(routes.leg_count());
        routing::trace_walk_bike_legs(
            ctx, pop, routes,
            [&](std::uint32_t leg, const routing::StreetGraph&, const std::vector<std::uint32_t>& arcs) {
                const std::lock_guard lock(m);
                out[leg] = arcs;
            },
            labels);
        return out;
    };
    auto unknown = by_cch, too_low = by_cch;
    for (auto& x : unknown.leg_length_m) x = 0;
    for (auto& x : too_low.leg_length_m) x /= 2;
    const auto bounded = arcs_of(by_cch);
    std::size_t with_arcs = 0;
    for (const auto& a : bounded) with_arcs += !a.empty();
    CHECK(with_arcs > 10);
    CHECK(arcs_of(unknown) == bounded);
    CHECK(arcs_of(too_low) == bounded);
    // From labels (where they pay, forced here): each mode's legs of trips without rides by its
    // labels' paths (the bike's origins from swept forward labels, the walk's from their own),
    // the same arcs; allowed but not paying, the queries as before.
    CHECK(arcs_of(by_cch, true) == bounded);
    ctx.force_trip_labels = true;
    CHECK(arcs_of(by_cch, true) == bounded);
    CHECK(arcs_of(unknown, true) == bounded);
    ctx.force_trip_labels = false;
    // The walk metric is the same both ways: the walk legs of trips without rides are traced by
    // pairs of ends, the way back by the way out's searches swapped, each the path of a query
    // from its own origin (the origin's side and the destination's searched whole), arc for arc.
    REQUIRE(routing::CchLabels::symmetric(routing::street_metric(ctx, core::Mode::walk)));
    routing::StreetPathQuery fresh(routing::street_metric(ctx, core::Mode::walk));
    std::size_t walks = 0, back = 0;
    for (std::uint32_t t = 0; t < pop.trip_count(); ++t) {
        if (modes[t] != core::Mode::walk) continue;
        const auto person = pop.person_of_tour(t / 2);
        const auto o = routing::trip_origin_node(pop, person, t), d = routing::trip_dest_node(pop, person, t);
        for (auto l = by_cch.trip_first_leg[t]; l < by_cch.trip_first_leg[t + 1]; ++l) {
            if (by_cch.leg_kind[l] != routing::LegKind::walk) continue;
            INFO("trip ", t, " leg ", l);
            double time_s = 0, length_m = 0;
            fresh.from(o);
            const bool found =
                fresh.to_whole_within(ctx.walk, d, std::numeric_limits<double>::infinity(), time_s, length_m);
            CHECK(bounded[l] == (found ? fresh.arcs() : std::vector<std::uint32_t>{}));
            ++walks;
            back += o > d && !bounded[l].empty();
        }
    }
    CHECK(walks > 10);
    CHECK(back > 0);
}

TEST_CASE("a line that runs forward only cannot be ridden back") {
    auto net = network::load_network(data / "tiny");
    net.line_both_ways = {0};
    const auto walk = routing::build_street_graph(net, core::Mode::walk, 1.3);
    routing::TransitModel model(net, walk, routing::TransitParams{});
    routing::TransitQuery q(model);
    q.run(net.find_node("a1"), 8);
    CHECK(q.path_to(net.find_node("gw"), 8 * 3600).found);  // West -> City, as authored
    q.run(net.find_node("gw"), 8);
    CHECK_FALSE(q.path_to(net.find_node("a0"), 8 * 3600).found);  // City -> West: no service
}

TEST_CASE("a bounded search lists the nodes it touched, each once") {
    const auto net = network::load_network(data / "tiny");
    const auto walk = routing::build_street_graph(net, core::Mode::walk, 1.25);
    ShortestPathTree tree(walk);
    tree.run(0);
    CHECK(tree.touched().empty());  // not asked for
    tree.keep_touched(true);
    for (const double limit : {0.0, 100.0, 400.0, routing::unreachable})
        for (std::uint32_t source = 0; source < walk.node_count(); ++source) {
            tree.run(source, limit);
            std::set<std::uint32_t> listed(tree.touched().begin(), tree.touched().end());
            REQUIRE(listed.size() == tree.touched().size());
            for (std::uint32_t n = 0; n < walk.node_count(); ++n)
                REQUIRE(listed.count(n) == (tree.time_s(n) < routing::unreachable ? 1u : 0u));
        }
}

TEST_CASE("the stops' walks: near stops and footpaths equal Boost's searches from every stop") {
    // Flemingsberg's walk graph moves at one speed, so a path's length is its time times the
    // speed: the reference takes the lengths from Boost's times. A walk within a millimetre of a
    // limit may fall on either side of it (the sums' rounding): it must only be listed rightly
    // if at all.
    using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                             boost::property<boost::edge_weight_t, double>>;
    const Flemingsberg2017 f;
    const auto& walk = f.ctx.walk;
    const auto& tm = *f.ctx.transit;
    const double speed = f.ctx.params.walk_speed_mps;
    BoostGraph bg(walk.node_count());
    for (std::uint32_t a = 0; a < walk.arc_count(); ++a) {
        REQUIRE(walk.length_m[a] == doctest::Approx(walk.time_s[a] * speed).epsilon(1e-9));
        boost::add_edge(walk.tail[a], walk.head[a], walk.time_s[a], bg);
    }
    const auto& net = f.net;
    REQUIRE(net.stop_count() > 50);
    const double access_m = tm.params().max_access_walk_m, transfer_m = tm.params().max_transfer_walk_m;
    // 0: beyond the limit, 1: within it, 2: at it (either).
    const auto side = [](double m, double limit) { return m < limit - 1e-3 ? 1 : m > limit + 1e-3 ? 0 : 2; };
    // Per node, the stops within the access walk, with their seconds and side.
    std::vector<std::vector<std::tuple<std::uint32_t, double, int>>> near(walk.node_count());
    const auto& fp = tm.schedule().footpaths;
    std::vector<double> dist(walk.node_count());
    std::size_t footpaths = 0, edges = 0;
    for (std::uint32_t s = 0; s < net.stop_count(); ++s) {
        boost::dijkstra_shortest_paths(bg, net.stop_node[s], boost::distance_map(dist.data()));
        for (std::uint32_t n = 0; n < walk.node_count(); ++n)
            if (const int k = side(dist[n] * speed, access_m)) near[n].push_back({s, dist[n], k});
        // The footpaths from s: in stop order, each a stop within the transfer walk.
        std::size_t k = fp.first[s];
        for (std::uint32_t t = 0; t < net.stop_count(); ++t) {
            if (t == s) continue;
            const int at = side(dist[net.stop_node[t]] * speed, transfer_m);
            const bool listed = k < fp.first[s + 1] && fp.to[k] == t;
            edges += at == 2;
            if (at == 1) REQUIRE(listed);
            if (at == 0) REQUIRE_FALSE(listed);
            if (!listed) continue;
            REQUIRE(std::abs(fp.walk_s[k] - std::ceil(dist[net.stop_node[t]])) <= 1);
            ++k, ++footpaths;
        }
        REQUIRE(k == fp.first[s + 1]);  // nothing else listed
    }
    CHECK(footpaths > 0);
    std::size_t pairs = 0;
    for (std::uint32_t n = 0; n < walk.node_count(); ++n) {
        const auto* b = tm.near_begin(n);
        const auto* e = tm.near_end(n);
        for (const auto& [stop, seconds, at] : near[n]) {
            const bool listed = b != e && b->stop == stop;
            edges += at == 2;
            if (at == 1) REQUIRE(listed);
            if (!listed) continue;
            REQUIRE(b->walk_s == doctest::Approx(seconds).epsilon(1e-9));
            REQUIRE(b->walk_m == doctest::Approx(seconds * speed).epsilon(1e-9));
            ++b, ++pairs;
        }
        REQUIRE(b == e);  // nothing else listed
    }
    CHECK(pairs > walk.node_count());
    CHECK(edges < pairs / 100);  // the limits decide almost every case
    // Each park is its stop's, and found by its stop.
    for (const auto kind : {routing::TransitAccess::car, routing::TransitAccess::bike}) {
        std::vector<std::uint32_t> lot_of(net.stop_count(), core::invalid_index);
        const auto& lots = tm.lots(kind);
        for (std::uint32_t i = 0; i < lots.size(); ++i) lot_of[lots[i].stop] = i;
        for (std::uint32_t s = 0; s < net.stop_count(); ++s) REQUIRE(tm.lot_of_stop(kind, s) == lot_of[s]);
    }
    CHECK(!tm.lots(routing::TransitAccess::car).empty());
}
