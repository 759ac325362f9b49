#include <tbb/parallel_for.h>
#include <tbb/parallel_sort.h>

#include <algorithm>
#include <atomic>
#include <cmath>

#include "sim/core/rng.hpp"
#include "sim/mobsim/mobsim.hpp"

namespace flemsim::mobsim {

using core::invalid_index;
using core::Mode;
using routing::LegKind;

namespace {

constexpr std::uint32_t bus_tag = 0x80000000u;
constexpr std::uint32_t arrive = invalid_index;  // target of a vehicle leaving its last link

// Order matters within a second: person events first, then links, then transit vehicles.
enum class EventType : std::uint8_t { trip_start, leg_start, leg_end, car_entry, bus_entry, arc_wake, vehicle_arrival };

struct Event {
    EventType type;
    std::uint32_t id;
    friend bool operator<(const Event& a, const Event& b) { return a.type != b.type ? a.type < b.type : a.id < b.id; }
    friend bool operator==(const Event& a, const Event& b) = default;
};

// A vehicle on a link: car legs are numbered by leg, buses by bus_tag | vehicle trip.
struct QueueItem {
    std::uint32_t vehicle;
    std::uint32_t pos;  // index of this link in the vehicle's link sequence
    std::int32_t enter_s;
    std::int32_t exit_s;  // earliest exit (free flow)
};

struct Passenger {
    std::uint32_t leg;
    std::uint16_t alight_pos;
};

struct Waiting {
    std::uint32_t leg;
    std::int32_t since_s;
};

// A wish to move a vehicle onto `target` (a link, or `arrive`), from a link or from the
// waiting list of `target` (source key >= link count); rank orders one source's wishes.
struct Intent {
    std::uint32_t target;
    std::uint32_t source;
    std::uint32_t rank;
    std::uint32_t vehicle;
    bool accepted;
};

// Below `threshold` items a phase runs serially: same result, less overhead.
template <class F>
void for_each_index(std::size_t n, std::size_t threshold, F&& f) {
    if (n < threshold) {
        for (std::size_t i = 0; i < n; ++i) f(i);
    } else {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 64), [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) f(i);
        });
    }
}

class Day {
public:
    Day(const MobsimContext& ctx, const DayPlan& plan);
    DayResult run();

private:
    // Set-up.
    void init_links();
    void init_people();

    // Scheduling.
    void schedule(std::int32_t t, EventType type, std::uint32_t id);
    void next_after_leg(std::uint32_t leg, std::int32_t t, std::vector<Event>& now);
    void end_trip(std::uint32_t trip, std::int32_t t, std::vector<Event>& now);

    // Phases of a step.
    void person_phase(std::int32_t t, std::vector<Event>& round, std::vector<Event>& car_entries);
    void car_phase(std::int32_t t, std::vector<std::uint32_t>& woken, const std::vector<Event>& entries,
                   std::vector<std::uint32_t>& bus_arrivals);
    void transit_phase(std::int32_t t, std::vector<std::uint32_t>& arrivals);

    // Vehicles on links.
    std::uint32_t next_link(std::uint32_t vehicle, std::uint32_t pos) const;
    std::uint32_t vehicle_link(std::uint32_t vehicle, std::uint32_t pos) const;
    void refresh_tokens(std::uint32_t link, std::int32_t t);
    std::size_t hour_of(std::int32_t t) const {
        return std::min<std::size_t>(volume_hours - 1, static_cast<std::size_t>(std::max(0, t) / 3600));
    }
    std::size_t volume_index(const routing::StreetGraph& g, std::uint32_t arc, std::int32_t t) const;

    // Results.
    void finish();

    const MobsimContext& m_ctx;
    const DayPlan& m_plan;
    const network::Network& m_net;
    const routing::StreetGraph& m_car;
    const routing::TransitModel& m_tm;
    const routing::TripRoutes& m_routes;
    std::int32_t m_end;

    DayResult m_res;
    std::vector<std::vector<Event>> m_wheel;

    // People.
    std::vector<std::uint32_t> m_trip_person;
    std::vector<std::uint32_t> m_leg_trip;
    std::vector<float> m_walk_factor, m_bike_factor;
    std::vector<std::uint8_t> m_trip_started, m_trip_done;

    // Car links (arcs of the car graph).
    std::vector<std::int32_t> m_fft;
    std::vector<double> m_rate, m_max_tokens, m_tokens;
    std::vector<std::int32_t> m_token_time;
    std::vector<std::uint32_t> m_storage;
    std::vector<std::vector<QueueItem>> m_queue;
    std::vector<std::uint32_t> m_head;
    std::vector<std::int32_t> m_blocked_since;
    // Vehicles waiting to enter a link (from their origin, or a bus from its stop), with the
    // second they asked: their wait counts as time on that link.
    struct Entry {
        std::uint32_t vehicle;
        std::int32_t since_s;
    };
    std::vector<std::vector<Entry>> m_entry;
    std::vector<std::uint32_t> m_entry_head;
    std::vector<std::uint8_t> m_entry_listed;
    std::vector<std::uint32_t> m_entry_links;
    std::vector<std::int32_t> m_entry_since;

