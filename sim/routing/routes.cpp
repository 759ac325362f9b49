#include "sim/routing/routes.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>

#include "sim/core/rng.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/street_cch.hpp"

namespace flemsim::routing {

using core::invalid_index;
using core::Mode;

namespace {

// Legs of one trip, appended to a buffer.
struct LegBuffer {
    std::vector<LegKind> kind;
    std::vector<std::uint32_t> arc_count;
    std::vector<std::uint32_t> arcs;
    std::vector<std::uint32_t> board_rn;
    std::vector<std::uint16_t> stops;

    std::vector<float> length_m;

    // A street leg from the arcs appended since `arcs_before` (of graph g). Car legs keep
    // their arcs (the simulation moves cars link by link); walk and bike legs keep only
    // their length: walkers and cyclists do not interact, and their paths are traced again
    // when link volumes are wanted.
    void street(LegKind k, std::size_t arcs_before, const StreetGraph& g) {
        double length = 0;
        for (std::size_t i = arcs_before; i < arcs.size(); ++i) length += g.length_m[arcs[i]];
        if (k != LegKind::car) arcs.resize(arcs_before);
        kind.push_back(k);
        arc_count.push_back(static_cast<std::uint32_t>(arcs.size() - arcs_before));
        board_rn.push_back(invalid_index);
        stops.push_back(0);
        length_m.push_back(static_cast<float>(length));
    }
    // A walk or bike leg of a known length (no arcs).
    void street(LegKind k, float length) {
        kind.push_back(k);
        arc_count.push_back(0);
        board_rn.push_back(invalid_index);
        stops.push_back(0);
        length_m.push_back(length);
    }
    void ride(std::uint32_t rn, std::uint16_t n) {
        kind.push_back(LegKind::ride);
        arc_count.push_back(0);
        length_m.push_back(0.f);
        board_rn.push_back(rn);
        stops.push_back(n);
    }
};

struct Scratch : RoutingScratch {
    TransitItinerary itinerary;
    LegBuffer legs;
    ShortestPathTree access_car, access_bike;               // park-and-ride and bike-and-ride legs
    std::optional<StreetPathQuery> walk_query, bike_query;  // walk and bike legs (street_legs_by_cch)
    explicit Scratch(const RoutingContext& c) : RoutingScratch(c), access_car(c.car), access_bike(c.bike) {}
};

// The walk or bike path from `o` to `d` by the mode's CCH, appended to `arcs` (nothing when
// unreached). With `kept`, the query keeps o's side for the next legs from o (`ready` says
// whether it holds it); a single leg runs alone and clears `ready`. Kept, `bound` (at least the
// path's cost, infinite when unknown) and `source_bound` (at least that of every leg from o to
// come) prune the searches (CchQuery::to); a bound found too low is asked again without one, so
// the path is the same either way.
void cch_street_path(const RoutingContext& ctx, std::optional<StreetPathQuery>& query, Mode mode, std::uint32_t o,
                     std::uint32_t d, bool kept, bool& ready, std::vector<std::uint32_t>& arcs,
                     double source_bound = std::numeric_limits<double>::infinity(),
                     double bound = std::numeric_limits<double>::infinity()) {
    const StreetGraph& graph = street_graph(ctx, mode);
    if (!query) query.emplace(street_metric(ctx, mode));
    double time_s = 0, length_m = 0;
    bool found = false;
    if (kept) {
        if (!ready) query->from(o, source_bound), ready = true;
        found = query->to_bounded(graph, d, bound, time_s, length_m);
    } else {
        found = query->run(graph, o, d, time_s, length_m);
        ready = false;
    }
    if (found) arcs.insert(arcs.end(), query->arcs().begin(), query->arcs().end());
}

// Scheduled seconds from route node rn to `stops` stops on.
double scheduled_ride_s(const TransitModel& tm, std::uint32_t rn, std::uint16_t stops) {
    double s = 0;
    for (std::uint16_t k = 0; k < stops; ++k) s += tm.rn_scheduled_ride_s(rn + k);
    return s;
}

// The common lines of every ride leg: the planned ride, then each other route node at the
// boarding stop whose line reaches the alighting stop later on within `factor` x the planned
// scheduled ride (in route node order, so the result is deterministic).
void add_ride_options(const TransitModel& tm, double factor, TripRoutes& out) {
    const std::size_t legs = out.leg_count();
    out.leg_first_option.assign(legs + 1, 0);
    out.option_board_rn.clear();
    out.option_stops.clear();
    for (std::size_t l = 0; l < legs; ++l) {
        if (out.leg_kind[l] == LegKind::ride) {
            const std::uint32_t rn = out.leg_board_rn[l];
            const std::uint16_t n = out.leg_stops[l];
            out.option_board_rn.push_back(rn);
            out.option_stops.push_back(n);
            const auto board_stop = tm.rn_stop(rn), alight_stop = tm.rn_stop(rn + n);
            const double limit = factor * scheduled_ride_s(tm, rn, n) + 1e-9;
            for (const auto* b = tm.board_begin(board_stop); b != tm.board_end(board_stop); ++b) {
                if (*b == rn) continue;
                std::uint16_t k = 0;
                for (std::uint32_t x = *b; !tm.rn_is_last(x); ++x) {
                    ++k;
                    if (tm.rn_stop(x + 1) == alight_stop) {
                        if (scheduled_ride_s(tm, *b, k) <= limit) {
                            out.option_board_rn.push_back(*b);
                            out.option_stops.push_back(k);
                        }
                        break;
                    }
                }
            }
        }
        out.leg_first_option[l + 1] = static_cast<std::uint32_t>(out.option_board_rn.size());
    }
}

}  // namespace

std::uint32_t TripRoutes::wide_arc(std::uint32_t pos) const {
    const auto it = std::lower_bound(wide_arcs.begin(), wide_arcs.end(), std::pair{pos, std::uint32_t{0}});
    return it->second;
}

std::vector<std::uint32_t> TripRoutes::arcs_of(const StreetGraph& car, std::uint32_t leg) const {
    std::vector<std::uint32_t> out;
    for_each_arc(car, leg, [&](std::uint32_t a) { out.push_back(a); });
    return out;
}

void TripRoutes::add_leg_arcs(const StreetGraph& car, std::span<const std::uint32_t> arcs) {
    std::uint32_t pos = leg_first_arc.back();
    leg_arc0.push_back(arcs.empty() ? invalid_index : arcs.front());
    for (std::size_t k = 0; k < arcs.size(); ++k, ++pos) {
        std::uint32_t r = 0;
        if (k > 0) {
            r = arcs[k] - car.first_out[car.tail[arcs[k]]];
            if (car.tail[arcs[k]] != car.head[arcs[k - 1]])
                throw std::runtime_error("TripRoutes::add_leg_arcs: arcs " + std::to_string(arcs[k - 1]) + " and " +
                                         std::to_string(arcs[k]) + " do not follow each other");
            if (r >= wide_rank) wide_arcs.emplace_back(pos, arcs[k]);
        }
        if (arc_rank.size() <= pos / 2) arc_rank.push_back(0);
        arc_rank[pos / 2] |= static_cast<std::uint8_t>(std::min(r, wide_rank) << ((pos & 1u) * 4));
    }
    leg_first_arc.push_back(pos);
}

TripRoutes route_trips(const RoutingContext& ctx, const population::Population& pop,
                       const std::vector<core::Mode>& trip_mode, const std::vector<std::int32_t>& trip_dep,
                       const std::vector<std::uint8_t>& reroute, const TripRoutes* previous, const CarTimes* car_times,
                       const TransitAccessPlan* access, const TripLos* known) {
    const std::size_t trips = pop.trip_count();
    const TransitModel& tm = *ctx.transit;
    std::vector<std::uint32_t> trip_person(trips);
    for (std::uint32_t p = 0; p < pop.person_count(); ++p)
        for (const auto t : pop.trips_of(p)) trip_person[t] = p;
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
    // Within an origin: by mode, then (car, transit) by departure hour, so that one tree or
    // transit search serves many trips.
    const auto group_key = [&](std::uint32_t t) {
        const auto m = static_cast<std::int64_t>(trip_mode[t]);
        const bool by_hour = trip_mode[t] == Mode::car || trip_mode[t] == Mode::transit;
        return m * 1000000 + (by_hour ? static_cast<std::int64_t>(trip_dep[t] / 3600) : 0);
    };

    // Car trips of an origin and hour (of an origin, without car_times) that are few go by the
    // car's CCH, customized for each such hour with that hour's times (CarHourMetrics): their
    // paths first, hour by hour (one customization in memory at a time).
    std::vector<CarQuery> car_queries;
    std::vector<std::uint64_t> car_keys;
    std::vector<std::uint32_t> car_trip;
    for (std::size_t t = 0; t < trips; ++t)
        if (wanted(t) && trip_mode[t] == Mode::car) {
            const auto o = trip_origin_node(pop, trip_person[t], t);
            const std::int64_t hour = car_times ? trip_dep[t] / 3600 : 0;
            car_keys.push_back(CarHourMetrics::key(o, hour));
            car_queries.push_back({o, trip_dest_node(pop, trip_person[t], t), hour});
            car_trip.push_back(static_cast<std::uint32_t>(t));
        }
    const CarHourMetrics car_cch(ctx, std::move(car_keys), car_times);
    std::vector<std::uint32_t> car_query_of(trips, invalid_index);
    std::size_t kept = 0;                                     // the queries that go by CCH, in trip order
    std::vector<std::uint8_t> cch_query(car_queries.size());  // looked up in parallel, kept in order
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, car_queries.size(), 1 << 14),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t k = r.begin(); k != r.end(); ++k)
                              cch_query[k] = car_cch.by_cch(car_queries[k].from, car_queries[k].hour);
                      });
    for (std::size_t k = 0; k < car_queries.size(); ++k)
        if (cch_query[k]) {
            car_query_of[car_trip[k]] = static_cast<std::uint32_t>(kept);
            car_queries[kept++] = car_queries[k];
        }
    car_queries.resize(kept);
    const CarAnswers car_paths = car_cch.answer(car_queries, true);

    // Walk and bike trips on large networks (street_legs_by_cch) with as many of the mode's trips
    // as nodes (use_trip_labels): their legs' lengths from labels, time times speed as in the
    // trips' level of service, one mode's labels at a time. Their legs keep only their lengths
    // (the paths are traced again for the volumes, trace_walk_bike_legs); 0 where unreached, as a
    // path not found. Empty: the leg is routed below. Where the trips' level of service came from
    // the same labels (`known`), its distances are those lengths: taken from it, and a trip it
    // does not offer the mode (beyond the mode's range, or unreached) asks a query, whose cost is
    // the labels' bit for bit.
    std::array<std::vector<float>, 2> leg_length;  // walk, bike: by trip
    CchLabels::Storage storage;                    // the walk labels' memory, for the bike's
    for (std::size_t k = 0; k < 2; ++k) {
        const Mode mode = k == 0 ? Mode::walk : Mode::bike;
        const StreetGraph& g = street_graph(ctx, mode);
        std::size_t count = 0;
        for (std::size_t t = 0; t < trips; ++t) count += wanted(t) && trip_mode[t] == mode;
        if (count == 0 || !street_legs_by_cch(ctx, g) || !trip_labels_pay(ctx, mode, count, false)) continue;
        const CchMetric& m = street_metric(ctx, mode);
        const double speed = mode == Mode::walk ? ctx.params.walk_speed_mps : ctx.params.bike_speed_mps;
        auto& length = leg_length[k];
        length.assign(trips, 0.f);
        // A leg's length from its path's time, as the level of service stores it (either way below).
        const auto put_length = [&](std::size_t t, double time_s) {
            if (time_s < unreachable) length[t] = static_cast<float>(time_s * speed);
        };
        if (known && known->size() == trips && (known->from_labels & core::mode_bit(mode))) {
            const auto& distance = known->distance_m[core::mode_index(mode)];
            tbb::enumerable_thread_specific<CchQuery> queries([&] { return CchQuery(m); });
            tbb::parallel_for(tbb::blocked_range<std::size_t>(0, trips, 4096),
                              [&](const tbb::blocked_range<std::size_t>& r) {
                                  for (std::size_t t = r.begin(); t != r.end(); ++t) {
                                      if (!wanted(t) || trip_mode[t] != mode) continue;
                                      if (known->has(t, mode)) {
                                          length[t] = distance[t];
                                          continue;
                                      }
                                      put_length(t, queries.local().run(trip_origin_node(pop, trip_person[t], t),
                                                                        trip_dest_node(pop, trip_person[t], t)));
                                  }
                              });
            continue;
        }
        CchLabels labels(m, false, nullptr, std::move(storage));
        tbb::enumerable_thread_specific<CchLabelQuery> queries(
            [&] { return CchLabelQuery(labels, labels.source_side()); });
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nodes, 16), [&](const tbb::blocked_range<std::size_t>& r) {
            CchLabelQuery& q = queries.local();
            for (std::size_t origin = r.begin(); origin != r.end(); ++origin) {
                bool ready = false;
                for (std::uint32_t i = first[origin]; i < first[origin + 1]; ++i) {
                    const std::uint32_t t = order[i];
                    if (trip_mode[t] != mode) continue;
                    if (!ready) q.from_source(static_cast<std::uint32_t>(origin)), ready = true;
                    put_length(t, q.to(trip_dest_node(pop, trip_person[t], t)));
                }
            }
        });
        storage = labels.take_storage();
    }
    CchLabels::Storage().swap(storage);  // the last labels' memory, not held through the routes below

    // Routes one origin's trips into the scratch buffers, calling per_trip(trip, first leg,
    // leg count, first arc) for each.
    const auto route_origin = [&](std::size_t origin, Scratch& s, const auto& per_trip) {
        std::sort(order.begin() + first[origin], order.begin() + first[origin + 1],
                  [&](std::uint32_t a, std::uint32_t b) {
                      const auto ka = group_key(a), kb = group_key(b);
                      return ka != kb ? ka < kb : a < b;
                  });
        const auto o = static_cast<std::uint32_t>(origin);
        bool walk_ready = false, bike_ready = false, car_by_cch = false;
        // Park-and-ride or bike-and-ride by the tour's plan: out, the drive (ride) to the park,
        // the walk to its stop, the journey; back, the journey to that stop, the walk to the
        // park, the drive (ride) home. False (nothing appended) when the plan has none or no
        // such journey is found now: the trip then walks to transit.
        const auto lot_journey = [&](Scratch& sc, std::uint32_t t, std::uint32_t from, std::uint32_t to, double u) {
            const auto tour = t / 2;
            const auto kind = static_cast<TransitAccess>(access->kind[tour]);
            if (kind == TransitAccess::walk || access->lot_stop[tour] < 0) return false;
            const auto lot_i = tm.lot_of_stop(kind, static_cast<std::uint32_t>(access->lot_stop[tour]));
            if (lot_i == invalid_index) return false;
            const auto& lot = tm.lots(kind)[lot_i];
            const bool car = kind == TransitAccess::car;
            ShortestPathTree& tree = car ? sc.access_car : sc.access_bike;
            const double* times =
                car && car_times ? car_times->hour(static_cast<std::size_t>(std::max(0, trip_dep[t]) / 3600)) : nullptr;
            const auto street = car ? LegKind::car : LegKind::bike;
            const StreetGraph& graph = car ? ctx.car : ctx.bike;
            const bool out = t % 2 == 0;
            TransitPath path;
            if (out) {
                tree.run_to(from, {lot.node}, times);
                if (!tree.reached(lot.node)) return false;
                sc.transit.run_from_lots(from, std::max(0, trip_dep[t]) / 3600, 1, kind, tree, lot_i);
                path = sc.transit.path_to(to, trip_dep[t], &sc.itinerary, u);
            } else {
                tree.run_to(lot.node, {to}, times);
                if (!tree.reached(to)) return false;
                sc.transit.run(from, std::max(0, trip_dep[t]) / 3600, 1);
                path = sc.transit.path_to_lot(kind, lot_i, tree.time_s(to), tree.length_m(to), trip_dep[t],
                                              &sc.itinerary, u);
            }
            if (!path.found) return false;
            const auto& rides = sc.itinerary.rides;
            std::size_t before = sc.legs.arcs.size();
            if (out) {
                tree.path_to(lot.node, sc.legs.arcs);
                sc.legs.street(street, before, graph);
                before = sc.legs.arcs.size();
                tm.walk_path_to_stop(lot.node, lot.stop, sc.legs.arcs);
                sc.legs.street(LegKind::walk, before, ctx.walk);
            } else {
                tm.walk_path_to_stop(from, tm.rn_stop(rides.front().board_rn), sc.legs.arcs);
                sc.legs.street(LegKind::walk, before, ctx.walk);
            }
            for (std::size_t k = 0; k < rides.size(); ++k) {
                sc.legs.ride(rides[k].board_rn, rides[k].stops);
                const auto alight_stop = tm.rn_stop(rides[k].board_rn + rides[k].stops);
                const bool last = k + 1 == rides.size();
                const auto next_node = !last ? ctx.net.stop_node[tm.rn_stop(rides[k + 1].board_rn)]
                                       : out ? to
                                             : lot.node;
                before = sc.legs.arcs.size();
                tm.walk_path_from_stop(alight_stop, next_node, sc.legs.arcs);
                sc.legs.street(LegKind::walk, before, ctx.walk);
            }
            if (!out) {
                before = sc.legs.arcs.size();
                tree.path_to(to, sc.legs.arcs);
                sc.legs.street(street, before, graph);
            }
            return true;
        };
        std::int64_t car_hour = -1;
        std::size_t group_trips = 0;  // trips of this origin with trip t's mode and hour
        for (std::uint32_t i = first[origin]; i < first[origin + 1]; ++i) {
            const std::uint32_t t = order[i];
            const std::uint32_t d = trip_dest_node(pop, trip_person[t], t);
            if (i == first[origin] || group_key(order[i - 1]) != group_key(t))
                group_trips = run_length(order, i, first[origin + 1], group_key);
            const auto first_leg = static_cast<std::uint32_t>(s.legs.kind.size());
            const auto first_arc = static_cast<std::uint32_t>(s.legs.arcs.size());
            // Walk and bike: one search for this origin's trips of the mode (consecutive in
            // the order), stopped once their destinations are settled: their paths are those
            // of a full search. A transit trip that falls back to walking searches on its own.
            const auto street_tree = [&](ShortestPathTree& tree, bool& ready, Mode mode) {
                if (trip_mode[t] != mode) {
                    tree.run_to(o, {d});
                    ready = false;
                    return;
                }
                if (ready) return;
                s.targets.clear();
                for (auto k = i; k < first[origin + 1] && trip_mode[order[k]] == mode; ++k)
                    s.targets.push_back(trip_dest_node(pop, trip_person[order[k]], order[k]));
                tree.run_to(o, s.targets);
                ready = true;
            };
            // On large networks a CCH query per leg (street_legs_by_cch), sharing the origin's
            // side among its trips of the mode.
            const auto street_path = [&](ShortestPathTree& tree, bool& ready, Mode mode) {
                if (street_legs_by_cch(ctx, street_graph(ctx, mode))) {
                    const bool kept = trip_mode[t] == mode && group_trips >= 2;
                    cch_street_path(ctx, mode == Mode::walk ? s.walk_query : s.bike_query, mode, o, d, kept, ready,
                                    s.legs.arcs);
                    return;
                }
                street_tree(tree, ready, mode);
                tree.path_to(d, s.legs.arcs);
            };
            const auto walk_leg = [&] {
                const std::size_t before = s.legs.arcs.size();
                street_path(s.walk, walk_ready, Mode::walk);
                s.legs.street(LegKind::walk, before, ctx.walk);
            };
            switch (trip_mode[t]) {
                case Mode::walk:
                    if (!leg_length[0].empty())
                        s.legs.street(LegKind::walk, leg_length[0][t]);
                    else
                        walk_leg();
                    break;
                case Mode::bike: {
                    if (!leg_length[1].empty()) {
                        s.legs.street(LegKind::bike, leg_length[1][t]);
                        break;
                    }
                    const std::size_t before = s.legs.arcs.size();
                    street_path(s.bike, bike_ready, Mode::bike);
                    s.legs.street(LegKind::bike, before, ctx.bike);
                    break;
                }
                case Mode::car: {
                    const std::int64_t hour = car_times ? trip_dep[t] / 3600 : 0;
                    if (hour != car_hour) {
                        car_by_cch = car_cch.by_cch(o, hour);
                        if (!car_by_cch) {
                            // One search for the car trips of this origin and hour (consecutive in
                            // the order), stopped once their destinations are settled.
                            s.targets.clear();
                            // Without car_times one search serves every hour: all car trips then.
                            const auto same = [&](std::uint32_t x) {
                                return car_times ? group_key(x) == group_key(t) : trip_mode[x] == Mode::car;
                            };
                            for (auto k = i; k < first[origin + 1] && same(order[k]); ++k)
                                s.targets.push_back(trip_dest_node(pop, trip_person[order[k]], order[k]));
                            s.car.run_to(o, s.targets,
                                         car_times ? car_times->hour(static_cast<std::size_t>(hour)) : nullptr);
                        }
                    }
                    car_hour = hour;
                    const std::size_t before = s.legs.arcs.size();
                    if (car_by_cch) {
                        // The same path a search would give (up to ties of equal cost).
                        const auto path = car_paths.path(car_query_of[t]);
                        s.legs.arcs.insert(s.legs.arcs.end(), path.begin(), path.end());
                    } else {
                        s.car.path_to(d, s.legs.arcs);
                    }
                    s.legs.street(LegKind::car, before, ctx.car);
                    break;
                }
                case Mode::transit: {
                    // The journey taken: a logit draw among the Pareto journeys, keyed by
                    // person and trip (the same draw every day: choices move only with costs).
                    core::Rng rng(ctx.params.transit.seed, core::Stream::journey_choice, trip_person[t], t);
                    const double u = rng.uniform();
                    if (access && lot_journey(s, t, o, d, u)) break;
                    if (!transit_path_at(ctx, s.transit, o, d, trip_dep[t], &s.itinerary, u, group_trips).found) {
                        walk_leg();  // no transit path at all (a counted fallback): walk
                        break;
                    }
                    const auto& rides = s.itinerary.rides;
                    std::size_t before = s.legs.arcs.size();
                    tm.walk_path_to_stop(o, tm.rn_stop(rides.front().board_rn), s.legs.arcs);
                    s.legs.street(LegKind::walk, before, ctx.walk);
                    for (std::size_t k = 0; k < rides.size(); ++k) {
                        s.legs.ride(rides[k].board_rn, rides[k].stops);
                        const auto alight_stop = tm.rn_stop(rides[k].board_rn + rides[k].stops);
                        const auto next_node =
                            k + 1 < rides.size() ? ctx.net.stop_node[tm.rn_stop(rides[k + 1].board_rn)] : d;
                        before = s.legs.arcs.size();
                        tm.walk_path_from_stop(alight_stop, next_node, s.legs.arcs);
                        s.legs.street(LegKind::walk, before, ctx.walk);
                    }
                    break;
                }
            }
            per_trip(t, first_leg, static_cast<std::uint32_t>(s.legs.kind.size()) - first_leg, first_arc);
        }
    };

    // One pass over the origins in fixed chunks, each chunk's legs kept in its own buffer;
    // then every trip's legs copied to its place. The buffers hold what is routed now (car
    // legs keep their arcs, the others only their lengths) until the copy is done.
    struct Chunk {
        LegBuffer legs;
        std::vector<std::array<std::uint32_t, 4>> trips;  // trip, first leg, legs, first arc (in `legs`)
    };
    constexpr std::size_t chunk_origins = 64;
    std::vector<Chunk> chunks((nodes + chunk_origins - 1) / chunk_origins);
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, chunks.size(), 1), [&](const tbb::blocked_range<std::size_t>& r) {
            Scratch& s = scratch.local();
            for (std::size_t c = r.begin(); c != r.end(); ++c) {
                Chunk& chunk = chunks[c];
                s.legs = LegBuffer{};
                for (std::size_t origin = c * chunk_origins; origin < std::min(nodes, (c + 1) * chunk_origins);
                     ++origin) {
                    if (first[origin] == first[origin + 1]) continue;
                    route_origin(origin, s, [&](std::uint32_t t, std::uint32_t fl, std::uint32_t nl, std::uint32_t fa) {
                        chunk.trips.push_back({t, fl, nl, fa});
                    });
                }
                chunk.legs = std::move(s.legs);
            }
        });
    std::vector<std::uint32_t> leg_count(trips, 0), arc_count(trips, 0);
    for (const Chunk& chunk : chunks)
        for (const auto& [t, fl, nl, fa] : chunk.trips) {
            leg_count[t] = nl;
            std::uint32_t a = 0;
            for (std::uint32_t l = fl; l < fl + nl; ++l) a += chunk.legs.arc_count[l];
            arc_count[t] = a;
        }
    for (std::size_t t = 0; t < trips; ++t) {
        if (wanted(t)) continue;
        const auto lb = previous->trip_first_leg[t], le = previous->trip_first_leg[t + 1];
        leg_count[t] = le - lb;
        arc_count[t] = previous->leg_first_arc[le] - previous->leg_first_arc[lb];
    }
    TripRoutes out;
    out.trip_first_leg.assign(trips + 1, 0);
    std::vector<std::uint64_t> trip_first_arc(trips + 1, 0);
    for (std::size_t t = 0; t < trips; ++t) {
        out.trip_first_leg[t + 1] = out.trip_first_leg[t] + leg_count[t];
        trip_first_arc[t + 1] = trip_first_arc[t] + arc_count[t];
    }
    const std::size_t legs = out.trip_first_leg[trips];
    const std::uint64_t arcs = trip_first_arc[trips];
    if (arcs > std::numeric_limits<std::uint32_t>::max())
        throw std::runtime_error("route_trips: the car legs hold " + std::to_string(arcs) +
                                 " arcs, more than 2^32 positions");
    out.leg_kind.resize(legs);
    out.leg_first_arc.assign(legs + 1, 0);
    out.leg_arc0.assign(legs, invalid_index);
    out.leg_board_rn.resize(legs);
    out.leg_stops.resize(legs);
    out.leg_length_m.resize(legs);
    // Each position's rank a byte first (trips are written from many threads in any order),
    // packed two a byte below; ranks that do not fit in 4 bits per thread, merged after.
    std::vector<std::uint8_t> rank(arcs);
    tbb::enumerable_thread_specific<std::vector<std::pair<std::uint32_t, std::uint32_t>>> wide;
    const auto put = [&](std::uint32_t leg, std::uint32_t pos, std::uint32_t k, std::uint32_t a,
                         std::vector<std::pair<std::uint32_t, std::uint32_t>>& w) {
        if (k == 0) {
            out.leg_arc0[leg] = a;
            return;
        }
        const std::uint32_t r = a - ctx.car.first_out[ctx.car.tail[a]];
        rank[pos] = static_cast<std::uint8_t>(std::min(r, TripRoutes::wide_rank));
        if (r >= TripRoutes::wide_rank) w.emplace_back(pos, a);
    };
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunks.size(), 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          auto& w = wide.local();
                          for (std::size_t c = r.begin(); c != r.end(); ++c) {
                              Chunk& chunk = chunks[c];
                              const LegBuffer& b = chunk.legs;
                              for (const auto& [t, fl, nl, fa] : chunk.trips) {
                                  std::uint32_t leg = out.trip_first_leg[t];
                                  auto arc = static_cast<std::uint32_t>(trip_first_arc[t]);
                                  std::uint32_t src_arc = fa;
                                  for (std::uint32_t l = fl; l < fl + nl; ++l, ++leg) {
                                      out.leg_kind[leg] = b.kind[l];
                                      out.leg_board_rn[leg] = b.board_rn[l];
                                      out.leg_stops[leg] = b.stops[l];
                                      out.leg_length_m[leg] = b.length_m[l];
                                      out.leg_first_arc[leg] = arc;
                                      for (std::uint32_t k = 0; k < b.arc_count[l]; ++k, ++arc)
                                          put(leg, arc, k, b.arcs[src_arc++], w);
                                  }
                              }
                              chunk = Chunk{};  // freed as soon as copied
                          }
                      });
    if (previous) {
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, trips, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
                auto& w = wide.local();
                for (std::size_t t = r.begin(); t != r.end(); ++t) {
                    if (wanted(t)) continue;
                    std::uint32_t leg = out.trip_first_leg[t];
                    auto arc = static_cast<std::uint32_t>(trip_first_arc[t]);
                    for (std::uint32_t l = previous->trip_first_leg[t]; l < previous->trip_first_leg[t + 1];
                         ++l, ++leg) {
                        out.leg_kind[leg] = previous->leg_kind[l];
                        out.leg_board_rn[leg] = previous->leg_board_rn[l];
                        out.leg_stops[leg] = previous->leg_stops[l];
                        out.leg_length_m[leg] = previous->leg_length_m[l];
                        out.leg_first_arc[leg] = arc;
                        std::uint32_t k = 0;
                        previous->for_each_arc(ctx.car, l, [&](std::uint32_t a) { put(leg, arc++, k++, a, w); });
                    }
                }
            });
    }
    out.leg_first_arc[legs] = static_cast<std::uint32_t>(arcs);
    out.arc_rank.assign((arcs + 1) / 2, 0);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, out.arc_rank.size(), 1 << 16),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i)
                              out.arc_rank[i] = static_cast<std::uint8_t>(
                                  rank[2 * i] | (2 * i + 1 < arcs ? rank[2 * i + 1] << 4 : 0));
                      });
    std::vector<std::uint8_t>().swap(rank);
    for (auto& w : wide) out.wide_arcs.insert(out.wide_arcs.end(), w.begin(), w.end());
    std::sort(out.wide_arcs.begin(), out.wide_arcs.end());
    add_ride_options(tm, ctx.params.transit.attractive_ride_factor, out);
    return out;
}

}  // namespace flemsim::routing

