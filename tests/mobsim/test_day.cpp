// The whole day: every engine together, and the same bytes at any number of threads.
#include <doctest/doctest.h>

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
