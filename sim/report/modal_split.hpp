#pragma once
// The modal split of a set of trips: overall, by group, by purpose and by distance band,
// and the sustainable share (walk + bike + transit) against the target.
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/core/records.hpp"
#include "sim/core/types.hpp"

namespace flemsim::report {

struct SplitRow {
    std::string name;
    std::array<std::uint64_t, core::mode_count> trips{};
    std::uint64_t total() const;
    double share(core::Mode m) const;  // 0 when the row is empty
    double sustainable_share() const;
};

struct ModalSplit {
    std::string scenario_name;
    std::uint64_t seed = 0;
    std::string run;  // "static" (level of service only) or "simulated" (a simulated day); "" unknown
    std::vector<std::string> overrides;  // the run's --set overrides (key.path=value), part of its title
    std::vector<std::string> packages;   // the options its package combines, part of its title
    SplitRow overall;
    // One per core::Group in enum order, then the roll-ups "residents (all)" (the three
    // resident groups), "workers (all)" (resident_worker + worker) and "students (all)"
    // (resident_student + student).
    std::vector<SplitRow> by_group;
    std::vector<SplitRow> by_purpose;  // one per core::Purpose
    // One per band: limits {1, 3, 5, 10, 20} give "0-1 km", "1-3 km", ..., "20+ km"; a trip
    // of exactly a limit counts in the band above it.
    std::vector<SplitRow> by_distance;
    // By mode: door to door (arr - dep), and distance; NaN for a mode without trips.
    std::array<double, core::mode_count> mean_travel_min{};  // of trips that ended (not stuck)
    // The median and the 90th percentile of the same (linear between order statistics, as
    // numpy's default); NaN for a mode without trips.
    std::array<double, core::mode_count> median_travel_min{}, p90_travel_min{};
    std::array<double, core::mode_count> mean_distance_km{};
    // Transit trips (not stuck): mean minutes per trip of the access and egress walks
    // together, of waiting (first stop and transfers) and on board; and how many waited more
    // than 30 and more than 60 minutes in all. NaN means without transit trips.
    double transit_access_egress_min = 0, transit_wait_min = 0, transit_in_vehicle_min = 0;
    // The same walks per trip end, by where the end is: [0] a zone of the study area, [1] a
    // gateway zone (the rest of the region: a walk there stands for the whole way to or from
    // its station); NaN without such ends. Only with the zones' kinds (compute_modal_split).
    std::array<double, 2> transit_end_walk_min{std::numeric_limits<double>::quiet_NaN(),
                                               std::numeric_limits<double>::quiet_NaN()};
    std::uint64_t transit_trips = 0, transit_wait_over_30 = 0, transit_wait_over_60 = 0;
    // Trips that gave up transit at a stop (a simulated day) walk on or take a taxi: their walks
    // are not access or egress, so transit_access_egress_min leaves them out and they are here.
    std::uint64_t transit_gave_up_trips = 0;
    double transit_gave_up_walk_min = 0;
    // Of those transit trips, how many reached transit by a car or bike left at a stop
    // (TripRecord::transit_access).
    std::uint64_t transit_park_and_ride = 0, transit_bike_and_ride = 0;
    double target = 0.7;
    double sustainable_share() const { return overall.sustainable_share(); }
    bool target_met() const { return sustainable_share() >= target; }
};

// Trips by mode per distance band, trip t in the band of km_of_trip[t] (one value per trip)
// rather than of the distance it travelled; rows as ModalSplit::by_distance.
std::vector<SplitRow> split_by_distance(const std::vector<core::TripRecord>& trips,
                                        const std::vector<float>& km_of_trip, const std::vector<double>& limits_km);

// `distance_bands_km`: increasing upper limits, all > 0. `gateway_zone[z]` != 0 for a gateway
// zone (empty: the walks per trip end are not split). Leaves scenario_name and seed for the
// caller to fill in.
ModalSplit compute_modal_split(const std::vector<core::TripRecord>& trips, const std::vector<double>& distance_bands_km,
                               double target, const std::vector<std::uint8_t>& gateway_zone = {});

// Crowding of a simulated day by line and hour: for each line and hour of departure its most
// crowded segment by load factor (on board over capacity; ties by vehicle trip and segment),
// the vehicle trips of that hour and their segments with standing passengers; the most
// crowded line-hours first (one row per line and hour, not every segment of one busy bus).
struct CrowdedSegment {
    std::string line;                // line name
    std::int32_t hour = 0;           // of departure from the segment's first stop (24 and on: after midnight)
    std::string from_stop, to_stop;  // stop names of the line-hour's most crowded segment
    std::int32_t depart_s = 0;
    std::uint32_t onboard = 0, capacity = 0;
    double load_factor = 0;
    std::uint32_t vehicle_trips = 0;         // of the line in that hour
    std::uint32_t segments_over_seated = 0;  // of those trips' segments
};
// One line's day: boardings, boardings denied (a full vehicle left the rider behind),
// passenger-kilometres are not known here (segments carry no length), and the highest load
// factor of any of its segments.
struct LineUse {
    std::string line;  // line name
    std::uint64_t boardings = 0, denied = 0;
    std::uint64_t gave_up = 0;  // riders who gave up transit when one of its vehicles left them
    double peak_load_factor = 0;
};
// A car park or bike park at a stop over the simulated day (core::LotRecord, with names).
struct LotUse {
    std::string stop;       // stop name
    std::uint8_t kind = 0;  // core::access_park_and_ride (car park) or access_bike_and_ride (bike park)
    std::uint32_t spaces = 0, arrivals = 0, peak = 0, over_capacity = 0;
    std::int32_t full_from_s = -1;  // -1: never full
};
struct Crowding {
    std::vector<CrowdedSegment> most_crowded;  // line-hours, most crowded first, at most top_n
    std::vector<LineUse> by_line;              // every line in the load records, in line order
    std::uint64_t denied_boardings = 0;
    std::uint64_t gave_up = 0;  // riders who gave up transit after max_denied_boardings at a stop
    // Riders who gave up when their trip had waited max_wait_s in all (count_gave_up_waiting).
    std::uint64_t gave_up_waiting = 0;
    std::uint64_t boardings = 0;
    std::uint64_t segments_over_seated = 0;  // segments with more on board than seats
    std::uint64_t segments_full = 0;         // segments at capacity
    // Lots that had arrivals (add_lots): car parks, then bike parks, each by stop name.
    std::vector<LotUse> lots;
};

Crowding compute_crowding(const std::vector<core::TransitLoadRecord>& load, const std::vector<std::string>& line_names,
                          const std::vector<std::string>& stop_names, std::size_t top_n = 10);
// The trips that gave up transit at a stop (TripRecord::gave_up) less those after denied
// boardings (crowding.gave_up): the riders who gave up after waiting max_wait_s in all.
void count_gave_up_waiting(Crowding& crowding, const std::vector<core::TripRecord>& trips);
// The lots of `lots` that had arrivals into crowding.lots, car parks first, then bike parks,
// each by stop name (then stop number).
void add_lots(Crowding& crowding, const std::vector<core::LotRecord>& lots, const std::vector<std::string>& stop_names);
// The crowding block, then the table of lots when any had arrivals.
std::string format_crowding(const Crowding& crowding);

// The convergence table of the day-to-day loop (one line per iteration).
std::string format_iterations(const std::vector<core::IterationRecord>& iterations);
// The loop's verdict after its last day: "converged after N days: travel-time gap X %, largest
// share change Y points" or "stopped at the day limit (N days) with ...: not converged"; "" when
// there was no day.
std::string loop_verdict(const std::vector<core::IterationRecord>& iterations);
// A run's package and --set overrides as part of its title: " (package: a + b) with --set a=1,
// b=2", or "" without either.
std::string title_suffix(const std::vector<std::string>& overrides, const std::vector<std::string>& packages = {});

// The console table (plain text, fixed width).
std::string format_modal_split(const ModalSplit& split);
// The same as JSON; with a simulated day also "crowding", "lots" and "iterations".
// With `check`, also "check_these" (sim/report/check_these.hpp).
struct CheckThese;
std::string modal_split_json(const ModalSplit& split, const Crowding* crowding = nullptr,
                             const std::vector<core::IterationRecord>* iterations = nullptr,
                             const CheckThese* check = nullptr);

}  // namespace flemsim::report
