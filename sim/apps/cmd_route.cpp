// flemsim route: answers a CSV of route queries (points, mode, departure) on a network folder.
#include <chrono>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "sim/apps/command.hpp"
#include "sim/network/network.hpp"
#include "sim/routing/batch.hpp"

namespace flemsim::apps {

namespace {

struct RouteCommandOptions {
    std::string network_dir, queries_file, scenario_file;
    double max_snap_m = routing::default_max_snap_m;
    CommonOptions common;  // --output (the CSV), --threads, --quiet
};

int run(const RouteCommandOptions& o) {
    const auto& c = o.common;
    // Speeds and transit weights come from a scenario when one is given (README: flemsim route).
    // Without one, the routing defaults of sim/scenario/params.hpp: the mean speeds, no
    // distance limit, and transit paths of least door-to-door time.
    const auto params = o.scenario_file.empty() ? scenario::RoutingParams{}
                                                : scenario::Params::from(load_scenario(o.scenario_file, c)).routing;
    const auto net = network::load_network(o.network_dir);
    const auto ctx = routing::build_routing(net, params);
    const auto queries = routing::read_route_queries(o.queries_file);
    const auto started = std::chrono::steady_clock::now();
    const auto answers = routing::answer_route_queries(ctx, queries, o.max_snap_m);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto out = c.output.empty() ? std::filesystem::path("routes.csv") : std::filesystem::path(c.output);
    routing::write_route_answers(out, queries, answers);
    std::size_t found = 0;
    for (const auto& a : answers) found += a.found;
    if (!c.quiet)
        fmt::print("{} queries, {} answered, in {:.3f} s ({:.0f} queries/s); wrote {}\n", queries.size(), found,
                   seconds, seconds > 0 ? static_cast<double>(queries.size()) / seconds : 0.0, out.string());
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
    cmd->add_option("--output,-o", c.output, "CSV to write (default routes.csv)");
    cmd->add_option("--threads,-j", c.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    cmd->add_flag("--quiet,-q", c.quiet, "Print only errors");
    cmd->footer("Example: flemsim route --network networks/flemingsberg --queries od.csv --output answers.csv");
    return {cmd, [o] { return with_thread_limit(worker_threads(o->common.threads), [&] { return run(*o); }); }};
}

}  // namespace flemsim::apps
