// The timetable (Schedule) and RAPTOR on hand-made networks with worked answers, against a
// label-setting search over the same timetable on random networks, and on the GTFS reference
// feed's cases (../shared/data/gtfs/beatty/expected.csv).
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <queue>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "../mobsim/mobsim_fixture.hpp"
#include "../shared_data.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "sim/network/import/gtfs_import.hpp"
#include "sim/routing/raptor.hpp"

using namespace flemsim;
using core::invalid_index;
using routing::Footpaths;
using routing::Journey;
using routing::no_time;
using routing::Raptor;
using routing::RaptorParams;
using routing::Schedule;
using routing::ScheduleParams;
using routing::StopTime;

namespace {

constexpr std::int32_t hm(int h, int m) {
    return h * 3600 + m * 60;
}

// A network of stops only (the schedule needs no streets), lines with trips or headways,
// and transfer rules.
struct Net {
    network::Network net;

    explicit Net(std::uint32_t stops) {
        for (std::uint32_t s = 0; s < stops; ++s) {
            net.stop_ids.push_back("s" + std::to_string(s));
            net.stop_names.push_back("s" + std::to_string(s));
            net.stop_node.push_back(0);
        }
        net.line_first_stop = {0};
        net.line_first_headway = {0};
    }
    // A line through `stops`; run times between consecutive stops and dwells (for headways).
    std::uint32_t line(const std::string& id, const std::vector<std::uint32_t>& stops, bool both_ways = true,
                       const std::vector<std::int32_t>& run_s = {}, const std::vector<std::int32_t>& dwell_s = {}) {
        const auto l = static_cast<std::uint32_t>(net.line_ids.size());
        net.line_ids.push_back(id);
        net.line_names.push_back(id);
        net.line_mode.push_back(network::LineMode::bus);
        net.line_vehicle.push_back(0);
        net.line_on_road.push_back(0);
        net.line_both_ways.push_back(both_ways ? 1 : 0);
        for (std::size_t k = 0; k < stops.size(); ++k) {
            net.line_stop.push_back(stops[k]);
            net.line_run_time_s.push_back(k == 0 || run_s.empty() ? 0 : run_s[k - 1]);
            net.line_dwell_s.push_back(dwell_s.empty() ? 0 : dwell_s[k]);
        }
        net.line_first_stop.push_back(static_cast<std::uint32_t>(net.line_stop.size()));
        net.line_first_headway.push_back(static_cast<std::uint32_t>(net.headway_s.size()));
        return l;
    }
    // A headway interval of the last line added.
    void headway(std::int32_t from, std::int32_t to, std::int32_t h) {
        net.headway_from_s.push_back(from);
        net.headway_to_s.push_back(to);
        net.headway_s.push_back(h);
        net.line_first_headway.back() = static_cast<std::uint32_t>(net.headway_s.size());
    }
    // A trip: (arrival, departure) per stop of the line in its direction.
    std::uint32_t trip(const std::string& id, std::uint32_t line, std::uint8_t dir,
                       const std::vector<std::pair<std::int32_t, std::int32_t>>& times, const std::string& block = "") {
        const auto t = static_cast<std::uint32_t>(net.trip_ids.size());
        net.trip_ids.push_back(id);
        net.trip_line.push_back(line);
        net.trip_direction.push_back(dir);
        net.trip_block.push_back(block);
        for (const auto& [a, d] : times) {
            net.trip_arrive_s.push_back(a);
            net.trip_depart_s.push_back(d);
        }
        net.trip_first_time.push_back(static_cast<std::uint32_t>(net.trip_arrive_s.size()));
        return t;
    }
    // A two-stop trip.
    std::uint32_t hop(const std::string& id, std::uint32_t line, std::int32_t dep, std::int32_t arr,
                      const std::string& block = "") {
        return trip(id, line, 0, {{dep, dep}, {arr, arr}}, block);
    }
    void rule(std::uint32_t from, std::uint32_t to, std::uint32_t from_line, std::uint32_t to_line,
              network::TransferType type, std::int32_t min_s = 0) {
        net.rule_from_stop.push_back(from);
        net.rule_to_stop.push_back(to);
        net.rule_from_line.push_back(from_line);
        net.rule_to_line.push_back(to_line);
        net.rule_type.push_back(static_cast<std::uint8_t>(type));
        net.rule_min_s.push_back(min_s);
    }
};

Footpaths footpaths(std::uint32_t stops, std::vector<std::tuple<std::uint32_t, std::uint32_t, std::int32_t>> walks) {
    std::sort(walks.begin(), walks.end());
    Footpaths f;
    f.first.assign(stops + 1, 0);
    for (const auto& [a, b, w] : walks) {
        ++f.first[a + 1];
        f.to.push_back(b);
        f.walk_s.push_back(w);
    }
    for (std::uint32_t s = 0; s < stops; ++s) f.first[s + 1] += f.first[s];
    return f;
}

Schedule schedule(const Net& n, std::int32_t min_transfer_s = 0, Footpaths f = {}) {
    return routing::build_schedule(n.net, std::move(f), ScheduleParams{min_transfer_s});
}

// Earliest arrival at `to` leaving `from` at `dep` (no walking at either end).
std::int32_t earliest(Raptor& r, std::uint32_t from, std::uint32_t to, std::int32_t dep) {
    r.run({{from, 0}}, dep);
    std::vector<Journey> js;
    r.journeys({{to, 0}}, dep, dep, js);
    return js.empty() ? no_time : js.front().arrive_s;
}

}  // namespace

TEST_CASE("raptor: earliest arrival on one line, waiting for the next trip") {
    Net n(3);
    const auto a = n.line("A", {0, 1, 2});
    n.trip("a1", a, 0, {{hm(8, 0), hm(8, 0)}, {hm(8, 10), hm(8, 11)}, {hm(8, 20), hm(8, 20)}});
    n.trip("a2", a, 0, {{hm(8, 30), hm(8, 30)}, {hm(8, 40), hm(8, 41)}, {hm(8, 50), hm(8, 50)}});
    n.trip("b1", a, 1, {{hm(9, 0), hm(9, 0)}, {hm(9, 10), hm(9, 10)}, {hm(9, 20), hm(9, 20)}});
    const auto sc = schedule(n);
    CHECK(sc.route_count() == 2);
    CHECK(sc.route_first_rn == std::vector<std::uint32_t>{0, 3});
    CHECK(sc.route_stop == std::vector<std::uint32_t>{0, 1, 2, 2, 1, 0});
    Raptor r(sc, RaptorParams{});
    CHECK(earliest(r, 0, 2, hm(8, 0)) == hm(8, 20));   // exactly at the departure
    CHECK(earliest(r, 0, 2, hm(8, 1)) == hm(8, 50));   // the next one
    CHECK(earliest(r, 1, 2, hm(8, 11)) == hm(8, 20));  // boards at its departure, not arrival
    CHECK(earliest(r, 1, 2, hm(8, 12)) == hm(8, 50));
    CHECK(earliest(r, 2, 0, hm(7, 0)) == hm(9, 20));  // direction 1
    CHECK(earliest(r, 0, 2, hm(8, 31)) == no_time);
    r.run({{0, 0}}, hm(8, 5));
    CHECK(r.arrival(1, 1) == hm(8, 40));
    CHECK(r.arrival(1, 0) == no_time);
    CHECK(r.arrival(0, 1) == no_time);    // never alighted at the origin with one ride ...
    CHECK(r.arrival(0, 2) == hm(9, 20));  // ... but back there with two
    std::vector<Journey> js;
    r.journeys({{2, 120}}, hm(8, 5), hm(8, 5), js);
    REQUIRE(js.size() == 1);
    CHECK(js[0].depart_s == hm(8, 5));
    CHECK(js[0].arrive_s == hm(8, 52));  // egress of 2 minutes
    REQUIRE(js[0].rides.size() == 1);
    CHECK(js[0].rides[0].board_pos == 0);
    CHECK(js[0].rides[0].alight_pos == 2);
    CHECK(js[0].rides[0].board_s == hm(8, 30));
    CHECK(js[0].rides[0].alight_s == hm(8, 50));
    CHECK(sc.trip_source[js[0].rides[0].trip] == 1);
    CHECK(js[0].transfers() == 0);
}

