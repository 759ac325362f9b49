#pragma once
// TransitVehicles: every vehicle trip of the timetable, stop by stop. Riders queue at their
// boarding route node; a vehicle at a stop lets its passengers for that stop off, takes
// those waiting in arrival order while there is room (the rest are denied, and wait for the
// next), and leaves after its dwell, not before its scheduled departure: to its next stop on
// the timetable, or onto the road (LinkQueues) where the line runs among cars.
#include <cstdint>
#include <vector>

#include "sim/mobsim/event_wheel.hpp"
#include "sim/mobsim/mobsim.hpp"

namespace flemsim::mobsim {

class TransitVehicles {
public:
    // Sizes the transit columns of `res` (loads, waits, rides) and schedules every
    // departure from a first stop within the day.
    TransitVehicles(const MobsimContext& ctx, const routing::TripRoutes& routes, DayResult& res, EventWheel& wheel);

    // Phase::stop_queues: ride legs started at t join their boarding route node's queue.
    void join(std::int32_t t, const std::vector<std::uint32_t>& riders);

    // Phase::transit_stops: vehicle trips at a stop at t (sorted and made unique here).
    // Route nodes are independent; at one route node vehicles are served in trip order.
    void serve_stops(std::int32_t t, std::vector<std::uint32_t>& arrivals);

    // At the end of the day: the denied boardings of all segments.
    void finish();

    // The route node a vehicle trip last left: a bus on the road drives from it.
    std::uint32_t route_node_left(std::uint32_t vt) const {
        return m_ctx.timetable.first_rn[vt] + m_vehicle_pos[vt] - 1;
    }
    std::size_t waiting_at(std::uint32_t rn) const { return m_stop_queue[rn].size() - m_stop_head[rn]; }
    std::size_t on_board(std::uint32_t vt) const { return m_onboard[vt].size(); }

private:
    struct Passenger {
        std::uint32_t leg;
        std::uint16_t alight_pos;
    };
    struct Waiting {
        std::uint32_t leg;
        std::int32_t since_s;
    };
    // What one route node's vehicles hand on, applied after all route nodes were served.
    struct Outcome {
        std::vector<std::uint32_t> alighted;
        std::vector<Event> next;
        std::vector<std::int32_t> next_time;
    };

    void serve(std::uint32_t rn, std::uint32_t vt, std::int32_t t, Outcome& out);
    std::uint32_t alight(std::uint32_t vt, std::uint32_t k, Outcome& out);
    std::uint32_t board(std::uint32_t rn, std::uint32_t vt, std::uint32_t k, std::int32_t t);

    const MobsimContext& m_ctx;
    const routing::TransitModel& m_tm;
    const routing::TripRoutes& m_routes;
    DayResult& m_res;
    EventWheel& m_wheel;

    std::vector<std::vector<Waiting>> m_stop_queue;  // per boarding route node
    std::vector<std::uint32_t> m_stop_head;
    std::vector<std::vector<Passenger>> m_onboard;  // per vehicle trip
    std::vector<std::uint16_t> m_vehicle_pos;       // index of the next stop
    std::vector<std::int32_t> m_vehicle_dep;        // when it left its last stop
    std::vector<std::uint32_t> m_first_load;        // per vehicle trip: its first segment in transit_load

    // Scratch of a step.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> m_by_rn;  // route node, vehicle trip
    std::vector<std::size_t> m_group_start;
};

}  // namespace flemsim::mobsim
