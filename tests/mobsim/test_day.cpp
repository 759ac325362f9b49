// The whole day: every engine together, and the same bytes at any number of threads.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include <tbb/global_control.h>

#include "mobsim_fixture.hpp"
#include "sim/core/rng.hpp"

using namespace flemsim;
using testing::LinkSpec;

using testing::car_params;

TEST_CASE("a day is the same with 1 and 2 threads, with every phase run in parallel") {
    // A 6 x 6 grid of 200 m blocks, two-way streets of 300 veh/h (so that queues form), a bus
    // on the road along the first row and a train along the first column; 3,000 persons
    // with random origins, destinations, departures and modes.
    std::vector<std::string> names;
    std::vector<std::pair<double, double>> xy;
    for (int r = 0; r < 6; ++r)
        for (int c = 0; c < 6; ++c) {
            names.push_back("n" + std::to_string(r) + std::to_string(c));
            xy.emplace_back(200.0 * c, 200.0 * r);
        }
    std::vector<LinkSpec> links;
    for (int r = 0; r < 6; ++r)
        for (int c = 0; c < 6; ++c) {
            const auto here = names[static_cast<std::size_t>(r * 6 + c)];
            if (c < 5) {
                links.push_back({here, names[static_cast<std::size_t>(r * 6 + c + 1)], 200, 36, 300, 1});
                links.push_back({names[static_cast<std::size_t>(r * 6 + c + 1)], here, 200, 36, 300, 1});
            }
            if (r < 5) {
                links.push_back({here, names[static_cast<std::size_t>((r + 1) * 6 + c)], 200, 36, 300, 1});
                links.push_back({names[static_cast<std::size_t>((r + 1) * 6 + c)], here, 200, 36, 300, 1});
            }
        }
    auto w = testing::make_world(names, xy, links);
    testing::add_line(w, "bus", {"n00", "n02", "n05"}, {60, 90}, 6 * 3600, 22 * 3600, 300, 4, true);
    testing::add_line(w, "train", {"n00", "n30", "n50"}, {60, 40}, 6 * 3600, 22 * 3600, 600, 4);
    const auto ctx = routing::build_routing(w.net, w.scenario);

    population::Population pop = testing::make_people(w.net, std::vector<std::int32_t>(3000, 0), "n00", "n55", 0);
    std::vector<core::Mode> modes(pop.trip_count());
    std::vector<std::int32_t> deps(pop.trip_count());
    for (std::uint32_t p = 0; p < 3000; ++p) {
        core::Rng rng(7, core::Stream::day_plan, p);
        pop.home_node[p] = rng.below(36);
        pop.tour_node[p] = rng.below(36);
        pop.tour_depart_s[p] = 7 * 3600 + static_cast<std::int32_t>(rng.below(7200));
        pop.tour_return_s[p] = pop.tour_depart_s[p] + 3600 + static_cast<std::int32_t>(rng.below(3600));
        const auto m = static_cast<core::Mode>(rng.below(4));
        modes[2 * p] = modes[2 * p + 1] = m;
        deps[2 * p] = pop.tour_depart_s[p];
        deps[2 * p + 1] = pop.tour_return_s[p];
    }
    const auto routes = routing::route_trips(ctx, pop, modes, deps);
    auto params = car_params();
    params.stuck_time_s = 10;
    params.walk_speed_cv = params.bike_speed_cv = 0.2;
    params.parallel_threshold = 1;  // every phase through TBB, however small
    const auto mctx = mobsim::make_mobsim_context(ctx, params);
    const auto day_with = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
        auto day = mobsim::simulate_day(mctx, {pop, modes, deps, routes});
        mobsim::add_walk_bike_volumes(mctx, {pop, modes, deps, routes}, day);
        return day;
    };
    const auto one = day_with(1), two = day_with(2);
    CHECK(one.arr_s == two.arr_s);
    CHECK(one.dep_s == two.dep_s);
    CHECK(one.leg_board_s == two.leg_board_s);
    CHECK(one.leg_end_s == two.leg_end_s);
    CHECK(one.leg_vehicle_trip == two.leg_vehicle_trip);
    CHECK(one.wait_s == two.wait_s);
    CHECK(one.cars == two.cars);
    CHECK(one.buses == two.buses);
    CHECK(one.walkers == two.walkers);
    CHECK(one.cyclists == two.cyclists);
    CHECK(one.car_time_sum == two.car_time_sum);
    CHECK(one.denied_boardings == two.denied_boardings);
    CHECK(one.gave_up == two.gave_up);
    CHECK(one.leg_board_rn == two.leg_board_rn);
    CHECK(one.denied_by_line == two.denied_by_line);
    CHECK(one.gave_up_by_line == two.gave_up_by_line);
    CHECK(one.transit_load.size() == two.transit_load.size());
    bool loads_equal = true;
    for (std::size_t i = 0; i < one.transit_load.size(); ++i)
        loads_equal = loads_equal &&
                      std::memcmp(&one.transit_load[i], &two.transit_load[i], sizeof(core::TransitLoadRecord)) == 0;
    CHECK(loads_equal);
    // The day is busy enough to mean something: queues, full buses, all trips done.
    CHECK(one.stuck_trips == 0);
    CHECK(one.denied_boardings > 0);
    // Per line, the denied boardings and give-ups sum to their totals.
    std::uint64_t denied = 0, gave_up = 0, gave_up_trips = 0;
    for (const auto n : one.denied_by_line) denied += n;
    for (const auto n : one.gave_up_by_line) gave_up += n;
    for (const auto g : one.gave_up) gave_up_trips += g;
    CHECK(denied == one.denied_boardings);
    CHECK(gave_up == one.gave_up_trips);
    CHECK(gave_up_trips == one.gave_up_trips);
    std::uint64_t bus_entries = 0;
    for (const auto b : one.buses) bus_entries += b;
    CHECK(bus_entries > 0);
}