TEST_CASE("raptor: departures flagged full are passed over where flagged, and riders on board stay on") {
    Net n(3);
    const auto a = n.line("A", {0, 1, 2});
    n.trip("a1", a, 0, {{hm(8, 0), hm(8, 0)}, {hm(8, 10), hm(8, 11)}, {hm(8, 20), hm(8, 20)}});
    n.trip("a2", a, 0, {{hm(8, 15), hm(8, 15)}, {hm(8, 25), hm(8, 26)}, {hm(8, 35), hm(8, 35)}});
    n.trip("a3", a, 0, {{hm(8, 30), hm(8, 30)}, {hm(8, 40), hm(8, 41)}, {hm(8, 50), hm(8, 50)}});
    const auto sc = schedule(n);
    Raptor r(sc, RaptorParams{});
    // Time indices: trip i (in departure order) at position p is trip_first_time[i] + p.
    std::vector<std::uint8_t> full(sc.arrive_s.size(), 0);
    full[sc.trip_first_time[0] + 1] = 1;  // a1 comes full to stop 1
    full[sc.trip_first_time[1] + 1] = 1;  // and so does a2
    r.set_no_boarding(full.data());
    CHECK(earliest(r, 0, 2, hm(8, 0)) == hm(8, 20));   // a1 can be boarded at stop 0 ...
    CHECK(earliest(r, 1, 2, hm(8, 5)) == hm(8, 50));   // ... but not at stop 1: a3, two trips on
    CHECK(earliest(r, 0, 1, hm(7, 55)) == hm(8, 10));  // riders of a1 from stop 0 pass stop 1 on board
    // Every later departure full: none at all, rather than one that cannot be boarded.
    full[sc.trip_first_time[2] + 1] = 1;
    CHECK(earliest(r, 1, 2, hm(8, 5)) == no_time);
    // The profile search passes them over too.
    r.run_range({{1, 0}}, hm(8, 0), hm(9, 0));
    std::vector<Journey> js;
    r.journeys({{2, 0}}, hm(8, 0), hm(9, 0), js);
    CHECK(js.empty());
    r.set_no_boarding(nullptr);
    CHECK(earliest(r, 1, 2, hm(8, 5)) == hm(8, 20));
}

TEST_CASE("raptor: a transfer at one stop needs min_transfer_s") {
    Net n(3);
    const auto a = n.line("A", {0, 1}), b = n.line("B", {1, 2});
    n.hop("a1", a, hm(8, 0), hm(8, 10));
    n.hop("b1", b, hm(8, 12), hm(8, 30));
    n.hop("b2", b, hm(8, 20), hm(8, 40));
    {
        const auto sc = schedule(n, 120);
        Raptor r(sc, RaptorParams{});
        CHECK(earliest(r, 0, 2, hm(7, 50)) == hm(8, 30));  // 8:10 + 2 min catches 8:12 exactly
    }
    {
        const auto sc = schedule(n, 180);
        Raptor r(sc, RaptorParams{});
        CHECK(earliest(r, 0, 2, hm(7, 50)) == hm(8, 40));
        r.run({{0, 0}}, hm(7, 50));
        CHECK(r.arrival(2, 1) == no_time);  // two rides needed
        CHECK(r.arrival(2, 2) == hm(8, 40));
        std::vector<Journey> js;
        r.journeys({{2, 0}}, hm(7, 50), hm(7, 50), js);
        REQUIRE(js.size() == 1);
        CHECK(js[0].transfers() == 1);
        CHECK(js[0].transfer_walk_s == std::vector<std::int32_t>{0});
    }
}

TEST_CASE("raptor: a transfer along a footpath") {
    Net n(4);
    const auto a = n.line("A", {0, 1}), b = n.line("B", {2, 3});
    n.hop("a1", a, hm(8, 0), hm(8, 10));
    n.hop("b1", b, hm(8, 14), hm(8, 30));
    n.hop("b2", b, hm(8, 16), hm(8, 40));
    const auto sc = schedule(n, 600, footpaths(4, {{1, 2, 300}, {2, 1, 300}}));
    Raptor r(sc, RaptorParams{});
    r.run({{0, 0}}, hm(8, 0));
    std::vector<Journey> js;
    r.journeys({{3, 0}}, hm(8, 0), hm(8, 0), js);
    REQUIRE(js.size() == 1);
    CHECK(js[0].arrive_s == hm(8, 40));  // ready at 8:15: the 8:14 is gone
    CHECK(js[0].transfer_walk_s == std::vector<std::int32_t>{300});
    REQUIRE(js[0].rides.size() == 2);
    CHECK(js[0].rides[1].board_s == hm(8, 16));
}

TEST_CASE("raptor: transfer rules of each type, and the more specific one wins") {
    using network::TransferType;
    // A arrives at stop 1 at 8:10; B and C leave it at 8:10, 8:15 and 8:25.
    auto make = [](auto add_rules) {
        Net n(4);
        const auto a = n.line("A", {0, 1}), b = n.line("B", {1, 2}), c = n.line("C", {1, 3});
        n.hop("a1", a, hm(8, 0), hm(8, 10));
        for (const auto t : {hm(8, 10), hm(8, 15), hm(8, 25)}) {
            n.hop("b" + std::to_string(t), b, t, t + 600);
            n.hop("c" + std::to_string(t), c, t, t + 600);
        }
        add_rules(n, a, b, c);
        return n;
    };
    auto answers = [](const Net& n, std::int32_t min_transfer_s) {
        const auto sc = schedule(n, min_transfer_s);
        Raptor r(sc, RaptorParams{});
        return std::pair{earliest(r, 0, 2, hm(8, 0)), earliest(r, 0, 3, hm(8, 0))};
    };
    SUBCASE("no rule: min_transfer_s") {
        const auto n = make([](Net&, auto, auto, auto) {});
        CHECK(answers(n, 60) == std::pair{hm(8, 25), hm(8, 25)});
        CHECK(answers(n, 0) == std::pair{hm(8, 20), hm(8, 20)});
    }
    SUBCASE("0 recommended: as without a rule") {
        const auto n = make(
            [](Net& n, auto, auto, auto) { n.rule(1, 1, invalid_index, invalid_index, TransferType::recommended); });
        CHECK(answers(n, 60) == std::pair{hm(8, 25), hm(8, 25)});
    }
    SUBCASE("1 timed: no minimum") {
        const auto n =
            make([](Net& n, auto, auto, auto) { n.rule(1, 1, invalid_index, invalid_index, TransferType::timed); });
        CHECK(answers(n, 600) == std::pair{hm(8, 20), hm(8, 20)});
    }
    SUBCASE("2 minimum") {
        const auto n = make(
            [](Net& n, auto, auto, auto) { n.rule(1, 1, invalid_index, invalid_index, TransferType::minimum, 900); });
        CHECK(answers(n, 0) == std::pair{hm(8, 35), hm(8, 35)});
    }
    SUBCASE("3 impossible") {
        const auto n = make(
            [](Net& n, auto, auto, auto) { n.rule(1, 1, invalid_index, invalid_index, TransferType::impossible); });
        CHECK(answers(n, 0) == std::pair{no_time, no_time});
    }
    SUBCASE("to a line beats no line; both lines beat one") {
        const auto n = make([](Net& n, auto a, auto b, auto c) {
            n.rule(1, 1, invalid_index, invalid_index, TransferType::minimum, 900);  // 8:25 for C
            n.rule(1, 1, invalid_index, b, TransferType::minimum, 300);              // 8:15 for B ...
            n.rule(1, 1, a, b, TransferType::timed);                                 // ... but from A: 8:10
            n.rule(1, 1, a, c, TransferType::impossible);
            n.rule(1, 1, invalid_index, c, TransferType::timed);  // less specific than (A, C)
        });
        CHECK(answers(n, 0) == std::pair{hm(8, 20), no_time});
        const auto sc = schedule(n, 0);
        CHECK(sc.transfer_s(1, 1, 0, 1, 0) == 0);
        CHECK(sc.transfer_s(1, 1, 2, 1, 0) == 300);  // from C: the rule to B
        CHECK(sc.transfer_s(1, 1, 0, 2, 0) == no_time);
        CHECK(sc.transfer_s(1, 1, 1, 2, 0) == 0);
        CHECK(sc.transfer_s(1, 1, 1, 0, 0) == 900);
    }
    SUBCASE("from a line; equal specificity: the first row") {
        const auto n = make([](Net& n, auto a, auto b, auto) {
            n.rule(1, 1, a, invalid_index, TransferType::minimum, 900);
            n.rule(1, 1, invalid_index, b, TransferType::timed);
        });
        CHECK(answers(n, 0) == std::pair{hm(8, 35), hm(8, 35)});
    }
    SUBCASE("rules between stops: never faster than the walk") {
        Net n(4);
        n.rule(1, 2, invalid_index, invalid_index, TransferType::timed);
        n.rule(2, 1, invalid_index, invalid_index, TransferType::minimum, 60);
        n.rule(1, 3, invalid_index, invalid_index, TransferType::minimum, 600);
        const auto sc = schedule(n, 120);
        CHECK(sc.transfer_s(1, 2, 0, 0, 180) == 180);
        CHECK(sc.transfer_s(2, 1, 0, 0, 180) == 180);
        CHECK(sc.transfer_s(1, 3, 0, 0, 180) == 600);
        CHECK(sc.transfer_s(3, 1, 0, 0, 180) == 180);
        CHECK(sc.transfer_s(3, 3, 0, 0, 0) == 120);
    }
}

