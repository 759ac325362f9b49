// LinkQueues: the queue model of car links, through whole days and verb by verb.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "mobsim_fixture.hpp"
#include "sim/mobsim/link_queues.hpp"

using namespace flemsim;

using testing::car_params;

TEST_CASE("a bottleneck of 600 veh/h lets out 10 vehicles a minute") {
    // a --(wide, 360 m at 36 km/h)--> b --(bottleneck 600 veh/h, 100 m)--> c --(wide)--> d
    auto w = testing::make_world(
        {"a", "b", "c", "d"}, {{0, 0}, {360, 0}, {460, 0}, {820, 0}},
        {{"a", "b", 360, 36, 7200, 10}, {"b", "c", 100, 36, 600, 10}, {"c", "d", 360, 36, 7200, 10}});
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const std::vector<std::int32_t> deps(60, 3600);  // 60 cars leave a at 01:00
    const auto pop = testing::make_people(w.net, deps, "a", "d", 20 * 3600);
    const auto played = testing::play(w, pop, core::Mode::car, car_params(), ctx);
    std::vector<std::int32_t> arrivals;
    for (std::size_t t = 0; t < pop.trip_count(); t += 2) arrivals.push_back(played.day.arr_s[t]);
    std::sort(arrivals.begin(), arrivals.end());
    // Free flow: 36 s + 10 s + 36 s; the first car arrives at 01:01:22 (+1 s to leave the last link).
    CHECK(arrivals.front() == 3600 + 36 + 10 + 36 + 1);
    // Then one every 6 s: 10 a minute.
    for (std::size_t i = 1; i < arrivals.size(); ++i) CHECK(arrivals[i] - arrivals[i - 1] == 6);
    std::map<int, int> per_minute;
    for (const auto a : arrivals) ++per_minute[(a - arrivals.front()) / 60];
    CHECK(per_minute[0] == 10);
    CHECK(per_minute[1] == 10);
    CHECK(per_minute[4] == 10);
    CHECK(played.day.stuck_trips == 0);
}

TEST_CASE("a car reaching the head before the flow capacity recovers leaves when it has") {
    // Two cars 2 s apart through a 600 veh/h link: the second waits for the 6 s of capacity.
    auto w = testing::make_world({"a", "b", "c"}, {{0, 0}, {100, 0}, {200, 0}},
                                 {{"a", "b", 100, 36, 600, 10}, {"b", "c", 100, 36, 7200, 10}});
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const auto pop = testing::make_people(w.net, {1000, 1002}, "a", "c", 20 * 3600);
    const auto played = testing::play(w, pop, core::Mode::car, car_params(), ctx);
    CHECK(played.day.arr_s[0] == 1000 + 10 + 10 + 1);
    CHECK(played.day.arr_s[2] == 1000 + 6 + 10 + 10 + 1);
    CHECK(played.day.stuck_trips == 0);
}

TEST_CASE("a full link spills back to the links and origins upstream") {
    // x --(100 m: storage 13)--> y --(15 m: storage 2, 360 veh/h out)--> z --(100 m)--> u
    auto w =
        testing::make_world({"x", "y", "z", "u"}, {{0, 0}, {100, 0}, {115, 0}, {215, 0}},
                            {{"x", "y", 100, 36, 7200, 1}, {"y", "z", 15, 36, 360, 1}, {"z", "u", 100, 36, 7200, 1}});
    const auto ctx = routing::build_routing(w.net, w.scenario);
    const std::vector<std::int32_t> deps(20, 0);
    const auto pop = testing::make_people(w.net, deps, "x", "u", 20 * 3600);
    const auto played = testing::play(w, pop, core::Mode::car, car_params(), ctx);
    // 13 cars fit on the first link (100 m / 7.5 m); the 7 others wait at the origin.
    int entered_at_once = 0;
    std::vector<std::int32_t> arrivals;
    for (std::size_t t = 0; t < pop.trip_count(); t += 2) {
        const auto leg = played.routes.trip_first_leg[t];
        entered_at_once += played.day.leg_board_s[leg] == 0;
        arrivals.push_back(played.day.arr_s[t]);
    }
    CHECK(entered_at_once == 13);
    // The bottleneck lets one car out every 10 s; space on the first link opens at that pace,
    // so the 14th car enters when the first car has left the 15 m link.
    std::sort(arrivals.begin(), arrivals.end());
    for (std::size_t i = 1; i < arrivals.size(); ++i) CHECK(arrivals[i] - arrivals[i - 1] == 10);
    // Spillback: the last car spends far longer on the first link than its 10 s free flow.
    const auto first_arc = played.routes.first_arc(played.routes.trip_first_leg[0]);
    const double mean_on_first = played.day.car_time_sum[first_arc * mobsim::volume_hours] /
                                 played.day.car_time_count[first_arc * mobsim::volume_hours];
    CHECK(mean_on_first > 50);
    CHECK(played.day.stuck_trips == 0);
}

