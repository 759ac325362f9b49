#pragma once
// Rows of the trip log. The layout is written to HDF5 as compound types (see
// sim/output/trip_log.cpp); fields are appended, never reordered, and the schema version
// in sim/output/trip_log.hpp changes whenever they do.
#include <cstdint>

namespace flemsim::core {

// One trip. Times in seconds after midnight of the simulated day (may exceed 86,400).
// Components (seconds): a street-mode trip has its moving time in in_vehicle_s (walk: 0,
// the whole trip is access_s); car has the walk to and from the parked car in access_s
// and egress_s; transit has access walk, wait (first and at transfers), in-vehicle,
// transfer walks, egress walk. dep + all components = arr.
struct TripRecord {
    std::uint64_t trip_id;
    std::uint32_t person_id;
    std::uint16_t trip_index;    // within the person's day, from 0
    std::uint16_t tour_index;    // within the person's day, from 0
    std::uint8_t group;          // core::Group
    std::uint8_t purpose;        // core::Purpose of the tour
    std::uint8_t mode;           // core::Mode
    std::uint8_t dest_activity;  // core::Activity
    std::uint32_t origin_zone;
    std::uint32_t dest_zone;
    std::uint32_t origin_node;
    std::uint32_t dest_node;
    std::int32_t dep_time_s;
    std::int32_t arr_time_s;
    float distance_m;
    float in_vehicle_s;
    float wait_s;
    float access_s;
    float egress_s;
    float transfer_walk_s;
    std::uint16_t transfers;
    std::int32_t board_stop;   // first boarding stop, -1 if not transit
    std::int32_t alight_stop;  // last alighting stop, -1 if not transit
    std::int32_t first_line;   // -1 if not transit
    std::int32_t last_line;    // -1 if not transit
    float cost_sek;            // out-of-pocket: fare, car running cost, parking
};

// One person.
struct PersonRecord {
    std::uint32_t person_id;
    std::uint8_t group;  // core::Group
    std::uint8_t car_available;
    std::uint8_t bike_owner;
    std::uint8_t transit_pass;
    std::uint32_t home_zone;
    std::uint32_t home_node;
    std::int32_t work_zone;   // -1 when the person has no workplace
    std::int32_t study_zone;  // -1 when the person has no study place
    std::uint16_t trip_count;
};

}  // namespace flemsim::core
