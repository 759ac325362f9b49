#pragma once
// Travellers: the people of the day. Starts trips and legs, times walk and bike legs, ends
// legs and trips and starts each person's next trip; sends riders who gave up transit on
// from their stop; at the end of the day, marks the stuck trips and sums every trip's legs
// into its times and distance.
#include <cstdint>
#include <optional>
#include <vector>

#include "sim/mobsim/engine.hpp"
#include "sim/mobsim/event_wheel.hpp"
#include "sim/mobsim/mobsim.hpp"
#include "sim/routing/street_cch.hpp"

namespace flemsim::mobsim {

// How a rider who gave up at a stop goes on to the trip's destination (Travellers::give_up,
// and the walkers' volumes of add_give_up_walks, which must find the same walk): on foot
// along the walk network when that walk is within the walk range (the smaller of
// modes.walk.max_trip_m and simulation.max_give_up_walk_m), else by taxi at the free-flow
// car time where a road leads, else on foot anyway (the straight line where no walk path
// exists either). The paths are one-to-one queries on the walk and car hierarchies
// (street_cch.hpp), built on the first rider who gives up; their times are the searches'.
class Onward {
public:
    explicit Onward(const routing::RoutingContext& ctx);
    struct Way {
        bool taxi = false;
        bool walk_path = false;  // on foot along the walk network (arcs() holds the path)
        double metres = 0;       // walked, or driven by taxi
        double taxi_s = 0;       // the taxi's free-flow time
    };
    Way find(std::uint32_t from, std::uint32_t to);
    // The walk path of the last find() whose way is on foot along the walk network.
    const std::vector<std::uint32_t>& arcs() const { return m_walk->arcs(); }

private:
    bool walk(std::uint32_t from, std::uint32_t to, double& metres);
    const routing::RoutingContext& m_ctx;
    double m_max_walk_m;
    std::optional<routing::StreetPathQuery> m_walk, m_car;
};

class Travellers {
public:
    // Sizes the per-trip and per-leg columns of `res` and schedules each person's first trip.
    Travellers(const MobsimContext& ctx, const DayPlan& plan, DayResult& res, EventWheel& wheel);

    // Phase::people. `round` holds the trip starts, leg starts and leg ends due at t (it is
    // used up). Car legs whose car is ready at t go to `car_entries`, ride legs started at t
    // to `riders` (in the order they join their stop's queue).
    void step(std::int32_t t, std::vector<Event>& round, std::vector<VehicleRef>& car_entries,
              std::vector<std::uint32_t>& riders);

    // Phase::give_ups: the riders of these ride legs gave up at t at their stop. Each finishes
    // the trip from there to its destination: on foot along the walk network at the person's
    // walking speed when that walk is within the walk range (modes.walk.max_trip_m), else,
    // by assumption, in a taxi at the free-flow car time (the level of service has no such
    // mode: this only says when and how far they got); the ride leg ends on arrival and the
    // trip with it. `legs` is used up.
    void give_up(std::int32_t t, std::vector<std::uint32_t>& legs);

    // After the last second: stuck trips, and per trip its legs summed.
    void finish();

    std::uint32_t person_of_trip(std::uint32_t trip) const { return m_trip_person[trip]; }
    std::uint32_t trip_of_leg(std::uint32_t leg) const { return m_leg_trip[leg]; }

private:
    void end_trip(std::uint32_t trip, std::int32_t t, std::vector<Event>& now);
    void next_after_leg(std::uint32_t leg, std::int32_t t, std::vector<Event>& now);
    void sort_round(std::int32_t t, std::vector<Event>& round, std::vector<Event>& next_round);
    void time_street_legs(std::int32_t t);
    void start_legs(std::int32_t t, std::vector<Event>& next_round, std::vector<VehicleRef>& car_entries,
                    std::vector<std::uint32_t>& riders);
    void summarise_trip(std::uint32_t trip);

    const MobsimContext& m_ctx;
    const DayPlan& m_plan;
    const routing::TripRoutes& m_routes;
    DayResult& m_res;
    EventWheel& m_wheel;
    std::int32_t m_half_access;  // walk to or from the car, seconds

    std::vector<std::uint32_t> m_trip_person;
    std::vector<std::uint32_t> m_leg_trip;
    std::vector<float> m_walk_factor, m_bike_factor;
    std::vector<std::uint8_t> m_trip_started, m_trip_done;
    // Riders who gave up: when they left the stop, how far they went on and whether by taxi.
    std::vector<std::int32_t> m_gave_up_s;
    std::vector<float> m_gave_up_m;
    std::vector<std::uint8_t> m_gave_up_taxi;
    Onward m_onward;  // from the stop where a rider gave up

    // Scratch of a step, kept to reuse its memory.
    std::vector<Event> m_next_round, m_starts;
    std::vector<std::uint32_t> m_street_legs;
};

}  // namespace flemsim::mobsim
