#include <doctest/doctest.h>

#include <tuple>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/report/modal_split.hpp"

using flemsim::core::Group;
using flemsim::core::IterationRecord;
using flemsim::core::Mode;
using flemsim::core::Purpose;
using flemsim::core::TransitLoadRecord;
using flemsim::core::TripRecord;
using flemsim::report::compute_crowding;
using flemsim::report::compute_modal_split;
using flemsim::report::Crowding;
using flemsim::report::format_crowding;
using flemsim::report::format_iterations;
using flemsim::report::format_modal_split;
using flemsim::report::modal_split_json;
using flemsim::report::ModalSplit;
using flemsim::report::SplitRow;

namespace {

TripRecord trip(Mode mode, Group group, Purpose purpose, float distance_m, std::int32_t minutes) {
    TripRecord t{};
    t.mode = static_cast<std::uint8_t>(mode);
    t.group = static_cast<std::uint8_t>(group);
    t.purpose = static_cast<std::uint8_t>(purpose);
    t.distance_m = distance_m;
    t.dep_time_s = 28800;
    t.arr_time_s = 28800 + 60 * minutes;
    return t;
}

// Ten trips worked by hand:
//  #  mode     group             purpose  km      min  band
//  1  walk     resident          other     0.5    10   0-1
//  2  walk     resident_student  study     1.0    20   1-3   (exactly a limit: the band above)
//  3  bike     resident_worker   work      3.0    15   3-5   (exactly a limit)
//  4  bike     student           study     2.5    10   1-3
//  5  transit  worker            work     12.0    40   10-20
//  6  transit  resident_worker   work     20.0    50   20+   (exactly the last limit)
//  7  transit  student           study     8.0    30   5-10
//  8  car      worker            work     25.0    30   20+
//  9  car      resident          other     5.0    10   5-10  (exactly a limit)
// 10  car      worker            other     0.999   5   0-1
std::vector<TripRecord> ten_trips() {
    return {
        trip(Mode::walk, Group::resident, Purpose::other, 500, 10),
        trip(Mode::walk, Group::resident_student, Purpose::study, 1000, 20),
        trip(Mode::bike, Group::resident_worker, Purpose::work, 3000, 15),
        trip(Mode::bike, Group::student, Purpose::study, 2500, 10),
        trip(Mode::transit, Group::worker, Purpose::work, 12000, 40),
        trip(Mode::transit, Group::resident_worker, Purpose::work, 20000, 50),
        trip(Mode::transit, Group::student, Purpose::study, 8000, 30),
        trip(Mode::car, Group::worker, Purpose::work, 25000, 30),
        trip(Mode::car, Group::resident, Purpose::other, 5000, 10),
        trip(Mode::car, Group::worker, Purpose::other, 999, 5),
    };
}

const std::vector<double> bands = {1, 3, 5, 10, 20};

using Counts = std::array<std::uint64_t, 4>;  // walk, bike, transit, car

const SplitRow& find(const std::vector<SplitRow>& rows, const std::string& name) {
    for (const SplitRow& r : rows)
        if (r.name == name) return r;
    FAIL("no row " << name);
    throw;  // unreachable: FAIL ends the test
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TransitLoadRecord segment(std::uint32_t vehicle_trip, std::uint16_t seg, std::int32_t line, std::int32_t from,
                          std::int32_t to, std::uint32_t onboard, std::uint32_t seated, std::uint32_t capacity) {
    TransitLoadRecord r{};
    r.vehicle_trip = vehicle_trip;
    r.segment = seg;
    r.line = line;
    r.from_stop = from;
    r.to_stop = to;
    r.depart_s = 7 * 3600 + 30 * 60 + 60 * static_cast<std::int32_t>(seg);
    r.arrive_s = r.depart_s + 120;
    r.scheduled_depart_s = r.depart_s;
    r.onboard = onboard;
    r.seated = seated;
    r.capacity = capacity;
    return r;
}

// Seven segments worked by hand (load factor = on board / capacity):
//  #  vehicle seg line from to  on board seated cap  load  boardings denied
//  1  3       0   0    0    1    80       40     80   1.0   80        6     full, over seated
//  2  1       2   1    2    3    45       40     60   0.75  10        0     over seated
//  3  1       1   1    1    2    90       40    120   0.75  20        1     over seated (tie with #2: segment 1 first)
//  4  0       5   0    0    1    30       40     40   0.75   0        0     tie with #2, #3: vehicle 0 first
//  5  2       0   7    0    9    10       40     40   0.25   5        0     line 7 and stop 9 have no names
//  6  4       0   1    1    2    12       10      0   0      2        3     no capacity: load 0, not full
//  7  5       1   0    2    3   130      100    100   1.3   30        2     over capacity: full
// boardings 147, denied 12; over seated: #1, #2, #3, #6, #7 = 5; full: #1, #7 = 2.
std::vector<TransitLoadRecord> seven_segments() {
    std::vector<TransitLoadRecord> load = {
        segment(3, 0, 0, 0, 1, 80, 40, 80),    segment(1, 2, 1, 2, 3, 45, 40, 60), segment(1, 1, 1, 1, 2, 90, 40, 120),
        segment(0, 5, 0, 0, 1, 30, 40, 40),    segment(2, 0, 7, 0, 9, 10, 40, 40), segment(4, 0, 1, 1, 2, 12, 10, 0),
        segment(5, 1, 0, 2, 3, 130, 100, 100),
    };
    const std::uint32_t boardings[] = {80, 10, 20, 0, 5, 2, 30};
    const std::uint32_t denied[] = {6, 0, 1, 0, 0, 3, 2};
    for (std::size_t i = 0; i < load.size(); ++i) {
        load[i].boardings = boardings[i];
        load[i].denied = denied[i];
    }
    load[6].depart_s = 25 * 3600 + 5 * 60;  // after midnight of the simulated day
    return load;
}

const std::vector<std::string> line_names = {"Pendeltåg 40", "Buss 865"};
const std::vector<std::string> stop_names = {"Flemingsberg", "Huddinge sjukhus", "Campus", "Visättra"};

IterationRecord iteration(std::uint16_t n, double relative_gap, std::uint8_t converged) {
    IterationRecord it{};
    it.iteration = n;
    it.trips = 1000;
    it.share_walk = 0.25;
    it.share_bike = 0.125;
    it.share_transit = 0.375;
    it.share_car = 0.25;
    it.sustainable_share = 0.75;
    it.mean_min_walk = 12.5;
    it.mean_min_bike = std::numeric_limits<double>::quiet_NaN();
    it.mean_min_transit = 41.25;
    it.mean_min_car = 18.0;
    it.replanning_share = 0.1;
    it.switched_share = 0.3;
    it.gap_util = 0.0421;
    it.relative_gap = relative_gap;
    it.denied_boardings = 17 + n;
    it.stuck_trips = 3;
    it.converged = converged;
    it.gave_up_trips = 5 + n;
    it.travel_time_gap = 0.125 / (n + 1);  // 12.50 %, 6.25 %, ...
    it.share_change = n == 0 ? 0.0 : 0.0015;
    return it;
}

}  // namespace

TEST_CASE("modal split: hand-worked counts and shares") {
    ModalSplit split = compute_modal_split(ten_trips(), bands, 0.7);

    SUBCASE("overall") {
        CHECK(split.overall.name == "overall");
        CHECK(split.overall.trips == Counts{2, 2, 3, 3});
        CHECK(split.overall.total() == 10);
        CHECK(split.overall.share(Mode::walk) == doctest::Approx(0.2));
        CHECK(split.overall.share(Mode::bike) == doctest::Approx(0.2));
        CHECK(split.overall.share(Mode::transit) == doctest::Approx(0.3));
        CHECK(split.overall.share(Mode::car) == doctest::Approx(0.3));
        CHECK(split.sustainable_share() == 0.7);  // 7 / 10, exactly the double nearest 0.7
    }

    SUBCASE("by group, in enum order, then the roll-ups") {
        const std::vector<std::string> names = {"resident", "resident_worker", "resident_student", "worker",
                                                "student",  "residents (all)", "workers (all)",    "students (all)"};
        REQUIRE(split.by_group.size() == names.size());
        for (std::size_t i = 0; i < names.size(); ++i) CHECK(split.by_group[i].name == names[i]);
        CHECK(split.by_group[0].trips == Counts{1, 0, 0, 1});
        CHECK(split.by_group[1].trips == Counts{0, 1, 1, 0});
        CHECK(split.by_group[2].trips == Counts{1, 0, 0, 0});
        CHECK(split.by_group[3].trips == Counts{0, 0, 1, 2});
        CHECK(split.by_group[4].trips == Counts{0, 1, 1, 0});
        CHECK(find(split.by_group, "residents (all)").trips == Counts{2, 1, 1, 1});
        CHECK(find(split.by_group, "residents (all)").sustainable_share() == doctest::Approx(0.8));
        CHECK(find(split.by_group, "workers (all)").trips == Counts{0, 1, 2, 2});
        CHECK(find(split.by_group, "workers (all)").sustainable_share() == doctest::Approx(0.6));
        CHECK(find(split.by_group, "students (all)").trips == Counts{1, 1, 1, 0});
        CHECK(find(split.by_group, "students (all)").sustainable_share() == 1.0);
    }

    SUBCASE("by purpose") {
        REQUIRE(split.by_purpose.size() == 3);
        CHECK(split.by_purpose[0].name == "work");
        CHECK(split.by_purpose[0].trips == Counts{0, 1, 2, 1});
        CHECK(split.by_purpose[1].name == "study");
        CHECK(split.by_purpose[1].trips == Counts{1, 1, 1, 0});
        CHECK(split.by_purpose[2].name == "other");
        CHECK(split.by_purpose[2].trips == Counts{1, 0, 0, 2});
        CHECK(split.by_purpose[2].share(Mode::car) == doctest::Approx(2.0 / 3.0));
    }

    SUBCASE("by distance: a trip of exactly a limit is in the band above") {
        const std::vector<std::string> names = {"0-1 km", "1-3 km", "3-5 km", "5-10 km", "10-20 km", "20+ km"};
        REQUIRE(split.by_distance.size() == names.size());
        for (std::size_t i = 0; i < names.size(); ++i) CHECK(split.by_distance[i].name == names[i]);
        CHECK(split.by_distance[0].trips == Counts{1, 0, 0, 1});  // 0.5 walk, 0.999 car
        CHECK(split.by_distance[1].trips == Counts{1, 1, 0, 0});  // 1.0 walk, 2.5 bike
        CHECK(split.by_distance[2].trips == Counts{0, 1, 0, 0});  // 3.0 bike
        CHECK(split.by_distance[3].trips == Counts{0, 0, 1, 1});  // 8 transit, 5.0 car
        CHECK(split.by_distance[4].trips == Counts{0, 0, 1, 0});  // 12 transit
        CHECK(split.by_distance[5].trips == Counts{0, 0, 1, 1});  // 20.0 transit, 25 car
    }

    SUBCASE("means by mode") {
        CHECK(split.mean_travel_min[0] == doctest::Approx(15.0));  // (10 + 20) / 2
        CHECK(split.mean_travel_min[1] == doctest::Approx(12.5));  // (15 + 10) / 2
        CHECK(split.mean_travel_min[2] == doctest::Approx(40.0));  // (40 + 50 + 30) / 3
        CHECK(split.mean_travel_min[3] == doctest::Approx(15.0));  // (30 + 10 + 5) / 3
        CHECK(split.mean_distance_km[0] == doctest::Approx(0.75));
        CHECK(split.mean_distance_km[1] == doctest::Approx(2.75));
        CHECK(split.mean_distance_km[2] == doctest::Approx(40.0 / 3.0));
        CHECK(split.mean_distance_km[3] == doctest::Approx(30.999 / 3.0));
    }

    SUBCASE("the target: a share equal to it is met") {
        CHECK(split.target_met());
        split.target = 0.7000001;
        CHECK_FALSE(split.target_met());
    }
}

TEST_CASE("modal split: empty input and other band limits") {
    const ModalSplit split = compute_modal_split({}, {2.5}, 0.7);
    CHECK(split.overall.total() == 0);
    CHECK(split.overall.share(Mode::walk) == 0.0);
    CHECK(split.sustainable_share() == 0.0);
    CHECK_FALSE(split.target_met());
    CHECK(std::isnan(split.mean_travel_min[0]));
    REQUIRE(split.by_distance.size() == 2);
    CHECK(split.by_distance[0].name == "0-2.5 km");
    CHECK(split.by_distance[1].name == "2.5+ km");
    CHECK(split.by_group.size() == 8);

    const std::string text = format_modal_split(split);
    CHECK(contains(text, "Modal split — "));
    CHECK(contains(text, "0 trips)"));
    CHECK(contains(text, "— MISSED"));

    const ModalSplit open_only =
        compute_modal_split({trip(Mode::bike, Group::resident, Purpose::other, 0, 1)}, {}, 0.5);
    REQUIRE(open_only.by_distance.size() == 1);
    CHECK(open_only.by_distance[0].name == "0+ km");
    CHECK(open_only.by_distance[0].total() == 1);
}

TEST_CASE("modal split: console table") {
    ModalSplit split = compute_modal_split(ten_trips(), bands, 0.7);
    split.scenario_name = "base";
    split.seed = 42;
    const std::string text = format_modal_split(split);
    INFO(text);
    CHECK(text.rfind("Modal split — base (seed 42, 10 trips)\n", 0) == 0);
    // The kind of run, when known, is in the title and the JSON.
    split.run = "simulated";
    CHECK(format_modal_split(split).rfind("Modal split — base (seed 42, 10 trips, simulated day)\n", 0) == 0);
    CHECK(contains(modal_split_json(split, nullptr, nullptr), "\"run\": \"simulated\""));
    split.run = "static";
    CHECK(format_modal_split(split).rfind("Modal split — base (seed 42, 10 trips, static level of service)\n", 0) == 0);
    split.run.clear();
    // --set overrides are part of the title, and listed in the JSON.
    split.overrides = {"modes.car.default_parking_sek=40", "population.scale=0.5"};
    CHECK(format_modal_split(split).rfind("Modal split — base with --set modes.car.default_parking_sek=40, "
                                          "population.scale=0.5 (seed 42, 10 trips)\n",
                                          0) == 0);
    const std::string json = modal_split_json(split, nullptr, nullptr);
    const auto at = json.find("\"overrides\": [");
    REQUIRE(at != std::string::npos);
    const auto listed = json.substr(at, json.find(']', at) - at);
    CHECK(contains(listed, "\"modes.car.default_parking_sek=40\""));
    CHECK(contains(listed, "\"population.scale=0.5\""));
    split.overrides.clear();
    CHECK(contains(text, "Sustainable share (walk + bike + transit): 70.0 % — target 70.0 % — MET\n"));
    // overall: walk bike transit car sustainable trips
    CHECK(contains(text, "20.0     20.0     30.0     30.0         70.0        10\n"));
    CHECK(contains(text, "  residents (all)"));
    CHECK(contains(text, "  20+ km"));
    // resident_student has no bike trips: 0.0, not "-"; a group without trips shows "-".
    CHECK(contains(text, "  resident_student      100.0      0.0      0.0      0.0        100.0         1\n"));
    CHECK(contains(text, "travel time (min)        15.0     12.5     40.0     15.0\n"));
    // Medians and 90th percentiles, linear between order statistics (by hand: transit 30, 40,
    // 50 min: median 40, 90th at 0.9 x 2 = 1.8: 40 + 0.8 x 10 = 48; car 5, 10, 30: 10 and
    // 10 + 0.8 x 20 = 26; walk 10, 20: 15 and 19; bike 10, 15: 12.5 and 14.5).
    CHECK(contains(text, "median (min)             15.0     12.5     40.0     10.0\n"));
    CHECK(contains(text, "90th pct (min)           19.0     14.5     48.0     26.0\n"));
    CHECK(contains(modal_split_json(split), "\"p90_travel_min\": {"));

    split.target = 0.75;
    CHECK(contains(format_modal_split(split),
                   "Sustainable share (walk + bike + transit): 70.0 % — target 75.0 % — MISSED\n"));

    const ModalSplit no_cars =
        compute_modal_split({trip(Mode::walk, Group::student, Purpose::study, 100, 2)}, bands, 0.7);
    const std::string sparse = format_modal_split(no_cars);
    INFO(sparse);
    CHECK(contains(sparse, "  resident                  -        -        -        -            -         0\n"));
    CHECK(contains(sparse, "distance (km)            0.10        -        -        -\n"));
}

TEST_CASE("modal split: JSON") {
    ModalSplit split = compute_modal_split(ten_trips(), bands, 0.7);
    split.scenario_name = "base";
    split.seed = 42;
    const std::string json = modal_split_json(split);
    INFO(json);
    CHECK(contains(json, "\"scenario\": \"base\""));
    CHECK(contains(json, "\"seed\": 42"));
    CHECK(contains(json, "\"trips\": 10"));
    CHECK(contains(json, "\"target\": 0.7"));
    CHECK(contains(json, "\"sustainable_share\": 0.7,"));
    CHECK(contains(json, "\"target_met\": true"));
    CHECK(contains(json,
                   "\"shares\": {\n    \"walk\": 0.2,\n    \"bike\": 0.2,\n    \"transit\": 0.3,\n    \"car\": 0.3"));
    CHECK(contains(json, "\"counts\": {\n    \"walk\": 2,\n    \"bike\": 2,\n    \"transit\": 3,\n    \"car\": 3"));
    CHECK(contains(json, "\"name\": \"residents (all)\",\n      \"trips\": 5"));
    CHECK(contains(json, "\"name\": \"20+ km\""));
    CHECK(contains(json, "\"mean_travel_min\": {\n    \"walk\": 15,\n    \"bike\": 12.5,\n    \"transit\": 40"));

    const std::string empty = modal_split_json(compute_modal_split({}, bands, 0.7));
    CHECK(contains(empty, "\"mean_travel_min\": {\n    \"walk\": null"));
    CHECK(contains(empty, "\"target_met\": false"));
}

TEST_CASE("crowding: hand-worked segments") {
    const Crowding c = compute_crowding(seven_segments(), line_names, stop_names, 5);

    SUBCASE("sums and counts") {
        CHECK(c.boardings == 147);
        CHECK(c.denied_boardings == 12);
        CHECK(c.segments_over_seated == 5);
        CHECK(c.segments_full == 2);
    }

    SUBCASE("one row per line and hour, most crowded first, ties by vehicle trip and segment") {
        // Line-hours: Pendeltåg 40 at 25 (#7, 1.3); Pendeltåg 40 at 07 (#1 1.0 and #4 0.75: two
        // vehicle trips); Buss 865 at 07 (#3 and #2 at 0.75, #6 without capacity: two trips, the
        // tie to #3, segment 1 before 2); line 7 at 07 (#5, 0.25).
        REQUIRE(c.most_crowded.size() == 4);
        CHECK(c.most_crowded[0].onboard == 130);
        CHECK(c.most_crowded[0].capacity == 100);
        CHECK(c.most_crowded[0].load_factor == doctest::Approx(1.3));
        CHECK(c.most_crowded[0].depart_s == 25 * 3600 + 5 * 60);
        CHECK(c.most_crowded[0].hour == 25);
        CHECK(c.most_crowded[0].vehicle_trips == 1);
        CHECK(c.most_crowded[1].onboard == 80);
        CHECK(c.most_crowded[1].load_factor == 1.0);
        CHECK(c.most_crowded[1].hour == 7);
        CHECK(c.most_crowded[1].vehicle_trips == 2);
        CHECK(c.most_crowded[1].segments_over_seated == 1);  // #1 (80 on 40 seats); #4 sits
        CHECK(c.most_crowded[2].onboard == 90);
        CHECK(c.most_crowded[2].load_factor == 0.75);
        CHECK(c.most_crowded[2].vehicle_trips == 2);
        CHECK(c.most_crowded[2].segments_over_seated == 3);  // #3, #2 and #6 (12 on 10 seats)
        CHECK(c.most_crowded[3].load_factor == 0.25);
    }

    SUBCASE("names, and the number where there is no name") {
        CHECK(c.most_crowded[0].line == "Pendeltåg 40");
        CHECK(c.most_crowded[0].from_stop == "Campus");
        CHECK(c.most_crowded[0].to_stop == "Visättra");
        CHECK(c.most_crowded[2].line == "Buss 865");
        CHECK(c.most_crowded[2].from_stop == "Huddinge sjukhus");
        CHECK(c.most_crowded[3].line == "7");
        CHECK(c.most_crowded[3].from_stop == "Flemingsberg");
        CHECK(c.most_crowded[3].to_stop == "9");

        const Crowding two = compute_crowding(seven_segments(), line_names, stop_names, 2);
        CHECK(two.most_crowded.size() == 2);
        // A segment without capacity (#6 alone) has load 0.
        const Crowding no_capacity = compute_crowding({seven_segments()[5]}, line_names, stop_names, 5);
        REQUIRE(no_capacity.most_crowded.size() == 1);
        CHECK(no_capacity.most_crowded[0].capacity == 0);
        CHECK(no_capacity.most_crowded[0].load_factor == 0.0);

        auto negative = seven_segments();
        negative[0].line = -1;
        negative[0].to_stop = -3;
        const Crowding n = compute_crowding(negative, line_names, stop_names, 2);
        CHECK(n.most_crowded[1].line == "-1");
        CHECK(n.most_crowded[1].to_stop == "-3");
    }

    SUBCASE("the order of the rows does not matter") {
        auto reversed = seven_segments();
        std::reverse(reversed.begin(), reversed.end());
        const Crowding r = compute_crowding(reversed, line_names, stop_names, 5);
        REQUIRE(r.most_crowded.size() == 4);
        for (std::size_t i = 0; i < 4; ++i) {
            CHECK(r.most_crowded[i].onboard == c.most_crowded[i].onboard);
            CHECK(r.most_crowded[i].line == c.most_crowded[i].line);
        }
    }

    SUBCASE("no segments") {
        const Crowding none = compute_crowding({}, line_names, stop_names);
        CHECK(none.most_crowded.empty());
        CHECK(none.boardings == 0);
        CHECK(none.segments_full == 0);
        CHECK(contains(format_crowding(none),
                       "Transit crowding: 0 boardings, 0 denied boardings (0.0 % of boarding attempts), 0 segments "
                       "with standing passengers, 0 segments full\n"));
    }
}

TEST_CASE("crowding: riders who gave up, in all and by line") {
    // Of the 6 denied at #1 (line 0) two gave up, of the 3 at #6 (line 1) one.
    auto load = seven_segments();
    load[0].gave_up = 2;
    load[5].gave_up = 1;
    const Crowding c = compute_crowding(load, line_names, stop_names, 3);
    CHECK(c.gave_up == 3);
    REQUIRE(c.by_line.size() == 3);
    CHECK(c.by_line[0].gave_up == 2);
    CHECK(c.by_line[1].gave_up == 1);
    CHECK(c.by_line[2].gave_up == 0);
    std::uint64_t by_line = 0;
    for (const auto& u : c.by_line) by_line += u.gave_up;
    CHECK(by_line == c.gave_up);
    const std::string text = format_crowding(c);
    INFO(text);
    CHECK(contains(text, "Gave up transit at a stop: 3 trips, 3 after the limit of denied boardings, 0 after waiting"));
    CHECK(contains(text, "  Pendeltåg 40         110         8         2           130.0\n"));
    CHECK(contains(text, "  Buss 865              32         4         1            75.0\n"));
    const std::string json = flemsim::report::modal_split_json(compute_modal_split({}, {2.5}, 0.7), &c);
    CHECK(contains(json, "\"gave_up\": 3"));
    CHECK(contains(json, "\"gave_up\": 2"));
    // Five trips gave up in all: the two not counted by the loads gave up after waiting.
    std::vector<flemsim::core::TripRecord> trips(7);
    for (std::size_t i = 0; i < 5; ++i) trips[i].gave_up = 1;
    Crowding w = c;
    count_gave_up_waiting(w, trips);
    CHECK(w.gave_up_waiting == 2);
    CHECK(contains(format_crowding(w),
                   "Gave up transit at a stop: 5 trips, 3 after the limit of denied boardings, 2 "
                   "after waiting max_wait_s in all"));
    CHECK(
        contains(flemsim::report::modal_split_json(compute_modal_split({}, {2.5}, 0.7), &w), "\"gave_up_waiting\": 2"));
    // Without any, the line is left out.
    CHECK_FALSE(contains(format_crowding(compute_crowding(seven_segments(), line_names, stop_names, 3)), "Gave up"));
}

TEST_CASE("crowding: console block") {
    const std::string text = format_crowding(compute_crowding(seven_segments(), line_names, stop_names, 3));
    INFO(text);
    // 12 / (147 + 12) = 7.547... %
    CHECK(text.rfind("Transit crowding: 147 boardings, 12 denied boardings (7.5 % of boarding attempts), 5 segments "
                     "with standing passengers, 2 segments full\n",
                     0) == 0);
    CHECK(contains(text, "Pendeltåg 40  25:00-26:00      1         1  Campus → Visättra"));
    CHECK(contains(text, "Buss 865      07:00-08:00      2         3  Huddinge sjukhus → Campus"));
    CHECK(contains(text, "25:05"));
    CHECK(contains(text, "130 / 100"));
    CHECK(contains(text, "130.0\n"));
    CHECK(contains(text, "07:30"));
    CHECK(contains(text, "80 / 80"));
    CHECK(contains(text, "100.0\n"));
    CHECK(contains(text, "75.0\n"));
    CHECK_FALSE(contains(text, "10 / 40"));  // line 7 at 07, fourth: beyond top 3
    // By line, in line order: line 0 has segments 80/80 (80 boardings, 6 denied), 30/40 and
    // 130/100 (30, 2); line 1 has 45/60 (10, 0), 90/120 (20, 1) and one without capacity
    // (2, 3); line 7 has no name and 10/40 (5, 0).
    CHECK(contains(text, "By line\n"));
    CHECK(contains(text, "  Pendeltåg 40         110         8         0           130.0\n"));
    CHECK(contains(text, "  Buss 865              32         4         0            75.0\n"));
    CHECK(contains(text, "  7                      5         0         0            25.0\n"));
    // Every line of the most-crowded table has the same width in code points, long names included.
    std::vector<std::size_t> widths;
    const std::size_t table_end = text.find("  (trips:", text.find("Most crowded"));
    for (std::size_t begin = text.find("  line", text.find("Most crowded")); begin < table_end;) {
        const std::size_t end = text.find('\n', begin);
        std::size_t n = 0;
        for (std::size_t k = begin; k < end; ++k) n += (static_cast<unsigned char>(text[k]) & 0xC0) != 0x80;
        widths.push_back(n);
        begin = end + 1;
    }
    REQUIRE(widths.size() == 4);
    for (const std::size_t w : widths) CHECK(w == widths[0]);
}

TEST_CASE("iterations: convergence table") {
    const std::vector<IterationRecord> its = {iteration(0, 0.0512, 0), iteration(1, 0.00088, 1)};
    const std::string text = format_iterations(its);
    INFO(text);
    for (const char* header :
         {"iteration", "walk", "bike", "transit", "car", "sustainable", "min walk", "min transit", "replanning",
          "switched", "gap (util)", "relative gap", "tt gap", "share chg", "denied", "gave up", "stuck"}) {
        CAPTURE(header);
        CHECK(contains(text, header));
    }
    CHECK(contains(text, "25.0"));
    CHECK(contains(text, "12.5"));  // bike share and walk minutes
    CHECK(contains(text, "37.5"));
    CHECK(contains(text, "75.0"));
    CHECK(contains(text, "41.2"));  // 41.25 to one decimal (binary: rounds to even)
    CHECK(contains(text, "0.0421"));
    CHECK(contains(text, "0.05120"));
    CHECK(contains(text, "0.00088"));
    CHECK(contains(text, "17"));
    CHECK(contains(text, "18"));
    CHECK(contains(text, "12.50"));  // travel-time gaps in %
    CHECK(contains(text, "6.25"));
    CHECK(contains(text, "0.15"));  // the share change in points
    // Two title lines, a header, one line per iteration and the loop's verdict; the marker
    // only on the converged one.
    std::vector<std::string> lines;
    for (std::size_t begin = 0; begin < text.size();) {
        const std::size_t end = text.find('\n', begin);
        lines.push_back(text.substr(begin, end - begin));
        begin = end + 1;
    }
    REQUIRE(lines.size() == 6);
    const std::string& row0 = lines[3];
    const std::string& row1 = lines[4];
    CHECK(row0.find_first_not_of(' ') == row0.find("0  "));
    CHECK(row1.find_first_not_of(' ') == row1.find("1  "));
    CHECK_FALSE(contains(row0, "converged"));
    CHECK(row1.ends_with("  converged"));
    CHECK(contains(row0, "-"));  // bike minutes are NaN
    CHECK(lines[5] == "Loop converged after 2 days: travel-time gap 6.25 %, largest share change 0.15 points");
    CHECK(contains(format_iterations({}), "no iterations"));
    // A loop that never converged says so, with its last gap.
    const std::string stopped =
        format_iterations({iteration(0, 0.05, 0), iteration(1, 0.01, 0), iteration(2, 0.01, 0)});
    CHECK(contains(stopped,
                   "Loop stopped at the day limit (3 days) with travel-time gap 4.17 %, largest share change "
                   "0.15 points: not converged\n"));
}

TEST_CASE("modal split: JSON with crowding and iterations") {
    const ModalSplit split = compute_modal_split(ten_trips(), bands, 0.7);
    const Crowding crowding = compute_crowding(seven_segments(), line_names, stop_names, 2);
    const std::vector<IterationRecord> its = {iteration(0, 0.05, 0), iteration(1, 0.001, 1)};

    const std::string plain = modal_split_json(split);
    CHECK_FALSE(contains(plain, "\"crowding\""));
    CHECK_FALSE(contains(plain, "\"iterations\""));
    CHECK(plain == modal_split_json(split, nullptr, nullptr));

    const std::string with_crowding = modal_split_json(split, &crowding);
    INFO(with_crowding);
    CHECK(contains(with_crowding, "\"crowding\": {"));
    CHECK_FALSE(contains(with_crowding, "\"iterations\""));
    CHECK(contains(with_crowding, "\"boardings\": 147"));
    CHECK(contains(with_crowding, "\"denied_boardings\": 12"));
    CHECK(contains(with_crowding, "\"segments_over_seated\": 5"));
    CHECK(contains(with_crowding, "\"segments_full\": 2"));
    CHECK(contains(with_crowding, "\"most_crowded\": ["));
    CHECK(contains(with_crowding, "\"line\": \"Pendeltåg 40\""));
    CHECK(contains(with_crowding, "\"from_stop\": \"Campus\""));
    CHECK(contains(with_crowding, "\"to_stop\": \"Visättra\""));
    CHECK(contains(with_crowding, "\"depart_s\": 90300"));
    CHECK(contains(with_crowding, "\"onboard\": 130"));
    CHECK(contains(with_crowding, "\"capacity\": 100"));
    CHECK(contains(with_crowding, "\"load_factor\": 1.3"));
    CHECK(with_crowding.rfind(plain.substr(0, plain.size() - 3), 0) == 0);  // the plain report, then more

    const std::string both = modal_split_json(split, &crowding, &its);
    INFO(both);
    CHECK(contains(both, "\"crowding\": {"));
    CHECK(contains(both, "\"iterations\": ["));
    for (const char* key : {"iteration",         "trips",           "share_walk",
                            "share_bike",        "share_transit",   "share_car",
                            "sustainable_share", "mean_min_walk",   "mean_min_bike",
                            "mean_min_transit",  "mean_min_car",    "replanning_share",
                            "switched_share",    "gap_util",        "relative_gap",
                            "denied_boardings",  "stuck_trips",     "converged",
                            "gave_up_trips",     "travel_time_gap", "share_change"}) {
        CAPTURE(key);
        CHECK(contains(both, std::string("\"") + key + "\": "));
    }
    CHECK(contains(both, "\"mean_min_bike\": null"));
    CHECK(contains(both, "\"relative_gap\": 0.001"));
    CHECK(contains(both, "\"denied_boardings\": 18"));
    CHECK(contains(both, "\"converged\": 1"));
    CHECK(contains(both, "\"gave_up_trips\": 6"));
    CHECK(contains(both, "\"loop\": {"));
    CHECK(contains(both, "\"status\": \"converged\""));
    CHECK(contains(both, "\"days\": 2"));
    CHECK(contains(both, "\"travel_time_gap\": 0.0625"));

    const std::string only_iterations = modal_split_json(split, nullptr, &its);
    CHECK_FALSE(contains(only_iterations, "\"crowding\""));
    CHECK(contains(only_iterations, "\"iterations\": ["));
}

TEST_CASE("stuck trips count in the shares but not in the mean times") {
    std::vector<flemsim::core::TripRecord> trips(2);
    for (auto& t : trips) {
        t = flemsim::core::TripRecord{};
        t.mode = static_cast<std::uint8_t>(flemsim::core::Mode::car);
        t.dep_time_s = 0;
        t.distance_m = 1000;
    }
    trips[0].arr_time_s = 600;
    trips[1].arr_time_s = 36 * 3600;  // not ended by the end of the day
    trips[1].stuck = 1;
    const auto split = flemsim::report::compute_modal_split(trips, {1, 3}, 0.7);
    CHECK(split.overall.trips[3] == 2);
    CHECK(split.mean_travel_min[3] == doctest::Approx(10.0));
    CHECK(split.mean_distance_km[3] == doctest::Approx(1.0));
}

TEST_CASE("park-and-ride and bike-and-ride: counted among the transit trips, in the text and the JSON") {
    // Of the three transit trips of the ten, #5 parks and rides and #6 bikes and rides; an
    // eleventh, stuck, parked and rode too but counts in no mean, nor here.
    auto trips = ten_trips();
    trips[4].transit_access = flemsim::core::access_park_and_ride;
    trips[5].transit_access = flemsim::core::access_bike_and_ride;
    TripRecord stuck = trip(Mode::transit, Group::worker, Purpose::work, 9000, 600);
    stuck.transit_access = flemsim::core::access_park_and_ride;
    stuck.stuck = 1;
    trips.push_back(stuck);
    const ModalSplit split = compute_modal_split(trips, bands, 0.7);
    CHECK(split.transit_trips == 3);
    CHECK(split.transit_park_and_ride == 1);
    CHECK(split.transit_bike_and_ride == 1);
    const std::string text = format_modal_split(split);
    INFO(text);
    CHECK(contains(text,
                   "Transit trips: 3 — per trip 0.0 min access and egress walk, 0.0 min waiting, 0.0 min on board; "
                   "0 waited over 30 min, 0 over 60 min; 1 park-and-ride, 1 bike-and-ride\n"));
    const std::string json = modal_split_json(split);
    CHECK(contains(json,
                   "\"waited_over_60_min\": 0,\n    \"park_and_ride_trips\": 1,\n    \"bike_and_ride_trips\": 1\n"));
    CHECK_FALSE(contains(json, "\"lots\""));  // a static run has no lots

    // Without any: the counts are still there, 0.
    CHECK(contains(format_modal_split(compute_modal_split(ten_trips(), bands, 0.7)),
                   "; 0 park-and-ride, 0 bike-and-ride\n"));
}

TEST_CASE("walks of riders who gave up at a stop are reported apart from access and egress") {
    // Three transit trips: walks of 6 + 4 and 8 + 2 minutes, and one that gave up at its stop
    // and walked on for 40 minutes. Access and egress: (10 + 10) / 2 = 10.0 min; given up: 40.0.
    std::vector<TripRecord> trips;
    for (const auto& [access, egress, gave_up] : {std::tuple{360.f, 240.f, 0}, {480.f, 120.f, 0}, {600.f, 1800.f, 1}}) {
        TripRecord t = trip(Mode::transit, Group::resident, Purpose::other, 5000, 60);
        t.access_s = access;
        t.egress_s = egress;
        t.gave_up = static_cast<std::uint8_t>(gave_up);
        trips.push_back(t);
    }
    const ModalSplit split = compute_modal_split(trips, bands, 0.7);
    CHECK(split.transit_trips == 3);
    CHECK(split.transit_access_egress_min == doctest::Approx(10.0));
    CHECK(split.transit_gave_up_trips == 1);
    CHECK(split.transit_gave_up_walk_min == doctest::Approx(40.0));
    CHECK(contains(format_modal_split(split),
                   "; 1 gave up at a stop and walked on 40.0 min (not counted as access and egress)\n"));
    CHECK(contains(modal_split_json(split), "\"gave_up_trips\": 1"));
}

TEST_CASE("access and egress walks per trip end: in the study area and in gateway zones") {
    // Zones 0 and 1 are in the study area, zone 2 is a gateway. Three transit trips that rode:
    //   zone 0 -> zone 2: access 6 min (study end), egress 12 min (gateway end)
    //   zone 2 -> zone 1: access 10 min (gateway end), egress 4 min (study end)
    //   zone 0 -> zone 1: access 2 min, egress 8 min (both study ends)
    // and one that gave up (left out). Per trip: (18 + 14 + 10) / 3 = 14.0 min; per end: study
    // (6 + 4 + 2 + 8) / 4 = 5.0 min, gateway (12 + 10) / 2 = 11.0 min.
    std::vector<TripRecord> trips;
    for (const auto& [from, to, access, egress, gave_up] : {std::tuple{0u, 2u, 360.f, 720.f, 0},
                                                            {2u, 1u, 600.f, 240.f, 0},
                                                            {0u, 1u, 120.f, 480.f, 0},
                                                            {2u, 0u, 60.f, 3000.f, 1}}) {
        TripRecord t = trip(Mode::transit, Group::resident, Purpose::other, 5000, 60);
        t.origin_zone = from;
        t.dest_zone = to;
        t.access_s = access;
        t.egress_s = egress;
        t.gave_up = static_cast<std::uint8_t>(gave_up);
        trips.push_back(t);
    }
    const ModalSplit split = compute_modal_split(trips, bands, 0.7, {0, 0, 1});
    CHECK(split.transit_access_egress_min == doctest::Approx(14.0));
    CHECK(split.transit_end_walk_min[0] == doctest::Approx(5.0));
    CHECK(split.transit_end_walk_min[1] == doctest::Approx(11.0));
    CHECK(contains(format_modal_split(split),
                   "per trip 14.0 min access and egress walk (per trip end: 5.0 min in the study area, 11.0 min in a "
                   "gateway zone), "));
    const std::string json = modal_split_json(split);
    CHECK(contains(json, "\"end_walk_min_study_area\": 5"));
    CHECK(contains(json, "\"end_walk_min_gateway\": 11"));
    // Without the zones' kinds there is no split: the text as before, the keys null.
    const ModalSplit plain = compute_modal_split(trips, bands, 0.7);
    CHECK(std::isnan(plain.transit_end_walk_min[0]));
    CHECK(contains(format_modal_split(plain), "per trip 14.0 min access and egress walk, "));
    CHECK(contains(modal_split_json(plain), "\"end_walk_min_gateway\": null"));
    // Every end in the study area: the gateway figure is NaN, shown as a dash.
    const ModalSplit study_only = compute_modal_split(trips, bands, 0.7, {0, 0, 0});
    CHECK(study_only.transit_end_walk_min[0] == doctest::Approx((6 + 12 + 10 + 4 + 2 + 8) / 6.0));
    CHECK(std::isnan(study_only.transit_end_walk_min[1]));
}

TEST_CASE("park-and-ride and bike-and-ride: the lots table, car parks then bike parks, each by stop name") {
    using flemsim::core::LotRecord;
    const std::vector<LotRecord> lots = {
        {2, 2, 40, 55, 47, 15, 8 * 3600},              // Campus car park, full from 08:00
        {0, 1, 30, 12, 9, 0, -1},                      // Flemingsberg bike park, never full
        {1, 2, 100, 0, 0, 0, -1},                      // Huddinge sjukhus car park, unused: not listed
        {0, 2, 10, 3, 3, 0, 7 * 3600 + 45 * 60 + 59},  // Flemingsberg car park, full from 07:45
        {3, 1, 5, 6, 6, 1, 8 * 3600 + 20 * 60},        // Visättra bike park, one over capacity
    };
    Crowding c = compute_crowding(seven_segments(), line_names, stop_names, 3);
    flemsim::report::add_lots(c, lots, stop_names);
    REQUIRE(c.lots.size() == 4);
    CHECK(c.lots[0].stop == "Campus");
    CHECK(c.lots[1].stop == "Flemingsberg");
    CHECK(c.lots[1].kind == 2);
    CHECK(c.lots[2].stop == "Flemingsberg");
    CHECK(c.lots[2].kind == 1);
    CHECK(c.lots[3].stop == "Visättra");

    const std::string text = format_crowding(c);
    INFO(text);
    // After the crowding block; the stop column as wide as "Flemingsberg" (12).
    const std::string table =
        "Park-and-ride and bike-and-ride\n"
        "  stop          kind  spaces  arrivals    peak  over capacity  full from\n"
        "  Campus        car       40        55      47             15      08:00\n"
        "  Flemingsberg  car       10         3       3              0      07:45\n"
        "  Flemingsberg  bike      30        12       9              0          -\n"
        "  Visättra      bike       5         6       6              1      08:20\n";
    CHECK(text.size() > table.size());
    CHECK(text.substr(text.size() - table.size()) == table);
    CHECK(text.rfind("Transit crowding: ", 0) == 0);

    const std::string json = modal_split_json(compute_modal_split(ten_trips(), bands, 0.7), &c);
    INFO(json);
    CHECK(contains(json,
                   "\"lots\": [\n    {\n      \"stop\": \"Campus\",\n      \"kind\": \"car\",\n      \"spaces\": 40,\n"
                   "      \"arrivals\": 55,\n      \"peak\": 47,\n      \"over_capacity\": 15,\n"
                   "      \"full_from_s\": 28800\n    },"));
    CHECK(contains(json, "\"stop\": \"Flemingsberg\",\n      \"kind\": \"bike\""));
    CHECK(contains(json, "\"full_from_s\": null"));
    CHECK_FALSE(contains(json, "Huddinge sjukhus\",\n      \"kind\""));

    // No lot had arrivals: no table, an empty array.
    Crowding none = compute_crowding(seven_segments(), line_names, stop_names, 3);
    flemsim::report::add_lots(none, {{1, 2, 100, 0, 0, 0, -1}}, stop_names);
    CHECK(none.lots.empty());
    CHECK_FALSE(contains(format_crowding(none), "Park-and-ride"));
    CHECK(contains(modal_split_json(compute_modal_split(ten_trips(), bands, 0.7), &none), "\"lots\": []"));
}