TEST_CASE("raptor: a rule naming lines at a stop reached by a footpath") {
    using network::TransferType;
    // A to stop 1; 120 s walk to stop 2, where B and C leave at 8:13. Leaving stop 2 on B
    // after arriving from A needs 600 s by a rule; C has no rule.
    Net n(5);
    const auto a = n.line("A", {0, 1}), b = n.line("B", {2, 3}), c = n.line("C", {2, 4});
    n.hop("a1", a, hm(8, 0), hm(8, 10));
    n.hop("b1", b, hm(8, 13), hm(8, 20));
    n.hop("b2", b, hm(8, 30), hm(8, 40));
    n.hop("c1", c, hm(8, 13), hm(8, 20));
    n.rule(1, 2, a, b, TransferType::minimum, 600);
    const auto sc = schedule(n, 0, footpaths(5, {{1, 2, 120}}));
    Raptor r(sc, RaptorParams{});
    r.run({{0, 0}}, hm(8, 0));
    CHECK(r.arrival(3, 2) == hm(8, 40));
    CHECK(r.arrival(4, 2) == hm(8, 20));
    std::vector<Journey> js;
    r.journeys({{3, 0}}, hm(8, 0), hm(8, 0), js);
    REQUIRE(js.size() == 1);
    CHECK(js[0].transfer_walk_s == std::vector<std::int32_t>{120});
}

TEST_CASE("raptor: trips of one block carry their riders on seated") {
    Net n(4);
    const auto a = n.line("A", {0, 1}), b = n.line("B", {1, 2}), c = n.line("C", {3, 2});
    n.hop("a1", a, hm(8, 0), hm(8, 10), "X");
    const auto b1 = n.hop("b1", b, hm(8, 15), hm(8, 30), "X");
    n.hop("c1", c, hm(9, 0), hm(9, 10), "X");  // starts elsewhere: no continuation
    n.hop("a2", a, hm(9, 0), hm(9, 10), "Y");
    n.hop("b2", b, hm(9, 5), hm(9, 20), "Y");  // leaves before a2 arrives: no continuation
    const auto sc = schedule(n, 900);          // too long to change at stop 1
    std::vector<std::uint32_t> next_of_source(n.net.trip_count(), invalid_index);
    for (std::uint32_t t = 0; t < sc.trip_count(); ++t)
        if (sc.trip_block_next[t] != invalid_index)
            next_of_source[sc.trip_source[t]] = sc.trip_source[sc.trip_block_next[t]];
    CHECK(next_of_source == std::vector<std::uint32_t>{b1, invalid_index, invalid_index, invalid_index, invalid_index});
    Raptor r(sc, RaptorParams{});
    r.run({{0, 0}}, hm(7, 55));
    CHECK(r.arrival(2, 1) == hm(8, 30));  // one boarding
    std::vector<Journey> js;
    r.journeys({{2, 0}}, hm(7, 55), hm(7, 55), js);
    REQUIRE(js.size() == 1);
    REQUIRE(js[0].rides.size() == 2);
    CHECK(!js[0].rides[0].seated);
    CHECK(js[0].rides[1].seated);
    CHECK(js[0].rides[1].board_s == hm(8, 15));
    CHECK(js[0].transfers() == 0);
    CHECK(js[0].transfer_walk_s == std::vector<std::int32_t>{0});
    // Leaving at 9:00 the rider must change at stop 1 and wait out the 900 s: nothing today.
    r.run({{0, 0}}, hm(9, 0));
    CHECK(r.arrival(2, 5) == no_time);
}

TEST_CASE("raptor: the Pareto set on arrival and transfers") {
    // Direct 8:00 -> 9:00, or three rides 8:00 -> 8:30; also a two-ride journey arriving at
    // 8:45 and one arriving at 9:05 (dominated by the direct one).
    Net n(4);
    const auto d = n.line("D", {0, 3}), x = n.line("X", {0, 1}), y = n.line("Y", {1, 2}), z = n.line("Z", {2, 3});
    const auto w = n.line("W", {1, 3});
    n.hop("d1", d, hm(8, 0), hm(9, 0));
    n.hop("x1", x, hm(8, 0), hm(8, 10));
    n.hop("y1", y, hm(8, 15), hm(8, 20));
    n.hop("z1", z, hm(8, 25), hm(8, 30));
    n.hop("w1", w, hm(8, 20), hm(8, 45));
    const auto sc = schedule(n, 0);
    Raptor r(sc, RaptorParams{});
    r.run({{0, 0}}, hm(7, 50));
    std::vector<Journey> js;
    r.journeys({{3, 0}}, hm(7, 50), hm(7, 50), js);
    REQUIRE(js.size() == 3);
    CHECK(js[0].arrive_s == hm(8, 30));
    CHECK(js[0].transfers() == 2);
    CHECK(js[1].arrive_s == hm(8, 45));
    CHECK(js[1].transfers() == 1);
    CHECK(js[2].arrive_s == hm(9, 0));
    CHECK(js[2].transfers() == 0);
    CHECK(js[2].rides.size() == 1);
    CHECK(r.arrival(3, 1) == hm(9, 0));
    CHECK(r.arrival(3, 2) == hm(8, 45));
    CHECK(r.arrival(3, 3) == hm(8, 30));
    // At most two rides: the three-ride journey is not found.
    Raptor r2(sc, RaptorParams{2});
    r2.run({{0, 0}}, hm(7, 50));
    r2.journeys({{3, 0}}, hm(7, 50), hm(7, 50), js);
    CHECK(js.size() == 2);
}

