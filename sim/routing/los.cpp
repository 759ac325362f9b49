#include "sim/routing/los.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>
#include <tbb/parallel_sort.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <span>
#include <utility>

#include "sim/routing/dijkstra.hpp"
#include "sim/routing/routes.hpp"

namespace flemsim::routing {

using core::invalid_index;
using core::Mode;

void TransitColumns::assign(std::size_t n) {
    for (auto* v : {&access_s, &wait_s, &in_vehicle_s, &transfer_walk_s, &egress_s, &crowding_s, &refused_wait_s,
                    &ride_s, &ride_m})
        v->assign(n, 0.0f);
    transfers.assign(n, 0);
    access_kind.assign(n, 0);
    lot_stop.assign(n, -1);
}

void TransitColumns::set(std::size_t i, const TransitComponents& c) {
    access_s[i] = static_cast<float>(c.access_s);
    wait_s[i] = static_cast<float>(c.wait_s);
    in_vehicle_s[i] = static_cast<float>(c.in_vehicle_s);
    transfer_walk_s[i] = static_cast<float>(c.transfer_walk_s);
    egress_s[i] = static_cast<float>(c.egress_s);
    transfers[i] = static_cast<std::uint16_t>(c.transfers);
    crowding_s[i] = static_cast<float>(c.crowding_s);
    refused_wait_s[i] = static_cast<float>(c.refused_wait_s);
    access_kind[i] = c.access_kind;
    ride_s[i] = static_cast<float>(c.ride_s);
    ride_m[i] = static_cast<float>(c.ride_m);
}

void TransitColumns::set(std::size_t i, const TransitPath& p) {
    set(i, static_cast<const TransitComponents&>(p));
    lot_stop[i] = p.lot_stop == core::invalid_index ? -1 : static_cast<std::int32_t>(p.lot_stop);
}

RoutingContext build_routing(const network::Network& net, const scenario::RoutingParams& p) {
    RoutingContext ctx{net,
                       build_street_graph(net, Mode::walk, p.walk_speed_mps),
                       build_street_graph(net, Mode::bike, p.bike_speed_mps),
                       build_street_graph(net, Mode::car, 0.0),
                       nullptr,
                       p};
    ctx.transit = std::make_unique<TransitModel>(net, ctx.walk, p.transit, &ctx.car, &ctx.bike);
    return ctx;
}

RoutingContext build_routing(const network::Network& net, const scenario::Scenario& s) {
    return build_routing(net, scenario::Params::from(s).routing);
}

std::int32_t trip_departure_s(const population::Population& pop, std::size_t trip) {
    const std::size_t tour = trip / 2;
    return trip % 2 == 0 ? pop.tour_depart_s[tour] : pop.tour_return_s[tour];
}

std::uint32_t trip_origin_node(const population::Population& pop, std::uint32_t person, std::size_t trip) {
    return trip % 2 == 0 ? pop.home_node[person] : pop.tour_node[trip / 2];
}

std::uint32_t trip_dest_node(const population::Population& pop, std::uint32_t person, std::size_t trip) {
    return trip % 2 == 0 ? pop.tour_node[trip / 2] : pop.home_node[person];
}

namespace {

using Scratch = RoutingScratch;

}  // namespace

TransitPath transit_path_at(const RoutingContext& ctx, TransitQuery& q, std::uint32_t from, std::uint32_t to,
                            std::int32_t dep, TransitItinerary* itinerary, double u, std::size_t departures,
                            bool latest) {
    (void)ctx;
    q.run(from, std::max<std::int32_t>(0, dep) / 3600, departures);
    return q.path_to(to, dep, itinerary, u, latest);
}

namespace {

// Transit between zones at a time of day: on a timetable the answer for one exact second
// depends on whether a departure falls just then, so zone-to-zone values are means over
// leaving every 5 minutes of the hour from `time_of_day_s` (a trip whose departure is not
// timed to the service). Found only when at least half of the departures have a journey.
struct MeanTransit {
    bool found = false;
    double total_s = 0, wait_s = 0, in_vehicle_s = 0, walk_s = 0, transfers = 0, total_m = 0;
};
MeanTransit mean_transit(const RoutingContext& ctx, TransitQuery& q, std::uint32_t from, std::uint32_t to,
                         std::int32_t time_of_day_s) {
    constexpr int samples = 12;
    MeanTransit m;
    int n = 0;
    for (int k = 0; k < samples; ++k) {
        const auto p = transit_path_at(ctx, q, from, to, time_of_day_s + k * 300);
        if (!p.found) continue;
        ++n;
        m.total_s += p.total_s();
        m.wait_s += p.wait_s;
        m.in_vehicle_s += p.in_vehicle_s;
        m.walk_s += p.access_s + p.egress_s + p.transfer_walk_s;
        m.transfers += p.transfers;
        m.total_m += p.total_m();
    }
    if (2 * n < samples) return m;
    m.found = true;
    for (double* v : {&m.total_s, &m.wait_s, &m.in_vehicle_s, &m.walk_s, &m.transfers, &m.total_m}) *v /= n;
    return m;
}

}  // namespace

double generalised_cost(const TransitParams& p, const BasicTransitComponents<float>& c) {
    double v = p.w_walk * (c.access_s + c.transfer_walk_s + c.egress_s) + p.w_wait * (c.wait_s + c.refused_wait_s) +
               p.w_in_vehicle * (c.in_vehicle_s + c.crowding_s) + p.transfer_penalty * c.transfers;
    if (c.access_kind == static_cast<std::uint8_t>(TransitAccess::car))
        v += p.w_drive * c.ride_s + p.w_drive_per_m * c.ride_m;
    else if (c.access_kind == static_cast<std::uint8_t>(TransitAccess::bike))
        v += p.w_bike * c.ride_s;
    return v;
}

namespace {

BasicTransitComponents<float> as_float(const TransitComponents& c) {
    BasicTransitComponents<float> f;
    f.access_s = static_cast<float>(c.access_s);
    f.wait_s = static_cast<float>(c.wait_s);
    f.in_vehicle_s = static_cast<float>(c.in_vehicle_s);
    f.transfer_walk_s = static_cast<float>(c.transfer_walk_s);
    f.egress_s = static_cast<float>(c.egress_s);
    f.transfers = c.transfers;
    f.crowding_s = static_cast<float>(c.crowding_s);
    f.refused_wait_s = static_cast<float>(c.refused_wait_s);
    f.access_kind = c.access_kind;
    f.ride_s = static_cast<float>(c.ride_s);
    f.ride_m = static_cast<float>(c.ride_m);
    return f;
}

// The drive (ride) towards a park from every node it settles: a Dijkstra over the arcs into
// each node, with `arc_time_s` instead of the graph's times when given, settling nodes up to
// `max_time_s` (their times and lengths are then those of a search without the limit).
class TowardsPark {
public:
    // The arcs into each node (CSR), shared by the searches of one graph.
    struct InArcs {
        std::vector<std::uint32_t> first, arc;
        explicit InArcs(const StreetGraph& g) : first(g.node_count() + 1, 0), arc(g.arc_count()) {
            for (const auto h : g.head) ++first[h + 1];
            for (std::size_t v = 0; v < g.node_count(); ++v) first[v + 1] += first[v];
            std::vector<std::uint32_t> pos(first.begin(), first.end() - 1);
            for (std::uint32_t a = 0; a < g.arc_count(); ++a) arc[pos[g.head[a]]++] = a;
        }
    };
    TowardsPark(const StreetGraph& g, const InArcs& in)
        : m_g(g),
          m_in(in),
          m_t(g.node_count(), unreachable),
          m_len(g.node_count(), unreachable),
          m_done(g.node_count(), 0),
          m_stamp(g.node_count(), 0) {}
    void run(std::uint32_t target, const double* arc_time_s, double max_time_s) {
        if (++m_round == 0) {
            std::fill(m_stamp.begin(), m_stamp.end(), 0);
            m_round = 1;
        }
        // A min-heap on (time, node): equal times settle in node order.
        auto& heap = m_heap;
        heap.clear();
        const auto push = [&](double d, std::uint32_t v) {
            heap.emplace_back(d, v);
            std::push_heap(heap.begin(), heap.end(), std::greater<>{});
        };
        m_settled.clear();
        touch(target);
        m_t[target] = 0;
        m_len[target] = 0;
        push(0.0, target);
        while (!heap.empty()) {
            std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
            const auto [d, v] = heap.back();
            heap.pop_back();
            if (m_done[v]) continue;
            if (d > max_time_s) break;
            m_done[v] = 1;
            m_settled.push_back(v);
            for (std::uint32_t k = m_in.first[v]; k < m_in.first[v + 1]; ++k) {
                const auto a = m_in.arc[k];
                const auto u = m_g.tail[a];
                touch(u);
                const double nd = d + (arc_time_s ? arc_time_s[a] : m_g.time_s[a]);
                // Ties by the node number, as the forward searches break them.
                if (nd < m_t[u] || (nd == m_t[u] && !m_done[u] && m_len[v] + m_g.length_m[a] < m_len[u])) {
                    m_t[u] = nd;
                    m_len[u] = m_len[v] + m_g.length_m[a];
                    push(nd, u);
                }
            }
        }
    }
    // The nodes the last run settled, in the order settled.
    const std::vector<std::uint32_t>& settled() const { return m_settled; }
    double time_s(std::uint32_t v) const { return m_t[v]; }
    double length_m(std::uint32_t v) const { return m_len[v]; }

private:
    void touch(std::uint32_t v) {
        if (m_stamp[v] == m_round) return;
        m_stamp[v] = m_round;
        m_t[v] = m_len[v] = unreachable;
        m_done[v] = 0;
    }
    const StreetGraph& m_g;
    const InArcs& m_in;
    std::vector<double> m_t, m_len;
    std::vector<std::uint8_t> m_done;
    std::vector<std::uint32_t> m_stamp;
    std::vector<std::pair<double, std::uint32_t>> m_heap;
    std::vector<std::uint32_t> m_settled;
    std::uint32_t m_round = 0;
};

// The two trips of a tour at given departures, for park-and-ride and bike-and-ride.
struct TourPair {
    std::uint32_t out_trip, back_trip;
    std::int32_t out_dep, back_dep;
};
// The best journey out from home via a car (bike) park and back to that same park, per pair
// and kind (index 0 car, 1 bike); found only when both are.
struct LotOption {
    TransitPath out, back;
    bool found() const { return out.found && back.found; }
};

// Parks considered per home and kind: the nearest by drive (ride) time (a choice set as
// park-and-ride models use; the best of them by generalised cost is taken).
constexpr std::size_t lots_considered = 3;

constexpr std::array<TransitAccess, 2> lot_kinds{TransitAccess::car, TransitAccess::bike};

// Whether park-and-ride (index 0) and bike-and-ride (1) are offered at all.
std::array<bool, 2> lots_offered(const RoutingContext& ctx) {
    const TransitModel& tm = *ctx.transit;
    const TransitParams& tp = ctx.params.transit;
    return {!tm.lots(TransitAccess::car).empty() && tp.park_and_ride_max_drive_m > 0,
            !tm.lots(TransitAccess::bike).empty() && tp.bike_and_ride_max_ride_m > 0};
}

// Whether the person of pair i may drive (k = 0) or ride (k = 1) to a park.
bool may_use_lot(const population::Population& pop, const std::vector<TourPair>& pairs,
                 const std::array<bool, 2>& offered, std::size_t i, std::size_t k) {
    const auto p = pop.person_of_tour(pairs[i].out_trip / 2);
    return offered[k] && (k == 0 ? pop.car_available[p] != 0 : pop.bike_owner[p] != 0);
}

// A park within reach of a home, on the way out: the drive (ride) there.
struct LotCandidate {
    float time_s, length_m;
    std::uint32_t lot;
    // Nearest first, then the lower lot.
    bool operator<(const LotCandidate& o) const { return time_s < o.time_s || (time_s == o.time_s && lot < o.lot); }
};

// The drives (rides) of the pairs that may drive (ride) to a park, of one kind of park. Only what
// the pairs ask for is kept: tables from every park to every node, per hour of the car times,
// took 17 GB on a 100,000-node grid with 307 car parks.
struct KindLotTables {
    std::size_t hours = 1;  // of the car times for the car, else 1
    // The way out: per (hour, home), the lots_considered parks nearest by time whose drive
    // (ride) is at most the kind's reach, nearest first (then the lower park).
    std::vector<std::uint64_t> out_key;  // hour << 32 | home, ascending
    std::vector<std::uint32_t> out_first;
    std::vector<LotCandidate> out;
    // The way back: per (park, hour, home), the drive (ride) from the park home.
    std::vector<std::array<std::uint32_t, 3>> back_key;  // ascending
    std::vector<float> back_time_s, back_length_m;

