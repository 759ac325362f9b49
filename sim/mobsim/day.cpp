#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "sim/mobsim/engine.hpp"
#include "sim/mobsim/event_wheel.hpp"
#include "sim/mobsim/link_queues.hpp"
#include "sim/mobsim/phases.hpp"
#include "sim/mobsim/transit_vehicles.hpp"
#include "sim/mobsim/travellers.hpp"

namespace flemsim::mobsim {

using core::invalid_index;
using routing::LegKind;

namespace {

// The day: the engines, and what one phase hands the next within a second.
class Day {
public:
    Day(const MobsimContext& ctx, const DayPlan& plan)
        : m_wheel(ctx.params.end_time_s),
          m_travellers(ctx, plan, m_res, m_wheel),
          m_transit(ctx, plan.routes, m_res, m_wheel),
          m_links(ctx, plan.routes, m_transit, m_res, m_wheel) {}

    DayResult run() {
        for (std::int32_t t = 0; t <= m_wheel.end_s(); ++t) {
            if (m_wheel.idle(t) && !m_links.has_waiting()) continue;
            take_events(t);
            for (const Phase phase : step_order) run_phase(phase, t);
        }
        m_travellers.finish();
        m_transit.finish();
        m_links.finish();
        return std::move(m_res);
    }

private:
    // The events due at t, to the engine that handles each.
    void take_events(std::int32_t t) {
        m_people.clear();
        m_riders.clear();
        m_entries.clear();
        m_woken.clear();
        m_arrivals.clear();
        m_gave_up.clear();
        m_wait_limits.clear();
        for (const auto& e : m_wheel.take(t)) {
            switch (e.kind) {
                case EventKind::trip_start:
                case EventKind::leg_start:
                case EventKind::leg_end:
                    m_people.push_back(e);
                    break;
                case EventKind::car_entry:
                    m_entries.push_back({VehicleRef::Kind::car, e.id});
                    break;
                case EventKind::bus_entry:
                    m_entries.push_back({VehicleRef::Kind::bus, e.id});
                    break;
                case EventKind::link_wake:
                    m_woken.push_back(e.id);
                    break;
                case EventKind::stop_arrival:
                    m_arrivals.push_back(e.id);
                    break;
                case EventKind::wait_limit:
                    m_wait_limits.push_back(e.id);
                    break;
            }
        }
    }

    void run_phase(Phase phase, std::int32_t t) {
        switch (phase) {
            case Phase::people:
                m_travellers.step(t, m_people, m_entries, m_riders);
                break;
            case Phase::stop_queues:
                m_transit.join(t, m_riders, m_wait_limits);
                break;
            case Phase::link_entries:
                m_links.enter(t, m_entries);
                break;
            case Phase::link_intents:
                m_links.collect_intents(t, m_woken);
                break;
            case Phase::link_accept:
                m_links.accept(t);
                break;
            case Phase::link_release:
                m_links.release(t);
                break;
            case Phase::link_apply:
                m_links.apply(t, m_arrivals);  // buses off the road are at their stop now
                break;
            case Phase::transit_stops:
                m_transit.serve_stops(t, m_arrivals, m_gave_up);
                // After the vehicles of this second: one arriving just now still takes them.
                m_transit.expire(m_wait_limits, m_gave_up);
                break;
            case Phase::give_ups:
                m_travellers.give_up(t, m_gave_up);
                break;
        }
    }

    DayResult m_res;
    EventWheel m_wheel;
    Travellers m_travellers;
    TransitVehicles m_transit;
    LinkQueues m_links;

