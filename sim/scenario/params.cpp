#include "sim/scenario/params.hpp"

namespace flemsim::scenario {

namespace {

RoutingParams routing_params(const Scenario& s) {
    RoutingParams r;
    r.walk_speed_mps = s.modes.walk.speed_mps;
    r.bike_speed_mps = s.modes.bike.speed_mps;
    r.max_walk_trip_m = s.modes.walk.max_trip_m;
    r.max_bike_trip_m = s.modes.bike.max_trip_m;
    r.car_access_s = s.modes.car.access_s;
    auto& t = r.transit;
    t.max_access_walk_m = s.modes.transit.max_access_walk_m;
    t.max_transfer_walk_m = s.modes.transit.max_transfer_walk_m;
    t.wait_factor = s.modes.transit.wait_factor;
    t.max_wait_s = s.modes.transit.max_wait_s;
    t.min_transfer_s = s.modes.transit.min_transfer_s;
    // Route choice uses the mode-choice weights (utility per minute, negated, per second).
    const auto& b = s.mode_choice.beta;
    t.w_in_vehicle = -b.time_per_min[static_cast<std::size_t>(core::Mode::transit)] / 60.0;
    t.w_wait = -b.wait_per_min / 60.0;
    t.w_walk = -b.access_egress_per_min / 60.0;
    t.transfer_penalty = -b.transfer;
    return r;
}

ChoiceParams choice_params(const Scenario& s) {
    ChoiceParams c;
    c.seed = s.seed;
    c.car_cost_per_km_sek = s.modes.car.cost_per_km_sek;
    c.transit_fare_sek = s.modes.transit.fare_sek;
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
    return m;
}

LoopParams loop_params(const Scenario& s) {
    LoopParams l;
    l.max_iterations = s.iterations.max;
    l.min_iterations = s.iterations.min;
    l.experience_weight = s.iterations.experience_weight;
    l.share_tolerance = s.iterations.share_tolerance;
    l.time_tolerance = s.iterations.time_tolerance;
    return l;
}

}  // namespace

Params Params::from(const Scenario& s) {
    return {routing_params(s), choice_params(s), mobsim_params(s), loop_params(s)};
}

}  // namespace flemsim::scenario
