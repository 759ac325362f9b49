#include <doctest/doctest.h>
#include <tbb/enumerable_thread_specific.h>

#include <tbb/global_control.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/routing/cch.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/street_cch.hpp"
#include "sim/routing/street_graph.hpp"

using namespace flemsim;
using routing::Cch;
using routing::CchLabelQuery;
using routing::CchLabels;
using routing::CchManyToAll;
using routing::CchManyToMany;
using routing::CchMetric;
using routing::CchOneToAll;
using routing::CchQuery;
using routing::ShortestPathTree;
using routing::StreetGraph;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// CCH and Dijkstra add the same weights in a different order: equal up to a relative 1e-9 (and
// exactly equal when the weights are integers, as in the odd seeds below).
bool close(double a, double b) {
    if (a == b) return true;
    return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b));
}

struct TestGraph {
    StreetGraph graph;
    std::vector<double> x, y;
};

// Random points in 1-3 separate regions, each joined to 1-3 nearest points of its region: two-way,
// one-way either way, zero-time and zero-length arcs, parallel arcs, self loops, nodes without arcs.
// Odd seeds use integer times, so that equal-cost paths abound and sums are exact.
TestGraph random_graph(std::uint64_t seed, std::uint32_t min_nodes = 50, std::uint32_t max_nodes = 2000) {
    core::Rng rng(seed, core::Stream::person_attributes, 0xcc4);
    const std::uint32_t n = min_nodes + rng.below(max_nodes - min_nodes + 1);
    const std::uint32_t parts = 1 + rng.below(3);
    const bool integer = seed % 2 == 1;
    TestGraph t;
    std::vector<std::uint32_t> part(n);
    std::vector<bool> isolated(n);
    for (std::uint32_t v = 0; v < n; ++v) {
        part[v] = rng.below(parts);
        t.x.push_back(part[v] * 2.0 + rng.uniform());
        t.y.push_back(rng.uniform());
        isolated[v] = rng.bernoulli(0.03);
    }
    std::vector<std::uint32_t> tail, head;
    std::vector<double> time, length;
    const auto add = [&](std::uint32_t u, std::uint32_t v, double d) {
        double w = rng.bernoulli(0.05) ? 0.0 : d * 100 * (0.5 + rng.uniform());
        if (integer) w = std::round(w / 10);
        tail.push_back(u);
        head.push_back(v);
        time.push_back(w);
        length.push_back(rng.bernoulli(0.05) ? 0.0 : d * 100);
    };
    for (std::uint32_t u = 0; u < n; ++u) {
        if (isolated[u]) continue;
        const std::uint32_t k = 1 + rng.below(3);
        std::vector<std::pair<double, std::uint32_t>> near;
        for (std::uint32_t v = 0; v < n; ++v) {
            if (v == u || isolated[v] || part[v] != part[u]) continue;
            near.emplace_back(std::hypot(t.x[u] - t.x[v], t.y[u] - t.y[v]), v);
        }
        const std::size_t keep = std::min<std::size_t>(k, near.size());
        std::partial_sort(near.begin(), near.begin() + static_cast<std::ptrdiff_t>(keep), near.end());
        for (std::size_t i = 0; i < keep; ++i) {
            const double d = near[i].first;
            const std::uint32_t v = near[i].second;
            const double r = rng.uniform();
            if (r < 0.6) {
                add(u, v, d);
                add(v, u, d);
            } else if (r < 0.8) {
                add(u, v, d);
            } else {
                add(v, u, d);
            }
            if (rng.bernoulli(0.05)) add(u, v, d);  // a parallel arc
        }
        if (rng.bernoulli(0.02)) add(u, u, 0.1);  // a self loop
    }
    t.graph = routing::make_graph(n, tail, head, time, length, {});
    return t;
}

// A random graph of 50 to 800 nodes, its hierarchy, and its time metric whole and with the query
// graph (CchMetric::prune_for_queries), for the tests that compare the two.
struct WholeAndPruned {
    TestGraph t;
    Cch cch;
    CchMetric whole;
    CchMetric pruned;
    explicit WholeAndPruned(std::uint64_t seed)
        : t(random_graph(seed, 50, 800)),
          cch(t.graph, t.x, t.y),
          whole(cch, t.graph.time_s),
          pruned(cch, t.graph.time_s) {
        pruned.prune_for_queries();
    }
};

// Every arc of `g` also the other way with its time and length: a symmetric metric.
void make_symmetric(StreetGraph& g) {
    std::vector<std::uint32_t> tail(g.tail.begin(), g.tail.end()), head(g.head.begin(), g.head.end());
    std::vector<double> time(g.time_s.begin(), g.time_s.end()), length(g.length_m.begin(), g.length_m.end());
    const std::size_t arcs = tail.size();
    for (std::size_t a = 0; a < arcs; ++a)
        tail.push_back(head[a]), head.push_back(tail[a]), time.push_back(time[a]), length.push_back(length[a]);
    g = routing::make_graph(static_cast<std::uint32_t>(g.node_count()), tail, head, time, length, {});
}

// The path is consecutive arcs from source to target whose weights sum to the cost.
void check_path(const StreetGraph& g, const std::vector<std::uint32_t>& arcs, std::uint32_t source,
                std::uint32_t target, double cost, const std::vector<double>& weight) {
    std::uint32_t at = source;
    double sum = 0;
    for (const auto a : arcs) {
        REQUIRE(a < g.arc_count());
        REQUIRE(g.tail[a] == at);
        at = g.head[a];
        sum += weight[a];
    }
    CHECK(at == target);
    CHECK(close(sum, cost));
}

// One metric against Dijkstra: PHAST from a few sources, one-to-one with paths, many-to-many.
void check_metric(const StreetGraph& g, const Cch& cch, const std::vector<double>& weight, core::Rng& rng) {
    const CchMetric metric(cch, weight);
    const auto n = static_cast<std::uint32_t>(g.node_count());
    ShortestPathTree tree(g);
    CchOneToAll phast(metric);
    CchQuery query(metric);
    std::vector<std::uint32_t> arcs;
    for (int i = 0; i < 4; ++i) {
        const std::uint32_t s = rng.below(n);
        tree.run(s, inf, weight.data());
        phast.run(s);
        for (std::uint32_t v = 0; v < n; ++v) {
            INFO("source ", s, " node ", v);
            REQUIRE(close(phast.cost(v), tree.time_s(v)));
        }
        for (int j = 0; j < 25; ++j) {
            const std::uint32_t t = j == 0 ? s : rng.below(n);
            INFO("source ", s, " target ", t);
            const double c = query.run(s, t);
            REQUIRE(close(c, tree.time_s(t)));
            CHECK(c == query.cost());
            arcs.clear();
            CHECK(query.path(arcs) == (c < inf));
            if (c < inf) check_path(g, arcs, s, t, c, weight);
            if (t == s) CHECK(arcs.empty());
        }
    }
    // Batched PHAST equals PHAST per source, bit for bit (a full batch, and a part of one with a
    // source twice).
    CchManyToAll batched(metric);
    for (const std::size_t count : {routing::CchManyToAll::batch, std::size_t{3}}) {
        std::vector<std::uint32_t> from;
        for (std::size_t i = 0; i < count; ++i) from.push_back(rng.below(n));
        if (count == 3) from[2] = from[0];
        batched.run(from);
        REQUIRE(batched.source_count() == count);
        for (std::size_t i = 0; i < count; ++i) {
            phast.run(from[i]);
            for (std::uint32_t v = 0; v < n; ++v) {
                INFO("source ", from[i], " node ", v);
                REQUIRE(batched.cost(i, v) == phast.cost(v));
            }
        }
        // With the lengths carried along: the same costs, bit for bit.
        CchManyToAll with_lengths(metric);
        with_lengths.run(from, metric.path_sums(g.length_m));
        for (std::size_t i = 0; i < count; ++i)
            for (std::uint32_t v = 0; v < n; ++v) REQUIRE(with_lengths.cost(i, v) == batched.cost(i, v));
    }
    // Many-to-many equals repeated one-to-one, bit for bit.
    std::vector<std::uint32_t> sources, targets;
    for (int i = 0; i < 7; ++i) sources.push_back(rng.below(n));
    for (int i = 0; i < 13; ++i) targets.push_back(rng.below(n));
    CchManyToMany buckets(metric);
    buckets.set_targets(targets);
    std::vector<double> matrix(sources.size() * targets.size());
    buckets.run(sources, matrix);
    for (std::size_t i = 0; i < sources.size(); ++i)
        for (std::size_t j = 0; j < targets.size(); ++j)
            CHECK(matrix[i * targets.size() + j] == query.run(sources[i], targets[j]));
    // A second target set on the same object.
    targets.resize(5);
    buckets.set_targets(targets);
    std::vector<double> row(targets.size());
    buckets.run(sources[0], row);
    for (std::size_t j = 0; j < targets.size(); ++j) CHECK(row[j] == query.run(sources[0], targets[j]));
}

// The lengths that batched PHAST carries along its trees, against Dijkstra's. With strictly
// positive random times (ties between paths have probability 0) every length is the one of the
// only shortest path; on the graph's own times, with zero-time arcs and integer times, a length
// is that of one of the shortest paths: at least the least length over them (Dijkstra on the
// lengths over the arcs that lie on a shortest path).
void check_tree_lengths(const StreetGraph& g, const Cch& cch, const std::vector<double>& weight, bool unique,
                        core::Rng& rng) {
    const CchMetric metric(cch, weight);
    const auto n = static_cast<std::uint32_t>(g.node_count());
    const auto lengths = metric.path_sums(g.length_m);
    CchManyToAll batched(metric);
    std::vector<std::uint32_t> from;
    for (std::size_t i = 0; i < CchManyToAll::batch; ++i) from.push_back(rng.below(n));
    batched.run(from, lengths);
    ShortestPathTree tree(g), shortest_length(g);
    std::vector<double> tight(g.arc_count());
    for (std::size_t i = 0; i < from.size(); ++i) {
        tree.run(from[i], inf, weight.data());
        for (std::uint32_t a = 0; a < g.arc_count(); ++a) {
            const double cu = tree.time_s(g.tail[a]), cv = tree.time_s(g.head[a]);
            tight[a] = cu < inf && close(cu + weight[a], cv) ? g.length_m[a] : inf;
        }
        shortest_length.run(from[i], inf, tight.data());
        for (std::uint32_t v = 0; v < n; ++v) {
            INFO("source ", from[i], " node ", v);
            const double len = batched.value(i, v);
            if (!tree.reached(v)) {
                CHECK(len == inf);
                continue;
            }
            if (unique) CHECK(close(len, tree.length_m(v)));
            REQUIRE(shortest_length.reached(v));
            CHECK((close(len, shortest_length.time_s(v)) || len > shortest_length.time_s(v)));
        }
    }
}
}  // namespace