    // Handed from phase to phase within a second.
    std::vector<Event> m_people;
    std::vector<std::uint32_t> m_riders;
    std::vector<VehicleRef> m_entries;
    std::vector<std::uint32_t> m_woken;
    std::vector<std::uint32_t> m_arrivals;
    std::vector<std::uint32_t> m_gave_up;
    std::vector<std::uint32_t> m_wait_limits;
};

// Riders who gave up transit and walked on from their stop (Travellers::give_up): the same
// walk found again (Onward), timed back from the end of their ride leg.
void add_give_up_walks(const MobsimContext& ctx, const DayPlan& plan, const DayResult& day,
                       std::vector<std::atomic<std::uint32_t>>& walkers) {
    const auto& net = ctx.routing.net;
    const auto& tm = *ctx.routing.transit;
    const auto& p = ctx.params;
    Onward onward(ctx.routing);
    for (std::uint32_t t = 0; t < plan.routes.trip_count(); ++t) {
        if (!day.gave_up[t]) continue;
        std::uint32_t leg = invalid_index;
        for (auto l = plan.routes.trip_first_leg[t]; l < plan.routes.trip_first_leg[t + 1]; ++l)
            if (plan.routes.leg_kind[l] == LegKind::ride && day.leg_board_s[l] < 0) leg = l;
        if (leg == invalid_index || day.leg_end_s[leg] < 0) continue;  // still on the way at the end of the day
        const auto person = plan.pop.person_of_tour(t / 2);
        const auto from = net.stop_node[tm.rn_stop(plan.routes.leg_board_rn[leg])];
        const auto to = routing::trip_dest_node(plan.pop, person, t);
        const auto way = onward.find(from, to);
        if (!way.walk_path) continue;  // by taxi, or no walk path
        const double speed = p.walk_speed_mps * personal_speed_factor(p.seed, person, p.walk_speed_cv, 0);
        double clock = day.leg_end_s[leg] - way.metres / speed;
        for (const auto arc : onward.arcs()) {
            const std::uint32_t link = ctx.routing.walk.link[arc];
            const std::size_t dir = ctx.routing.walk.tail[arc] == net.link_from[link] ? 0 : 1;
            const std::size_t hour =
                std::min<std::size_t>(volume_hours - 1, static_cast<std::size_t>(std::max(0.0, clock) / 3600));
            walkers[(link * 2 + dir) * volume_hours + hour].fetch_add(1, std::memory_order_relaxed);
            clock += ctx.routing.walk.length_m[arc] / speed;
        }
    }
}

}  // namespace

DayResult simulate_day(const MobsimContext& ctx, const DayPlan& plan) {
    Day day(ctx, plan);
    DayResult res = day.run();
    count_lot_use(ctx, plan, res);
    return res;
}

namespace {

// The walkers and cyclists of a day, counted leg by leg from any thread, then handed to the
// day's columns.
class WalkBikeCounter {
public:
    WalkBikeCounter(const MobsimContext& ctx, const DayPlan& plan, const DayResult& day)
        : m_ctx(ctx),
          m_plan(plan),
          m_day(day),
          m_walkers(ctx.routing.net.link_count() * 2 * volume_hours),
          m_cyclists(m_walkers.size()),
          m_leg_trip(plan.routes.leg_count()) {
        for (std::uint32_t t = 0; t < plan.routes.trip_count(); ++t)
            for (auto l = plan.routes.trip_first_leg[t]; l < plan.routes.trip_first_leg[t + 1]; ++l) m_leg_trip[l] = t;
    }
    // Leg `leg` along its arcs of graph `g` (for_each_arc(f) calls f with each in path order),
    // from the second the day started it, at its person's speed.
    template <class ForEachArc>
    void count(std::uint32_t leg, const routing::StreetGraph& g, ForEachArc&& for_each_arc) {
        const std::int32_t start = m_day.leg_start_s[leg];
        if (start < 0) return;  // never started (the day ended first)
        const auto& net = m_ctx.routing.net;
        const auto& p = m_ctx.params;
        const bool walk = m_plan.routes.leg_kind[leg] == LegKind::walk;
        const auto person = m_plan.pop.person_of_tour(m_leg_trip[leg] / 2);
        const double speed = walk ? p.walk_speed_mps * personal_speed_factor(p.seed, person, p.walk_speed_cv, 0)
                                  : p.bike_speed_mps * personal_speed_factor(p.seed, person, p.bike_speed_cv, 1);
        auto& counter = walk ? m_walkers : m_cyclists;
        double clock = start;
        for_each_arc([&](std::uint32_t arc) {
            const std::uint32_t link = g.link[arc];
            const std::size_t dir = g.tail[arc] == net.link_from[link] ? 0 : 1;
            const std::size_t hour =
                std::min<std::size_t>(volume_hours - 1, static_cast<std::size_t>(std::max(0.0, clock) / 3600));
            counter[(link * 2 + dir) * volume_hours + hour].fetch_add(1, std::memory_order_relaxed);
            clock += g.length_m[arc] / speed;
        });
    }
    // With the walks of riders who gave up transit, into the day's columns.
    void finish(DayResult& day) {
        add_give_up_walks(m_ctx, m_plan, day, m_walkers);
        day.walkers.resize(m_walkers.size());
        day.cyclists.resize(m_cyclists.size());
        for (std::size_t i = 0; i < m_walkers.size(); ++i) {
            day.walkers[i] = m_walkers[i].load();
            day.cyclists[i] = m_cyclists[i].load();
        }
    }

private:
    const MobsimContext& m_ctx;
    const DayPlan& m_plan;
    const DayResult& m_day;
    std::vector<std::atomic<std::uint32_t>> m_walkers, m_cyclists;
    std::vector<std::uint32_t> m_leg_trip;
};

constexpr std::uint8_t far_arc = 255;  // the escape: the arc's id follows in 4 bytes

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    const std::size_t at = out.size();
    out.resize(at + 4);
    std::memcpy(out.data() + at, &v, 4);
}

std::uint32_t get_u32(const std::uint8_t* p) {
    std::uint32_t v = 0;
    std::memcpy(&v, p, 4);
    return v;
}

// A leg's record (WalkBikePaths::Part): the leg, its first node, its arc count, then each arc as
// its position among its tail's arcs where the path runs on from the last head and the position
// fits in a byte, else the escape and the arc.
void put_path(std::vector<std::uint8_t>& out, std::uint32_t leg, const routing::StreetGraph& g,
              const std::vector<std::uint32_t>& arcs) {
    std::uint32_t node = g.tail[arcs.front()];
    put_u32(out, leg);
    put_u32(out, node);
    put_u32(out, static_cast<std::uint32_t>(arcs.size()));
    for (const auto arc : arcs) {
        const std::uint32_t at = arc - g.first_out[node];
        if (g.tail[arc] == node && at < far_arc) {
            out.push_back(static_cast<std::uint8_t>(at));
        } else {
            out.push_back(far_arc);
            put_u32(out, arc);
        }
        node = g.head[arc];
    }
}

// The arcs of a path written by put_path at `p` (after its leg), through f, in order.
template <class F>
void read_path(const routing::StreetGraph& g, const std::uint8_t* p, F&& f) {
    std::uint32_t node = get_u32(p);
    const std::uint32_t count = get_u32(p + 4);
    p += 8;
    for (std::uint32_t k = 0; k < count; ++k) {
        std::uint32_t arc = 0;
        if (*p != far_arc) {
            arc = g.first_out[node] + *p++;
        } else {
            arc = get_u32(p + 1);
            p += 5;
        }
        f(arc);
        node = g.head[arc];
    }
}

}  // namespace