TEST_CASE("raptor: the journeys' Pareto filter equals sorting and comparing with every one kept") {
    // pareto_journeys against the definition: the candidates in the order of arrival,
    // transfers, leaving latest first, label, egress; each kept unless one kept before it
    // leaves no earlier with no more transfers. Ties in the first three are frequent (narrow
    // ranges); wide ranges and many transfers take the comparator's path.
    using routing::JourneyCandidate;
    const auto reference = [](std::vector<JourneyCandidate> c) {
        std::sort(c.begin(), c.end(), [](const JourneyCandidate& a, const JourneyCandidate& b) {
            return std::tuple{a.arrive_s, a.transfers, -a.depart_s, a.label, a.egress} <
                   std::tuple{b.arrive_s, b.transfers, -b.depart_s, b.label, b.egress};
        });
        std::vector<JourneyCandidate> kept;
        for (const auto& x : c)
            if (std::none_of(kept.begin(), kept.end(), [&](const JourneyCandidate& k) {
                    return k.depart_s >= x.depart_s && k.transfers <= x.transfers;
                }))
                kept.push_back(x);
        return kept;
    };
    std::vector<std::uint64_t> keys;
    std::vector<std::int32_t> best;
    std::vector<JourneyCandidate> kept;
    int packed_cases = 0, wide_cases = 0, largest_kept = 0;
    for (std::uint64_t seed = 1; seed <= 400; ++seed) {
        core::Rng rng(seed, core::Stream::day_plan, 7);
        const bool wide = seed % 4 == 0;
        const std::uint32_t n = rng.below(300);
        const std::int32_t spread = wide ? 3'000'000 : 1 + static_cast<std::int32_t>(rng.below(40)) * 60;
        const std::uint32_t max_transfers = wide && seed % 8 == 0 ? 40 : 1 + rng.below(5);
        std::vector<JourneyCandidate> c;
        for (std::uint32_t i = 0; i < n; ++i) {
            const auto dep =
                hm(7, 0) - (wide ? 2'000'000 : 0) + static_cast<std::int32_t>(rng.below(spread / 60 + 1)) * 60;
            const auto arr = dep + 300 + static_cast<std::int32_t>(rng.below(spread / 60 + 1)) * 60;
            // Unique (label, egress) pairs, in no particular order.
            c.push_back({dep, arr, rng.below(max_transfers + 1), (i * 7919u) % 1009u, i / 1009u + rng.below(2) * 5});
        }
        // Exact copies but for the egress: the tie-break must decide.
        for (std::uint32_t i = 0; i + 1 < n; i += 5)
            c.push_back({c[i].depart_s, c[i].arrive_s, c[i].transfers, c[i].label, c[i].egress + 100});
        routing::pareto_journeys(c, keys, best, kept);
        const auto want = reference(c);
        REQUIRE(kept.size() == want.size());
        for (std::size_t k = 0; k < want.size(); ++k) {
            CHECK(kept[k].depart_s == want[k].depart_s);
            CHECK(kept[k].arrive_s == want[k].arrive_s);
            CHECK(kept[k].transfers == want[k].transfers);
            CHECK(kept[k].label == want[k].label);
            CHECK(kept[k].egress == want[k].egress);
        }
        (wide ? wide_cases : packed_cases) += n > 0;
        largest_kept = std::max(largest_kept, static_cast<int>(kept.size()));
    }
    CHECK(packed_cases > 250);
    CHECK(wide_cases > 80);
    CHECK(largest_kept > 5);
}

TEST_CASE("raptor: a trip that passes several access stops is boarded where one leaves latest") {
    // One trip 0 -> 1 -> 2 -> 3: leaves stop 0 at 10:10, stop 1 at 10:15, stop 2 at 10:20,
    // arrives at stop 3 at 10:30. From the origin: 8 min to stop 0, 2 min to stop 1, 20 min to
    // stop 2. Leaving at 10:00 every one of them catches it; boarding at stop 1 lets the
    // traveller leave at 10:13 (stop 0: 10:02, stop 2: 10:00), as the profile search finds, so
    // the journey walks 2 minutes, not 8 to a stop the trip passes before.
    Net n(4);
    const auto l = n.line("L", {0, 1, 2, 3}, false);
    n.trip("t1", l, 0,
           {{hm(10, 10), hm(10, 10)}, {hm(10, 15), hm(10, 15)}, {hm(10, 20), hm(10, 20)}, {hm(10, 30), hm(10, 30)}});
    const auto sc = schedule(n, 0);
    const std::vector<StopTime> access{{0, 480}, {1, 120}, {2, 1200}};
    Raptor r(sc, RaptorParams{});
    std::vector<Journey> js;
    r.run(access, hm(10, 0));
    r.journeys({{3, 0}}, hm(10, 0), hm(10, 0), js);
    REQUIRE(js.size() == 1);
    CHECK(js[0].arrive_s == hm(10, 30));
    CHECK(js[0].access == 1);
    REQUIRE(js[0].rides.size() == 1);
    CHECK(js[0].rides[0].board_pos == 1);
    CHECK(js[0].rides[0].board_s == hm(10, 15));
    // The profile search finds the same boarding, leaving at 10:13.
    r.run_range(access, hm(9, 50), hm(10, 20));
    r.journeys({{3, 0}}, hm(10, 0), hm(10, 20), js);
    REQUIRE(js.size() == 1);
    CHECK(js[0].depart_s == hm(10, 13));
    CHECK(js[0].rides[0].board_pos == 1);
    // When the trip comes full to stop 1 (no boarding there), it is boarded at stop 0.
    std::vector<std::uint8_t> full(sc.arrive_s.size(), 0);
    full[sc.trip_first_time[0] + 1] = 1;
    r.set_no_boarding(full.data());
    r.run(access, hm(10, 0));
    r.journeys({{3, 0}}, hm(10, 0), hm(10, 0), js);
    REQUIRE(js.size() == 1);
    CHECK(js[0].access == 0);
    CHECK(js[0].rides[0].board_pos == 0);
    CHECK(js[0].arrive_s == hm(10, 30));
    r.set_no_boarding(nullptr);
    // After a ride the first boarding decides the leaving time: a feeder from stop 4 reaches stop
    // 0 at 10:05 and stop 1 at 10:12 (two trips); both catch t1, and the later feeder lets the
    // traveller leave later. Without walking access to 0 and 1 the journey takes the feeder
    // leaving stop 4 at 10:09, changing at stop 1.
    Net m(5);
    const auto l2 = m.line("L", {0, 1, 2, 3}, false);
    m.trip("t1", l2, 0,
           {{hm(10, 10), hm(10, 10)}, {hm(10, 15), hm(10, 15)}, {hm(10, 20), hm(10, 20)}, {hm(10, 30), hm(10, 30)}});
    const auto f0 = m.line("F0", {4, 0}, false), f1 = m.line("F1", {4, 1}, false);
    m.hop("f0", f0, hm(10, 1), hm(10, 5));
    m.hop("f1", f1, hm(10, 9), hm(10, 12));
    const auto sc2 = schedule(m, 0);
    Raptor r2(sc2, RaptorParams{});
    r2.run({{4, 0}}, hm(10, 0));
    r2.journeys({{3, 0}}, hm(10, 0), hm(10, 0), js);
    REQUIRE(js.size() == 1);
    REQUIRE(js[0].rides.size() == 2);
    CHECK(js[0].rides[0].board_s == hm(10, 9));
    CHECK(js[0].rides[1].board_pos == 1);
    CHECK(js[0].arrive_s == hm(10, 30));
}