    // Transit.
    std::vector<std::vector<Waiting>> m_stop_queue;  // per boarding route node
    std::vector<std::uint32_t> m_stop_head;
    std::vector<std::vector<Passenger>> m_onboard;  // per vehicle trip
    std::vector<std::uint16_t> m_vehicle_pos;
    std::vector<std::int32_t> m_vehicle_dep;
    std::vector<std::uint32_t> m_first_load;
};

Day::Day(const MobsimContext& ctx, const DayPlan& plan)
    : m_ctx(ctx),
      m_plan(plan),
      m_net(ctx.routing.net),
      m_car(ctx.routing.car),
      m_tm(*ctx.routing.transit),
      m_routes(plan.routes),
      m_end(ctx.params.end_time_s),
      m_wheel(static_cast<std::size_t>(ctx.params.end_time_s) + 2) {
    init_links();
    init_people();
}

std::size_t Day::volume_index(const routing::StreetGraph& g, std::uint32_t arc, std::int32_t t) const {
    const std::uint32_t link = g.link[arc];
    const std::size_t dir = g.tail[arc] == m_net.link_from[link] ? 0 : 1;
    return (link * 2 + dir) * volume_hours + hour_of(t);
}

void Day::init_links() {
    const auto& p = m_ctx.params;
    const std::size_t arcs = m_car.arc_count();
    m_fft.resize(arcs);
    m_rate.resize(arcs);
    m_max_tokens.resize(arcs);
    m_storage.resize(arcs);
    for (std::size_t a = 0; a < arcs; ++a) {
        const auto link = m_car.link[a];
        m_fft[a] = std::max<std::int32_t>(1, static_cast<std::int32_t>(std::lround(m_car.time_s[a])));
        m_rate[a] = m_net.link_capacity_veh_per_h[link] * p.capacity_factor / 3600.0;
        m_max_tokens[a] = std::max(1.0, m_rate[a]);
        const double storage = m_car.length_m[a] * m_net.link_lanes[link] * p.capacity_factor / p.vehicle_length_m;
        m_storage[a] = static_cast<std::uint32_t>(std::max(1.0, std::floor(storage)));
    }
    m_tokens = m_max_tokens;
    m_token_time.assign(arcs, 0);
    m_queue.resize(arcs);
    m_head.assign(arcs, 0);
    m_blocked_since.assign(arcs, -1);
    m_entry.resize(arcs);
    m_entry_head.assign(arcs, 0);
    m_entry_listed.assign(arcs, 0);
    m_entry_since.assign(arcs, -1);

    const auto& tt = m_ctx.timetable;
    m_stop_queue.resize(m_tm.route_node_count());
    m_stop_head.assign(m_tm.route_node_count(), 0);
    m_onboard.resize(tt.size());
    m_vehicle_pos.assign(tt.size(), 0);
    m_vehicle_dep.assign(tt.size(), 0);
    m_first_load.assign(tt.size() + 1, 0);
    for (std::size_t v = 0; v < tt.size(); ++v) m_first_load[v + 1] = m_first_load[v] + tt.stop_count[v] - 1;
    m_res.transit_load.resize(m_first_load[tt.size()]);
    for (std::uint32_t v = 0; v < tt.size(); ++v) {
        const auto rn0 = tt.first_rn[v];
        for (std::uint32_t k = 0; k + 1 < tt.stop_count[v]; ++k) {
            auto& r = m_res.transit_load[m_first_load[v] + k];
            r = core::TransitLoadRecord{};
            r.vehicle_trip = v;
            r.line = static_cast<std::int32_t>(m_tm.rn_line(rn0));
            r.direction = m_tm.rn_direction(rn0);
            r.segment = static_cast<std::uint16_t>(k);
            r.from_stop = static_cast<std::int32_t>(m_tm.rn_stop(rn0 + k));
            r.to_stop = static_cast<std::int32_t>(m_tm.rn_stop(rn0 + k + 1));
            r.scheduled_depart_s = tt.sched_depart_s[tt.first_time[v] + k];
            r.depart_s = r.arrive_s = -1;
            r.seated = tt.seated[v];
            r.capacity = tt.capacity[v];
        }
        if (tt.departure_s[v] <= m_end) schedule(tt.departure_s[v], EventType::vehicle_arrival, v);
    }
}