TEST_CASE("car routes through a junction of 20 roads: ranks of 15 and more kept whole, read back in order") {
    // A hub c with 20 spokes of 500 m, both ways (c has 20 out-arcs: the ranks of the last
    // five do not fit in 4 bits). Person p drives from spoke p to spoke p + 7 and back.
    std::vector<std::string> names{"c"};
    std::vector<std::pair<double, double>> xy{{0, 0}};
    std::vector<LinkSpec> links;
    for (int k = 0; k < 20; ++k) {
        names.push_back("s" + std::to_string(k));
        xy.emplace_back(500 * std::cos(k * 0.314159), 500 * std::sin(k * 0.314159));
        links.push_back({"c", names.back(), 500, 36, 600});
        links.push_back({names.back(), "c", 500, 36, 600});
    }
    auto w = testing::make_world(names, xy, links);
    const auto ctx = routing::build_routing(w.net, w.scenario);
    auto pop = testing::make_people(w.net, std::vector<std::int32_t>(20, 8 * 3600), "s0", "s1", 9 * 3600);
    for (std::uint32_t p = 0; p < 20; ++p) {
        pop.home_node[p] = w.net.find_node("s" + std::to_string(p));
        pop.tour_node[p] = w.net.find_node("s" + std::to_string((p + 7) % 20));
    }
    const std::vector<core::Mode> modes(pop.trip_count(), core::Mode::car);
    std::vector<std::int32_t> deps(pop.trip_count());
    for (std::size_t t = 0; t < deps.size(); ++t) deps[t] = routing::trip_departure_s(pop, t);
    const auto routes = routing::route_trips(ctx, pop, modes, deps);
    REQUIRE(routes.leg_count() == pop.trip_count());
    CHECK(routes.wide_arcs.size() == 10);  // 5 spokes' arcs from c, each entered twice

    // Every leg reads back as the search's path; the same paths added one leg at a time pack
    // to the same bits.
    routing::ShortestPathTree tree(ctx.car);
    routing::TripRoutes by_hand;
    std::vector<double> cars_expected(ctx.car.arc_count(), 0.0);
    for (std::uint32_t t = 0; t < pop.trip_count(); ++t) {
        const auto person = t / 2;
        const auto o = routing::trip_origin_node(pop, person, t), d = routing::trip_dest_node(pop, person, t);
        std::vector<std::uint32_t> path;
        tree.run(o);
        REQUIRE(tree.path_to(d, path));
        REQUIRE(path.size() == 2);
        CHECK(routes.arcs_of(ctx.car, t) == path);
        by_hand.add_leg_arcs(ctx.car, path);
        for (const auto a : path) ++cars_expected[a];
    }
    CHECK(by_hand.leg_first_arc == routes.leg_first_arc);
    CHECK(by_hand.leg_arc0 == routes.leg_arc0);
    CHECK(by_hand.arc_rank == routes.arc_rank);
    CHECK(by_hand.wide_arcs == routes.wide_arcs);
    CHECK_THROWS(by_hand.add_leg_arcs(ctx.car, std::vector<std::uint32_t>{routes.first_arc(0), routes.first_arc(1)}));

    // The day drives them: each car over its own two links (as their times record), 1,000 m.
    const auto mctx = mobsim::make_mobsim_context(ctx, car_params());
    const auto day = mobsim::simulate_day(mctx, {pop, modes, deps, routes});
    CHECK(day.stuck_trips == 0);
    for (std::uint32_t l = 0; l < routes.leg_count(); ++l) CHECK(day.leg_distance_m[l] == doctest::Approx(1000));
    for (std::size_t a = 0; a < ctx.car.arc_count(); ++a) {
        double cars = 0;
        for (std::size_t h = 0; h < mobsim::volume_hours; ++h) cars += day.car_time_count[a * mobsim::volume_hours + h];
        CHECK(cars == cars_expected[a]);
    }
}