TEST_CASE("raptor: a range profile answers for each leaving time") {
    // Line A every 20 minutes from 8:00 to stop 1 (10 min); 2 min walk to stop 0.
    // Line B from stop 0 at 8:25 to stop 1 at 8:27 (a faster one).
    Net n(2);
    const auto a = n.line("A", {0, 1}), b = n.line("B", {0, 1});
    for (const auto t : {hm(8, 0), hm(8, 20), hm(8, 40)}) n.hop("a" + std::to_string(t), a, t, t + 600);
    n.hop("b1", b, hm(8, 25), hm(8, 27));
    const auto sc = schedule(n, 0);
    Raptor r(sc, RaptorParams{});
    r.run_range({{0, 120}}, hm(7, 50), hm(8, 40));
    std::vector<Journey> js;
    r.journeys({{1, 60}}, hm(7, 50), hm(8, 40), js);
    // Leaving at 7:58 (A at 8:00) arrives at 8:11, at 8:23 (B) at 8:28, at 8:38 (A) at 8:51;
    // leaving at 8:18 for A at 8:20 (8:31) is dominated by leaving at 8:23.
    std::vector<std::pair<std::int32_t, std::int32_t>> got;
    for (const auto& j : js) got.emplace_back(j.depart_s, j.arrive_s);
    std::sort(got.begin(), got.end());
    CHECK(got == std::vector<std::pair<std::int32_t, std::int32_t>>{
                     {hm(7, 58), hm(8, 11)}, {hm(8, 23), hm(8, 28)}, {hm(8, 38), hm(8, 51)}});
    // The answer for one leaving time: the journeys leaving at or after it.
    r.journeys({{1, 60}}, hm(8, 0), hm(8, 40), js);
    REQUIRE(!js.empty());
    CHECK(js.front().depart_s == hm(8, 23));
    CHECK(js.front().arrive_s == hm(8, 28));
    for (const auto& j : js) CHECK(j.rides.size() == 1);
    // The window's end is open: leaving at 8:38 is outside [7:50, 8:38).
    r.run_range({{0, 120}}, hm(7, 50), hm(8, 38));
    r.journeys({{1, 60}}, hm(7, 50), hm(8, 40), js);
    CHECK(js.size() == 2);
}

TEST_CASE("raptor: trips past midnight and from the previous day") {
    Net n(3);
    const auto a = n.line("A", {0, 1}), b = n.line("B", {1, 2});
    n.hop("late_yesterday", a, -hm(0, 10), hm(0, 5));  // 23:50 the day before -> 00:05
    n.hop("late_today", a, hm(23, 50), hm(24, 20));
    n.hop("b_night", b, hm(24, 30), hm(25, 0));
    const auto sc = schedule(n, 0);
    Raptor r(sc, RaptorParams{});
    CHECK(earliest(r, 0, 1, -hm(0, 15)) == hm(0, 5));
    CHECK(earliest(r, 0, 1, hm(0, 0)) == hm(24, 20));
    CHECK(earliest(r, 0, 2, hm(23, 0)) == hm(25, 0));
}

TEST_CASE("raptor: trips that overtake are refused, naming the line and both trips") {
    Net n(3);
    const auto a = n.line("A", {0, 1, 2});
    n.trip("slow", a, 0, {{hm(8, 0), hm(8, 0)}, {hm(8, 10), hm(8, 10)}, {hm(8, 30), hm(8, 30)}});
    n.trip("fast", a, 0, {{hm(8, 5), hm(8, 5)}, {hm(8, 10), hm(8, 10)}, {hm(8, 20), hm(8, 20)}});
    try {
        (void)schedule(n);
        FAIL("no error");
    } catch (const core::InputError& e) {
        const std::string msg = e.what();
        CHECK(msg.find("'A'") != std::string::npos);
        CHECK(msg.find("'fast'") != std::string::npos);
        CHECK(msg.find("'slow'") != std::string::npos);
    }
    // Equal times are no overtaking.
    Net ok(3);
    const auto l = ok.line("A", {0, 1, 2});
    ok.trip("one", l, 0, {{hm(8, 0), hm(8, 0)}, {hm(8, 10), hm(8, 10)}, {hm(8, 30), hm(8, 30)}});
    ok.trip("two", l, 0, {{hm(8, 5), hm(8, 5)}, {hm(8, 10), hm(8, 10)}, {hm(8, 30), hm(8, 30)}});
    CHECK_NOTHROW((void)schedule(ok));
}

TEST_CASE("raptor: trips are sorted by first departure, ties in the network's order") {
    Net n(2);
    const auto a = n.line("A", {0, 1});
    n.hop("third", a, hm(9, 0), hm(9, 10));
    n.hop("first", a, hm(8, 0), hm(8, 10));
    n.hop("second", a, hm(8, 0), hm(8, 10));
    const auto sc = schedule(n);
    CHECK(sc.trip_source == std::vector<std::uint32_t>{1, 2, 0});
    CHECK(sc.route_first_trip == std::vector<std::uint32_t>{0, 3, 3});
}

TEST_CASE("raptor: headways expand exactly as the simulated day's timetable (first day)") {
    std::vector<std::string> names{"n0", "n1", "n2", "n3"};
    std::vector<std::pair<double, double>> xy{{0, 0}, {100, 0}, {200, 0}, {300, 0}};
    auto w = testing::make_world(names, xy,
                                 {{"n0", "n1", 100, 30, 600},
                                  {"n1", "n0", 100, 30, 600},
                                  {"n1", "n2", 100, 30, 600},
                                  {"n2", "n1", 100, 30, 600},
                                  {"n2", "n3", 100, 30, 600},
                                  {"n3", "n2", 100, 30, 600}});
    testing::add_line(w, "both", {"n0", "n1", "n2"}, {300, 400}, hm(6, 0), hm(7, 0), 1200, 50);
    testing::add_line(w, "oneway", {"n3", "n2", "n1", "n0"}, {200, 250, 90}, hm(6, 5), hm(7, 0), 900, 50);
    auto& net = w.net;
    // More headway intervals, dwells, and the second line one way.
    net.headway_from_s.insert(net.headway_from_s.begin() + 1, hm(7, 0));
    net.headway_to_s.insert(net.headway_to_s.begin() + 1, hm(8, 1));
    net.headway_s.insert(net.headway_s.begin() + 1, 600);
    net.line_first_headway = {0, 2, 3};
    net.line_dwell_s = {10, 30, 40, 5, 20, 25, 15};
    net.line_both_ways[1] = 0;
    const auto ctx = routing::build_routing(net, w.scenario);
    auto params = testing::car_params();
    params.end_time_s = 48 * 3600;
    const auto mctx = mobsim::make_mobsim_context(ctx, params);
    const auto& tt = mctx.timetable;
    const auto sc = routing::build_schedule(net, {}, ScheduleParams{});

    // The day's departures of the timetable (the next morning's copy left out), by route.
    std::map<std::uint32_t, std::vector<std::vector<std::int32_t>>> expected, got;
    for (std::size_t i = 0; i < tt.size(); ++i) {
        if (tt.departure_s[i] >= 24 * 3600) continue;
        std::vector<std::int32_t> times;
        for (auto k = tt.first_time[i]; k < tt.first_time[i + 1]; ++k) {
            times.push_back(tt.sched_arrive_s[k]);
            times.push_back(tt.sched_depart_s[k]);
        }
        expected[tt.first_rn[i]].push_back(times);
    }
    for (std::uint32_t t = 0; t < sc.trip_count(); ++t) {
        CHECK(sc.trip_source[t] == invalid_index);
        std::vector<std::int32_t> times;
        for (std::uint16_t p = 0; p < sc.stop_count_of_route(sc.trip_route[t]); ++p) {
            times.push_back(sc.arrive(t, p));
            times.push_back(sc.depart(t, p));
        }
        got[sc.route_first_rn[sc.trip_route[t]]].push_back(times);
    }
    CHECK(got == expected);
    CHECK(got.size() == 3);         // line 1 runs one way
    CHECK(got[0].size() == 3 + 7);  // 6:00, 6:20, 6:40; 7:00 ... 8:00
    CHECK(got[0][1] ==
          std::vector<std::int32_t>{hm(6, 20), hm(6, 20), hm(6, 25), hm(6, 25) + 30, hm(6, 25) + 430, hm(6, 25) + 430});
    for (std::uint32_t l = 0; l < 2; ++l)
        for (std::uint8_t dir = 0; dir < 2; ++dir)
            CHECK(sc.route_first_rn[l * 2 + dir] == ctx.transit->first_route_node(l, dir));
}

// ------------------------------------------------------------------------------------------
// Against a label-setting search over the same timetable: stops are settled in order of the
// time a rider is ready there; from a settled stop every trip it can catch is ridden on to its
// end (and on along its block), each trip from the earliest position it is boarded at.