void Day::init_people() {
    const auto& pop = m_plan.pop;
    const auto& p = m_ctx.params;
    const std::size_t trips = pop.trip_count(), legs = m_routes.leg_count();
    m_trip_person.resize(trips);
    m_leg_trip.resize(legs);
    for (std::uint32_t person = 0; person < pop.person_count(); ++person)
        for (std::uint32_t t = 2 * pop.person_first_tour[person]; t < 2 * pop.person_first_tour[person + 1]; ++t)
            m_trip_person[t] = person;
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

    m_res.dep_s.assign(trips, 0);
    m_res.arr_s.assign(trips, 0);
    for (auto* v : {&m_res.in_vehicle_s, &m_res.wait_s, &m_res.access_s, &m_res.egress_s, &m_res.transfer_walk_s,
                    &m_res.distance_m})
        v->assign(trips, 0.f);
    m_res.denied.assign(trips, 0);
    m_res.stuck.assign(trips, 0);
    m_res.leg_start_s.assign(legs, -1);
    m_res.leg_board_s.assign(legs, -1);
    m_res.leg_end_s.assign(legs, -1);
    m_res.leg_vehicle_trip.assign(legs, -1);
    m_res.leg_denied.assign(legs, 0);
    m_res.leg_distance_m.assign(legs, 0.f);
    const std::size_t volumes = m_net.link_count() * 2 * volume_hours;
    m_res.cars.assign(volumes, 0);
    m_res.buses.assign(volumes, 0);
    m_res.walkers.assign(volumes, 0);
    m_res.cyclists.assign(volumes, 0);
    m_res.car_time_sum.assign(m_car.arc_count() * volume_hours, 0.0);
    m_res.car_time_count.assign(m_car.arc_count() * volume_hours, 0);
    const std::size_t rn_periods = m_tm.route_node_count() * m_tm.period_count();
    m_res.wait_sum.assign(rn_periods, 0.0);
    m_res.ride_sum.assign(rn_periods, 0.0);
    m_res.wait_count.assign(rn_periods, 0);
    m_res.ride_count.assign(rn_periods, 0);

    // Each person's first trip.
    for (std::uint32_t person = 0; person < pop.person_count(); ++person) {
        const std::uint32_t t = 2 * pop.person_first_tour[person];
        if (t < 2 * pop.person_first_tour[person + 1]) schedule(m_plan.trip_dep[t], EventType::trip_start, t);
    }
}

void Day::schedule(std::int32_t t, EventType type, std::uint32_t id) {
    if (t < 0) t = 0;
    if (t > m_end) return;  // beyond the day: the trip will count as stuck
    m_wheel[static_cast<std::size_t>(t)].push_back({type, id});
}

void Day::end_trip(std::uint32_t trip, std::int32_t t, std::vector<Event>& now) {
    m_res.arr_s[trip] = t;
    m_trip_done[trip] = 1;
    const auto person = m_trip_person[trip];
    const std::uint32_t next = trip + 1;
    if (next < 2 * m_plan.pop.person_first_tour[person + 1]) {
        const std::int32_t when = std::max(m_plan.trip_dep[next], t);
        if (when == t)
            now.push_back({EventType::trip_start, next});
        else
            schedule(when, EventType::trip_start, next);
    }
}

void Day::next_after_leg(std::uint32_t leg, std::int32_t t, std::vector<Event>& now) {
    m_res.leg_end_s[leg] = t;
    const auto trip = m_leg_trip[leg];
    if (leg + 1 < m_routes.trip_first_leg[trip + 1])
        now.push_back({EventType::leg_start, leg + 1});
    else
        end_trip(trip, t, now);
}

// Trip starts, leg starts and walk or bike leg ends at t, in rounds: one may cause another
// in the same second. Car entries found on the way are left in `car_entries`.
void Day::person_phase(std::int32_t t, std::vector<Event>& round, std::vector<Event>& car_entries) {
    const double walk_speed = m_ctx.params.walk_speed_mps, bike_speed = m_ctx.params.bike_speed_mps;
    const auto half_access = static_cast<std::int32_t>(std::lround(m_ctx.params.car_access_s / 2));
    std::vector<Event> next_round, starts;
    std::vector<std::uint32_t> street_legs;
    while (!round.empty()) {
        std::sort(round.begin(), round.end());
        starts.clear();
        for (const auto& e : round) {
            if (e.type == EventType::trip_start) {
                m_trip_started[e.id] = 1;
                m_res.dep_s[e.id] = t;
                const auto first = m_routes.trip_first_leg[e.id];
                if (first == m_routes.trip_first_leg[e.id + 1])
                    end_trip(e.id, t, next_round);
                else
                    starts.push_back({EventType::leg_start, first});
            } else if (e.type == EventType::leg_end) {
                next_after_leg(e.id, t, next_round);
            } else {
                starts.push_back(e);
            }
        }
        std::sort(starts.begin(), starts.end());
        // Walk and bike legs do not interact: their ends are computed in parallel.
        street_legs.clear();
        for (const auto& e : starts) {
            const auto k = m_routes.leg_kind[e.id];
            if (k == LegKind::walk || k == LegKind::bike) street_legs.push_back(e.id);
        }
        for_each_index(street_legs.size(), m_ctx.params.parallel_threshold, [&](std::size_t i) {
            const auto leg = street_legs[i];
            const bool is_walk = m_routes.leg_kind[leg] == LegKind::walk;
            const auto person = m_trip_person[m_leg_trip[leg]];
            const double speed = is_walk ? walk_speed * m_walk_factor[person] : bike_speed * m_bike_factor[person];
            m_res.leg_start_s[leg] = t;
            m_res.leg_end_s[leg] = t + static_cast<std::int32_t>(std::lround(m_routes.leg_length_m[leg] / speed));
            m_res.leg_distance_m[leg] = m_routes.leg_length_m[leg];
        });
        for (const auto& e : starts) {
            const auto leg = e.id;
            switch (m_routes.leg_kind[leg]) {
                case LegKind::walk:
                case LegKind::bike:
                    if (m_res.leg_end_s[leg] == t)
                        next_after_leg(leg, t, next_round);
                    else
                        schedule(m_res.leg_end_s[leg], EventType::leg_end, leg);
                    break;
                case LegKind::car:
                    m_res.leg_start_s[leg] = t;
                    if (half_access == 0)
                        car_entries.push_back({EventType::car_entry, leg});
                    else
                        schedule(t + half_access, EventType::car_entry, leg);
                    break;
                case LegKind::ride:
                    m_res.leg_start_s[leg] = t;
                    m_stop_queue[m_routes.leg_board_rn[leg]].push_back({leg, t});
                    break;
            }
        }
        round.swap(next_round);
        next_round.clear();
    }
}

