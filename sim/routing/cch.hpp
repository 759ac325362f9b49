#pragma once
// Customizable contraction hierarchies (Dibbelt, Strasser, Wagner 2016, "Customizable Contraction
// Hierarchies"; the design follows RoutingKit) on a StreetGraph. Three phases:
//  1. nested_dissection_order(): a metric-independent node order from the node coordinates;
//  2. Cch: the contraction along that order, the undirected upward graph (a chordal supergraph of
//     the street graph) and its elimination tree; metric independent, built once per graph;
//  3. CchMetric: one customization per set of arc weights (free-flow time, congested time of an
//     hour, length, walk or bike time): forward and backward weights of every upward arc, by
//     levels of the elimination tree, a separator's nodes taken together (see cch_chains()).
//     Several metrics share one Cch. A metric used for many queries may then be pruned to the
//     arcs that lie on shortest paths (perfect customization, prune_for_queries()).
// Queries hold their scratch and are reused, one per thread: CchQuery (one-to-one with path
// unpacking; one source for many targets), CchManyToMany (buckets of backward searches per
// target set), CchOneToAll and CchManyToAll (PHAST, batched), and CchLabels with CchLabelQuery
// (every node's upward search kept, for many pairs on one metric).
//
// Everything inside is in rank space (rank 0 = contracted first); the API speaks original node and
// arc ids. Arc weights must be >= 0; +inf means the arc is absent. Self loops never lie on a
// shortest path and are dropped; of parallel arcs the one with the least weight (then the lowest
// arc id) is kept.
//
// Costs equal Dijkstra's (ShortestPathTree) up to rounding: a CCH cost is the exact sum of the
// arc weights along a shortest path, each rounded to the metric's grid (weight_quantum: at most half
// a step an arc, a few nanoseconds on a large network), where Dijkstra adds the weights as given in
// path order; tests compare with a relative tolerance of 1e-9. Within the CCH the costs are exact
// and consistent: every query kind (CchQuery, CchManyToMany, the PHAST trees, CchLabels) returns
// the identical double for the same pair, and customization gives the same bits at any thread
// count (each arc takes the minimum over its lower triangles, and the minimum does not depend on
// the order of evaluation).
//
// Ties between paths of equal cost: a shortcut keeps an original arc over a detour through a lower
// triangle of equal weight, and of equal triangles the one through the lowest-ranked middle node;
// a query keeps the first predecessor found (the lowest rank) and meets at the lowest-ranked
// common ancestor with the least cost. Such a path may differ from Dijkstra's (which breaks ties by
// node id) but has the same cost.
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <vector>

#include "sim/routing/street_graph.hpp"

namespace flemsim::routing {

// Whether the searches up the hierarchy (the queries', the labels' and the many-to-all sweeps')
// relax eight arcs at a time, and a label query takes its least sum eight entries at a time
// (AVX-512, on x86-64 processors that have it, chosen when the program starts); the results are
// the same bits as the scalar loops'.
// set_cch_simd(false) keeps the scalar loop, true takes the vector one where the processor has it
// (for tests and benchmarks; not while a query runs); it returns what is now in use.
bool cch_simd();
bool set_cch_simd(bool on);

// Whether customization takes the chains of the elimination tree together: runs of consecutive
// ranks, each the only child of the next (a separator's nodes), of nodes with at least
// `chain_min_arcs` upward arcs each. Each lower neighbour's arcs are then read once for the whole
// chain instead of once per node; the weights and middle nodes are the same bits as node by node
// (each arc sees its triangles in the same order). set_cch_chains(false) customizes node by node;
// `min_arcs` applies to the hierarchies built afterwards (tests set 1 to make chains of small
// graphs), as does `slice_arcs`, the heads of a chain's top node per parallel task. For tests and
// benchmarks, not while a customization runs; returns the setting.
inline constexpr std::uint32_t cch_chain_min_arcs = 32;
inline constexpr std::uint32_t cch_chain_slice_arcs = 512;
bool cch_chains();
bool set_cch_chains(bool on, std::uint32_t min_arcs = cch_chain_min_arcs,
                    std::uint32_t slice_arcs = cch_chain_slice_arcs);

// A metric-independent order for the CCH (order[rank] = node) by nested dissection on the node
// coordinates `x`, `y` (one per node, any planar system): a cell is split into its connected
// components; a connected cell is cut by the sweep along one of four directions (x, y and the two
// diagonals) with the fewest crossing edges that leaves at least a fifth of the cell on each side,
// and the nodes of the cut's smaller boundary side form the separator, ranked above both halves.
// Deterministic (ties by node id); nodes without arcs and disconnected parts are fine.
std::vector<std::uint32_t> nested_dissection_order(const StreetGraph& graph, std::span<const double> x,
                                                   std::span<const double> y);

// The metric-independent part: the upward graph of the contraction in `order` as CSR by rank
// (heads ascending), the elimination tree (parent = lowest upward neighbour), the map from the
// graph's arcs to upward arcs, and the order in which customization may process nodes.
class Cch {
public:
    // `order[rank]` = node, a permutation of the graph's nodes (e.g. nested_dissection_order()).
    Cch(const StreetGraph& graph, std::span<const std::uint32_t> order);
    // With nested_dissection_order(graph, x, y).
    Cch(const StreetGraph& graph, std::span<const double> x, std::span<const double> y);