namespace {

std::vector<std::int32_t> reference_arrivals(const Schedule& sc, std::uint32_t origin, std::int32_t dep) {
    const std::size_t stops = sc.stop_count();
    std::vector<std::int32_t> arr(stops, no_time), ready(stops, no_time);
    std::vector<std::uint16_t> boarded(sc.trip_count(), std::numeric_limits<std::uint16_t>::max());
    using Item = std::pair<std::int32_t, std::uint32_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<>> queue;
    ready[origin] = dep;
    queue.push({dep, origin});
    auto ride = [&](std::uint32_t t, std::uint16_t from_pos, auto& self) -> void {
        if (boarded[t] <= from_pos) return;
        const std::uint16_t was = boarded[t];
        boarded[t] = from_pos;
        const std::uint16_t n = sc.stop_count_of_route(sc.trip_route[t]);
        for (std::uint16_t p = from_pos + 1; p < n && p <= was; ++p) {
            const auto s = sc.stop_at(t, p);
            const auto a = sc.arrive(t, p);
            arr[s] = std::min(arr[s], a);
            auto reach = [&](std::uint32_t y, std::int32_t tr) {
                if (tr != no_time && a + tr < ready[y]) {
                    ready[y] = a + tr;
                    queue.push({ready[y], y});
                }
            };
            reach(s, sc.stop_same_ready_s[s]);
            for (auto e = sc.footpaths.first[s]; e < sc.footpaths.first[s + 1]; ++e)
                reach(sc.footpaths.to[e], sc.foot_ready_s[e]);
        }
        if (was == std::numeric_limits<std::uint16_t>::max() && sc.trip_block_next[t] != invalid_index)
            self(sc.trip_block_next[t], 0, self);
    };
    while (!queue.empty()) {
        const auto [time, s] = queue.top();
        queue.pop();
        if (time != ready[s]) continue;
        for (auto v = sc.stop_first_visit[s]; v < sc.stop_first_visit[s + 1]; ++v) {
            const auto r = sc.visit_route[v];
            const auto p = sc.visit_pos[v];
            for (auto t = sc.route_first_trip[r]; t < sc.route_first_trip[r + 1]; ++t)
                if (sc.depart(t, p) >= time) ride(t, p, ride);
        }
    }
    return arr;
}

// A random timetable: 15 stops, 8 lines of 2-5 distinct stops; trips of one pattern of run
// and dwell times per line (so none overtakes), random first departures, some in blocks; ten
// random footpaths and a random min_transfer_s.
Schedule random_schedule(core::Rng& rng, bool blocks) {
    const std::uint32_t stops = 15;
    Net n(stops);
    for (std::uint32_t l = 0; l < 8; ++l) {
        std::vector<std::uint32_t> ls;
        const auto len = 2 + rng.below(4);
        while (ls.size() < len) {
            const auto s = static_cast<std::uint32_t>(rng.below(stops));
            if (std::find(ls.begin(), ls.end(), s) == ls.end()) ls.push_back(s);
        }
        const auto line = n.line("L" + std::to_string(l), ls);
        std::vector<std::int32_t> run(len), dwell(len);
        for (auto& x : run) x = 60 + static_cast<std::int32_t>(rng.below(600));
        for (auto& x : dwell) x = static_cast<std::int32_t>(rng.below(60));
        const auto trips = 1 + rng.below(6);
        for (std::uint64_t k = 0; k < trips; ++k) {
            const auto dir = static_cast<std::uint8_t>(rng.below(2));
            std::int32_t t = hm(7, 0) + static_cast<std::int32_t>(rng.below(3 * 3600));
            std::vector<std::pair<std::int32_t, std::int32_t>> times;
            for (std::size_t p = 0; p < len; ++p) {
                if (p > 0) t += run[p - 1];
                const auto d = t + dwell[p];
                times.emplace_back(t, d);
                t = d;
            }
            const bool in_block = rng.below(4) == 0;
            const auto block = rng.below(3);
            n.trip("t" + std::to_string(l) + "_" + std::to_string(k), line, dir, times,
                   blocks && in_block ? "blk" + std::to_string(block) : "");
        }
    }
    std::vector<std::tuple<std::uint32_t, std::uint32_t, std::int32_t>> walks;
    for (int i = 0; i < 10; ++i) {
        const auto a = static_cast<std::uint32_t>(rng.below(stops)), b = static_cast<std::uint32_t>(rng.below(stops));
        if (a != b) walks.emplace_back(a, b, 30 + static_cast<std::int32_t>(rng.below(400)));
    }
    return schedule(n, static_cast<std::int32_t>(rng.below(180)), footpaths(stops, walks));
}

}  // namespace

TEST_CASE("raptor: earliest arrivals equal a label-setting search on random timetables") {
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        core::Rng rng(seed, core::Stream::day_plan, 0);
        const auto sc = random_schedule(rng, true);
        const auto stops = static_cast<std::uint32_t>(sc.stop_count());
        Raptor r(sc, RaptorParams{16});
        for (std::uint32_t o = 0; o < stops; ++o) {
            const std::int32_t dep = hm(7, 0) + static_cast<std::int32_t>(rng.below(2 * 3600));
            r.run({{o, 0}}, dep);
            const auto expected = reference_arrivals(sc, o, dep);
            for (std::uint32_t s = 0; s < stops; ++s) {
                CAPTURE(seed);
                CAPTURE(o);
                CAPTURE(s);
                CHECK(r.arrival(s, 16) == expected[s]);
            }
        }
    }
}

namespace {

// The journeys found backwards for the arrivals of `forward` (journeys of a search at one
// leaving time): a search on the reversed schedule from the egress stops at those arrivals,
// each journey turned forwards; with `bounds_from` (the forward search), bounded by it.
std::vector<Journey> latest_leavings(const Schedule& sc, Raptor& back, const std::vector<StopTime>& access,
                                     const std::vector<StopTime>& egress, const std::vector<Journey>& forward,
                                     const Raptor* bounds_from = nullptr) {
    std::vector<std::int32_t> arrive_bound, ready_bound;
    if (bounds_from) {
        REQUIRE(bounds_from->reversed_bounds(arrive_bound, ready_bound));
        back.set_bounds(arrive_bound.data(), ready_bound.data());
    } else {
        back.set_bounds(nullptr, nullptr);
    }
    std::vector<std::int32_t> times;
    for (const auto& j : forward) times.push_back(-j.arrive_s);
    std::vector<Journey> found, out;
    if (times.empty()) return out;
    back.run_at(egress, times);
    back.journeys(access, *std::min_element(times.begin(), times.end()), *std::max_element(times.begin(), times.end()),
                  found);
    back.set_bounds(nullptr, nullptr);
    for (const auto& rj : found) {
        Journey f;
        routing::journey_from_reversed(sc, egress, rj, f);
        out.push_back(f);
    }
    std::sort(out.begin(), out.end(), [](const Journey& a, const Journey& b) {
        if (a.arrive_s != b.arrive_s) return a.arrive_s < b.arrive_s;
        if (a.transfers() != b.transfers()) return a.transfers() < b.transfers();
        return a.depart_s > b.depart_s;
    });
    return out;
}

// A journey's rides are consistent: boarded at or after leaving plus the access, each ride on
// its trip's times, transfers walking what they say, arriving after the last ride and egress.
void check_consistent(const Schedule& sc, const Journey& j, const std::vector<StopTime>& access,
                      const std::vector<StopTime>& egress) {
    REQUIRE(!j.rides.empty());
    CHECK(j.rides.front().board_s >= j.depart_s + access[j.access].offset_s);
    CHECK(j.transfer_walk_s.size() + 1 == j.rides.size());
    for (std::size_t k = 0; k < j.rides.size(); ++k) {
        const auto& r = j.rides[k];
        CHECK(r.board_pos < r.alight_pos);
        CHECK(r.board_s == sc.depart(r.trip, r.board_pos));
        CHECK(r.alight_s == sc.arrive(r.trip, r.alight_pos));
        if (k == 0) continue;
        const auto& prev = j.rides[k - 1];
        if (r.seated) {
            CHECK(sc.trip_block_next[prev.trip] == r.trip);
            CHECK(j.transfer_walk_s[k - 1] == 0);
        } else {
            CHECK(r.board_s >= prev.alight_s + j.transfer_walk_s[k - 1]);
        }
    }
    CHECK(sc.stop_at(j.rides.front().trip, j.rides.front().board_pos) == access[j.access].stop);
    CHECK(sc.stop_at(j.rides.back().trip, j.rides.back().alight_pos) == egress[j.egress].stop);
    CHECK(j.arrive_s == j.rides.back().alight_s + egress[j.egress].offset_s);
}

}  // namespace