std::uint32_t Day::vehicle_link(std::uint32_t vehicle, std::uint32_t pos) const {
    if (vehicle & bus_tag) {
        const auto vt = vehicle & ~bus_tag;
        const auto rn = m_ctx.timetable.first_rn[vt] + m_vehicle_pos[vt] - 1;
        return m_ctx.bus_routes.arcs[m_ctx.bus_routes.rn_first_arc[rn] + pos];
    }
    return m_routes.arcs[m_routes.leg_first_arc[vehicle] + pos];
}

std::uint32_t Day::next_link(std::uint32_t vehicle, std::uint32_t pos) const {
    std::uint32_t count;
    if (vehicle & bus_tag) {
        const auto vt = vehicle & ~bus_tag;
        const auto rn = m_ctx.timetable.first_rn[vt] + m_vehicle_pos[vt] - 1;
        count = m_ctx.bus_routes.rn_first_arc[rn + 1] - m_ctx.bus_routes.rn_first_arc[rn];
    } else {
        count = m_routes.leg_first_arc[vehicle + 1] - m_routes.leg_first_arc[vehicle];
    }
    return pos + 1 < count ? vehicle_link(vehicle, pos + 1) : arrive;
}

void Day::refresh_tokens(std::uint32_t link, std::int32_t t) {
    if (m_token_time[link] == t) return;
    m_tokens[link] = std::min(m_max_tokens[link], m_tokens[link] + (t - m_token_time[link]) * m_rate[link]);
    m_token_time[link] = t;
}