    std::size_t node_count() const { return m_rank.size(); }
    std::size_t arc_count() const { return m_up_head.size(); }  // upward arcs, each one both ways
    std::size_t input_arc_count() const { return m_input_arc.size(); }
    // Number of lower triangles, the work of one customization.
    std::uint64_t triangle_count() const { return m_triangle_count; }
    // Height of the elimination tree (levels of the parallel customization).
    std::size_t level_count() const { return m_level_first.empty() ? 0 : m_level_first.size() - 1; }
    // Chains of two or more nodes that customization by chains takes together (cch_chains()).
    std::size_t chain_count() const { return m_chain_count; }
    // The chains' lower neighbours, all chains together (an index each, kept for customization).
    std::size_t chain_lower_count() const { return m_chain_lower_arc.size(); }

    std::uint32_t rank(std::uint32_t node) const { return m_rank[node]; }
    // Where rank(node) is read (for a prefetch).
    const std::uint32_t* rank_at(std::uint32_t node) const { return m_rank.data() + node; }
    std::uint32_t node_at(std::uint32_t rank) const { return m_order[rank]; }
    // The CSR of upward arcs by rank: arcs of rank r are [up_first[r], up_first[r+1]), with
    // tail r and heads ascending.
    const std::vector<std::uint32_t>& up_first() const { return m_up_first; }
    const std::vector<std::uint32_t>& up_head() const { return m_up_head; }
    const std::vector<std::uint32_t>& up_tail() const { return m_up_tail; }
    // Parent of a rank in the elimination tree (invalid_index at a root).
    const std::vector<std::uint32_t>& elimination_parent() const { return m_parent; }
    // The upward arc of an original arc, invalid_index for self loops; `input_arc_upward` tells
    // whether the original arc runs from the lower rank to the higher one.
    const std::vector<std::uint32_t>& input_arc() const { return m_input_arc; }
    const std::vector<std::uint8_t>& input_arc_upward() const { return m_input_arc_upward; }
    // The upward arc from rank `low` to rank `high` (low < high); invalid_index if none.
    std::uint32_t find_arc(std::uint32_t low, std::uint32_t high) const;
    // The upward arc to rank `high` among those of upward arc `arc`'s tail after `arc` (whose head
    // ranks below `high`); invalid_index if none.
    std::uint32_t find_arc_after(std::uint32_t arc, std::uint32_t high) const;

private:
    // The upward arc among arcs [begin, end) (one node's, heads ascending) whose head is `high`.
    std::uint32_t find_head(std::uint32_t begin, std::uint32_t end, std::uint32_t high) const;
    friend class CchMetric;
    std::vector<std::uint32_t> m_order;  // rank -> node
    std::vector<std::uint32_t> m_rank;   // node -> rank
    std::vector<std::uint32_t> m_up_first;
    std::vector<std::uint32_t> m_up_head;
    std::vector<std::uint32_t> m_up_tail;
    std::vector<std::uint32_t> m_down_first;  // per rank r: the upward arcs with head r, tails ascending
    std::vector<std::uint32_t> m_down_arc;
    std::vector<std::uint32_t> m_parent;
    std::vector<std::uint32_t> m_input_arc;
    std::vector<std::uint8_t> m_input_arc_upward;
    // Customization tasks by level of the elimination tree (a node's children are on lower
    // levels): task t relaxes the upward arcs [task_arc_begin, task_arc_end) of task_node; nodes
    // of many arcs are split into several tasks so the top separators, one node per level, still
    // run in parallel.
    std::vector<std::uint32_t> m_level_first;
    std::vector<std::uint32_t> m_task_node;
    std::vector<std::uint32_t> m_task_arc_begin;
    std::vector<std::uint32_t> m_task_arc_end;
    // The same by chains (cch_chains()): per level two steps, m_chain_level_first[2l] and [2l+1]
    // to [2l+2]: first the arcs between the nodes of each chain of two or more that starts on
    // level l (one task a chain, its nodes in order), then every arc to a node above the chains
    // (a chain's top node's arcs [begin, end) name the heads of a task, for every node of the
    // chain; a lone node's task is its own arcs [begin, end), as above).
    std::vector<std::uint32_t> m_chain_level_first;
    std::vector<std::uint32_t> m_chain_first;  // first (lowest) rank of the chain
    std::vector<std::uint32_t> m_chain_size;   // its nodes, ranks first .. first + size - 1
    std::vector<std::uint32_t> m_chain_arc_begin;
    std::vector<std::uint32_t> m_chain_arc_end;
    // The chain's lower neighbours below it, ascending, each by its first upward arc into the
    // chain: m_chain_lower_arc[m_chain_lower_first[t], m_chain_lower_end[t]).
    std::vector<std::uint32_t> m_chain_lower_first;
    std::vector<std::uint32_t> m_chain_lower_end;
    std::vector<std::uint32_t> m_chain_lower_arc;
    std::size_t m_chain_count = 0;
    std::uint64_t m_triangle_count = 0;
};

// The grid a metric's weights are rounded to (CchMetric): the power of two q for which the sum of
// the finite weights `arc_weight` is below 2^52 q (0 when they are all 0). Every cost the hierarchy
// adds up, a path's or two paths' together, is then a whole number of q below 2^53 q: exact in a
// double, the same bits whatever the order of the additions. On the 100,000-node grid q is 2^-29
// to 2^-27 s (2 to 7 ns) by mode; on Flemingsberg's network (4,400 nodes) 2^-35 to 2^-32 s.
double weight_quantum(std::span<const double> arc_weight);
// `w` rounded to the nearest multiple of q (ties to even); +inf, and every w when q is 0, as it is.
inline double on_grid(double w, double q) {
    return q > 0 && w < std::numeric_limits<double>::infinity() ? std::nearbyint(w / q) * q : w;
}

// Long unpackings kept for reuse by CchMetric::unpack, one cache per thread (beside a query's
// scratch): a path's high shortcuts stand for hundreds of arcs each and are shared by many paths.
// A slot per hash of (arc, direction) keeps the last unpacking of at least min_arcs arcs found
// there, for the customization it came from; when the arena is full every slot is dropped. The
// arcs are unpack()'s either way.
class CchUnpackCache {
public:
    static constexpr std::uint32_t slot_bits = 12;
    static constexpr std::uint32_t min_arcs = 32;
    static constexpr std::size_t arena_arcs = std::size_t{1} << 18;  // 1 MiB

private:
    friend class CchMetric;
    struct Slot {
        std::uint32_t entry = 0xFFFFFFFFu;  // arc * 2 + upward
        std::uint32_t at = 0;
        std::uint32_t count = 0;
    };
    std::uint64_t m_generation = 0;  // the customization's (CchMetric::m_generation); 0: none yet
    std::vector<Slot> m_slot;
    std::vector<std::uint32_t> m_arena;
};

// Weights of one metric on a Cch: per upward arc the cost from tail to head (forward) and from
// head to tail (backward), and how each was reached (an original arc, or the middle node of a
// lower triangle) for path unpacking. The Cch must outlive the metric.
// The weights are the arcs' rounded to a grid fine enough to hold every cost exactly
// (weight_quantum, on_grid): each cost is the exact sum of the rounded weights along its path, so
// the queries, the trees, the labels and the many-to-many give the same bits for the same pair
// whichever way they add it up. A cost differs from Dijkstra's on the weights as given by at most
// half a grid step an arc (besides Dijkstra's own rounding).
class CchMetric {
public:
    explicit CchMetric(const Cch& cch);  // every arc absent until customize()
    CchMetric(const Cch& cch, std::span<const double> arc_weight);

