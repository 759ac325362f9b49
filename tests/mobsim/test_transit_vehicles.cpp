// TransitVehicles: capacities, denied boardings and transfers, through whole days and verb by verb.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "mobsim_fixture.hpp"
#include "sim/core/rng.hpp"
#include "sim/mobsim/transit_vehicles.hpp"

using namespace flemsim;

namespace {
mobsim::MobsimParams transit_params() {
    mobsim::MobsimParams p;
    p.end_time_s = 30 * 3600;
    return p;
}
}  // namespace

TEST_CASE("a vehicle of capacity 2 leaves the third passenger for the next departure, one headway later") {
    auto w = testing::make_world({"a", "b"}, {{0, 0}, {3000, 0}}, {{"a", "b", 3000, 0, 0}});
    testing::add_line(w, "L", {"a", "b"}, {300}, 7 * 3600, 10 * 3600, 600, 2);
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const std::int32_t t0755 = 7 * 3600 + 55 * 60, t0800 = 8 * 3600;
    const auto pop = testing::make_people(w.net, {t0755, t0755, t0755}, "a", "b", 20 * 3600);
    const auto played = testing::play(w, pop, core::Mode::transit, transit_params(), ctx);
    const auto& d = played.day;
    // Two board the 08:00 departure, the third the 08:10 one.
    CHECK(d.arr_s[0] == t0800 + 300 + 1);  // + 1 s to alight
    CHECK(d.arr_s[2] == t0800 + 300 + 1);
    CHECK(d.arr_s[4] == t0800 + 600 + 300 + 1);
    CHECK(d.denied[0] == 0);
    CHECK(d.denied[4] == 1);
    CHECK(d.wait_s[0] == doctest::Approx(300));
    CHECK(d.wait_s[4] == doctest::Approx(900));  // the denied boarding is in the wait
    CHECK(d.denied_boardings == 1);
    // The 08:00 vehicle trip, first segment: 2 boarded, 1 left behind, full.
    bool found = false;
    for (const auto& r : d.transit_load)
        if (r.scheduled_depart_s == t0800 && r.direction == 0 && r.segment == 0) {
            found = true;
            CHECK(r.boardings == 2);
            CHECK(r.denied == 1);
            CHECK(r.onboard == 2);
            CHECK(r.capacity == 2);
        }
    CHECK(found);
}

TEST_CASE("a missed transfer costs exactly the headway") {
    // L1 a->b, then L2 b->c every 600 s from 08:10:01. With a 600 s run the traveller alights
    // at 08:10:00 and boards at 08:10:01; with 602 s the 08:10:01 vehicle is gone.
    std::int32_t arrival[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
        auto w = testing::make_world({"a", "b", "c"}, {{0, 0}, {5000, 0}, {10000, 0}},
                                     {{"a", "b", 5000, 0, 0}, {"b", "c", 5000, 0, 0}});
        testing::add_line(w, "L1", {"a", "b"}, {k == 0 ? 600 : 602}, 8 * 3600, 9 * 3600, 3600, 100);
        testing::add_line(w, "L2", {"b", "c"}, {300}, 8 * 3600 + 601, 12 * 3600, 600, 100);
        const auto ctx = routing::build_routing(w.net, w.scenario);
        const auto pop = testing::make_people(w.net, {8 * 3600 - 60}, "a", "c", 20 * 3600);
        const auto played = testing::play(w, pop, core::Mode::transit, transit_params(), ctx);
        REQUIRE(played.routes.trip_first_leg[1] - played.routes.trip_first_leg[0] == 5);  // walk ride walk ride walk
        arrival[k] = played.day.arr_s[0];
    }
    CHECK(arrival[0] == 8 * 3600 + 601 + 300 + 1);
    CHECK(arrival[1] - arrival[0] == 600);
}