namespace flemsim::routing {

void trace_walk_bike_legs(const RoutingContext& ctx, const population::Population& pop, const TripRoutes& routes,
                          const std::function<void(std::uint32_t leg, const StreetGraph& graph,
                                                   const std::vector<std::uint32_t>& arcs)>& visit,
                          bool labels) {
    const TransitModel& tm = *ctx.transit;
    const std::size_t trips = pop.trip_count(), nodes = ctx.net.node_count();
    std::vector<std::uint32_t> trip_person(trips);
    for (std::uint32_t p = 0; p < pop.person_count(); ++p)
        for (const auto t : pop.trips_of(p)) trip_person[t] = p;
    const auto has_street_leg = [&](std::size_t t) {
        for (auto l = routes.trip_first_leg[t]; l < routes.trip_first_leg[t + 1]; ++l)
            if (routes.leg_kind[l] == LegKind::walk || routes.leg_kind[l] == LegKind::bike) return true;
        return false;
    };
    std::vector<std::uint32_t> first(nodes + 1, 0);
    for (std::size_t t = 0; t < trips; ++t)
        if (has_street_leg(t)) ++first[trip_origin_node(pop, trip_person[t], t) + 1];
    for (std::size_t n = 0; n < nodes; ++n) first[n + 1] += first[n];
    std::vector<std::uint32_t> order(first[nodes]);
    {
        std::vector<std::uint32_t> pos(first.begin(), first.end() - 1);
        for (std::size_t t = 0; t < trips; ++t)
            if (has_street_leg(t))
                order[pos[trip_origin_node(pop, trip_person[t], t)]++] = static_cast<std::uint32_t>(t);
    }
    // A walk's or ride's cost is at most its length times the graph's most seconds a metre: with
    // the lengths route_trips measured, a bound that prunes the CCH queries (cch_street_path).
    constexpr double unbounded = std::numeric_limits<double>::infinity();
    const std::array<double, 2> per_metre{
        street_legs_by_cch(ctx, ctx.walk) ? most_seconds_per_metre(ctx.walk) : unbounded,
        street_legs_by_cch(ctx, ctx.bike) ? most_seconds_per_metre(ctx.bike) : unbounded};
    const auto leg_bound = [&](std::uint32_t leg) {
        const double length = routes.leg_length_m[leg];
        const double k = per_metre[routes.leg_kind[leg] == LegKind::walk ? 0 : 1];
        if (!(length > 0) || !(k < unbounded)) return unbounded;
        return static_cast<double>(length) * k * (1 + 1e-6) + 1e-3;  // the float length's rounding and more
    };
    // Whether trip tk has no rides and a leg of `kind`; f(trip) for each such trip from `origin`.
    const auto street_trip = [&](std::uint32_t tk, LegKind kind) {
        bool only_street = true, has_kind = false;
        for (auto x = routes.trip_first_leg[tk]; x < routes.trip_first_leg[tk + 1]; ++x) {
            only_street = only_street && routes.leg_kind[x] != LegKind::ride;
            has_kind = has_kind || routes.leg_kind[x] == kind;
        }
        return only_street && has_kind;
    };
    const auto street_trips = [&](std::size_t origin, LegKind kind, const auto& f) {
        for (auto k = first[origin]; k < first[origin + 1]; ++k)
            if (street_trip(order[k], kind)) f(order[k]);
    };
    // The legs of trips without rides, by mode, from labels (`labels`, where they pay): per
    // origin its side once (CchLabels::for_each_source), then per trip the path to its
    // destination (CchLabelQuery::path: the query's, arc for arc), for each of its legs of the
    // mode. The modes so traced are skipped below.
    std::array<bool, 2> by_labels{false, false};
    if (labels) {
        CchLabels::Storage storage;  // the walk labels' memory, for the bike's
        for (std::size_t k = 0; k < 2; ++k) {
            const LegKind kind = k == 0 ? LegKind::walk : LegKind::bike;
            const Mode mode = k == 0 ? Mode::walk : Mode::bike;
            const StreetGraph& graph = street_graph(ctx, mode);
            if (!street_legs_by_cch(ctx, graph)) continue;
            std::vector<std::uint8_t> wanted(nodes, 0);
            std::size_t count = 0;
            for (std::size_t origin = 0; origin < nodes; ++origin)
                street_trips(origin, kind, [&](std::uint32_t) { ++count, wanted[origin] = 1; });
            if (count == 0 || !trip_labels_pay(ctx, mode, count, false)) continue;
            by_labels[k] = true;
            const CchMetric& metric = street_metric(ctx, mode);
            CchLabels mode_labels(metric, false, nullptr, std::move(storage));
            // Mirrored ways: on a metric the same both ways whose arcs unpack both ways into each
            // other's reverse (CchMetric::unpacks_mirrored: their twins, or shortcuts through the
            // same middle node), the path from b to a is the path from a to b reversed, twin for
            // twin: the two label queries meet at the same rank (the same sums), walk down the
            // same arcs of the hierarchy to each end (the same labels and arcs) and unpack them
            // into each other's reverse. So a tour's way back between its way out's nodes is
            // traced from its way out, by the way out's origin: half the paths. (On the million
            // agents' grid the walk; benchmarks/RESULTS.md.)
            std::vector<std::uint32_t> twin;
            if (mode_labels.source_side() != nullptr) {
                twin = twin_arcs(graph);
                if (!metric.unpacks_mirrored(twin)) twin.clear();
            }
            // Whether trip tk's tour has its two trips (home to its node and back: trip_origin_node,
            // trip_dest_node) traced as one, by the way out.
            const auto mirrored = [&](std::uint32_t tk) {
                return !twin.empty() && street_trip(tk & ~1u, kind) && street_trip(tk | 1u, kind);
            };
            // Per thread: a path's arcs (and its reverse), and the origin's trips and destinations
            // (listed first, so that each query's target is fetched ahead while the ones before it
            // run).
            struct Local {
                std::vector<std::uint32_t> arcs, back, trips, dests;
            };
            tbb::enumerable_thread_specific<Local> locals;
            const auto visit_legs = [&](std::uint32_t tk, const std::vector<std::uint32_t>& arcs) {
                for (auto x = routes.trip_first_leg[tk]; x < routes.trip_first_leg[tk + 1]; ++x)
                    if (routes.leg_kind[x] == kind) visit(x, graph, arcs);
            };
            mode_labels.for_each_source(wanted, nullptr, true, [&](CchLabelQuery& q, std::uint32_t origin) {
                auto& l = locals.local();
                l.trips.clear();
                l.dests.clear();
                street_trips(origin, kind, [&](std::uint32_t tk) {
                    if (tk % 2 == 1 && mirrored(tk)) return;  // traced with its way out
                    l.trips.push_back(tk);
                    l.dests.push_back(trip_dest_node(pop, trip_person[tk], tk));
                });
                for (std::size_t k = 0; k < l.trips.size(); ++k) {
                    prefetch_targets(q, l.dests, k);
                    const std::uint32_t tk = l.trips[k];
                    l.arcs.clear();
                    if (q.to(l.dests[k]) < unbounded) q.path(l.arcs);
                    visit_legs(tk, l.arcs);
                    if (tk % 2 == 0 && mirrored(tk)) {
                        l.back.clear();
                        for (std::size_t i = l.arcs.size(); i-- > 0;) l.back.push_back(twin[l.arcs[i]]);
                        visit_legs(tk + 1, l.back);
                    }
                }
            });
            storage = mode_labels.take_storage();
        }
    }

    // Walk legs of trips without rides on large networks whose walk metric is the same both ways
    // (CchLabels::symmetric): by pairs of ends below, the legs both ways of a pair (a tour's way
    // out and back) from the two ends' searches, the way back by the same searches with their
    // sides swapped (CchQuery::swap_sides: the fresh query's answer, bit for bit). The way out
    // asks a query for the far end alone, and the way back none, where otherwise each asks one.
    const bool pair_walks =
        !by_labels[0] && street_legs_by_cch(ctx, ctx.walk) && CchLabels::symmetric(street_metric(ctx, Mode::walk));
    struct Trees {
        ShortestPathTree walk, bike, lot_bike;
        std::optional<StreetPathQuery> walk_query, bike_query;  // street_legs_by_cch
        double walk_bound = 0, bike_bound = 0;                  // their origin's bound (cch_street_path)
        std::vector<std::uint32_t> arcs, targets;
        explicit Trees(const RoutingContext& c) : walk(c.walk), bike(c.bike), lot_bike(c.bike) {}
    };
    tbb::enumerable_thread_specific<Trees> scratch([&] { return Trees(ctx); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nodes, 16), [&](const tbb::blocked_range<std::size_t>& r) {
        Trees& s = scratch.local();
        for (std::size_t origin = r.begin(); origin != r.end(); ++origin) {
            bool walk_ready = false, bike_ready = false;
            const auto o = static_cast<std::uint32_t>(origin);
            for (auto i = first[origin]; i < first[origin + 1]; ++i) {
                const auto t = order[i];
                const auto d = trip_dest_node(pop, trip_person[t], t);
                const auto lb = routes.trip_first_leg[t], le = routes.trip_first_leg[t + 1];
                bool rides = false;
                std::uint32_t first_ride = le, last_ride = le, vehicle_leg = le;
                for (auto l = lb; l < le; ++l) {
                    const auto k = routes.leg_kind[l];
                    if (k == LegKind::ride) {
                        rides = true;
                        if (first_ride == le) first_ride = l;
                        last_ride = l;
                    }
                    if (k == LegKind::car || k == LegKind::bike) vehicle_leg = l;
                }
                // Park-and-ride or bike-and-ride: the park's node, at the first boarding stop
                // on the way out, at the last alighting stop on the way back.
                std::uint32_t lot_node = invalid_index;
                if (rides && vehicle_leg != le) {
                    const auto kind =
                        routes.leg_kind[vehicle_leg] == LegKind::car ? TransitAccess::car : TransitAccess::bike;
                    const bool out = vehicle_leg < first_ride;
                    const auto stop = out ? tm.rn_stop(routes.leg_board_rn[first_ride])
                                          : tm.rn_stop(routes.leg_board_rn[last_ride] + routes.leg_stops[last_ride]);
                    const auto lot = tm.lot_of_stop(kind, stop);
                    if (lot != invalid_index) lot_node = tm.lots(kind)[lot].node;
                }
                for (auto l = lb; l < le; ++l) {
                    const auto kind = routes.leg_kind[l];
                    if (kind != LegKind::walk && kind != LegKind::bike) continue;
                    s.arcs.clear();
                    if (!rides) {
                        if (by_labels[kind == LegKind::walk ? 0 : 1]) continue;  // from labels, above
                        if (kind == LegKind::walk && pair_walks) continue;       // by pairs, below
                        // One search per origin and mode for its trips without rides, stopped
                        // once their destinations are settled (the paths of a full search); on
                        // large networks CCH queries, as route_trips does.
                        auto& tree = kind == LegKind::walk ? s.walk : s.bike;
                        bool& ready = kind == LegKind::walk ? walk_ready : bike_ready;
                        const StreetGraph& graph = kind == LegKind::walk ? ctx.walk : ctx.bike;
                        if (street_legs_by_cch(ctx, graph)) {
                            double& source_bound = kind == LegKind::walk ? s.walk_bound : s.bike_bound;
                            if (!ready) {
                                // The largest bound of the origin's legs of this mode without rides.
                                source_bound = 0;
                                street_trips(origin, kind, [&](std::uint32_t tk) {
                                    for (auto x = routes.trip_first_leg[tk]; x < routes.trip_first_leg[tk + 1]; ++x)
                                        if (routes.leg_kind[x] == kind)
                                            source_bound = std::max(source_bound, leg_bound(x));
                                });
                            }
                            cch_street_path(ctx, kind == LegKind::walk ? s.walk_query : s.bike_query,
                                            kind == LegKind::walk ? Mode::walk : Mode::bike, o, d, true, ready, s.arcs,
                                            source_bound, leg_bound(l));
                            visit(l, graph, s.arcs);
                            continue;
                        }
                        if (!ready) {
                            s.targets.clear();
                            street_trips(origin, kind, [&](std::uint32_t tk) {
                                s.targets.push_back(trip_dest_node(pop, trip_person[tk], tk));
                            });
                            tree.run_to(o, s.targets);
                        }
                        ready = true;
                        tree.path_to(d, s.arcs);
                        visit(l, kind == LegKind::walk ? ctx.walk : ctx.bike, s.arcs);
                        continue;
                    }
                    if (kind == LegKind::bike) {
                        // Bike-and-ride: home to the bike park, or from it home.
                        if (lot_node == invalid_index) continue;
                        if (l < first_ride) {
                            s.lot_bike.run_to(o, {lot_node});
                            s.lot_bike.path_to(lot_node, s.arcs);
                        } else {
                            s.lot_bike.run_to(lot_node, {d});
                            s.lot_bike.path_to(d, s.arcs);
                        }
                        visit(l, ctx.bike, s.arcs);
                        continue;
                    }
                    // A walk of a transit trip: to the first stop (from the origin, or from the
                    // park), between rides, or from the last (to the destination, or the park).
                    const bool before_ride = l + 1 < le && routes.leg_kind[l + 1] == LegKind::ride;
                    const bool after_ride = l > lb && routes.leg_kind[l - 1] == LegKind::ride;
                    const bool from_park = l > lb && !after_ride && lot_node != invalid_index;
                    const bool to_park = after_ride && !before_ride && l + 1 < le && lot_node != invalid_index;
                    if (!after_ride) {
                        if (!before_ride) continue;  // not a shape route_trips makes
                        tm.walk_path_to_stop(from_park ? lot_node : o, tm.rn_stop(routes.leg_board_rn[l + 1]), s.arcs);
                    } else {
                        const auto alight = tm.rn_stop(routes.leg_board_rn[l - 1] + routes.leg_stops[l - 1]);
                        const auto to = before_ride ? ctx.net.stop_node[tm.rn_stop(routes.leg_board_rn[l + 1])]
                                        : to_park   ? lot_node
                                                    : d;
                        tm.walk_path_from_stop(alight, to, s.arcs);
                    }
                    visit(l, ctx.walk, s.arcs);
                }
            }
        }
    });
    if (!pair_walks) return;

    // The pairs' walk legs: by the lower end, then the higher, then leg. Each lower end's search
    // is bounded by the largest of its legs' bounds, each higher end's (searched whole) by the
    // largest of the pair's; a bound found too low is asked again without one, as above.
    struct PairLeg {
        std::uint32_t low, high, leg;
        bool back;  // from the higher end to the lower
    };
    std::vector<PairLeg> pair_legs;
    for (std::size_t t = 0; t < trips; ++t) {
        const auto lb = routes.trip_first_leg[t], le = routes.trip_first_leg[t + 1];
        bool rides = false;
        for (auto l = lb; l < le; ++l) rides = rides || routes.leg_kind[l] == LegKind::ride;
        if (rides) continue;
        const auto o = trip_origin_node(pop, trip_person[t], t), d = trip_dest_node(pop, trip_person[t], t);
        for (auto l = lb; l < le; ++l)
            if (routes.leg_kind[l] == LegKind::walk) pair_legs.push_back({std::min(o, d), std::max(o, d), l, o > d});
    }
    std::sort(pair_legs.begin(), pair_legs.end(), [](const PairLeg& a, const PairLeg& b) {
        return std::tuple{a.low, a.high, a.leg} < std::tuple{b.low, b.high, b.leg};
    });
    std::vector<std::size_t> low_first;
    for (std::size_t k = 0; k < pair_legs.size(); ++k)
        if (k == 0 || pair_legs[k].low != pair_legs[k - 1].low) low_first.push_back(k);
    low_first.push_back(pair_legs.size());
    // The legs [k, e) of one pair (its lower end's search in `q`, bounded by `source_bound`): the
    // far end searched, the legs out visited, then the legs back by the sides swapped.
    const std::vector<std::uint32_t> no_arcs;
    const auto trace_pair = [&](StreetPathQuery& q, std::size_t k, std::size_t e) {
        double bound = 0;
        bool back = false;
        for (auto x = k; x < e; ++x) {
            bound = std::max(bound, leg_bound(pair_legs[x].leg));
            back = back || pair_legs[x].back;
        }
        const std::uint32_t high = pair_legs[k].high;
        double time_s = 0, length_m = 0;
        const bool found = q.to_whole_bounded(ctx.walk, high, bound, time_s, length_m);
        for (auto x = k; x < e; ++x)
            if (!pair_legs[x].back) visit(pair_legs[x].leg, ctx.walk, found ? q.arcs() : no_arcs);
        if (!back) return;
        const bool back_found = found && q.reverse(ctx.walk, time_s, length_m);
        for (auto x = k; x < e; ++x)
            if (pair_legs[x].back) visit(pair_legs[x].leg, ctx.walk, back_found ? q.arcs() : no_arcs);
        if (found) q.unreverse();
    };
    tbb::enumerable_thread_specific<StreetPathQuery> pair_queries(
        [&] { return StreetPathQuery(street_metric(ctx, Mode::walk)); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, low_first.size() - 1, 16),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          StreetPathQuery& q = pair_queries.local();
                          for (std::size_t g = r.begin(); g != r.end(); ++g) {
                              const std::size_t begin = low_first[g], end = low_first[g + 1];
                              const std::uint32_t low = pair_legs[begin].low;
                              double source_bound = 0;
                              for (auto k = begin; k < end; ++k)
                                  source_bound = std::max(source_bound, leg_bound(pair_legs[k].leg));
                              q.from(low, source_bound);
                              for (auto k = begin; k < end;) {
                                  auto e = k;
                                  while (e < end && pair_legs[e].high == pair_legs[k].high) ++e;
                                  trace_pair(q, k, e);
                                  k = e;
                              }
                          }
                      });
}

}  // namespace flemsim::routing