    // Basic customization: original weights, then the lower triangles of every arc, nodes in
    // order of the elimination tree's levels (TBB over the nodes of a level). `arc_weight` is per
    // arc of the StreetGraph (same numbering), >= 0 or +inf; throws std::invalid_argument on a
    // negative or NaN weight or a wrong size. Reuses this object's storage.
    void customize(std::span<const double> arc_weight);

    const Cch& cch() const { return *m_cch; }
    const std::vector<double>& forward_weight() const { return m_forward; }
    const std::vector<double>& backward_weight() const { return m_backward; }
    // How each weight was reached: an original arc's id, or shortcut bit (1 << 31) | the rank of the
    // triangle's middle node; invalid_index where there is no path.
    const std::vector<std::uint32_t>& forward_via() const { return m_forward_via; }
    const std::vector<std::uint32_t>& backward_via() const { return m_backward_via; }
    // For a shortcut x-y through z (its via z's arc to x): z's arc to y as its offset after z's arc
    // to x among z's arcs, or far_offset where the offset does not fit (then found by search,
    // Cch::find_arc_after); 0 elsewhere. Unpacking reads it beside the via: on the 100,000-node
    // grid a path of 227 arcs unpacks in about 30 us, against 65 with z's second arc searched.
    static constexpr std::uint16_t far_offset = 0xFFFF;
    const std::vector<std::uint16_t>& forward_offset() const { return m_forward_offset; }
    const std::vector<std::uint16_t>& backward_offset() const { return m_backward_offset; }
    // z's arc to the upper end of shortcut `arc` (forward: the way x -> z -> y; else y -> z -> x).
    std::uint32_t second_arc(std::uint32_t arc, bool forward) const;
    // Appends the original arcs of upward arc `arc` (tail to head if `upward`, else head to tail),
    // in path order, to `arcs`; `stack` is the caller's scratch. The arc's weight must be finite.
    void unpack(std::uint32_t arc, bool upward, std::vector<std::uint32_t>& arcs,
                std::vector<std::uint32_t>& stack) const;
    // The same arcs, the long unpackings through `cache` (the thread's own).
    void unpack(std::uint32_t arc, bool upward, std::vector<std::uint32_t>& arcs, CchUnpackCache& cache) const;
    // Whether every arc unpacks head to tail as the reverse of its unpacking tail to head, each
    // original arc replaced by `twin[arc]` (the same link the other way; invalid_index: none):
    // each arc's two ways stand for the same original arc's twins, or for shortcuts through the
    // same middle node. Then, with weights the same both ways (CchLabels::symmetric), a path
    // found from b to a is the path from a to b reversed, twin for twin.
    bool unpacks_mirrored(std::span<const std::uint32_t> twin) const;
    // Per upward arc, a second quantity summed along the path the arc stands for (the path that
    // unpack() gives): `arc_value` per arc of the StreetGraph, e.g. its length. Arcs without a
    // path (infinite weight) get +inf. Used with CchManyToAll to give the trees' lengths.
    struct PathSums {
        std::vector<double> forward;
        std::vector<double> backward;
        // On a pruned metric, the same per arc of the query graph, in its order (query_arcs), so
        // that the trees read them in sequence; empty otherwise.
        std::vector<double> query_forward;
        std::vector<double> query_backward;
    };
    PathSums path_sums(std::span<const double> arc_value) const;