TEST_CASE("TransitVehicles: riders queue at their stop, board in order while there is room, alight a second") {
    auto w = testing::make_world({"a", "b"}, {{0, 0}, {3000, 0}}, {{"a", "b", 3000, 0, 0}});
    testing::add_line(w, "L", {"a", "b"}, {300}, 7 * 3600, 10 * 3600, 600, 2);
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const std::int32_t t0755 = 7 * 3600 + 55 * 60, t0800 = 8 * 3600;
    const auto pop = testing::make_people(w.net, {t0755, t0755, t0755}, "a", "b", 20 * 3600);
    std::vector<core::Mode> modes(pop.trip_count(), core::Mode::transit);
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
    const auto routes = routing::route_trips(ctx, pop, modes, dep);
    std::vector<std::uint32_t> riders;  // the outward ride legs, in person order
    for (std::uint32_t t = 0; t < pop.trip_count(); t += 2)
        for (auto l = routes.trip_first_leg[t]; l < routes.trip_first_leg[t + 1]; ++l)
            if (routes.leg_kind[l] == routing::LegKind::ride) riders.push_back(l);
    REQUIRE(riders.size() == 3);

    const auto mctx = mobsim::make_mobsim_context(ctx, transit_params());
    mobsim::DayResult res;
    res.leg_board_s.assign(routes.leg_count(), -1);
    res.leg_vehicle_trip.assign(routes.leg_count(), -1);
    res.leg_board_rn.assign(routes.leg_count(), core::invalid_index);
    res.leg_ride_stops.assign(routes.leg_count(), 0);
    res.leg_denied.assign(routes.leg_count(), 0);
    mobsim::EventWheel wheel(mctx.params.end_time_s);
    mobsim::TransitVehicles transit(mctx, routes, res, wheel);
    const auto rn = routes.leg_board_rn[riders[0]];
    const auto stop = ctx.transit->rn_stop(rn);
    std::uint32_t vt = 0;  // the 08:00 departure from a
    while (mctx.timetable.departure_s[vt] != t0800 || mctx.timetable.first_rn[vt] != rn) ++vt;

    std::vector<std::uint32_t> limit_now;
    transit.join(t0755, riders, limit_now);
    CHECK(limit_now.empty());  // nobody has waited yet
    CHECK(transit.waiting_at(stop) == 3);
    std::vector<std::uint32_t> arrivals{vt}, gave_up;
    transit.serve_stops(t0800, arrivals, gave_up);
    CHECK(transit.on_board(vt) == 2);
    CHECK(transit.waiting_at(stop) == 1);
    CHECK(gave_up.empty());
    CHECK(res.leg_board_s[riders[0]] == t0800);
    CHECK(res.leg_board_s[riders[1]] == t0800);
    CHECK(res.leg_board_s[riders[2]] == -1);
    CHECK(res.leg_vehicle_trip[riders[1]] == static_cast<std::int32_t>(vt));
    CHECK(res.leg_board_rn[riders[1]] == rn);
    CHECK(res.leg_ride_stops[riders[1]] == 1);
    CHECK(res.leg_denied[riders[2]] == 1);
    std::size_t segment = 0;
    while (res.transit_load[segment].vehicle_trip != vt) ++segment;
    CHECK(res.transit_load[segment].boardings == 2);
    CHECK(res.transit_load[segment].denied == 1);
    CHECK(res.transit_load[segment].onboard == 2);
    CHECK(res.transit_load[segment].depart_s == t0800);
    // Next: the stop at b after the 300 s run; both alight there and walk on a second later.
    auto due = wheel.take(t0800 + 300);
    REQUIRE(due.size() == 1);
    CHECK(due[0] == mobsim::Event{mobsim::EventKind::stop_arrival, vt});
    arrivals = {vt};
    transit.serve_stops(t0800 + 300, arrivals, gave_up);
    CHECK(transit.on_board(vt) == 0);
    CHECK(res.transit_load[segment].arrive_s == t0800 + 300);
    due = wheel.take(t0800 + 301);
    std::sort(due.begin(), due.end());
    REQUIRE(due.size() == 2);
    CHECK(due[0] == mobsim::Event{mobsim::EventKind::leg_end, riders[0]});
    CHECK(due[1] == mobsim::Event{mobsim::EventKind::leg_end, riders[1]});
    transit.finish();
    CHECK(res.denied_boardings == 1);
    CHECK(res.denied_by_line == std::vector<std::uint64_t>{1});
}

