// TransitVehicles: capacities, denied boardings and transfers, through whole days and verb by verb.
#include <doctest/doctest.h>

#include <algorithm>

#include "mobsim_fixture.hpp"
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
    res.leg_denied.assign(routes.leg_count(), 0);
    mobsim::EventWheel wheel(mctx.params.end_time_s);
    mobsim::TransitVehicles transit(mctx, routes, res, wheel);
    const auto rn = routes.leg_board_rn[riders[0]];
    std::uint32_t vt = 0;  // the 08:00 departure from a
    while (mctx.timetable.departure_s[vt] != t0800 || mctx.timetable.first_rn[vt] != rn) ++vt;

    transit.join(t0755, riders);
    CHECK(transit.waiting_at(rn) == 3);
    std::vector<std::uint32_t> arrivals{vt};
    transit.serve_stops(t0800, arrivals);
    CHECK(transit.on_board(vt) == 2);
    CHECK(transit.waiting_at(rn) == 1);
    CHECK(res.leg_board_s[riders[0]] == t0800);
    CHECK(res.leg_board_s[riders[1]] == t0800);
    CHECK(res.leg_board_s[riders[2]] == -1);
    CHECK(res.leg_vehicle_trip[riders[1]] == static_cast<std::int32_t>(vt));
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
    transit.serve_stops(t0800 + 300, arrivals);
    CHECK(transit.on_board(vt) == 0);
    CHECK(res.transit_load[segment].arrive_s == t0800 + 300);
    due = wheel.take(t0800 + 301);
    std::sort(due.begin(), due.end());
    REQUIRE(due.size() == 2);
    CHECK(due[0] == mobsim::Event{mobsim::EventKind::leg_end, riders[0]});
    CHECK(due[1] == mobsim::Event{mobsim::EventKind::leg_end, riders[1]});
    transit.finish();
    CHECK(res.denied_boardings == 1);
}