    // Perfect customization (Dibbelt et al. 2016, section 5), for queries: every upward arc's
    // true shortest-path cost, through nodes of any rank, from which the arcs that lie on no
    // shortest path follow: those whose customized weight is more than that cost (by more than
    // 1e-9 relative, so rounding keeps an arc), and those of infinite weight. The query graph,
    // per direction, keeps the rest with their weights; every query (one-to-one, many-to-many,
    // the PHAST trees) relaxes only those arcs, with the same costs, path sums and paths (a
    // removed arc is longer than another way by more than the rounding, so it never gives a
    // least cost). Costs one to two customizations (each triangle seen from its middle node; a
    // level's nodes, big ones in slices of their lower neighbours, in parallel; with AVX-512 an
    // arc's triangles eight at a time where its tail has more than eight arcs above it); customize()
    // drops the query graph (keeping its memory for the next one).
    // `kept`, when given, holds the true costs (two doubles an upward arc) and is kept for the
    // next call: a metric customized and pruned again and again (an hour's after another) then
    // reuses memory whose pages are in already, where a new block's pages would each be faulted in
    // and zeroed by the system. The query graph is the same either way.
    struct PruneScratch {
        std::vector<double> forward, backward;
    };
    void prune_for_queries(PruneScratch* kept = nullptr);
    bool pruned() const { return !m_query_forward.first.empty(); }
    // A direction's arcs for queries: by rank, CSR with heads ascending; `arc` is the upward arc
    // (null when the arcs are all of them, unpruned).
    struct ArcView {
        const std::uint32_t* first;
        const std::uint32_t* head;
        const double* weight;
        const std::uint32_t* arc;
    };
    ArcView query_arcs(bool forward) const;
    // Upward arcs kept for queries, forward and backward (the arc count of each when unpruned).
    std::size_t query_arc_count(bool forward) const;
    // The grid of this customization's weights (weight_quantum).
    double quantum() const { return m_quantum; }

private:
    struct QueryArcs {
        std::vector<std::uint32_t> first, head, arc;
        std::vector<double> weight;
    };
    const Cch* m_cch;
    double m_quantum = 0;
    QueryArcs m_query_forward, m_query_backward;
    std::vector<double> m_forward;
    std::vector<double> m_backward;
    // Original arc id, or shortcut_bit | the upward arc from the triangle's middle node z to the
    // arc's lower end (z's arc to its upper end follows it among z's arcs, at the offset beside).
    std::vector<std::uint32_t> m_forward_via;
    std::vector<std::uint32_t> m_backward_via;
    std::vector<std::uint16_t> m_forward_offset;
    std::vector<std::uint16_t> m_backward_offset;
    // second_arc() with the via's arc zx already read.
    std::uint32_t second_arc(std::uint32_t arc, bool forward, std::uint32_t zx) const;
    // The original arc of entry arc * 2 + upward in half[0] (false), or its two halves' entries
    // in path order (true).
    bool halves(std::uint32_t entry, std::array<std::uint32_t, 2>& half) const;
    // unpack() of arc * 2 + upward, through the cache.
    void unpack_entry(std::uint32_t entry, std::vector<std::uint32_t>& arcs, CchUnpackCache& cache) const;
    // Each customization's own number, process-wide (an unpacking cache's key).
    std::uint64_t m_generation = 0;
};

// One-to-one queries: upward searches from source and target along their paths in the
// elimination tree (RoutingKit's elimination-tree query), pruned by the best cost so far.
class CchQuery {
public:
    explicit CchQuery(const CchMetric& metric);

    // Later runs on another customization of the same Cch (e.g. the car's times of another hour):
    // the scratch depends only on the Cch.
    void set_metric(const CchMetric& metric);
    const CchMetric& metric() const { return *m_metric; }

    // Cost from `source` to `target` (unreachable if there is no path).
    double run(std::uint32_t source, std::uint32_t target);
    // The same with a bound known to be at least the cost (as to()'s below): an answer within it
    // is run()'s, bit for bit, path included; one above it (or none) says the bound was too low.
    double run(std::uint32_t source, std::uint32_t target, double bound);
    // One source, many targets: from_source() runs the source's whole upward search once (not
    // pruned, as run() prunes it above the lowest common ancestor), then each to() answers one
    // target with the target's search alone, about half a run's work. The same cost as run(), and
    // the same path but where zero-weight arcs make ties (each rule is deterministic). Valid until
    // the next run(), from_source() or set_metric().
    void from_source(std::uint32_t source);
    double to(std::uint32_t target);
    // The same with a bound known to be at least the cost (a path's cost measured before, with a
    // margin): a search does not relax a rank whose cost exceeds it, whose arcs lead only to costs
    // above it. Every rank of cost up to the bound keeps its cost and predecessor, so an answer
    // within the bound is to()'s, bit for bit, path included. An answer above it (or none) says the
    // bound was too low: ask again without one (from_source() too, where its bound was lower than
    // the cost). A source's bound is the largest of its targets'.
    void from_source(std::uint32_t source, double bound);
    double to(std::uint32_t target, double bound);
    // to() with the target's search whole (every rank within the bound relaxed, as the source's),
    // so that swap_sides() can answer the way back. The same cost and meeting as to() but where
    // zero-weight arcs make ties.
    double to_whole(std::uint32_t target, double bound = std::numeric_limits<double>::infinity());
    // After from_source() and to_whole() on a metric whose forward and backward query arcs are
    // the same (CchLabels::symmetric): the two searches change sides, and the query answers from
    // the target back to the source, as from_source(target) and to_whole(source) would, bit for bit
    // (both sides' costs and predecessors are the same arrays either way), without a search.
    // Called again, it changes them back. Returns the cost.
    double swap_sides();
    double cost() const { return m_cost; }
    // The original arcs of the last run's path, from source to target, appended to `arcs`; false
    // if unreached. Their weights sum to cost() up to rounding.
    bool path(std::vector<std::uint32_t>& arcs);

private:
    static void relax(std::uint32_t rank, const CchMetric::ArcView& arcs, std::vector<double>& dist,
                      std::vector<std::uint32_t>& pred);
    void clear();  // resets the last search spaces
    // to() and to_whole(): the last target's search reset, the new one's run and met.
    double to_target(std::uint32_t target, double bound, bool whole);
    // The searches from m_source and m_target (ranks of cost above `bound` not relaxed).
    double meet(bool source_done, double bound = std::numeric_limits<double>::infinity(), bool whole = false);