// A side_x x side_y grid, each street one way (either way) with probability 0.1 each, else both
// ways, its time 1-11 drawn from `rng` (rounded to whole units with `whole_times`: ties
// everywhere), its length 50-149 from its ends' numbers (no draw).
TestGraph random_grid(std::uint32_t side_x, std::uint32_t side_y, core::Rng& rng, bool whole_times = false) {
    const std::uint32_t n = side_x * side_y;
    TestGraph t;
    std::vector<std::uint32_t> tail, head;
    std::vector<double> time, length;
    for (std::uint32_t v = 0; v < n; ++v) t.x.push_back(v % side_x), t.y.push_back(v / side_x);
    const auto link = [&](std::uint32_t u, std::uint32_t v) {
        double w = 1 + rng.uniform() * 10;
        if (whole_times) w = std::round(w);
        const double r = rng.uniform(), m = 50 + (u * 7 + v * 13) % 100;
        if (r >= 0.1) tail.push_back(u), head.push_back(v), time.push_back(w), length.push_back(m);
        if (r < 0.1 || r >= 0.2) tail.push_back(v), head.push_back(u), time.push_back(w), length.push_back(m);
    };
    for (std::uint32_t v = 0; v < n; ++v) {
        if (v % side_x + 1 < side_x) link(v, v + 1);
        if (v + side_x < n) link(v, v + side_x);
    }
    t.graph = routing::make_graph(n, tail, head, time, length, {});
    return t;
}

TEST_CASE("CCH on five nodes, by hand") {
    // 0 -2-> 1 -3-> 2 -1-> 3 -4-> 4 -1-> 0, shortcuts 0 -6-> 2 and 1 -9-> 4 that never pay, and
    // node 5 without arcs.
    const auto g = routing::make_graph(6, {0, 1, 0, 2, 3, 4, 1}, {1, 2, 2, 3, 4, 0, 4}, {2, 3, 6, 1, 4, 1, 9},
                                       {2, 3, 6, 1, 4, 1, 9}, {});
    const std::vector<double> x{0, 1, 1.3, 0.5, -0.3, 5}, y{0, 0, 1, 1.6, 1, 5};
    const Cch cch(g, x, y);
    const CchMetric metric(cch, g.time_s);
    const double expected[6][6] = {
        {0, 2, 5, 6, 10, inf}, {9, 0, 3, 4, 8, inf}, {6, 8, 0, 1, 5, inf},
        {5, 7, 10, 0, 4, inf}, {1, 3, 6, 7, 0, inf}, {inf, inf, inf, inf, inf, 0},
    };
    CchQuery query(metric);
    CchOneToAll phast(metric);
    for (std::uint32_t s = 0; s < 6; ++s) {
        phast.run(s);
        for (std::uint32_t t = 0; t < 6; ++t) {
            CHECK(query.run(s, t) == expected[s][t]);
            CHECK(phast.cost(t) == expected[s][t]);
        }
    }
    // All six trees in one batched sweep; a batch holds 1 to 8 sources.
    CchManyToAll batched(metric);
    const std::vector<std::uint32_t> all{0, 1, 2, 3, 4, 5};
    batched.run(all);
    for (std::uint32_t s = 0; s < 6; ++s)
        for (std::uint32_t t = 0; t < 6; ++t) CHECK(batched.cost(s, t) == expected[s][t]);
    // Lengths along the trees (here equal to the times), and its errors.
    const auto lengths = metric.path_sums(g.length_m);
    batched.run(all, lengths);
    for (std::uint32_t s = 0; s < 6; ++s)
        for (std::uint32_t t = 0; t < 6; ++t) CHECK(batched.value(s, t) == expected[s][t]);
    CHECK_THROWS_AS(metric.path_sums(std::vector<double>(3, 1.0)), std::invalid_argument);
    CHECK_THROWS_AS(batched.run(all, routing::CchMetric::PathSums{}), std::invalid_argument);
    CHECK_THROWS_AS(batched.run(std::vector<std::uint32_t>{}), std::invalid_argument);
    CHECK_THROWS_AS(batched.run(std::vector<std::uint32_t>(9, 0)), std::invalid_argument);
    // 0 -> 4 only along the ring: arcs 0, 1, 3, 4.
    query.run(0, 4);
    std::vector<std::uint32_t> arcs;
    REQUIRE(query.path(arcs));
    std::vector<std::uint32_t> ring;
    for (std::uint32_t a = 0; a < g.arc_count(); ++a)
        if ((g.tail[a] == 0 && g.head[a] == 1) || (g.tail[a] == 1 && g.head[a] == 2) ||
            (g.tail[a] == 2 && g.head[a] == 3) || (g.tail[a] == 3 && g.head[a] == 4))
            ring.push_back(a);
    std::sort(ring.begin(), ring.end(), [&g](std::uint32_t a, std::uint32_t b) { return g.tail[a] < g.tail[b]; });
    CHECK(arcs == ring);
    query.run(5, 0);
    arcs.clear();
    CHECK_FALSE(query.path(arcs));
    CHECK(arcs.empty());
}

TEST_CASE("CCH equals Dijkstra on random graphs") {
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        INFO("seed ", seed);
        const TestGraph t = random_graph(seed);
        const auto order = routing::nested_dissection_order(t.graph, t.x, t.y);
        CHECK(order == routing::nested_dissection_order(t.graph, t.x, t.y));  // deterministic
        const Cch cch(t.graph, order);
        core::Rng rng(seed, core::Stream::person_attributes, 0xcc5);
        check_metric(t.graph, cch, t.graph.time_s, rng);
        if (seed % 5 == 0) check_metric(t.graph, cch, t.graph.length_m, rng);  // a second metric, same Cch
        check_tree_lengths(t.graph, cch, t.graph.time_s, false, rng);
        std::vector<double> positive(t.graph.arc_count());
        for (auto& w : positive) w = 1 + rng.uniform();
        check_tree_lengths(t.graph, cch, positive, true, rng);
    }
}

TEST_CASE("nested dissection ranks a separator along its cut") {
    // A 30 x 20 grid, its nodes moved by up to a tenth of the spacing: the cheapest cut crosses the
    // 20 rows' links between two columns, and its separator (the top 20 ranks) is one column. Ranked
    // along the cut, the column's nodes have ranks in the order of y (ranked by the jittered x, the
    // order a sweep in x leaves them in, they would not), so a cell below borders a stretch of
    // consecutive ranks.
    core::Rng rng(11, core::Stream::person_attributes, 0xcc9);
    TestGraph t = random_grid(30, 20, rng);
    for (std::size_t v = 0; v < t.x.size(); ++v) {
        t.x[v] += 0.2 * (rng.uniform() - 0.5);
        t.y[v] += 0.2 * (rng.uniform() - 0.5);
    }
    const auto order = routing::nested_dissection_order(t.graph, t.x, t.y);
    REQUIRE(order.size() == 600);
    const std::span<const std::uint32_t> top(order.data() + 580, 20);
    const double column = std::round(t.x[top[0]]);
    std::vector<double> ys;
    for (const std::uint32_t v : top) {
        CHECK(std::round(t.x[v]) == column);
        ys.push_back(t.y[v]);
    }
    CHECK((std::is_sorted(ys.begin(), ys.end()) || std::is_sorted(ys.rbegin(), ys.rend())));
}

// Every shortcut's way is a triangle of the hierarchy that gives its weight: z's arcs to its
// lower end x (the via) and to its upper end y (the via's arc and the offset, as
// Cch::find_arc_after finds it among z's arcs), x -> z -> y forward and y -> z -> x backward, at
// the shortcut's weight.
void check_vias(const Cch& cch, const CchMetric& metric) {
    constexpr std::uint32_t shortcut = std::uint32_t{1} << 31;
    const auto& tail = cch.up_tail();
    const auto& head = cch.up_head();
    std::size_t shortcuts = 0, wrong = 0;
    for (std::uint32_t c = 0; c < cch.arc_count(); ++c)
        for (const bool up : {true, false}) {
            const std::uint32_t via = (up ? metric.forward_via() : metric.backward_via())[c];
            if (via == core::invalid_index || !(via & shortcut)) continue;
            ++shortcuts;
            const std::uint16_t offset = (up ? metric.forward_offset() : metric.backward_offset())[c];
            const std::uint32_t zx = via & ~shortcut, zy = zx + offset;
            if (zx >= cch.arc_count() || zy >= cch.arc_count()) {
                ++wrong;
                continue;
            }
            const double w = up ? metric.forward_weight()[c] : metric.backward_weight()[c];
            const double through = up ? metric.backward_weight()[zx] + metric.forward_weight()[zy]
                                      : metric.backward_weight()[zy] + metric.forward_weight()[zx];
            if (metric.second_arc(c, up) != zy || tail[zx] != tail[zy] || head[zx] != tail[c] || head[zy] != head[c] ||
                zy != cch.find_arc_after(zx, head[c]) || through != w)
                ++wrong;
        }
    CHECK(shortcuts > 0);
    CHECK(wrong == 0);
}