    std::size_t hour_of(std::int32_t dep) const {
        return std::min<std::size_t>(hours - 1, static_cast<std::size_t>(std::max(0, dep / 3600)));
    }
    static std::uint64_t key(std::size_t hour, std::uint32_t node) {
        return (static_cast<std::uint64_t>(hour) << 32) | node;
    }
    std::span<const LotCandidate> nearest(std::int32_t dep, std::uint32_t home) const {
        const auto it = std::lower_bound(out_key.begin(), out_key.end(), key(hour_of(dep), home));
        if (it == out_key.end() || *it != key(hour_of(dep), home)) return {};
        const auto k = static_cast<std::size_t>(it - out_key.begin());
        return {out.data() + out_first[k], out.data() + out_first[k + 1]};
    }
    // The drive (ride) from park `lot` to `home` leaving at `dep`: false when not asked for.
    bool back(std::uint32_t lot, std::int32_t dep, std::uint32_t home, float& time_s, float& length_m) const {
        const std::array<std::uint32_t, 3> k{lot, static_cast<std::uint32_t>(hour_of(dep)), home};
        const auto it = std::lower_bound(back_key.begin(), back_key.end(), k);
        if (it == back_key.end() || *it != k) return false;
        time_s = back_time_s[static_cast<std::size_t>(it - back_key.begin())];
        length_m = back_length_m[static_cast<std::size_t>(it - back_key.begin())];
        return true;
    }
};

struct LotTables {
    std::array<KindLotTables, 2> kind;  // car, bike
};

// The drives (rides) the pairs that may drive (ride) to a park can ask for, per kind: on the way
// out, per home and hour of leaving, the nearest parks within reach (a search towards each park
// per hour, settling nodes only as far as the reach allows); on the way back, from each of those
// parks home at the hour of the way back (a search from the park per hour, stopped once the homes
// are settled). The values are those of searches over the whole graph.
LotTables all_lot_tables(const RoutingContext& ctx, const population::Population& pop,
                         const std::vector<TourPair>& pairs, const CarTimes* car_times) {
    LotTables out;
    const auto offered = lots_offered(ctx);
    const TransitModel& tm = *ctx.transit;
    const TransitParams& tp = ctx.params.transit;
    const auto home_of = [&](std::size_t i) { return pop.home_node[pop.person_of_tour(pairs[i].out_trip / 2)]; };
    for (std::size_t kind = 0; kind < 2; ++kind) {
        if (!offered[kind]) continue;
        KindLotTables& t = out.kind[kind];
        const bool car = kind == 0;
        const StreetGraph& g = car ? ctx.car : ctx.bike;
        const auto& lots = tm.lots(lot_kinds[kind]);
        const double max_m = car ? tp.park_and_ride_max_drive_m : tp.bike_and_ride_max_ride_m;
        t.hours = car && car_times ? car_times->hours : 1;
        const auto times_at = [&](std::size_t h) { return car && car_times ? car_times->hour(h) : nullptr; };
        std::vector<std::uint32_t> who;  // the pairs that may drive (ride) to a park
        for (std::uint32_t i = 0; i < pairs.size(); ++i)
            if (may_use_lot(pop, pairs, offered, i, kind)) who.push_back(i);
        if (who.empty()) continue;

        // The way out.
        for (const auto i : who) t.out_key.push_back(KindLotTables::key(t.hour_of(pairs[i].out_dep), home_of(i)));
        std::sort(t.out_key.begin(), t.out_key.end());
        t.out_key.erase(std::unique(t.out_key.begin(), t.out_key.end()), t.out_key.end());
        const std::size_t keys = t.out_key.size();
        std::vector<std::array<LotCandidate, lots_considered>> best(keys);
        std::vector<std::uint8_t> found(keys, 0);
        const TowardsPark::InArcs in(g);
        // The hour's homes by node (their place among the hour's keys), for reading each search
        // from the nodes it settled: a bounded search on a large network settles few of them.
        std::vector<std::uint32_t> home_key(g.node_count(), invalid_index);
        for (std::size_t kb = 0; kb < keys;) {
            const std::size_t h = t.out_key[kb] >> 32;
            std::size_t ke = kb;
            while (ke < keys && (t.out_key[ke] >> 32) == h) ++ke;
            for (std::size_t k = kb; k < ke; ++k)
                home_key[static_cast<std::uint32_t>(t.out_key[k])] = static_cast<std::uint32_t>(k - kb);
            const double* times = times_at(h);
            // Drives within the reach take at most this long (margins for the sums' and the
            // float lengths' rounding).
            const double limit_s = max_m * most_seconds_per_metre(g, times) * (1 + 1e-6) + 1e-3;
            // Each thread's nearest parks of the hour's homes, merged below.
            struct Local {
                TowardsPark tree;
                std::vector<LotCandidate> best;
                std::vector<std::uint8_t> found;
            };
            tbb::enumerable_thread_specific<Local> locals([&] {
                return Local{TowardsPark(g, in), std::vector<LotCandidate>((ke - kb) * lots_considered),
                             std::vector<std::uint8_t>(ke - kb, 0)};
            });
            tbb::parallel_for(std::size_t{0}, lots.size(), [&](std::size_t lot) {
                Local& l = locals.local();
                l.tree.run(lots[lot].node, times, limit_s);
                for (const auto home : l.tree.settled()) {  // (the others are beyond the reach)
                    const std::uint32_t k = home_key[home];
                    if (k == invalid_index) continue;
                    const LotCandidate c{static_cast<float>(l.tree.time_s(home)),
                                         static_cast<float>(l.tree.length_m(home)), static_cast<std::uint32_t>(lot)};
                    if (!(c.time_s < static_cast<float>(unreachable)) || !(c.length_m <= max_m)) continue;
                    LotCandidate* b = l.best.data() + std::size_t{k} * lots_considered;
                    std::uint8_t& n = l.found[k];
                    if (n == lots_considered && !(c < b[n - 1])) continue;
                    std::size_t j = n < lots_considered ? n++ : lots_considered - 1;
                    b[j] = c;
                    for (; j > 0 && b[j] < b[j - 1]; --j) std::swap(b[j], b[j - 1]);
                }
            });
            std::vector<LotCandidate> merged;
            for (std::size_t k = kb; k < ke; ++k) {
                merged.clear();
                for (const Local& l : locals)
                    merged.insert(
                        merged.end(), l.best.begin() + static_cast<std::ptrdiff_t>((k - kb) * lots_considered),
                        l.best.begin() + static_cast<std::ptrdiff_t>((k - kb) * lots_considered + l.found[k - kb]));
                std::sort(merged.begin(), merged.end());
                found[k] = static_cast<std::uint8_t>(std::min(merged.size(), lots_considered));
                std::copy_n(merged.begin(), found[k], best[k].begin());
                home_key[static_cast<std::uint32_t>(t.out_key[k])] = invalid_index;
            }
            kb = ke;
        }
        t.out_first.assign(keys + 1, 0);
        for (std::size_t k = 0; k < keys; ++k) t.out_first[k + 1] = t.out_first[k] + found[k];
        t.out.resize(t.out_first[keys]);
        for (std::size_t k = 0; k < keys; ++k) std::copy_n(best[k].begin(), found[k], t.out.begin() + t.out_first[k]);

        // The way back: from each park a pair may take on its way out, home.
        for (const auto i : who)
            for (const auto& c : t.nearest(pairs[i].out_dep, home_of(i)))
                t.back_key.push_back({c.lot, static_cast<std::uint32_t>(t.hour_of(pairs[i].back_dep)), home_of(i)});
        std::sort(t.back_key.begin(), t.back_key.end());
        t.back_key.erase(std::unique(t.back_key.begin(), t.back_key.end()), t.back_key.end());
        t.back_time_s.assign(t.back_key.size(), static_cast<float>(unreachable));
        t.back_length_m.assign(t.back_key.size(), static_cast<float>(unreachable));
        std::vector<std::size_t> group;  // runs of one park and hour
        for (std::size_t k = 0; k < t.back_key.size(); ++k)
            if (k == 0 || t.back_key[k][0] != t.back_key[k - 1][0] || t.back_key[k][1] != t.back_key[k - 1][1])
                group.push_back(k);
        group.push_back(t.back_key.size());
        struct Back {
            ShortestPathTree tree;
            std::vector<std::uint32_t> homes;
        };
        tbb::enumerable_thread_specific<Back> backs([&] { return Back{ShortestPathTree(g), {}}; });
        tbb::parallel_for(std::size_t{0}, group.size() - 1, [&](std::size_t r) {
            Back& b = backs.local();
            b.homes.clear();
            for (std::size_t k = group[r]; k < group[r + 1]; ++k) b.homes.push_back(t.back_key[k][2]);
            const auto lot = t.back_key[group[r]][0];
            b.tree.run_to(lots[lot].node, b.homes, times_at(t.back_key[group[r]][1]));
            for (std::size_t k = group[r]; k < group[r + 1]; ++k)
                if (b.tree.reached(t.back_key[k][2])) {
                    t.back_time_s[k] = static_cast<float>(b.tree.time_s(t.back_key[k][2]));
                    t.back_length_m[k] = static_cast<float>(b.tree.length_m(t.back_key[k][2]));
                }
        });
    }
    return out;
}

std::vector<std::array<LotOption, 2>> lot_options(const RoutingContext& ctx, const population::Population& pop,
                                                  const std::vector<TourPair>& pairs, const LotTables& tables) {
    const TransitModel& tm = *ctx.transit;
    const TransitParams& tp = ctx.params.transit;
    std::vector<std::array<LotOption, 2>> out(pairs.size());
    const auto offered = lots_offered(ctx);
    if (!offered[0] && !offered[1]) return out;
    const auto person_of = [&](std::size_t i) { return pop.person_of_tour(pairs[i].out_trip / 2); };
    const auto can = [&](std::size_t i, int k) {
        return may_use_lot(pop, pairs, offered, i, static_cast<std::size_t>(k));
    };
    // Groups of pairs by a node, then by hour (sorted indices; deterministic).
    const auto groups = [&](const auto& node_of, const auto& dep_of, const auto& wanted) {
        std::vector<std::uint32_t> idx;
        for (std::uint32_t i = 0; i < pairs.size(); ++i)
            if (wanted(i)) idx.push_back(i);
        std::sort(idx.begin(), idx.end(), [&](std::uint32_t a, std::uint32_t b) {
            if (node_of(a) != node_of(b)) return node_of(a) < node_of(b);
            if (dep_of(a) / 3600 != dep_of(b) / 3600) return dep_of(a) / 3600 < dep_of(b) / 3600;
            return a < b;
        });
        std::vector<std::size_t> first;
        for (std::size_t k = 0; k < idx.size(); ++k)
            if (k == 0 || node_of(idx[k]) != node_of(idx[k - 1])) first.push_back(k);
        first.push_back(idx.size());
        return std::make_pair(idx, first);
    };
    tbb::enumerable_thread_specific<RoutingScratch> scratch([&] { return RoutingScratch(ctx); });

    // Out: from home by car (bike) to one of the lots_considered parks nearest by drive
    // (ride) time within reach, then transit from there; the best of them by generalised cost.
    // Searched per park and hour of arrival there (one profile search serves every home).
    struct Entry {
        std::uint32_t pair;
        std::uint8_t kind;
        std::uint32_t lot;
        float ride_s, ride_m;
        std::int32_t at_lot_s;  // ready at the park's stop
    };
    std::vector<Entry> entries;
    {
        const auto home = [&](std::uint32_t i) { return pop.home_node[person_of(i)]; };
        const auto dep = [&](std::uint32_t i) { return pairs[i].out_dep; };
        // The pairs that may drive or ride, in pair order (the entries are sorted below).
        std::vector<std::uint32_t> idx;
        for (std::uint32_t i = 0; i < pairs.size(); ++i)
            if (can(i, 0) || can(i, 1)) idx.push_back(i);
        for (const auto i : idx) {
            const auto o = home(i);
            for (std::size_t kind = 0; kind < 2; ++kind) {
                if (!can(i, static_cast<int>(kind))) continue;
                const auto& lots = tm.lots(lot_kinds[kind]);
                for (const auto& c : tables.kind[kind].nearest(dep(i), o)) {
                    const double walk = lots[c.lot].walk_s + (kind == 0 ? tp.car_access_s : 0.0);
                    const auto at = dep(i) + static_cast<std::int32_t>(std::ceil(c.time_s + walk));
                    entries.push_back({i, static_cast<std::uint8_t>(kind), c.lot, c.time_s, c.length_m, at});
                }
            }
        }
    }
    // By park and hour of arrival there (then pair: deterministic whatever the threads).
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        if (a.kind != b.kind) return a.kind < b.kind;
        if (a.lot != b.lot) return a.lot < b.lot;
        if (a.at_lot_s / 3600 != b.at_lot_s / 3600) return a.at_lot_s / 3600 < b.at_lot_s / 3600;
        return a.pair < b.pair;
    });
    const auto same_group = [&](const Entry& a, const Entry& b) {
        return a.kind == b.kind && a.lot == b.lot && a.at_lot_s / 3600 == b.at_lot_s / 3600;
    };
    std::vector<std::size_t> starts;
    for (std::size_t k = 0; k < entries.size(); ++k)
        if (k == 0 || !same_group(entries[k], entries[k - 1])) starts.push_back(k);
    starts.push_back(entries.size());
    const auto from_lot = [&](RoutingScratch& s, const Entry& e, std::size_t group_size) {
        const auto kind = lot_kinds[e.kind];
        const auto& lot = tm.lots(kind)[e.lot];
        s.transit.run_from_lot(kind, e.lot, std::max(0, e.at_lot_s) / 3600, group_size);
        const auto d = pop.tour_node[pairs[e.pair].out_trip / 2];
        const double walk = lot.walk_s + (kind == TransitAccess::car ? tp.car_access_s : 0.0);
        auto path =
            with_lot_access(s.transit.path_to(d, e.at_lot_s), kind, lot.stop, walk, lot.walk_m, e.ride_s, e.ride_m);
        // Parked (after the walk to the car and the drive) before the park closes: it is full
        // from then on the previous days.
        const double to_park = e.ride_s + (kind == TransitAccess::car ? tp.car_access_s / 2 : 0.0);
        if (path.found &&
            pairs[e.pair].out_dep + static_cast<std::int32_t>(std::ceil(to_park)) > tm.lot_closes_s(kind, e.lot))
            path.found = false;
        return path;
    };
    std::vector<double> entry_cost(entries.size(), std::numeric_limits<double>::infinity());
    tbb::parallel_for(std::size_t{0}, starts.size() - 1, [&](std::size_t g) {
        auto& s = scratch.local();
        for (std::size_t k = starts[g]; k < starts[g + 1]; ++k) {
            const auto path = from_lot(s, entries[k], starts[g + 1] - starts[g]);
            if (path.found) entry_cost[k] = generalised_cost(tp, as_float(path));
        }
    });
    // The best park per pair and kind; its journey again (only the best are kept).
    std::vector<std::array<std::int64_t, 2>> best(pairs.size(), {-1, -1});
    for (std::size_t k = 0; k < entries.size(); ++k) {
        if (!std::isfinite(entry_cost[k])) continue;
        auto& b = best[entries[k].pair][entries[k].kind];
        if (b < 0 || entry_cost[k] < entry_cost[static_cast<std::size_t>(b)] ||
            (entry_cost[k] == entry_cost[static_cast<std::size_t>(b)] &&
             entries[k].lot < entries[static_cast<std::size_t>(b)].lot))
            b = static_cast<std::int64_t>(k);
    }
    tbb::parallel_for(std::size_t{0}, starts.size() - 1, [&](std::size_t g) {
        auto& s = scratch.local();
        for (std::size_t k = starts[g]; k < starts[g + 1]; ++k) {
            const auto& e = entries[k];
            if (best[e.pair][e.kind] != static_cast<std::int64_t>(k)) continue;
            out[e.pair][e.kind].out = from_lot(s, e, starts[g + 1] - starts[g]);
        }
    });
    // Back: transit from the activity to the park of the way out, then the drive (ride) home.
    {
        const auto act = [&](std::uint32_t i) { return pop.tour_node[pairs[i].out_trip / 2]; };
        const auto dep = [&](std::uint32_t i) { return pairs[i].back_dep; };
        // Named, not a structured binding: lambdas capture it (clang before 16 cannot capture bindings).
        const auto grouped =
            groups(act, dep, [&](std::uint32_t i) { return out[i][0].out.found || out[i][1].out.found; });
        const auto& idx = grouped.first;
        const auto& first = grouped.second;
        tbb::parallel_for(std::size_t{0}, first.size() - 1, [&](std::size_t g) {
            auto& s = scratch.local();
            const auto o = act(idx[first[g]]);
            for (std::size_t k = first[g]; k < first[g + 1];) {
                const auto hour = dep(idx[k]) / 3600;
                std::size_t e = k;
                while (e < first[g + 1] && dep(idx[e]) / 3600 == hour) ++e;
                s.transit.run(o, std::max(0, hour), e - k);
                for (auto x = k; x < e; ++x) {
                    const auto i = idx[x];
                    const auto home = pop.home_node[person_of(i)];
                    for (std::size_t kind = 0; kind < 2; ++kind) {
                        auto& opt = out[i][kind];
                        if (!opt.out.found) continue;
                        const auto lot = tm.lot_of_stop(lot_kinds[kind], opt.out.lot_stop);
                        float ride = 0, ride_m = 0;
                        if (!tables.kind[kind].back(lot, pairs[i].back_dep, home, ride, ride_m) ||
                            ride >= static_cast<float>(unreachable))
                            continue;
                        opt.back = s.transit.path_to_lot(lot_kinds[kind], lot, ride, ride_m, pairs[i].back_dep);
                    }
                }
                k = e;
            }
        });
    }
    return out;
}

