#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/report/modal_split.hpp"

using flemsim::core::Group;
using flemsim::core::Mode;
using flemsim::core::Purpose;
using flemsim::core::TripRecord;
using flemsim::report::compute_modal_split;
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
    CHECK(contains(text, "Sustainable share (walk + bike + transit): 70.0 % — target 70.0 % — MET\n"));
    // overall: walk bike transit car sustainable trips
    CHECK(contains(text, "20.0     20.0     30.0     30.0         70.0        10\n"));
    CHECK(contains(text, "  residents (all)"));
    CHECK(contains(text, "  20+ km"));
    // resident_student has no bike trips: 0.0, not "-"; a group without trips shows "-".
    CHECK(contains(text, "  resident_student      100.0      0.0      0.0      0.0        100.0         1\n"));
    CHECK(contains(text, "travel time (min)        15.0     12.5     40.0     15.0\n"));

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