TEST_CASE("customization by chains equals node by node on random graphs, bit for bit") {
    // Chains of any width (the default takes only wide nodes, which small graphs lack), in slices
    // of 7 heads on odd seeds (several tasks a chain), on the graphs' times (zero-time and one-way
    // arcs, disconnected parts), their lengths, and whole units (ties everywhere: the middle
    // nodes' rule matters), with 1 and 2 threads.
    std::size_t chains = 0;
    for (std::uint64_t seed = 1; seed <= 50; ++seed) {
        INFO("seed ", seed);
        const std::uint32_t slice = seed % 2 == 1 ? 7 : routing::cch_chain_slice_arcs;
        REQUIRE(routing::set_cch_chains(true, 1, slice));
        const TestGraph t = random_graph(seed);
        const Cch cch(t.graph, t.x, t.y);
        chains += cch.chain_count();
        std::vector<double> rounded(t.graph.time_s.begin(), t.graph.time_s.end());
        for (auto& w : rounded) w = std::round(w);
        for (const auto* weight :
             std::array<const std::vector<double>*, 3>{&t.graph.time_s, &t.graph.length_m, &rounded}) {
            for (const int threads : {1, 2}) {
                INFO("threads ", threads);
                const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                                static_cast<std::size_t>(threads));
                routing::set_cch_chains(false, 1, slice);
                const CchMetric by_node(cch, *weight);
                routing::set_cch_chains(true, 1, slice);
                const CchMetric by_chain(cch, *weight);
                check_vias(cch, by_chain);
                CHECK(by_chain.forward_weight() == by_node.forward_weight());
                CHECK(by_chain.backward_weight() == by_node.backward_weight());
                CHECK(by_chain.forward_via() == by_node.forward_via());
                CHECK(by_chain.backward_via() == by_node.backward_via());
                CHECK(by_chain.forward_offset() == by_node.forward_offset());
                CHECK(by_chain.backward_offset() == by_node.backward_offset());
            }
        }
    }
    CHECK(chains >= 50);  // the graphs have chains to take together
    routing::set_cch_chains(true);
}

TEST_CASE("the query graph of a perfect customization, and one source for many targets, give run()'s answers") {
    // On random graphs (odd seeds: integer times, ties everywhere; zero-time arcs, one-way arcs,
    // disconnected parts), with the query graph the costs and paths are run()'s on the whole
    // hierarchy, bit for bit, and so are from_source() + to(); the query graph drops arcs.
    std::size_t kept = 0, all = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        INFO("seed ", seed);
        WholeAndPruned graphs(seed);
        auto& [t, cch, whole, pruned] = graphs;
        REQUIRE(pruned.pruned());
        CHECK_FALSE(whole.pruned());
        kept += pruned.query_arc_count(true) + pruned.query_arc_count(false);
        all += 2 * cch.arc_count();
        CHECK(whole.query_arc_count(true) == cch.arc_count());
        CchQuery a(whole), b(pruned), c(pruned);
        ShortestPathTree tree(t.graph);
        core::Rng rng(seed, core::Stream::person_attributes, 0xcc9);
        const auto n = static_cast<std::uint32_t>(t.graph.node_count());
        std::vector<std::uint32_t> pa, pb, pc;
        for (int i = 0; i < 6; ++i) {
            const std::uint32_t s = rng.below(n);
            tree.run(s, inf, t.graph.time_s.data());
            c.from_source(s);
            for (int j = 0; j < 30; ++j) {
                const std::uint32_t target = j == 0 ? s : rng.below(n);
                INFO("source ", s, " target ", target);
                const double ca = a.run(s, target), cb = b.run(s, target), cc = c.to(target);
                REQUIRE(close(ca, tree.time_s(target)));
                CHECK(cb == ca);
                CHECK(cc == ca);
                pa.clear(), pb.clear(), pc.clear();
                CHECK(a.path(pa) == (ca < inf));
                b.path(pb);
                c.path(pc);
                CHECK(pb == pa);
                CHECK(pc == pa);
            }
        }
        // The trees (with lengths) and many-to-many on the query graph: the same bits.
        const auto sums = whole.path_sums(t.graph.length_m), pruned_sums = pruned.path_sums(t.graph.length_m);
        CchManyToAll trees_a(whole), trees_b(pruned);
        CchOneToAll one_a(whole), one_b(pruned);
        std::vector<std::uint32_t> sources;
        for (int i = 0; i < 8; ++i) sources.push_back(rng.below(n));
        trees_a.run(sources, sums);
        trees_b.run(sources, pruned_sums);
        // The pruned metric's sums come in the query graph's order too; without them the trees
        // read the sums through the arcs' numbers, with the same result.
        CHECK(pruned_sums.query_backward.size() == pruned.query_arc_count(false));
        CHECK(pruned_sums.query_forward.size() == pruned.query_arc_count(true));
        CHECK(sums.query_backward.empty());
        auto by_arc = pruned_sums;
        by_arc.query_forward.clear(), by_arc.query_backward.clear();
        CchManyToAll trees_c(pruned);
        trees_c.run(sources, by_arc);
        one_a.run(sources[0]);
        one_b.run(sources[0]);
        CchManyToMany many_a(whole), many_b(pruned);
        many_a.set_targets(sources);
        many_b.set_targets(sources);
        std::vector<double> out_a(sources.size()), out_b(sources.size());
        std::size_t differ = 0;
        for (std::uint32_t v = 0; v < n; ++v) {
            for (std::size_t k = 0; k < sources.size(); ++k)
                differ += trees_a.cost(k, v) == trees_b.cost(k, v) && trees_a.value(k, v) == trees_b.value(k, v) &&
                                  trees_c.cost(k, v) == trees_b.cost(k, v) && trees_c.value(k, v) == trees_b.value(k, v)
                              ? 0
                              : 1;
            differ += one_a.cost(v) == one_b.cost(v) ? 0 : 1;
            if (v % 7 == 0) {
                many_a.run(v, out_a);
                many_b.run(v, out_b);
                differ += out_a == out_b ? 0 : 1;
            }
        }
        CHECK(differ == 0);
        // to() needs a source kept since the last run().
        b.run(0, 0);
        CHECK_THROWS_AS(b.to(0), std::logic_error);
        // A new customization drops the query graph.
        pruned.customize(t.graph.time_s);
        CHECK_FALSE(pruned.pruned());
    }
    // Upward arcs on no shortest path (here a fifth of these small graphs' arcs, both ways; 62 %
    // on bench_cch's 100,000-node grid) are dropped.
    CHECK(kept * 10 < all * 9);
}

TEST_CASE("sweeps restricted to a target set give the trees' costs and sums there, bit for bit") {
    // On random graphs (odd seeds: integer times, ties everywhere; zero-time arcs, one-way arcs,
    // disconnected parts), on the whole hierarchy and on the query graph (its sums by query arc and
    // by upward arc), with full and partial batches of sources: every target's cost and path sum
    // are CchManyToAll's. Target sets: a few nodes with repeats, one node, every node.
    std::size_t restricted = 0, sets = 0;
    for (std::uint64_t seed = 1; seed <= 30; ++seed) {
        INFO("seed ", seed);
        WholeAndPruned graphs(seed);
        auto& [t, cch, whole, pruned] = graphs;
        core::Rng rng(seed, core::Stream::person_attributes, 0xcd1);
        const auto n = static_cast<std::uint32_t>(t.graph.node_count());
        std::vector<std::vector<std::uint32_t>> target_sets(3);
        for (int k = 0; k < 12; ++k) target_sets[0].push_back(rng.below(n));
        target_sets[0].push_back(target_sets[0][3]);
        target_sets[1].push_back(rng.below(n));
        for (std::uint32_t v = 0; v < n; ++v) target_sets[2].push_back(v);
        const auto whole_sums = whole.path_sums(t.graph.length_m), pruned_sums = pruned.path_sums(t.graph.length_m);
        auto by_arc = pruned_sums;
        by_arc.query_forward.clear(), by_arc.query_backward.clear();
        const std::array<std::pair<const CchMetric*, const CchMetric::PathSums*>, 3> cases{
            {{&whole, &whole_sums}, {&pruned, &pruned_sums}, {&pruned, &by_arc}}};
        for (const auto& [metric, sums] : cases)
            for (const auto& targets : target_sets) {
                const routing::CchManyToTargets plain(*metric, targets), with_sums(*metric, targets, sums);
                REQUIRE(plain.target_count() == targets.size());
                CHECK(plain.rank_count() == with_sums.rank_count());
                CHECK(plain.rank_count() <= n);
                ++sets;
                restricted += plain.rank_count() < n;
                routing::CchManyToTargets::Sweep a(plain), b(with_sums);
                CchManyToAll trees(*metric), trees_sums(*metric);
                for (const std::size_t count : {CchManyToAll::batch, std::size_t{3}}) {
                    std::vector<std::uint32_t> from;
                    for (std::size_t i = 0; i < count; ++i) from.push_back(rng.below(n));
                    trees.run(from);
                    trees_sums.run(from, *sums);
                    a.run(from);
                    b.run(from);
                    REQUIRE(a.source_count() == count);
                    std::size_t differ = 0;
                    for (std::size_t i = 0; i < count; ++i)
                        for (std::size_t j = 0; j < targets.size(); ++j)
                            differ += a.cost(i, j) == trees.cost(i, targets[j]) &&
                                              b.cost(i, j) == trees_sums.cost(i, targets[j]) &&
                                              b.value(i, j) == trees_sums.value(i, targets[j])
                                          ? 0
                                          : 1;
                    CHECK(differ == 0);
                }
            }
        std::vector<std::uint32_t> none, too_many(CchManyToAll::batch + 1, 0);
        const routing::CchManyToTargets one(whole, target_sets[1]);
        routing::CchManyToTargets::Sweep sweep(one);
        CHECK_THROWS_AS(sweep.run(none), std::invalid_argument);
        CHECK_THROWS_AS(sweep.run(too_many), std::invalid_argument);
        const std::vector<std::uint32_t> outside{n};
        CHECK_THROWS_AS(routing::CchManyToTargets(whole, outside), std::invalid_argument);
    }
    // The few-node sets leave most ranks out.
    CHECK(restricted * 3 > sets * 2 - 30);
}

