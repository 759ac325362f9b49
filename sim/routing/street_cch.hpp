#pragma once
// The street graphs' customizable contraction hierarchies (cch.hpp), kept with the routing
// context: each mode's hierarchy is built on first use (thread-safe), once per run, and
// customized with the graph's own times (free flow) then; other metrics (a day's congested car
// times of an hour) are customizations of the same hierarchy, CchMetric objects of the caller.
//
// Where flemsim uses them: a street query whose origin has few destinations (`flemsim route`,
// the trips' walk, bike and car level of service, the day loop's car routes and replanning
// requests) is a one-to-one CCH query; an origin with many destinations keeps one Dijkstra
// search stopped once all are settled, which then costs less (see use_cch()). On networks of
// 50,000 nodes and more the trips' level of service comes from one-to-all trees
// (use_trip_trees) or, with as many trips as nodes, from labels (use_trip_labels).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/routing/cch.hpp"
#include "sim/routing/street_graph.hpp"

namespace flemsim::network {
struct Network;
}

namespace flemsim::routing {

struct RoutingContext;

class StreetCchs {
public:
    StreetCchs();
    ~StreetCchs();
    StreetCchs(const StreetCchs&) = delete;
    StreetCchs& operator=(const StreetCchs&) = delete;

    // The hierarchy of `graph` (the context's graph of `mode`), ordered by the network's node
    // coordinates; built on the first call for the mode.
    const Cch& hierarchy(const network::Network& net, const StreetGraph& graph, core::Mode mode);
    // Its customization with the graph's own arc times.
    const CchMetric& free_flow(const network::Network& net, const StreetGraph& graph, core::Mode mode);

    // The free-flow times and lengths between the zones' centroids (zones x zones, origin-major)
    // of a mode, made by `make` on the first call for the mode and kept with the hierarchies:
    // the zones' impedance, the demand models' level of service and the skims read the same table.
    struct ZoneTable {
        std::vector<double> time_s, length_m;
    };
    const ZoneTable& zone_table(core::Mode mode, const std::function<ZoneTable()>& make);

