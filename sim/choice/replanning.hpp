#pragma once
// Day-to-day replanning: after a simulated day, a share of persons reconsider the mode and
// the departure time of each of their tours against the level of service experienced so
// far (averaged over the days), and are routed anew. Departure shifts are taken from a
// window around the desired departure, with a penalty per hour of shift.
#include <cstdint>
#include <vector>

#include "sim/choice/tour_choice.hpp"
#include "sim/routing/los.hpp"
#include "sim/routing/routes.hpp"

namespace flemsim::choice {

// The plans the loop carries from day to day, per tour.
struct TourPlans {
    std::vector<core::Mode> mode;
    std::vector<std::int32_t> shift_s;  // from the desired departure (both trips of the tour)
    // Transit tours: walk, or park-and-ride or bike-and-ride and the park's stop.
    routing::TransitAccessPlan access;
};

// The access of every tour's transit trips as the level of service offers it (its trip out).
routing::TransitAccessPlan transit_access(const routing::TripLos& los);

// Departures of every trip under the plans.
std::vector<std::int32_t> trip_departures(const population::Population& pop, const TourPlans& plans);
std::vector<core::Mode> trip_modes(const population::Population& pop, const TourPlans& plans);

// Departure shifts considered: -w, -w/2, 0, w/2, w (just 0 when w is 0).
std::vector<std::int32_t> candidate_shifts(std::int32_t window_s);

struct ReplanSummary {
    std::uint64_t persons = 0;          // who reconsidered
    std::uint64_t tours = 0;            // their tours
    std::uint64_t switched = 0;         // tours whose mode or departure changed
    double gap_sum = 0;                 // sum over their tours of (best utility - current utility)
    double utility_abs_sum = 0;         // sum of |current utility|
    std::vector<std::uint8_t> reroute;  // per trip: to be routed anew
};

// Reconsiders the tours of the persons drawn for `iteration` (stream: seed, replanning,
// person, iteration), in two steps, so that the caller can have the level of service of the
// requests answered together with others (routing::LosBatch). replan_requests: who
// reconsiders and what they ask for, car and transit at each candidate departure (tour i,
// shift j, trip out 0 or back 1 at (i * shifts + j) * 2 + trip). replan: the choice given
// `los`, the answers to those requests (routing::compute_los_at: car in the averaged times,
// transit with the costs the routing context's transit model holds); walk and bike come from
// `in.los` (they do not depend on the day). With `apply` false it only measures the gap.
// With `measured_persons` > 0 and more persons drawn than that, only a fixed random subset of
// about that many is measured (each drawn person's own draw, stream last_day_gap, with
// probability measured_persons / drawn): for a replanning that is only measured (`apply` false
// below), whose gap is then the subset's. `persons` counts all those drawn, `tours` the subset's.
struct ReplanRequests {
    std::uint64_t persons = 0;
    std::uint64_t measured_persons = 0;
    std::vector<std::uint32_t> tours;
    std::vector<routing::LosRequest> requests;
};
ReplanRequests replan_requests(const ChoiceInputs& in, int iteration, std::int64_t measured_persons = 0);
ReplanSummary replan(const ChoiceInputs& in, int iteration, bool apply, TourPlans& plans, const ReplanRequests& rq,
                     const routing::RequestLos& los);

}  // namespace flemsim::choice