// Common lines: riders wait at the stop for the first vehicle of any line their ride
// accepts, and give up after max_denied_boardings.
namespace {

// Routes made by hand: person p's trip out is a walk of 0 m to the stop, one ride with the
// options given for p (the first is the planned ride), a walk of 0 m on; the trip home has
// no legs.
routing::TripRoutes ride_routes(const std::vector<std::vector<mobsim::RideOption>>& options) {
    routing::TripRoutes r;
    r.leg_first_option = {0};
    const auto add_leg = [&](routing::LegKind kind, const std::vector<mobsim::RideOption>& opts) {
        const bool ride = kind == routing::LegKind::ride;
        r.leg_kind.push_back(kind);
        r.leg_first_arc.push_back(0);
        r.leg_arc0.push_back(core::invalid_index);
        r.leg_board_rn.push_back(ride ? opts.front().board_rn : core::invalid_index);
        r.leg_stops.push_back(ride ? opts.front().stops : 0);
        r.leg_length_m.push_back(0);
        if (ride)
            for (const auto& o : opts) {
                r.option_board_rn.push_back(o.board_rn);
                r.option_stops.push_back(o.stops);
            }
        r.leg_first_option.push_back(static_cast<std::uint32_t>(r.option_board_rn.size()));
    };
    for (const auto& opts : options) {
        add_leg(routing::LegKind::walk, {});
        add_leg(routing::LegKind::ride, opts);
        add_leg(routing::LegKind::walk, {});
        r.trip_first_leg.push_back(static_cast<std::uint32_t>(r.leg_kind.size()));
        r.trip_first_leg.push_back(static_cast<std::uint32_t>(r.leg_kind.size()));  // home: no legs
    }
    return r;
}

mobsim::DayResult play_rides(const routing::RoutingContext& ctx, const population::Population& pop,
                             const routing::TripRoutes& routes, const mobsim::MobsimParams& params) {
    const std::vector<core::Mode> modes(pop.trip_count(), core::Mode::transit);
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
    const auto mctx = mobsim::make_mobsim_context(ctx, params);
    auto day = mobsim::simulate_day(mctx, {pop, modes, dep, routes});
    mobsim::add_walk_bike_volumes(mctx, {pop, modes, dep, routes}, day);
    return day;
}

// Two parallel lines from a to b, 300 s each: A every 600 s from 07:00, B every 1,200 s
// from 07:06:40. In each 20 minutes B leaves 400 s after an A and 200 s before the next,
// so of riders arriving at random times a third meet B first: A and B share 2:1.
struct TwoLines {
    testing::World w;
    std::unique_ptr<routing::RoutingContext> ctx;
    std::uint32_t rn_a = 0, rn_b = 0;
};

TwoLines two_lines(std::uint32_t capacity_a, std::uint32_t capacity_b, double walk_max_m = 6000) {
    TwoLines t;
    t.w = testing::make_world({"a", "b"}, {{0, 0}, {3000, 0}}, {{"a", "b", 3000, 50, 600}});
    testing::add_line(t.w, "A", {"a", "b"}, {300}, 7 * 3600, 10 * 3600, 600, capacity_a);
    testing::add_line(t.w, "B", {"a", "b"}, {300}, 7 * 3600 + 400, 10 * 3600, 1200, capacity_b);
    t.w.scenario.modes.walk.max_trip_m = walk_max_m;
    // Built in place (not moved): the transit model refers to the context's walk graph.
    t.ctx.reset(new routing::RoutingContext(routing::build_routing(t.w.net, t.w.scenario)));
    t.rn_a = t.ctx->transit->first_route_node(0, 0);
    t.rn_b = t.ctx->transit->first_route_node(1, 0);
    return t;
}

std::uint32_t ride_leg(const routing::TripRoutes& routes, std::uint32_t person) {
    return routes.trip_first_leg[2 * person] + 1;
}

}  // namespace

