// Park-and-ride end to end, on a hand-made network with worked answers: the level of service
// offers transit by car to the station's car park and the train onward to a person with a
// car (and none to one without: home is beyond walking), the routes drive, walk and ride, the
// simulated day plays it, and a car park closed by the previous days takes no more arrivals.
#include <doctest/doctest.h>

#include <cmath>

#include "mobsim_fixture.hpp"
#include "sim/mobsim/mobsim.hpp"
#include "sim/routing/los.hpp"
#include "sim/routing/routes.hpp"

using namespace flemsim;
using routing::LegKind;
using routing::TransitAccess;

namespace {

// Home h, 5 km by car (only: nobody walks it) from the car park p; p 100 m on foot from the
// station s; the train from s to t, 15 km, 600 s, every 600 s from 06:00; the destination d
// 100 m on foot from t. Car links both ways; s has 10 car spaces and no bike stands.
struct ParkRide {
    testing::World w;
    std::unique_ptr<routing::RoutingContext> ctx;
    std::uint32_t s = 0, t = 0;
};

ParkRide park_ride(double drive_m = 5000) {
    ParkRide r;
    r.w = testing::make_world({"h", "p", "s", "t", "d"},
                              {{0, 0}, {drive_m, 0}, {drive_m + 100, 0}, {drive_m + 15100, 0}, {drive_m + 15200, 0}},
                              {{"h", "p", drive_m, 50, 1000, 1, false},
                               {"p", "h", drive_m, 50, 1000, 1, false},
                               {"p", "s", 100, 0, 0},
                               {"s", "p", 100, 0, 0},
                               {"t", "d", 100, 0, 0},
                               {"d", "t", 100, 0, 0}});
    testing::add_line(r.w, "train", {"s", "t"}, {600}, 6 * 3600, 22 * 3600, 600, 500);
    auto& net = r.w.net;
    r.s = net.find_stop("s_s");
    r.t = net.find_stop("s_t");
    net.stop_car_parking.assign(net.stop_count(), 0);
    net.stop_bike_parking.assign(net.stop_count(), 0);
    net.stop_car_parking[r.s] = 10;
    // Built in place: the transit model refers to the context's walk graph.
    r.ctx.reset(new routing::RoutingContext(routing::build_routing(net, r.w.scenario)));
    return r;
}

}  // namespace