TEST_CASE("walk and bike paths traced before the day count as traced after it, through a hub of 300 spokes") {
    // A hub c with 300 spokes of 200 m, both ways: c has more arcs than a byte numbers, so the
    // kept paths (WalkBikePaths) write many of its arcs by their ids. Person p walks (even p) or
    // cycles (odd p) from spoke p to spoke p + 150 and back.
    constexpr int spokes = 300;
    std::vector<std::string> names{"c"};
    std::vector<std::pair<double, double>> xy{{0, 0}};
    std::vector<LinkSpec> links;
    for (int k = 0; k < spokes; ++k) {
        names.push_back("s" + std::to_string(k));
        const double angle = 2 * 3.14159265358979 * k / spokes;
        xy.emplace_back(200 * std::cos(angle), 200 * std::sin(angle));
        links.push_back({"c", names.back(), 200, 0, 0});
        links.push_back({names.back(), "c", 200, 0, 0});
    }
    auto w = testing::make_world(names, xy, links);
    const auto ctx = routing::build_routing(w.net, w.scenario);
    REQUIRE(ctx.walk.first_out[1] - ctx.walk.first_out[0] > 255);  // node 0 is c
    auto pop = testing::make_people(w.net, std::vector<std::int32_t>(spokes, 8 * 3600), "s0", "s1", 9 * 3600);
    std::vector<core::Mode> modes(pop.trip_count());
    for (std::uint32_t p = 0; p < spokes; ++p) {
        pop.home_node[p] = w.net.find_node("s" + std::to_string(p));
        pop.tour_node[p] = w.net.find_node("s" + std::to_string((p + spokes / 2) % spokes));
        modes[2 * p] = modes[2 * p + 1] = p % 2 == 0 ? core::Mode::walk : core::Mode::bike;
    }
    std::vector<std::int32_t> deps(pop.trip_count());
    for (std::size_t t = 0; t < deps.size(); ++t) deps[t] = routing::trip_departure_s(pop, t);
    const auto routes = routing::route_trips(ctx, pop, modes, deps);
    const auto mctx = mobsim::make_mobsim_context(ctx, car_params());
    const mobsim::DayPlan plan{pop, modes, deps, routes};

    const auto paths = mobsim::trace_walk_bike_paths(mctx, plan);
    CHECK(paths.size_bytes() > 0);
    auto traced = mobsim::simulate_day(mctx, plan);
    auto direct = traced;
    mobsim::add_walk_bike_volumes(mctx, plan, paths, traced);
    mobsim::add_walk_bike_volumes(mctx, plan, direct);
    CHECK(traced.walkers == direct.walkers);
    CHECK(traced.cyclists == direct.cyclists);
    // By hand: every trip crosses two links, its spoke in and the other spoke out, each once.
    std::uint64_t walkers = 0, cyclists = 0;
    for (const auto v : traced.walkers) walkers += v;
    for (const auto v : traced.cyclists) cyclists += v;
    CHECK(walkers == 2 * spokes);  // 150 walkers, two trips, two links each
    CHECK(cyclists == 2 * spokes);
    for (std::uint32_t p = 0; p < spokes; p += 37) {
        // Spoke p's two links (either may carry a crossing, both ways: their lengths tie) are
        // crossed at 8:00 by p going out and by p + 150 coming in, and at 9:00 the other way;
        // the other mode never crosses them.
        const auto& counts = p % 2 == 0 ? traced.walkers : traced.cyclists;
        const auto& other = p % 2 == 0 ? traced.cyclists : traced.walkers;
        for (const std::size_t hour : {8, 9}) {
            std::uint32_t crossed = 0, crossed_other = 0;
            for (const std::size_t link : {2 * p, 2 * p + 1})
                for (const std::size_t dir : {0, 1}) {
                    crossed += counts[(link * 2 + dir) * mobsim::volume_hours + hour];
                    crossed_other += other[(link * 2 + dir) * mobsim::volume_hours + hour];
                }
            CHECK(crossed == 2);
            CHECK(crossed_other == 0);
        }
    }
}