// The park-and-ride or bike-and-ride option of a tour that costs less (out and back) than its
// walk-access journeys (columns `walk_out`, `walk_back` of `pt`, when `walk` found both), or null.
const LotOption* cheaper_option(const TransitParams& tp, const std::array<LotOption, 2>& opts, bool walk,
                                const TransitColumns& pt, std::size_t walk_out, std::size_t walk_back) {
    double best = std::numeric_limits<double>::infinity();
    if (walk) best = generalised_cost(tp, pt.at(walk_out)) + generalised_cost(tp, pt.at(walk_back));
    const LotOption* pick = nullptr;
    for (const auto& o : opts) {
        if (!o.found()) continue;
        const double c = generalised_cost(tp, as_float(o.out)) + generalised_cost(tp, as_float(o.back));
        if (c < best) best = c, pick = &o;
    }
    return pick;
}

// The lot options of the tours in blocks, each handed to `apply(tour index, options)` in parallel
// before the next block is searched: the options of every tour at once took about 800 bytes a
// tour (the largest allocation of a run). A tour's options do not depend on the block it is in.
template <class Apply>
void for_each_lot_block(const RoutingContext& ctx, const population::Population& pop,
                        const std::vector<TourPair>& pairs, const CarTimes* car_times, const Apply& apply) {
    constexpr std::size_t block = 16384;
    const LotTables tables = all_lot_tables(ctx, pop, pairs, car_times);
    for (std::size_t b = 0; b < pairs.size(); b += block) {
        const std::size_t e = std::min(pairs.size(), b + block);
        const std::vector<TourPair> part(pairs.begin() + static_cast<std::ptrdiff_t>(b),
                                         pairs.begin() + static_cast<std::ptrdiff_t>(e));
        const auto options = lot_options(ctx, pop, part, tables);
        tbb::parallel_for(std::size_t{0}, part.size(), [&](std::size_t i) { apply(b + i, options[i]); });
    }
}

}  // namespace

