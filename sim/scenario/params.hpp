#pragma once
// The model's parameters as each stage takes them. A stage sees its own struct, not the whole
// scenario; Params::from (params.cpp) is the one place where a scenario's keys become stage
// parameters. The defaults here are the only ones in the code: they serve a stage run without
// a scenario (tests, `flemsim route` without --scenario). A scenario file states every
// behavioural value itself, with its source (scenarios/flemingsberg-2017.yaml).
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::scenario {

// Mean speeds of walking and cycling (m/s): about 4.7 and 15 km/h, the usual planning
// values (assumption; scenarios state theirs under modes.walk and modes.bike).
inline constexpr double default_walk_speed_mps = 1.3;
inline constexpr double default_bike_speed_mps = 4.2;

// Transit routing (modes.transit, and the mode-choice weights for the generalised cost).
struct TransitParams {
    double max_access_walk_m = 1200;
    double max_transfer_walk_m = 400;
    double max_wait_s = 1800;
    double min_transfer_s = 0;
    // Generalised cost weights, per second (or per transfer), all >= 0.
    double w_in_vehicle = 1.0;
    double w_wait = 1.0;
    double w_walk = 1.0;
    double transfer_penalty = 0.0;
    // Schedule-based routing and the choice among journeys (modes.transit.*).
    int max_rides = 5;
    double journey_choice_scale = 5.0;  // logit among journeys, on the mode-choice utilities
    double attractive_ride_factor = 1.2;
    double crowd_onset = 0.8, crowd_seated = 1.2, crowd_standing = 1.6, crowd_crush = 2.2;
    std::uint64_t seed = 0;  // the journey drawn for a trip
    // Park-and-ride and bike-and-ride (0: not offered), with the weights of the drive (car
    // time and running cost, per second and per metre) and of the ride (bike time, per second),
    // and the walk to and from a parked car (car_access_s, as for car trips).
    double park_and_ride_max_drive_m = 15000;
    double bike_and_ride_max_ride_m = 5000;
    double w_drive = 1.0, w_drive_per_m = 0.0, w_bike = 1.0;
    double car_access_s = 0;

    // Perceived in-vehicle time multiplier at a load on a vehicle with `seats` seats and
    // `capacity` places in all: the mean over its riders (seated ones, then standing ones).
    double crowding_multiplier(double load, double seats, double capacity) const;
};

// The level of service of the street modes and transit (modes.*).
struct RoutingParams {
    double walk_speed_mps = default_walk_speed_mps;
    double bike_speed_mps = default_bike_speed_mps;
    double max_walk_trip_m = std::numeric_limits<double>::infinity();  // walk not offered beyond
    double max_bike_trip_m = std::numeric_limits<double>::infinity();  // bike not offered beyond
    double car_access_s = 0;  // walk to and from the parked car, split over both ends
    // A rider who gives up transit at a stop walks on up to this far, else takes a taxi.
    double max_give_up_walk_m = std::numeric_limits<double>::infinity();
    TransitParams transit;
};

// Day-to-day replanning (iterations.*).
struct ReplanParams {
    double replanning_share = 0.1;        // persons who reconsider their plans after a day
    double replanning_decay = 0.0;        // after day n the share is replanning_share / (n + 1)^decay
    std::int32_t departure_window_s = 0;  // departure shifts considered: up to +- this
    double shift_per_hour = 0;            // utility per hour of shift from the desired departure (<= 0)
};

// Mode choice (mode_choice.*, and the money of modes.*).
struct ChoiceParams {
    std::uint64_t seed = 0;
    double car_cost_per_km_sek = 0;
    double transit_fare_sek = 0;       // a single fare
    double transit_pass_fare_sek = 0;  // what a pass holder's pass costs per trip
    // Piecewise-linear walk and bike time (utility per minute beyond each breakpoint), log
    // distance per mode, and bike for a person without one.
    Scenario::ModeChoice::Beta::Piecewise walk_time_over_min, bike_time_over_min;
    std::array<double, core::mode_count> log_distance_km{};
    double bike_not_owned = 0;
    std::array<ModeRequirement, core::mode_count> availability = default_availability;
    // Nested logit: per mode its nest (-1: none), per nest its scale.
    std::array<int, core::mode_count> nest_of{-1, -1, -1, -1};
    std::vector<double> nest_scale;
    std::vector<std::string> nest_names;
    // Constants by distance band of the tour's trip out (none when not given).
    DistanceBandTable asc_by_band;
    // The terms of every group and purpose, resolved once.
    std::array<std::array<ModeChoiceTerms, core::purpose_count>, core::group_count> terms_by{};
    ReplanParams replanning;

    const ModeChoiceTerms& terms(core::Group g, core::Purpose p) const {
        return terms_by[static_cast<std::size_t>(g)][static_cast<std::size_t>(p)];
    }
};

// The simulated day (simulation.*, with the speeds and the car access of modes.*).
struct MobsimParams {
    std::uint64_t seed = 0;
    std::int32_t end_time_s = 36 * 3600;   // trips not ended by then are stuck
    double capacity_factor = 1.0;          // road flow and storage capacities (for samples)
    double transit_capacity_factor = 1.0;  // transit vehicle capacities (for samples)
    // Phases with fewer items than this run serially (the result is the same either way).
    std::size_t parallel_threshold = 512;
    double vehicle_length_m = 7.5;    // storage = length * lanes / this
    std::int32_t stuck_time_s = 300;  // a car blocked this long enters the next link anyway
    double walk_speed_cv = 0.0;       // per-person speed: mean * clamp(1 + cv * N(0,1), 0.5, 1.5)
    double bike_speed_cv = 0.0;
    double walk_speed_mps = default_walk_speed_mps;
    double bike_speed_mps = default_bike_speed_mps;
    double car_access_s = 0;       // walk to and from the car, half at each end
    int max_denied_boardings = 3;  // denied this often at a stop: the rider gives up transit for the trip
};

// The day-to-day loop (iterations.*).
struct LoopParams {
    int max_iterations = 1;
    int min_iterations = 1;
    double experience_weight = 0.0;     // weight of the newest day in the averages; 0: 1 / (n + 1) (MSA)
    double share_tolerance = 0.002;     // converged: no mode share moves more than this
    double time_tolerance = 0.01;       // and no mean travel time by mode moves more than this share
    double travel_time_gap = -1;        // and the car trips' relative travel-time gap is at most this (< 0: off)
    double travel_time_gap_sample = 1;  // share of car trips the gap is measured on (a fixed sample)
    // On a day known to be the last (max_iterations), at most this many of the persons drawn to
    // replan are measured (0: all): that day's replanning is only measured, not applied.
    std::int64_t last_day_gap_persons = 0;
    double reroute_share = 0;        // car trips routed anew after day n besides the replanners': share / (n + 1)^decay
    double reroute_decay = 0;        // the decay of the rerouting share (unset in the scenario: replanning_decay's)
    bool route_on_last_day = false;  // routes on the last day's car times (else on the averages)
};

struct Params {
    RoutingParams routing;
    ChoiceParams choice;
    MobsimParams mobsim;
    LoopParams loop;

    static Params from(const Scenario& s);
};

}  // namespace flemsim::scenario