TEST_CASE("riders who accept lines A (every 10 min) and B (every 20 min) take the first to come: about 2:1") {
    const auto lines = two_lines(1000, 1000);
    const auto& tm = *lines.ctx->transit;
    // 600 riders at uniform random times from 07:00 to 09:00.
    std::vector<std::int32_t> arrive;
    core::Rng rng(11, core::Stream::day_plan, 0);
    for (int i = 0; i < 600; ++i) arrive.push_back(7 * 3600 + static_cast<std::int32_t>(rng.below(7200)));
    const auto pop = testing::make_people(lines.w.net, arrive, "a", "b", 20 * 3600);
    const std::vector<mobsim::RideOption> both{{lines.rn_a, 1}, {lines.rn_b, 1}};
    const auto routes = ride_routes(std::vector<std::vector<mobsim::RideOption>>(arrive.size(), both));
    const auto d = play_rides(*lines.ctx, pop, routes, transit_params());

    std::size_t on_b = 0;
    for (std::uint32_t p = 0; p < arrive.size(); ++p) {
        const auto leg = ride_leg(routes, p);
        // By hand: the next A leaves at the next multiple of 600 s after 07:00, the next B at
        // the next 07:06:40 + k 1,200 s; the earlier one takes the rider (A on a tie).
        const std::int32_t since = arrive[p] - 7 * 3600;
        const std::int32_t next_a = 7 * 3600 + (since + 599) / 600 * 600;
        const std::int32_t next_b = 7 * 3600 + 400 + std::max(0, since - 400 + 1199) / 1200 * 1200;
        const bool b_first = next_b < next_a;
        REQUIRE(d.leg_board_rn[leg] != core::invalid_index);
        CHECK(tm.rn_line(d.leg_board_rn[leg]) == (b_first ? 1u : 0u));
        CHECK(d.leg_board_s[leg] == (b_first ? next_b : next_a));
        CHECK(d.arr_s[2 * p] == d.leg_board_s[leg] + 300 + 1);
        on_b += tm.rn_line(d.leg_board_rn[leg]) == 1 ? 1 : 0;
    }
    // The expected share of B is 400 / 1,200 = 1/3; with 600 riders its standard deviation
    // is 0.019, so within 0.05 (2.6 standard deviations).
    const double share_b = static_cast<double>(on_b) / static_cast<double>(arrive.size());
    MESSAGE("share of line B: " << share_b);
    CHECK(std::abs(share_b - 1.0 / 3.0) < 0.05);
    CHECK(d.denied_boardings == 0);
    CHECK(d.gave_up_trips == 0);
}

TEST_CASE("left behind by a full A, a rider who accepts A and B takes the next B; one who accepts A only, the next A") {
    const auto lines = two_lines(2, 100);
    const auto& tm = *lines.ctx->transit;
    const std::int32_t t0755 = 7 * 3600 + 55 * 60, t0800 = 8 * 3600, t0806_40 = 8 * 3600 + 400;
    const auto pop = testing::make_people(lines.w.net, {t0755, t0755, t0755, t0755}, "a", "b", 20 * 3600);
    const std::vector<mobsim::RideOption> both{{lines.rn_a, 1}, {lines.rn_b, 1}}, a_only{{lines.rn_a, 1}};
    const auto routes = ride_routes({both, both, both, a_only});
    const auto d = play_rides(*lines.ctx, pop, routes, transit_params());
    // 08:00: A (2 places) takes the first two; the other two are denied once.
    CHECK(d.leg_board_s[ride_leg(routes, 0)] == t0800);
    CHECK(d.leg_board_s[ride_leg(routes, 1)] == t0800);
    // 08:06:40: B takes the third; the fourth waits for A at 08:10.
    CHECK(d.leg_board_s[ride_leg(routes, 2)] == t0806_40);
    CHECK(tm.rn_line(d.leg_board_rn[ride_leg(routes, 2)]) == 1);
    CHECK(d.arr_s[4] == t0806_40 + 300 + 1);
    CHECK(d.leg_board_s[ride_leg(routes, 3)] == t0800 + 600);
    CHECK(tm.rn_line(d.leg_board_rn[ride_leg(routes, 3)]) == 0);
    CHECK(d.denied[4] == 1);
    CHECK(d.denied[6] == 1);
    CHECK(d.wait_s[4] == doctest::Approx(t0806_40 - t0755));
    CHECK(d.denied_boardings == 2);
    CHECK(d.denied_by_line == std::vector<std::uint64_t>{2, 0});
    CHECK(d.gave_up_trips == 0);
    // The vehicle trip boarded is B's, and the leg's distance that of the ride taken.
    const auto vt = static_cast<std::uint32_t>(d.leg_vehicle_trip[ride_leg(routes, 2)]);
    CHECK(tm.schedule().trip_line(vt) == 1);
    CHECK(d.leg_distance_m[ride_leg(routes, 2)] == doctest::Approx(3000));
}

