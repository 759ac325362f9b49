// Travellers: trips and legs of the people, on their own and through whole days.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "mobsim_fixture.hpp"
#include "sim/mobsim/travellers.hpp"

using namespace flemsim;

TEST_CASE("Travellers: a walk leg ends after its length at the person's speed, then the next trip starts") {
    auto w = testing::make_world({"a", "b"}, {{0, 0}, {130, 0}}, {{"a", "b", 130, 0, 0}});
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const auto pop = testing::make_people(w.net, {1000}, "a", "b", 5000);
    std::vector<core::Mode> modes(pop.trip_count(), core::Mode::walk);
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
    const auto routes = routing::route_trips(ctx, pop, modes, dep);
    REQUIRE(routes.trip_first_leg[1] - routes.trip_first_leg[0] == 1);
    const std::uint32_t leg = routes.trip_first_leg[0];
    mobsim::MobsimParams params;
    params.end_time_s = 30 * 3600;
    const auto mctx = mobsim::make_mobsim_context(ctx, params);
    const mobsim::DayPlan plan{pop, modes, dep, routes};
    mobsim::DayResult res;
    mobsim::EventWheel wheel(params.end_time_s);
    mobsim::Travellers travellers(mctx, plan, res, wheel);
    CHECK(travellers.person_of_trip(1) == 0);
    CHECK(travellers.trip_of_leg(leg) == 0);

    std::vector<mobsim::VehicleRef> cars;
    std::vector<std::uint32_t> riders;
    auto due = wheel.take(1000);
    REQUIRE(due == std::vector<mobsim::Event>{{mobsim::EventKind::trip_start, 0}});
    travellers.step(1000, due, cars, riders);
    const auto walk_s = static_cast<std::int32_t>(std::lround(routes.leg_length_m[leg] / params.walk_speed_mps));
    CHECK(res.dep_s[0] == 1000);
    CHECK(res.leg_start_s[leg] == 1000);
    CHECK(res.leg_end_s[leg] == 1000 + walk_s);
    CHECK(cars.empty());
    CHECK(riders.empty());
    due = wheel.take(1000 + walk_s);
    REQUIRE(due == std::vector<mobsim::Event>{{mobsim::EventKind::leg_end, leg}});
    travellers.step(1000 + walk_s, due, cars, riders);
    CHECK(res.arr_s[0] == 1000 + walk_s);
    // The way back starts at its planned departure.
    CHECK(wheel.take(5000) == std::vector<mobsim::Event>{{mobsim::EventKind::trip_start, 1}});
    // The day ends before the way back was played: that trip is stuck, the first is not.
    travellers.finish();
    CHECK(res.stuck[0] == 0);
    CHECK(res.stuck[1] == 1);
    CHECK(res.stuck_trips == 1);
    CHECK(res.arr_s[1] == params.end_time_s);
    CHECK(res.access_s[0] == doctest::Approx(walk_s));
    CHECK(res.distance_m[0] == doctest::Approx(routes.leg_length_m[leg]));
}

TEST_CASE("Travellers: a car leg hands its car to the road after the walk to it, a ride leg to its stop") {
    auto w = testing::make_world({"a", "b"}, {{0, 0}, {1000, 0}}, {{"a", "b", 1000, 36, 600, 1}});
    testing::add_line(w, "L", {"a", "b"}, {120}, 7 * 3600, 10 * 3600, 600, 50);
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const auto pop = testing::make_people(w.net, {7 * 3600, 7 * 3600}, "a", "b", 20 * 3600);
    std::vector<core::Mode> modes{core::Mode::car, core::Mode::car, core::Mode::transit, core::Mode::transit};
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
    const auto routes = routing::route_trips(ctx, pop, modes, dep);
    mobsim::MobsimParams params;
    params.end_time_s = 30 * 3600;
    params.car_access_s = 60;
    const auto mctx = mobsim::make_mobsim_context(ctx, params);
    const mobsim::DayPlan plan{pop, modes, dep, routes};
    mobsim::DayResult res;
    mobsim::EventWheel wheel(params.end_time_s);
    mobsim::Travellers travellers(mctx, plan, res, wheel);
    std::vector<mobsim::VehicleRef> cars;
    std::vector<std::uint32_t> riders;
    // Play the people alone until 07:05: walks end, cars and riders are handed on.
    for (std::int32_t t = 7 * 3600; t < 7 * 3600 + 300; ++t) {
        auto due = wheel.take(t);
        for (auto& e : due)
            if (e.kind == mobsim::EventKind::car_entry) cars.push_back({mobsim::VehicleRef::Kind::car, e.id});
        std::erase_if(due, [](const mobsim::Event& e) { return e.kind == mobsim::EventKind::car_entry; });
        travellers.step(t, due, cars, riders);
    }
    std::uint32_t car_leg = core::invalid_index, ride_leg = core::invalid_index;
    for (auto l = routes.trip_first_leg[0]; l < routes.trip_first_leg[1]; ++l)
        if (routes.leg_kind[l] == routing::LegKind::car) car_leg = l;
    for (auto l = routes.trip_first_leg[2]; l < routes.trip_first_leg[3]; ++l)
        if (routes.leg_kind[l] == routing::LegKind::ride) ride_leg = l;
    REQUIRE(car_leg != core::invalid_index);
    REQUIRE(ride_leg != core::invalid_index);
    // The car is ready 30 s (half the access) after its leg started.
    REQUIRE(cars.size() == 1);
    CHECK(cars[0] == mobsim::VehicleRef{mobsim::VehicleRef::Kind::car, car_leg});
    CHECK(res.leg_start_s[car_leg] == 7 * 3600);
    REQUIRE(riders.size() == 1);
    CHECK(riders[0] == ride_leg);
    CHECK(res.leg_start_s[ride_leg] >= 7 * 3600);
    CHECK(res.leg_board_s[ride_leg] == -1);  // boarding is the vehicles' part
}