TripLos compute_trip_los(const RoutingContext& ctx, const population::Population& pop, bool keep_car_labels) {
    const std::size_t trips = pop.trip_count();
    TripLos los;
    los.available.assign(trips, 0);
    for (auto& v : los.time_s) v.assign(trips, 0.f);
    for (auto& v : los.distance_m) v.assign(trips, 0.f);
    // Without lines no journey is found (a journey has a ride): no transit columns.
    const std::size_t pt_rows = ctx.transit->route_node_count() > 0 ? trips : 0;
    los.pt.assign(pt_rows);
    los.car_drive_s.assign(trips, 0.f);
    for (auto* v : {&los.pt_first_stop, &los.pt_last_stop, &los.pt_first_line, &los.pt_last_line})
        v->assign(pt_rows, -1);

    // Trips grouped by origin node, then by departure hour (counting sort: deterministic).
    std::vector<std::uint32_t> trip_person(trips);
    for (std::uint32_t p = 0; p < pop.person_count(); ++p)
        for (const auto t : pop.trips_of(p)) trip_person[t] = p;
    const std::size_t nodes = ctx.net.node_count();
    std::vector<std::uint32_t> first(nodes + 1, 0);
    for (std::size_t t = 0; t < trips; ++t) ++first[trip_origin_node(pop, trip_person[t], t) + 1];
    for (std::size_t n = 0; n < nodes; ++n) first[n + 1] += first[n];
    std::vector<std::uint32_t> order(trips);
    {
        std::vector<std::uint32_t> pos(first.begin(), first.end() - 1);
        for (std::size_t t = 0; t < trips; ++t)
            order[pos[trip_origin_node(pop, trip_person[t], t)]++] = static_cast<std::uint32_t>(t);
    }
    // One profile search per origin and hour serves every trip leaving then.
    for (std::size_t n = 0; n < nodes; ++n)
        std::stable_sort(order.begin() + first[n], order.begin() + first[n + 1], [&](std::uint32_t a, std::uint32_t b) {
            return trip_departure_s(pop, a) / 3600 < trip_departure_s(pop, b) / 3600;
        });

    // An origin with few trips asks each street mode's CCH for each trip (street_cch.hpp:
    // use_cch, worth_cch); one with many has one search per mode, stopped once every destination
    // is settled (walk and bike also at their range), or on large networks one tree per mode
    // (use_trip_trees; the trees below). Walk and bike have one speed each, so the range is
    // a length: a trip has the mode when its shortest path is within it, either way.
    constexpr std::array<Mode, 3> street_modes{Mode::walk, Mode::bike, Mode::car};
    // Trip t's columns of a street mode from its path's time and length (walk and bike within
    // their range; the car's time with the walks to and from it) and of a transit journey; each
    // returns the mode's availability bit, 0 for a walk or ride beyond the range.
    const auto put_street = [&](std::uint32_t t, Mode m, double time_s, double length_m) -> std::uint8_t {
        if ((m == Mode::walk && length_m > ctx.params.max_walk_trip_m) ||
            (m == Mode::bike && length_m > ctx.params.max_bike_trip_m))
            return 0;
        const bool car = m == Mode::car;
        los.time_s[static_cast<std::size_t>(m)][t] =
            static_cast<float>(car ? time_s + ctx.params.car_access_s : time_s);
        los.distance_m[static_cast<std::size_t>(m)][t] = static_cast<float>(length_m);
        if (car) los.car_drive_s[t] = static_cast<float>(time_s);
        return static_cast<std::uint8_t>(1u << static_cast<unsigned>(m));
    };
    const auto put_transit = [&](std::uint32_t t, const TransitPath& path) -> std::uint8_t {
        los.time_s[static_cast<std::size_t>(Mode::transit)][t] = static_cast<float>(path.total_s());
        los.distance_m[static_cast<std::size_t>(Mode::transit)][t] = static_cast<float>(path.total_m());
        los.pt.set(t, path);
        los.pt_first_stop[t] = static_cast<std::int32_t>(path.first_stop);
        los.pt_last_stop[t] = static_cast<std::int32_t>(path.last_stop);
        los.pt_first_line[t] = static_cast<std::int32_t>(path.first_line);
        los.pt_last_line[t] = static_cast<std::int32_t>(path.last_line);
        return static_cast<std::uint8_t>(1u << static_cast<unsigned>(Mode::transit));
    };
    const auto trips_at = [&](std::size_t n) { return static_cast<std::size_t>(first[n + 1] - first[n]); };
    // Street mode k from labels for every trip (use_trip_labels; the labels below), else per origin
    // from trees or queries.
    std::array<bool, 3> by_labels{};
    for (std::size_t k = 0; k < 3; ++k)
        by_labels[k] = trips > 0 && trip_labels_pay(ctx, street_modes[k], trips, k == 2);
    // Per origin, bit k: street mode k comes from the trees.
    std::vector<std::uint8_t> tree_modes(nodes, 0);
    for (std::size_t n = 0; n < nodes; ++n)
        for (std::size_t k = 0; k < 3; ++k)
            if (trips_at(n) > 0 && !by_labels[k] &&
                (ctx.force_trip_trees || use_trip_trees(street_graph(ctx, street_modes[k]), trips_at(n), k == 2)))
                tree_modes[n] |= static_cast<std::uint8_t>(1u << k);
    const auto by_tree = [&](std::size_t k, std::size_t n) { return ((tree_modes[n] >> k) & 1u) != 0; };
    std::array<const CchMetric*, 3> metric{};
    for (std::size_t k = 0; k < 3; ++k) {
        std::size_t small_origins = 0;
        for (std::size_t n = 0; n < nodes; ++n)
            small_origins += trips_at(n) > 0 && !by_labels[k] && !by_tree(k, n) &&
                             use_cch(street_graph(ctx, street_modes[k]), trips_at(n));
        if (worth_cch(street_graph(ctx, street_modes[k]), small_origins))
            metric[k] = &street_metric(ctx, street_modes[k]);
    }
    struct TripScratch : Scratch {
        std::array<std::optional<StreetPathQuery>, 3> path;  // walk, bike, car
        TripScratch(const RoutingContext& c, const std::array<const CchMetric*, 3>& m) : Scratch(c) {
            for (std::size_t k = 0; k < 3; ++k)
                if (m[k]) path[k].emplace(*m[k]);
        }
    };
    tbb::enumerable_thread_specific<TripScratch> scratch([&] { return TripScratch(ctx, metric); });
    // Walk and bike move at one speed, so a time bound is a distance bound.
    const double walk_limit_s = ctx.params.max_walk_trip_m / ctx.params.walk_speed_mps;
    const double bike_limit_s = ctx.params.max_bike_trip_m / ctx.params.bike_speed_mps;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nodes, 16), [&](const tbb::blocked_range<std::size_t>& r) {
        TripScratch& s = scratch.local();
        for (std::size_t origin = r.begin(); origin != r.end(); ++origin) {
            if (first[origin] == first[origin + 1]) continue;
            const auto o = static_cast<std::uint32_t>(origin);
            std::array<bool, 3> by_cch{}, tree{};
            for (std::size_t k = 0; k < 3; ++k) {
                tree[k] = by_tree(k, origin) || by_labels[k];  // both below
                by_cch[k] = !tree[k] && metric[k] && use_cch(street_graph(ctx, street_modes[k]), trips_at(origin));
            }
            s.targets.clear();
            for (std::uint32_t i = first[origin]; i < first[origin + 1]; ++i)
                s.targets.push_back(trip_dest_node(pop, trip_person[order[i]], order[i]));
            if (!by_cch[0] && !tree[0]) s.walk.run_to(o, s.targets, nullptr, walk_limit_s * 1.0001);
            if (!by_cch[1] && !tree[1]) s.bike.run_to(o, s.targets, nullptr, bike_limit_s * 1.0001);
            if (!by_cch[2] && !tree[2]) s.car.run_to(o, s.targets);
            // Two trips or more: the origin's side of the CCH queries is searched once.
            const bool shared_source = trips_at(origin) >= 2;
            for (std::size_t k = 0; k < 3; ++k)
                if (by_cch[k] && shared_source) s.path[k]->from(o);
            std::size_t hour_trips = 0;  // trips of this origin in the hour of trip t
            for (std::uint32_t i = first[origin]; i < first[origin + 1]; ++i) {
                const std::uint32_t t = order[i];
                const std::uint32_t d = trip_dest_node(pop, trip_person[t], t);
                const auto hour_of = [&](std::uint32_t trip) { return trip_departure_s(pop, trip) / 3600; };
                if (i == first[origin] || hour_of(order[i]) != hour_of(order[i - 1]))
                    hour_trips = run_length(order, i, first[origin + 1], hour_of);
                std::uint8_t avail = 0;
                // The street modes' time and length to d, false when unreached.
                const auto street = [&](std::size_t k, ShortestPathTree& search, double& time_s, double& length_m) {
                    if (tree[k]) return false;  // from the trees or labels, below
                    if (by_cch[k])
                        return shared_source ? s.path[k]->to(search.graph(), d, time_s, length_m)
                                             : s.path[k]->run(search.graph(), o, d, time_s, length_m);
                    if (!search.reached(d)) return false;
                    time_s = search.time_s(d), length_m = search.length_m(d);
                    return true;
                };
                double time_s = 0, length_m = 0;
                if (street(0, s.walk, time_s, length_m)) avail |= put_street(t, Mode::walk, time_s, length_m);
                if (street(1, s.bike, time_s, length_m)) avail |= put_street(t, Mode::bike, time_s, length_m);
                if (street(2, s.car, time_s, length_m)) avail |= put_street(t, Mode::car, time_s, length_m);
                const TransitPath path =
                    transit_path_at(ctx, s.transit, o, d, trip_departure_s(pop, t), nullptr, -1.0, hour_trips);
                if (path.found) avail |= put_transit(t, path);
                los.available[t] = avail;
            }
        }
    });

    // The origins with many trips on large networks: one tree per street mode, 8 origins a sweep
    // (CchManyToAll on the free-flow query graph). A tree's cost is the query's to the bit
    // (cch.hpp). Walk and bike move at one speed, each arc's time its length over the speed, so
    // the length of a path is its time times the speed (up to rounding) and their trees need no
    // lengths; the car's carry them (CchMetric::path_sums), on the path of least time whose last
    // arc comes first in the hierarchy among equals. One mode at a time, so that one tree batch a
    // thread is in memory.
    for (std::size_t k = 0; k < 3; ++k) {
        std::vector<std::uint32_t> tree_origins;
        for (std::size_t n = 0; n < nodes; ++n)
            if (by_tree(k, n)) tree_origins.push_back(static_cast<std::uint32_t>(n));
        if (tree_origins.empty()) continue;
        const Mode mode = street_modes[k];
        const StreetGraph& g = street_graph(ctx, mode);
        const CchMetric& m = street_metric(ctx, mode);
        const bool lengths = mode == Mode::car;
        const auto sums = lengths ? m.path_sums(g.length_m) : CchMetric::PathSums{};
        const double speed = mode == Mode::walk ? ctx.params.walk_speed_mps : ctx.params.bike_speed_mps;
        constexpr std::size_t batch = CchManyToAll::batch;
        tbb::enumerable_thread_specific<CchManyToAll> sweeps([&] { return CchManyToAll(m); });
        tbb::parallel_for(std::size_t{0}, (tree_origins.size() + batch - 1) / batch, [&](std::size_t b) {
            auto& sweep = sweeps.local();
            const std::size_t begin = b * batch, count = std::min(batch, tree_origins.size() - begin);
            const std::span<const std::uint32_t> sources(tree_origins.data() + begin, count);
            if (lengths)
                sweep.run(sources, sums);
            else
                sweep.run(sources);
            for (std::size_t i = 0; i < count; ++i)
                for (std::uint32_t x = first[sources[i]]; x < first[sources[i] + 1]; ++x) {
                    const std::uint32_t t = order[x];
                    const std::uint32_t d = trip_dest_node(pop, trip_person[t], t);
                    const double time_s = sweep.cost(i, d);
                    if (!(time_s < unreachable)) continue;
                    los.available[t] |= put_street(t, mode, time_s, lengths ? sweep.value(i, d) : time_s * speed);
                }
        });
    }

    // Street modes from labels: each node's backward upward search kept (CchLabels), then per
    // origin its forward side (its own label where the metric is the same both ways; else its
    // forward label, swept) and per trip one pass over the common ancestors. The costs are the
    // queries', bit for bit; walk and bike lengths are time times speed (as the trees'), the car's
    // the path sums along the meeting's path. One mode at a time, so that one mode's labels are in
    // memory, each in the memory of the mode's before (CchLabels::Storage). Labels are built from
    // the top of the hierarchy down (0.3 s on the 100,000-node grid; 1.4 s with lengths, which
    // follow each entry's predecessor in the search), so the forward ones, made one at a time as
    // the origins need them, cost less than a search per origin.
    CchLabels::Storage storage;
    for (std::size_t k = 0; k < 3; ++k) {
        if (!by_labels[k]) continue;
        const Mode mode = street_modes[k];
        los.from_labels |= core::mode_bit(mode);
        const StreetGraph& g = street_graph(ctx, mode);
        const CchMetric& m = street_metric(ctx, mode);
        const bool lengths = mode == Mode::car;
        const auto sums = lengths ? m.path_sums(g.length_m) : CchMetric::PathSums{};
        auto kept = std::make_unique<CchLabels>(m, false, lengths ? &sums : nullptr, std::move(storage));
        const double speed = mode == Mode::walk ? ctx.params.walk_speed_mps : ctx.params.bike_speed_mps;
        // Each origin's side as CchLabels::for_each_source finds it cheapest: its own label on a
        // metric the same both ways (walk), else its forward label swept from the top down (the
        // bike's, on one-way streets; the car's, with its lengths).
        std::vector<std::uint8_t> wanted(m.cch().node_count(), 0);
        for (std::size_t n = 0; n < nodes && n < wanted.size(); ++n) wanted[n] = first[n] != first[n + 1];
        // On a metric the same both ways (its labels serve as their own sources: walk, and bike
        // without one-way streets) a path costs the same either way, to the bit: a label query
        // adds the two nodes' labels entry by entry over their common ancestors and takes the
        // least sum, and x + y is y + x. So a tour's way back between the nodes of its way out
        // takes the way out's answer (its length, time times speed, as well): half the queries.
        // (A tour's trips run home to its node and back: trip_origin_node, trip_dest_node.)
        const bool mirrored = !lengths && kept->source_side() != nullptr;
        // Each origin's destinations first, so that each query's target is fetched ahead
        // (CchLabelQuery::prefetch) while the ones before it run; a way back with a mirror is
        // answered with its way out (by the way out's origin).
        tbb::enumerable_thread_specific<std::vector<std::uint32_t>> dests, asked;
        kept->for_each_source(wanted, lengths ? &sums : nullptr, false, [&](CchLabelQuery& q, std::uint32_t origin) {
            auto& d = dests.local();
            auto& a = asked.local();
            d.clear();
            a.clear();
            for (std::uint32_t x = first[origin]; x < first[origin + 1]; ++x) {
                const std::uint32_t t = order[x];
                if (mirrored && t % 2 == 1) continue;  // answered with its way out, t - 1
                d.push_back(trip_dest_node(pop, trip_person[t], t));
                a.push_back(t);
            }
            for (std::size_t k = 0; k < d.size(); ++k) {
                prefetch_targets(q, d, k);
                const std::uint32_t t = a[k];
                const double time_s = q.to(d[k]);
                if (!(time_s < unreachable)) continue;
                const double length_m = lengths ? q.sum() : time_s * speed;
                los.available[t] |= put_street(t, mode, time_s, length_m);
                if (mirrored) los.available[t + 1] |= put_street(t + 1, mode, time_s, length_m);
            }
        });
        if (mode == Mode::car && keep_car_labels) {
            kept->drop_sums();
            ctx.cchs->keep_car_labels(std::move(kept));
        } else {
            storage = kept->take_storage();
        }
    }
    CchLabels::Storage().swap(storage);  // the last labels' memory, not held through the access choice below

    // Park-and-ride and bike-and-ride: per tour, the access (walk, bike, car) whose journeys
    // out and back cost least in all, among those the person has (a car, a bike).
    std::vector<TourPair> pairs(pop.tour_count());
    for (std::uint32_t tour = 0; tour < pop.tour_count(); ++tour)
        pairs[tour] = {2 * tour, 2 * tour + 1, trip_departure_s(pop, 2 * tour), trip_departure_s(pop, 2 * tour + 1)};
    const TransitParams& tp = ctx.params.transit;
    for_each_lot_block(ctx, pop, pairs, nullptr, [&](std::size_t i, const std::array<LotOption, 2>& options) {
        const std::uint32_t to = pairs[i].out_trip, tb = pairs[i].back_trip;
        const bool walk = los.has(to, Mode::transit) && los.has(tb, Mode::transit);
        const LotOption* pick = cheaper_option(tp, options, walk, los.pt, to, tb);
        if (!pick) return;
        for (const auto& [t, path] : {std::pair{to, &pick->out}, std::pair{tb, &pick->back}})
            los.available[t] |= put_transit(t, *path);
    });
    return los;
}

