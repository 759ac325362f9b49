#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include <tbb/global_control.h>

#include "mobsim_fixture.hpp"
#include "sim/core/rng.hpp"

using namespace flemsim;
using testing::LinkSpec;

namespace {
mobsim::MobsimParams car_params() {
    mobsim::MobsimParams p;
    p.end_time_s = 30 * 3600;
    p.car_access_s = 0;
    p.stuck_time_s = 100000;  // no squeezing: the tests watch the queues themselves
    return p;
}
}  // namespace

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
    const auto first_arc = played.routes.arcs[played.routes.leg_first_arc[played.routes.trip_first_leg[0]]];
    const double mean_on_first = played.day.car_time_sum[first_arc * mobsim::volume_hours] /
                                 played.day.car_time_count[first_arc * mobsim::volume_hours];
    CHECK(mean_on_first > 50);
    CHECK(played.day.stuck_trips == 0);
}

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
    CHECK(one.transit_load.size() == two.transit_load.size());
    bool loads_equal = true;
    for (std::size_t i = 0; i < one.transit_load.size(); ++i)
        loads_equal = loads_equal &&
                      std::memcmp(&one.transit_load[i], &two.transit_load[i], sizeof(core::TransitLoadRecord)) == 0;
    CHECK(loads_equal);
    // The day is busy enough to mean something: queues, full buses, all trips done.
    CHECK(one.stuck_trips == 0);
    CHECK(one.denied_boardings > 0);
    std::uint64_t bus_entries = 0;
    for (const auto b : one.buses) bus_entries += b;
    CHECK(bus_entries > 0);
}