TEST_CASE("raptor: a range profile equals the searches at each leaving time, on random timetables") {
    // For a leaving time d, the journeys of the profile leaving at d or later, reduced to
    // their Pareto set on arrival and transfers, are the journeys of run() at d. And for each
    // journey of run() (arriving at A with k transfers), the journeys found backwards from its
    // arrival include one arriving by A with at most k transfers that leaves as late as any of
    // the profile's journeys leaving at d or later that do so; bounded by the forward search
    // (Raptor::reversed_bounds), the same.
    for (std::uint64_t seed = 1; seed <= 20; ++seed) {
        core::Rng rng(seed, core::Stream::day_plan, 1);
        const bool blocks = seed % 2 == 0;
        const auto sc = random_schedule(rng, blocks);
        const auto rev = routing::reverse_schedule(sc);
        const auto stops = static_cast<std::uint32_t>(sc.stop_count());
        Raptor profile(sc, RaptorParams{6}), single(sc, RaptorParams{6}), back(rev, RaptorParams{6});
        std::vector<Journey> pj, sj;
        for (std::uint32_t o = 0; o < stops; o += 2) {
            const std::vector<StopTime> access{{o, 0}, {(o + 1) % stops, 240}};
            profile.run_range(access, hm(7, 0), hm(12, 0));
            for (int q = 0; q < 5; ++q) {
                const std::int32_t dep = hm(7, 0) + static_cast<std::int32_t>(rng.below(3 * 3600));
                single.run(access, dep);
                for (std::uint32_t d = 0; d < stops; ++d) {
                    const std::vector<StopTime> egress{{d, 0}, {(d + 3) % stops, 100}};
                    single.journeys(egress, dep, dep, sj);
                    profile.journeys(egress, dep, hm(12, 0), pj);
                    std::vector<std::pair<std::int32_t, std::uint32_t>> want, got;
                    for (const auto& j : sj) want.emplace_back(j.arrive_s, j.transfers());
                    for (const auto& j : pj) {
                        const bool dominated = std::any_of(pj.begin(), pj.end(), [&](const Journey& k) {
                            return k.arrive_s <= j.arrive_s && k.transfers() <= j.transfers() &&
                                   (k.arrive_s < j.arrive_s || k.transfers() < j.transfers());
                        });
                        if (!dominated) got.emplace_back(j.arrive_s, j.transfers());
                    }
                    std::sort(got.begin(), got.end());
                    got.erase(std::unique(got.begin(), got.end()), got.end());
                    CAPTURE(seed);
                    CAPTURE(o);
                    CAPTURE(dep);
                    CAPTURE(d);
                    auto text = [](const std::vector<std::pair<std::int32_t, std::uint32_t>>& v) {
                        std::string t;
                        for (const auto& [a, k] : v) t += std::to_string(a) + "/" + std::to_string(k) + " ";
                        return t;
                    };
                    CAPTURE(text(got));
                    CAPTURE(text(want));
                    if (!blocks) {
                        CHECK(got == want);
                    } else {
                        // With blocks, run() follows a later trip's seated continuation only
                        // where changing would miss it (raptor.hpp): the profile, which boards
                        // later trips from later leaving times, may save a transfer more.
                        CHECK(got.empty() == want.empty());
                        if (!got.empty() && !want.empty()) CHECK(got.front().first == want.front().first);
                        for (const auto& w : want)
                            CHECK(std::any_of(got.begin(), got.end(), [&](const auto& g) {
                                return g.first <= w.first && g.second <= w.second;
                            }));
                    }
                    // Backwards from run()'s arrivals: the profile's latest leavings.
                    const auto latest = latest_leavings(sc, back, access, egress, sj);
                    const auto bounded = latest_leavings(sc, back, access, egress, sj, &single);
                    const auto latest_by = [](const std::vector<Journey>& js, std::int32_t arrive, std::uint32_t k,
                                              std::int32_t from) {
                        std::int32_t best = std::numeric_limits<std::int32_t>::min();
                        for (const auto& j : js)
                            if (j.arrive_s <= arrive && j.transfers() <= k && j.depart_s >= from)
                                best = std::max(best, j.depart_s);
                        return best;
                    };
                    for (const auto& j : sj) {
                        CAPTURE(j.arrive_s);
                        CAPTURE(j.transfers());
                        const auto latest_profile = latest_by(pj, j.arrive_s, j.transfers(), dep);
                        const auto latest_back = latest_by(latest, j.arrive_s, j.transfers(), dep);
                        CHECK(latest_back >= dep);
                        CHECK(latest_by(bounded, j.arrive_s, j.transfers(), dep) == latest_back);
                        if (!blocks)
                            CHECK(latest_back == latest_profile);
                        else
                            CHECK(latest_back <= latest_profile);  // seated rides followed in part, as above
                    }
                    // Every journey's rides are consistent.
                    for (const auto& j : pj) check_consistent(sc, j, access, egress);
                    for (const auto& j : latest) check_consistent(sc, j, access, egress);
                    for (const auto& j : bounded) check_consistent(sc, j, access, egress);
                }
            }
        }
    }
}

TEST_CASE("raptor: the reversed schedule gives the latest leaving, a feeder to the same train as the profile does") {
    // Leaving at 8:00: a walk of 24 min to the station (stop 1) catches the 8:30 train to stop 2
    // (arriving 8:50); a walk of 4 min to the bus stop (stop 0), the 8:20 bus (8:25 at the
    // station, 2 min to change) and the same train arrive as early with a transfer more. The
    // search at 8:00 finds the walk's journey only (the station's ready time, 8:24, is earlier
    // than the bus's arrival); backwards from the 8:50 arrival, both are found, leaving home at
    // 8:06 and 8:16: the profile's two journeys.
    Net n(3);
    const auto bus = n.line("bus", {0, 1}, false), train = n.line("train", {1, 2}, false);
    n.hop("b1", bus, hm(8, 20), hm(8, 25));
    n.hop("t1", train, hm(8, 30), hm(8, 50));
    n.hop("t2", train, hm(9, 0), hm(9, 20));
    const auto sc = schedule(n, 120);
    const auto rev = routing::reverse_schedule(sc);
    const std::vector<StopTime> access{{1, 24 * 60}, {0, 4 * 60}};
    const std::vector<StopTime> egress{{2, 0}};
    Raptor r(sc, RaptorParams{}), p(sc, RaptorParams{}), back(rev, RaptorParams{});
    std::vector<Journey> single, profile;
    r.run(access, hm(8, 0));
    r.journeys(egress, hm(8, 0), hm(8, 0), single);
    REQUIRE(single.size() == 1);
    CHECK(single[0].transfers() == 0);
    p.run_range(access, hm(8, 0), hm(9, 0));
    // (The profile's journeys leaving by 8:30: it lists the 9:00 train too, leaving at 8:36.)
    p.journeys(egress, hm(8, 0), hm(8, 30), profile);
    const auto latest = latest_leavings(sc, back, access, egress, single);
    const auto bounded = latest_leavings(sc, back, access, egress, single, &r);
    for (const std::vector<Journey>* js :
         std::initializer_list<const std::vector<Journey>*>{&latest, &bounded, &profile}) {
        REQUIRE(js->size() == 2);
        const Journey& walk = (*js)[0];
        const Journey& feeder = (*js)[1];
        CHECK(walk.depart_s == hm(8, 6));
        CHECK(walk.arrive_s == hm(8, 50));
        CHECK(walk.transfers() == 0);
        CHECK(walk.access == 0);
        CHECK(feeder.depart_s == hm(8, 16));
        CHECK(feeder.arrive_s == hm(8, 50));
        CHECK(feeder.transfers() == 1);
        CHECK(feeder.access == 1);
        REQUIRE(feeder.rides.size() == 2);
        CHECK(feeder.rides[0].board_s == hm(8, 20));
        CHECK(feeder.rides[1].board_s == hm(8, 30));
        for (const auto& j : *js) check_consistent(sc, j, access, egress);
    }
    // The bus full at its first stop (no boarding there): backwards, no alighting there, and
    // the feeder is gone.
    std::vector<std::uint8_t> no_alight(rev.arrive_s.size(), 0);
    no_alight[routing::reversed_time_index(sc, 0, 0)] = 1;
    back.set_no_alighting(no_alight.data());
    const auto without = latest_leavings(sc, back, access, egress, single);
    REQUIRE(without.size() == 1);
    CHECK(without[0].depart_s == hm(8, 6));
    CHECK(without[0].transfers() == 0);
}

