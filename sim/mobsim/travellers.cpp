#include "sim/mobsim/travellers.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "sim/core/rng.hpp"

namespace flemsim::mobsim {

using routing::LegKind;

Travellers::Travellers(const MobsimContext& ctx, const DayPlan& plan, DayResult& res, EventWheel& wheel)
    : m_ctx(ctx),
      m_plan(plan),
      m_routes(plan.routes),
      m_res(res),
      m_wheel(wheel),
      m_half_access(static_cast<std::int32_t>(std::lround(ctx.params.car_access_s / 2))),
      m_onward(ctx.routing) {
    const auto& pop = plan.pop;
    const auto& p = ctx.params;
    const std::size_t trips = pop.trip_count(), legs = m_routes.leg_count();
    m_trip_person.resize(trips);
    m_leg_trip.resize(legs);
    for (std::uint32_t person = 0; person < pop.person_count(); ++person)
        for (const auto t : pop.trips_of(person)) m_trip_person[t] = person;
    for (std::uint32_t t = 0; t < trips; ++t)
        for (std::uint32_t l = m_routes.trip_first_leg[t]; l < m_routes.trip_first_leg[t + 1]; ++l) m_leg_trip[l] = t;
    m_walk_factor.resize(pop.person_count());
    m_bike_factor.resize(pop.person_count());
    for (std::uint32_t person = 0; person < pop.person_count(); ++person) {
        m_walk_factor[person] = static_cast<float>(personal_speed_factor(p.seed, person, p.walk_speed_cv, 0));
        m_bike_factor[person] = static_cast<float>(personal_speed_factor(p.seed, person, p.bike_speed_cv, 1));
    }
    m_trip_started.assign(trips, 0);
    m_trip_done.assign(trips, 0);
    m_gave_up_s.assign(trips, -1);
    m_gave_up_m.assign(trips, 0.f);
    m_gave_up_taxi.assign(trips, 0);

    res.dep_s.assign(trips, 0);
    res.arr_s.assign(trips, 0);
    for (auto* v :
         {&res.in_vehicle_s, &res.wait_s, &res.access_s, &res.egress_s, &res.transfer_walk_s, &res.distance_m})
        v->assign(trips, 0.f);
    res.denied.assign(trips, 0);
    res.stuck.assign(trips, 0);
    res.gave_up.assign(trips, 0);
    res.access_kind.assign(trips, core::access_walk);
    // Per leg; LinkQueues and TransitVehicles fill in the boardings of car and ride legs,
    // TransitVehicles the vehicle trips and denied boardings.
    res.leg_start_s.assign(legs, -1);
    res.leg_board_s.assign(legs, -1);
    res.leg_end_s.assign(legs, -1);
    res.leg_vehicle_trip.assign(legs, -1);
    res.leg_board_rn.assign(legs, core::invalid_index);
    res.leg_ride_stops.assign(legs, 0);
    res.leg_denied.assign(legs, 0);
    res.leg_distance_m.assign(legs, 0.f);
    // Walkers and cyclists per link and hour: add_walk_bike_volumes makes them after the day.

    // Each person's first trip.
    for (std::uint32_t person = 0; person < pop.person_count(); ++person) {
        const auto trips_of = pop.trips_of(person);
        if (!trips_of.empty()) wheel.schedule(plan.trip_dep[trips_of.first], EventKind::trip_start, trips_of.first);
    }
}

void Travellers::end_trip(std::uint32_t trip, std::int32_t t, std::vector<Event>& now) {
    m_res.arr_s[trip] = t;
    m_trip_done[trip] = 1;
    const std::uint32_t next = trip + 1;
    if (next < m_plan.pop.trips_of(m_trip_person[trip]).last) {
        const std::int32_t when = std::max(m_plan.trip_dep[next], t);
        if (when == t)
            now.push_back({EventKind::trip_start, next});
        else
            m_wheel.schedule(when, EventKind::trip_start, next);
    }
}

void Travellers::next_after_leg(std::uint32_t leg, std::int32_t t, std::vector<Event>& now) {
    m_res.leg_end_s[leg] = t;
    const auto trip = m_leg_trip[leg];
    if (!m_res.gave_up[trip] && leg + 1 < m_routes.trip_first_leg[trip + 1])
        now.push_back({EventKind::leg_start, leg + 1});
    else
        end_trip(trip, t, now);
}

// Trip starts, leg starts and leg ends at t, in rounds: one may cause another in the same
// second (a walk of length zero, a trip with no legs, the next trip already due).
void Travellers::step(std::int32_t t, std::vector<Event>& round, std::vector<VehicleRef>& car_entries,
                      std::vector<std::uint32_t>& riders) {
    while (!round.empty()) {
        sort_round(t, round, m_next_round);
        time_street_legs(t);
        start_legs(t, m_next_round, car_entries, riders);
        round.swap(m_next_round);
        m_next_round.clear();
    }
}

// Trip starts become their first leg's start (or end at once without legs), leg ends lead
// to the next leg or trip; the legs to start now are left in m_starts, in leg order.
void Travellers::sort_round(std::int32_t t, std::vector<Event>& round, std::vector<Event>& next_round) {
    std::sort(round.begin(), round.end());
    m_starts.clear();
    for (const auto& e : round) {
        if (e.kind == EventKind::trip_start) {
            m_trip_started[e.id] = 1;
            m_res.dep_s[e.id] = t;
            const auto first = m_routes.trip_first_leg[e.id];
            if (first == m_routes.trip_first_leg[e.id + 1])
                end_trip(e.id, t, next_round);
            else
                m_starts.push_back({EventKind::leg_start, first});
        } else if (e.kind == EventKind::leg_end) {
            next_after_leg(e.id, t, next_round);
        } else {
            m_starts.push_back(e);
        }
    }
    std::sort(m_starts.begin(), m_starts.end());
}

// Walk and bike legs do not interact: their ends are computed in parallel.
void Travellers::time_street_legs(std::int32_t t) {
    m_street_legs.clear();
    for (const auto& e : m_starts) {
        const auto k = m_routes.leg_kind[e.id];
        if (k == LegKind::walk || k == LegKind::bike) m_street_legs.push_back(e.id);
    }
    const double walk_speed = m_ctx.params.walk_speed_mps, bike_speed = m_ctx.params.bike_speed_mps;
    for_each_index(m_street_legs.size(), m_ctx.params.parallel_threshold, [&](std::size_t i) {
        const auto leg = m_street_legs[i];
        const bool is_walk = m_routes.leg_kind[leg] == LegKind::walk;
        const auto person = m_trip_person[m_leg_trip[leg]];
        const double speed = is_walk ? walk_speed * m_walk_factor[person] : bike_speed * m_bike_factor[person];
        m_res.leg_start_s[leg] = t;
        m_res.leg_end_s[leg] = t + static_cast<std::int32_t>(std::lround(m_routes.leg_length_m[leg] / speed));
        m_res.leg_distance_m[leg] = m_routes.leg_length_m[leg];
    });
}

// Each leg of m_starts begins: a walk or bike leg ends when timed (now, or on the wheel); a
// car leg's car is ready after the walk to it; a rider joins the stop's queue.
void Travellers::start_legs(std::int32_t t, std::vector<Event>& next_round, std::vector<VehicleRef>& car_entries,
                            std::vector<std::uint32_t>& riders) {
    for (const auto& e : m_starts) {
        const auto leg = e.id;
        switch (m_routes.leg_kind[leg]) {
            case LegKind::walk:
            case LegKind::bike:
                if (m_res.leg_end_s[leg] == t)
                    next_after_leg(leg, t, next_round);
                else
                    m_wheel.schedule(m_res.leg_end_s[leg], EventKind::leg_end, leg);
                break;
            case LegKind::car:
                m_res.leg_start_s[leg] = t;
                if (m_half_access == 0)
                    car_entries.push_back({VehicleRef::Kind::car, leg});
                else
                    m_wheel.schedule(t + m_half_access, EventKind::car_entry, leg);
                break;
            case LegKind::ride:
                m_res.leg_start_s[leg] = t;
                riders.push_back(leg);
                break;
        }
    }
}

Onward::Onward(const routing::RoutingContext& ctx)
    : m_ctx(ctx), m_max_walk_m(std::min(ctx.params.max_walk_trip_m, ctx.params.max_give_up_walk_m)) {}

bool Onward::walk(std::uint32_t from, std::uint32_t to, double& metres) {
    if (!m_walk) m_walk.emplace(routing::street_metric(m_ctx, core::Mode::walk));
    double seconds = 0;
    return m_walk->run(m_ctx.walk, from, to, seconds, metres);
}

Onward::Way Onward::find(std::uint32_t from, std::uint32_t to) {
    const auto& net = m_ctx.net;
    Way way;
    // No walk is shorter than the straight line: beyond the walk range, no walk query.
    const double line_m = std::hypot(net.node_x_m[to] - net.node_x_m[from], net.node_y_m[to] - net.node_y_m[from]);
    const bool walk_asked = line_m <= m_max_walk_m;
    double walk_m = routing::unreachable;
    bool walk_found = walk_asked && walk(from, to, walk_m);
    if (!walk_found || walk_m > m_max_walk_m) {
        if (!m_car) m_car.emplace(routing::street_metric(m_ctx, core::Mode::car));
        double seconds = 0, metres = 0;
        if (m_car->run(m_ctx.car, from, to, seconds, metres)) {
            way.taxi = true;
            way.taxi_s = seconds;
            way.metres = metres;
            return way;
        }
        // No road from the stop: on foot after all.
        if (!walk_asked) walk_found = walk(from, to, walk_m);
    }
    // Without even a walk path (a network that the checks would refuse), the straight line.
    way.walk_path = walk_found;
    way.metres = walk_found ? walk_m : line_m;
    return way;
}

void Travellers::give_up(std::int32_t t, std::vector<std::uint32_t>& legs) {
    const auto& net = m_ctx.routing.net;
    const auto& tm = *m_ctx.routing.transit;
    // In the order handed over (by stop, then queue order): each is its own query, so the
    // order decides nothing but which one runs first.
    for (const auto leg : legs) {
        const auto trip = m_leg_trip[leg];
        const auto person = m_trip_person[trip];
        const auto from = net.stop_node[tm.rn_stop(m_routes.leg_board_rn[leg])];
        const auto to = routing::trip_dest_node(m_plan.pop, person, trip);
        const auto way = m_onward.find(from, to);
        const double seconds =
            way.taxi ? way.taxi_s : way.metres / (m_ctx.params.walk_speed_mps * m_walk_factor[person]);
        m_res.gave_up[trip] = 1;
        m_gave_up_s[trip] = t;
        m_gave_up_m[trip] = static_cast<float>(way.metres);
        m_gave_up_taxi[trip] = way.taxi ? 1 : 0;
        // Leaving the stop takes the second, as alighting does.
        const auto arrive = t + std::max<std::int32_t>(1, static_cast<std::int32_t>(std::lround(seconds)));
        m_wheel.schedule(arrive, EventKind::leg_end, leg);
    }
    legs.clear();
}

void Travellers::finish() {
    const std::int32_t end = m_wheel.end_s();
    std::atomic<std::uint64_t> stuck{0}, gave_up{0};
    for_each_index(m_plan.pop.trip_count(), m_ctx.params.parallel_threshold, [&](std::size_t i) {
        const auto t = static_cast<std::uint32_t>(i);
        if (!m_trip_done[t]) {
            m_res.stuck[t] = 1;
            if (!m_trip_started[t]) m_res.dep_s[t] = std::min(m_plan.trip_dep[t], end);
            m_res.arr_s[t] = end;
            stuck.fetch_add(1, std::memory_order_relaxed);
        }
        if (m_res.gave_up[t]) gave_up.fetch_add(1, std::memory_order_relaxed);
        summarise_trip(t);
    });
    m_res.stuck_trips = stuck.load();
    m_res.gave_up_trips = gave_up.load();
}

// A trip's legs summed: walks before the first ride are access, after the last egress, in
// between transfer; a car leg's walk to and from the car is access and egress.
void Travellers::summarise_trip(std::uint32_t t) {
    const std::int32_t day_end = m_wheel.end_s();
    const auto half_access = static_cast<float>(m_half_access);
    const auto& car = m_ctx.routing.car;
    const auto& tm = *m_ctx.routing.transit;
    const auto lb = m_routes.trip_first_leg[t], le = m_routes.trip_first_leg[t + 1];
    std::uint32_t first_ride = le, last_ride = le;
    bool car_leg = false, bike_leg = false;
    for (auto l = lb; l < le; ++l) {
        const auto kind = m_routes.leg_kind[l];
        if (kind == LegKind::ride) {
            if (first_ride == le) first_ride = l;
            last_ride = l;
        }
        car_leg = car_leg || kind == LegKind::car;
        bike_leg = bike_leg || kind == LegKind::bike;
    }
    // A ride reached by a car or bike leg: park-and-ride or bike-and-ride.
    m_res.access_kind[t] = first_ride == le ? core::access_walk
                           : car_leg        ? core::access_park_and_ride
                           : bike_leg       ? core::access_bike_and_ride
                                            : core::access_walk;
    float in_vehicle = 0, wait = 0, access = 0, egress = 0, transfer = 0, distance = 0;
    std::uint16_t denied = 0;
    for (auto l = lb; l < le; ++l) {
        const std::int32_t start = m_res.leg_start_s[l];
        if (start < 0) break;  // not reached by the end of the day
        const std::int32_t end = m_res.leg_end_s[l] >= 0 ? m_res.leg_end_s[l] : day_end;
        const auto span = static_cast<float>(std::max(0, end - start));
        switch (m_routes.leg_kind[l]) {
            case LegKind::walk:
                (first_ride == le || l < first_ride ? access : l > last_ride ? egress : transfer) += span;
                break;
            case LegKind::bike:
                in_vehicle += span;
                break;
            case LegKind::car: {
                // The walks to and from the parked car: one at each end of a trip by car; both
                // before the first ride of a park-and-ride trip's way out, both after the last
                // one on its way back.
                const float walk_part = std::min(span, 2 * half_access);
                if (first_ride == le) {
                    access += walk_part / 2;
                    egress += walk_part / 2;
                } else {
                    (l < first_ride ? access : egress) += walk_part;
                }
                in_vehicle += span - walk_part;
                double d = 0;
                m_routes.for_each_arc(car, l, [&](std::uint32_t a) { d += car.length_m[a]; });
                m_res.leg_distance_m[l] = static_cast<float>(d);
                break;
            }
            case LegKind::ride: {
                denied = static_cast<std::uint16_t>(denied + m_res.leg_denied[l]);
                if (m_res.gave_up[t] && m_res.leg_board_s[l] < 0) {
                    // Gave up here: the wait until then, then the way on from the stop (on
                    // foot: egress; by taxi: in vehicle). No leg after this one started.
                    const std::int32_t left = std::min(m_gave_up_s[t], end);
                    wait += static_cast<float>(std::max(0, left - start));
                    (m_gave_up_taxi[t] ? in_vehicle : egress) += static_cast<float>(std::max(0, end - left));
                    m_res.leg_distance_m[l] = m_gave_up_m[t];
                    break;
                }
                const std::int32_t board = m_res.leg_board_s[l] >= 0 ? m_res.leg_board_s[l] : end;
                wait += static_cast<float>(board - start);
                in_vehicle += static_cast<float>(std::max(0, end - board));
                // The ride taken (one of the leg's options), or none before the day ended.
                double d = 0;
                if (m_res.leg_board_rn[l] != core::invalid_index)
                    for (std::uint32_t k = 0; k < m_res.leg_ride_stops[l]; ++k)
                        d += tm.rn_ride_m(m_res.leg_board_rn[l] + k);
                m_res.leg_distance_m[l] = static_cast<float>(d);
                break;
            }
        }
        distance += m_res.leg_distance_m[l];
    }
    m_res.in_vehicle_s[t] = in_vehicle;
    m_res.wait_s[t] = wait;
    m_res.access_s[t] = access;
    m_res.egress_s[t] = egress;
    m_res.transfer_walk_s[t] = transfer;
    m_res.distance_m[t] = distance;
    m_res.denied[t] = denied;
}

double personal_speed_factor(std::uint64_t seed, std::uint32_t person, double cv, int which) {
    core::Rng rng(seed, core::Stream::walk_bike_speed, person);
    double z = rng.normal();
    if (which == 1) z = rng.normal();
    return std::clamp(1.0 + cv * z, 0.5, 1.5);
}

}  // namespace flemsim::mobsim
