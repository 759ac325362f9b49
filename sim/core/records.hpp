#pragma once
// Rows of the trip log. The layout is written to HDF5 as compound types (see
// sim/output/trip_log.cpp); fields are appended, never reordered, and the schema version
// in sim/output/trip_log.hpp changes whenever they do. == compares field by field (floats
// as numbers: a NaN never equals itself), not the padding bytes.
#include <cstdint>

namespace flemsim::core {

// How a transit trip reached its first stop or left its last (TripRecord::transit_access,
// LotRecord::kind): on foot, or by a bike or car parked at the stop's lot. The values are those
// of routing::TransitAccess.
inline constexpr std::uint8_t access_walk = 0;
inline constexpr std::uint8_t access_bike_and_ride = 1;
inline constexpr std::uint8_t access_park_and_ride = 2;

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
    // Appended in schema 2 (simulated days):
    std::uint16_t denied_boardings;  // transit vehicles that left the traveller behind, full
    std::uint8_t stuck;              // 1 when the trip had not ended by the end of the simulated day
    // Appended in schema 3 (timetable transit):
    std::uint8_t gave_up;  // 1 when the rider gave up transit at a stop (max_denied_boardings, or max_wait_s waited)
    // Appended in schema 4 (park-and-ride, bike-and-ride):
    std::uint8_t transit_access;  // transit: access_walk, access_bike_and_ride, access_park_and_ride; else 0

    bool operator==(const TripRecord&) const = default;
};

// One leg of a simulated trip (schema 2): a walk, a bike ride, a car drive or a ride on one
// transit vehicle trip. Times in seconds after midnight.
struct LegRecord {
    std::uint64_t trip_id;
    std::uint32_t person_id;
    std::uint16_t leg_index;    // within the trip, from 0
    std::uint8_t mode;          // core::Mode: walk for access, egress and transfer walks
    std::int32_t line;          // transit: line number (/lookup/lines), else -1
    std::int32_t vehicle_trip;  // transit: row of the vehicle trip (see TransitLoadRecord), else -1
    std::int32_t board_stop;    // transit: stop numbers (/lookup/stops), else -1
    std::int32_t alight_stop;
    std::int32_t start_s;  // leg begins (transit: arrival at the stop)
    std::int32_t board_s;  // transit: boarding; otherwise equal to start_s
    std::int32_t end_s;    // leg ends (transit: alighting)
    float distance_m;
    std::uint16_t denied_boardings;

    bool operator==(const LegRecord&) const = default;
};

// Traffic entering one network link in one direction during one hour of the day (schema 2).
struct LinkVolumeRecord {
    std::uint32_t link;      // row of links.csv (/lookup/links)
    std::uint8_t direction;  // 0: from -> to as authored, 1: to -> from
    std::uint16_t hour;      // 0..47 (hours after midnight; later trips are in the last hour)
    std::uint32_t cars;
    std::uint32_t buses;
    std::uint32_t walkers;
    std::uint32_t cyclists;

    bool operator==(const LinkVolumeRecord&) const = default;
};

// Load of one transit vehicle trip on one segment, from a stop to the next (schema 2).
struct TransitLoadRecord {
    std::uint32_t vehicle_trip;  // 0, 1, 2, ... in (line, direction, departure) order
    std::int32_t line;
    std::uint8_t direction;  // 0: stops as authored, 1: reversed
    std::uint16_t segment;   // 0 for the first stop to the second
    std::int32_t from_stop;
    std::int32_t to_stop;
    std::int32_t depart_s;  // leaves from_stop (simulated)
    std::int32_t arrive_s;  // reaches to_stop (simulated)
    std::int32_t scheduled_depart_s;
    std::uint32_t boardings;   // at from_stop
    std::uint32_t alightings;  // at from_stop
    std::uint32_t denied;      // passengers left at from_stop because the vehicle was full
    std::uint32_t onboard;     // on the segment
    std::uint32_t seated;      // seats of the vehicle
    std::uint32_t capacity;    // seats plus standing places
    // Appended in schema 3: riders who gave up transit at from_stop when this vehicle left
    // them behind for the last time they would wait (they are among `denied`).
    std::uint32_t gave_up;

    bool operator==(const TransitLoadRecord&) const = default;
};

// One car park or bike park at a stop over the simulated day (schema 4): its spaces (scaled
// like the transit vehicles' places for a population sample), the cars or bikes that arrived,
// the most parked at once, the arrivals that found it full (they parked over capacity) and
// the first second it was full.
struct LotRecord {
    std::int32_t stop;     // stop number (/lookup/stops)
    std::uint8_t kind;     // access_bike_and_ride (1): bike park; access_park_and_ride (2): car park
    std::uint32_t spaces;  // after transit_capacity_factor
    std::uint32_t arrivals;
    std::uint32_t peak;
    std::uint32_t over_capacity;
    std::int32_t full_from_s;  // -1: never full

    bool operator==(const LotRecord&) const = default;
};

// One iteration of the day-to-day loop (schema 2).
struct IterationRecord {
    std::uint16_t iteration;  // from 0
    std::uint64_t trips;
    double share_walk, share_bike, share_transit, share_car;
    double sustainable_share;
    double mean_min_walk, mean_min_bike, mean_min_transit, mean_min_car;  // experienced door to door
    double replanning_share;  // of persons who reconsidered their plans after this iteration
    double switched_share;    // of replanning persons' tours that changed mode or departure
    double gap_util;          // mean utility a replanning tour could gain (>= 0)
    double relative_gap;      // sum of gains / sum of |utility| over replanning tours
    std::uint64_t denied_boardings;
    std::uint64_t stuck_trips;
    std::uint8_t converged;  // 1 when the convergence criteria held after this iteration
    // Appended in schema 3: trips whose rider gave up transit after the limit of denied boardings.
    std::uint64_t gave_up_trips;
    // Appended in schema 5. The car trips' relative travel-time gap of the day: (experienced -
    // shortest) / experienced, summed over the car trips that arrived, the shortest path under
    // the day's own link times of the departure hour (0 without car trips).
    double travel_time_gap;
    // The largest change of a mode share from the day before (0 on the first day).
    double share_change;

    bool operator==(const IterationRecord&) const = default;
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

    bool operator==(const PersonRecord&) const = default;
};

}  // namespace flemsim::core