// On a grid, a target set in one corner selects that corner's ranks and the separators above it:
// far fewer than the grid's, with the trees' costs there.
TEST_CASE("a sweep restricted to a corner's targets reads a small part of a grid") {
    core::Rng rng(7, core::Stream::person_attributes, 0xcd2);
    const TestGraph t = random_grid(64, 64, rng);
    const Cch cch(t.graph, t.x, t.y);
    const CchMetric metric(cch, t.graph.time_s);
    std::vector<std::uint32_t> targets;
    for (std::uint32_t y = 0; y < 4; ++y)
        for (std::uint32_t x = 0; x < 4; ++x) targets.push_back(y * 64 + x);
    const routing::CchManyToTargets corner(metric, targets);
    CHECK(corner.rank_count() * 8 < cch.node_count());
    routing::CchManyToTargets::Sweep sweep(corner);
    CchManyToAll trees(metric);
    const std::vector<std::uint32_t> from{4095, 2080, 0};
    sweep.run(from);
    trees.run(from);
    for (std::size_t i = 0; i < from.size(); ++i)
        for (std::size_t j = 0; j < targets.size(); ++j) CHECK(sweep.cost(i, j) == trees.cost(i, targets[j]));
}

TEST_CASE("a bound at least the cost prunes the searches and keeps their answers, bit for bit") {
    // On random graphs (odd seeds: integer times and ties; zero-time arcs, one-way arcs,
    // disconnected parts), from_source() + to() with bounds give the costs and paths without
    // them: with each target's bound its cost exactly (the tightest; a rank at the bound is still
    // relaxed, as zero-time arcs need) or a little more, and the source's bound their largest; so
    // does run() with a bound, run()'s. A bound below the cost answers above it or unreached, as
    // the caller's cue to ask again.
    int tight = 0, low = 0;
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        INFO("seed ", seed);
        const TestGraph t = random_graph(seed, 60, 900);
        const Cch cch(t.graph, t.x, t.y);
        CchMetric metric(cch, t.graph.time_s);
        if (seed % 4 < 2) metric.prune_for_queries();
        CchQuery plain(metric), bounded(metric), once(metric);
        routing::StreetPathQuery street(metric), one_street(metric);
        core::Rng rng(seed, core::Stream::person_attributes, 0xcb1);
        const auto n = static_cast<std::uint32_t>(t.graph.node_count());
        std::vector<std::uint32_t> pa, pb;
        for (int i = 0; i < 6; ++i) {
            const std::uint32_t s = rng.below(n);
            std::vector<std::uint32_t> targets;
            std::vector<double> cost, bound;
            plain.from_source(s);
            for (int j = 0; j < 30; ++j) {
                const std::uint32_t target = j == 0 ? s : rng.below(n);
                const double c = plain.to(target);
                if (!(c < inf)) continue;
                targets.push_back(target);
                cost.push_back(c);
                bound.push_back(j % 3 == 0 ? c : c * (1 + 1e-3) + 0.5);
            }
            if (targets.empty()) continue;
            const double source_bound = *std::max_element(bound.begin(), bound.end());
            bounded.from_source(s, source_bound);
            street.from(s, source_bound);
            for (std::size_t k = 0; k < targets.size(); ++k) {
                INFO("source ", s, " target ", targets[k], " bound ", bound[k]);
                plain.from_source(s);
                const double c = plain.to(targets[k]);
                pa.clear(), pb.clear();
                plain.path(pa);
                CHECK(bounded.to(targets[k], bound[k]) == c);
                bounded.path(pb);
                CHECK(pb == pa);
                double time_s = 0, length_m = 0;
                REQUIRE(street.to_within(t.graph, targets[k], bound[k], time_s, length_m));
                CHECK(street.arcs() == pa);
                // One query with a bound: run()'s cost and path.
                const double whole = plain.run(s, targets[k]);
                pa.clear(), pb.clear();
                plain.path(pa);
                CHECK(once.run(s, targets[k], bound[k]) == whole);
                once.path(pb);
                CHECK(pb == pa);
                double once_time = 0, once_length = 0;
                REQUIRE(
                    one_street.run_within(metric, t.graph, s, targets[k], bound[k], once_time, once_length, nullptr));
                CHECK(one_street.arcs() == pa);
                tight += bound[k] == c;
                // Below the cost (a positive one): never an answer within the bound.
                if (cost[k] > 0) {
                    const double under = cost[k] * 0.5;
                    CHECK_FALSE(bounded.to(targets[k], under) <= under);
                    CHECK_FALSE(street.to_within(t.graph, targets[k], under, time_s, length_m));
                    CHECK_FALSE(once.run(s, targets[k], under) <= under);
                    CHECK_FALSE(
                        one_street.run_within(metric, t.graph, s, targets[k], under, time_s, length_m, nullptr));
                    ++low;
                }
            }
        }
    }
    CHECK(tight > 100);
    CHECK(low > 100);
}

TEST_CASE("labels give the queries' costs bit for bit, and the least-cost path's sum") {
    // Random graphs (one-way arcs, zero-time arcs, disconnected parts; odd seeds integer times
    // with ties everywhere), whole and pruned metrics: every cost from the labels is run()'s, the
    // source's side from a search, from forward labels, or (a symmetric metric) from the target
    // labels themselves; the path sum is the length of the query's path (within float rounding),
    // a least-time path.
    std::size_t symmetric_graphs = 0, checked = 0, same_path = 0, same_arcs = 0;
    const auto near = [](double a, double b) { return std::abs(a - b) <= 1e-6 * std::max(1.0, std::abs(b)); };
    for (std::uint64_t seed = 1; seed <= 40; ++seed) {
        INFO("seed ", seed);
        TestGraph t = random_graph(seed, 50, 800);
        if (seed % 4 == 0) {  // every arc both ways with its weight: a symmetric metric
            make_symmetric(t.graph);
        }
        // Where paths are unique (positive real weights), the sums are the query path's.
        const bool unique = seed % 2 == 0 && seed % 4 != 0;
        std::vector<double> weight = t.graph.time_s;
        core::Rng rng(seed, core::Stream::person_attributes, 0xcca);
        if (unique)
            for (auto& w : weight) w = 1 + rng.uniform();
        const Cch cch(t.graph, t.x, t.y);
        for (const bool prune : {false, true}) {
            CchMetric metric(cch, weight);
            if (prune) metric.prune_for_queries();
            const bool symmetric = CchLabels::symmetric(metric);
            CHECK(symmetric == (seed % 4 == 0));
            symmetric_graphs += symmetric;
            const auto sums = metric.path_sums(t.graph.length_m);
            const CchLabels to(metric, false), to_sums(metric, false, &sums), from_sums(metric, true, &sums);
            CHECK(CchLabels::entry_count(cch) * sizeof(double) == to.size_bytes());
            CHECK(to.source_side() == (symmetric ? &to : nullptr));  // never with sums, nor forward
            CHECK(to_sums.source_side() == nullptr);
            CHECK(from_sums.source_side() == nullptr);
            CHECK(CchLabels::entry_count(cch) * (sizeof(double) + sizeof(float)) == to_sums.size_bytes());
            CchLabelQuery by_search(to, nullptr), by_labels(to_sums, &from_sums), with_sums(to_sums, nullptr, &sums);
            std::optional<CchLabelQuery> itself;
            if (symmetric) itself.emplace(to, &to);
            CchQuery query(metric);
            ShortestPathTree tree(t.graph), shortest_length(t.graph);
            std::vector<double> tight(t.graph.arc_count());
            std::vector<std::uint32_t> path;
            const auto n = static_cast<std::uint32_t>(t.graph.node_count());
            for (int i = 0; i < 5; ++i) {
                const std::uint32_t s = rng.below(n);
                by_search.from_source(s), by_labels.from_source(s), with_sums.from_source(s);
                if (itself) itself->from_source(s);
                tree.run(s, inf, weight.data());
                for (std::uint32_t a = 0; a < t.graph.arc_count(); ++a) {
                    const double cu = tree.time_s(t.graph.tail[a]), cv = tree.time_s(t.graph.head[a]);
                    tight[a] = cu < inf && close(cu + weight[a], cv) ? t.graph.length_m[a] : inf;
                }
                shortest_length.run(s, inf, tight.data());
                for (int j = 0; j < 40; ++j) {
                    const std::uint32_t target = j == 0 ? s : rng.below(n);
                    INFO("prune ", prune, " source ", s, " target ", target);
                    const double c = query.run(s, target);
                    REQUIRE(close(c, tree.time_s(target)));
                    CHECK(by_search.to(target) == c);
                    CHECK(by_labels.to(target) == c);
                    CHECK(with_sums.to(target) == c);
                    if (itself) CHECK(itself->to(target) == c);
                    if (!(c < inf)) {
                        CHECK(std::isinf(by_labels.sum()));
                        std::vector<std::uint32_t> none;
                        CHECK_FALSE(by_labels.path(none));
                        CHECK(none.empty());
                        continue;
                    }
                    ++checked;
                    CHECK(near(by_labels.sum(), with_sums.sum()));
                    REQUIRE(shortest_length.reached(target));
                    CHECK((near(with_sums.sum(), shortest_length.time_s(target)) ||
                           with_sums.sum() > shortest_length.time_s(target)));
                    {
                        path.clear();
                        query.path(path);
                        double length = 0;
                        for (const auto a : path) length += t.graph.length_m[a];
                        if (unique) CHECK(near(with_sums.sum(), length));
                        same_path += near(with_sums.sum(), length);
                        // The labels' paths are the query's, arc for arc, the source's side from
                        // its search or from labels.
                        std::vector<std::uint32_t> p1, p2, p3;
                        by_search.to(target), by_labels.to(target);
                        CHECK(by_search.path(p1));
                        CHECK(by_labels.path(p2));
                        same_arcs += p1 == path && p2 == path;
                        if (itself) {
                            itself->to(target);
                            itself->path(p3);
                            same_arcs += p3 == path ? 0 : std::size_t{1} << 40;
                        }
                    }
                }
            }
            // Wrong pairings are refused.
            CHECK_THROWS_AS(CchLabelQuery(from_sums, nullptr, &sums), std::invalid_argument);
            CHECK_THROWS_AS(CchLabelQuery(to_sums, &to_sums), std::invalid_argument);
            CHECK_THROWS_AS(CchLabelQuery(to_sums, nullptr), std::invalid_argument);
            CchLabelQuery fresh(to, nullptr);
            CHECK_THROWS_AS(fresh.to(0), std::logic_error);
        }
    }
    CHECK(symmetric_graphs == 20);
    CHECK(checked > 2000);
    // The meeting is the query's (the lowest rank of least cost), so the path sums are its path's
    // lengths, ties included (it fails when the labels meet at the highest such rank).
    CHECK(same_path == checked);
    CHECK(same_arcs == checked);
}

