// Writes a hand-made trip log of 5 trips (one person each, every mode) to argv[1], for the
// Python analysis check tests/analysis/test_trips_to_pandas.py.
#include <cstdio>
#include <exception>

#include "sim/core/types.hpp"
#include "sim/output/trip_log.hpp"

int main(int argc, char** argv) {
    using namespace flemsim;
    if (argc != 2) {
        std::fprintf(stderr, "usage: write_sample_trip_log OUT.h5\n");
        return 2;
    }
    output::TripLogMeta meta;
    meta.program_version = "sample";
    meta.scenario_name = "sample";
    meta.seed = 1;
    meta.scenario_yaml = "name: sample\n";
    meta.created_utc = "2024-01-01T00:00:00Z";
    meta.distance_bands_km = {1, 3, 5, 10, 20};

    output::Lookups lookups;
    lookups.zones = {{"z1", "Centrum", "study", 0, 0, 59.22, 17.95},
                     {"z2", "Campus", "study", 800, 300, 59.223, 17.96}};

    constexpr core::Mode modes[] = {core::Mode::walk, core::Mode::bike, core::Mode::transit, core::Mode::car,
                                    core::Mode::walk};
    std::vector<core::TripRecord> trips;
    std::vector<core::PersonRecord> persons;
    for (std::uint32_t i = 0; i < 5; ++i) {
        core::TripRecord t{};
        t.trip_id = i;
        t.person_id = i;
        t.group = static_cast<std::uint8_t>(core::Group::resident);
        t.purpose = static_cast<std::uint8_t>(core::Purpose::other);
        t.mode = static_cast<std::uint8_t>(modes[i]);
        t.dest_activity = static_cast<std::uint8_t>(core::Activity::other);
        t.origin_zone = 0;
        t.dest_zone = 1;
        t.dep_time_s = 28800 + 60 * static_cast<std::int32_t>(i);
        t.arr_time_s = t.dep_time_s + 600;
        t.distance_m = 850.0f * static_cast<float>(i + 1);
        t.access_s = 600;
        t.board_stop = t.alight_stop = t.first_line = t.last_line = -1;
        trips.push_back(t);

        core::PersonRecord p{};
        p.person_id = i;
        p.group = t.group;
        p.work_zone = p.study_zone = -1;
        p.trip_count = 1;
        persons.push_back(p);
    }
    try {
        output::write_trip_log(argv[1], meta, lookups, trips, persons, {});
    } catch (const std::exception& e) {
        std::fprintf(stderr, "write_sample_trip_log: %s\n", e.what());
        return 1;
    }
    return 0;
}
