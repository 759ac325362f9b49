#pragma once
// The mobility simulation: plays one day of every person's plan in time steps of one
// second. Cars move on a queue model per link (free-flow time, flow capacity, storage
// capacity, spillback); transit vehicles run the schedule's trips with a capacity, riders
// wait at their stop for the first vehicle of any line their ride accepts (common lines),
// board in arrival order while there is room and are otherwise left for the next vehicle,
// giving up transit after max_denied_boardings; buses on roads share the links with cars;
// walkers and cyclists move at their own speed. Each step has phases (read the state, write
// intents; resolve them per link in id order, per stop in trip order; apply), so the result
// does not depend on the number of threads.
//
// Design. The day is four engines, each owning its columns, and a loop over the phases of
// a second (phases.hpp: the enum Phase and `step_order`, the only place that sets the order).
// - EventWheel (event_wheel.hpp): one bucket of events per second; owns nothing of the result.
// - Travellers (travellers.hpp): per trip its person, started and done flags and how a
//   rider who gave up went on; per leg its trip; per person the walk and bike speed factors.
//   Writes DayResult's per-trip columns (dep_s, arr_s, the sums, denied, stuck, gave_up,
//   access_kind, stuck_trips, gave_up_trips) and per leg leg_start_s, leg_end_s, leg_distance_m; sizes
//   walkers and cyclists (filled by add_walk_bike_volumes).
// - LinkQueues (link_queues.hpp): per car arc free-flow time, tokens, storage, the queue and
//   its head, the waiting list to enter it. Writes cars, buses, car_time_sum and
//   car_time_count, and leg_board_s of car legs (the second the car enters the road).
// - TransitVehicles (transit_vehicles.hpp): per stop the riders waiting, per vehicle trip
//   the passengers on board, its next stop and last departure. Writes transit_load,
//   denied_boardings, denied_by_line, gave_up_by_line, and per ride leg leg_board_s,
//   leg_vehicle_trip, leg_board_rn, leg_ride_stops and leg_denied; hands the riders who give
//   up to Travellers (Phase::give_ups).
// After the last second, count_lot_use (lots.cpp) reads the legs' times and writes the
// car_lot_* and bike_lot_* columns.
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

// The timetable as vehicle trips: vehicle trip i is the schedule's trip i
// (routing::Schedule, routes line * 2 + direction), with its times at every stop; first_time
// is the schedule's trip_first_time, so a segment's index first_time[i] + k is the
// schedule's time index (TransitModel::set_crowding). The level of service sends nobody to
// the next morning's service, so the day has no next-day copy.
struct Timetable {
    std::vector<std::uint32_t> first_rn;  // route node of the first stop
    std::vector<std::uint16_t> stop_count;
    std::vector<std::uint32_t> line;
    std::vector<std::int32_t> departure_s;  // from the first stop
    std::vector<std::uint32_t> first_time;  // CSR into sched_arrive_s / sched_depart_s
    std::vector<std::int32_t> sched_arrive_s;
    std::vector<std::int32_t> sched_depart_s;
    std::vector<std::uint32_t> capacity;  // seats + standing, after transit_capacity_factor
    std::vector<std::uint32_t> seated;    // seats, after transit_capacity_factor
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
    // 1 when the rider gave up transit after max_denied_boardings at a stop and finished the
    // trip from there on foot (or, beyond the walk range, by taxi at the free-flow car time).
    std::vector<std::uint8_t> gave_up;
    // How a trip with a ride reached transit (core::TransitAccess: 0 on foot, 1 bike-and-ride,
    // 2 park-and-ride): a car leg makes it park-and-ride, a bike leg bike-and-ride. 0 for trips
    // without a ride.
    std::vector<std::uint8_t> access_kind;
    // Per leg (numbered as in the routes). For ride legs: the vehicle trip boarded, the route
    // node boarded (one of the leg's options) and the stops ridden on it; -1, invalid_index
    // and 0 when the rider never boarded.
    std::vector<std::int32_t> leg_start_s, leg_board_s, leg_end_s, leg_vehicle_trip;
    std::vector<std::uint32_t> leg_board_rn;
    std::vector<std::uint16_t> leg_ride_stops;
    std::vector<std::uint16_t> leg_denied;
    std::vector<float> leg_distance_m;
    // Entries per (network link, direction, hour): index (link * 2 + direction) * volume_hours + hour.
    // Walkers and cyclists are empty until add_walk_bike_volumes (they do not take memory during
    // the day).
    std::vector<std::uint32_t> cars, buses, walkers, cyclists;
    // Car travel times per (car arc, hour of entry): sum of seconds and count.
    std::vector<double> car_time_sum;
    std::vector<std::uint32_t> car_time_count;
    // Car parks and bike parks at stops (park-and-ride, bike-and-ride), per stop: the spaces
    // (stops.csv car_parking, bike_parking, scaled like the vehicles' places for a sample:
    // round(spaces x transit_capacity_factor), at least 1 where there are any); the vehicles
    // that arrived, the most parked at once, the arrivals that found every space taken (they
    // park over capacity: the day turns nobody away) and the first second the lot was full
    // (-1: never). A car or bike arrives when the outbound car or bike leg ends and leaves
    // when the return leg starts; one whose return never started is still there at the end.
    // Filled by count_lot_use.
    std::vector<std::uint32_t> car_lot_spaces, car_lot_arrivals, car_lot_peak, car_lot_over;
    std::vector<std::int32_t> car_lot_full_s;
    std::vector<std::uint32_t> bike_lot_spaces, bike_lot_arrivals, bike_lot_peak, bike_lot_over;
    std::vector<std::int32_t> bike_lot_full_s;
    // Transit: load per vehicle trip and segment (vehicle trip order, then segment).
    std::vector<core::TransitLoadRecord> transit_load;
    std::uint64_t denied_boardings = 0;
    std::uint64_t stuck_trips = 0;
    std::uint64_t gave_up_trips = 0;
    // Per network line: denied boardings by the line's vehicles that left riders behind, and
    // the riders who gave up when one of its vehicles left them for the last time. Each sums
    // to its total (denied_boardings, gave_up_trips).
    std::vector<std::uint64_t> denied_by_line, gave_up_by_line;
};