// Park-and-ride and bike-and-ride: routes made by hand, lots counted from the legs' times.
namespace {

struct LegSpec {
    routing::LegKind kind;
    std::vector<std::uint32_t> arcs{};             // car legs
    float length_m = 0;                            // walk and bike legs
    std::uint32_t board_rn = core::invalid_index;  // ride legs: the planned ride, the only option
    std::uint16_t stops = 0;
};

void add_trip(routing::TripRoutes& r, const routing::StreetGraph& car, const std::vector<LegSpec>& legs) {
    for (const auto& l : legs) {
        const bool ride = l.kind == routing::LegKind::ride;
        r.leg_kind.push_back(l.kind);
        r.add_leg_arcs(car, l.arcs);
        r.leg_board_rn.push_back(l.board_rn);
        r.leg_stops.push_back(l.stops);
        r.leg_length_m.push_back(l.length_m);
        if (ride) {
            r.option_board_rn.push_back(l.board_rn);
            r.option_stops.push_back(l.stops);
        }
        r.leg_first_option.push_back(static_cast<std::uint32_t>(r.option_board_rn.size()));
    }
    r.trip_first_leg.push_back(static_cast<std::uint32_t>(r.leg_kind.size()));
}

}  // namespace

TEST_CASE("park-and-ride: a lot of 1 space, two cars, a bike; arrivals that find it full park over capacity") {
    // h --(1,000 m at 36 km/h: 100 s)-- p --(walk, 3,000 m)-- b; line A from p to b, 300 s,
    // every 10 min from 07:00. The stop at p has 4 car and 25 bike spaces; the sample is a
    // tenth, so 1 car space (round(0.4) = 0, at least 1) and 3 bike spaces (round(2.5)).
    auto w = testing::make_world(
        {"h", "p", "b"}, {{0, 0}, {1000, 0}, {4000, 0}},
        {{"h", "p", 1000, 36, 7200}, {"p", "h", 1000, 36, 7200}, {"p", "b", 3000, 0, 0}, {"b", "p", 3000, 0, 0}});
    testing::add_line(w, "A", {"p", "b"}, {300}, 7 * 3600, 20 * 3600, 600, 100);
    w.net.stop_car_parking = {4, 0};
    w.net.stop_bike_parking = {25, 0};
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const auto& tm = *ctx.transit;
    const std::uint32_t rn_out = tm.first_route_node(0, 0), rn_back = tm.first_route_node(0, 1);
    const std::uint32_t p = w.net.find_node("p"), h = w.net.find_node("h");
    REQUIRE(tm.rn_stop(rn_out) == 0);
    REQUIRE(tm.rn_stop(rn_back + 1) == 0);
    routing::ShortestPathTree tree(ctx.car);
    std::vector<std::uint32_t> to_p, to_h;
    tree.run(h);
    REQUIRE(tree.path_to(p, to_p));
    tree.run(p);
    REQUIRE(tree.path_to(h, to_h));

    // Persons 0 and 1 park and ride at 07:50 and 07:52, person 2 bikes and rides at 07:51
    // (1,050 m at 4.2 m/s: 250 s); all come back at 16:00. Person 3 parks and rides at 17:00,
    // when the other two cars have left, and comes back at 19:00.
    const std::int32_t t0750 = 7 * 3600 + 50 * 60, t0751 = t0750 + 60, t0752 = t0750 + 120, t1700 = 17 * 3600;
    auto pop = testing::make_people(w.net, {t0750, t0752, t0751, t1700}, "h", "b", 16 * 3600);
    pop.tour_return_s[3] = 19 * 3600;
    using K = routing::LegKind;
    routing::TripRoutes routes;
    const LegSpec walk0{K::walk}, out_ride{K::ride, {}, 0, rn_out, 1}, back_ride{K::ride, {}, 0, rn_back, 1};
    for (int person = 0; person < 4; ++person) {
        const bool bike = person == 2;
        const LegSpec out_access = bike ? LegSpec{K::bike, {}, 1050} : LegSpec{K::car, to_p};
        const LegSpec back_egress = bike ? LegSpec{K::bike, {}, 1050} : LegSpec{K::car, to_h};
        add_trip(routes, ctx.car, {out_access, walk0, out_ride, walk0});
        add_trip(routes, ctx.car, {walk0, back_ride, walk0, back_egress});
    }
    auto params = testing::car_params();
    params.transit_capacity_factor = 0.1;
    const std::vector<core::Mode> modes(pop.trip_count(), core::Mode::transit);
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
    const auto mctx = mobsim::make_mobsim_context(ctx, params);
    const auto d = mobsim::simulate_day(mctx, {pop, modes, dep, routes});

    CHECK(d.stuck_trips == 0);
    CHECK(d.access_kind == std::vector<std::uint8_t>{2, 2, 2, 2, 1, 1, 2, 2});
    // A car leg of one link: 100 s free flow, a second to leave the link (car_access_s 0).
    const auto first_leg = [&](std::size_t trip) { return routes.trip_first_leg[trip]; };
    CHECK(d.leg_end_s[first_leg(0)] == t0750 + 101);
    CHECK(d.leg_end_s[first_leg(2)] == t0752 + 101);
    CHECK(d.leg_end_s[first_leg(4)] == t0751 + 250);
    CHECK(d.leg_end_s[first_leg(6)] == t1700 + 101);
    // The return car legs start after the 16:00 ride, before person 3 parks.
    const std::uint32_t back_car_0 = first_leg(2) - 1, back_car_1 = first_leg(4) - 1;
    CHECK(d.leg_start_s[back_car_0] > 16 * 3600);
    CHECK(d.leg_start_s[back_car_1] > 16 * 3600);
    CHECK(d.leg_start_s[back_car_1] < t1700);

    REQUIRE(d.car_lot_spaces == std::vector<std::uint32_t>{1, 0});
    REQUIRE(d.bike_lot_spaces == std::vector<std::uint32_t>{3, 0});
    // Cars: person 0 fills the lot at 07:51:41; person 1 finds it full (over capacity, 2
    // parked); both leave at about 16:05; person 3 finds it empty at 17:01:41.
    CHECK(d.car_lot_arrivals == std::vector<std::uint32_t>{3, 0});
    CHECK(d.car_lot_peak == std::vector<std::uint32_t>{2, 0});
    CHECK(d.car_lot_over == std::vector<std::uint32_t>{1, 0});
    CHECK(d.car_lot_full_s == std::vector<std::int32_t>{t0750 + 101, -1});
    CHECK(d.bike_lot_arrivals == std::vector<std::uint32_t>{1, 0});
    CHECK(d.bike_lot_peak == std::vector<std::uint32_t>{1, 0});
    CHECK(d.bike_lot_over == std::vector<std::uint32_t>{0, 0});
    CHECK(d.bike_lot_full_s == std::vector<std::int32_t>{-1, -1});
    // The trip log's rows: bike parks, then car parks; a stop without spaces or arrivals has none.
    const auto lots = mobsim::lot_records(d);
    REQUIRE(lots.size() == 2);
    CHECK(lots[0] == core::LotRecord{0, 1, 3, 1, 1, 0, -1});
    CHECK(lots[1] == core::LotRecord{0, 2, 1, 3, 2, 1, t0750 + 101});
}