namespace {
// The engine alone on a hand-made road: a --(100 m, 36 km/h, 600 veh/h, one lane)--> b
// --(100 m, wide)--> c, with 20 cars from a to c. The first link stores 100 / 7.5 = 13 cars,
// takes 10 s at free flow and lets one car out every 6 s.
struct Road {
    testing::World w = testing::make_world({"a", "b", "c"}, {{0, 0}, {100, 0}, {200, 0}},
                                           {{"a", "b", 100, 36, 600, 1}, {"b", "c", 100, 36, 7200, 1}});
    routing::RoutingContext ctx = routing::build_routing(w.net, w.scenario);
    population::Population pop = testing::make_people(w.net, std::vector<std::int32_t>(20, 0), "a", "c", 20 * 3600);
    routing::TripRoutes routes;
    std::vector<std::uint32_t> car_legs;  // of the outward trips, in person order

    Road() {
        std::vector<core::Mode> modes(pop.trip_count(), core::Mode::car);
        std::vector<std::int32_t> dep(pop.trip_count());
        for (std::size_t t = 0; t < pop.trip_count(); ++t) dep[t] = routing::trip_departure_s(pop, t);
        routes = routing::route_trips(ctx, pop, modes, dep);
        for (std::uint32_t t = 0; t < pop.trip_count(); t += 2)
            for (auto l = routes.trip_first_leg[t]; l < routes.trip_first_leg[t + 1]; ++l)
                if (routes.leg_kind[l] == routing::LegKind::car) car_legs.push_back(l);
    }
    std::uint32_t arc(std::size_t k) const { return routes.arcs_of(ctx.car, car_legs[0]).at(k); }
};

// The engines a link test drives by hand, over `routes`: a day's result with its boarding
// column, the wheel, and the link queues with the transit engine they hand buses to.
struct LinkRig {
    mobsim::MobsimContext mctx;
    mobsim::DayResult res;
    mobsim::EventWheel wheel;
    mobsim::TransitVehicles transit;
    mobsim::LinkQueues links;

    LinkRig(const routing::RoutingContext& ctx, const routing::TripRoutes& routes, const mobsim::MobsimParams& p)
        : mctx(mobsim::make_mobsim_context(ctx, p)),
          res(with_boarding(routes)),
          wheel(p.end_time_s),
          transit(mctx, routes, res, wheel),
          links(mctx, routes, transit, res, wheel) {}

    static mobsim::DayResult with_boarding(const routing::TripRoutes& routes) {
        mobsim::DayResult r;
        r.leg_board_s.assign(routes.leg_count(), -1);
        return r;
    }
};

// One second of the link phases, in their order.
void link_second(mobsim::LinkQueues& links, std::int32_t t, std::vector<std::uint32_t> woken = {}) {
    std::vector<std::uint32_t> bus_arrivals;
    links.collect_intents(t, woken);
    links.accept(t);
    links.release(t);
    links.apply(t, bus_arrivals);
}
}  // namespace