// Cars and buses on links at second t: (1) every link with a vehicle ready at its head, and
// every waiting list, states where its vehicles want to go; (2) each target link accepts,
// in the order of source link ids (waiting lists after links), as many as it has free
// storage at the start of the second, except that a vehicle blocked for the stuck time
// enters anyway; a source whose vehicle is refused moves none behind it; (3) the moves are
// applied. Nothing depends on the order of work within a phase.
void Day::car_phase(std::int32_t t, std::vector<std::uint32_t>& woken, const std::vector<Event>& entries,
                    std::vector<std::uint32_t>& bus_arrivals) {
    const auto half_access = static_cast<std::int32_t>(std::lround(m_ctx.params.car_access_s / 2));
    const auto arcs = static_cast<std::uint32_t>(m_car.arc_count());
    const std::int32_t stuck = m_ctx.params.stuck_time_s;
    for (const auto& e : entries) {
        std::uint32_t first;
        std::uint32_t vehicle = e.id;
        if (e.type == EventType::car_entry) {
            if (m_routes.leg_first_arc[e.id] == m_routes.leg_first_arc[e.id + 1]) {
                // Origin and destination at the same node: the car is parked again.
                m_res.leg_board_s[e.id] = t;
                schedule(t + std::max(1, half_access), EventType::leg_end, e.id);
                continue;
            }
            first = m_routes.arcs[m_routes.leg_first_arc[e.id]];
        } else {
            vehicle = bus_tag | e.id;
            const auto rn = m_ctx.timetable.first_rn[e.id] + m_vehicle_pos[e.id] - 1;
            first = m_ctx.bus_routes.arcs[m_ctx.bus_routes.rn_first_arc[rn]];
        }
        m_entry[first].push_back({vehicle, t});
        if (!m_entry_listed[first]) {
            m_entry_listed[first] = 1;
            m_entry_links.push_back(first);
        }
    }
    std::sort(woken.begin(), woken.end());
    woken.erase(std::unique(woken.begin(), woken.end()), woken.end());
    std::sort(m_entry_links.begin(), m_entry_links.end());
    if (woken.empty() && m_entry_links.empty()) return;

    // (1) Intents, per source into its own slots.
    const std::size_t n_woken = woken.size(), n_sources = n_woken + m_entry_links.size();
    std::vector<std::vector<Intent>> per_source(n_sources);
    // A woken link that moves nothing (its head not yet at the end, or the flow capacity not
    // yet recovered) is woken again when it can.
    std::vector<std::int32_t> rewake(n_woken, -1);
    for_each_index(n_sources, m_ctx.params.parallel_threshold, [&](std::size_t i) {
        auto& out = per_source[i];
        if (i < n_woken) {
            const auto a = woken[i];
            refresh_tokens(a, t);
            const auto& q = m_queue[a];
            const auto allowed = static_cast<std::uint32_t>(std::floor(m_tokens[a] + 1e-9));
            for (std::uint32_t k = 0, j = m_head[a]; k < allowed && j < q.size() && q[j].exit_s <= t; ++k, ++j)
                out.push_back({next_link(q[j].vehicle, q[j].pos), a, k, q[j].vehicle, false});
            if (out.empty() && m_head[a] < q.size()) {
                std::int32_t when = std::max(q[m_head[a]].exit_s, t + 1);
                if (allowed == 0 && m_rate[a] > 0)
                    when = std::max(when,
                                    t + static_cast<std::int32_t>(std::ceil((1.0 - m_tokens[a]) / m_rate[a] - 1e-9)));
                rewake[i] = when;
            }
        } else {
            const auto b = m_entry_links[i - n_woken];
            const auto& w = m_entry[b];
            const std::uint32_t limit = m_storage[b] + 1;
            for (std::uint32_t k = 0, j = m_entry_head[b]; k < limit && j < w.size(); ++k, ++j)
                out.push_back({b, arcs + b, k, w[j].vehicle, false});
        }
    });
    for (std::size_t i = 0; i < n_woken; ++i)
        if (rewake[i] >= 0) schedule(rewake[i], EventType::arc_wake, woken[i]);
    std::vector<Intent> intents;
    for (auto& v : per_source) intents.insert(intents.end(), v.begin(), v.end());
    std::sort(intents.begin(), intents.end(), [](const Intent& x, const Intent& y) {
        if (x.target != y.target) return x.target < y.target;
        return x.source != y.source ? x.source < y.source : x.rank < y.rank;
    });

    // (2) Acceptance per target (independent groups).
    std::vector<std::size_t> group_start;
    for (std::size_t i = 0; i < intents.size(); ++i)
        if (i == 0 || intents[i].target != intents[i - 1].target) group_start.push_back(i);
    group_start.push_back(intents.size());
    const auto blocked_long = [&](std::uint32_t source) {
        const std::int32_t since = source < arcs ? m_blocked_since[source] : m_entry_since[source - arcs];
        return since >= 0 && t - since >= stuck;
    };
    for_each_index(group_start.size() - 1, m_ctx.params.parallel_threshold, [&](std::size_t g) {
        const std::size_t b = group_start[g], e = group_start[g + 1];
        const auto target = intents[b].target;
        if (target == arrive) {
            for (std::size_t i = b; i < e; ++i) intents[i].accepted = true;
            return;
        }
        const std::size_t occupied = m_queue[target].size() - m_head[target];
        std::size_t free = m_storage[target] > occupied ? m_storage[target] - occupied : 0;
        for (std::size_t i = b; i < e; ++i) {
            if (free > 0) {
                intents[i].accepted = true;
                --free;
            } else if (blocked_long(intents[i].source)) {
                intents[i].accepted = true;  // stuck: squeezes in over the storage
            }
        }
    });
    // A source moves a prefix of its vehicles: after a refusal, later ones stay too.
    std::vector<std::uint32_t> by_source(intents.size());
    for (std::uint32_t i = 0; i < by_source.size(); ++i) by_source[i] = i;
    std::sort(by_source.begin(), by_source.end(), [&](std::uint32_t x, std::uint32_t y) {
        const auto& a = intents[x];
        const auto& b = intents[y];
        return a.source != b.source ? a.source < b.source : a.rank < b.rank;
    });
    std::vector<std::pair<std::uint32_t, std::uint32_t>> moved;  // source, accepted count
    std::vector<std::uint8_t> refused;
    for (std::size_t i = 0; i < by_source.size();) {
        const auto source = intents[by_source[i]].source;
        bool blocked = false;
        std::uint32_t accepted = 0;
        for (; i < by_source.size() && intents[by_source[i]].source == source; ++i) {
            auto& in = intents[by_source[i]];
            if (blocked || !in.accepted) {
                in.accepted = false;
                blocked = true;
            } else {
                ++accepted;
            }
        }
        moved.emplace_back(source, accepted);
        refused.push_back(blocked);
    }

    // (3) Apply: sources give up their accepted vehicles (remembering positions), targets
    // take them in acceptance order.
    std::vector<std::uint32_t> moved_pos(intents.size(), 0);
    std::vector<std::int32_t> moved_enter(intents.size(), t);
    {
        std::size_t k = 0;  // walks by_source in step with `moved`
        for (std::size_t m = 0; m < moved.size(); ++m) {
            const auto [source, accepted] = moved[m];
            std::size_t count = 0;
            for (; k < by_source.size() && intents[by_source[k]].source == source; ++k, ++count) {
                if (count >= accepted) continue;
                if (source < arcs) {
                    const auto& item = m_queue[source][m_head[source] + count];
                    moved_pos[by_source[k]] = item.pos + 1;
                    if (!(item.vehicle & bus_tag)) {
                        const std::size_t slot = source * volume_hours + hour_of(item.enter_s);
                        m_res.car_time_sum[slot] += t - item.enter_s;
                        ++m_res.car_time_count[slot];
                    }
                } else {
                    moved_pos[by_source[k]] = 0;
                    moved_enter[by_source[k]] = m_entry[source - arcs][m_entry_head[source - arcs] + count].since_s;
                }
            }
            if (source < arcs) {
                m_head[source] += accepted;
                m_tokens[source] -= accepted;
                auto& q = m_queue[source];
                // Drop the vehicles that left once they are half the vector: memory stays
                // within twice the link's occupancy, at amortised constant cost.
                if (m_head[source] >= 8 && 2 * m_head[source] >= q.size()) {
                    q.erase(q.begin(), q.begin() + m_head[source]);
                    m_head[source] = 0;
                    if (q.capacity() > 64 && q.capacity() > 4 * q.size()) q.shrink_to_fit();
                }
                m_blocked_since[source] = refused[m] ? (m_blocked_since[source] < 0 ? t : m_blocked_since[source]) : -1;
                if (m_head[source] < q.size()) {
                    std::int32_t when = std::max(q[m_head[source]].exit_s, t + 1);
                    if (!refused[m] && m_tokens[source] < 1.0 && m_rate[source] > 0)
                        when = std::max(
                            when, t + static_cast<std::int32_t>(std::ceil((1.0 - m_tokens[source]) / m_rate[source])));
                    schedule(when, EventType::arc_wake, source);
                }
            } else {
                const auto b = source - arcs;
                m_entry_head[b] += accepted;
                m_entry_since[b] = refused[m] ? (m_entry_since[b] < 0 ? t : m_entry_since[b]) : -1;
                if (m_entry_head[b] == m_entry[b].size()) {
                    std::vector<Entry>().swap(m_entry[b]);
                    m_entry_head[b] = 0;
                    m_entry_listed[b] = 0;
                    m_entry_since[b] = -1;
                }
            }
        }
    }
    for (std::size_t i = 0; i < intents.size(); ++i) {
        const auto& in = intents[i];
        if (!in.accepted) continue;
        const bool bus = in.vehicle & bus_tag;
        if (in.target == arrive) {
            if (bus) {
                bus_arrivals.push_back(in.vehicle & ~bus_tag);
            } else {
                schedule(t + std::max(1, half_access), EventType::leg_end, in.vehicle);
            }
            continue;
        }
        if (in.source >= arcs && !bus) m_res.leg_board_s[in.vehicle] = t;
        auto& q = m_queue[in.target];
        if (m_head[in.target] == q.size()) schedule(t + m_fft[in.target], EventType::arc_wake, in.target);
        q.push_back({in.vehicle, moved_pos[i], moved_enter[i], t + m_fft[in.target]});
        auto& volume = bus ? m_res.buses : m_res.cars;
        ++volume[volume_index(m_car, in.target, t)];
    }
    std::erase_if(m_entry_links, [&](std::uint32_t b) { return !m_entry_listed[b]; });
}