TEST_CASE("a rider denied max_denied_boardings times gives up: walks on within the walk range, else a taxi") {
    // The riders accept A only, which takes one rider every 10 minutes.
    for (const bool walk : {true, false}) {
        CAPTURE(walk);
        const auto lines = two_lines(1, 1, walk ? 6000 : 1000);
        const std::int32_t t0755 = 7 * 3600 + 55 * 60, t0820 = 8 * 3600 + 1200;
        const auto pop = testing::make_people(lines.w.net, std::vector<std::int32_t>(5, t0755), "a", "b", 20 * 3600);
        const std::vector<mobsim::RideOption> a_only{{lines.rn_a, 1}};
        const auto routes = ride_routes(std::vector<std::vector<mobsim::RideOption>>(5, a_only));
        auto params = transit_params();
        params.max_denied_boardings = 3;
        const auto d = play_rides(*lines.ctx, pop, routes, params);
        // 08:00, 08:10 and 08:20 take riders 0, 1, 2; riders 3 and 4 are left behind by all
        // three and give up at 08:20: 3,000 m on foot at 1.3 m/s (2,308 s), or beyond a walk
        // range of 1,000 m by taxi at the free-flow car time (3,000 m at 50 km/h: 216 s).
        for (std::uint32_t p = 0; p < 3; ++p) CHECK(d.gave_up[2 * p] == 0);
        const std::int32_t on = walk ? 2308 : 216;
        for (std::uint32_t p = 3; p < 5; ++p) {
            CAPTURE(p);
            CHECK(d.gave_up[2 * p] == 1);
            CHECK(d.denied[2 * p] == 3);
            CHECK(d.stuck[2 * p] == 0);
            CHECK(d.leg_board_s[ride_leg(routes, p)] == -1);
            CHECK(d.arr_s[2 * p] == t0820 + on);
            CHECK(d.wait_s[2 * p] == doctest::Approx(t0820 - t0755));
            CHECK((walk ? d.egress_s[2 * p] : d.in_vehicle_s[2 * p]) == doctest::Approx(on));
            CHECK(d.distance_m[2 * p] == doctest::Approx(3000));
        }
        CHECK(d.gave_up_trips == 2);
        // Denied: 4 at 08:00, 3 at 08:10, 2 at 08:20, all by A; both give-ups on A.
        CHECK(d.denied_boardings == 9);
        CHECK(d.denied_by_line == std::vector<std::uint64_t>{9, 0});
        CHECK(d.gave_up_by_line == std::vector<std::uint64_t>{2, 0});
        // Those who walked are on the link from a to b from 08:20 (hour 8), and nobody else.
        std::uint32_t walkers = 0;
        for (const auto n : d.walkers) walkers += n;
        CHECK(walkers == (walk ? 2u : 0u));
        CHECK(d.walkers[(0 * 2 + 0) * mobsim::volume_hours + 8] == (walk ? 2u : 0u));
    }
}

