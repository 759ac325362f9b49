#include "sim/routing/transit.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>

#include "sim/core/types.hpp"
#include "sim/routing/dijkstra.hpp"

namespace flemsim::routing {

using core::invalid_index;
using network::Network;

namespace {

double median(std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

namespace {

// Nodes that a graph's vehicles can both reach and leave (an arc in and an arc out).
std::vector<std::uint8_t> in_and_out(const StreetGraph* g, std::size_t nodes) {
    std::vector<std::uint8_t> ok(nodes, 0);
    if (!g) return ok;
    std::vector<std::uint8_t> in(nodes, 0);
    for (const auto h : g->head) in[h] = 1;
    for (std::size_t n = 0; n < nodes && n + 1 < g->first_out.size(); ++n)
        ok[n] = in[n] && g->first_out[n + 1] > g->first_out[n];
    return ok;
}

}  // namespace

TransitModel::TransitModel(const Network& net, const StreetGraph& walk, const TransitParams& params,
                           const StreetGraph* car, const StreetGraph* bike)
    : m_net(net), m_walk(walk), m_params(params) {
    // Route nodes, direction 0 (as authored) then direction 1 (reversed) for each line.
    std::vector<std::vector<std::uint32_t>> board_at(net.stop_count());
    for (std::uint32_t l = 0; l < net.line_count(); ++l) {
        m_line_first_rn.push_back(static_cast<std::uint32_t>(m_rn_line.size()));
        const std::uint32_t b = net.line_first_stop[l], e = net.line_first_stop[l + 1];
        const std::uint32_t n = e - b;
        for (std::uint8_t dir = 0; dir < 2; ++dir) {
            for (std::uint32_t k = 0; k < n; ++k) {
                const std::uint32_t i = dir == 0 ? b + k : e - 1 - k;  // index into line_stop
                const auto rn = static_cast<std::uint32_t>(m_rn_line.size());
                m_rn_line.push_back(l);
                m_rn_dir.push_back(dir);
                m_rn_pos.push_back(static_cast<std::uint16_t>(k));
                m_rn_stop.push_back(net.line_stop[i]);
                if (k + 1 < n) {
                    const std::uint32_t next = dir == 0 ? i + 1 : i - 1;
                    // Run time between i and next is stored at the later stop of direction 0.
                    const double run = net.line_run_time_s[dir == 0 ? next : i];
                    const double dwell = k > 0 ? net.line_dwell_s[i] : 0.0;
                    m_rn_sched_ride_s.push_back(run + dwell);
                    const auto a = net.stop_node[net.line_stop[i]], c = net.stop_node[net.line_stop[next]];
                    m_rn_ride_m.push_back(
                        std::hypot(net.node_x_m[a] - net.node_x_m[c], net.node_y_m[a] - net.node_y_m[c]));
                    // A one-way line keeps its reversed route nodes (numbering stays regular)
                    // but nobody can board them.
                    if (dir == 0 || l >= net.line_both_ways.size() || net.line_both_ways[l])
                        board_at[net.line_stop[i]].push_back(rn);
                } else {
                    m_rn_sched_ride_s.push_back(-1);
                    m_rn_ride_m.push_back(-1);
                }
            }
        }
    }
    m_stop_first_board.push_back(0);
    for (const auto& v : board_at) {
        m_board_rn.insert(m_board_rn.end(), v.begin(), v.end());
        m_stop_first_board.push_back(static_cast<std::uint32_t>(m_board_rn.size()));
    }

    // The reverse of every walk arc (walk links are usable both ways): the lowest-numbered arc
    // of the same link from its head back to its tail, among the head's few arcs.
    m_reverse_arc.assign(walk.arc_count(), invalid_index);
    for (std::uint32_t u = 0; u < walk.node_count(); ++u)
        for (std::uint32_t a = walk.first_out[u]; a < walk.first_out[u + 1]; ++a) {
            const std::uint32_t v = walk.head[a];
            for (std::uint32_t b = walk.first_out[v]; b < walk.first_out[v + 1]; ++b)
                if (walk.head[b] == u && walk.link[b] == walk.link[a]) {
                    m_reverse_arc[a] = b;
                    break;
                }
        }

    // Walk trees from every stop, as far as anyone walks to or between stops: footpaths
    // between stops, near stops of every node, and the paths (kept sparse: a large network
    // has many stops and many nodes, but each stop reaches few nodes).
    const double reach_m = std::max(params.max_access_walk_m, params.max_transfer_walk_m);
    double fastest_mps = 0;  // the walk graph's speed bounds the search by time
    for (std::uint32_t a = 0; a < walk.arc_count(); ++a)
        if (walk.time_s[a] > 0) fastest_mps = std::max(fastest_mps, walk.length_m[a] / walk.time_s[a]);
    m_walk_mps = fastest_mps > 0 ? fastest_mps : 1.0;
    const double limit_s = fastest_mps > 0 ? reach_m / fastest_mps * 1.0001 + 1 : unreachable;
    std::vector<std::vector<NearStop>> near(net.node_count());
    ShortestPathTree tree(walk);
    // Each search is read back from the nodes it touched, in node order (a pass over every node
    // per stop took 7 of 18 s to load a 1,000,000-node network with 10,000 stops); the stops at
    // each node, ascending, give the footpaths from those nodes.
    tree.keep_touched(true);
    std::vector<std::uint32_t> reached, targets;
    std::vector<std::uint32_t> stops_first(net.node_count() + 1, 0), stops_at(net.stop_count());
    for (std::uint32_t t = 0; t < net.stop_count(); ++t) ++stops_first[net.stop_node[t] + 1];
    for (std::size_t n = 0; n < net.node_count(); ++n) stops_first[n + 1] += stops_first[n];
    {
        std::vector<std::uint32_t> at(stops_first.begin(), stops_first.end() - 1);
        for (std::uint32_t t = 0; t < net.stop_count(); ++t) stops_at[at[net.stop_node[t]]++] = t;
    }
    Footpaths footpaths;
    m_stop_first_reached.push_back(0);
    const auto car_ok = in_and_out(car, net.node_count()), bike_ok = in_and_out(bike, net.node_count());
    const auto spaces = [](const std::vector<std::uint32_t>& v, std::uint32_t s) { return s < v.size() ? v[s] : 0u; };
    for (std::uint32_t s = 0; s < net.stop_count(); ++s) {
        tree.run(net.stop_node[s], limit_s);
        reached.clear();
        for (const auto n : tree.touched())
            if (tree.reached(n)) reached.push_back(n);
        std::sort(reached.begin(), reached.end());
        // Its car and bike parks: the nearest node on foot those vehicles reach and leave
        // (ties: the lower node number).
        for (const auto kind : {TransitAccess::car, TransitAccess::bike}) {
            const bool is_car = kind == TransitAccess::car;
            const auto n_spaces = spaces(is_car ? net.stop_car_parking : net.stop_bike_parking, s);
            if (n_spaces == 0) continue;
            const auto& ok = is_car ? car_ok : bike_ok;
            std::uint32_t best = invalid_index;
            for (const auto n : reached) {
                if (!ok[n] || tree.length_m(n) > params.max_access_walk_m) continue;
                if (best == invalid_index || tree.length_m(n) < tree.length_m(best)) best = n;
            }
            if (best != invalid_index)
                (is_car ? m_car_lots : m_bike_lots)
                    .push_back({s, best, tree.time_s(best), tree.length_m(best), n_spaces});
        }
        targets.clear();
        for (const auto n : reached)
            if (tree.length_m(n) <= params.max_transfer_walk_m)
                for (auto k = stops_first[n]; k < stops_first[n + 1]; ++k)
                    if (stops_at[k] != s) targets.push_back(stops_at[k]);
        std::sort(targets.begin(), targets.end());
        for (const auto t : targets) {
            footpaths.to.push_back(t);
            footpaths.walk_s.push_back(static_cast<std::int32_t>(std::ceil(tree.time_s(net.stop_node[t]))));
        }
        footpaths.first.push_back(static_cast<std::uint32_t>(footpaths.to.size()));
        for (const auto n : reached) {
            if (tree.length_m(n) > reach_m) continue;
            m_reached.emplace_back(n, tree.parent_arc(n));
            if (tree.length_m(n) <= params.max_access_walk_m) near[n].push_back({s, tree.time_s(n), tree.length_m(n)});
        }
        m_stop_first_reached.push_back(static_cast<std::uint32_t>(m_reached.size()));
    }
    for (const auto kind : {TransitAccess::car, TransitAccess::bike}) {
        auto& of_stop = kind == TransitAccess::car ? m_car_lot_of_stop : m_bike_lot_of_stop;
        of_stop.assign(net.stop_count(), invalid_index);
        const auto& v = lots(kind);
        for (std::uint32_t i = 0; i < v.size(); ++i)
            if (of_stop[v[i].stop] == invalid_index) of_stop[v[i].stop] = i;
    }
    m_node_first_near.push_back(0);
    for (const auto& v : near) {
        m_near.insert(m_near.end(), v.begin(), v.end());
        m_node_first_near.push_back(static_cast<std::uint32_t>(m_near.size()));
    }

    ScheduleParams sp;
    sp.min_transfer_s = static_cast<std::int32_t>(std::lround(params.min_transfer_s));
    m_schedule = build_schedule(net, std::move(footpaths), sp);
    m_reversed = reverse_schedule(m_schedule);

    // Lines that run timetable trips: their scheduled rides are the median over the trips.
    const Schedule& sc = m_schedule;
    std::vector<double> rides;
    for (std::uint32_t r = 0; r < sc.route_count(); ++r) {
        const std::uint32_t tb = sc.route_first_trip[r], te = sc.route_first_trip[r + 1];
        if (tb == te) continue;
        const std::uint16_t n = sc.stop_count_of_route(r);
        for (std::uint16_t k = 0; k + 1 < n; ++k) {
            rides.clear();
            for (std::uint32_t i = tb; i < te; ++i) rides.push_back(sc.arrive(i, k + 1) - sc.arrive(i, k));
            m_rn_sched_ride_s[sc.route_first_rn[r] + k] = median(rides);
        }
    }
}

void TransitModel::set_refusal(std::vector<float> shares) {
    m_refusal = std::move(shares);
    m_no_board.assign(m_refusal.size(), 0);
    bool any = false;
    for (std::size_t i = 0; i < m_refusal.size(); ++i)
        if (m_refusal[i] >= 1.0f) m_no_board[i] = 1, any = true;
    if (!any) {
        m_no_board.clear();
        m_no_alight.clear();
        return;
    }
    const Schedule& sc = m_schedule;
    m_no_alight.assign(m_no_board.size(), 0);
    for (std::uint32_t t = 0; t < sc.trip_count(); ++t)
        for (std::uint16_t p = 0; p < sc.stop_count_of_route(sc.trip_route[t]); ++p)
            m_no_alight[reversed_time_index(sc, t, p)] = m_no_board[sc.trip_first_time[t] + p];
}

std::uint32_t TransitModel::lot_of_stop(TransitAccess kind, std::uint32_t stop) const {
    const auto& of_stop = kind == TransitAccess::car ? m_car_lot_of_stop : m_bike_lot_of_stop;
    return stop < of_stop.size() ? of_stop[stop] : invalid_index;
}

void TransitModel::set_lot_closing(TransitAccess kind, std::vector<std::int32_t> closes_s) {
    (kind == TransitAccess::car ? m_car_closes : m_bike_closes) = std::move(closes_s);
}

std::int32_t TransitModel::lot_closes_s(TransitAccess kind, std::uint32_t lot) const {
    const auto& v = kind == TransitAccess::car ? m_car_closes : m_bike_closes;
    return lot < v.size() ? v[lot] : std::numeric_limits<std::int32_t>::max();
}

std::uint32_t TransitModel::first_route_node(std::uint32_t line, int direction) const {
    const std::uint32_t n = m_net.line_first_stop[line + 1] - m_net.line_first_stop[line];
    return m_line_first_rn[line] + (direction == 0 ? 0 : n);
}

bool TransitModel::walk_path_from_stop(std::uint32_t stop, std::uint32_t node, std::vector<std::uint32_t>& arcs) const {
    const auto* b = m_reached.data() + m_stop_first_reached[stop];
    const auto* e = m_reached.data() + m_stop_first_reached[stop + 1];
    const auto parent = [&](std::uint32_t n) {
        const auto* it = std::lower_bound(b, e, n, [](const auto& p, std::uint32_t v) { return p.first < v; });
        return it != e && it->first == n ? it->second : invalid_index;
    };
    const std::uint32_t root = m_net.stop_node[stop];
    const std::size_t begin = arcs.size();
    for (std::uint32_t n = node; n != root;) {
        const std::uint32_t a = parent(n);
        if (a == invalid_index) {
            arcs.resize(begin);
            return false;
        }
        arcs.push_back(a);
        n = m_walk.tail[a];
    }
    std::reverse(arcs.begin() + static_cast<std::ptrdiff_t>(begin), arcs.end());
    return true;
}

bool TransitModel::walk_path_to_stop(std::uint32_t node, std::uint32_t stop, std::vector<std::uint32_t>& arcs) const {
    const std::size_t begin = arcs.size();
    if (!walk_path_from_stop(stop, node, arcs)) return false;
    // Reverse the path and each arc.
    std::reverse(arcs.begin() + static_cast<std::ptrdiff_t>(begin), arcs.end());
    for (std::size_t i = begin; i < arcs.size(); ++i) arcs[i] = m_reverse_arc[arcs[i]];
    return true;
}

TransitQuery::TransitQuery(const TransitModel& model)
    : m_model(model),
      m_raptor(model.schedule(), RaptorParams{model.params().max_rides}),
      m_back(model.reversed_schedule(), RaptorParams{model.params().max_rides}) {}

void TransitQuery::run(std::uint32_t origin_node, std::int32_t hour, std::size_t departures) {
    if (origin_node == m_origin && hour == m_hour && m_kind == TransitAccess::walk) return;
    const TransitModel& m = m_model;
    reset_access(origin_node, hour, TransitAccess::walk, invalid_index);
    for (const auto* ns = m.near_begin(origin_node); ns != m.near_end(origin_node); ++ns) {
        const auto offset = static_cast<std::int32_t>(std::ceil(ns->walk_s));
        add_access({ns->stop, offset}, offset, ns->walk_m, 0, 0, std::numeric_limits<std::int32_t>::max(),
                   invalid_index);
    }
    start(hour, departures);
}

void TransitQuery::run_from_lots(std::uint32_t origin_node, std::int32_t hour, std::size_t departures,
                                 TransitAccess kind, const ShortestPathTree& street, std::uint32_t only_lot) {
    if (origin_node == m_origin && hour == m_hour && m_kind == kind && m_only_lot == only_lot) return;
    const TransitModel& m = m_model;
    const TransitParams& p = m.params();
    reset_access(origin_node, hour, kind, only_lot);
    const bool car = kind == TransitAccess::car;
    const double max_m = car ? p.park_and_ride_max_drive_m : p.bike_and_ride_max_ride_m;
    // The walks to and from the parked car, as for a car trip (none for a bike).
    const double car_walk = car ? p.car_access_s : 0.0;
    const auto& lots = m.lots(kind);
    for (std::uint32_t i = 0; i < lots.size(); ++i) {
        if (only_lot != invalid_index && i != only_lot) continue;
        const auto& lot = lots[i];
        if (!street.reached(lot.node) || street.length_m(lot.node) > max_m) continue;
        const double ride = street.time_s(lot.node);
        const double walk = car_walk + lot.walk_s;
        // At the park (after the drive and the walk to the car) before it closes.
        const auto closes = m.lot_closes_s(kind, i);
        add_access({lot.stop, static_cast<std::int32_t>(std::ceil(ride + walk))}, walk, lot.walk_m, ride,
                   street.length_m(lot.node),
                   closes == std::numeric_limits<std::int32_t>::max()
                       ? closes
                       : closes - static_cast<std::int32_t>(std::ceil(ride + car_walk / 2)),
                   lot.stop);
    }
    start(hour, departures);
}

void TransitQuery::run_from_lot(TransitAccess kind, std::uint32_t lot, std::int32_t hour, std::size_t departures) {
    // Keyed apart from origin nodes: a lot is not a node here.
    const std::uint32_t key = 0x80000000u | (lot << 1) | (kind == TransitAccess::car ? 1u : 0u);
    if (key == m_origin && hour == m_hour && m_kind == TransitAccess::walk) return;
    // The journeys leave the stop: their access is the caller's.
    reset_access(key, hour, TransitAccess::walk, invalid_index);
    add_access({m_model.lots(kind)[lot].stop, 0}, 0, 0, 0, 0, std::numeric_limits<std::int32_t>::max(), invalid_index);
    start(hour, departures);
}

void TransitQuery::reset_access(std::uint32_t key, std::int32_t hour, TransitAccess kind, std::uint32_t only_lot) {
    m_origin = key;
    m_hour = hour;
    m_kind = kind;
    m_only_lot = only_lot;
    for (auto* v : {&m_access_m, &m_access_walk_s, &m_access_ride_s, &m_access_ride_m}) v->clear();
    m_access_list.clear();
    m_access_latest.clear();
    m_access_lot.clear();
}

void TransitQuery::add_access(StopTime at, double walk_s, double walk_m, double ride_s, double ride_m,
                              std::int32_t latest_s, std::uint32_t lot_stop) {
    m_access_list.push_back(at);
    m_access_walk_s.push_back(walk_s);
    m_access_m.push_back(walk_m);
    m_access_ride_s.push_back(ride_s);
    m_access_ride_m.push_back(ride_m);
    m_access_latest.push_back(latest_s);
    m_access_lot.push_back(lot_stop);
}

TransitPath with_lot_access(TransitPath p, TransitAccess kind, std::uint32_t lot_stop, double walk_s, double walk_m,
                            double ride_s, double ride_m) {
    if (!p.found) return p;
    p.access_s += walk_s;
    p.access_m += walk_m;
    p.ride_s += ride_s;
    p.ride_m += ride_m;
    p.access_kind = static_cast<std::uint8_t>(kind);
    p.lot_stop = lot_stop;
    p.depart_s -= static_cast<std::int32_t>(std::ceil(walk_s + ride_s));
    return p;
}

void TransitQuery::start(std::int32_t hour, std::size_t departures) {
    const TransitModel& m = m_model;
    const Schedule& sc = m.schedule();
    m_raptor.set_no_boarding(m.no_boarding());
    const std::int32_t from = hour * 3600;
    const std::int32_t to = from + 3600 + static_cast<std::int32_t>(std::ceil(m.params().max_wait_s)) + 1;
    // A profile search has an iteration per departure catchable from the access stops.
    m_range = true;
    if (departures > 0) {
        std::size_t iterations = 0;
        for (const auto& a : m_access_list) {
            for (std::uint32_t v = sc.stop_first_visit[a.stop]; v < sc.stop_first_visit[a.stop + 1]; ++v) {
                const auto r = sc.visit_route[v];
                const auto pos = sc.visit_pos[v];
                for (std::uint32_t t = sc.route_first_trip[r]; t < sc.route_first_trip[r + 1]; ++t) {
                    const auto d = sc.depart(t, pos) - a.offset_s;
                    iterations += d >= from && d < to;
                }
            }
            if (iterations >= 2 * departures) break;
        }
        m_range = iterations < 2 * departures;
    }
    m_single_dep = -1;
    if (m_range) m_raptor.run_range(m_access_list, from, to);
}

TransitPath TransitQuery::path_to(std::uint32_t dest_node, std::int32_t dep_s, TransitItinerary* itinerary, double u,
                                  bool latest) {
    const TransitModel& m = m_model;
    m_egress_list.clear();
    m_egress_walk_s.clear();
    m_egress_walk_m.clear();
    m_egress_ride_s.clear();
    m_egress_ride_m.clear();
    m_egress_kind = TransitAccess::walk;
    m_egress_lot = invalid_index;
    for (const auto* ns = m.near_begin(dest_node); ns != m.near_end(dest_node); ++ns) {
        const auto offset = static_cast<std::int32_t>(std::ceil(ns->walk_s));
        m_egress_list.push_back({ns->stop, offset});
        m_egress_walk_s.push_back(offset);
        m_egress_walk_m.push_back(ns->walk_m);
        m_egress_ride_s.push_back(0);
        m_egress_ride_m.push_back(0);
    }
    return pick(dep_s, itinerary, u, latest);
}

TransitPath TransitQuery::path_to_lot(TransitAccess kind, std::uint32_t lot, double ride_s, double ride_m,
                                      std::int32_t dep_s, TransitItinerary* itinerary, double u) {
    const TransitModel& m = m_model;
    const auto& l = m.lots(kind)[lot];
    const double walk = l.walk_s + (kind == TransitAccess::car ? m.params().car_access_s : 0.0);
    m_egress_list.assign(1, {l.stop, static_cast<std::int32_t>(std::ceil(walk + ride_s))});
    m_egress_walk_s.assign(1, walk);
    m_egress_walk_m.assign(1, l.walk_m);
    m_egress_ride_s.assign(1, ride_s);
    m_egress_ride_m.assign(1, ride_m);
    m_egress_kind = kind;
    m_egress_lot = l.stop;
    return pick(dep_s, itinerary, u);
}

void TransitQuery::latest_leaving(std::int32_t dep_s, std::int32_t latest_s) {
    const TransitModel& m = m_model;
    // Backwards from the destination's stops (the egress list as access), leaving at each
    // arrival found (negated), to the origin's access stops.
    m_back_times.clear();
    for (const Journey& j : m_journeys)
        if (!j.rides.empty()) m_back_times.push_back(-j.arrive_s);
    if (m_back_times.empty()) return;
    m_back.set_no_alighting(m.no_alighting_reversed());
    // Backwards, only what a journey leaving at dep_s or later can reach.
    if (!m_back_bounds_made) {
        m_back_bounded = m_raptor.reversed_bounds(m_back_arr_bound, m_back_ready_bound);
        m_back_bounds_made = true;
    }
    if (m_back_bounded)
        m_back.set_bounds(m_back_arr_bound.data(), m_back_ready_bound.data());
    else
        m_back.set_bounds(nullptr, nullptr);
    m_back.run_at(m_egress_list, m_back_times);
    const auto [lo, hi] = std::minmax_element(m_back_times.begin(), m_back_times.end());
    m_back.journeys(m_access_list, *lo, *hi, m_back_journeys);
    // Each journey found backwards that leaves in the window joins the forward ones, and
    // replaces those it dominates (it arrives no later with no more transfers, leaving no
    // earlier); one that a forward journey dominates is not added.
    const auto dominates = [](const Journey& a, const Journey& b) {
        return a.arrive_s <= b.arrive_s && a.transfers() <= b.transfers() && a.depart_s >= b.depart_s;
    };
    Journey& f = m_reversed_journey;
    for (const Journey& rj : m_back_journeys) {
        journey_from_reversed(m.schedule(), m_egress_list, rj, f);
        if (f.rides.empty() || f.depart_s < dep_s || f.depart_s > latest_s) continue;
        if (std::any_of(m_journeys.begin(), m_journeys.end(), [&](const Journey& j) { return dominates(j, f); }))
            continue;
        std::erase_if(m_journeys, [&](const Journey& j) { return dominates(f, j); });
        m_journeys.push_back(f);
    }
    // In the order journeys() gives: by arrival, then transfers, then leaving latest first.
    std::stable_sort(m_journeys.begin(), m_journeys.end(), [](const Journey& a, const Journey& b) {
        if (a.arrive_s != b.arrive_s) return a.arrive_s < b.arrive_s;
        if (a.transfers() != b.transfers()) return a.transfers() < b.transfers();
        return a.depart_s > b.depart_s;
    });
}

TransitPath TransitQuery::pick(std::int32_t dep_s, TransitItinerary* itinerary, double u, bool latest) {
    const TransitModel& m = m_model;
    const TransitParams& p = m.params();
    const Schedule& sc = m.schedule();
    const auto max_wait = static_cast<std::int32_t>(p.max_wait_s);
    if (!m_range && dep_s != m_single_dep) {
        m_raptor.run(m_access_list, dep_s);
        m_single_dep = dep_s;
        m_back_bounds_made = false;
    }
    m_raptor.journeys(m_egress_list, dep_s, dep_s + max_wait, m_journeys);
    if (!m_range && latest) latest_leaving(dep_s, dep_s + max_wait);

    // Components and generalised cost (utility units) of every journey within the limits.
    const double walk_mps = m.walk_speed_mps();
    std::vector<TransitPath>& paths = m_paths;
    paths.clear();
    m_cost.clear();
    m_chosen.clear();
    for (const Journey& j : m_journeys) {
        if (j.rides.empty()) continue;
        TransitPath t;
        t.found = true;
        const StopTime& a = m_access_list[j.access];
        if (j.depart_s > m_access_latest[j.access]) continue;  // the park is closed by then
        t.access_s = m_access_walk_s[j.access];
        t.access_m = m_access_m[j.access];
        t.ride_s = m_access_ride_s[j.access];
        t.ride_m = m_access_ride_m[j.access];
        t.depart_s = j.depart_s;
        const Ride& first = j.rides.front();
        double wait0 = static_cast<double>(first.board_s) - dep_s - a.offset_s;
        if (wait0 < 0) wait0 = 0;  // leaving later than asked is waiting too; earlier cannot be
        if (wait0 > max_wait) continue;
        t.wait_s = wait0;
        bool too_long = false;
        std::uint32_t boardings = 0;
        double board_share = 1.0;  // of the travellers who would get on every boarding of it
        for (std::size_t k = 0; k < j.rides.size(); ++k) {
            const Ride& r = j.rides[k];
            if (k > 0) {
                const Ride& prev = j.rides[k - 1];
                const double gap = static_cast<double>(r.board_s) - prev.alight_s;
                if (r.seated) {
                    t.in_vehicle_s += gap;  // staying on board while the vehicle turns
                } else {
                    const double walk = k - 1 < j.transfer_walk_s.size() ? j.transfer_walk_s[k - 1] : 0;
                    t.transfer_walk_s += walk;
                    t.transfer_walk_m += walk * walk_mps;
                    t.wait_s += gap - walk;
                    if (gap - walk > max_wait) too_long = true;
                }
            }
            const std::uint32_t route = sc.trip_route[r.trip];
            const std::uint32_t rn0 = sc.route_first_rn[route];
            const std::size_t ti = sc.trip_first_time[r.trip];
            if (!r.seated) {
                ++boardings;
                const double q = m.refusal(ti + r.board_pos);
                if (q > 0) {
                    board_share *= 1.0 - q;
                    const std::uint32_t next = r.trip + 1;
                    const double headway = next < sc.route_first_trip[route + 1]
                                               ? sc.depart(next, r.board_pos) - sc.depart(r.trip, r.board_pos)
                                               : p.max_wait_s;
                    t.refused_wait_s += q < 1 ? std::min<double>(p.max_wait_s, q / (1 - q) * headway) : p.max_wait_s;
                }
            }
            t.in_vehicle_s += r.alight_s - r.board_s;
            for (std::uint16_t q = r.board_pos; q < r.alight_pos; ++q) {
                t.in_vehicle_m += m.rn_ride_m(rn0 + q);
                if (m.has_crowding())
                    t.crowding_s += (m.crowding(ti + q) - 1.0) * (sc.arrive_s[ti + q + 1] - sc.depart_s[ti + q]);
            }
        }
        // Waiting in all (first stop and transfers) stays within max_wait_s too.
        if (too_long || t.wait_s > max_wait || board_share <= 0) continue;
        t.egress_s = m_egress_walk_s[j.egress];
        t.egress_m = m_egress_walk_m[j.egress];
        t.ride_s += m_egress_ride_s[j.egress];
        t.ride_m += m_egress_ride_m[j.egress];
        if (m_kind != TransitAccess::walk) {
            t.access_kind = static_cast<std::uint8_t>(m_kind);
            t.lot_stop = m_access_lot[j.access];
        } else if (m_egress_kind != TransitAccess::walk) {
            t.access_kind = static_cast<std::uint8_t>(m_egress_kind);
            t.lot_stop = m_egress_lot;
        }
        t.transfers = boardings > 0 ? boardings - 1 : 0;
        t.first_stop = sc.stop_at(first.trip, first.board_pos);
        t.first_line = sc.trip_line(first.trip);
        const Ride& last = j.rides.back();
        t.last_stop = sc.stop_at(last.trip, last.alight_pos);
        t.last_line = sc.trip_line(last.trip);
        t.cost = p.w_walk * (t.access_s + t.transfer_walk_s + t.egress_s) + p.w_wait * t.wait_s +
                 p.w_in_vehicle * (t.in_vehicle_s + t.crowding_s) + p.transfer_penalty * t.transfers;
        if (t.access_kind == static_cast<std::uint8_t>(TransitAccess::car))
            t.cost += p.w_drive * t.ride_s + p.w_drive_per_m * t.ride_m;
        else if (t.access_kind == static_cast<std::uint8_t>(TransitAccess::bike))
            t.cost += p.w_bike * t.ride_s;
        // Planned for by the share that gets on: exp(-scale * cost) x board_share.
        if (board_share < 1.0) t.cost -= std::log(board_share) / p.journey_choice_scale;
        paths.push_back(t);
        m_cost.push_back(t.cost);
        m_chosen.push_back(static_cast<std::uint32_t>(&j - m_journeys.data()));
    }
    if (paths.empty()) return TransitPath{};
    // The best (ties: the first, journeys come sorted by arrival), or a logit draw.
    std::size_t pick = 0;
    for (std::size_t i = 1; i < paths.size(); ++i)
        if (m_cost[i] < m_cost[pick]) pick = i;
    if (u >= 0 && paths.size() > 1) {
        const double scale = p.journey_choice_scale;
        double sum = 0;
        for (const double c : m_cost) sum += std::exp(-scale * (c - m_cost[pick]));
        double acc = 0;
        const double target = u * sum;
        for (std::size_t i = 0; i < paths.size(); ++i) {
            acc += std::exp(-scale * (m_cost[i] - m_cost[pick]));
            if (target < acc) {
                pick = i;
                break;
            }
        }
    }
    m_picked = m_chosen[pick];
    if (itinerary) {
        itinerary->rides.clear();
        const Journey& j = m_journeys[m_chosen[pick]];
        for (const Ride& r : j.rides)
            itinerary->rides.push_back({sc.route_first_rn[sc.trip_route[r.trip]] + r.board_pos,
                                        static_cast<std::uint16_t>(r.alight_pos - r.board_pos)});
    }
    return paths[pick];
}

}  // namespace flemsim::routing
