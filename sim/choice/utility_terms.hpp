#pragma once
// The terms of the mode-choice utility: the one place that says how each coefficient's feature
// is computed from a record's level of service. `flemsim estimate` fits these coefficients and
// writes them under the scenario keys of `mode_choice`; the simulation's utility must use the
// same definitions (and should call term_features), or the estimates mean something else there.
//
//   name                                 alternative   feature
//   asc.walk, asc.bike, asc.transit      that one      1            (car is the reference, 0)
//   beta.time_per_min.walk               walk          walk_time_min
//   beta.time_per_min.bike               bike          bike_time_min
//   beta.time_per_min.transit            transit       transit_in_vehicle_min
//   beta.time_per_min.car                car           car_time_min
//   beta.wait_per_min                    transit       transit_wait_min
//   beta.access_egress_per_min           transit, car  transit_access_egress_min, car_access_min
//   beta.transfer                        transit       transit_transfers
//   beta.cost_per_sek                    transit, car  transit_cost_sek, car_cost_sek
//   beta.walk_time_over_min.<b>          walk          max(0, walk_time_min − b)   b: 15, 30 by default
//   beta.bike_time_over_min.<b>          bike          max(0, bike_time_min − b)   b: 20, 40 by default
//   beta.log_distance_km.walk            walk          ln(1 + distance_km)
//   beta.log_distance_km.bike            bike          ln(1 + distance_km)
//
// The piecewise-linear walk and bike time: beta.time_per_min.walk is the slope up to the first
// breakpoint, and each beta.walk_time_over_min.<b> adds to the slope beyond b minutes, so the
// disutility of long walks grows without a hard limit. In the scenario fragment the breakpoints
// and their extra slopes are written as
//   walk_time_over_min: {breakpoints_min: [15, 30], per_min: [..., ...]}
// and the nests as `nests: {<name>: {alternatives: [...], scale: λ}}` (nested_logit.hpp).
#include <array>
#include <string>
#include <vector>

#include "sim/choice/estimation.hpp"
#include "sim/choice/survey.hpp"
#include "sim/core/types.hpp"

namespace flemsim::choice {

enum class TermKind : std::uint8_t {
    asc,
    time_per_min,
    wait_per_min,
    access_egress_per_min,
    transfer,
    cost_per_sek,
    walk_time_over_min,
    bike_time_over_min,
    log_distance_km,
};

struct Term {
    TermKind kind = TermKind::asc;
    core::Mode mode = core::Mode::walk;  // for asc, time_per_min, log_distance_km
    double breakpoint_min = 0;           // for walk_time_over_min, bike_time_over_min
    std::string name;                    // as in the table above
};

struct TermOptions {
    std::vector<double> walk_breakpoints_min = {15, 30};
    std::vector<double> bike_breakpoints_min = {20, 40};
};

// The default model of `flemsim estimate`, in the order of the table above.
std::vector<Term> default_terms(const TermOptions& o = {});

// Adds the term's feature to x (one value per alternative, in core::Mode order).
void add_term_features(const Term& t, const LevelOfService& los, std::array<double, core::mode_count>& x);

// The estimation data of a survey for `terms` (X with one column per term).
ChoiceData choice_data(const Survey& s, const std::vector<Term>& terms);

// Breakpoints in a name: "beta.walk_time_over_min.15" for 15, "beta.walk_time_over_min.7.5" for 7.5.
std::string breakpoint_text(double minutes);

}  // namespace flemsim::choice