TEST_CASE("a park-and-ride trip drives to the station's car park and takes the train onward") {
    auto r = park_ride();
    const auto& ctx = *r.ctx;
    const auto& tm = *ctx.transit;
    REQUIRE(tm.lots(TransitAccess::car).size() == 1);
    const auto& lot = tm.lots(TransitAccess::car)[0];
    CHECK(lot.stop == r.s);
    CHECK(lot.node == r.w.net.find_node("p"));
    CHECK(lot.walk_m == doctest::Approx(100));
    CHECK(tm.lots(TransitAccess::bike).empty());

    // Leaving home at 07:50, back from d at 17:00. Person 0 has a car, person 1 none.
    const std::int32_t t0750 = 7 * 3600 + 50 * 60, t1700 = 17 * 3600;
    auto pop = testing::make_people(r.w.net, {t0750, t0750}, "h", "d", t1700);
    pop.car_available[1] = 0;
    const auto los = routing::compute_trip_los(ctx, pop);

    // Worked by hand: the drive 5,000 m at 50 km/h (360 s), the walks to and from the car
    // (car access 120 s) and from the park to the platform (100 m at 1.3 m/s, 76.9 s): ready
    // at 07:50 + 556.9 s = 07:59:17, so the 08:00 train, at t at 08:10, 100 m to d.
    const double walk_100 = 100 / 1.3;
    const auto pt_out = los.pt.at(0);
    CHECK(los.has(0, core::Mode::transit));
    CHECK(pt_out.access_kind == static_cast<std::uint8_t>(TransitAccess::car));
    CHECK(los.pt.lot_stop[0] == static_cast<std::int32_t>(r.s));
    CHECK(pt_out.ride_s == doctest::Approx(360).epsilon(0.001));
    CHECK(pt_out.ride_m == doctest::Approx(5000));
    CHECK(pt_out.access_s == doctest::Approx(120 + walk_100).epsilon(0.001));
    CHECK(pt_out.in_vehicle_s == doctest::Approx(600));
    CHECK(pt_out.egress_s == doctest::Approx(std::ceil(walk_100)));
    CHECK(pt_out.wait_s == doctest::Approx(8 * 3600 - (t0750 + std::ceil(360 + 120 + walk_100))));
    CHECK(los.time_s[static_cast<std::size_t>(core::Mode::transit)][0] ==
          doctest::Approx(8 * 3600 + 600 + std::ceil(walk_100) - t0750).epsilon(0.001));
    // Back: the 17:00 walk to t (77 s), the 17:10 train (17:00 is gone), the walk to the
    // park, the drive home: the same park.
    const auto pt_back = los.pt.at(1);
    CHECK(los.has(1, core::Mode::transit));
    CHECK(pt_back.access_kind == static_cast<std::uint8_t>(TransitAccess::car));
    CHECK(los.pt.lot_stop[1] == static_cast<std::int32_t>(r.s));
    CHECK(pt_back.ride_s == doctest::Approx(360).epsilon(0.001));
    CHECK(pt_back.egress_s == doctest::Approx(120 + walk_100).epsilon(0.001));
    // Without a car: home is beyond walking to any stop, so no transit at all.
    CHECK_FALSE(los.has(2, core::Mode::transit));
    CHECK_FALSE(los.has(3, core::Mode::transit));

    // The routes of the plan: car, walk, ride, walk out; walk, ride, walk, car back.
    const routing::TransitAccessPlan access{{los.pt.access_kind[0], 0}, {los.pt.lot_stop[0], -1}};
    const std::vector<core::Mode> modes{core::Mode::transit, core::Mode::transit, core::Mode::car, core::Mode::car};
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
    const auto routes = routing::route_trips(ctx, pop, modes, dep, {}, nullptr, nullptr, &access);
    const auto kinds = [&](std::size_t t) {
        std::vector<LegKind> k;
        for (auto l = routes.trip_first_leg[t]; l < routes.trip_first_leg[t + 1]; ++l) k.push_back(routes.leg_kind[l]);
        return k;
    };
    CHECK(kinds(0) == std::vector<LegKind>{LegKind::car, LegKind::walk, LegKind::ride, LegKind::walk});
    CHECK(kinds(1) == std::vector<LegKind>{LegKind::walk, LegKind::ride, LegKind::walk, LegKind::car});
    const auto ride_out = routes.trip_first_leg[0] + 2;
    CHECK(tm.rn_stop(routes.leg_board_rn[ride_out]) == r.s);
    CHECK(tm.rn_stop(routes.leg_board_rn[ride_out] + routes.leg_stops[ride_out]) == r.t);

    // The simulated day: the car leg (the walk to the car 60 s, the drive 360 s, the walk from
    // it 60 s) ends by 07:58, the walk to the platform takes 77 s, the 08:00 train reaches t
    // at 08:10, alighting takes a second, 77 s on foot to d. Both trips are park-and-ride,
    // and the car park saw one car, gone when its driver set off home.
    mobsim::MobsimParams mp;
    mp.end_time_s = 30 * 3600;
    mp.car_access_s = 120;
    const auto mctx = mobsim::make_mobsim_context(ctx, mp);
    const auto day = mobsim::simulate_day(mctx, {pop, modes, dep, routes});
    CHECK(day.stuck[0] == 0);
    CHECK(day.arr_s[0] == 8 * 3600 + 600 + 1 + 77);
    CHECK(day.access_kind[0] == 2);
    CHECK(day.access_kind[1] == 2);
    CHECK(day.access_kind[2] == 0);  // by car: not transit
    CHECK(day.car_lot_arrivals[r.s] == 1);
    CHECK(day.car_lot_peak[r.s] == 1);
    CHECK(day.car_lot_over[r.s] == 0);
    // Both walks of the car (to it at home, from it at the park) come before the ride on the way
    // out: access, with the walk to the platform; on the way back both come after it: egress.
    CHECK(day.access_s[0] == doctest::Approx(120 + 77));
    CHECK(day.egress_s[0] == doctest::Approx(77));
    CHECK(day.access_s[1] == doctest::Approx(77));
    CHECK(day.egress_s[1] == doctest::Approx(77 + 120));
    // A trip by car has one of them at each end.
    CHECK(day.access_s[2] == doctest::Approx(60));
    CHECK(day.egress_s[2] == doctest::Approx(60));
}

