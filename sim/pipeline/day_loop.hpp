#pragma once
// The day-to-day loop: simulate a day, average what was experienced, let a share of
// persons replan, route them anew; until the modal split and the mean travel times settle.
#include <functional>
#include <string>
#include <vector>

#include "sim/choice/replanning.hpp"
#include "sim/core/records.hpp"
#include "sim/mobsim/mobsim.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/routing/routes.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::pipeline {

struct LoopResult {
    choice::TourPlans plans;
    std::vector<core::Mode> trip_mode;
    std::vector<std::int32_t> trip_dep;
    routing::TripRoutes routes;
    mobsim::DayResult day;  // the last simulated day
    std::vector<core::IterationRecord> iterations;
    std::vector<double> iteration_seconds;
    // Wall seconds of the loop's steps, summed over the days (printed, not written to files):
    // the first day's routes, the mobsim (on the last day with the walk and bike paths traced
    // beside it), the day's averages with the level of service of the gap and the replanning, the
    // gap's sum with the replanning's choices, the routes anew, and the last day's walk and bike
    // link volumes (counted along the traced paths, or traced after a day found to be the last).
    struct StepSeconds {
        double first_routes = 0, mobsim = 0, level_of_service = 0, replanning = 0, routes = 0, volumes = 0;
    } step_seconds;
};

LoopResult run_day_loop(const scenario::Params& params, routing::RoutingContext& ctx, const choice::ChoiceInputs& in,
                        const std::vector<core::Mode>& initial_modes,
                        const std::function<void(const std::string&)>& say);

// The fields of a trip row that do not depend on how it went: ids, indices, group,
// purpose, mode, activity, zones and nodes; all else zero, stops and lines -1.
core::TripRecord trip_skeleton(const population::Population& pop, std::uint32_t person, std::size_t trip,
                               core::Mode mode);

// Trip, leg, link-volume and transit-load rows of the last day. Trips and legs are made
// on demand, block by block, as the trip log writes them.
std::vector<core::TripRecord> simulated_trips(const choice::ChoiceInputs& in, const routing::RoutingContext& ctx,
                                              const LoopResult& loop);
output::RowSource<core::TripRecord> simulated_trip_rows(const choice::ChoiceInputs& in,
                                                        const routing::RoutingContext& ctx, const LoopResult& loop);
output::SimulationSources simulation_sources(const population::Population& pop, const routing::RoutingContext& ctx,
                                             const LoopResult& loop);

}  // namespace flemsim::pipeline
