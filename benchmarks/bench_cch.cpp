// Customizable contraction hierarchies on a synthetic street grid: side x side crossings,
// 4-neighbour streets with random times of 10-100 s, one street in ten one-way, coordinates
// jittered by a tenth of the spacing. --shape K puts K nodes of degree 2 along every street (as
// the shape points of a real street graph; side is then chosen for about N nodes in all). A plain
// grid (K = 0) is the worst case for CCH: its separators have sqrt(N) nodes where a road network's
// have far fewer, so customization does O(N^1.5) triangles. Reports the phases (order, contraction,
// customization with 1 and 2 threads), one-to-one queries per second with and without path
// unpacking, PHAST one-to-all against ShortestPathTree::run (on the metric's grid of weights: the
// same costs to the bit), and a 100 x 100 many-to-many.
// --scalar keeps the scalar loops (queries' relaxation, customization's runs of triangles) where
// the processor has AVX-512; --node-by-node customizes node by node instead of by chains (and
// compares the two either way, unless --no-compare);
// --chain-min-arcs A takes chains of nodes with A upward arcs or more (32 by default);
// --customization-only stops after the customization; --threads 1,2,4,8 customizes with each of
// those thread counts (1,2 by default), for a scaling curve on a larger machine.
// Usage: bench_cch [N] [--queries Q] [--sources S] [--shape K] [--reps R] [--seed SEED] [--scalar] [--node-by-node]
// [--no-compare] [--chain-min-arcs A] [--customization-only] [--threads LIST]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/core.h>
#include <tbb/global_control.h>

#include "sim/core/rng.hpp"
#include "sim/routing/cch.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/street_cch.hpp"
#include "sim/routing/street_graph.hpp"

using namespace flemsim;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Peak resident memory of the process (VmHWM), in MiB.
double peak_rss_mib() {
    std::ifstream in("/proc/self/status");
    std::string key;
    while (in >> key) {
        if (key == "VmHWM:") {
            double kib = 0;
            in >> kib;
            return kib / 1024;
        }
        in.ignore(4096, '\n');
    }
    return 0;
}