TEST_CASE("park-and-ride: a car that never started home stays parked; a departure and an arrival in one second") {
    // Departures come before arrivals within a second, so a car leaving frees the space for
    // one arriving the same second. Played through count_lot_use with leg times set by hand.
    auto w = testing::make_world(
        {"h", "p", "b"}, {{0, 0}, {1000, 0}, {4000, 0}},
        {{"h", "p", 1000, 36, 7200}, {"p", "h", 1000, 36, 7200}, {"p", "b", 3000, 0, 0}, {"b", "p", 3000, 0, 0}});
    testing::add_line(w, "A", {"p", "b"}, {300}, 7 * 3600, 20 * 3600, 600, 100);
    w.net.stop_car_parking = {1, 0};
    w.net.stop_bike_parking = {0, 0};
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const auto& tm = *ctx.transit;
    const std::uint32_t rn_out = tm.first_route_node(0, 0), rn_back = tm.first_route_node(0, 1);
    using K = routing::LegKind;
    const LegSpec walk0{K::walk}, car{K::car}, out_ride{K::ride, {}, 0, rn_out, 1},
        back_ride{K::ride, {}, 0, rn_back, 1};
    routing::TripRoutes routes;
    for (int person = 0; person < 2; ++person) {
        add_trip(routes, ctx.car, {car, walk0, out_ride, walk0});   // legs 8p .. 8p + 3
        add_trip(routes, ctx.car, {walk0, back_ride, walk0, car});  // legs 8p + 4 .. 8p + 7
    }
    const auto pop = testing::make_people(w.net, {1000, 2000}, "h", "b", 16 * 3600);
    const std::vector<core::Mode> modes(pop.trip_count(), core::Mode::transit);
    const std::vector<std::int32_t> dep(pop.trip_count(), 0);
    const auto mctx = mobsim::make_mobsim_context(ctx, testing::car_params());
    mobsim::DayResult d;
    d.access_kind.assign(4, 2);
    d.leg_start_s.assign(16, -1);
    d.leg_end_s.assign(16, -1);
    SUBCASE("person 0 leaves at 09:00, when person 1 arrives: the space is free again") {
        d.leg_end_s[0] = 8 * 3600;
        d.leg_start_s[7] = 9 * 3600;
        d.leg_end_s[8] = 9 * 3600;
        mobsim::count_lot_use(mctx, {pop, modes, dep, routes}, d);
        CHECK(d.car_lot_arrivals[0] == 2);
        CHECK(d.car_lot_peak[0] == 1);
        CHECK(d.car_lot_over[0] == 0);
        CHECK(d.car_lot_full_s[0] == 8 * 3600);
    }
    SUBCASE("person 0's trip home never reached its car: person 1 parks over capacity") {
        d.leg_end_s[0] = 8 * 3600;
        d.leg_end_s[8] = 9 * 3600;
        mobsim::count_lot_use(mctx, {pop, modes, dep, routes}, d);
        CHECK(d.car_lot_arrivals[0] == 2);
        CHECK(d.car_lot_peak[0] == 2);
        CHECK(d.car_lot_over[0] == 1);
        CHECK(d.bike_lot_arrivals[0] == 0);
        CHECK(mobsim::lot_records(d).size() == 1);
    }
}