CarHourMetrics::CarHourMetrics(const RoutingContext& ctx, std::vector<std::uint64_t> keys, const CarTimes* car_times)
    : m_ctx(ctx), m_car_times(car_times) {
    tbb::parallel_sort(keys.begin(), keys.end());  // values: the same order at any thread count
    for (std::size_t k = 0; k < keys.size();) {
        std::size_t e = k;
        while (e < keys.size() && keys[e] == keys[k]) ++e;
        if (use_cch(ctx.car, e - k)) m_small.push_back(keys[k]);
        k = e;
    }
    // Each hour's groups answered by the hierarchy cost a customization of their own (the hour's
    // times), so each hour decides alone whether they are worth one (worth_cch): an hour of a few
    // groups (the replanners' night departures) goes by searches. On a million agents' day that
    // is 5 of the 34 hours, with 1 to 71 origins each, where a customization took 0.27-0.43 s
    // (benchmarks/RESULTS.md). Without car times every group is of the one free-flow hour, and the
    // batch decides as a whole, as before.
    std::vector<std::size_t> groups(m_car_times ? m_car_times->hours : 1, 0);
    for (const auto k : m_small) ++groups[index(key_hour(k))];
    std::erase_if(m_small, [&](std::uint64_t k) { return !worth_cch(ctx.car, groups[index(key_hour(k))]); });
}

std::size_t CarHourMetrics::index(std::int64_t hour) const {
    const std::int64_t hours = m_car_times ? static_cast<std::int64_t>(m_car_times->hours) : 1;
    return static_cast<std::size_t>(std::clamp<std::int64_t>(hour, 0, hours - 1));
}

bool CarHourMetrics::by_cch(std::uint32_t origin, std::int64_t hour) const {
    return std::binary_search(m_small.begin(), m_small.end(), key(origin, hour));
}