// CPU time of the whole process: on a shared machine the wall time of a parallel phase says little
// without it.
double process_cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t requested = 1'000'000;
    int queries = 20'000, sources = 10, reps = 2;
    bool customization_only = false;
    bool compare = true;
    std::uint32_t shape = 0;
    std::uint64_t seed = 1;
    std::vector<int> thread_counts{1, 2};
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--queries" && i + 1 < argc) {
            queries = std::atoi(argv[++i]);
        } else if (arg == "--sources" && i + 1 < argc) {
            sources = std::atoi(argv[++i]);
        } else if (arg == "--shape" && i + 1 < argc) {
            shape = static_cast<std::uint32_t>(std::atoi(argv[++i]));
        } else if (arg == "--reps" && i + 1 < argc) {
            reps = std::max(1, std::atoi(argv[++i]));
        } else if (arg == "--scalar") {
            routing::set_cch_simd(false);
        } else if (arg == "--node-by-node") {
            routing::set_cch_chains(false);
        } else if (arg == "--chain-min-arcs" && i + 1 < argc) {
            routing::set_cch_chains(routing::cch_chains(), static_cast<std::uint32_t>(std::atoi(argv[++i])));
        } else if (arg == "--customization-only") {
            customization_only = true;
        } else if (arg == "--no-compare") {
            compare = false;
        } else if (arg == "--threads" && i + 1 < argc) {
            thread_counts.clear();
            std::string list = argv[++i];
            for (std::size_t at = 0; at <= list.size();) {
                const std::size_t comma = std::min(list.find(',', at), list.size());
                const int t = std::atoi(list.substr(at, comma - at).c_str());
                if (t < 1) {
                    fmt::print(stderr, "bench_cch: --threads takes thread counts like 1,2,4 (got '{}')\n", list);
                    return 2;
                }
                thread_counts.push_back(t);
                at = comma + 1;
            }
        } else if (arg == "--seed" && i + 1 < argc) {
            seed = std::strtoull(argv[++i], nullptr, 10);
        } else if (!arg.empty() && arg[0] != '-') {
            requested = std::strtoull(arg.c_str(), nullptr, 10);
        } else {
            fmt::print(stderr,
                       "usage: bench_cch [N] [--queries Q] [--sources S] [--shape K] [--reps R] [--seed SEED] "
                       "[--scalar] [--node-by-node] [--no-compare] [--chain-min-arcs A] [--customization-only] "
                       "[--threads LIST]\n");
            return 2;
        }
    }
    // Nodes: side^2 crossings and `shape` nodes along each of the ~2 side^2 streets.
    const auto side = static_cast<std::uint32_t>(std::max(
        2.0, std::round(std::sqrt(static_cast<double>(requested) / (1.0 + 2.0 * static_cast<double>(shape))))));
    const std::uint32_t crossings = side * side;

    core::Rng rng(seed, core::Stream::person_attributes, 0xbe);
    std::vector<double> x(crossings), y(crossings);
    for (std::uint32_t v = 0; v < crossings; ++v) {
        x[v] = v % side + 0.1 * (rng.uniform() - 0.5);
        y[v] = v / side + 0.1 * (rng.uniform() - 0.5);
    }
    std::vector<std::uint32_t> tail, head;
    std::vector<double> time, length;
    const auto street = [&](std::uint32_t u, std::uint32_t v) {
        const double t = (10 + 90 * rng.uniform()) / (shape + 1);
        const double r = rng.uniform();
        std::uint32_t from = u;
        for (std::uint32_t k = 0; k <= shape; ++k) {
            std::uint32_t to = v;
            if (k < shape) {
                to = static_cast<std::uint32_t>(x.size());
                const double f = (k + 1.0) / (shape + 1.0);
                x.push_back(x[u] + f * (x[v] - x[u]));
                y.push_back(y[u] + f * (y[v] - y[u]));
            }
            if (r >= 0.05) tail.push_back(from), head.push_back(to), time.push_back(t), length.push_back(100);
            if (r < 0.05 || r >= 0.1)
                tail.push_back(to), head.push_back(from), time.push_back(t), length.push_back(100);
            from = to;
        }
    };
    for (std::uint32_t v = 0; v < crossings; ++v) {
        if (v % side + 1 < side) street(v, v + 1);
        if (v + side < crossings) street(v, v + side);
    }
    const auto n = static_cast<std::uint32_t>(x.size());
    const auto graph = routing::make_graph(n, tail, head, time, length, {});
    fmt::print("loops: {}\n", routing::cch_simd() ? "AVX-512, eight arcs at a time" : "scalar");
    fmt::print("grid {} x {} with {} shape nodes per street: {} nodes, {} arcs\n", side, side, shape, n,
               graph.arc_count());

    auto t0 = Clock::now();
    const auto order = routing::nested_dissection_order(graph, x, y);
    fmt::print("order (nested dissection)    {:10.0f} ms\n", ms_since(t0));
    t0 = Clock::now();
    const routing::Cch cch(graph, order);
    fmt::print("contraction                  {:10.0f} ms\n", ms_since(t0));
    const double cch_mib = static_cast<double>(cch.arc_count()) * 12 / (1 << 20) +
                           static_cast<double>(n) * 20 / (1 << 20) +
                           static_cast<double>(graph.arc_count()) * 5 / (1 << 20) +
                           static_cast<double>(cch.chain_lower_count()) * 4 / (1 << 20);
    // Per upward arc and direction: a weight (8 bytes), a via (4) and its second arc's offset (2).
    const double metric_mib = static_cast<double>(cch.arc_count()) * 28 / (1 << 20);
    fmt::print("CCH: {} upward arcs ({:.2f} per node), {} triangles, {} levels, {} chains ({} lower neighbours)\n",
               cch.arc_count(), static_cast<double>(cch.arc_count()) / n, cch.triangle_count(), cch.level_count(),
               cch.chain_count(), cch.chain_lower_count());
    fmt::print("memory: structure {:.0f} MiB, per metric {:.0f} MiB\n", cch_mib, metric_mib);
    fmt::print("elimination tree: mean search space {:.0f} nodes, deepest {}\n",
               static_cast<double>(routing::CchLabels::entry_count(cch)) / n, cch.level_count());

    routing::CchMetric metric(cch);
    for (const int threads : thread_counts) {
        const tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                        static_cast<std::size_t>(threads));
        // A new metric: its columns in memory not used before (the first customization of each
        // metric of a run, as the day loop's hourly ones), made and customized.
        {
            double fresh = 1e300;
            for (int rep = 0; rep < reps; ++rep) {
                t0 = Clock::now();
                const routing::CchMetric made(cch, graph.time_s);
                fresh = std::min(fresh, ms_since(t0));
            }
            fmt::print("new metric, {} thread(s)      {:10.0f} ms (best of {})\n", threads, fresh, reps);
        }
        double best = 1e300, best_cpu = 0;
        for (int rep = 0; rep < reps; ++rep) {
            t0 = Clock::now();
            const double cpu0 = process_cpu_ms();
            metric.customize(graph.time_s);
            const double wall = ms_since(t0);
            if (wall < best) best = wall, best_cpu = process_cpu_ms() - cpu0;
        }
        fmt::print("customization, {} thread(s)   {:10.0f} ms (best of {}; {:.0f} ms CPU)\n", threads, best, reps,
                   best_cpu);
    }

    if (compare) {
        // The other customization order gives the same bits.
        const bool chains = routing::cch_chains();
        routing::set_cch_chains(!chains);
        const routing::CchMetric other(cch, graph.time_s);
        routing::set_cch_chains(chains);
        std::size_t differ = 0;
        for (std::size_t c = 0; c < cch.arc_count(); ++c)
            differ += metric.forward_weight()[c] != other.forward_weight()[c] ||
                      metric.backward_weight()[c] != other.backward_weight()[c] ||
                      metric.forward_via()[c] != other.forward_via()[c] ||
                      metric.backward_via()[c] != other.backward_via()[c];
        fmt::print("customization {}: {} of {} arcs differ from {}\n", chains ? "by chains" : "node by node", differ,
                   cch.arc_count(), chains ? "node by node" : "by chains");
        if (differ) return 1;
    }
    if (customization_only) return 0;
    std::vector<std::uint32_t> from(static_cast<std::size_t>(queries)), to(static_cast<std::size_t>(queries));
    for (int q = 0; q < queries; ++q) from[q] = rng.below(n), to[q] = rng.below(n);
    routing::CchMetric pruned(cch, graph.time_s);
    t0 = Clock::now();
    pruned.prune_for_queries();
    fmt::print("perfect customization and query graph {:6.0f} ms: {} forward and {} backward arcs of {}\n",
               ms_since(t0), pruned.query_arc_count(true), pruned.query_arc_count(false), cch.arc_count());
    {
        // An hourly metric's round, customized and pruned again (the gap's and replanning's hours),
        // with new blocks for the true costs each time, then with them kept (PruneScratch).
        routing::CchMetric hour(cch, graph.time_s);
        routing::CchMetric::PruneScratch kept;
        double fresh_ms = 1e300, kept_ms = 1e300;
        for (int round = 0; round < 3; ++round) {
            hour.customize(graph.time_s);
            t0 = Clock::now();
            hour.prune_for_queries();
            fresh_ms = std::min(fresh_ms, ms_since(t0));
            hour.customize(graph.time_s);
            t0 = Clock::now();
            hour.prune_for_queries(&kept);
            kept_ms = std::min(kept_ms, ms_since(t0));
        }
        const bool same = hour.query_arc_count(true) == pruned.query_arc_count(true) &&
                          hour.query_arc_count(false) == pruned.query_arc_count(false);
        fmt::print("query graph again (best of 3): {:.0f} ms with new blocks, {:.0f} ms with its memory kept{}\n",
                   fresh_ms, kept_ms, same ? "" : " (DIFFERENT query graphs)");
        if (!same) return 1;
    }
    {
        routing::CchQuery a(metric), b(pruned);
        std::vector<std::uint32_t> pa, pb;
        std::size_t differ = 0;
        t0 = Clock::now();
        double sum = 0;
        for (int q = 0; q < queries; ++q) sum += b.run(from[q], to[q]);
        const double pruned_ms = ms_since(t0);
        for (int q = 0; q < queries; ++q) {
            pa.clear(), pb.clear();
            const double ca = a.run(from[q], to[q]), cb = b.run(from[q], to[q]);
            a.path(pa), b.path(pb);
            differ += (ca == cb && pa == pb) ? 0 : 1;
        }
        fmt::print("one-to-one on the query graph: {:.0f} queries/s ({:.1f} us each); {} of {} answers differ\n",
                   queries / pruned_ms * 1e3, pruned_ms * 1e3 / queries, differ, queries);
        if (differ) return 1;
        (void)sum;
    }
    routing::CchQuery query(metric);
    double checksum = 0;
    t0 = Clock::now();
    for (int q = 0; q < queries; ++q) checksum += query.run(from[q], to[q]);
    const double plain_ms = ms_since(t0);
    std::vector<std::uint32_t> arcs;
    std::size_t arc_total = 0;
    t0 = Clock::now();
    for (int q = 0; q < queries; ++q) {
        query.run(from[q], to[q]);
        arcs.clear();
        query.path(arcs);
        arc_total += arcs.size();
    }
    const double path_ms = ms_since(t0);
    fmt::print(
        "one-to-one: {:.0f} queries/s ({:.1f} us each); with path unpacking {:.0f} queries/s ({:.1f} us, "
        "{:.0f} arcs per path)\n",
        queries / plain_ms * 1e3, plain_ms * 1e3 / queries, queries / path_ms * 1e3, path_ms * 1e3 / queries,
        static_cast<double>(arc_total) / queries);

    routing::CchOneToAll phast(metric);
    // Dijkstra on the weights as the metric holds them, rounded to its grid (weight_quantum): every
    // path's cost is then an exact sum there too, so the hierarchy's costs must equal Dijkstra's to
    // the bit. On the weights as given they may differ by up to half a grid step an arc, more than
    // any fixed relative tolerance allows on long paths of a large grid.
    routing::StreetGraph grid_graph = graph;
    for (auto& w : grid_graph.time_s) w = routing::on_grid(w, metric.quantum());
    routing::ShortestPathTree tree(grid_graph);
    double phast_ms = 0, dijkstra_ms = 0;
    std::size_t mismatches = 0;
    for (int s = 0; s < sources; ++s) {
        const std::uint32_t source = rng.below(n);
        t0 = Clock::now();
        phast.run(source);
        phast_ms += ms_since(t0);
        t0 = Clock::now();
        tree.run(source);
        dijkstra_ms += ms_since(t0);
        for (std::uint32_t v = 0; v < n; ++v) mismatches += phast.cost(v) == tree.time_s(v) ? 0 : 1;
        for (int q = 0; q < 100; ++q) {
            const std::uint32_t t = rng.below(n);
            mismatches += query.run(source, t) == tree.time_s(t) ? 0 : 1;
        }
    }
    fmt::print("one-to-all: PHAST {:.1f} ms, Dijkstra {:.1f} ms per source ({} sources; {} mismatches)\n",
               phast_ms / sources, dijkstra_ms / sources, sources, mismatches);

    // Batched PHAST: `batch` trees per sweep, checked against PHAST tree by tree.
    {
        constexpr std::size_t batch = routing::CchManyToAll::batch;
        routing::CchManyToAll batched(metric), batched_q(pruned);
        const int batches = std::max(1, sources / static_cast<int>(batch));
        std::vector<std::uint32_t> from(batch);
        double batched_ms = 0, batched_q_ms = 0;
        std::size_t batched_mismatches = 0;
        for (int b = 0; b < batches; ++b) {
            for (auto& s : from) s = rng.below(n);
            t0 = Clock::now();
            batched.run(from);
            batched_ms += ms_since(t0);
            t0 = Clock::now();
            batched_q.run(from);
            batched_q_ms += ms_since(t0);
            for (std::size_t i = 0; i < batch; ++i) {
                phast.run(from[i]);
                for (std::uint32_t v = 0; v < n; ++v)
                    batched_mismatches +=
                        batched.cost(i, v) == phast.cost(v) && batched_q.cost(i, v) == phast.cost(v) ? 0 : 1;
            }
        }
        const double per_tree = batched_ms / (batches * static_cast<double>(batch));
        const double per_tree_q = batched_q_ms / (batches * static_cast<double>(batch));
        fmt::print(
            "one-to-all, {} sources per sweep: {:.1f} ms per tree, {:.1f}x Dijkstra; on the query graph {:.1f} ms, "
            "{:.1f}x ({} trees; {} mismatches with PHAST)\n",
            batch, per_tree, dijkstra_ms / sources / per_tree, per_tree_q, dijkstra_ms / sources / per_tree_q,
            batches * batch, batched_mismatches);
    }

    // A zone table (the level of service's zone-to-zone times and lengths): about 1,000 targets
    // spread over the grid as zone centroids are, from each of them, by whole batched trees
    // against trees swept only over the targets and their ancestors (CchManyToTargets), both on
    // the query graph with lengths; checked cell by cell.
    {
        constexpr std::size_t batch = routing::CchManyToAll::batch;
        const auto step = static_cast<std::uint32_t>(std::max(1.0, std::round(side / std::sqrt(1000.0))));
        std::vector<std::uint32_t> centroids;
        for (std::uint32_t cy = step / 2; cy < side; cy += step)
            for (std::uint32_t cx = step / 2; cx < side; cx += step) centroids.push_back(cy * side + cx);
        const auto sums = pruned.path_sums(graph.length_m);
        const std::size_t z = centroids.size(), batches = std::min<std::size_t>((z + batch - 1) / batch, 16);
        routing::CchManyToAll whole(pruned);
        t0 = Clock::now();
        const routing::CchManyToTargets selected(pruned, centroids, &sums);
        const double select_ms = ms_since(t0);
        routing::CchManyToTargets::Sweep restricted(selected);
        double whole_ms = 0, restricted_ms = 0;
        std::size_t differ = 0;
        for (std::size_t b = 0; b < batches; ++b) {
            const std::size_t first = b * batch, count = std::min(batch, z - first);
            const std::span<const std::uint32_t> from(centroids.data() + first, count);
            t0 = Clock::now();
            whole.run(from, sums);
            whole_ms += ms_since(t0);
            t0 = Clock::now();
            restricted.run(from);
            restricted_ms += ms_since(t0);
            for (std::size_t k = 0; k < count; ++k)
                for (std::size_t j = 0; j < z; ++j)
                    differ += whole.cost(k, centroids[j]) == restricted.cost(k, j) &&
                                      whole.value(k, centroids[j]) == restricted.value(k, j)
                                  ? 0
                                  : 1;
        }
        fmt::print(
            "zone table, {} centroids: whole trees {:.1f} ms a batch of {}, restricted {:.2f} ms ({} of {} ranks, "
            "{} of {} arcs; selected in {:.0f} ms); the whole table {:.2f} against {:.2f} s on one thread ({} "
            "cells differ)\n",
            z, whole_ms / batches, batch, restricted_ms / batches, selected.rank_count(), n, selected.arc_count(),
            pruned.query_arc_count(false), select_ms, whole_ms / batches * ((z + batch - 1) / batch) / 1e3,
            (select_ms + restricted_ms / batches * ((z + batch - 1) / batch)) / 1e3, differ);
        if (differ) return 1;
    }

    // One origin, many destinations, with each path's time and length (the trips' level of
    // service): the origin's side once and each destination's query with its path unpacked, on
    // the query graph, against batched trees with their lengths (the lengths' path sums made
    // once per metric). Where the two costs cross is where trees pay for an origin.
    {
        constexpr std::size_t batch = routing::CchManyToAll::batch;
        constexpr int per_origin = 16;
        routing::StreetPathQuery one(pruned);
        const int origins = std::max(1, sources);
        double time_s = 0, length_m = 0, sink = 0;
        t0 = Clock::now();
        for (int o = 0; o < origins; ++o) {
            one.from(from[static_cast<std::size_t>(o)]);
            for (int k = 0; k < per_origin; ++k)
                if (one.to(graph, to[static_cast<std::size_t>((o * per_origin + k) % queries)], time_s, length_m))
                    sink += length_m;
        }
        const double to_us = ms_since(t0) * 1e3 / (origins * per_origin);
        t0 = Clock::now();
        const auto sums = pruned.path_sums(graph.length_m);
        const double sums_ms = ms_since(t0);
        routing::CchManyToAll trees(pruned);
        const int batches = std::max(1, origins / static_cast<int>(batch));
        std::vector<std::uint32_t> src(batch);
        t0 = Clock::now();
        for (int b = 0; b < batches; ++b) {
            for (std::size_t i = 0; i < batch; ++i) src[i] = from[(b * batch + i) % from.size()];
            trees.run(src, sums);
            sink += trees.value(0, to[0]);
        }
        const double tree_us = ms_since(t0) * 1e3 / (batches * static_cast<double>(batch));
        fmt::print(
            "one origin, {} destinations with lengths: {:.1f} us a destination (from + to, query graph); "
            "a tree with lengths {:.0f} us ({} per sweep; path sums {:.0f} ms once): trees pay from {:.0f} "
            "destinations an origin\n",
            per_origin, to_us, tree_us, batch, sums_ms, tree_us / to_us);
        (void)sink;
    }

    // Labels (every node's upward search kept): built once per metric, then each query is one pass
    // over the common ancestors; checked against CchQuery, cost and meeting's path sum.
    if (routing::CchLabels::entry_count(cch) <= (std::uint64_t{1} << 28)) {
        t0 = Clock::now();
        const routing::CchLabels labels(pruned, false);
        const double labels_ms = ms_since(t0);
        const auto sums = pruned.path_sums(graph.length_m);
        t0 = Clock::now();
        const routing::CchLabels with_sums(pruned, false, &sums);
        const double sums_ms = ms_since(t0);
        // Labels built again: in a new block, then in the memory of labels done with (CchLabels::Storage).
        double fresh_ms = 0, reused_ms = 0;
        {
            t0 = Clock::now();
            routing::CchLabels fresh(pruned, false);
            fresh_ms = ms_since(t0);
            t0 = Clock::now();
            const routing::CchLabels reused(pruned, false, nullptr, fresh.take_storage());
            reused_ms = ms_since(t0);
        }
        const bool symmetric = routing::CchLabels::symmetric(pruned);
        routing::CchLabelQuery by_search(labels, nullptr), by_sums(with_sums, nullptr, &sums);
        constexpr int per_origin = 16;
        const int origins = std::max(1, queries / per_origin);
        double sink = 0;
        t0 = Clock::now();
        for (int o = 0; o < origins; ++o) {
            by_search.from_source(from[static_cast<std::size_t>(o)]);
            for (int k = 0; k < per_origin; ++k) sink += by_search.to(to[static_cast<std::size_t>(o * per_origin + k)]);
        }
        const double to_us = ms_since(t0) * 1e3 / (origins * per_origin);
        std::vector<std::uint32_t> arcs;
        std::size_t arc_count = 0;
        t0 = Clock::now();
        for (int o = 0; o < origins; ++o) {
            by_search.from_source(from[static_cast<std::size_t>(o)]);
            for (int k = 0; k < per_origin; ++k) {
                by_search.to(to[static_cast<std::size_t>(o * per_origin + k)]);
                arcs.clear();
                by_search.path(arcs);
                arc_count += arcs.size();
            }
        }
        const double path_us = ms_since(t0) * 1e3 / (origins * per_origin);
        routing::CchQuery check(pruned);
        routing::StreetPathQuery path(pruned);
        std::size_t differ = 0, length_differ = 0, path_differ = 0;
        std::vector<std::uint32_t> query_arcs;
        for (int o = 0; o < origins; ++o) {
            by_search.from_source(from[static_cast<std::size_t>(o)]);
            by_sums.from_source(from[static_cast<std::size_t>(o)]);
            for (int k = 0; k < per_origin; ++k) {
                const std::uint32_t t = to[static_cast<std::size_t>(o * per_origin + k)];
                const double c = check.run(from[static_cast<std::size_t>(o)], t);
                double time_s = 0, length_m = 0;
                path.run(graph, from[static_cast<std::size_t>(o)], t, time_s, length_m);
                differ += by_search.to(t) != c || by_sums.to(t) != c;
                arcs.clear(), query_arcs.clear();
                by_search.path(arcs);
                check.path(query_arcs);
                path_differ += arcs != query_arcs;
                length_differ += c < 1e300 && std::abs(by_sums.sum() - length_m) > 1e-4 * length_m;
            }
        }
        fmt::print(
            "labels: {} entries ({:.0f} per node), built in {:.0f} ms ({:.0f} MiB), with lengths {:.0f} ms; "
            "{}symmetric; one origin, {} destinations: {:.2f} us a destination (the origin's search "
            "included), {:.2f} us with its path ({:.0f} arcs); {} of {} costs differ from the query's, {} lengths, "
            "{} paths\n",
            routing::CchLabels::entry_count(cch), static_cast<double>(routing::CchLabels::entry_count(cch)) / n,
            labels_ms, static_cast<double>(labels.size_bytes()) / (1 << 20), sums_ms, symmetric ? "" : "not ",
            per_origin, to_us, path_us, static_cast<double>(arc_count) / (origins * per_origin), differ,
            origins * per_origin, length_differ, path_differ);
        fmt::print("labels again: {:.0f} ms in a new block, {:.0f} ms in the memory of labels done with\n", fresh_ms,
                   reused_ms);
        (void)sink;
        if (differ || length_differ || path_differ) return 1;
    }

    std::vector<std::uint32_t> ms_sources(100), ms_targets(100);
    for (auto& s : ms_sources) s = rng.below(n);
    for (auto& t : ms_targets) t = rng.below(n);
    routing::CchManyToMany buckets(metric);
    std::vector<double> matrix(100 * 100);
    t0 = Clock::now();
    buckets.set_targets(ms_targets);
    const double bucket_ms = ms_since(t0);
    t0 = Clock::now();
    buckets.run(ms_sources, matrix);
    const double m2m_ms = ms_since(t0);
    std::size_t m2m_mismatches = 0;
    for (std::size_t i = 0; i < 100; i += 10)
        for (std::size_t j = 0; j < 100; ++j)
            m2m_mismatches += matrix[i * 100 + j] == query.run(ms_sources[i], ms_targets[j]) ? 0 : 1;
    fmt::print("many-to-many 100 x 100: {:.1f} ms ({:.1f} ms targets + {:.1f} ms sources; {} mismatches)\n",
               bucket_ms + m2m_ms, bucket_ms, m2m_ms, m2m_mismatches);
    fmt::print("peak memory {:.0f} MiB (checksum {:.0f})\n", peak_rss_mib(), checksum);
    return mismatches + m2m_mismatches == 0 ? 0 : 1;
}