// Transit vehicles arriving at stops at second t: passengers for this stop alight, those
// waiting board in arrival order while there is room, the rest are left (a denied
// boarding each); the vehicle leaves after its dwell, not before its scheduled departure.
// Vehicles of one route node are handled in vehicle-trip order; route nodes independently.
void Day::transit_phase(std::int32_t t, std::vector<std::uint32_t>& arrivals) {
    if (arrivals.empty()) return;
    const auto& tt = m_ctx.timetable;
    const std::size_t periods = m_tm.period_count();
    std::sort(arrivals.begin(), arrivals.end());
    arrivals.erase(std::unique(arrivals.begin(), arrivals.end()), arrivals.end());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> by_rn;  // route node, vehicle trip
    for (const auto vt : arrivals) by_rn.emplace_back(tt.first_rn[vt] + m_vehicle_pos[vt], vt);
    std::sort(by_rn.begin(), by_rn.end());
    std::vector<std::size_t> group_start;
    for (std::size_t i = 0; i < by_rn.size(); ++i)
        if (i == 0 || by_rn[i].first != by_rn[i - 1].first) group_start.push_back(i);
    group_start.push_back(by_rn.size());

    struct Outcome {
        std::vector<std::uint32_t> alighted;
        std::vector<Event> next;  // vehicle events
        std::vector<std::int32_t> next_time;
    };
    std::vector<Outcome> outcome(group_start.size() - 1);
    for_each_index(outcome.size(), m_ctx.params.parallel_threshold, [&](std::size_t g) {
        auto& out = outcome[g];
        for (std::size_t i = group_start[g]; i < group_start[g + 1]; ++i) {
            const auto [rn, vt] = by_rn[i];
            const std::uint32_t k = m_vehicle_pos[vt];
            const std::uint32_t n = tt.stop_count[vt];
            const auto times = tt.first_time[vt];
            if (k > 0) {
                auto& prev = m_res.transit_load[m_first_load[vt] + k - 1];
                prev.arrive_s = t;
                const std::size_t slot = (rn - 1) * periods + m_tm.period_of(m_vehicle_dep[vt]);
                m_res.ride_sum[slot] += t - m_vehicle_dep[vt];
                ++m_res.ride_count[slot];
            }
            // Alight.
            auto& onboard = m_onboard[vt];
            std::uint32_t alightings = 0;
            std::size_t keep = 0;
            for (std::size_t j = 0; j < onboard.size(); ++j) {
                if (onboard[j].alight_pos == k) {
                    out.alighted.push_back(onboard[j].leg);
                    ++alightings;
                } else {
                    onboard[keep++] = onboard[j];
                }
            }
            onboard.resize(keep);
            if (k + 1 >= n) continue;  // the end of the line
            // Board, in arrival order, while there is room.
            auto& queue = m_stop_queue[rn];
            auto& head = m_stop_head[rn];
            std::uint32_t boardings = 0;
            while (head < queue.size() && onboard.size() < tt.capacity[vt]) {
                const auto w = queue[head++];
                m_res.leg_board_s[w.leg] = t;
                m_res.leg_vehicle_trip[w.leg] = static_cast<std::int32_t>(vt);
                const std::size_t slot = rn * periods + m_tm.period_of(w.since_s);
                m_res.wait_sum[slot] += t - w.since_s;
                ++m_res.wait_count[slot];
                onboard.push_back({w.leg, static_cast<std::uint16_t>(k + m_routes.leg_stops[w.leg])});
                ++boardings;
            }
            const auto denied = static_cast<std::uint32_t>(queue.size() - head);
            for (std::size_t j = head; j < queue.size(); ++j) ++m_res.leg_denied[queue[j].leg];
            if (head == queue.size()) {
                queue.clear();
                head = 0;
            }
            const std::int32_t dwell = tt.sched_depart_s[times + k] - tt.sched_arrive_s[times + k];
            const std::int32_t dep = std::max(t + dwell, tt.sched_depart_s[times + k]);
            auto& load = m_res.transit_load[m_first_load[vt] + k];
            load.depart_s = dep;
            load.boardings = boardings;
            load.alightings = alightings;
            load.denied = denied;
            load.onboard = static_cast<std::uint32_t>(onboard.size());
            m_vehicle_dep[vt] = dep;
            m_vehicle_pos[vt] = static_cast<std::uint16_t>(k + 1);
            if (m_ctx.bus_routes.rn_on_road[rn]) {
                out.next.push_back({EventType::bus_entry, vt});
                out.next_time.push_back(std::max(dep, t + 1));
            } else {
                out.next.push_back({EventType::vehicle_arrival, vt});
                out.next_time.push_back(dep + tt.sched_arrive_s[times + k + 1] - tt.sched_depart_s[times + k]);
            }
        }
    });
    for (const auto& out : outcome) {
        // Alighting takes the second: the next leg starts at t + 1.
        for (const auto leg : out.alighted) schedule(t + 1, EventType::leg_end, leg);
        for (std::size_t j = 0; j < out.next.size(); ++j) schedule(out.next_time[j], out.next[j].type, out.next[j].id);
    }
}