    const CchMetric* m_metric;
    std::vector<double> m_forward_dist;  // by rank; +inf outside the last run's search spaces
    std::vector<double> m_backward_dist;
    std::vector<std::uint32_t> m_forward_pred;  // position in query_arcs() of the arc by which a rank was reached
    std::vector<std::uint32_t> m_backward_pred;
    std::vector<std::uint32_t> m_arcs;  // path scratch
    CchUnpackCache m_unpack;            // unpacking scratch
    std::uint32_t m_source = 0;         // ranks of the last run
    std::uint32_t m_target = 0;
    std::uint32_t m_meeting = 0;
    bool m_dirty = false;
    bool m_source_kept = false;   // the forward search of m_source is whole (from_source)
    bool m_target_whole = false;  // so is the backward one of m_target (to_whole)
    double m_cost = 0;
};

// Many-to-many by buckets: set_targets() runs the backward upward search of every target and
// stores (target, cost) at each rank it reaches; a source's upward search then scans the buckets
// on its path. The same costs as CchQuery, bit for bit.
class CchManyToMany {
public:
    explicit CchManyToMany(const CchMetric& metric);

    void set_targets(std::span<const std::uint32_t> targets);
    std::size_t target_count() const { return m_target_count; }
    // Costs from `source` to every target in the order given to set_targets(); out.size() ==
    // target_count().
    void run(std::uint32_t source, std::span<double> out);
    // Row-major matrix: out[i * target_count() + j] = cost from sources[i] to target j.
    void run(std::span<const std::uint32_t> sources, std::span<double> out);

private:
    const CchMetric& m_metric;
    std::vector<double> m_dist;              // by rank; +inf outside the current search
    std::vector<std::uint32_t> m_bucket_of;  // by rank: bucket index, invalid_index if none
    std::vector<std::uint32_t> m_bucket_rank;
    std::vector<std::uint32_t> m_bucket_first;
    std::vector<std::uint32_t> m_entry_target;
    std::vector<double> m_entry_cost;
    std::vector<std::uint32_t> m_raw_bucket;  // entries in search order, before sorting by bucket
    std::vector<std::uint32_t> m_raw_target;
    std::vector<double> m_raw_cost;
    std::size_t m_target_count = 0;
};

// One-to-all by PHAST (Delling et al. 2011): the upward search from the source along its
// elimination-tree path, then one sweep over all ranks from the top down relaxing downward arcs.
class CchOneToAll {
public:
    explicit CchOneToAll(const CchMetric& metric);

    void run(std::uint32_t source);
    double cost(std::uint32_t node) const { return m_dist[m_metric.cch().rank(node)]; }
    // The costs by rank (cost of node v at rank(v)).
    const std::vector<double>& rank_cost() const { return m_dist; }

private:
    const CchMetric& m_metric;
    std::vector<double> m_dist;
};

// One-to-all from several sources in one sweep (PHAST's batched trees, Delling et al. 2011):
// each source's upward search as in CchOneToAll, then one top-down sweep that reads every
// downward arc once for all of them, its costs for the sources side by side. On large networks
// the sweep is bound by reading the arcs, so a batch costs little more than one tree. The costs
// are CchOneToAll's, bit for bit (the same additions and minima per source).
class CchManyToAll {
public:
    static constexpr std::size_t batch = 8;  // sources per sweep at most

    explicit CchManyToAll(const CchMetric& metric);

    // 1 to `batch` sources (throws std::invalid_argument otherwise).
    void run(std::span<const std::uint32_t> sources);
    // The same, and along each tree's paths the sums of `sums` (CchMetric::path_sums of this
    // metric, e.g. the lengths): value(i, node). The costs are those of run(sources), bit for bit;
    // of paths of equal cost the one whose last arc comes first in the hierarchy is kept, which
    // may not be Dijkstra's.
    void run(std::span<const std::uint32_t> sources, const CchMetric::PathSums& sums);
    std::size_t source_count() const { return m_count; }
    // Cost from the i-th source of the last run to `node`.
    double cost(std::size_t i, std::uint32_t node) const { return m_dist[m_metric.cch().rank(node) * batch + i]; }
    // Path sum from the i-th source to `node` of the last run with sums (+inf where unreached).
    double value(std::size_t i, std::uint32_t node) const { return m_sum[m_metric.cch().rank(node) * batch + i]; }

private:
    // The upward searches; with `forward_sum`, carrying it (by query arc, or by upward arc).
    void start(std::span<const std::uint32_t> sources, const double* forward_sum, bool sum_by_query_arc);

