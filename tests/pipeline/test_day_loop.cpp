#include <doctest/doctest.h>

#include <tbb/global_control.h>

#include <cmath>

#include "../mobsim/mobsim_fixture.hpp"
#include "sim/choice/tour_choice.hpp"
#include "sim/pipeline/day_loop.hpp"
#include "sim/pipeline/run.hpp"

using namespace flemsim;

TEST_CASE("two parallel routes converge to equal travel times (Wardrop)") {
    // s -> m1 -> t at 50 km/h and s -> m2 -> t at 40 km/h, 600 veh/h each; 1,200 cars an
    // hour want to go from s to t: one route alone cannot carry them. Free flow: 144 s and
    // 180 s. The way back is a separate fast road.
    auto w = testing::make_world({"s", "m1", "m2", "t"}, {{0, 0}, {1000, 200}, {1000, -200}, {2000, 0}},
                                 {{"s", "m1", 1000, 50, 600, 1},
                                  {"m1", "t", 1000, 50, 600, 1},
                                  {"s", "m2", 1000, 40, 600, 1},
                                  {"m2", "t", 1000, 40, 600, 1},
                                  {"t", "s", 2000, 80, 7200, 2}});
    auto& s = w.scenario;
    s.modes.walk.max_trip_m = 100;  // cars only: too far to walk, nobody has a bike
    s.iterations.departure_window_s = 0;
    s.iterations.replanning_share = 0.5;
    s.iterations.replanning_decay = 1.0;   // the classic method of successive averages
    s.iterations.experience_weight = 0.5;  // the newest day weighs half in the averaged times
    s.iterations.max = s.iterations.min = 30;
    s.simulation.end_time = 30 * 3600;
    s.simulation.stuck_time_s = 10;
    s.modes.car.access_s = 0;
    std::vector<std::int32_t> deps;
    for (int i = 0; i < 1200; ++i) deps.push_back(7 * 3600 + 3 * i);
    auto pop = testing::make_people(w.net, deps, "s", "t", 16 * 3600);
    for (auto& b : pop.bike_owner) b = 0;
    const auto params = scenario::Params::from(s);
    auto ctx = routing::build_routing(w.net, params.routing);
    const auto los = routing::compute_trip_los(ctx, pop);
    const choice::ChoiceInputs in{params.choice, w.net, pop, los, std::vector<double>(w.net.zone_count(), 0.0)};
    const std::vector<core::Mode> all_car(pop.tour_count(), core::Mode::car);
    const auto loop = pipeline::run_day_loop(params, ctx, in, all_car, [](const std::string&) {});
    REQUIRE(loop.iterations.size() == 30);

    // Outbound trips of the last day by route.
    const auto first_link_m1 = w.net.find_node("m1");
    double sum[2] = {0, 0};
    int n[2] = {0, 0};
    for (std::size_t t = 0; t < pop.trip_count(); t += 2) {
        const auto leg = loop.routes.trip_first_leg[t];
        const auto arc = loop.routes.arcs[loop.routes.leg_first_arc[leg]];
        const int route = ctx.car.head[arc] == first_link_m1 ? 0 : 1;
        sum[route] += loop.day.arr_s[t] - loop.day.dep_s[t];
        ++n[route];
    }
    REQUIRE(n[0] > 0);
    REQUIRE(n[1] > 0);
    const double t1 = sum[0] / n[0], t2 = sum[1] / n[1];
    MESSAGE("route 1: " << n[0] << " cars, " << t1 << " s; route 2: " << n[1] << " cars, " << t2 << " s");
    // Both routes carry about half the traffic and their mean times agree within 10 %.
    CHECK(n[0] > 0.4 * 1200);
    CHECK(n[1] > 0.4 * 1200);
    CHECK(std::abs(t1 - t2) < 0.10 * std::max(t1, t2));
    // Neither route alone could carry the demand: both are congested beyond free flow.
    CHECK(t1 > 144);
    CHECK(loop.day.stuck_trips == 0);
}

TEST_CASE("the modal split of a congested scenario shifts away from car when road capacity halves") {
    const auto run = [](double capacity) {
        scenario::LoadOptions lo;
        lo.overrides = {"population.scale=4", "simulation.capacity_factor=" + std::to_string(capacity),
                        "iterations.max=8", "iterations.min=8", "iterations.replanning_share=0.3"};
        const auto s = scenario::load_scenario(std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml", lo);
        pipeline::RunOptions o;
        o.write_outputs = false;
        return pipeline::run(s, o);
    };
    // At a tenth of the tiny network's road capacity the morning peak queues; half of that
    // queues far more.
    const auto full = run(0.1), half = run(0.05);
    const auto& a = full.iterations.back();
    const auto& b = half.iterations.back();
    MESSAGE("car share " << a.share_car << " -> " << b.share_car << ", car minutes " << a.mean_min_car << " -> "
                         << b.mean_min_car);
    CHECK(b.mean_min_car > a.mean_min_car);
    CHECK(b.share_car < a.share_car - 0.05);
    CHECK(b.sustainable_share > a.sustainable_share + 0.05);
    // The first day is the same plan in both: the shift comes from the days that follow.
    CHECK(full.iterations.front().share_car == half.iterations.front().share_car);
}