DayResult simulate_day(const MobsimContext& ctx, const DayPlan& plan);

// The lots of a played day (DayResult::car_lot_* and bike_lot_*) from its legs and their
// times; simulate_day calls it after the last second. Events at one second: departures
// before arrivals (a space freed that second is taken), then in leg order.
void count_lot_use(const MobsimContext& ctx, const DayPlan& plan, DayResult& day);

// One row per lot (stop and kind) that has spaces or had arrivals, for the trip log's /lots:
// bike parks first, then car parks, each in stop order.
std::vector<core::LotRecord> lot_records(const DayResult& day);

// Walkers and cyclists per link and hour (DayResult::walkers, ::cyclists) of a simulated
// day: their paths are traced again, at the speeds they walked and cycled, with the walks of
// riders who gave up transit at a stop.
void add_walk_bike_volumes(const MobsimContext& ctx, const DayPlan& plan, DayResult& day);

// The same in two steps: the walk and bike legs' paths of a plan, traced before or while its day
// is played (they depend on the plan alone: the day loop traces them beside the mobsim), from
// labels where they pay (trace_walk_bike_legs with labels), then counted into the played day at
// the times the legs started. The counts are add_walk_bike_volumes' to the last entry.
// The paths are kept compact: per leg its first node, then each arc as its position among its
// tail's arcs, a byte (an escape and the arc's id past 254), on a 100,000-node grid about a byte
// an arc.
class WalkBikePaths {
public:
    std::size_t size_bytes() const;

private:
    friend WalkBikePaths trace_walk_bike_paths(const MobsimContext& ctx, const DayPlan& plan);
    friend void add_walk_bike_volumes(const MobsimContext& ctx, const DayPlan& plan, const WalkBikePaths& paths,
                                      DayResult& day);
    // Per tracing task (in no particular order): records of leg (4 bytes), first node (4), arc
    // count (4) and the arcs' codes, and where each record begins.
    struct Part {
        std::vector<std::uint8_t> bytes;
        std::vector<std::size_t> record;
    };
    std::vector<Part> m_parts;
};
WalkBikePaths trace_walk_bike_paths(const MobsimContext& ctx, const DayPlan& plan);
void add_walk_bike_volumes(const MobsimContext& ctx, const DayPlan& plan, const WalkBikePaths& paths, DayResult& day);

// A person's walking (which = 0) or cycling (1) speed factor: clamp(1 + cv N(0,1), 0.5, 1.5).
double personal_speed_factor(std::uint64_t seed, std::uint32_t person, double cv, int which);

}  // namespace flemsim::mobsim