TEST_CASE("a car park full on the previous days takes no arrivals after it filled") {
    auto r = park_ride();
    const std::int32_t t0750 = 7 * 3600 + 50 * 60;
    const auto pop = testing::make_people(r.w.net, {t0750}, "h", "d", 17 * 3600);
    // Parked at 07:50 + 60 s (to the car) + 360 s (the drive) = 07:57.
    r.ctx->transit->set_lot_closing(TransitAccess::car, {7 * 3600 + 56 * 60});
    CHECK_FALSE(routing::compute_trip_los(*r.ctx, pop).has(0, core::Mode::transit));
    r.ctx->transit->set_lot_closing(TransitAccess::car, {7 * 3600 + 58 * 60});
    CHECK(routing::compute_trip_los(*r.ctx, pop).has(0, core::Mode::transit));
    r.ctx->transit->set_lot_closing(TransitAccess::car, {});
    CHECK(routing::compute_trip_los(*r.ctx, pop).has(0, core::Mode::transit));
}

TEST_CASE("bike-and-ride: a person with a bike rides to the station's bike stands, one without has no transit") {
    // Home h 5 km from the station s along a path (walk and bike: too far to walk to a stop,
    // max_access_walk_m is 1,200 m); bike stands at s itself; the train as above.
    testing::World w = testing::make_world(
        {"h", "s", "t", "d"}, {{0, 0}, {5000, 0}, {20000, 0}, {20100, 0}},
        {{"h", "s", 5000, 0, 0}, {"s", "h", 5000, 0, 0}, {"t", "d", 100, 0, 0}, {"d", "t", 100, 0, 0}});
    testing::add_line(w, "train", {"s", "t"}, {600}, 6 * 3600, 22 * 3600, 600, 500);
    const auto s = w.net.find_stop("s_s");
    w.net.stop_car_parking.assign(w.net.stop_count(), 0);
    w.net.stop_bike_parking.assign(w.net.stop_count(), 0);
    w.net.stop_bike_parking[s] = 20;
    const auto ctx = routing::build_routing(w.net, w.scenario);
    REQUIRE(ctx.transit->lots(TransitAccess::bike).size() == 1);
    CHECK(ctx.transit->lots(TransitAccess::bike)[0].walk_m == 0);  // the stands are at the stop

    const std::int32_t t0740 = 7 * 3600 + 40 * 60;
    auto pop = testing::make_people(w.net, {t0740, t0740}, "h", "d", 17 * 3600);
    pop.bike_owner[1] = 0;
    const auto los = routing::compute_trip_los(ctx, pop);
    // 5,000 m at 4.2 m/s: 1,190.5 s, ready at 07:59:51 for the 08:00 train.
    const auto out = los.pt.at(0);
    CHECK(los.has(0, core::Mode::transit));
    CHECK(out.access_kind == static_cast<std::uint8_t>(TransitAccess::bike));
    CHECK(out.ride_s == doctest::Approx(5000 / 4.2).epsilon(0.001));
    CHECK(out.access_s == doctest::Approx(0));
    CHECK(out.wait_s == doctest::Approx(8 * 3600 - (t0740 + std::ceil(5000 / 4.2))));
    CHECK(los.pt.at(1).access_kind == static_cast<std::uint8_t>(TransitAccess::bike));
    CHECK_FALSE(los.has(2, core::Mode::transit));
    CHECK_FALSE(los.has(3, core::Mode::transit));
    // Beyond bike_and_ride.max_ride_m the stands are not offered.
    auto shorter = w.scenario;
    shorter.modes.transit.bike_and_ride_max_ride_m = 4000;
    const auto ctx2 = routing::build_routing(w.net, shorter);
    CHECK_FALSE(routing::compute_trip_los(ctx2, pop).has(0, core::Mode::transit));
}