TEST_CASE("labels with sums keep each node's upward search, entry for entry, bit for bit; so do swept sources") {
    // The reference: each rank's upward search written out here (ranks of its path from it up, a
    // head taking an arc's cost and sum where that is strictly less than its cost so far, the
    // path sum in doubles), against the labels built from the top down with their predecessors:
    // every cost, and every sum as a float, the same bits. Random graphs with one-way arcs, zero
    // times and disconnected parts, odd seeds whole times (ties everywhere, where the rule for the
    // predecessor decides the sum); whole and pruned metrics; both directions. Then the sources
    // that for_each_source sweeps give each target the cost, sum (unrounded, as the source's
    // search adds it) and path of a query whose source side is its search.
    std::size_t entries = 0, ties = 0, answers = 0;
    for (std::uint64_t seed = 1; seed <= 24; ++seed) {
        INFO("seed ", seed);
        TestGraph t = random_graph(seed, 50, 1200);
        std::vector<double> weight = t.graph.time_s;
        if (seed % 2 == 1)
            for (auto& w : weight) w = std::round(w / 30.0);
        const Cch cch(t.graph, t.x, t.y);
        const auto n = static_cast<std::uint32_t>(t.graph.node_count());
        for (const bool prune : {false, true}) {
            INFO("pruned ", prune);
            CchMetric metric(cch, weight);
            if (prune) metric.prune_for_queries();
            const auto sums = metric.path_sums(t.graph.length_m);
            for (const bool forward : {false, true}) {
                INFO("forward ", forward);
                const CchLabels labels(metric, forward, &sums);
                const auto arcs = metric.query_arcs(forward);
                const auto& by_query = forward ? sums.query_forward : sums.query_backward;
                const bool by_query_arc = metric.pruned() && by_query.size() == metric.query_arc_count(forward);
                const auto& by_up = forward ? sums.forward : sums.backward;
                std::vector<double> dist(n, inf), sum(n, inf);
                std::vector<std::uint32_t> path;
                bool same = true;
                for (std::uint32_t v = 0; v < n; ++v) {
                    path.clear();
                    for (std::uint32_t x = v; x != core::invalid_index; x = cch.elimination_parent()[x])
                        path.push_back(x);
                    dist[v] = 0, sum[v] = 0;
                    for (const auto x : path) {
                        if (!(dist[x] < inf)) continue;
                        for (std::uint32_t c = arcs.first[x]; c < arcs.first[x + 1]; ++c) {
                            const std::uint32_t h = arcs.head[c];
                            const double through = dist[x] + arcs.weight[c];
                            ties += through == dist[h] && through < inf;
                            if (through < dist[h]) {
                                dist[h] = through;
                                sum[h] = sum[x] + (by_query_arc ? by_query[c] : by_up[arcs.arc ? arcs.arc[c] : c]);
                            }
                        }
                    }
                    for (const auto x : path) {
                        const std::uint32_t i = labels.depth(x);
                        const float expect = dist[x] < inf ? static_cast<float>(sum[x]) : static_cast<float>(inf);
                        const float got = labels.sum(v, i);
                        same = same && labels.cost(v)[i] == dist[x] && std::memcmp(&got, &expect, sizeof got) == 0;
                        ++entries;
                        dist[x] = sum[x] = inf;
                    }
                }
                CHECK(same);
                if (forward) continue;
                // Sources swept (the forward labels with their sums), against their searches.
                CchLabelQuery searched(labels, nullptr, &sums);
                std::vector<std::uint32_t> targets;
                core::Rng pick(seed, core::Stream::person_attributes, 0xccb);
                for (int j = 0; j < 12; ++j) targets.push_back(pick.below(n));
                struct Answer {
                    std::vector<double> values;
                    std::vector<std::vector<std::uint32_t>> paths;
                };
                std::vector<Answer> swept(n), expected(n);
                std::vector<std::uint8_t> wanted(n, 0);
                for (std::uint32_t s = 0; s < n; s += 3) wanted[s] = 1;
                CchLabels to(metric, false, &sums);
                to.for_each_source(wanted, &sums, true, [&](CchLabelQuery& q, std::uint32_t s) {
                    for (const auto target : targets) {
                        swept[s].values.push_back(q.to(target));
                        swept[s].values.push_back(q.sum());
                        swept[s].paths.emplace_back();
                        q.path(swept[s].paths.back());
                    }
                });
                bool all = true;
                for (std::uint32_t s = 0; s < n; ++s) {
                    if (!wanted[s]) {
                        all = all && swept[s].values.empty();
                        continue;
                    }
                    searched.from_source(s);
                    for (const auto target : targets) {
                        expected[s].values.push_back(searched.to(target));
                        expected[s].values.push_back(searched.sum());
                        expected[s].paths.emplace_back();
                        searched.path(expected[s].paths.back());
                        answers += expected[s].values[expected[s].values.size() - 2] < inf;
                    }
                    all = all && swept[s].paths == expected[s].paths &&
                          std::memcmp(swept[s].values.data(), expected[s].values.data(),
                                      expected[s].values.size() * sizeof(double)) == 0 &&
                          swept[s].values.size() == expected[s].values.size();
                }
                CHECK(all);
            }
        }
    }
    CHECK(entries > 200000);
    CHECK(ties > 10000);
    CHECK(answers > 4000);
}

namespace {

// Every entry of two label sets of one hierarchy, bit for bit.
bool same_labels(const CchLabels& a, const CchLabels& b, std::size_t n) {
    for (std::uint32_t r = 0; r < n; ++r)
        if (a.depth(r) != b.depth(r) || !std::equal(a.cost(r), a.cost(r) + a.depth(r) + 1, b.cost(r))) return false;
    return true;
}

// A direction's query graph (CSR over ranks), the same in two metrics of one hierarchy.
bool same_query_arcs(const CchMetric& a, const CchMetric& b, bool forward) {
    const std::size_t n = a.cch().node_count(), arcs = a.query_arc_count(forward);
    if (b.query_arc_count(forward) != arcs || a.pruned() != b.pruned()) return false;
    const auto x = a.query_arcs(forward), y = b.query_arcs(forward);
    return std::equal(x.first, x.first + n + 1, y.first) && std::equal(x.head, x.head + arcs, y.head) &&
           std::equal(x.weight, x.weight + arcs, y.weight) && (x.arc == nullptr) == (y.arc == nullptr) &&
           (x.arc == nullptr || std::equal(x.arc, x.arc + arcs, y.arc));
}

}  // namespace

TEST_CASE("costs on the weights' grid are exact: trees, labels from the top down and queries agree bit for bit") {
    // weight_quantum by hand: weights summing to 3 (< 2^2) lie on a grid of 2^(2 - 52).
    const std::vector<double> three{1.0, 0.5, 1.5, inf, 0.0};
    CHECK(routing::weight_quantum(three) == std::ldexp(1.0, -50));
    CHECK(routing::weight_quantum(std::vector<double>{0.0, inf}) == 0.0);
    CHECK(routing::on_grid(0.1, 0.25) == 0.0);
    CHECK(routing::on_grid(0.2, 0.25) == 0.25);
    CHECK(routing::on_grid(inf, 0.25) == inf);
    CHECK(routing::on_grid(0.1, 0.0) == 0.1);
    std::size_t differ_before = 0;
    // Random graphs, and (seed 13) a 64 x 64 grid with one-way streets, whose ranks with subtrees
    // over 1,024 nodes the sweep below keeps.
    for (std::uint64_t seed = 1; seed <= 13; ++seed) {
        INFO("seed ", seed);
        core::Rng grid_rng(seed, core::Stream::person_attributes, 0xccd);
        const auto t = seed <= 12 ? random_graph(seed, 50, 1500) : random_grid(64, 64, grid_rng);
        const Cch cch(t.graph, t.x, t.y);
        for (const bool prune : {false, true}) {
            CchMetric metric(cch, t.graph.time_s);
            if (prune) metric.prune_for_queries();
            const double q = metric.quantum();
            // Every weight a whole number of q, within half a step of the arc's own.
            for (const double w : metric.forward_weight())
                if (w < inf) REQUIRE(std::fmod(w, q) == 0.0);
            for (std::uint32_t a = 0; a < t.graph.arc_count(); ++a)
                REQUIRE(std::abs(routing::on_grid(t.graph.time_s[a], q) - t.graph.time_s[a]) <= q / 2);
            // Labels from the top down (without sums) and by a search per node (with sums): the
            // same bits, entry for entry, both directions.
            const auto sums = metric.path_sums(t.graph.length_m);
            const auto n = cch.node_count();
            for (const bool forward : {false, true})
                CHECK(same_labels(CchLabels(metric, forward), CchLabels(metric, forward, &sums), n));
            // The forward labels swept, not kept (CchLabels::sweep: the ranks of subtrees over 1,024
            // nodes kept, on the larger of these graphs, the others on a path per task): the
            // wanted nodes' labels, once each, those built, bit for bit; a label query from them
            // answers as one from a search, path included.
            {
                CchLabels to(metric, false);
                const CchLabels from(metric, true);
                to.keep_other_index();
                core::Rng pick(seed, core::Stream::person_attributes, 0xccc);
                std::vector<std::uint8_t> wanted(n, 0);
                for (std::size_t v = 0; v < n; ++v) wanted[v] = pick.bernoulli(0.3);
                std::vector<int> seen(n, 0);
                std::vector<std::uint8_t> same(n, 0);
                std::vector<std::uint8_t> answers_agree(n, 1);
                tbb::enumerable_thread_specific<CchLabelQuery> by_label([&] { return CchLabelQuery(to, nullptr); });
                to.sweep(true, wanted, [&](std::uint32_t v, const double* label) {
                    ++seen[v];
                    const std::uint32_t r = cch.rank(v);
                    same[v] = std::equal(label, label + from.depth(r) + 1, from.cost(r));
                    auto& q = by_label.local();
                    CchLabelQuery search(to, nullptr);
                    q.from_label(v, label);
                    search.from_source(v);
                    std::vector<std::uint32_t> p1, p2;
                    for (std::uint32_t t = 0; t < n; t += 7) {
                        answers_agree[v] &= q.to(t) == search.to(t);
                        // And the same path, arc for arc (ties included).
                        p1.clear(), p2.clear();
                        answers_agree[v] &= q.path(p1) == search.path(p2) && p1 == p2;
                    }
                });
                for (std::size_t v = 0; v < n; ++v) {
                    REQUIRE(seen[v] == wanted[v]);
                    if (wanted[v]) REQUIRE(same[v]);
                    REQUIRE(answers_agree[v]);
                }
            }
            // A one-to-all tree and the queries: the same bits (before the grid, equal up to rounding).
            CchOneToAll phast(metric);
            CchQuery query(metric);
            core::Rng rng(seed, core::Stream::person_attributes, 0xccb);
            for (int i = 0; i < 4; ++i) {
                const auto s = static_cast<std::uint32_t>(rng.below(static_cast<std::uint32_t>(n)));
                phast.run(s);
                for (std::uint32_t v = 0; v < n; ++v) REQUIRE(phast.cost(v) == query.run(s, v));
            }
        }
        // Without the grid (the same graph with its times rounded to a float's and summed in
        // another order by the search), labels built from the top down would differ in the last
        // bits: shown by adding one path's weights both ways.
        double up = 0, down = 0;
        for (std::uint32_t a = 0; a < std::min<std::size_t>(t.graph.arc_count(), 40); ++a) up += t.graph.time_s[a];
        for (std::uint32_t a = static_cast<std::uint32_t>(std::min<std::size_t>(t.graph.arc_count(), 40)); a-- > 0;)
            down += t.graph.time_s[a];
        differ_before += up != down;
    }
    // Real-valued weights (the even seeds) do round differently in another order.
    CHECK(differ_before > 0);
}