TEST_CASE("a rider left behind until the trip has waited max_wait_s gives up then, not later") {
    // A takes one rider every 10 minutes; five arrive at 07:55 and accept A only. With
    // max_wait_s 1,200 s and no limit on denials, the 08:00 and 08:10 departures take riders
    // 0 and 1; the other three give up at 08:15, 20 minutes after reaching the stop, and walk
    // the 3,000 m on (2,308 s at 1.3 m/s).
    auto lines = two_lines(1, 1);
    lines.ctx->params.transit.max_wait_s = 1200;
    const std::int32_t t0755 = 7 * 3600 + 55 * 60, t0815 = 8 * 3600 + 900;
    const auto pop = testing::make_people(lines.w.net, std::vector<std::int32_t>(5, t0755), "a", "b", 20 * 3600);
    const std::vector<mobsim::RideOption> a_only{{lines.rn_a, 1}};
    const auto routes = ride_routes(std::vector<std::vector<mobsim::RideOption>>(5, a_only));
    auto params = transit_params();
    params.max_denied_boardings = 100;
    const auto d = play_rides(*lines.ctx, pop, routes, params);
    for (std::uint32_t p = 0; p < 2; ++p) CHECK(d.gave_up[2 * p] == 0);
    for (std::uint32_t p = 2; p < 5; ++p) {
        CAPTURE(p);
        CHECK(d.gave_up[2 * p] == 1);
        CHECK(d.wait_s[2 * p] == doctest::Approx(1200));
        CHECK(d.arr_s[2 * p] == t0815 + 2308);
    }
    CHECK(d.gave_up_trips == 3);
    CHECK(d.gave_up_by_line == std::vector<std::uint64_t>{3, 0});
}

TEST_CASE("TransitVehicles: the wait limit of a later ride counts the trip's earlier waits") {
    auto lines = two_lines(10, 10);
    lines.ctx->params.transit.max_wait_s = 1200;
    // One trip: walk, ride A, walk, ride A, walk (the second ride is only joined here).
    routing::TripRoutes r;
    r.leg_first_option = {0};
    for (int k = 0; k < 5; ++k) {
        const bool ride = k % 2 == 1;
        r.leg_kind.push_back(ride ? routing::LegKind::ride : routing::LegKind::walk);
        r.leg_first_arc.push_back(0);
        r.leg_arc0.push_back(core::invalid_index);
        r.leg_board_rn.push_back(ride ? lines.rn_a : core::invalid_index);
        r.leg_stops.push_back(ride ? 1 : 0);
        r.leg_length_m.push_back(0);
        if (ride) {
            r.option_board_rn.push_back(lines.rn_a);
            r.option_stops.push_back(1);
        }
        r.leg_first_option.push_back(static_cast<std::uint32_t>(r.option_board_rn.size()));
    }
    r.trip_first_leg.push_back(5);
    const auto mctx = mobsim::make_mobsim_context(*lines.ctx, transit_params());
    const std::int32_t t = 9 * 3600;
    for (const std::int32_t first_wait : {1000, 1200, 1500}) {
        CAPTURE(first_wait);
        mobsim::DayResult res;
        res.leg_start_s.assign(5, -1);
        res.leg_board_s.assign(5, -1);
        res.leg_start_s[1] = t - 3000;
        res.leg_board_s[1] = t - 3000 + first_wait;  // the first ride's wait
        mobsim::EventWheel wheel(mctx.params.end_time_s);
        mobsim::TransitVehicles transit(mctx, r, res, wheel);
        std::vector<std::uint32_t> limit_now;
        transit.join(t, {3}, limit_now);
        if (first_wait < 1200) {
            CHECK(limit_now.empty());
            const auto due = wheel.take(t + 1200 - first_wait);
            CHECK(std::count(due.begin(), due.end(), mobsim::Event{mobsim::EventKind::wait_limit, 3}) == 1);
        } else {
            // Nothing left to wait: only a vehicle there this very second still takes the rider.
            CHECK(limit_now == std::vector<std::uint32_t>{3});
        }
    }
}