CarAnswers CarHourMetrics::answer(std::span<const CarQuery> queries, bool arcs, const TripRoutes* routes) const {
    constexpr double infinity = std::numeric_limits<double>::infinity();
    const std::size_t n = queries.size();
    CarAnswers out;
    out.found.assign(n, 0);
    out.time_s.assign(n, 0.0);
    out.length_m.assign(n, 0.0);
    if (n == 0) return out;
    // The queries by hour (first[h]: where hour h begins), then by origin, whose queries share
    // its side of the search (from_source), then by destination: a query the same as the one
    // before it (the replanning asks for a trip at several departures, often in one hour) takes
    // its answer, the same bits as answering it again.
    const std::size_t hours = m_car_times ? m_car_times->hours : 1;
    std::vector<std::uint32_t> first(hours + 1, 0), order(n);
    for (const auto& q : queries) ++first[index(q.hour) + 1];
    for (std::size_t h = 0; h < hours; ++h) first[h + 1] += first[h];
    {
        // (hour, from, to, query) packed in two words each (every part fits 32 bits), sorted in
        // parallel: the order of the tuples, which are all distinct (the query's number last), so
        // the same order at any thread count.
        std::vector<std::pair<std::uint64_t, std::uint64_t>> keys(n);
        tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, static_cast<std::uint32_t>(n), 1u << 14),
                          [&](const tbb::blocked_range<std::uint32_t>& r) {
                              for (std::uint32_t q = r.begin(); q != r.end(); ++q)
                                  keys[q] = {static_cast<std::uint64_t>(index(queries[q].hour)) << 32 | queries[q].from,
                                             static_cast<std::uint64_t>(queries[q].to) << 32 | q};
                          });
        tbb::parallel_sort(keys.begin(), keys.end());
        for (std::size_t k = 0; k < n; ++k) order[k] = static_cast<std::uint32_t>(keys[k].second);
    }
    std::vector<std::uint32_t> group;  // an hour's runs of one origin, by their first position
    // Each thread keeps the arcs of its paths in blocks of its own, each reserved once and filled
    // (a path that does not fit starts the next, twice as large up to 16 million arcs: no block
    // grows by copying), with (query, block, first, count) per path.
    struct Local {
        std::optional<StreetPathQuery> query;
        std::vector<std::vector<std::uint32_t>> blocks;
        std::vector<std::uint32_t> path;
        std::vector<double> bounds;          // a group's queries' bounds (route_bound)
        std::vector<std::uint32_t> targets;  // a group's destinations (by labels)
        std::vector<std::array<std::uint32_t, 4>> spans;
        std::array<std::uint32_t, 3> put(std::span<const std::uint32_t> arcs) {
            if (blocks.empty() || blocks.back().capacity() - blocks.back().size() < arcs.size()) {
                const std::size_t next = blocks.empty() ? std::size_t{1} << 16
                                                        : std::min(std::size_t{1} << 24, 2 * blocks.back().capacity());
                blocks.emplace_back().reserve(std::max(next, arcs.size()));
            }
            auto& b = blocks.back();
            const std::array<std::uint32_t, 3> at{static_cast<std::uint32_t>(blocks.size() - 1),
                                                  static_cast<std::uint32_t>(b.size()),
                                                  static_cast<std::uint32_t>(arcs.size())};
            b.insert(b.end(), arcs.begin(), arcs.end());
            return at;
        }
    };
    const CchMetric& free_flow = street_metric(m_ctx, Mode::car);
    tbb::enumerable_thread_specific<Local> local([&] {
        Local l;
        l.query.emplace(free_flow);
        return l;
    });
    // The hours with queries, each customized into one of three metrics in turn: the next hour's
    // customization runs beside this hour's queries (tbb::parallel_invoke), so that the threads
    // that a level of customization with few tasks leaves idle answer queries. Each hour's
    // answers are those of its own metric, whatever runs beside them.
    std::vector<std::size_t> busy;
    for (std::size_t h = 0; h < hours; ++h)
        if (first[h] != first[h + 1]) busy.push_back(h);
    const auto hour_times = [&](std::size_t h) { return m_car_times ? m_car_times->hour(h) : nullptr; };
    // The hours customized: those with times of their own. An hour whose times are the free-flow
    // ones, bit for bit (no car drove in it: the replanners' departures at night), takes the
    // free-flow metric, as an hour without car times does: the same weights would customize into
    // the same metric (2 of 34 hours on a million agents' day).
    const std::size_t arc_bytes = m_ctx.car.arc_count() * sizeof(double);
    std::vector<std::uint8_t> customized(busy.size(), 0);
    for (std::size_t i = 0; i < busy.size(); ++i)
        if (const double* times = hour_times(busy[i]))
            customized[i] = std::memcmp(times, m_ctx.car.time_s.data(), arc_bytes) != 0;
    out.customized_hours = static_cast<std::size_t>(std::count(customized.begin(), customized.end(), 1));
    // Hour i's metric in hourly[i % 3]: this hour's, the next's and the one after.
    std::array<std::optional<CchMetric>, 3> hourly;
    std::vector<std::uint8_t> prepared(busy.size(), 0);
    CchMetric::PruneScratch prune_scratch;  // one hour's query graph at a time (see below)
    const auto queries_of = [&](std::size_t i) {
        return static_cast<std::size_t>(first[busy[i] + 1] - first[busy[i]]);
    };
    const auto prunes = [&](std::size_t i) { return 6 * queries_of(i) >= m_ctx.car.node_count(); };
    // Whether hour i's answers are few (fewer queries than a 25th of the nodes: the night's hours,
    // whose customizations are then the step's critical path, each leaving threads idle in its top
    // levels), and hour j, whose metric would be made beside them, needs no query graph (one is
    // made at a time): then j's metric is made beside the next one's. Which hour is made when
    // changes no metric: each is its own hour's.
    const auto two_ahead = [&](std::size_t i, std::size_t j) {
        return j < busy.size() && 25 * queries_of(i) < m_ctx.car.node_count() && !prunes(j);
    };
    const auto prepare = [&](std::size_t i) {
        if (prepared[i]) return;
        prepared[i] = 1;
        if (!customized[i]) return;
        const std::size_t h = busy[i];
        const double* times = hour_times(h);
        auto& m = hourly[i % 3];
        const std::span<const double> w(times, m_ctx.car.arc_count());
        if (!m)
            m.emplace(free_flow.cch(), w);
        else
            m->customize(w);
        // The query graph (CchMetric::prune_for_queries) costs about 1.5 customizations and
        // makes these queries (origins shared, paths measured) 2.5x faster: on the 100,000-node
        // grid the graph took 0.65 s and saved 35 us a query (24 against 59 us, the day's gap
        // and replanning at a tenth of a million agents; 20-38 against 68 at a million), so
        // it is worth it from about one query per 6 nodes. The answers are the same either way.
        if (prunes(i)) m->prune_for_queries(&prune_scratch);
    };
    // Two hours' metrics made side by side, each on one thread (an arena of one): a customization
    // on two threads leaves one idle in its top levels (bench_cch on the 100,000-node grid: 374-426
    // ms on one thread, 249-313 ms and about 0.5 CPU-seconds on two), so two at once on one thread
    // each take less time than one after the other on both. `beside` runs with them. Neither
    // makes a query graph (one is made at a time). The metrics are those made on any number of
    // threads.
    tbb::task_arena one_thread[2]{tbb::task_arena(1), tbb::task_arena(1)};
    const auto prepare_two = [&](std::size_t a, std::size_t b, const auto& beside) {
        tbb::parallel_invoke([&] { one_thread[0].execute([&] { prepare(a); }); },
                             [&] { one_thread[1].execute([&] { prepare(b); }); }, beside);
    };
    // The first hour's metric (and, where its queries are few, the next one's beside it).
    if (two_ahead(0, 1))
        prepare_two(0, 1, [] {});
    else if (!busy.empty())
        prepare(0);
    for (std::size_t i = 0; i < busy.size(); ++i) {
        const std::size_t h = busy[i];
        const double* times = hour_times(h);
        const CchMetric& metric = customized[i] ? *hourly[i % 3] : free_flow;
        // The free-flow paths of as many queries as nodes (the first day's car routes) from labels
        // (use_trip_labels; CchLabelQuery::path gives the queries' paths, arc for arc, measured
        // below as StreetPathQuery measures them: the same bits).
        // Those the trips' level of service kept (compute_trip_los's keep_car_labels) serve as
        // they are: the same costs, paths and source side as labels built here.
        std::unique_ptr<CchLabels> labels;
        if (!times) {
            labels = m_ctx.cchs->take_car_labels();
            if (labels && (&labels->metric() != &metric || labels->forward() || labels->has_sums())) labels.reset();
            if (!labels && trip_labels_pay(m_ctx, Mode::car, first[h + 1] - first[h], false))
                labels = std::make_unique<CchLabels>(metric, false);
        }
        group.clear();
        for (std::uint32_t k = first[h]; k < first[h + 1]; ++k)
            if (k == first[h] || queries[order[k]].from != queries[order[k - 1]].from) group.push_back(k);
        group.push_back(first[h + 1]);
        // A bound on query q's cost in this hour's metric: the cost of its route trip's car path
        // where that runs from q's origin to its destination, each arc's weight on the metric's
        // grid as the customization puts it (a whole number of grid steps: the exact sum, at
        // least the shortest path's); +inf otherwise.
        const double* bound_w = times ? times : m_ctx.car.time_s.data();
        const auto route_bound = [&](const CarQuery& cq) {
            if (!routes || cq.route_trip == invalid_index) return infinity;
            const double q = metric.quantum();
            double cost = 0;
            std::uint32_t at = cq.from;
            bool joined = true;
            for (auto leg = routes->trip_first_leg[cq.route_trip]; leg < routes->trip_first_leg[cq.route_trip + 1];
                 ++leg)
                if (routes->leg_kind[leg] == LegKind::car)
                    routes->for_each_arc(m_ctx.car, leg, [&](std::uint32_t a) {
                        joined = joined && m_ctx.car.tail[a] == at;
                        at = m_ctx.car.head[a];
                        cost += on_grid(bound_w[a], q);
                    });
            return joined && at == cq.to ? cost : infinity;
        };
        // Group g's queries (one origin's): by `labelled`, a label query from the origin, when the
        // hour goes by labels.
        const auto answer_group = [&](Local& l, std::size_t g, CchLabelQuery* labelled) {
            // The source's whole search serves two destinations or more. One, asked once or
            // several times (the replanning's departures in one hour), goes by one query, its
            // source side pruned above the meeting as well: on a million agents' day 28.9 -> 27.5
            // s for the step (RESULTS.md).
            bool shared_source = false;
            for (std::uint32_t k = group[g] + 1; k < group[g + 1] && !shared_source; ++k)
                shared_source = queries[order[k]].to != queries[order[k - 1]].to;
            // With routes, each query's bound, and the source's: the largest of its queries'
            // (CchQuery::from_source). A bound prunes the searches, never the answer (a bound
            // found too low is asked again without one).
            const std::uint32_t origin = queries[order[group[g]]].from;
            if (!labelled) {
                l.bounds.assign(group[g + 1] - group[g], infinity);
                double source_bound = routes ? 0 : infinity;
                if (routes)
                    for (std::uint32_t k = group[g]; k < group[g + 1]; ++k)
                        source_bound = std::max(source_bound, l.bounds[k - group[g]] = route_bound(queries[order[k]]));
                if (shared_source) l.query->from(metric, origin, source_bound);
            }
            // By labels, the group's destinations listed first, so that each query's target is
            // fetched ahead while the ones before it run.
            if (labelled) {
                l.targets.clear();
                for (std::uint32_t k = group[g]; k < group[g + 1]; ++k) l.targets.push_back(queries[order[k]].to);
            }
            std::array<std::uint32_t, 3> span{};  // the last answer's arcs in l.blocks
            for (std::uint32_t k = group[g]; k < group[g + 1]; ++k) {
                const std::uint32_t q = order[k];
                if (k > group[g] && queries[q].to == queries[order[k - 1]].to) {
                    const std::uint32_t same = order[k - 1];
                    if (!out.found[same]) continue;
                    out.found[q] = 1;
                    out.time_s[q] = out.time_s[same];
                    out.length_m[q] = out.length_m[same];
                    if (arcs) l.spans.push_back({q, span[0], span[1], span[2]});
                    continue;
                }
                double time_s = 0, length_m = 0;
                if (labelled) {
                    prefetch_targets(*labelled, l.targets, k - group[g]);
                    labelled->to(queries[q].to);
                    l.path.clear();
                    if (!labelled->path(l.path)) continue;
                    for (const auto a : l.path) time_s += m_ctx.car.time_s[a], length_m += m_ctx.car.length_m[a];
                } else {
                    const double bound = l.bounds[k - group[g]];
                    const bool found =
                        shared_source ? l.query->to_bounded(m_ctx.car, queries[q].to, bound, time_s, length_m, times)
                                      : l.query->run_bounded(metric, m_ctx.car, origin, queries[q].to, bound, time_s,
                                                             length_m, times);
                    if (!found) continue;
                }
                out.found[q] = 1;
                out.time_s[q] = time_s;
                out.length_m[q] = length_m;
                if (!arcs) continue;
                const auto& path = labelled ? l.path : l.query->arcs();
                span = l.put(path);
                l.spans.push_back({q, span[0], span[1], span[2]});
            }
        };
        const auto answer_hour = [&] {
            if (labels) {
                // An hour's groups have distinct origins: each origin's group by node, its side as
                // CchLabels::for_each_source finds it cheapest (the car's metric differs both ways:
                // its forward label, swept, with the reverse index for the paths).
                std::vector<std::uint8_t> wanted(metric.cch().node_count(), 0);
                std::vector<std::uint32_t> group_of(wanted.size(), invalid_index);
                for (std::size_t g = 0; g + 1 < group.size(); ++g) {
                    const auto o = queries[order[group[g]]].from;
                    wanted[o] = 1;
                    group_of[o] = static_cast<std::uint32_t>(g);
                }
                labels->for_each_source(wanted, nullptr, true, [&](CchLabelQuery& q, std::uint32_t origin) {
                    answer_group(local.local(), group_of[origin], &q);
                });
                return;
            }
            tbb::parallel_for(tbb::blocked_range<std::size_t>(0, group.size() - 1, 16),
                              [&](const tbb::blocked_range<std::size_t>& r) {
                                  Local& l = local.local();
                                  for (std::size_t g = r.begin(); g != r.end(); ++g) answer_group(l, g, nullptr);
                              });
        };
        // The next hour's metric is made beside this hour's answers. Where these are few
        // (two_ahead), the next two hours' metrics are made together, side by side; when the next
        // one is made already (with this one), this hour's answers go alone, so that the two after
        // it are made together in turn.
        if (two_ahead(i, i + 2)) {
            if (prepared[i + 1])
                answer_hour();
            else if (prunes(i + 1))  // its query graph on both threads (one is made at a time)
                tbb::parallel_invoke([&] { prepare(i + 1); }, [&] { prepare(i + 2); }, answer_hour);
            else
                prepare_two(i + 1, i + 2, answer_hour);
        } else if (i + 1 < busy.size())
            tbb::parallel_invoke([&] { prepare(i + 1); }, answer_hour);
        else
            answer_hour();
    }
    for (const auto& l : local) out.bounded_queries += l.query->within_bound();
    if (!arcs) return out;
    // Each thread's block as it is (which thread found a path changes where it lies, not what it is).
    out.arc_block.assign(n, 0);
    out.arc_at.assign(n, 0);
    out.arc_count.assign(n, 0);
    out.blocks.emplace_back();  // block 0: the unfound queries' (empty) paths
    for (auto& l : local) {
        const auto base = static_cast<std::uint32_t>(out.blocks.size());
        for (const auto& sp : l.spans)
            out.arc_block[sp[0]] = base + sp[1], out.arc_at[sp[0]] = sp[2], out.arc_count[sp[0]] = sp[3];
        for (auto& b : l.blocks) out.blocks.push_back(std::move(b));
    }
    return out;
}

namespace {

// A batch of compute_los_at's requests by origin node, then car hour (group: where each
// origin's requests begin in `order`), with the car queries that go by the hierarchy.
struct PreparedRequests {
    std::vector<std::uint32_t> origin, order, query_of;
    std::vector<std::size_t> group;
    std::optional<CarHourMetrics> cch;
    std::vector<CarQuery> queries;
};

PreparedRequests prepare_requests(const RoutingContext& ctx, const population::Population& pop,
                                  std::span<const LosRequest> requests, const CarTimes* car_times, bool routes) {
    const std::size_t n = requests.size();
    PreparedRequests p;
    auto& origin = p.origin;
    auto& order = p.order;
    auto& group = p.group;
    origin.resize(n);
    order.resize(n);
    // Requests by origin node, then car hour, and the same hour for transit: one search serves many.
    for (std::size_t i = 0; i < n; ++i) {
        const auto t = requests[i].trip;
        origin[i] = trip_origin_node(pop, pop.person_of_tour(t / 2), t);
        order[i] = static_cast<std::uint32_t>(i);
    }
    const auto hour = [&](std::uint32_t i) { return requests[i].dep_s / 3600; };
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (origin[a] != origin[b]) return origin[a] < origin[b];
        if (hour(a) != hour(b)) return hour(a) < hour(b);
        return a < b;
    });
    for (std::size_t k = 0; k < n; ++k)
        if (k == 0 || origin[order[k]] != origin[order[k - 1]]) group.push_back(k);
    group.push_back(n);
    std::vector<std::uint64_t> keys(n);
    for (std::size_t i = 0; i < n; ++i) keys[i] = CarHourMetrics::key(origin[i], hour(static_cast<std::uint32_t>(i)));
    p.cch.emplace(ctx, std::move(keys), car_times);
    // The car requests that go by the hierarchy, answered first, hour by hour (by the caller).
    // (The keys above count every request, those without the car too: which origins and hours
    // go by the hierarchy does not depend on who asks for the car.)
    p.query_of.assign(n, invalid_index);
    for (std::size_t i = 0; i < n; ++i)
        if (requests[i].car && p.cch->by_cch(origin[i], hour(static_cast<std::uint32_t>(i)))) {
            const auto t = requests[i].trip;
            p.query_of[i] = static_cast<std::uint32_t>(p.queries.size());
            p.queries.push_back({origin[i], trip_dest_node(pop, pop.person_of_tour(t / 2), t),
                                 car_times ? static_cast<std::int64_t>(hour(static_cast<std::uint32_t>(i))) : 0,
                                 routes ? t : invalid_index});
        }
    return p;
}