    // Labels of the car's free-flow metric (backward, without sums) kept by one step for the
    // next that would build the same (the trips' level of service for the first day's car routes,
    // compute_trip_los's keep_car_labels). take_car_labels() hands them over once (null when
    // none are kept): their memory goes with their last user.
    void keep_car_labels(std::unique_ptr<CchLabels> labels);
    std::unique_ptr<CchLabels> take_car_labels();

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// One-to-one street paths on a customized hierarchy, measured as a search's tree measures them:
// the arcs' times (`arc_time_s` when given, else the graph's) and lengths summed along the path
// from the origin, in its order. The time so summed may differ from CchQuery::cost() in the last
// bits (another order of the same additions); this one is what flemsim reports, so an answer is
// the same to the bit whether a CCH query or a search found the path.
class StreetPathQuery {
public:
    explicit StreetPathQuery(const CchMetric& metric) : m_query(metric) {}
    // False when `to` is unreachable from `from`. The path's arcs are in arcs() until the next run.
    bool run(const StreetGraph& graph, std::uint32_t from, std::uint32_t to, double& time_s, double& length_m,
             const double* arc_time_s = nullptr);
    // The same on another customization of the hierarchy (`arc_time_s`: the times it was
    // customized with, e.g. the car's congested times of an hour).
    bool run(const CchMetric& metric, const StreetGraph& graph, std::uint32_t from, std::uint32_t to, double& time_s,
             double& length_m, const double* arc_time_s) {
        m_query.set_metric(metric);
        return run(graph, from, to, time_s, length_m, arc_time_s);
    }
    // One origin, many destinations (CchQuery::from_source): from() once, then to() for each, with
    // the answers of run() at about half its work. Valid until the next run(), from() or metric.
    // With a bound at least the cost of every destination's path to come, the origin's side is
    // searched only as far (CchQuery::from_source); to_bounded() searches it whole again where
    // that bound proves too low.
    void from(std::uint32_t from, double bound = std::numeric_limits<double>::infinity()) {
        m_from = from;
        m_source_bound = bound;
        m_query.from_source(from, bound);
    }
    void from(const CchMetric& metric, std::uint32_t from, double bound = std::numeric_limits<double>::infinity()) {
        m_query.set_metric(metric);
        this->from(from, bound);
    }
    // run() with a bound on the path's cost (CchQuery::run): false when unreached or the cost is
    // above the bound (then ask run() without one). Found, it is run()'s answer, bit for bit.
    bool run_within(const CchMetric& metric, const StreetGraph& graph, std::uint32_t from, std::uint32_t to,
                    double bound, double& time_s, double& length_m, const double* arc_time_s);
    // run() where `bound` (+inf: none) may prune the searches: run_within(), and run() where that
    // finds nothing within the bound. run()'s answer either way.
    bool run_bounded(const CchMetric& metric, const StreetGraph& graph, std::uint32_t from, std::uint32_t to,
                     double bound, double& time_s, double& length_m, const double* arc_time_s);
    bool to(const StreetGraph& graph, std::uint32_t to, double& time_s, double& length_m,
            const double* arc_time_s = nullptr);
    // to() with a bound on the path's cost (CchQuery::to): false when unreached or the cost is
    // above the bound (then ask to() without one). Found, it is to()'s answer, bit for bit.
    bool to_within(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s, double& length_m,
                   const double* arc_time_s = nullptr);
    // to_within() with the target's side searched whole (CchQuery::to_whole); then, on a
    // symmetric metric, reverse() answers the way back from `to` (CchQuery::swap_sides), measured
    // the same way, and unreverse() changes the sides back (for the next to()).
    bool to_whole_within(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s, double& length_m);
    // to() where `bound` (+inf: none) may prune the searches: to_within() where the bound is no
    // more than from()'s, else, or where it finds nothing within the bound, to() with the origin's
    // side searched whole first (once: it serves every bound to come). to()'s answer either way.
    bool to_bounded(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s, double& length_m,
                    const double* arc_time_s = nullptr);
    // The same with the target's side searched whole (to_whole_within), for reverse().
    bool to_whole_bounded(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s, double& length_m);
    // The answers found within their bound so far (run_bounded, to_bounded, to_whole_bounded).
    std::size_t within_bound() const { return m_within; }
    bool reverse(const StreetGraph& graph, double& time_s, double& length_m) {
        return measure(graph, m_query.swap_sides(), time_s, length_m, nullptr);
    }
    void unreverse() { m_query.swap_sides(); }
    const std::vector<std::uint32_t>& arcs() const { return m_arcs; }

private:
    bool measure(const StreetGraph& graph, double cost, double& time_s, double& length_m, const double* arc_time_s);

    // The origin's side searched whole (from() without a bound) where its bound was finite.
    void unbound_source();