DayResult Day::run() {
    std::vector<Event> person, entries;
    std::vector<std::uint32_t> woken, arrivals, bus_arrivals;
    for (std::int32_t t = 0; t <= m_end; ++t) {
        auto& bucket = m_wheel[static_cast<std::size_t>(t)];
        if (bucket.empty() && m_entry_links.empty()) continue;
        person.clear();
        entries.clear();
        woken.clear();
        arrivals.clear();
        bus_arrivals.clear();
        for (const auto& e : bucket) {
            switch (e.type) {
                case EventType::trip_start:
                case EventType::leg_start:
                case EventType::leg_end:
                    person.push_back(e);
                    break;
                case EventType::car_entry:
                case EventType::bus_entry:
                    entries.push_back(e);
                    break;
                case EventType::arc_wake:
                    woken.push_back(e.id);
                    break;
                case EventType::vehicle_arrival:
                    arrivals.push_back(e.id);
                    break;
            }
        }
        std::vector<Event>().swap(bucket);
        person_phase(t, person, entries);
        std::sort(entries.begin(), entries.end());
        car_phase(t, woken, entries, bus_arrivals);
        arrivals.insert(arrivals.end(), bus_arrivals.begin(), bus_arrivals.end());
        transit_phase(t, arrivals);
    }
    finish();
    return std::move(m_res);
}