    const CchMetric& m_metric;
    std::vector<double> m_dist;  // [rank * batch + source]
    std::vector<double> m_sum;   // [rank * batch + source], runs with sums only
    std::vector<double> m_up;    // one source's upward search, by rank; +inf between runs
    std::vector<double> m_up_sum;
    std::size_t m_count = 0;
};

// Many-to-many as CchManyToAll's trees, swept only where the targets need them (restricted PHAST,
// RPHAST: Delling, Goldberg and Werneck 2011, "Faster batched shortest paths in road networks"). A
// node's cost in the sweep comes from its upward arcs' heads, which are its ancestors in the
// elimination tree, so the targets' costs depend only on the targets and their ancestors: those
// ranks are selected once per target set, with their downward arcs in a compact graph, and each
// sweep reads them alone (on a million-node grid with a thousand zone centroids as targets, 13 %
// of the ranks). The costs and sums to the targets are CchManyToAll's, bit for bit (the same
// upward searches, and each selected rank takes the same minima over the same arcs in the same
// order). The selection is shared read-only; each thread sweeps with its own Sweep.
class CchManyToTargets {
public:
    static constexpr std::size_t batch = CchManyToAll::batch;  // sources per sweep at most

    // `targets` (node ids, repeats allowed); with `sums` (CchMetric::path_sums of this metric, e.g.
    // the lengths) the sweeps also carry those sums, as CchManyToAll::run(sources, sums).
    CchManyToTargets(const CchMetric& metric, std::span<const std::uint32_t> targets,
                     const CchMetric::PathSums* sums = nullptr);
    std::size_t target_count() const { return m_target.size(); }
    std::size_t rank_count() const { return m_rank.size(); }  // ranks a sweep reads
    std::size_t arc_count() const { return m_head.size(); }   // downward arcs a sweep reads

    class Sweep {
    public:
        explicit Sweep(const CchManyToTargets& targets);
        // 1 to `batch` sources (throws std::invalid_argument otherwise).
        void run(std::span<const std::uint32_t> sources);
        std::size_t source_count() const { return m_count; }
        // Cost from the i-th source of the last run to the j-th target.
        double cost(std::size_t i, std::size_t j) const { return m_dist[m_of->m_target[j] * batch + i]; }
        // Its path sum (the targets were selected with sums; +inf where unreached).
        double value(std::size_t i, std::size_t j) const { return m_sum[m_of->m_target[j] * batch + i]; }

    private:
        const CchManyToTargets* m_of;
        std::vector<double> m_dist;  // [selected rank * batch + source]
        std::vector<double> m_sum;   // the same, with sums only
        std::vector<double> m_up;    // one source's upward search, by rank; +inf between runs
        std::vector<double> m_up_sum;
        std::size_t m_count = 0;
    };

private:
    const CchMetric& m_metric;
    bool m_with_sums;
    // The forward path sums as the upward searches read them (by query arc or by upward arc).
    const double* m_forward_sum = nullptr;
    bool m_forward_by_query_arc = false;
    std::vector<std::uint32_t> m_local;   // by rank: its place among the selected, invalid_index if none
    std::vector<std::uint32_t> m_rank;    // the selected ranks, from the top down
    std::vector<std::uint32_t> m_first;   // by selected rank: its first downward arc
    std::vector<std::uint32_t> m_head;    // by arc: the selected place of its upper end
    std::vector<double> m_weight;         // by arc: the backward query weight
    std::vector<double> m_arc_sum;        // by arc: its backward path sum (with sums only)
    std::vector<std::uint32_t> m_target;  // by target: its selected place
};

// Before the query to targets[k], fetches ahead those a few on (CchLabelQuery::prefetch: each
// stage `prefetch_stride` targets after the one before), so that their misses overlap the
// queries between. No effect on any answer.
inline constexpr std::size_t prefetch_stride = 3;
template <class Query>
void prefetch_targets(const Query& q, std::span<const std::uint32_t> targets, std::size_t k) {
    if (k + 3 * prefetch_stride < targets.size()) q.prefetch(targets[k + 3 * prefetch_stride], 0);
    if (k + 2 * prefetch_stride < targets.size()) q.prefetch(targets[k + 2 * prefetch_stride], 1);
    if (k + prefetch_stride < targets.size()) q.prefetch(targets[k + prefetch_stride], 2);
}

// Every node's upward search space kept: labels on the elimination tree (hub labels; the ranks an
// upward search reaches are exactly the node's ancestors). label(v) holds the costs between v and
// each of its ancestors, root first: entry i is the ancestor at depth i, the last is v itself (0).
// A query s -> t is then the least f + b over their common ancestors, which are the first entries
// of both labels, up to the lowest common ancestor: one pass over contiguous memory instead of a
// search. The costs are CchQuery's, bit for bit (the same searches; pruning never changes the
// least sum), and so is the meeting (the lowest rank of least cost). Memory: a double per entry
// (and a float with path sums), entry_count() entries: the sum of the nodes' depths, about
// node_count() times the search space (910 nodes on the 100,000-node grid); and a reverse index
// of the direction's query arcs (8 bytes an arc) for the paths. Built in parallel from the top of
// the tree down, each label from its arcs' heads' (exact costs make them the searches' bits; 0.3 s
// against 2.3 s for a search per node on that grid). With sums, each entry first keeps the
// search's predecessor, which follows from the heads' (label_from_heads_tracked), then each label
// adds its sums up along them: the sums of the search's paths among paths of equal cost, bit for
// bit (1.4 s against 4.0 s for a search per node, each in a new block).
class CchLabelQuery;

class CchLabels {
    // Left uninitialised by resize (each label's entries are set by the task that builds it, in
    // parallel: the pages are touched there rather than by one thread first).
    template <class T>
    struct Uninitialised : std::allocator<T> {
        template <class U>
        struct rebind {
            using other = Uninitialised<U>;
        };
        Uninitialised() = default;
        template <class U>
        Uninitialised(const Uninitialised<U>&) noexcept {}
        template <class U>
        void construct(U* p) noexcept {
            ::new (static_cast<void*>(p)) U;
        }
        template <class U, class... A>
        void construct(U* p, A&&... a) {
            ::new (static_cast<void*>(p)) U(static_cast<A&&>(a)...);
        }
    };

public:
    // The memory of the costs. Labels built one after the other (one street mode's, then the
    // next's) may pass it on: take_storage() from those done with, `storage` to the next; its
    // pages are then in memory already, where a new block's would each be faulted in and zeroed
    // by the system (0.7 GB a metric on the 100,000-node grid). The labels are the same either way.
    using Storage = std::vector<double, Uninitialised<double>>;

