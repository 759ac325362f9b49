// RAPTOR on a real city: an OpenStreetMap extract and GTFS feeds imported as `flemsim network
// build` does, footpaths of up to --transfer-m along the walk network, then one thread:
//  - earliest-arrival queries between random stops at random times in [--from-h, --to-h)
//    (median, 90th percentile and maximum of the time per query), and
//  - range queries over the hour from --range-h, from random stops (the profile of every
//    departure in the hour).
// The default hours suit the Porto Alegre pair of ../shared/data/gtfs: its city-bus feed runs
// from 11:00 to 17:00 only, so a morning query would wait for the first bus at noon.
// Usage: bench_raptor OSM DATE GTFS... [--queries N] [--ranges N] [--seed S] [--transfer-m M]
//        [--from-h H] [--to-h H] [--range-h H]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "sim/core/rng.hpp"
#include "sim/network/import/gtfs_import.hpp"
#include "sim/network/import/osm_import.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/raptor.hpp"
#include "sim/routing/street_graph.hpp"

using namespace flemsim;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// The thread's CPU time: on a shared machine the wall time of a query of a millisecond is
// mostly other processes' turns.
double cpu_ms() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[static_cast<std::size_t>(
        std::min<double>(static_cast<double>(v.size() - 1), q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> positional;
    int queries = 1000, ranges = 100;
    std::uint64_t seed = 1;
    double transfer_m = 400;
    int from_h = 12, to_h = 16, range_h = 13;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--queries" && i + 1 < argc)
            queries = std::atoi(argv[++i]);
        else if (a == "--ranges" && i + 1 < argc)
            ranges = std::atoi(argv[++i]);
        else if (a == "--seed" && i + 1 < argc)
            seed = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--transfer-m" && i + 1 < argc)
            transfer_m = std::atof(argv[++i]);
        else if (a == "--from-h" && i + 1 < argc)
            from_h = std::atoi(argv[++i]);
        else if (a == "--to-h" && i + 1 < argc)
            to_h = std::atoi(argv[++i]);
        else if (a == "--range-h" && i + 1 < argc)
            range_h = std::atoi(argv[++i]);
        else
            positional.push_back(a);
    }
    if (positional.size() < 3) {
        std::cerr << "usage: bench_raptor OSM DATE GTFS... [--queries N] [--ranges N] [--seed S] [--transfer-m M]\n";
        return 2;
    }

    auto t0 = Clock::now();
    network::Network net;
    network::import::OsmReport osm_report;
    network::import::import_osm(positional[0], {}, net, osm_report);
    for (std::size_t i = 2; i < positional.size(); ++i) {
        network::import::GtfsReport report;
        network::import::import_gtfs(positional[i], network::import::GtfsOptions{positional[1]}, net, report);
    }
    fmt::print("network: {} nodes, {} stops, {} lines, {} trips, {} headway intervals ({:.0f} ms to import)\n",
               net.node_count(), net.stop_count(), net.line_count(), net.trip_count(), net.headway_s.size(),
               ms_since(t0));

    // Footpaths between stops along the walk network, at 1.3 m/s.
    t0 = Clock::now();
    const auto walk = routing::build_street_graph(net, core::Mode::walk, 1.3);
    routing::ShortestPathTree tree(walk);
    routing::Footpaths footpaths;
    for (std::uint32_t s = 0; s < net.stop_count(); ++s) {
        tree.run(net.stop_node[s], transfer_m / 1.3 + 1);
        for (std::uint32_t t = 0; t < net.stop_count(); ++t) {
            const auto node = net.stop_node[t];
            if (t == s || !tree.reached(node) || tree.length_m(node) > transfer_m) continue;
            footpaths.to.push_back(t);
            footpaths.walk_s.push_back(static_cast<std::int32_t>(std::ceil(tree.time_s(node))));
        }
        footpaths.first.push_back(static_cast<std::uint32_t>(footpaths.to.size()));
    }
    const auto footpath_count = footpaths.to.size();
    const auto schedule = routing::build_schedule(net, std::move(footpaths), routing::ScheduleParams{120});
    std::size_t running = 0;
    for (std::uint32_t r = 0; r < schedule.route_count(); ++r)
        running += schedule.route_first_trip[r + 1] > schedule.route_first_trip[r];
    fmt::print("schedule: {} routes running, {} trips, {} stop times, {} footpaths ({:.0f} ms)\n", running,
               schedule.trip_count(), schedule.arrive_s.size(), footpath_count, ms_since(t0));

    // Stops that some route serves: the others have nothing to board.
    std::vector<std::uint32_t> served;
    for (std::uint32_t s = 0; s < schedule.stop_count(); ++s)
        if (schedule.stop_first_visit[s + 1] > schedule.stop_first_visit[s]) served.push_back(s);
    if (served.size() < 2) {
        std::cerr << "fewer than two stops served\n";
        return 1;
    }
    routing::Raptor raptor(schedule, routing::RaptorParams{5});
    core::Rng rng(seed, core::Stream::day_plan, 0);
    std::vector<routing::Journey> js;
    std::vector<double> times, cpu;
    std::size_t found = 0, journeys = 0;
    for (int q = -50; q < queries; ++q) {  // the first 50 warm up
        const auto o = served[rng.below(static_cast<std::uint32_t>(served.size()))];
        const auto d = served[rng.below(static_cast<std::uint32_t>(served.size()))];
        const std::int32_t dep =
            from_h * 3600 + static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>((to_h - from_h) * 3600)));
        const auto t = Clock::now();
        const auto c = cpu_ms();
        raptor.run({{o, 0}}, dep);
        raptor.journeys({{d, 0}}, dep, dep, js);
        if (q < 0) continue;
        cpu.push_back(cpu_ms() - c);
        times.push_back(ms_since(t));
        found += !js.empty();
        journeys += js.size();
    }
    fmt::print(
        "earliest arrival, {} queries ({:02}:00-{:02}:00, one thread): median {:.3f} ms, p90 {:.3f} ms, max {:.3f} ms "
        "(CPU: {:.3f}, {:.3f}, {:.3f} ms); {} with a journey, {:.2f} journeys each\n",
        queries, from_h, to_h, quantile(times, 0.5), quantile(times, 0.9), quantile(times, 1.0), quantile(cpu, 0.5),
        quantile(cpu, 0.9), quantile(cpu, 1.0), found,
        found ? static_cast<double>(journeys) / static_cast<double>(found) : 0.0);

    times.clear();
    cpu.clear();
    found = journeys = 0;
    for (int q = 0; q < ranges; ++q) {
        const auto o = served[rng.below(static_cast<std::uint32_t>(served.size()))];
        const auto d = served[rng.below(static_cast<std::uint32_t>(served.size()))];
        const auto t = Clock::now();
        const auto c = cpu_ms();
        raptor.run_range({{o, 0}}, range_h * 3600, (range_h + 1) * 3600);
        raptor.journeys({{d, 0}}, range_h * 3600, (range_h + 1) * 3600, js);
        cpu.push_back(cpu_ms() - c);
        times.push_back(ms_since(t));
        found += !js.empty();
        journeys += js.size();
    }
    fmt::print(
        "range {:02}:00-{:02}:00, {} queries: median {:.3f} ms, p90 {:.3f} ms, max {:.3f} ms (CPU: {:.3f}, {:.3f}, "
        "{:.3f} ms); {} with a journey, {:.2f} journeys each\n",
        range_h, range_h + 1, ranges, quantile(times, 0.5), quantile(times, 0.9), quantile(times, 1.0),
        quantile(cpu, 0.5), quantile(cpu, 0.9), quantile(cpu, 1.0), found,
        found ? static_cast<double>(journeys) / static_cast<double>(found) : 0.0);
    return 0;
}