TEST_CASE("labels built in the memory of others, and query graphs made again, are those built anew") {
    for (std::uint64_t seed = 21; seed <= 32; ++seed) {
        INFO("seed ", seed);
        const TestGraph t = random_graph(seed, 100, 1200);
        const Cch cch(t.graph, t.x, t.y);
        const std::size_t n = cch.node_count();
        core::Rng rng(seed, core::Stream::person_attributes, 0xcc9);
        std::vector<double> other = t.graph.time_s;
        for (auto& w : other) w = w * (0.5 + rng.uniform()) + rng.below(3);
        CchMetric first(cch, t.graph.time_s), second(cch, other);
        first.prune_for_queries();
        second.prune_for_queries();
        // Labels of the second metric in the first's memory (passed on, with its old values): the
        // same bits as fresh ones, in that very block.
        CchLabels a(first, false);
        const double* block = a.cost(0);
        const CchLabels fresh(second, false), passed(second, false, nullptr, a.take_storage());
        CHECK(passed.cost(0) == block);
        CHECK(same_labels(passed, fresh, n));
        // A block too small (another hierarchy's) goes; one too big is used in part.
        const TestGraph small = random_graph(seed + 100, 20, 40);
        const Cch small_cch(small.graph, small.x, small.y);
        const CchMetric small_metric(small_cch, small.graph.time_s);
        CchLabels tiny(small_metric, false), big(first, true);
        CHECK(same_labels(CchLabels(second, false, nullptr, tiny.take_storage()), fresh, n));
        CHECK(same_labels(CchLabels(second, false, nullptr, big.take_storage()), fresh, n));

        // One metric customized and pruned again and again, its true costs kept between rounds:
        // each round's query graph is a fresh metric's, and, the same weights again, in the same memory.
        CchMetric hour(cch, t.graph.time_s);
        CchMetric::PruneScratch kept;
        hour.prune_for_queries(&kept);
        CHECK(same_query_arcs(hour, first, true));
        CHECK(same_query_arcs(hour, first, false));
        CHECK(kept.forward.size() == cch.arc_count());  // the true costs, kept
        CHECK(kept.backward.size() == cch.arc_count());
        const double* costs = kept.forward.data();
        hour.customize(other);
        CHECK_FALSE(hour.pruned());  // customize() drops the query graph: all upward arcs again
        CHECK(hour.query_arc_count(true) == cch.arc_count());
        CHECK(hour.query_arcs(true).arc == nullptr);
        hour.prune_for_queries(&kept);
        CHECK(same_query_arcs(hour, second, true));
        CHECK(same_query_arcs(hour, second, false));
        // Its memory has room for the first's arcs now (it held them, or more since).
        const std::uint32_t* heads = hour.query_arcs(true).head;
        hour.customize(t.graph.time_s);
        hour.prune_for_queries(&kept);
        CHECK(same_query_arcs(hour, first, true));
        CHECK(same_query_arcs(hour, first, false));
        CHECK(kept.forward.data() == costs);
        CHECK(hour.query_arcs(true).head == heads);
        // And the queries on it answer as on the fresh metric.
        CchQuery on_hour(hour), on_first(first);
        for (int q = 0; q < 20; ++q) {
            const auto s = rng.below(static_cast<std::uint32_t>(n)), d = rng.below(static_cast<std::uint32_t>(n));
            CHECK(on_hour.run(s, d) == on_first.run(s, d));
        }
    }
}

TEST_CASE("CCH on degenerate graphs") {
    SUBCASE("no nodes") {
        const auto g = routing::make_graph(0, {}, {}, {}, {}, {});
        const Cch cch(g, std::vector<double>{}, std::vector<double>{});
        CHECK(cch.arc_count() == 0);
        const CchMetric metric(cch, g.time_s);
    }
    SUBCASE("no arcs, equal coordinates") {
        const auto g = routing::make_graph(3, {}, {}, {}, {}, {});
        const std::vector<double> x(3, 1.0), y(3, 1.0);
        const Cch cch(g, x, y);
        const CchMetric metric(cch, g.time_s);
        CchQuery q(metric);
        CHECK(q.run(0, 0) == 0);
        CHECK(q.run(0, 2) == inf);
    }
    SUBCASE("a path with equal coordinates and infinite arcs") {
        const auto g = routing::make_graph(4, {0, 1, 2, 3}, {1, 2, 3, 2}, {1, inf, 2, 0}, {1, 1, 1, 1}, {});
        const std::vector<double> x(4, 0.0), y(4, 0.0);
        const Cch cch(g, x, y);
        const CchMetric metric(cch, g.time_s);
        CchQuery q(metric);
        CHECK(q.run(0, 1) == 1);
        CHECK(q.run(0, 2) == inf);
        CHECK(q.run(2, 3) == 2);
        CHECK(q.run(3, 2) == 0);
    }
    SUBCASE("bad input") {
        const auto g = routing::make_graph(2, {0}, {1}, {-1}, {1}, {});
        const std::vector<double> x{0, 1}, y{0, 0};
        const Cch cch(g, x, y);
        CHECK_THROWS_AS(CchMetric(cch, g.time_s), std::invalid_argument);
        CHECK_THROWS_AS(CchMetric(cch, std::vector<double>{1, 2}), std::invalid_argument);
        CHECK_THROWS_AS(Cch(g, std::vector<std::uint32_t>{0, 0}), std::invalid_argument);
        CHECK_THROWS_AS(Cch(g, std::vector<double>{0}, y), std::invalid_argument);
    }
}

TEST_CASE("CCH customization after changing one arc equals a fresh build") {
    for (std::uint64_t seed = 101; seed <= 106; ++seed) {
        INFO("seed ", seed);
        const TestGraph t = random_graph(seed, 300, 1500);
        const auto order = routing::nested_dissection_order(t.graph, t.x, t.y);
        const Cch cch(t.graph, order);
        CchMetric metric(cch, t.graph.time_s);
        core::Rng rng(seed, core::Stream::person_attributes, 0xcc6);
        StreetGraph changed = t.graph;
        for (int round = 0; round < 3; ++round) {
            const std::uint32_t a = rng.below(static_cast<std::uint32_t>(changed.arc_count()));
            changed.time_s[a] = round == 0 ? 0.0 : round == 1 ? inf : changed.time_s[a] * 3 + 7;
            metric.customize(changed.time_s);
            const Cch fresh_cch(changed, t.x, t.y);
            const CchMetric fresh(fresh_cch, changed.time_s);
            CHECK(metric.forward_weight() == fresh.forward_weight());
            CHECK(metric.backward_weight() == fresh.backward_weight());
            check_metric(changed, cch, changed.time_s, rng);
        }
    }
}

