#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sim/report/check_these.hpp"
#include "sim/report/modal_split.hpp"

using namespace flemsim;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

core::TripRecord transit_trip(std::int32_t first, std::int32_t last) {
    core::TripRecord t{};
    t.first_line = first;
    t.last_line = last;
    return t;
}

core::LinkVolumeRecord volume(std::uint32_t link, std::uint8_t dir, std::uint16_t hour, std::uint32_t cars) {
    return {link, dir, hour, cars, 0, 0, 0};
}

}  // namespace

TEST_CASE("check these: a static run's lines without riders and long waits") {
    // Lines 0 and 2 appear in trips (as first and as last line); line 1 in none.
    const std::vector<core::TripRecord> trips = {transit_trip(0, 0), transit_trip(-1, -1), transit_trip(0, 2)};
    const std::vector<std::string> lines = {"Pendeltåg 40", "Buss 999", "Buss 172"};
    const auto c = report::check_these({trips, lines, 7});
    CHECK_FALSE(c.simulated);
    CHECK(c.transit_waited_over_60 == 7);
    CHECK(c.lines_without_riders == std::vector<std::string>{"Buss 999"});
    CHECK(c.links_at_capacity.empty());
    CHECK_FALSE(c.loop_not_converged);
    const auto text = report::format_check_these(c);
    INFO(text);
    CHECK(text.rfind("Check these\n", 0) == 0);
    CHECK(contains(text, "  7 transit trips waited over an hour in all\n"));
    CHECK(contains(text, "  1 line carried nobody: Buss 999\n"));
}

TEST_CASE("check these: a simulated day's boardings, links at capacity all day and the loop") {
    const std::vector<core::TripRecord> trips;
    const std::vector<std::string> lines = {"A", "B"};
    // Line A boards 3 on one segment; B has segments but nobody boards.
    std::vector<core::TransitLoadRecord> load(3);
    for (auto& r : load) r = core::TransitLoadRecord{};
    load[0].line = 0;
    load[0].boardings = 3;
    load[1].line = 1;
    load[2].line = 1;
    // Link l1 (capacity 1,000 veh/h): 950 cars (95 %, counts) in hours 6..17 one way = 12 hours;
    // the other way 949 (under 95 %). Link l2: 1,000 cars for 11 hours only. Link l3 has no car
    // capacity (a footway): never flagged.
    std::vector<core::LinkVolumeRecord> volumes;
    for (std::uint16_t h = 6; h < 18; ++h) {
        volumes.push_back(volume(0, 0, h, 950));
        volumes.push_back(volume(0, 1, h, 949));
    }
    for (std::uint16_t h = 6; h < 17; ++h) volumes.push_back(volume(1, 0, h, 1000));
    for (std::uint16_t h = 0; h < 24; ++h) volumes.push_back(volume(2, 0, h, 5));
    volumes.push_back(volume(0, 0, 30, 2000));  // after midnight: not a day hour
    const std::vector<std::string> ids = {"l1", "l2", "l3"};
    const std::vector<double> capacity = {1000, 1000, 0};
    std::vector<core::IterationRecord> days(2);
    for (auto& d : days) d = core::IterationRecord{};
    days[1].travel_time_gap = 0.125;

    report::CheckInputs in{trips, lines, 0};
    in.transit_load = &load;
    in.link_volumes = &volumes;
    in.link_ids = &ids;
    in.link_capacity = &capacity;
    in.iterations = &days;
    const auto c = report::check_these(in);
    CHECK(c.simulated);
    CHECK(c.lines_without_riders == std::vector<std::string>{"B"});
    REQUIRE(c.links_at_capacity.size() == 1);
    CHECK(c.links_at_capacity[0].link == "l1");
    CHECK(c.links_at_capacity[0].direction == 0);
    CHECK(c.links_at_capacity[0].hours == 12);
    CHECK(c.loop_not_converged);
    CHECK(c.loop_days == 2);
    const auto text = report::format_check_these(c);
    INFO(text);
    CHECK(contains(text,
                   "  1 link direction at 95 % of capacity or more for 12 hours or more: l1 (as authored, 12 h)\n"));
    CHECK(contains(text,
                   "  the day-to-day loop stopped at its day limit (2 days) with travel-time gap 12.50 %: not "
                   "converged\n"));
    // In the JSON of the report.
    report::ModalSplit split;
    const auto json = report::modal_split_json(split, nullptr, nullptr, &c);
    CHECK(contains(json, "\"check_these\": {"));
    CHECK(contains(json, "\"loop_not_converged\": true"));
    CHECK(contains(json, "\"link\": \"l1\""));

    SUBCASE("nothing to flag says so") {
        days[1].converged = 1;
        load[1].boardings = 1;
        volumes.clear();
        const auto fine = report::check_these(in);
        CHECK(fine.empty());
        CHECK(contains(report::format_check_these(fine), "nothing found"));
    }
}