TEST_CASE("LinkQueues: a waiting list enters up to the free storage, the head leaves on its tokens") {
    Road road;
    REQUIRE(road.car_legs.size() == 20);
    auto params = car_params();
    LinkRig rig(road.ctx, road.routes, params);
    auto& res = rig.res;
    auto& wheel = rig.wheel;
    auto& links = rig.links;
    const auto ab = road.arc(0), bc = road.arc(1);
    CHECK(links.storage(ab) == 13);
    CHECK(links.free_storage(ab) == 13);

    // 00:00:00: all 20 join the waiting list; 13 fit on the link, 7 wait.
    std::vector<mobsim::VehicleRef> entries;
    for (const auto leg : road.car_legs) entries.push_back({mobsim::VehicleRef::Kind::car, leg});
    links.enter(0, entries);
    CHECK(links.waiting(ab) == 20);
    CHECK(links.has_waiting());
    link_second(links, 0);
    CHECK(links.on_link(ab) == 13);
    CHECK(links.free_storage(ab) == 0);
    CHECK(links.waiting(ab) == 7);
    CHECK(res.leg_board_s[road.car_legs[12]] == 0);
    CHECK(res.leg_board_s[road.car_legs[13]] == -1);
    links.finish();            // the counters into the day's result
    CHECK(res.cars[0] == 13);  // link 0 in its own direction, hour 0
    // The link wakes when its first car reaches the end, after the free-flow 10 s.
    for (std::int32_t t = 1; t < 10; ++t) CHECK(wheel.idle(t));
    const auto due = wheel.take(10);
    REQUIRE(due.size() == 1);
    CHECK(due[0] == mobsim::Event{mobsim::EventKind::link_wake, ab});

    // 00:00:10: the head car moves on (one token); the link was full at the start of the
    // second, so none of the 7 enters, though one place is free afterwards.
    link_second(links, 10, {ab});
    CHECK(links.on_link(bc) == 1);
    CHECK(links.on_link(ab) == 12);
    CHECK(links.free_storage(ab) == 1);
    CHECK(links.waiting(ab) == 7);
    links.finish();
    CHECK(res.car_time_count[ab * mobsim::volume_hours] == 1);
    CHECK(res.car_time_sum[ab * mobsim::volume_hours] == doctest::Approx(10));

    // 00:00:11: the first waiting car takes the free place; the other 6 stay behind it.
    link_second(links, 11);
    CHECK(links.on_link(ab) == 13);
    CHECK(links.waiting(ab) == 6);
    CHECK(res.leg_board_s[road.car_legs[13]] == 11);
    CHECK(res.leg_board_s[road.car_legs[14]] == -1);
}

TEST_CASE("LinkQueues: a waiting list blocked for the stuck time squeezes in over the storage") {
    Road road;
    auto params = car_params();
    params.stuck_time_s = 5;
    LinkRig rig(road.ctx, road.routes, params);
    auto& res = rig.res;
    auto& links = rig.links;
    const auto ab = road.arc(0);
    std::vector<mobsim::VehicleRef> entries;
    for (const auto leg : road.car_legs) entries.push_back({mobsim::VehicleRef::Kind::car, leg});
    links.enter(0, entries);
    link_second(links, 0);
    // The 14th was refused at 00:00:00 already; at 00:00:05 the list has been blocked for the
    // 5 s and all 7 enter.
    for (std::int32_t t = 1; t <= 4; ++t) {
        link_second(links, t);
        CHECK(links.waiting(ab) == 7);
    }
    link_second(links, 5);
    CHECK(links.waiting(ab) == 0);
    CHECK_FALSE(links.has_waiting());
    CHECK(links.on_link(ab) == 20);
    CHECK(links.free_storage(ab) == 0);
    CHECK(res.leg_board_s[road.car_legs[19]] == 5);
}