TEST_CASE(
    "CCH customization and queries give the same bits with 1 and 2 threads, by chains and node by node, "
    "queries scalar and vector") {
    // A grid of 15,000 nodes has levels of many nodes and top separators with split tasks.
    core::Rng rng(7, core::Stream::person_attributes, 0xcc7);
    const TestGraph t = random_grid(150, 100, rng);
    const auto& g = t.graph;
    const auto n = static_cast<std::uint32_t>(g.node_count());
    const Cch cch(g, t.x, t.y);
    // The top separators are chains of wide nodes: customization by chains takes them together.
    CHECK(cch.chain_count() >= 4);
    // The query graph of perfect customization, both ways: kept arcs (by rank) and weights (its
    // triangles scalar, or eight at a time with AVX-512, where a tail has more than eight arcs
    // above: the same arcs and weights).
    const auto query_graph = [&](const CchMetric& m) {
        std::vector<std::uint32_t> arcs;
        std::vector<double> weights;
        for (const bool way : {true, false}) {
            const auto v = m.query_arcs(way);
            for (std::uint32_t c = 0; c < v.first[cch.node_count()]; ++c)
                arcs.push_back(v.arc[c]), arcs.push_back(v.head[c]), weights.push_back(v.weight[c]);
        }
        return std::pair{arcs, weights};
    };
    // Times as they are, and rounded to whole units (ties everywhere: the vias' rule matters).
    std::vector<double> rounded(g.time_s.begin(), g.time_s.end());
    for (auto& w : rounded) w = std::round(w);
    const bool simd = routing::set_cch_simd(true);
    if (!simd) MESSAGE("this processor has no AVX-512: only the scalar queries are compared, across threads");
    for (const auto* weight : std::array<const std::vector<double>*, 2>{&g.time_s, &rounded}) {
        std::pair<std::vector<std::uint32_t>, std::vector<double>> pruned_first;
        std::vector<double> forward, backward, costs;
        std::vector<std::uint32_t> forward_via, backward_via;
        std::vector<std::uint16_t> forward_offset, backward_offset;
        std::vector<std::vector<std::uint32_t>> paths;
        bool first = true;
        for (const bool vector : {false, true}) {
            if (vector && !simd) continue;
            REQUIRE(routing::set_cch_simd(vector) == vector);
            for (const auto& [threads, chains] : {std::pair{1, false}, {1, true}, {2, false}, {2, true}}) {
                INFO("vector ", vector, ", threads ", threads, ", chains ", chains);
                REQUIRE(routing::set_cch_chains(chains) == chains);
                const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                                static_cast<std::size_t>(threads));
                CchMetric pruned(cch, *weight);
                pruned.prune_for_queries();
                const CchMetric metric(cch, *weight);
                check_vias(cch, metric);
                // Paths and costs on the whole hierarchy and on the query graph.
                std::vector<std::vector<std::uint32_t>> p(40);
                std::vector<double> c(40);
                CchQuery whole(metric), kept(pruned);
                for (std::uint32_t i = 0; i < 20; ++i) {
                    c[i] = whole.run(i * 701 % n, i * 4099 % n);
                    whole.path(p[i]);
                    c[20 + i] = kept.run(i * 4099 % n, i * 701 % n);
                    kept.path(p[20 + i]);
                }
                if (first) {
                    pruned_first = query_graph(pruned);
                    forward = metric.forward_weight();
                    backward = metric.backward_weight();
                    forward_via = metric.forward_via();
                    backward_via = metric.backward_via();
                    forward_offset = metric.forward_offset();
                    backward_offset = metric.backward_offset();
                    paths = p;
                    costs = c;
                    first = false;
                } else {
                    CHECK(query_graph(pruned) == pruned_first);
                    CHECK(metric.forward_weight() == forward);
                    CHECK(metric.backward_weight() == backward);
                    CHECK(metric.forward_via() == forward_via);
                    CHECK(metric.backward_via() == backward_via);
                    CHECK(metric.forward_offset() == forward_offset);
                    CHECK(metric.backward_offset() == backward_offset);
                    CHECK(c == costs);
                    CHECK(p == paths);
                }
            }
        }
    }
    routing::set_cch_simd(simd);
    routing::set_cch_chains(true);
    core::Rng check_rng(7, core::Stream::person_attributes, 0xcc8);
    check_metric(g, cch, g.time_s, check_rng);
}

TEST_CASE("labels built on one thread and on two: the crown's branches in parallel give the same bits") {
    // A 90 x 90 grid: the ranks with subtrees of more than 1,024 ranks (the crown, built before
    // the small subtrees' tasks) form chains that branch (checked), whose parts are built in
    // parallel. Every label entry (and sum) the same bits with one thread and with two, and
    // label queries at two threads give CchQuery's costs.
    core::Rng rng(21, core::Stream::person_attributes, 0xc20);
    const TestGraph grid = random_grid(90, 90, rng);
    const auto& g = grid.graph;
    const auto n = static_cast<std::uint32_t>(g.node_count());
    const Cch cch(g, grid.x, grid.y);
    const auto& parent = cch.elimination_parent();
    std::vector<std::uint32_t> subtree(n, 1), crown_children(n, 0);
    for (std::uint32_t r = 0; r < n; ++r)
        if (parent[r] != core::invalid_index) subtree[parent[r]] += subtree[r];
    for (std::uint32_t r = 0; r < n; ++r)
        if (parent[r] != core::invalid_index && subtree[r] > 1024) ++crown_children[parent[r]];
    CHECK(std::count_if(crown_children.begin(), crown_children.end(), [](std::uint32_t k) { return k >= 2; }) >= 2);
    const CchMetric metric(cch, g.time_s);
    const auto sums = metric.path_sums(g.length_m);
    for (const bool forward : {false, true}) {
        INFO("forward ", forward);
        std::vector<double> costs[2];
        std::vector<float> label_sums[2];
        for (const int threads : {1, 2}) {
            const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                            static_cast<std::size_t>(threads));
            const CchLabels plain(metric, forward), with_sums(metric, forward, &sums);
            auto& c = costs[threads - 1];
            auto& s = label_sums[threads - 1];
            for (std::uint32_t r = 0; r < n; ++r)
                for (std::uint32_t i = 0; i <= plain.depth(r); ++i) {
                    c.push_back(plain.cost(r)[i]);
                    c.push_back(with_sums.cost(r)[i]);
                    s.push_back(with_sums.sum(r, i));
                }
            if (threads == 2 && !forward) {
                CchLabelQuery q(plain, nullptr);
                CchQuery query(metric);
                for (int k = 0; k < 200; ++k) {
                    const std::uint32_t from = rng.below(n), to = rng.below(n);
                    q.from_source(from);
                    CHECK(q.to(to) == query.run(from, to));
                }
            }
        }
        CHECK(costs[0] == costs[1]);
        CHECK(label_sums[0] == label_sums[1]);
    }
}

TEST_CASE("labels, label queries and upward searches with sums give the same bits, scalar and vector") {
    // A 60 x 40 grid (ranks with 16 and more upward arcs, well within the vector loops, which take
    // ranks of 8 and more, and queries with 16 and more common ancestors, where to()'s takes
    // over), one-way arcs, times real or whole (ties everywhere), whole and pruned metrics: every
    // label entry, sum, cost and path of the scalar loops, again with the vector ones.
    const bool simd = routing::set_cch_simd(true);
    if (!simd) MESSAGE("this processor has no AVX-512: the vector loops are not compared");
    for (const bool whole_times : {false, true}) {
        core::Rng rng(whole_times ? 11 : 12, core::Stream::person_attributes, 0xcc8);
        const TestGraph grid = random_grid(60, 40, rng, whole_times);
        const auto& g = grid.graph;
        const auto n = static_cast<std::uint32_t>(g.node_count());
        const Cch cch(g, grid.x, grid.y);
        for (const bool prune : {false, true}) {
            INFO("whole times ", whole_times, ", pruned ", prune);
            CchMetric metric(cch, g.time_s);
            if (prune) metric.prune_for_queries();
            const auto sums = metric.path_sums(g.length_m);
            struct Seen {
                std::vector<double> costs;
                std::vector<float> label_sums;
                std::vector<std::vector<std::uint32_t>> paths;
            };
            std::array<Seen, 2> seen;
            std::size_t wide = 0, deep = 0;  // ranks with 16 query arcs or more; queries with 16 common ancestors
            for (const bool vector : {false, true}) {
                if (vector && !simd) continue;
                REQUIRE(routing::set_cch_simd(vector) == vector);
                Seen& out = seen[vector ? 1 : 0];
                const CchLabels to(metric, false), to_sums(metric, false, &sums), from_sums(metric, true, &sums);
                for (std::uint32_t r = 0; r < n; ++r) {
                    for (const auto* l : {&to, &to_sums, &from_sums})
                        out.costs.insert(out.costs.end(), l->cost(r), l->cost(r) + to.depth(r) + 1);
                    for (const auto* l : {&to_sums, &from_sums})
                        for (std::uint32_t i = 0; i <= to.depth(r); ++i) out.label_sums.push_back(l->sum(r, i));
                    if (!vector)
                        for (const bool way : {true, false}) {
                            const auto arcs = metric.query_arcs(way);
                            wide += arcs.first[r + 1] - arcs.first[r] >= 16;
                        }
                }
                CchLabelQuery by_search(to, nullptr), with_sums(to_sums, nullptr, &sums),
                    by_labels(to_sums, &from_sums);
                CchManyToAll trees(metric);
                core::Rng pick(5, core::Stream::person_attributes, 0xcc9);
                for (int i = 0; i < 24; ++i) {
                    const std::uint32_t s = pick.below(n);
                    by_search.from_source(s), with_sums.from_source(s), by_labels.from_source(s);
                    const std::array<std::uint32_t, 1> source{s};
                    trees.run(source, sums);
                    for (int j = 0; j < 24; ++j) {
                        const std::uint32_t t = pick.below(n);
                        for (auto* q : {&by_search, &with_sums, &by_labels}) {
                            out.costs.push_back(q->to(t));
                            if (q != &by_search) out.costs.push_back(q->sum());
                            std::vector<std::uint32_t> p;
                            q->path(p);
                            out.paths.push_back(p);
                        }
                        out.costs.push_back(trees.cost(0, t));
                        out.costs.push_back(trees.value(0, t));
                        if (!vector) {
                            // The common ancestors: the lowest one's depth + 1 (none in two trees).
                            std::uint32_t a = cch.rank(s), b = cch.rank(t);
                            while (a != b) (a < b ? a : b) = cch.elimination_parent()[a < b ? a : b];
                            deep += a != core::invalid_index && to.depth(a) + 1 >= 16;
                        }
                    }
                }
                if (!vector) {
                    CHECK(wide > 100);
                    CHECK(deep > 400);
                }
            }
            if (!simd) continue;
            // Bit for bit (+0 and -0, equal as numbers, would differ here).
            const auto same_bits = [](const auto& a, const auto& b) {
                return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(a[0])) == 0;
            };
            CHECK(same_bits(seen[1].costs, seen[0].costs));
            CHECK(same_bits(seen[1].label_sums, seen[0].label_sums));
            CHECK(seen[1].paths == seen[0].paths);
        }
    }
    routing::set_cch_simd(simd);
}

