#include "sim/routing/routes.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>

#include "sim/routing/dijkstra.hpp"

namespace flemsim::routing {

using core::invalid_index;
using core::Mode;

namespace {

constexpr std::int32_t day_s = 24 * 3600;

// Legs of one trip, appended to a buffer.
struct LegBuffer {
    std::vector<LegKind> kind;
    std::vector<std::uint32_t> arc_count;
    std::vector<std::uint32_t> arcs;
    std::vector<std::uint32_t> board_rn;
    std::vector<std::uint16_t> stops;

    void street(LegKind k, std::size_t arcs_before) {
        kind.push_back(k);
        arc_count.push_back(static_cast<std::uint32_t>(arcs.size() - arcs_before));
        board_rn.push_back(invalid_index);
        stops.push_back(0);
    }
    void ride(std::uint32_t rn, std::uint16_t n) {
        kind.push_back(LegKind::ride);
        arc_count.push_back(0);
        board_rn.push_back(rn);
        stops.push_back(n);
    }
};

// Where a routed trip's legs sit in a thread's buffer.
struct Slot {
    std::uint32_t buffer = invalid_index;
    std::uint32_t first_leg = 0, leg_count = 0, first_arc = 0;
};

struct Scratch {
    ShortestPathTree walk, bike, car;
    TransitQuery transit;
    TransitItinerary itinerary;
    LegBuffer legs;
    std::uint32_t index;
    Scratch(const RoutingContext& c, std::uint32_t i)
        : walk(c.walk), bike(c.bike), car(c.car), transit(*c.transit), index(i) {}
};

// A transit itinerary leaving at `dep`, searching later periods (and after the last
// service, the next morning) as the level of service does.
bool transit_itinerary(const TransitModel& m, TransitQuery& q, TransitItinerary& it, std::uint32_t from,
                       std::uint32_t to, std::int32_t dep) {
    for (const std::int32_t clock : {dep, dep - day_s}) {
        if (clock < 0) break;
        for (std::size_t p = m.period_of(clock); p < m.period_count(); ++p) {
            q.run(from, p);
            if (q.path_to(to, &it).found) return true;
        }
    }
    return false;
}

}  // namespace

TripRoutes route_trips(const RoutingContext& ctx, const population::Population& pop,
                       const std::vector<core::Mode>& trip_mode, const std::vector<std::int32_t>& trip_dep,
                       const std::vector<std::uint8_t>& reroute, const TripRoutes* previous,
                       const CarTimes* car_times) {
    const std::size_t trips = pop.trip_count();
    const TransitModel& tm = *ctx.transit;
    std::vector<std::uint32_t> trip_person(trips);
    for (std::uint32_t p = 0; p < pop.person_count(); ++p)
        for (std::uint32_t t = 2 * pop.person_first_tour[p]; t < 2 * pop.person_first_tour[p + 1]; ++t)
            trip_person[t] = p;
    const auto wanted = [&](std::size_t t) { return reroute.empty() || reroute[t]; };

    // Trips to route, grouped by origin node (counting sort), then by mode and hour so that
    // one tree serves many trips.
    const std::size_t nodes = ctx.net.node_count();
    std::vector<std::uint32_t> first(nodes + 1, 0);
    for (std::size_t t = 0; t < trips; ++t)
        if (wanted(t)) ++first[trip_origin_node(pop, trip_person[t], t) + 1];
    for (std::size_t n = 0; n < nodes; ++n) first[n + 1] += first[n];
    std::vector<std::uint32_t> order(first[nodes]);
    {
        std::vector<std::uint32_t> pos(first.begin(), first.end() - 1);
        for (std::size_t t = 0; t < trips; ++t)
            if (wanted(t)) order[pos[trip_origin_node(pop, trip_person[t], t)]++] = static_cast<std::uint32_t>(t);
    }
    // Within an origin: by mode, then (car) by departure hour, so that one tree serves many trips.
    const auto group_key = [&](std::uint32_t t) {
        const auto m = static_cast<std::int64_t>(trip_mode[t]);
        return m * 1000000 + (trip_mode[t] == Mode::car ? static_cast<std::int64_t>(trip_dep[t] / 3600) : 0);
    };

    std::vector<Slot> slot(trips);
    std::atomic<std::uint32_t> next_index{0};
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx, next_index++); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nodes, 16), [&](const tbb::blocked_range<std::size_t>& r) {
        Scratch& s = scratch.local();
        for (std::size_t origin = r.begin(); origin != r.end(); ++origin) {
            if (first[origin] == first[origin + 1]) continue;
            std::sort(order.begin() + first[origin], order.begin() + first[origin + 1],
                      [&](std::uint32_t a, std::uint32_t b) {
                          const auto ka = group_key(a), kb = group_key(b);
                          return ka != kb ? ka < kb : a < b;
                      });
            const auto o = static_cast<std::uint32_t>(origin);
            bool walk_ready = false, bike_ready = false;
            std::int64_t car_hour = -1;
            for (std::uint32_t i = first[origin]; i < first[origin + 1]; ++i) {
                const std::uint32_t t = order[i];
                const std::uint32_t d = trip_dest_node(pop, trip_person[t], t);
                Slot sl;
                sl.buffer = s.index;
                sl.first_leg = static_cast<std::uint32_t>(s.legs.kind.size());
                sl.first_arc = static_cast<std::uint32_t>(s.legs.arcs.size());
                const auto walk_leg = [&](std::uint32_t to) {
                    if (!walk_ready) s.walk.run(o);
                    walk_ready = true;
                    const std::size_t before = s.legs.arcs.size();
                    s.walk.path_to(to, s.legs.arcs);
                    s.legs.street(LegKind::walk, before);
                };
                switch (trip_mode[t]) {
                    case Mode::walk:
                        walk_leg(d);
                        break;
                    case Mode::bike: {
                        if (!bike_ready) s.bike.run(o);
                        bike_ready = true;
                        const std::size_t before = s.legs.arcs.size();
                        s.bike.path_to(d, s.legs.arcs);
                        s.legs.street(LegKind::bike, before);
                        break;
                    }
                    case Mode::car: {
                        const std::int64_t hour = car_times ? trip_dep[t] / 3600 : 0;
                        if (hour != car_hour)
                            s.car.run(o, unreachable,
                                      car_times ? car_times->hour(static_cast<std::size_t>(hour)) : nullptr);
                        car_hour = hour;
                        const std::size_t before = s.legs.arcs.size();
                        s.car.path_to(d, s.legs.arcs);
                        s.legs.street(LegKind::car, before);
                        break;
                    }
                    case Mode::transit: {
                        if (!transit_itinerary(tm, s.transit, s.itinerary, o, d, trip_dep[t])) {
                            walk_leg(d);  // no transit path at all (a counted fallback): walk
                            break;
                        }
                        const auto& rides = s.itinerary.rides;
                        std::size_t before = s.legs.arcs.size();
                        tm.walk_path_to_stop(o, tm.rn_stop(rides.front().board_rn), s.legs.arcs);
                        s.legs.street(LegKind::walk, before);
                        for (std::size_t k = 0; k < rides.size(); ++k) {
                            s.legs.ride(rides[k].board_rn, rides[k].stops);
                            const auto alight_stop = tm.rn_stop(rides[k].board_rn + rides[k].stops);
                            const auto next_node =
                                k + 1 < rides.size() ? ctx.net.stop_node[tm.rn_stop(rides[k + 1].board_rn)] : d;
                            before = s.legs.arcs.size();
                            tm.walk_path_from_stop(alight_stop, next_node, s.legs.arcs);
                            s.legs.street(LegKind::walk, before);
                        }
                        break;
                    }
                }
                sl.leg_count = static_cast<std::uint32_t>(s.legs.kind.size()) - sl.first_leg;
                slot[t] = sl;
            }
        }
    });
    std::vector<const LegBuffer*> buffers(next_index.load(), nullptr);
    for (const auto& s : scratch) buffers[s.index] = &s.legs;

    // Assemble in trip order: counts, prefix sums, then copies (parallel over trips).
    TripRoutes out;
    std::vector<std::uint32_t> leg_count(trips), arc_count(trips);
    for (std::size_t t = 0; t < trips; ++t) {
        if (wanted(t)) {
            const auto& b = *buffers[slot[t].buffer];
            leg_count[t] = slot[t].leg_count;
            std::uint32_t a = 0;
            for (std::uint32_t l = 0; l < slot[t].leg_count; ++l) a += b.arc_count[slot[t].first_leg + l];
            arc_count[t] = a;
        } else {
            const auto lb = previous->trip_first_leg[t], le = previous->trip_first_leg[t + 1];
            leg_count[t] = le - lb;
            arc_count[t] = previous->leg_first_arc[le] - previous->leg_first_arc[lb];
        }
    }
    out.trip_first_leg.assign(trips + 1, 0);
    std::vector<std::uint64_t> trip_first_arc(trips + 1, 0);
    for (std::size_t t = 0; t < trips; ++t) {
        out.trip_first_leg[t + 1] = out.trip_first_leg[t] + leg_count[t];
        trip_first_arc[t + 1] = trip_first_arc[t] + arc_count[t];
    }
    const std::size_t legs = out.trip_first_leg[trips];
    out.leg_kind.resize(legs);
    out.leg_first_arc.assign(legs + 1, 0);
    out.leg_board_rn.resize(legs);
    out.leg_stops.resize(legs);
    out.arcs.resize(trip_first_arc[trips]);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, trips, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t t = r.begin(); t != r.end(); ++t) {
            std::uint32_t leg = out.trip_first_leg[t];
            std::uint64_t arc = trip_first_arc[t];
            if (wanted(t)) {
                const auto& b = *buffers[slot[t].buffer];
                std::uint32_t src_arc = slot[t].first_arc;
                for (std::uint32_t l = slot[t].first_leg; l < slot[t].first_leg + slot[t].leg_count; ++l, ++leg) {
                    out.leg_kind[leg] = b.kind[l];
                    out.leg_board_rn[leg] = b.board_rn[l];
                    out.leg_stops[leg] = b.stops[l];
                    out.leg_first_arc[leg] = static_cast<std::uint32_t>(arc);
                    for (std::uint32_t k = 0; k < b.arc_count[l]; ++k) out.arcs[arc++] = b.arcs[src_arc++];
                }
            } else {
                for (std::uint32_t l = previous->trip_first_leg[t]; l < previous->trip_first_leg[t + 1]; ++l, ++leg) {
                    out.leg_kind[leg] = previous->leg_kind[l];
                    out.leg_board_rn[leg] = previous->leg_board_rn[l];
                    out.leg_stops[leg] = previous->leg_stops[l];
                    out.leg_first_arc[leg] = static_cast<std::uint32_t>(arc);
                    for (std::uint32_t a = previous->leg_first_arc[l]; a < previous->leg_first_arc[l + 1]; ++a)
                        out.arcs[arc++] = previous->arcs[a];
                }
            }
        }
    });
    out.leg_first_arc[legs] = static_cast<std::uint32_t>(out.arcs.size());
    return out;
}

}  // namespace flemsim::routing