void add_walk_bike_volumes(const MobsimContext& ctx, const DayPlan& plan, DayResult& day) {
    WalkBikeCounter counter(ctx, plan, day);
    routing::trace_walk_bike_legs(
        ctx.routing, plan.pop, plan.routes,
        [&](std::uint32_t leg, const routing::StreetGraph& g, const std::vector<std::uint32_t>& arcs) {
            counter.count(leg, g, [&](const auto& f) {
                for (const auto arc : arcs) f(arc);
            });
        });
    counter.finish(day);
}

std::size_t WalkBikePaths::size_bytes() const {
    std::size_t n = 0;
    for (const auto& p : m_parts) n += p.bytes.capacity() + p.record.capacity() * sizeof(std::size_t);
    return n;
}

WalkBikePaths trace_walk_bike_paths(const MobsimContext& ctx, const DayPlan& plan) {
    tbb::enumerable_thread_specific<WalkBikePaths::Part> parts;
    routing::trace_walk_bike_legs(
        ctx.routing, plan.pop, plan.routes,
        [&](std::uint32_t leg, const routing::StreetGraph& g, const std::vector<std::uint32_t>& arcs) {
            if (arcs.empty()) return;  // counts nothing
            auto& part = parts.local();
            part.record.push_back(part.bytes.size());
            put_path(part.bytes, leg, g, arcs);
        },
        true);
    WalkBikePaths paths;
    for (auto& p : parts) {
        p.bytes.shrink_to_fit();  // they are kept through the day
        p.record.shrink_to_fit();
        paths.m_parts.push_back(std::move(p));
    }
    return paths;
}

void add_walk_bike_volumes(const MobsimContext& ctx, const DayPlan& plan, const WalkBikePaths& paths, DayResult& day) {
    WalkBikeCounter counter(ctx, plan, day);
    const auto count = [&](const std::uint8_t* record) {
        const std::uint32_t leg = get_u32(record);
        const auto& g = plan.routes.leg_kind[leg] == LegKind::walk ? ctx.routing.walk : ctx.routing.bike;
        counter.count(leg, g, [&](const auto& f) { read_path(g, record + 4, f); });
    };
    for (const auto& part : paths.m_parts)
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, part.record.size(), 1024),
                          [&](const tbb::blocked_range<std::size_t>& r) {
                              for (std::size_t i = r.begin(); i != r.end(); ++i)
                                  count(part.bytes.data() + part.record[i]);
                          });
    counter.finish(day);
}

}  // namespace flemsim::mobsim
