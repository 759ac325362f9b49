#pragma once
// The mobility simulation: plays one day of every person's plan in time steps of one
// second. Cars move on a queue model per link (free-flow time, flow capacity, storage
// capacity, spillback); transit vehicles run their timetable trip by trip with a capacity,
// passengers board in arrival order while there is room and are otherwise left for the next
// vehicle; buses on roads share the links with cars; walkers and cyclists move at their own
// speed. Each step has phases (read the state, write intents; resolve them per link in id
// order; apply), so the result does not depend on the number of threads.
//
// Design. The day is four engines, each owning its columns, and a loop over the phases of
// a second (phases.hpp: the enum Phase and `step_order`, the only place that sets the order).
// - EventWheel (event_wheel.hpp): one bucket of events per second; owns nothing of the result.
// - Travellers (travellers.hpp): per trip its person, started and done flags; per leg its
//   trip; per person the walk and bike speed factors. Writes DayResult's per-trip columns
//   (dep_s, arr_s, the sums, denied, stuck, stuck_trips) and per leg leg_start_s, leg_end_s,
//   leg_distance_m; sizes walkers and cyclists (filled by add_walk_bike_volumes).
// - LinkQueues (link_queues.hpp): per car arc free-flow time, tokens, storage, the queue and
//   its head, the waiting list to enter it. Writes cars, buses, car_time_sum and
//   car_time_count, and leg_board_s of car legs (the second the car enters the road).
// - TransitVehicles (transit_vehicles.hpp): per boarding route node the stop queue, per
//   vehicle trip the passengers on board, its next stop and last departure. Writes
//   transit_load, wait_sum/count, ride_sum/count, denied_boardings, and per ride leg
//   leg_board_s, leg_vehicle_trip and leg_denied.
// Engines hand work on through the wheel (later seconds) or through lists the day passes
// from one phase to the next (the same second); a vehicle on the road is a typed VehicleRef
// (engine.hpp): a car leg or a bus's vehicle trip.
#include <cstdint>
#include <vector>

#include "sim/core/records.hpp"
#include "sim/core/types.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/routing/routes.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::mobsim {

// Parameters (simulation.* and the speeds of modes.*): sim/scenario/params.hpp.
using MobsimParams = scenario::MobsimParams;

// The timetable as vehicle trips: each headway interval of a line's direction expanded into
// departures from the first stop; numbered by (line, direction, departure).
struct Timetable {
    std::vector<std::uint32_t> first_rn;  // route node of the first stop
    std::vector<std::uint16_t> stop_count;
    std::vector<std::int32_t> departure_s;  // from the first stop
    std::vector<std::uint32_t> first_time;  // CSR into sched_arrive_s / sched_depart_s
    std::vector<std::int32_t> sched_arrive_s;
    std::vector<std::int32_t> sched_depart_s;
    std::vector<std::uint32_t> capacity;  // seats + standing, after capacity_factor
    std::vector<std::uint32_t> seated;
    std::size_t size() const { return departure_s.size(); }
};

// Which lines run on roads among cars (network lines.csv `road`), and the car path of each
// segment of such lines (empty: the segment has no car path and runs on its timetable).
struct BusRoutes {
    std::vector<std::uint32_t> rn_first_arc;  // per route node: car arcs to the next route node (CSR)
    std::vector<std::uint32_t> arcs;
    std::vector<std::uint8_t> rn_on_road;
};

struct MobsimContext {
    const routing::RoutingContext& routing;
    MobsimParams params;
    Timetable timetable;
    BusRoutes bus_routes;
};

MobsimContext make_mobsim_context(const routing::RoutingContext& routing, const MobsimParams& params);

// What the day executes: per trip of the population, its mode, planned departure and legs.
struct DayPlan {
    const population::Population& pop;
    const std::vector<core::Mode>& trip_mode;
    const std::vector<std::int32_t>& trip_dep;
    const routing::TripRoutes& routes;
};

inline constexpr std::size_t volume_hours = 48;

struct DayResult {
    // Per trip.
    std::vector<std::int32_t> dep_s, arr_s;
    std::vector<float> in_vehicle_s, wait_s, access_s, egress_s, transfer_walk_s, distance_m;
    std::vector<std::uint16_t> denied;
    std::vector<std::uint8_t> stuck;
    // Per leg (numbered as in the routes).
    std::vector<std::int32_t> leg_start_s, leg_board_s, leg_end_s, leg_vehicle_trip;
    std::vector<std::uint16_t> leg_denied;
    std::vector<float> leg_distance_m;
    // Entries per (network link, direction, hour): index (link * 2 + direction) * volume_hours + hour.
    // Walkers and cyclists are zero until add_walk_bike_volumes.
    std::vector<std::uint32_t> cars, buses, walkers, cyclists;
    // Car travel times per (car arc, hour of entry): sum of seconds and count.
    std::vector<double> car_time_sum;
    std::vector<std::uint32_t> car_time_count;
    // Transit: load per vehicle trip and segment; waits per (route node, period) of the
    // transit model, for those who boarded there (sum of seconds and count); in-vehicle
    // seconds per (route node, period of departure) to the next route node.
    std::vector<core::TransitLoadRecord> transit_load;
    std::vector<double> wait_sum, ride_sum;
    std::vector<std::uint32_t> wait_count, ride_count;
    std::uint64_t denied_boardings = 0;
    std::uint64_t stuck_trips = 0;
};

DayResult simulate_day(const MobsimContext& ctx, const DayPlan& plan);

// Walkers and cyclists per link and hour (DayResult::walkers, ::cyclists) of a simulated
// day: their paths are traced again, at the speeds they walked and cycled.
void add_walk_bike_volumes(const MobsimContext& ctx, const DayPlan& plan, DayResult& day);

// A person's walking (which = 0) or cycling (1) speed factor: clamp(1 + cv N(0,1), 0.5, 1.5).
double personal_speed_factor(std::uint64_t seed, std::uint32_t person, double cv, int which);

}  // namespace flemsim::mobsim