TEST_CASE("LinkQueues: a car whose leg has no link is parked again at once") {
    auto w = testing::make_world({"a", "b"}, {{0, 0}, {100, 0}}, {{"a", "b", 100, 36, 600, 1}});
    const auto ctx = routing::build_routing(w.net, w.scenario);
    // A hand-made route: one car leg without links.
    routing::TripRoutes routes;
    routes.trip_first_leg = {0, 1};
    routes.leg_kind = {routing::LegKind::car};
    routes.leg_first_arc = {0, 0};
    routes.leg_arc0 = {core::invalid_index};
    routes.leg_board_rn = {core::invalid_index};
    routes.leg_stops = {0};
    routes.leg_length_m = {0};
    auto params = car_params();
    params.car_access_s = 60;
    LinkRig rig(ctx, routes, params);
    auto& res = rig.res;
    auto& wheel = rig.wheel;
    auto& links = rig.links;
    std::vector<mobsim::VehicleRef> entries{{mobsim::VehicleRef::Kind::car, 0}};
    links.enter(100, entries);
    CHECK_FALSE(links.has_waiting());
    CHECK(res.leg_board_s[0] == 100);
    const auto due = wheel.take(130);  // after the 30 s walk from the car
    REQUIRE(due.size() == 1);
    CHECK(due[0] == mobsim::Event{mobsim::EventKind::leg_end, 0});
}

TEST_CASE("fair merges: links of 1,200 and 600 veh/h into one of 1,200 veh/h share its outflow 2:1") {
    // a --(1,200 veh/h)--> m <--(600 veh/h)-- b, then m --(1,200 veh/h)--> c --(wide)--> d. Both
    // feeders are kept saturated (a car every 2 s at each origin for an hour and a half), so the
    // merge decides: with the free storage of m->c offered to the feeders in a random order
    // weighted by capacity, 2 of 3 cars through m come from a (the link-id order of before gave
    // a nearly all of it).
    auto w = testing::make_world({"a", "b", "m", "c", "d"}, {{0, 0}, {0, 200}, {200, 100}, {300, 100}, {700, 100}},
                                 {{"a", "m", 220, 36, 1200, 1},
                                  {"b", "m", 220, 36, 600, 1},
                                  {"m", "c", 100, 36, 1200, 1},
                                  {"c", "d", 400, 36, 7200, 10}});
    const auto ctx = routing::build_routing(w.net, w.scenario);
    std::vector<std::int32_t> deps;
    for (int k = 0; k < 2700; ++k) deps.push_back(3600 + 2 * k);
    auto pop = testing::make_people(w.net, deps, "a", "d", 30 * 3600);
    const auto from_b = testing::make_people(w.net, deps, "b", "d", 30 * 3600);
    // Append b's people (one tour each).
    const auto n = static_cast<std::uint32_t>(pop.person_count());
    for (std::size_t i = 0; i < from_b.person_count(); ++i) {
        pop.group.push_back(from_b.group[i]);
        pop.home_zone.push_back(from_b.home_zone[i]);
        pop.home_node.push_back(from_b.home_node[i]);
        pop.work_zone.push_back(from_b.work_zone[i]);
        pop.work_node.push_back(from_b.work_node[i]);
        pop.study_zone.push_back(from_b.study_zone[i]);
        pop.study_node.push_back(from_b.study_node[i]);
        pop.car_available.push_back(1);
        pop.bike_owner.push_back(1);
        pop.transit_pass.push_back(1);
        pop.person_first_tour.push_back(n + static_cast<std::uint32_t>(i) + 1);
        pop.tour_purpose.push_back(from_b.tour_purpose[i]);
        pop.tour_zone.push_back(from_b.tour_zone[i]);
        pop.tour_node.push_back(from_b.tour_node[i]);
        pop.tour_depart_s.push_back(from_b.tour_depart_s[i]);
        pop.tour_return_s.push_back(from_b.tour_return_s[i]);
    }
    const auto played = testing::play(w, pop, core::Mode::car, car_params(), ctx);
    // Cars arriving at d in the hour from 02:00 (the merge saturated since about 01:00).
    double from_a = 0, from_b_count = 0;
    for (std::size_t p = 0; p < pop.person_count(); ++p) {
        const auto arr = played.day.arr_s[2 * p];
        if (arr < 2 * 3600 || arr >= 3 * 3600) continue;
        (p < n ? from_a : from_b_count) += 1;
    }
    MESSAGE("in the hour: " << from_a << " from the 1,200 veh/h link, " << from_b_count << " from the 600 veh/h link");
    CHECK(from_a + from_b_count == doctest::Approx(1200).epsilon(0.05));
    CHECK(from_a / (from_a + from_b_count) == doctest::Approx(2.0 / 3.0).epsilon(0.05));
}
