#pragma once
// The level of service of survey records that give their zone pair and departure instead of
// it (`flemsim estimate SURVEY --scenario SCENARIO.yaml`; sim/choice/survey.hpp), computed on
// the scenario's network as `flemsim route` answers a query: between the zones' centroids, one
// query per record and alternative at the record's departure (routing::answer_route_queries).
//
//   walk_time_min, bike_time_min   the walk and bike answers (unavailable beyond the scenario's
//                                  modes.walk.max_trip_m, modes.bike.max_trip_m, as in a run)
//   car_time_min                   the drive
//   car_access_min                 modes.car.access_s
//   car_cost_sek                   modes.car.cost_per_km_sek × the drive's km + the parking of
//                                  the destination zone (modes.car.parking_sek, default_parking_sek)
//   transit_in_vehicle_min, transit_wait_min, transit_transfers
//                                  the journey's components
//   transit_access_egress_min      its walks to, from and between stops (and a park-and-ride or
//                                  bike-and-ride ride to the stop, the survey having no column of
//                                  its own for that)
//   transit_cost_sek               modes.transit.fare_sek, or pass_fare_per_trip_sek where the
//                                  record's transit_pass is 1 (and park-and-ride's running cost)
//   distance_km                    the walk's, else the bike's, the drive's or the journey's
//
// A cell the record gives is kept; an alternative without an answer becomes unavailable, and a
// chosen one is an error at the record's `chosen` cell that says why (the router's reason).
#include <array>
#include <cstddef>

#include "sim/choice/survey.hpp"
#include "sim/network/network.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

struct SurveyLosSummary {
    std::size_t records = 0;  // whose level of service was computed
    std::size_t queries = 0;
    std::array<std::size_t, core::mode_count> unavailable{};  // of those records, by alternative
};

// Fills the empty cells of the records that need them (choice::needs_level_of_service) with the
// scenario's routing context; zone ids not in `net` are errors at their cell.
SurveyLosSummary fill_survey_los(choice::Survey& survey, const scenario::Scenario& s, const network::Network& net,
                                 const routing::RoutingContext& ctx);

// The same on the scenario's network (with its patch), loaded and routed only when a record
// needs it.
SurveyLosSummary fill_survey_los(choice::Survey& survey, const scenario::Scenario& s);

}  // namespace flemsim::pipeline
