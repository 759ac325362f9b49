#include <doctest/doctest.h>

#include <algorithm>
#include <map>

#include "mobsim_fixture.hpp"

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