    // The labels of the backward searches (`forward` false: costs from each ancestor down to the
    // node) or of the forward ones (from the node up to each ancestor). With `sums`
    // (CchMetric::path_sums of this metric) each entry also keeps the sum along its path, the
    // path of the arcs that first gave each rank its cost in the node's upward search (its
    // predecessor: the lowest rank below it whose cost plus the arc's weight is its cost, as
    // CchManyToAll's), rounded to a float.
    CchLabels(const CchMetric& metric, bool forward, const CchMetric::PathSums* sums = nullptr, Storage storage = {});
    // The costs' memory, for the next labels built; these are empty afterwards (no queries).
    Storage take_storage() { return std::move(m_cost); }
    // The entries the labels of `cch` take (each direction and metric).
    static std::uint64_t entry_count(const Cch& cch);
    // Whether the metric's forward and backward query arcs are the same (a graph whose every arc
    // has its reverse with the same weight): the backward labels are then the forward ones too.
    static bool symmetric(const CchMetric& metric);

    // The labels that serve as a query's source side (CchLabelQuery's `from`): these, when they
    // are backward labels without sums of a symmetric metric, else none (a search per source).
    const CchLabels* source_side() const { return m_source_side ? this : nullptr; }
    // Releases the sums: the labels are then those built without them (the same costs, and a
    // source side as those would have), for queries that need no sums.
    void drop_sums();

    const CchMetric& metric() const { return *m_metric; }
    bool forward() const { return m_forward; }
    bool has_sums() const { return !m_sum.empty(); }
    std::size_t size_bytes() const { return m_cost.size() * sizeof(double) + m_sum.size() * sizeof(std::uint32_t); }
    // Depth of a rank in the elimination tree (a root: 0); its label has depth + 1 entries.
    std::uint32_t depth(std::uint32_t rank) const { return m_depth[rank]; }
    const double* cost(std::uint32_t rank) const { return m_cost.data() + m_offset[rank]; }
    // Entry i's sum of rank's label (with sums).
    float sum(std::uint32_t rank, std::size_t i) const { return std::bit_cast<float>(m_sum[m_offset[rank] + i]); }
    // Fetches ahead what a query to `rank` reads first: its place in the tree and its label's
    // offset (stage 1), then, those in by now, its label's first entries (stage 2).
    void prefetch(std::uint32_t rank, int stage) const {
        if (stage == 1) {
            __builtin_prefetch(m_preorder.data() + rank);
            __builtin_prefetch(m_subtree.data() + rank);
            __builtin_prefetch(m_offset.data() + rank);
        } else {
            __builtin_prefetch(cost(rank));
            __builtin_prefetch(cost(rank) + 8);
        }
    }
    // Whether rank `a` is `v` or one of its ancestors.
    bool ancestor(std::uint32_t a, std::uint32_t v) const {
        return m_preorder[a] <= m_preorder[v] && m_preorder[v] < m_preorder[a] + m_subtree[a];
    }
    // The upward arcs of rank v's search path from its ancestor `a` down to v, appended in that
    // order (each arc's tail is the next rank): a rank's predecessor is, as in the search, the
    // lowest-ranked rank below it on v's path whose cost plus the arc's weight gives its cost
    // (its arcs in, from a reverse index of the query arcs). `a` must have a finite cost.
    void down_path(std::uint32_t v, std::uint32_t a, std::vector<std::uint32_t>& up_arcs) const;

    // The labels of direction `forward` of this metric, each built from the top of the tree down
    // as labels without sums are (the same bits), but not kept: visit(node, label) for each node
    // with wanted[node] set, its label of depth(rank(node)) + 1 entries, root first, valid during
    // the call. The calls come from several threads at once, each node's once. Memory: the labels
    // of the ranks with large subtrees (39 MiB for the bike on the 100,000-node grid) and, per thread,
    // those of one path from the root (6.8 MiB there), instead of every label (693 MiB).
    void sweep(bool forward, std::span<const std::uint8_t> wanted,
               const std::function<void(std::uint32_t node, const double* label)>& visit) const;
    // For the paths of the other direction's labels (swept): keep_other_index() makes the reverse
    // index of that direction's query arcs (8 bytes an arc) once; other_down_path() is
    // down_path() for rank v whose label of that direction is `label`.
    void keep_other_index();
    void other_down_path(const double* label, std::uint32_t v, std::uint32_t a,
                         std::vector<std::uint32_t>& up_arcs) const;
    // Queries on these (backward) labels from each node with wanted[node] set: visit(query, node)
    // with a query of the calling thread whose source side is that node's, found the cheapest
    // way there is: its own label where these labels are their own source side, else its forward
    // label from a sweep (with `paths`, keep_other_index() first, so that the query's path()
    // works), carrying `sums` (the metric's path_sums) when these labels have sums. In parallel,
    // each node once; the same costs, sums and paths as the node's upward search would give.
    void for_each_source(std::span<const std::uint8_t> wanted, const CchMetric::PathSums* sums, bool paths,
                         const std::function<void(CchLabelQuery& query, std::uint32_t node)>& visit);

private:
    // The labels from the top of the elimination tree down, each from its arcs' heads' (no sums).
    void build_top_down(const CchMetric::ArcView& arcs);
    // The same keeping each entry's predecessor (in m_sum), then each label's sums along them.
    void build_top_down_sums(const CchMetric::ArcView& arcs, const double* arc_sum, bool by_query_arc);
    // sweep() whose visit also gets each label's predecessors (tracked) or not.
    template <bool tracked, class Visit>
    void sweep_labels(bool forward, std::span<const std::uint8_t> wanted, Visit&& visit) const;
    // crown(rank) for each rank whose subtree is large, in preorder, on one thread; then
    // subtree(ranks) for each small subtree (its ranks in preorder), in parallel.
    template <class Crown, class Subtree>
    void top_down(Crown&& crown, Subtree&& subtree) const;
    std::uint32_t top_down_grain() const;
    // The largest depth of a rank (the longest label, less one).
    std::uint32_t deepest_rank_depth() const;