TEST_CASE("one query object over several customizations of one hierarchy (the car's hours)") {
    // Two metrics of one Cch, as the day loop has the car's times of two hours; one query object
    // switches between them (StreetPathQuery, set_metric) and answers as a Dijkstra search on
    // each hour's times does: the same time to the bit, summed along the path in its order.
    for (std::uint64_t seed = 201; seed <= 206; ++seed) {
        INFO("seed ", seed);
        const TestGraph t = random_graph(seed, 200, 1200);
        const Cch cch(t.graph, t.x, t.y);
        core::Rng rng(seed, core::Stream::person_attributes, 0xcc7);
        std::vector<double> congested = t.graph.time_s;
        for (auto& w : congested)
            if (std::isfinite(w)) w = w * (1 + 3 * rng.uniform()) + (seed % 2 == 1 ? 0.0 : rng.uniform());
        const CchMetric free_flow(cch, t.graph.time_s), peak(cch, congested);
        routing::StreetPathQuery query(free_flow);
        ShortestPathTree tree(t.graph);
        const auto n = static_cast<std::uint32_t>(t.graph.node_count());
        int reached = 0;
        for (int k = 0; k < 300; ++k) {
            const std::uint32_t s = rng.below(n);
            const bool hour = k % 2 == 1;
            const std::vector<double>& w = hour ? congested : t.graph.time_s;
            tree.run(s, routing::unreachable, w.data());
            // Mostly a destination the search reached (random graphs have many unreachable pairs).
            std::uint32_t d = rng.below(n);
            for (int tries = 0; tries < 20 && k % 5 != 0 && !tree.reached(d); ++tries) d = rng.below(n);
            double time_s = 0, length_m = 0;
            const bool found = query.run(hour ? peak : free_flow, t.graph, s, d, time_s, length_m, w.data());
            REQUIRE(found == tree.reached(d));
            if (!found) continue;
            ++reached;
            CHECK(close(time_s, tree.time_s(d)));
            double sum = 0;
            for (const auto a : query.arcs()) sum += w[a];
            CHECK(sum == time_s);
            if (!query.arcs().empty()) {
                CHECK(t.graph.tail[query.arcs().front()] == s);
                CHECK(t.graph.head[query.arcs().back()] == d);
            }
        }
        CHECK(reached > 50);
    }
    // A metric of another hierarchy is refused.
    const TestGraph a = random_graph(207, 50, 100);
    const Cch c1(a.graph, a.x, a.y), c2(a.graph, a.x, a.y);
    const CchMetric m1(c1, a.graph.time_s), m2(c2, a.graph.time_s);
    CchQuery q(m1);
    CHECK_THROWS_AS(q.set_metric(m2), std::invalid_argument);
}

TEST_CASE("unpacking through a cache gives unpack()'s arcs, across customizations and a full arena") {
    // Every upward arc of finite weight, both ways, unpacked with the stack and through one cache,
    // on random graphs and a 64 x 64 grid whose unpackings fill the arena several times over:
    // first from the lowest arc up, then from the highest down (the long ones from the cache, the
    // last ones cached first); then the same metric customized again with other weights and
    // unpacked through the same cache from the highest arc down: the new customization's arcs,
    // none of the old one's cached unpackings.
    std::size_t long_ones = 0, arcs_unpacked = 0, changed = 0;
    for (std::uint64_t seed = 301; seed <= 306; ++seed) {
        INFO("seed ", seed);
        core::Rng rng(seed, core::Stream::person_attributes, 0xcc9);
        const TestGraph t = seed == 306 ? random_grid(64, 64, rng) : random_graph(seed, 300, 2000);
        const Cch cch(t.graph, t.x, t.y);
        CchMetric metric(cch, t.graph.time_s);
        routing::CchUnpackCache cache;
        std::vector<std::uint32_t> stack, by_stack, by_cache;
        std::vector<std::vector<std::uint32_t>> before(2 * cch.arc_count());
        const auto arcs = static_cast<std::uint32_t>(cch.arc_count());
        for (int round = 0; round < 3; ++round) {
            if (round == 2) {
                std::vector<double> other = t.graph.time_s;
                for (auto& w : other)
                    if (std::isfinite(w)) w = w * (1 + 3 * rng.uniform()) + rng.uniform();
                metric.customize(other);
            }
            for (std::uint32_t k = 0; k < arcs; ++k) {
                const std::uint32_t c = round == 0 ? k : arcs - 1 - k;
                for (const bool up : {true, false}) {
                    if (!((up ? metric.forward_weight() : metric.backward_weight())[c] < inf)) continue;
                    by_stack.clear(), by_cache.clear();
                    metric.unpack(c, up, by_stack, stack);
                    metric.unpack(c, up, by_cache, cache);
                    REQUIRE(by_cache == by_stack);
                    auto& old = before[2 * c + (up ? 1 : 0)];
                    if (round == 0) {
                        long_ones += by_stack.size() >= routing::CchUnpackCache::min_arcs;
                        arcs_unpacked += by_stack.size();
                        old = by_stack;
                    } else if (round == 2) {
                        changed += by_stack.size() >= routing::CchUnpackCache::min_arcs && old != by_stack;
                    }
                }
            }
        }
    }
    CHECK(long_ones > 1000);
    CHECK(arcs_unpacked > 4 * routing::CchUnpackCache::arena_arcs);
    CHECK(changed > 1000);
}

TEST_CASE("a query's two sides swapped answer the way back on a symmetric metric, bit for bit") {
    // Random graphs with every arc both ways at its weight (one-way, zero-time and zero-length
    // arcs among them; odd seeds integer times, ties everywhere), whole and pruned: from_source(s)
    // and to_whole(t) give run()'s cost; swapped, the cost and path of from_source(t) and
    // to_whole(s); swapped back, their own again.
    std::size_t checked = 0, with_path = 0;
    for (std::uint64_t seed = 1; seed <= 16; ++seed) {
        INFO("seed ", seed);
        TestGraph t = random_graph(seed, 50, 600);
        make_symmetric(t.graph);
        const auto& g = t.graph;
        const Cch cch(g, t.x, t.y);
        core::Rng rng(seed, core::Stream::person_attributes, 0xccb);
        for (const bool prune : {false, true}) {
            CchMetric metric(cch, g.time_s);
            if (prune) metric.prune_for_queries();
            REQUIRE(CchLabels::symmetric(metric));
            CchQuery a(metric), b(metric), fresh(metric);
            const auto n = static_cast<std::uint32_t>(g.node_count());
            for (int i = 0; i < 5; ++i) {
                const std::uint32_t s = rng.below(n);
                a.from_source(s);
                for (int j = 0; j < 20; ++j) {
                    const std::uint32_t target = j == 0 ? s : rng.below(n);
                    INFO("prune ", prune, " source ", s, " target ", target);
                    const double c = a.to_whole(target);
                    CHECK(c == fresh.run(s, target));
                    std::vector<std::uint32_t> out, out_again, back, back_fresh;
                    const bool found = a.path(out);
                    b.from_source(target);
                    const double cb = b.to_whole(s);
                    CHECK(a.swap_sides() == cb);
                    CHECK(a.cost() == cb);
                    CHECK(a.path(back) == b.path(back_fresh));
                    CHECK(back == back_fresh);
                    CHECK(a.swap_sides() == c);
                    CHECK(a.path(out_again) == found);
                    CHECK(out_again == out);
                    ++checked;
                    with_path += found && !out.empty();
                }
            }
            // Without a whole target side there is nothing to swap.
            a.from_source(0);
            a.to(0);
            CHECK_THROWS_AS(a.swap_sides(), std::logic_error);
        }
    }
    CHECK(checked == 16 * 2 * 5 * 20);
    CHECK(with_path > 300);
}

TEST_CASE(
    "where the arcs unpack into each other's reverse, a label path back is the path there reversed, twin for twin") {
    // Random graphs made street-like: every arc of random_graph a link both ways (two arcs, each
    // the other's twin, at one weight), so the metric is the same both ways. Where the hierarchy's
    // arcs unpack both ways into each other's reverse (CchMetric::unpacks_mirrored), the labels'
    // path from b to a is the path from a to b reversed, each arc replaced by its twin (the walk
    // and bike traces take the way back so: routing::trace_walk_bike_legs). A one-way arc (no
    // twin) leaves the metric unmirrored.
    std::size_t mirrored_graphs = 0, pairs = 0, with_path = 0;
    for (std::uint64_t seed = 1; seed <= 12; ++seed) {
        INFO("seed ", seed);
        const TestGraph r = random_graph(seed, 50, 200);
        std::vector<std::uint32_t> tail, head, link;
        std::vector<double> time, length;
        for (std::uint32_t a = 0; a < r.graph.arc_count(); ++a)
            for (const bool back : {false, true}) {
                tail.push_back(back ? r.graph.head[a] : r.graph.tail[a]);
                head.push_back(back ? r.graph.tail[a] : r.graph.head[a]);
                time.push_back(r.graph.time_s[a]);
                length.push_back(r.graph.length_m[a]);
                link.push_back(a);
            }
        const auto n = static_cast<std::uint32_t>(r.graph.node_count());
        const StreetGraph g = routing::make_graph(n, tail, head, time, length, link);
        const auto twin = routing::twin_arcs(g);
        const Cch cch(g, r.x, r.y);
        const CchMetric metric(cch, g.time_s);
        REQUIRE(CchLabels::symmetric(metric));
        // random_graph's own arcs, some one way: not mirrored.
        {
            const Cch one_way(r.graph, r.x, r.y);
            const CchMetric m(one_way, r.graph.time_s);
            CHECK_FALSE(m.unpacks_mirrored(routing::twin_arcs(r.graph)));
        }
        if (!metric.unpacks_mirrored(twin)) continue;
        ++mirrored_graphs;
        CchLabels labels(metric, false);
        std::vector<std::vector<std::vector<std::uint32_t>>> path(n, std::vector<std::vector<std::uint32_t>>(n));
        std::vector<std::vector<std::uint8_t>> found(n, std::vector<std::uint8_t>(n, 0));
        const std::vector<std::uint8_t> wanted(n, 1);
        labels.for_each_source(wanted, nullptr, true, [&](CchLabelQuery& q, std::uint32_t s) {
            for (std::uint32_t t = 0; t < n; ++t)
                if (q.to(t) < inf) found[s][t] = q.path(path[s][t]);
        });
        for (std::uint32_t a = 0; a < n; ++a)
            for (std::uint32_t b = a + 1; b < n; ++b) {
                INFO("from ", a, " to ", b);
                REQUIRE(found[a][b] == found[b][a]);
                std::vector<std::uint32_t> reversed;
                for (std::size_t i = path[a][b].size(); i-- > 0;) reversed.push_back(twin[path[a][b][i]]);
                CHECK(path[b][a] == reversed);
                ++pairs;
                with_path += !reversed.empty();
            }
    }
    CHECK(mirrored_graphs >= 6);
    CHECK(with_path > 10000);
    CHECK(pairs > 50000);
}