TEST_CASE("raptor: a line-specific rule holds backwards as forwards: a minimum time, or a timed transfer") {
    // Bus (stop 0 to 1) reaching stop 1 at 8:29; the train leaves stop 1 at 8:30 and 9:00. A
    // rule from the bus to the train at stop 1 asks 2 min (the 8:30 is missed) or makes it
    // timed (caught, whatever min_transfer_s says); backwards, the same must hold.
    for (const auto type : {network::TransferType::minimum, network::TransferType::timed}) {
        Net n(3);
        const auto bus = n.line("bus", {0, 1}, false), train = n.line("train", {1, 2}, false);
        n.hop("b1", bus, hm(8, 20), hm(8, 29));
        n.hop("t1", train, hm(8, 30), hm(8, 50));
        n.hop("t2", train, hm(9, 0), hm(9, 20));
        n.rule(1, 1, bus, train, type, 120);
        const auto sc = schedule(n, type == network::TransferType::timed ? 300 : 0);
        const auto rev = routing::reverse_schedule(sc);
        const std::vector<StopTime> access{{0, 0}}, egress{{2, 0}};
        Raptor r(sc, RaptorParams{}), back(rev, RaptorParams{});
        std::vector<Journey> single;
        r.run(access, hm(8, 0));
        r.journeys(egress, hm(8, 0), hm(8, 0), single);
        REQUIRE(single.size() == 1);
        const auto latest = latest_leavings(sc, back, access, egress, single);
        REQUIRE(latest.size() == 1);
        CAPTURE(static_cast<int>(type));
        CHECK(single[0].arrive_s == (type == network::TransferType::timed ? hm(8, 50) : hm(9, 20)));
        CHECK(latest[0].arrive_s == single[0].arrive_s);
        CHECK(latest[0].depart_s == hm(8, 20));
        check_consistent(sc, latest[0], access, egress);
        // Rules that name lines: the forward search gives the backward one no bounds.
        std::vector<std::int32_t> arrive_bound, ready_bound;
        CHECK_FALSE(r.reversed_bounds(arrive_bound, ready_bound));
    }
}

// ------------------------------------------------------------------------------------------
// The GTFS reference feed with its expected earliest arrivals (station to station, no walking).

namespace {

std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::vector<std::vector<std::string>> rows;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::vector<std::string> fields;
        std::string f;
        std::stringstream ss(line);
        while (std::getline(ss, f, ',')) fields.push_back(f);
        if (!line.empty() && line.back() == ',') fields.emplace_back();
        rows.push_back(fields);
    }
    return rows;
}

std::int32_t clock_s(const std::string& hh_mm) {
    const auto colon = hh_mm.find(':');
    return std::stoi(hh_mm.substr(0, colon)) * 3600 + std::stoi(hh_mm.substr(colon + 1)) * 60;
}

// One street node (with a short walk link to a second node) at each stop of the feed, so that
// every stop links.
network::Network beatty_streets(const std::filesystem::path& feed) {
    network::Network net;
    net.name = "beatty";
    net.origin_lat = 36.9;
    net.origin_lon = -116.8;
    const auto rows = read_csv(feed / "stops.txt");
    const auto& head = rows.at(0);
    const auto col = [&](const char* name) {
        return static_cast<std::size_t>(std::find(head.begin(), head.end(), name) - head.begin());
    };
    const auto lat = col("stop_lat"), lon = col("stop_lon");
    for (std::size_t i = 1; i < rows.size(); ++i) {
        if (rows[i].size() <= std::max(lat, lon)) continue;
        const auto [x, y] = net.to_x_y(std::stod(rows[i][lat]), std::stod(rows[i][lon]));
        for (int k = 0; k < 2; ++k) {
            net.node_ids.push_back("n" + std::to_string(i) + "_" + std::to_string(k));
            net.node_x_m.push_back(x + 10.0 * k);
            net.node_y_m.push_back(y);
            net.node_zone.push_back(invalid_index);
            net.node_line.push_back(static_cast<int>(net.node_ids.size()) + 1);
        }
        const auto from = static_cast<std::uint32_t>(net.node_ids.size() - 2);
        net.link_ids.push_back("l" + std::to_string(i));
        net.link_from.push_back(from);
        net.link_to.push_back(from + 1);
        net.link_length_m.push_back(10);
        net.link_type.push_back("footway");
        net.link_modes.push_back(network::walk_bit);
        net.link_oneway.push_back(0);
        net.link_car_speed_mps.push_back(0);
        net.link_lanes.push_back(0);
        net.link_capacity_veh_per_h.push_back(0);
        net.link_name.push_back("");
    }
    return net;
}

}  // namespace

TEST_CASE("raptor: the GTFS reference feed's earliest arrivals (beatty/expected.csv)") {
    const auto feed = test::shared_data("data/gtfs/beatty/sample-feed");
    const auto expected = test::shared_data("data/gtfs/beatty/expected.csv");
    if (!feed || !expected) return;
    const auto rows = read_csv(*expected);
    REQUIRE(rows.size() == 16);
    std::map<std::string, network::Network> by_date;
    int failed = 0;
    for (std::size_t i = 1; i < rows.size(); ++i) {
        const auto& row = rows[i];
        const std::string name = row[0], from = row[1], to = row[2], when = row[3];
        const std::string date = when.substr(0, 10);
        auto it = by_date.find(date);
        if (it == by_date.end()) {
            auto net = beatty_streets(*feed);
            network::import::GtfsReport report;
            network::import::import_gtfs(*feed, network::import::GtfsOptions{date}, net, report);
            it = by_date.emplace(date, std::move(net)).first;
        }
        const auto& net = it->second;
        const auto sc = routing::build_schedule(net, {}, ScheduleParams{0});
        Raptor r(sc, RaptorParams{8});
        const auto o = net.find_stop(from), d = net.find_stop(to);
        REQUIRE(o != invalid_index);
        REQUIRE(d != invalid_index);
        const auto dep = clock_s(when.substr(11));
        r.run({{o, 0}}, dep);
        std::vector<Journey> js;
        r.journeys({{d, 0}}, dep, dep, js);
        const auto got = js.empty() ? no_time : js.front().arrive_s;
        const auto want = dep + clock_s(row[4]);
        CAPTURE(name);
        CAPTURE(got);
        CAPTURE(want);
        // An import without trips has only the hourly headways that approximate the feed: the
        // cases are then reported, not required.
        if (net.trip_count() > 0)
            CHECK(got == want);
        else
            WARN(got == want);
        if (got != want) ++failed;
    }
    MESSAGE("beatty: " << rows.size() - 1 - static_cast<std::size_t>(failed) << " of " << rows.size() - 1
                       << " cases as expected");
}