void Day::finish() {
    const auto& pop = m_plan.pop;
    const std::size_t trips = pop.trip_count();
    const auto half_access = static_cast<float>(std::lround(m_ctx.params.car_access_s / 2));
    std::atomic<std::uint64_t> stuck{0};
    for_each_index(trips, m_ctx.params.parallel_threshold, [&](std::size_t t) {
        if (!m_trip_done[t]) {
            m_res.stuck[t] = 1;
            if (!m_trip_started[t]) m_res.dep_s[t] = std::min(m_plan.trip_dep[t], m_end);
            m_res.arr_s[t] = m_end;
            stuck.fetch_add(1, std::memory_order_relaxed);
        }
        const auto lb = m_routes.trip_first_leg[t], le = m_routes.trip_first_leg[t + 1];
        std::uint32_t first_ride = le, last_ride = le;
        for (auto l = lb; l < le; ++l)
            if (m_routes.leg_kind[l] == LegKind::ride) {
                if (first_ride == le) first_ride = l;
                last_ride = l;
            }
        float in_vehicle = 0, wait = 0, access = 0, egress = 0, transfer = 0, distance = 0;
        std::uint16_t denied = 0;
        for (auto l = lb; l < le; ++l) {
            const std::int32_t start = m_res.leg_start_s[l];
            if (start < 0) break;  // not reached by the end of the day
            const std::int32_t end = m_res.leg_end_s[l] >= 0 ? m_res.leg_end_s[l] : m_end;
            const auto span = static_cast<float>(std::max(0, end - start));
            switch (m_routes.leg_kind[l]) {
                case LegKind::walk:
                    if (first_ride == le || l < first_ride)
                        access += span;
                    else if (l > last_ride)
                        egress += span;
                    else
                        transfer += span;
                    break;
                case LegKind::bike:
                    in_vehicle += span;
                    break;
                case LegKind::car: {
                    const float walk_part = std::min(span, 2 * half_access);
                    access += walk_part / 2;
                    egress += walk_part / 2;
                    in_vehicle += span - walk_part;
                    double d = 0;
                    for (auto a = m_routes.leg_first_arc[l]; a < m_routes.leg_first_arc[l + 1]; ++a)
                        d += m_car.length_m[m_routes.arcs[a]];
                    m_res.leg_distance_m[l] = static_cast<float>(d);
                    break;
                }
                case LegKind::ride: {
                    const std::int32_t board = m_res.leg_board_s[l] >= 0 ? m_res.leg_board_s[l] : end;
                    wait += static_cast<float>(board - start);
                    in_vehicle += static_cast<float>(std::max(0, end - board));
                    double d = 0;
                    for (std::uint32_t k = 0; k < m_routes.leg_stops[l]; ++k)
                        d += m_tm.rn_ride_m(m_routes.leg_board_rn[l] + k);
                    m_res.leg_distance_m[l] = static_cast<float>(d);
                    denied = static_cast<std::uint16_t>(denied + m_res.leg_denied[l]);
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
    });
    m_res.stuck_trips = stuck.load();
    for (const auto& r : m_res.transit_load) m_res.denied_boardings += r.denied;
}

}  // namespace

DayResult simulate_day(const MobsimContext& ctx, const DayPlan& plan) {
    Day day(ctx, plan);
    return day.run();
}

void add_walk_bike_volumes(const MobsimContext& ctx, const DayPlan& plan, DayResult& day) {
    const auto& net = ctx.routing.net;
    const auto& p = ctx.params;
    const std::size_t volumes = net.link_count() * 2 * volume_hours;
    std::vector<std::atomic<std::uint32_t>> walkers(volumes), cyclists(volumes);
    std::vector<std::uint32_t> leg_trip(plan.routes.leg_count());
    for (std::uint32_t t = 0; t < plan.routes.trip_count(); ++t)
        for (auto l = plan.routes.trip_first_leg[t]; l < plan.routes.trip_first_leg[t + 1]; ++l) leg_trip[l] = t;
    routing::trace_walk_bike_legs(
        ctx.routing, plan.pop, plan.routes,
        [&](std::uint32_t leg, const routing::StreetGraph& g, const std::vector<std::uint32_t>& arcs) {
            const std::int32_t start = day.leg_start_s[leg];
            if (start < 0) return;  // never started (the day ended first)
            const bool walk = plan.routes.leg_kind[leg] == LegKind::walk;
            const auto person = plan.pop.person_of_tour(leg_trip[leg] / 2);
            const double speed = walk ? p.walk_speed_mps * personal_speed_factor(p.seed, person, p.walk_speed_cv, 0)
                                      : p.bike_speed_mps * personal_speed_factor(p.seed, person, p.bike_speed_cv, 1);
            auto& counter = walk ? walkers : cyclists;
            double clock = start;
            for (const auto arc : arcs) {
                const std::uint32_t link = g.link[arc];
                const std::size_t dir = g.tail[arc] == net.link_from[link] ? 0 : 1;
                const std::size_t hour =
                    std::min<std::size_t>(volume_hours - 1, static_cast<std::size_t>(std::max(0.0, clock) / 3600));
                counter[(link * 2 + dir) * volume_hours + hour].fetch_add(1, std::memory_order_relaxed);
                clock += g.length_m[arc] / speed;
            }
        });
    for (std::size_t i = 0; i < volumes; ++i) {
        day.walkers[i] = walkers[i].load();
        day.cyclists[i] = cyclists[i].load();
    }
}

double personal_speed_factor(std::uint64_t seed, std::uint32_t person, double cv, int which) {
    core::Rng rng(seed, core::Stream::walk_bike_speed, person);
    double z = rng.normal();
    if (which == 1) z = rng.normal();
    return std::clamp(1.0 + cv * z, 0.5, 1.5);
}

}  // namespace flemsim::mobsim