// The level of service of a batch's requests, with the answers of its car queries from
// answers[first_query] on.
RequestLos finish_requests(const RoutingContext& ctx, const population::Population& pop,
                           std::span<const LosRequest> requests, const CarTimes* car_times, bool transit,
                           const PreparedRequests& p, const CarAnswers& answers, std::size_t first_query) {
    const std::size_t n = requests.size();
    RequestLos out;
    out.car_ok.assign(n, 0);
    out.transit_ok.assign(n, 0);
    // Transit columns only where journeys are asked for and can be found (a network with lines).
    const std::size_t pt_rows = transit && ctx.transit->route_node_count() > 0 ? n : 0;
    out.pt.assign(pt_rows);
    out.pt_distance_m.assign(pt_rows, 0.f);
    for (auto* v : {&out.car_time_s, &out.car_drive_s, &out.car_distance_m}) v->assign(n, 0.f);
    const auto& origin = p.origin;
    const auto& order = p.order;
    const auto& group = p.group;
    const auto& cch = *p.cch;
    const auto hour = [&](std::uint32_t i) { return requests[i].dep_s / 3600; };
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, group.size() - 1, 8), [&](const tbb::blocked_range<std::size_t>& r) {
            Scratch& s = scratch.local();
            for (std::size_t g = r.begin(); g != r.end(); ++g) {
                const auto o = origin[order[group[g]]];
                std::int64_t car_hour = -1;
                bool by_cch = false;
                std::size_t hour_requests = 0;
                for (std::size_t k = group[g]; k < group[g + 1]; ++k) {
                    const auto i = order[k];
                    const auto t = requests[i].trip;
                    const auto d = trip_dest_node(pop, pop.person_of_tour(t / 2), t);
                    if (hour(i) != car_hour) {
                        car_hour = hour(i);
                        by_cch = cch.by_cch(o, car_hour);
                        if (!by_cch) {
                            // One search for this origin's requests of the hour that ask for the
                            // car, stopped once their destinations are settled (their times are
                            // then final).
                            s.targets.clear();
                            for (auto j = k; j < group[g + 1] && hour(order[j]) == car_hour; ++j) {
                                if (!requests[order[j]].car) continue;
                                const auto tj = requests[order[j]].trip;
                                s.targets.push_back(trip_dest_node(pop, pop.person_of_tour(tj / 2), tj));
                            }
                            if (!s.targets.empty())
                                s.car.run_to(
                                    o, s.targets,
                                    car_times
                                        ? car_times->hour(static_cast<std::size_t>(std::max<std::int64_t>(0, car_hour)))
                                        : nullptr);
                        }
                    }
                    // (A request without the car reads no answer: where none of the hour's
                    // requests asked for it, the search above did not run.)
                    double car_s = 0, car_m = 0;
                    bool car_found = false;
                    const bool wants_car = requests[i].car;
                    if (wants_car && by_cch) {
                        const auto q = first_query + p.query_of[i];
                        car_found = answers.found[q] != 0;
                        car_s = answers.time_s[q], car_m = answers.length_m[q];
                    } else if (wants_car && s.car.reached(d)) {
                        car_s = s.car.time_s(d), car_m = s.car.length_m(d);
                        car_found = true;
                    }
                    if (car_found) {
                        out.car_ok[i] = 1;
                        out.car_drive_s[i] = static_cast<float>(car_s);
                        out.car_time_s[i] = static_cast<float>(car_s + ctx.params.car_access_s);
                        out.car_distance_m[i] = static_cast<float>(car_m);
                    }
                    if (!transit) continue;
                    // Requests of this origin in this hour: consecutive in the order.
                    if (k == group[g] || hour(i) != hour(order[k - 1]))
                        hour_requests = run_length(order, k, group[g + 1], hour);
                    const auto path =
                        transit_path_at(ctx, s.transit, o, d, requests[i].dep_s, nullptr, -1.0, hour_requests);
                    if (path.found) {
                        out.transit_ok[i] = 1;
                        out.pt.set(i, path);
                        out.pt_distance_m[i] = static_cast<float>(path.total_m());
                    }
                }
            }
        });

    if (!transit) return out;
    // Park-and-ride and bike-and-ride for the requests that come as a tour's two trips (out,
    // then back, consecutive): as in compute_trip_los.
    std::vector<TourPair> pairs;
    std::vector<std::size_t> pair_request;
    for (std::size_t i = 0; i + 1 < n; ++i)
        if (requests[i].trip % 2 == 0 && requests[i + 1].trip == requests[i].trip + 1) {
            pairs.push_back({requests[i].trip, requests[i + 1].trip, requests[i].dep_s, requests[i + 1].dep_s});
            pair_request.push_back(i);
            ++i;
        }
    const TransitParams& tp = ctx.params.transit;
    for_each_lot_block(ctx, pop, pairs, car_times, [&](std::size_t k, const std::array<LotOption, 2>& options) {
        const std::size_t qo = pair_request[k], qb = qo + 1;
        const LotOption* pick = cheaper_option(tp, options, out.transit_ok[qo] && out.transit_ok[qb], out.pt, qo, qb);
        if (!pick) return;
        for (const auto& [q, path] : {std::pair{qo, &pick->out}, std::pair{qb, &pick->back}}) {
            out.transit_ok[q] = 1;
            out.pt.set(q, *path);
            out.pt_distance_m[q] = static_cast<float>(path->total_m());
        }
    });
    return out;
}

}  // namespace

RequestLos compute_los_at(const RoutingContext& ctx, const population::Population& pop,
                          const std::vector<LosRequest>& requests, const CarTimes* car_times, bool transit,
                          const TripRoutes* routes) {
    const LosBatch batch{requests, transit};
    return std::move(compute_los_at(ctx, pop, std::span<const LosBatch>(&batch, 1), car_times, routes).front());
}

std::vector<RequestLos> compute_los_at(const RoutingContext& ctx, const population::Population& pop,
                                       std::span<const LosBatch> batches, const CarTimes* car_times,
                                       const TripRoutes* routes) {
    std::vector<RequestLos> out;
    if (batches.empty()) return out;
    std::vector<PreparedRequests> prepared;
    prepared.reserve(batches.size());
    for (const auto& b : batches) prepared.push_back(prepare_requests(ctx, pop, b.requests, car_times, routes));
    // Every batch's car queries in one pass: an hour's metric is customized once for all. Each
    // batch decided alone which of its queries go by the hierarchy, and the answers do not
    // depend on the queries answered with them, so each batch's are those it would have alone.
    // (Moved, not copied: a lone batch's queries are answered as they are.)
    std::vector<CarQuery> queries = std::move(prepared.front().queries);
    std::vector<std::size_t> first_query{0};
    for (std::size_t k = 1; k < prepared.size(); ++k) {
        first_query.push_back(queries.size());
        queries.insert(queries.end(), prepared[k].queries.begin(), prepared[k].queries.end());
        std::vector<CarQuery>().swap(prepared[k].queries);
    }
    const CarAnswers answers = prepared.front().cch->answer(queries, false, routes);
    for (std::size_t k = 0; k < batches.size(); ++k)
        out.push_back(finish_requests(ctx, pop, batches[k].requests, car_times, batches[k].transit, prepared[k],
                                      answers, first_query[k]));
    return out;
}

namespace {

// One street mode's trees from every zone centroid: a Dijkstra search per zone (`search`, run by
// the caller from its origin), or rows of a table filled 8 zones at a time by batched PHAST swept
// only over the centroids and the ranks above them (CchManyToTargets).
class ZoneStreetTrees {
public:
    // Batched, the trees are the context's zone table of the mode (StreetCchs::zone_table), made
    // once with lengths by whichever use comes first.
    ZoneStreetTrees(const RoutingContext& ctx, Mode mode, StreetTrees trees) {
        const StreetGraph& g = street_graph(ctx, mode);
        const auto& net = ctx.net;
        m_zones = net.zone_count();
        m_batched = trees == StreetTrees::automatic ? use_batched_trees(g, m_zones) : trees == StreetTrees::batched;
        if (!m_batched) return;
        const CchMetric& metric = street_metric(ctx, mode);
        m_table = &ctx.cchs->zone_table(mode, [&] {
            StreetCchs::ZoneTable t;
            const auto sums = metric.path_sums(g.length_m);
            t.time_s.assign(m_zones * m_zones, unreachable);
            t.length_m.assign(m_zones * m_zones, unreachable);
            // The trees swept only where the centroids need them (the same bits as whole trees).
            const CchManyToTargets centroids(metric, net.zone_centroid, &sums);
            tbb::enumerable_thread_specific<CchManyToTargets::Sweep> sweeps(
                [&] { return CchManyToTargets::Sweep(centroids); });
            const std::size_t batch = CchManyToTargets::batch, batches = (m_zones + batch - 1) / batch;
            tbb::parallel_for(std::size_t{0}, batches, [&](std::size_t b) {
                auto& sweep = sweeps.local();
                const std::size_t first = b * batch, count = std::min(batch, m_zones - first);
                sweep.run(std::span<const std::uint32_t>(net.zone_centroid.data() + first, count));
                for (std::size_t k = 0; k < count; ++k)
                    for (std::size_t j = 0; j < m_zones; ++j) {
                        t.time_s[(first + k) * m_zones + j] = sweep.cost(k, j);
                        t.length_m[(first + k) * m_zones + j] = sweep.value(k, j);
                    }
            });
            return t;
        });
    }
    ZoneStreetTrees() = default;
    // The walk, bike and car trees (in that order), made side by side: each mode's hierarchy,
    // customization and table are its own (StreetCchs, made once), so on several cores the serial
    // parts of one mode (its order, contraction, the top levels of its customization) overlap the
    // others' work. The tables are the same either way.
    static std::array<ZoneStreetTrees, 3> all(const RoutingContext& ctx, StreetTrees trees) {
        std::array<ZoneStreetTrees, 3> out;
        tbb::parallel_invoke([&] { out[0] = ZoneStreetTrees(ctx, Mode::walk, trees); },
                             [&] { out[1] = ZoneStreetTrees(ctx, Mode::bike, trees); },
                             [&] { out[2] = ZoneStreetTrees(ctx, Mode::car, trees); });
        return out;
    }
    bool batched() const { return m_batched; }
    // From zone i (whose search, when not batched, is `search`) to zone j at node d: reached
    // within `max_time_s`, then time and length.
    bool reached(const ShortestPathTree& search, std::size_t i, std::size_t j, std::uint32_t d,
                 double max_time_s = unreachable) const {
        return m_batched
                   ? m_table->time_s[i * m_zones + j] <= max_time_s && m_table->time_s[i * m_zones + j] < unreachable
                   : search.reached(d);
    }
    double time_s(const ShortestPathTree& search, std::size_t i, std::size_t j, std::uint32_t d) const {
        return m_batched ? m_table->time_s[i * m_zones + j] : search.time_s(d);
    }
    double length_m(const ShortestPathTree& search, std::size_t i, std::size_t j, std::uint32_t d) const {
        return m_batched ? m_table->length_m[i * m_zones + j] : search.length_m(d);
    }

private:
    std::size_t m_zones = 0;
    bool m_batched = false;
    const StreetCchs::ZoneTable* m_table = nullptr;  // batched only
};

}  // namespace

ZoneSkims compute_zone_skims(const RoutingContext& ctx, std::int32_t time_of_day_s, StreetTrees trees) {
    const auto& net = ctx.net;
    const std::size_t nz = net.zone_count();
    ZoneSkims k;
    k.zone_count = nz;
    k.names = {"walk_time_min",   "walk_distance_km", "bike_time_min",     "bike_distance_km",
               "car_time_min",    "car_distance_km",  "transit_time_min",  "transit_wait_min",
               "transit_ivt_min", "transit_walk_min", "transit_transfers", "transit_distance_km"};
    k.values.assign(k.names.size(), std::vector<double>(nz * nz, std::numeric_limits<double>::quiet_NaN()));
    const auto street_trees = ZoneStreetTrees::all(ctx, trees);
    const ZoneStreetTrees &walk = street_trees[0], &bike = street_trees[1], &car = street_trees[2];
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t i) {
        Scratch& s = scratch.local();
        const auto o = net.zone_centroid[i];
        if (!walk.batched()) s.walk.run(o);
        if (!bike.batched()) s.bike.run(o);
        if (!car.batched()) s.car.run(o);
        for (std::size_t j = 0; j < nz; ++j) {
            const auto d = net.zone_centroid[j];
            const std::size_t c = i * nz + j;
            if (walk.reached(s.walk, i, j, d))
                k.values[0][c] = walk.time_s(s.walk, i, j, d) / 60,
                k.values[1][c] = walk.length_m(s.walk, i, j, d) / 1000;
            if (bike.reached(s.bike, i, j, d))
                k.values[2][c] = bike.time_s(s.bike, i, j, d) / 60,
                k.values[3][c] = bike.length_m(s.bike, i, j, d) / 1000;
            if (car.reached(s.car, i, j, d))
                k.values[4][c] = (car.time_s(s.car, i, j, d) + ctx.params.car_access_s) / 60,
                k.values[5][c] = car.length_m(s.car, i, j, d) / 1000;
            const auto p = mean_transit(ctx, s.transit, o, d, time_of_day_s);
            if (p.found) {
                k.values[6][c] = p.total_s / 60;
                k.values[7][c] = p.wait_s / 60;
                k.values[8][c] = p.in_vehicle_s / 60;
                k.values[9][c] = p.walk_s / 60;
                k.values[10][c] = p.transfers;
                k.values[11][c] = p.total_m / 1000;
            }
        }
    });
    return k;
}