    CchQuery m_query;
    std::vector<std::uint32_t> m_arcs;
    std::uint32_t m_from = 0;  // from()'s origin and bound
    double m_source_bound = std::numeric_limits<double>::infinity();
    std::size_t m_within = 0;
};

// The context's graph of a street mode (walk, bike or car).
const StreetGraph& street_graph(const RoutingContext& ctx, core::Mode mode);
// The context's hierarchy and free-flow metric of a street mode (walk, bike or car).
const Cch& street_cch(const RoutingContext& ctx, core::Mode mode);
const CchMetric& street_metric(const RoutingContext& ctx, core::Mode mode);

// Whether `targets` destinations of one origin are answered by one-to-one CCH queries rather than
// one Dijkstra search stopped once all are settled. The break-even grows with the network: a
// search settles a share of its nodes, a CCH query visits a few hundred. Measured on Porto
// Alegre's car network (17,943 nodes, one thread, `flemsim route`): at 64 destinations per
// origin both cost the same (35,000 queries/s), at 4 the CCH costs 6.6x less, at 256 1.9x more.
// So: fewer than node_count / 280 destinations (at least 2). A rule of the data only, so the
// answers do not depend on threads.
inline bool use_cch(const StreetGraph& graph, std::size_t targets) {
    const std::size_t limit = graph.node_count() / 280;
    return targets < (limit < 2 ? 2 : limit);
}

// Whether a batch with `origins` such origins is worth building the hierarchy for. Building and
// customizing one costs as much as a number of searches that grows about as the square root of
// the network (measured: Porto Alegre's 17,943 car nodes about 20 searches, a 1,000,000-node
// square grid, nested dissection's worst case, about 300), so: at least sqrt(nodes) / 4 origins;
// fewer keep the searches.
inline bool worth_cch(const StreetGraph& graph, std::size_t origins) {
    return origins > 0 && 16 * origins * origins >= graph.node_count();
}

// Whether one-to-all trees from `origins` origins (the zones' impedances) go by batched PHAST
// (CchManyToAll) rather than a Dijkstra search each: on networks of 50,000 nodes and more, when the
// origins are worth the hierarchy (worth_cch). Measured on the 100,000-node grid (bench_cch): a
// tree 2.0 ms against 15.2 ms, the hierarchy built and customized in about 1.5 s. Smaller networks
// keep the searches (and their results to the bit: the costs agree up to rounding, cch.hpp).
inline bool use_batched_trees(const StreetGraph& graph, std::size_t origins) {
    return graph.node_count() >= 50000 && worth_cch(graph, origins);
}

// Whether the trips of one origin (`trips` destinations) have a street mode's level of service
// from a one-to-all tree (batched PHAST on the query graph, 8 origins a sweep) rather than a CCH
// query each: on networks of 50,000 nodes and more, from as many destinations as a tree costs
// queries. Measured in the trips' level of service on the 100,000-node grid with 2 threads
// (scale 0.3): a destination's query with its path about 150 us, a tree of times 1.6 ms, so
// 11 destinations; with the lengths along it (the car's) a tree costs about three times as much
// (bench_cch, "one origin, 16 destinations", one thread: 128 us, 0.8 ms and 2.5 ms), so about
// 32. A tree grows with the network's nodes, a query about with their square root: the
// break-even grows with sqrt(nodes / 100,000).
inline bool use_trip_trees(const StreetGraph& graph, std::size_t trips, bool lengths) {
    const std::size_t n = graph.node_count();
    if (n < 50000) return false;
    const double scale = std::sqrt(static_cast<double>(n) / 100000.0);
    return static_cast<double>(trips) >= (lengths ? 32.0 : 12.0) * scale;
}

// Whether the trips' level of service of a street mode (`trips` trips in all) comes from labels
// (CchLabels: every node's upward search kept, then each trip one pass over the common ancestors)
// rather than trees or queries: on networks of 50,000 nodes and more, with at least as many trips
// as nodes (twice as many for the car, whose labels carry the lengths), when the labels take at
// most 2^27 entries (1 GiB of costs; `entries`, CchLabels::entry_count, is asked only then).
// Measured on the 100,000-node grid (bench_cch, 2 threads): labels of times built in 3.2 s, with
// lengths 5.4-8.3 s, 693 MiB; a destination 4-6 us with the origin's side (34 us with its path),
// against 101-110 us by query with its path (so a label costs about 0.6 queries, with lengths
// 1.0-1.6). The rule depends on the data only: the answers do not depend on threads.
template <class Entries>
inline bool use_trip_labels(const StreetGraph& graph, std::size_t trips, bool lengths, Entries&& entries) {
    const std::size_t n = graph.node_count();
    return n >= 50000 && trips >= (lengths ? 2 : 1) * n && entries() <= (std::uint64_t{1} << 27);
}
// use_trip_labels for a street mode of the context, or its force_trip_labels.
bool trip_labels_pay(const RoutingContext& ctx, core::Mode mode, std::size_t trips, bool lengths);

// Whether the day's walk and bike legs (route_trips, and trace_walk_bike_legs, which must trace
// the same paths) go by one-to-one CCH queries with paths rather than a search per origin: on
// networks of 50,000 nodes and more, where a search to destinations a few kilometres away
// settles tens of thousands of nodes and a query relaxes a few thousand arcs. A rule of the
// graph only (or the context's force_street_legs_by_cch), so both functions pick the same paths.
bool street_legs_by_cch(const RoutingContext& ctx, const StreetGraph& graph);

}  // namespace flemsim::routing