TEST_CASE("park-and-ride within the drive's reach only, in free flow and in a congested hour") {
    // The reach is park_and_ride_max_drive_m (15 km by default): a park 14.9 km away is
    // offered, one 15.1 km away is not, whatever the times; a congested hour makes the drive
    // slower, not longer, and the park stays offered (its search is bounded by time: the
    // congested hour's bound must still reach it).
    const std::int32_t t0650 = 6 * 3600 + 50 * 60, t1700 = 17 * 3600;
    for (const double drive_m : {14900.0, 15100.0}) {
        CAPTURE(drive_m);
        auto r = park_ride(drive_m);
        const auto& ctx = *r.ctx;
        REQUIRE(ctx.params.transit.park_and_ride_max_drive_m == 15000);
        const auto pop = testing::make_people(r.w.net, {t0650}, "h", "d", t1700);
        const auto los = routing::compute_trip_los(ctx, pop);
        const bool within = drive_m < 15000;
        CHECK(los.has(0, core::Mode::transit) == within);
        CHECK(los.has(1, core::Mode::transit) == within);
        if (within) {
            CHECK(los.pt.at(0).access_kind == static_cast<std::uint8_t>(TransitAccess::car));
            CHECK(los.pt.at(0).ride_m == doctest::Approx(drive_m));
            CHECK(los.pt.at(0).ride_s == doctest::Approx(drive_m / (50 / 3.6)).epsilon(0.001));
            CHECK(los.pt.at(1).ride_m == doctest::Approx(drive_m));
        }
        // Hour 6 (the way out) ten times slower towards the park, hour 17 (the way back) three
        // times slower home: the same parks, at those times.
        routing::CarTimes slow;
        slow.hours = 24;
        const auto& car = ctx.car;
        slow.time_s.resize(slow.hours * car.arc_count());
        for (std::size_t h = 0; h < slow.hours; ++h)
            for (std::size_t a = 0; a < car.arc_count(); ++a)
                slow.time_s[h * car.arc_count() + a] = car.time_s[a] * (h == 6 ? 10.0 : h == 17 ? 3.0 : 1.0);
        const std::vector<routing::LosRequest> requests{{0, t0650, true}, {1, t1700, true}};
        const auto at = routing::compute_los_at(ctx, pop, requests, &slow, true);
        CHECK(static_cast<bool>(at.transit_ok[0]) == within);
        CHECK(static_cast<bool>(at.transit_ok[1]) == within);
        if (within) {
            CHECK(at.pt.at(0).access_kind == static_cast<std::uint8_t>(TransitAccess::car));
            CHECK(at.pt.at(0).ride_s == doctest::Approx(10 * drive_m / (50 / 3.6)).epsilon(0.001));
            CHECK(at.pt.at(0).ride_m == doctest::Approx(drive_m));
            CHECK(at.pt.at(1).access_kind == static_cast<std::uint8_t>(TransitAccess::car));
            CHECK(at.pt.at(1).ride_s == doctest::Approx(3 * drive_m / (50 / 3.6)).epsilon(0.001));
        }
    }
}