    const CchMetric* m_metric;
    bool m_forward;
    bool m_source_side = false;
    std::vector<std::uint32_t> m_depth;     // by rank
    std::vector<std::uint32_t> m_preorder;  // by rank: position in a preorder walk of the forest
    std::vector<std::uint32_t> m_subtree;   // by rank: nodes in its subtree, itself included
    std::vector<std::uint64_t> m_offset;    // by rank: its label's first entry
    Storage m_cost;
    // Per entry the sum as a float's bits (its predecessor's query arc while they are built).
    std::vector<std::uint32_t, Uninitialised<std::uint32_t>> m_sum;
    // A direction's query arcs by head: rank h's are [first[h], first[h + 1]), tails ascending,
    // each its tail and position in query_arcs().
    struct ReverseIndex {
        std::vector<std::uint32_t> first, tail, pos;
        ReverseIndex() = default;
        ReverseIndex(const CchMetric::ArcView& arcs, std::size_t n);
    };
    ReverseIndex m_in;
    // The other direction's (keep_other_index), for the paths of swept labels.
    ReverseIndex m_other_in;
    void down_path(bool forward, const ReverseIndex& in, const double* label, std::uint32_t v, std::uint32_t a,
                   std::vector<std::uint32_t>& up_arcs) const;
};

// One source's queries on labels: the target's side from its (backward) label, the source's from
// its forward label when there are labels of the forward searches (the backward ones of a
// symmetric metric serve), else from one upward search of the source's, carrying the path sums
// when the target labels have them. The same costs as CchQuery::run(), bit for bit.
class CchLabelQuery {
public:
    // `to`: backward labels; `from`: forward labels (may be `to` when CchLabels::symmetric()), or
    // null; `sums` (the metric's path_sums) when `to` has sums and `from` is null.
    CchLabelQuery(const CchLabels& to, const CchLabels* from, const CchMetric::PathSums* sums = nullptr);
    void from_source(std::uint32_t source);
    // The source's side given: its forward label (CchLabels::sweep) and, for target labels with
    // sums, its sums (as the source's search adds them up); both are copied. path() then needs the
    // target labels' keep_other_index().
    void from_label(std::uint32_t source, const double* label, const double* sums = nullptr);
    // Cost from the last source to `target` (+inf if unreachable).
    double to(std::uint32_t target);
    // Fetches ahead what a later to(target) reads, stage by stage, each a few targets after the
    // one before: 0 the target's rank, 1 its place in the tree and its label's offset, 2 its
    // label's first entries. No effect on any answer.
    void prefetch(std::uint32_t target, int stage) const {
        const Cch& g = m_to.metric().cch();
        if (stage == 0)
            __builtin_prefetch(g.rank_at(target));
        else
            m_to.prefetch(g.rank(target), stage);
    }
    // The path sum of the last to() (the least-cost path meeting at the lowest rank); needs sums.
    double sum() const { return m_last_sum; }
    // The original arcs of the last to()'s path, from source to target, appended to `arcs` (false
    // if unreached). Each side's predecessors follow its search's rule (the first strict
    // improvement, in rank order), so the path is CchQuery's: the tests find them equal arc for
    // arc, ties included (CchQuery prunes its searches, which could only matter where a side
    // reaches the meeting at cost 0).
    bool path(std::vector<std::uint32_t>& arcs);

private:
    // The source's rank, with its ancestors, root first, in m_path; the source's side is set apart.
    std::uint32_t set_path(std::uint32_t source);

    const CchLabels& m_to;
    const CchLabels* m_from;
    const CchMetric::PathSums* m_sums;
    std::vector<std::uint32_t> m_path;  // the source's ancestors, root first
    std::vector<double> m_cost;         // the source's costs to them, root first
    std::vector<double> m_sum;
    std::vector<double> m_dist;  // an upward search, by rank (+inf between runs)
    std::vector<double> m_dist_sum;
    std::vector<std::uint32_t> m_pred;  // the search's: position in the forward query arcs, by rank
    std::vector<std::uint32_t> m_up;    // path scratch
    CchUnpackCache m_unpack;
    std::uint32_t m_target = 0;  // rank of the last to()
    std::size_t m_meet = 0;      // its meeting, as an index in m_path
    double m_last_cost = 0;
    double m_last_sum = 0;
    bool m_by_label = false;  // the source's side from from_label()
};

}  // namespace flemsim::routing
