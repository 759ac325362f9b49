// flemsim route: answers a CSV of route queries (points, mode, departure) on a network folder.
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "sim/apps/command.hpp"
#include "sim/network/network.hpp"
#include "sim/routing/batch.hpp"

namespace flemsim::apps {

namespace {

struct RouteCommandOptions {
    std::string network_dir, queries_file, scenario_file, legs_file, window;
    double max_snap_m = routing::default_max_snap_m;
    CommonOptions common;  // --output (the CSV), --threads, --quiet
};

int run(const RouteCommandOptions& o) {
    const auto& c = o.common;
    // Speeds and transit weights come from a scenario when one is given (README: flemsim route).
    // Without one, the routing defaults of sim/scenario/params.hpp: the mean speeds, no
    // distance limit, and transit paths of least door-to-door time.
    const auto out = c.output.empty() ? std::filesystem::path("routes.csv") : std::filesystem::path(c.output);
    // The legs beside the answers: answers.csv gives answers.legs.csv.
    auto legs = std::filesystem::path(o.legs_file);
    if (legs.empty()) legs = std::filesystem::path(out).replace_extension().concat(".legs.csv");
    if (legs.lexically_normal() == out.lexically_normal())
        throw UsageError("--legs names the answers' file " + out.string() + ": choose another");
    const auto params = o.scenario_file.empty() ? scenario::RoutingParams{}
                                                : scenario::Params::from(load_scenario(o.scenario_file, c)).routing;
    const auto net = network::load_network(o.network_dir);
    const auto ctx = routing::build_routing(net, params);
    const auto queries = routing::read_route_queries(o.queries_file);
    const auto started = std::chrono::steady_clock::now();
    routing::RouteOptions options;
    options.max_snap_m = o.max_snap_m;
    if (!o.window.empty()) options.window_s = *routing::parse_departure_window(o.window);  // checked by CLI11
    const auto answers = routing::answer_route_queries(ctx, queries, options);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    routing::write_route_answers(out, queries, answers);
    routing::write_route_legs(legs, queries, answers, net);
    std::size_t found = 0, journeys = 0;
    for (const auto& a : answers.rows) {
        found += a.found && a.journey <= 1;
        journeys += a.found;
    }
    if (!c.quiet) {
        const std::string profile = options.window_s > 0 ? fmt::format(" ({} journeys)", journeys) : "";
        fmt::print("{} queries, {} answered{}, in {:.3f} s ({:.0f} queries/s); wrote {} and {}\n", queries.size(),
                   found, profile, seconds, seconds > 0 ? static_cast<double>(queries.size()) / seconds : 0.0,
                   out.string(), legs.string());
    }
    return exit_ok;
}

}  // namespace

Command add_route_command(CLI::App& app) {
    auto o = std::make_shared<RouteCommandOptions>();
    auto& c = o->common;
    auto* cmd = app.add_subcommand("route", "Answer a CSV of route queries (points, mode, departure)");
    cmd->add_option("--network", o->network_dir, "Network folder")->required();
    cmd->add_option("--queries", o->queries_file, "CSV: id,from_lat,from_lon,to_lat,to_lon,mode,departure")->required();
    cmd->add_option("--scenario", o->scenario_file, "Take speeds and transit weights from this scenario");
    cmd->add_option("--max-snap-m", o->max_snap_m,
                    "A point farther than this from the mode's network is answered found=0, with the reason "
                    "(default 500)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--departure-window", o->window,
                    "A profile: every Pareto journey (leaving later, arriving earlier, fewer transfers) leaving in "
                    "[departure, departure + DURATION], one row each, with journeys, min_travel_time_s and "
                    "median_travel_time_s over them; DURATION as 3600, 90s, 30m, 1h or 1h30m, at most 24h. "
                    "Without it, one answer per query")
        ->type_name("DURATION")
        ->check(CLI::Validator(
            [](const std::string& v) {
                if (routing::parse_departure_window(v)) return std::string();
                return "expected a duration such as 3600, 90s, 30m, 1h or 1h30m, above 0 and at most 24h, got '" + v +
                       "'";
            },
            "DURATION"));
    cmd->add_option("--output,-o", c.output, "CSV to write (default routes.csv)");
    cmd->add_option("--legs", o->legs_file,
                    "CSV of the answers' legs: id,journey,leg,kind,line,trip,from_stop,departure,to_stop,arrival,"
                    "walk_s,wait_s (default: the output's name with .legs.csv, e.g. answers.legs.csv)");
    cmd->add_option("--threads,-j", c.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    cmd->add_flag("--quiet,-q", c.quiet, "Print only errors");
    cmd->footer(
        "Answers: id,mode,found,depart,arrive,travel_time_s,distance_m,access_s,wait_s,in_vehicle_s,egress_s,"
        "transfers,lines,stops,snap_from_m,snap_to_m,reason. depart is when to leave the origin (transit: the latest "
        "that catches the first ride), arrive the arrival at the destination (HH:MM:SS); travel_time_s counts from "
        "the query's departure, its wait included. A transit query with no journey leaving within max_wait_s is "
        "found=0 with the reason. With --departure-window, a row per journey (journey, journeys after found; "
        "min_travel_time_s, median_travel_time_s after stops), its travel_time_s from its depart.\n"
        "Legs: the access walk, each ride (kind ride; seated: staying on the block's next trip) with its line, trip, "
        "stops and times, walks between stops, the egress walk; a walk, bike or car answer is one leg.\n"
        "Examples:\n"
        "  flemsim route --network networks/flemingsberg --queries od.csv --output answers.csv\n"
        "  flemsim route --network networks/city --queries od.csv --departure-window 1h --output profile.csv");
    return {cmd, [o] { return with_thread_limit(worker_threads(o->common.threads), [&] { return run(*o); }); }};
}

}  // namespace flemsim::apps