ZoneLosTable::ZoneLosTable(std::size_t zone_count, int period_count, std::int32_t period_seconds)
    : zones(zone_count),
      periods(period_count),
      period_s(period_seconds),
      street(zone_count * zone_count),
      transit_at(static_cast<std::size_t>(period_count) * zone_count * zone_count, no_transit) {}

void ZoneLosTable::put(int period, std::size_t from, std::size_t to, const PairOffer& offer) {
    constexpr auto m = core::mode_index(core::Mode::transit);
    PairOffer& s = street[from * zones + to];
    s = offer;
    s.available &= static_cast<std::uint8_t>(~core::mode_bit(core::Mode::transit));
    s.pt = {};
    s.time_s[m] = s.distance_m[m] = 0;
    if (offer.available & core::mode_bit(core::Mode::transit))
        set_transit(period, from, to, {offer.pt, offer.time_s[m], offer.distance_m[m]});
    else
        transit_at[index(period, from, to)] = no_transit;  // (a place it had stays unused)
}

void ZoneLosTable::set_transit(int period, std::size_t from, std::size_t to, const PeriodTransitOffer& offer) {
    std::uint32_t& k = transit_at[index(period, from, to)];
    if (k != no_transit) {
        transit[k] = offer;
        return;
    }
    k = static_cast<std::uint32_t>(transit.size());
    transit.push_back(offer);
}

ZoneLosTable compute_zone_los_by_period(const RoutingContext& ctx, std::int32_t period_s, int samples,
                                        StreetTrees trees) {
    const auto& net = ctx.net;
    const std::size_t nz = net.zone_count();
    ZoneLosTable z(nz, static_cast<int>(24 * 3600 / period_s), period_s);
    const double walk_limit_s = ctx.params.max_walk_trip_m / ctx.params.walk_speed_mps;
    const double bike_limit_s = ctx.params.max_bike_trip_m / ctx.params.bike_speed_mps;
    constexpr auto bit = core::mode_bit;
    constexpr auto mi = core::mode_index;
    const auto street_trees = ZoneStreetTrees::all(ctx, trees);
    const ZoneStreetTrees &walk = street_trees[0], &bike = street_trees[1], &car = street_trees[2];
    // Each origin's transit offers (period, destination, offer), put in place after in the
    // origins' order.
    struct Found {
        std::uint32_t period, to;
        PeriodTransitOffer offer;
    };
    std::vector<std::vector<Found>> found_from(nz);
    struct RowScratch {
        std::vector<PeriodTransitOffer> sum;  // periods x zones, for one origin
        std::vector<int> found;
        std::vector<double> transfers;
    };
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::enumerable_thread_specific<RowScratch> rows;
    tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t i) {
        Scratch& s = scratch.local();
        const auto o = net.zone_centroid[i];
        if (!walk.batched()) s.walk.run(o, walk_limit_s * 1.0001);
        if (!bike.batched()) s.bike.run(o, bike_limit_s * 1.0001);
        if (!car.batched()) s.car.run(o);
        for (std::size_t j = 0; j < nz; ++j) {
            if (j == i) continue;
            const auto d = net.zone_centroid[j];
            PairOffer& street = z.street[i * nz + j];  // the same in every period
            if (walk.reached(s.walk, i, j, d, walk_limit_s * 1.0001) &&
                walk.length_m(s.walk, i, j, d) <= ctx.params.max_walk_trip_m) {
                street.available |= bit(Mode::walk);
                street.time_s[mi(Mode::walk)] = static_cast<float>(walk.time_s(s.walk, i, j, d));
                street.distance_m[mi(Mode::walk)] = static_cast<float>(walk.length_m(s.walk, i, j, d));
            }
            if (bike.reached(s.bike, i, j, d, bike_limit_s * 1.0001) &&
                bike.length_m(s.bike, i, j, d) <= ctx.params.max_bike_trip_m) {
                street.available |= bit(Mode::bike);
                street.time_s[mi(Mode::bike)] = static_cast<float>(bike.time_s(s.bike, i, j, d));
                street.distance_m[mi(Mode::bike)] = static_cast<float>(bike.length_m(s.bike, i, j, d));
            }
            if (car.reached(s.car, i, j, d)) {
                const double drive_s = car.time_s(s.car, i, j, d);
                street.available |= bit(Mode::car);
                street.car_drive_s = static_cast<float>(drive_s);
                street.time_s[mi(Mode::car)] = static_cast<float>(drive_s + ctx.params.car_access_s);
                street.distance_m[mi(Mode::car)] = static_cast<float>(car.length_m(s.car, i, j, d));
            }
        }
        // Transit period by period, so that one search from the origin serves every destination
        // (the query keeps its search for an origin and hour): sums, then means.
        RowScratch& row = rows.local();
        const std::size_t cells = static_cast<std::size_t>(z.periods) * nz;
        row.sum.assign(cells, PeriodTransitOffer{});
        row.found.assign(cells, 0);
        row.transfers.assign(cells, 0.0);
        for (int p = 0; p < z.periods; ++p)
            for (int k = 0; k < samples; ++k) {
                const std::int32_t dep = p * period_s + static_cast<std::int32_t>((k * period_s) / samples);
                for (std::size_t j = 0; j < nz; ++j) {
                    if (j == i) continue;
                    // (Without the backward search for the latest leaving: one per destination.)
                    const auto path = transit_path_at(ctx, s.transit, o, net.zone_centroid[j], dep, nullptr, -1.0,
                                                      static_cast<std::size_t>(samples) * nz, false);
                    if (!path.found) continue;
                    const std::size_t c = static_cast<std::size_t>(p) * nz + j;
                    auto& pt = row.sum[c].pt;
                    pt.access_s += static_cast<float>(path.access_s);
                    pt.wait_s += static_cast<float>(path.wait_s);
                    pt.in_vehicle_s += static_cast<float>(path.in_vehicle_s);
                    pt.transfer_walk_s += static_cast<float>(path.transfer_walk_s);
                    pt.egress_s += static_cast<float>(path.egress_s);
                    ++row.found[c];
                    row.transfers[c] += path.transfers;
                    row.sum[c].distance_m += static_cast<float>(path.total_m());
                }
            }
        for (int p = 0; p < z.periods; ++p)
            for (std::size_t j = 0; j < nz; ++j) {
                const std::size_t c = static_cast<std::size_t>(p) * nz + j;
                const int n = row.found[c];
                if (2 * n < samples) continue;  // also n == 0: not offered
                PeriodTransitOffer out = row.sum[c];
                auto& pt = out.pt;
                for (float* v : {&pt.access_s, &pt.wait_s, &pt.in_vehicle_s, &pt.transfer_walk_s, &pt.egress_s})
                    *v /= static_cast<float>(n);
                pt.transfers = static_cast<std::uint32_t>(std::lround(row.transfers[c] / n));
                out.distance_m /= static_cast<float>(n);
                out.time_s = pt.total_s();
                found_from[i].push_back({static_cast<std::uint32_t>(p), static_cast<std::uint32_t>(j), out});
            }
    });
    for (std::size_t i = 0; i < nz; ++i) {
        for (const Found& f : found_from[i]) z.set_transit(static_cast<int>(f.period), i, f.to, f.offer);
        std::vector<Found>().swap(found_from[i]);
    }
    // Intrazonal: half the offer to the nearest other zone (by street distance, else any mode's).
    for (std::size_t i = 0; i < nz; ++i) {
        std::size_t nearest = nz;
        float best = std::numeric_limits<float>::infinity();
        for (std::size_t j = 0; j < nz; ++j) {
            if (j == i) continue;
            const auto& o = z.street[i * nz + j];
            float dist = std::numeric_limits<float>::infinity();
            for (const Mode m : {Mode::walk, Mode::bike, Mode::car})
                if (o.available & bit(m)) dist = std::min(dist, o.distance_m[mi(m)]);
            if (dist < best) best = dist, nearest = j;
        }
        if (nearest == nz) continue;
        PairOffer h = z.street[i * nz + nearest];
        for (std::size_t m = 0; m < core::mode_count; ++m) h.time_s[m] *= 0.5f, h.distance_m[m] *= 0.5f;
        h.car_drive_s *= 0.5f;
        z.street[i * nz + i] = h;
        for (int p = 0; p < z.periods; ++p) {
            const std::uint32_t k = z.transit_at[z.index(p, i, nearest)];
            if (k == ZoneLosTable::no_transit) continue;
            PeriodTransitOffer t = z.transit[k];
            t.time_s *= 0.5f, t.distance_m *= 0.5f;
            for (float* v : {&t.pt.access_s, &t.pt.wait_s, &t.pt.in_vehicle_s, &t.pt.transfer_walk_s, &t.pt.egress_s})
                *v *= 0.5f;
            z.set_transit(p, i, i, t);
        }
    }
    return z;
}

population::ZoneImpedance compute_zone_impedance(const RoutingContext& ctx, std::int32_t time_of_day_s,
                                                 StreetTrees trees) {
    const auto& net = ctx.net;
    const std::size_t nz = net.zone_count();
    population::ZoneImpedance imp;
    imp.zone_count = nz;
    imp.minutes.assign(nz * nz, std::numeric_limits<double>::infinity());
    // The fastest street mode, in seconds: a tree per zone and mode, by Dijkstra, or on a large
    // network 8 trees at a time by batched PHAST (use_batched_trees).
    const auto street_trees = ZoneStreetTrees::all(ctx, trees);
    const ZoneStreetTrees &walk = street_trees[0], &bike = street_trees[1], &car = street_trees[2];
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t i) {
        Scratch& s = scratch.local();
        const auto o = net.zone_centroid[i];
        if (!walk.batched()) s.walk.run(o);
        if (!bike.batched()) s.bike.run(o);
        if (!car.batched()) s.car.run(o);
        for (std::size_t j = 0; j < nz; ++j) {
            const auto d = net.zone_centroid[j];
            double best = unreachable;
            if (walk.reached(s.walk, i, j, d)) best = std::min(best, walk.time_s(s.walk, i, j, d));
            if (bike.reached(s.bike, i, j, d)) best = std::min(best, bike.time_s(s.bike, i, j, d));
            if (car.reached(s.car, i, j, d))
                best = std::min(best, car.time_s(s.car, i, j, d) + ctx.params.car_access_s);
            const auto path = mean_transit(ctx, s.transit, o, d, time_of_day_s);
            if (path.found) best = std::min(best, path.total_s);
            imp.minutes[i * nz + j] = best / 60.0;
        }
    });
    for (std::size_t i = 0; i < nz; ++i) {
        double nearest = std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < nz; ++j)
            if (j != i) nearest = std::min(nearest, imp.minutes[i * nz + j]);
        imp.minutes[i * nz + i] = std::isfinite(nearest) ? 0.5 * nearest : 0.0;
    }
    return imp;
}

}  // namespace flemsim::routing
