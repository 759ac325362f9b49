#include "sim/scenario/params.hpp"

#include <algorithm>

namespace flemsim::scenario {

double TransitParams::crowding_multiplier(double load, double seats, double capacity) const {
    if (load <= 0) return 1.0;
    seats = std::max(seats, 1.0);
    const double lf = load / seats;
    // Seated riders: 1 up to the onset, rising linearly to crowd_seated at a full set of seats.
    const double seated =
        lf <= crowd_onset ? 1.0 : 1.0 + (crowd_seated - 1.0) * std::min(1.0, (lf - crowd_onset) / (1.0 - crowd_onset));
    if (load <= seats) return seated;
    // Standing riders: crowd_standing just beyond the seats, crowd_crush at full capacity.
    const double room = std::max(capacity - seats, 1.0);
    const double density = std::min(1.0, (load - seats) / room);
    const double standing = crowd_standing + (crowd_crush - crowd_standing) * density;
    return (seats * crowd_seated + (load - seats) * standing) / load;
}

namespace {

RoutingParams routing_params(const Scenario& s) {
    RoutingParams r;
    r.walk_speed_mps = s.modes.walk.speed_mps;
    r.bike_speed_mps = s.modes.bike.speed_mps;
    r.max_walk_trip_m = s.modes.walk.max_trip_m;
    r.max_bike_trip_m = s.modes.bike.max_trip_m;
    r.max_give_up_walk_m = s.simulation.max_give_up_walk_m;
    r.car_access_s = s.modes.car.access_s;
    auto& t = r.transit;
    t.max_access_walk_m = s.modes.transit.max_access_walk_m;
    t.max_transfer_walk_m = s.modes.transit.max_transfer_walk_m;
    t.max_wait_s = s.modes.transit.max_wait_s;
    t.min_transfer_s = s.modes.transit.min_transfer_s;
    const auto& tr = s.modes.transit;
    t.max_rides = tr.max_rides;
    t.journey_choice_scale = tr.journey_choice_scale;
    t.attractive_ride_factor = tr.attractive_ride_factor;
    t.crowd_onset = tr.crowding.onset_load_factor;
    t.crowd_seated = tr.crowding.seated_multiplier;
    t.crowd_standing = tr.crowding.standing_multiplier;
    t.crowd_crush = tr.crowding.crush_multiplier;
    t.seed = s.seed;
    // Route choice uses the mode-choice weights (utility per minute, negated, per second).
    const auto& b = s.mode_choice.beta;
    t.w_in_vehicle = -b.time_per_min[static_cast<std::size_t>(core::Mode::transit)] / 60.0;
    t.w_wait = -b.wait_per_min / 60.0;
    t.w_walk = -b.access_egress_per_min / 60.0;
    t.transfer_penalty = -b.transfer;
    t.park_and_ride_max_drive_m = tr.park_and_ride_max_drive_m;
    t.bike_and_ride_max_ride_m = tr.bike_and_ride_max_ride_m;
    t.w_drive = -b.time_per_min[static_cast<std::size_t>(core::Mode::car)] / 60.0;
    t.w_bike = -b.time_per_min[static_cast<std::size_t>(core::Mode::bike)] / 60.0;
    t.w_drive_per_m = -b.cost_per_sek * s.modes.car.cost_per_km_sek / 1000.0;
    t.car_access_s = s.modes.car.access_s;
    return r;
}

ChoiceParams choice_params(const Scenario& s) {
    ChoiceParams c;
    c.seed = s.seed;
    c.car_cost_per_km_sek = s.modes.car.cost_per_km_sek;
    c.transit_fare_sek = s.modes.transit.fare_sek;
    c.transit_pass_fare_sek = s.modes.transit.pass_fare_per_trip_sek;
    const auto& b = s.mode_choice.beta;
    c.walk_time_over_min = b.walk_time_over_min;
    c.bike_time_over_min = b.bike_time_over_min;
    c.log_distance_km = b.log_distance_km;
    c.bike_not_owned = b.bike_not_owned;
    c.availability = s.mode_choice.availability;
    for (const auto& nest : s.mode_choice.nests) {
        for (const auto m : nest.modes) c.nest_of[static_cast<std::size_t>(m)] = static_cast<int>(c.nest_scale.size());
        c.nest_scale.push_back(nest.scale);
        c.nest_names.push_back(nest.name);
    }
    c.asc_by_band = s.mode_choice.asc_by_distance_band;
    for (std::size_t g = 0; g < core::group_count; ++g)
        for (std::size_t p = 0; p < core::purpose_count; ++p)
            c.terms_by[g][p] = s.mode_choice.terms(static_cast<core::Group>(g), static_cast<core::Purpose>(p));
    c.replanning.replanning_share = s.iterations.replanning_share;
    c.replanning.replanning_decay = s.iterations.replanning_decay;
    c.replanning.departure_window_s = s.iterations.departure_window_s;
    c.replanning.shift_per_hour = s.iterations.shift_per_hour;
    return c;
}

MobsimParams mobsim_params(const Scenario& s) {
    MobsimParams m;
    m.seed = s.seed;
    m.end_time_s = s.simulation.end_time;
    m.capacity_factor = s.simulation.capacity_factor;
    m.transit_capacity_factor = s.simulation.transit_capacity_factor;
    m.vehicle_length_m = s.simulation.vehicle_length_m;
    m.stuck_time_s = s.simulation.stuck_time_s;
    m.walk_speed_cv = s.modes.walk.speed_cv;
    m.bike_speed_cv = s.modes.bike.speed_cv;
    m.walk_speed_mps = s.modes.walk.speed_mps;
    m.bike_speed_mps = s.modes.bike.speed_mps;
    m.car_access_s = s.modes.car.access_s;
    m.max_denied_boardings = s.simulation.max_denied_boardings;
    return m;
}

LoopParams loop_params(const Scenario& s) {
    LoopParams l;
    l.max_iterations = s.iterations.max;
    l.min_iterations = s.iterations.min;
    l.experience_weight = s.iterations.experience_weight;
    l.share_tolerance = s.iterations.share_tolerance;
    l.time_tolerance = s.iterations.time_tolerance;
    l.travel_time_gap = s.iterations.travel_time_gap;
    l.travel_time_gap_sample = s.iterations.travel_time_gap_sample;
    l.last_day_gap_persons = s.iterations.last_day_gap_persons;
    l.reroute_share = s.iterations.reroute_share;
    l.reroute_decay = s.iterations.reroute_decay >= 0 ? s.iterations.reroute_decay : s.iterations.replanning_decay;
    l.route_on_last_day = s.iterations.route_on_last_day;
    return l;
}

}  // namespace

Params Params::from(const Scenario& s) {
    return {routing_params(s), choice_params(s), mobsim_params(s), loop_params(s)};
}

}  // namespace flemsim::scenario
