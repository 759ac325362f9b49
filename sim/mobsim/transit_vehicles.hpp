#pragma once
// TransitVehicles: every vehicle trip of the schedule, stop by stop. Riders wait at their
// boarding stop, not for one line: a ride leg lists the route nodes it accepts there (its
// options, TripRoutes::leg_first_option: the planned line first, then the common lines to
// the same alighting stop). A vehicle at a stop lets its passengers for that stop off, takes
// in arrival order, while there is room, those waiting whose ride has an option on its route
// node (they alight after that option's stops), and leaves after its dwell, not before its
// scheduled departure: to its next stop on the timetable, or onto the road (LinkQueues) where
// the line runs among cars. Those it leaves behind, full, are denied once; a rider denied
// max_denied_boardings times at the stop gives up transit for the trip (Travellers finishes
// it from there).
#include <cstdint>
#include <vector>

#include "sim/mobsim/event_wheel.hpp"
#include "sim/mobsim/mobsim.hpp"

namespace flemsim::mobsim {

// A ride the rider accepts: board at route node board_rn, alight after `stops` stops.
struct RideOption {
    std::uint32_t board_rn;
    std::uint16_t stops;
};

// The options of ride leg `leg`: the routes' list, or only the planned ride where the routes
// list none for it (routes made without options).
template <class F>
void for_each_option(const routing::TripRoutes& routes, std::uint32_t leg, F&& f) {
    if (routes.leg_first_option.size() == routes.leg_count() + 1 &&
        routes.leg_first_option[leg] < routes.leg_first_option[leg + 1]) {
        for (auto o = routes.leg_first_option[leg]; o < routes.leg_first_option[leg + 1]; ++o)
            if (!f(RideOption{routes.option_board_rn[o], routes.option_stops[o]})) return;
    } else {
        f(RideOption{routes.leg_board_rn[leg], routes.leg_stops[leg]});
    }
}

class TransitVehicles {
public:
    // Sizes the transit columns of `res` (loads, counts by line) and schedules every vehicle
    // trip at its first stop within the day.
    TransitVehicles(const MobsimContext& ctx, const routing::TripRoutes& routes, DayResult& res, EventWheel& wheel);

    // Phase::stop_queues: ride legs started at t join the riders waiting at their stop. Those
    // whose trip has waited transit.max_wait_s already go to `limit_now` (see expire).
    void join(std::int32_t t, const std::vector<std::uint32_t>& riders, std::vector<std::uint32_t>& limit_now);

    // Phase::transit_stops: vehicle trips at a stop at t (sorted and made unique here). Stops
    // are independent; at one stop vehicles are served in trip order. The ride legs whose
    // riders gave up at t go to `gave_up`, by stop, then in the order they waited.
    void serve_stops(std::int32_t t, std::vector<std::uint32_t>& arrivals, std::vector<std::uint32_t>& gave_up);

    // Riders still waiting when their wait limit falls due (when the trip's waits in all,
    // at this stop and before, reach transit.max_wait_s: their vehicles came full or late, or
    // the last one has gone after a missed connection; a journey as planned never waits that
    // long) give up too, rather than wait for hours; they are
    // appended to `gave_up` in the order given (sorted here) and counted for the line they
    // planned to ride.
    void expire(std::vector<std::uint32_t>& legs, std::vector<std::uint32_t>& gave_up);

    // At the end of the day: the denied boardings of all segments, in all and by line, and
    // the give-ups by line.
    void finish();

    // The route node a vehicle trip last left: a bus on the road drives from it.
    std::uint32_t route_node_left(std::uint32_t vt) const {
        return m_ctx.timetable.first_rn[vt] + m_vehicle_pos[vt] - 1;
    }
    std::size_t waiting_at(std::uint32_t stop) const { return m_stop_queue[stop].size(); }
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
    // What one stop's vehicles hand on, applied after all stops were served.
    struct Outcome {
        std::vector<std::uint32_t> alighted;
        std::vector<Event> next;
        std::vector<std::int32_t> next_time;
        std::vector<std::uint32_t> gave_up;  // ride legs
    };

    void serve(std::uint32_t stop, std::uint32_t vt, std::int32_t t, Outcome& out);
    std::uint32_t alight(std::uint32_t vt, std::uint32_t k, Outcome& out);
    std::uint32_t board(std::uint32_t stop, std::uint32_t rn, std::uint32_t vt, std::uint32_t k, std::int32_t t,
                        std::uint32_t& denied, Outcome& out);

    const MobsimContext& m_ctx;
    const routing::TransitModel& m_tm;
    const routing::TripRoutes& m_routes;
    DayResult& m_res;
    EventWheel& m_wheel;

    std::vector<std::vector<Waiting>> m_stop_queue;  // per stop, in arrival order
    std::vector<std::vector<Passenger>> m_onboard;   // per vehicle trip
    std::vector<std::uint16_t> m_vehicle_pos;        // index of the next stop
    std::vector<std::uint32_t> m_first_load;         // per vehicle trip: its first segment in transit_load

    // Scratch of a step.
    std::vector<std::pair<std::uint32_t, std::uint32_t>> m_by_stop;  // stop, vehicle trip
    std::vector<std::size_t> m_group_start;
};

}  // namespace flemsim::mobsim
