// flemsim: the command line. Thin: parses options, calls the pipeline, maps errors to
// exit codes (0 ok, 1 data or run error, 2 usage error, 3 a check that failed).
#include <unistd.h>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "sim/apps/mpi_sweep.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/text.hpp"
#include "sim/core/version.hpp"
#include "sim/network/import/gtfs_import.hpp"
#include "sim/network/import/osm_import.hpp"
#include "sim/network/import/zones.hpp"
#include "sim/network/patch.hpp"
#include "sim/network/write.hpp"
#include "sim/output/exports.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/pipeline/accessibility.hpp"
#include "sim/pipeline/calibrate.hpp"
#include "sim/pipeline/check.hpp"
#include "sim/pipeline/compare.hpp"
#include "sim/pipeline/html_report.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/pipeline/sweep.hpp"
#include "sim/report/modal_split.hpp"
#include "sim/routing/batch.hpp"
#include "sim/scenario/scenario.hpp"

namespace {

using namespace flemsim;

constexpr int exit_ok = 0;
constexpr int exit_data_error = 1;
constexpr int exit_usage = 2;
constexpr int exit_check_failed = 3;

struct Common {
    std::string output;
    std::optional<std::uint64_t> seed;
    std::optional<int> threads;
    std::vector<std::string> sets;
    bool quiet = false;
};

void add_common(CLI::App* app, Common& c, bool scenario_options) {
    app->add_option("--output,-o", c.output, "Folder for the outputs (default: <output.dir>/<scenario name>)");
    app->add_option("--threads,-j", c.threads, "Worker threads (0: all cores; default: the scenario's 'threads')")
        ->check(CLI::Range(0, 1024));
    if (scenario_options) {
        app->add_option("--seed,-s", c.seed, "Random seed (overrides the scenario's 'seed')");
        app->add_option("--set", c.sets, "Override a scenario key: --set key.path=value (repeatable)")
            ->type_name("KEY=VALUE");
    }
    app->add_flag("--quiet,-q", c.quiet, "Print only errors");
}

scenario::Scenario load(const std::string& file, const Common& c) {
    scenario::LoadOptions lo;
    lo.overrides = c.sets;
    if (c.seed) lo.overrides.push_back("seed=" + std::to_string(*c.seed));
    // --threads is not written into the scenario: the outputs must not depend on it.
    return scenario::load_scenario(file, lo);
}

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

int cmd_run(const std::string& file, const Common& c, bool require_target) {
    const auto s = load(file, c);
    pipeline::RunOptions o;
    o.output_dir = c.output;
    if (c.threads) o.threads = *c.threads;
    if (stderr_is_terminal() && !c.quiet)
        o.progress = [](const std::string& line) { std::cerr << "  " << line << "\n"; };
    const auto r = pipeline::run(s, o);
    if (!c.quiet) {
        std::cout << "flemsim " << core::program_version << " — scenario " << s.name << " (" << s.year << "), "
                  << r.persons << " persons, " << r.trips << " trips, " << r.threads_used << " threads\n";
        const auto& p = r.population;
        std::cout << "population: " << p.residents << " residents (" << p.resident_workers << " working, "
                  << p.resident_students << " studying), " << p.in_commuting_workers << " in-commuting workers, "
                  << p.in_commuting_students << " in-commuting students\n\n";
        std::cout << report::format_modal_split(r.split) << "\n";
        if (r.simulated) {
            std::cout << report::format_crowding(r.crowding) << "\n";
            std::cout << "Day-to-day loop\n" << report::format_iterations(r.iterations);
            std::cout << "wall time per day (s):";
            for (const double sec : r.iteration_seconds) std::printf(" %.2f", sec);
            std::cout << "\n\n";
        }
        if (r.fallback_tours > 0)
            std::cout << "note: " << r.fallback_tours
                      << " tours had no mode within the rules (no car, no bike, too far to walk, no transit path) and "
                         "took the first mode that reaches\n";
        double total = 0;
        for (const auto& t : r.timings) total += t.seconds;
        std::cout << "time:";
        for (const auto& t : r.timings) std::printf(" %s %.2f s;", t.stage.c_str(), t.seconds);
        std::printf(" total %.2f s\n", total);
        std::cout << "wrote " << r.trips_file.string() << "\n      " << r.report_file.string() << "\n";
    }
    return require_target && !r.split.target_met() ? exit_check_failed : exit_ok;
}

int cmd_validate(const std::string& file, const Common& c) {
    const auto s = load(file, c);
    const auto lines = pipeline::validate(s);
    if (!c.quiet) {
        for (const auto& l : lines) std::cout << "ok  " << l << "\n";
        std::cout << file << ": valid\n";
    }
    return exit_ok;
}

int cmd_report(const std::string& file, const Common& c, bool require_target) {
    const auto log = output::read_trip_log(file);
    auto split = report::compute_modal_split(log.trips, log.meta.distance_bands_km, log.meta.target_sustainable_share);
    split.scenario_name = log.meta.scenario_name;
    split.seed = log.meta.seed;
    report::Crowding crowding;
    if (log.has_simulation) {
        std::vector<std::string> lines, stops;
        for (const auto& l : log.lookups.lines) lines.push_back(l.name);
        for (const auto& st : log.lookups.stops) stops.push_back(st.name);
        crowding = report::compute_crowding(log.simulation.transit_load, lines, stops);
    }
    if (!c.quiet) {
        std::cout << "trip log " << file << " — written by flemsim " << log.meta.program_version << " at "
                  << log.meta.created_utc << "\n\n"
                  << report::format_modal_split(split);
        if (log.has_simulation)
            std::cout << "\n"
                      << report::format_crowding(crowding) << "\nDay-to-day loop\n"
                      << report::format_iterations(log.simulation.iterations);
    }
    if (!c.output.empty()) {
        std::filesystem::create_directories(c.output);
        const auto path = std::filesystem::path(c.output) / "modal_split.json";
        core::write_file_atomically(path, log.has_simulation
                                              ? report::modal_split_json(split, &crowding, &log.simulation.iterations)
                                              : report::modal_split_json(split));
        if (!c.quiet) std::cout << "wrote " << path.string() << "\n";
    }
    return require_target && !split.target_met() ? exit_check_failed : exit_ok;
}

struct BuildOptions {
    std::string osm, gtfs, service_date, bbox, center, zones, name;
    double radius_km = 0;
    double grid_m = 500;
    double max_stop_link_m = 300;
};

// "a,b" or "a,b,c,d" as numbers; a usage error otherwise.
std::vector<double> numbers(const std::string& text, std::size_t count, const std::string& option) {
    std::vector<double> out;
    try {
        for (const auto part : core::split(text, ',')) out.push_back(core::parse_double(part));
    } catch (const core::ParseError&) {
        out.clear();
    }
    if (out.size() != count)
        throw CLI::ValidationError(option, "expected " + std::to_string(count) + " numbers separated by commas");
    return out;
}

int cmd_network_build(const BuildOptions& b, const Common& c) {
    namespace imp = network::import;
    imp::OsmOptions osm;
    if (!b.bbox.empty()) {
        const auto v = numbers(b.bbox, 4, "--bbox");
        osm.area = imp::Area{v[0], v[1], v[2], v[3]};
    } else if (!b.center.empty()) {
        const auto v = numbers(b.center, 2, "--center");
        osm.area = imp::area_from_center(v[0], v[1], b.radius_km);
    }
    const auto say = [&](const std::string& line) {
        if (!c.quiet) std::cout << line << "\n";
    };
    network::Network net;
    imp::OsmReport osm_report;
    imp::import_osm(b.osm, osm, net, osm_report);
    if (!b.name.empty()) net.name = b.name;
    say("streets: " + std::to_string(osm_report.nodes) + " nodes, " + std::to_string(osm_report.links) + " links (" +
        std::to_string(osm_report.highway_ways) + " highway ways, " + std::to_string(osm_report.collapsed_nodes) +
        " degree-2 nodes folded)");
    const char* mode_names[3] = {"walk", "bike", "car"};
    for (int m = 0; m < 3; ++m)
        if (osm_report.dropped_links[m] > 0)
            say(std::string("  ") + mode_names[m] + ": " + std::to_string(osm_report.dropped_links[m]) +
                " links outside the largest connected part dropped for this mode");
    for (const auto& n : osm_report.notes) say("  " + n);
    if (!b.gtfs.empty()) {
        imp::GtfsOptions go;
        go.service_date = b.service_date;
        go.max_stop_link_m = b.max_stop_link_m;
        imp::GtfsReport gr;
        imp::import_gtfs(b.gtfs, go, net, gr);
        say("transit: " + std::to_string(gr.stops) + " stops, " + std::to_string(gr.lines) + " lines from " +
            std::to_string(gr.trips_on_date) + " trips on " + b.service_date + " (" +
            std::to_string(gr.stops_unlinked) + " stops too far from the streets)");
        for (const auto& n : gr.notes) say("  " + n);
    }
    std::vector<std::string> notes;
    const auto zones = b.zones.empty() ? imp::grid_zones(net, b.grid_m) : imp::read_zone_file(b.zones);
    imp::add_zones(net, zones, notes);
    say("zones: " + std::to_string(net.zone_count()) +
        (b.zones.empty() ? " grid cells of " + std::to_string(static_cast<int>(b.grid_m)) + " m" : " from " + b.zones));
    for (const auto& n : notes) say("  " + n);
    network::write_network(net, c.output);
    // What was written must load: the same checks as for any network.
    const auto loaded = network::load_network(c.output);
    say("wrote " + c.output + " (" + std::to_string(loaded.node_count()) + " nodes, " +
        std::to_string(loaded.link_count()) + " links, " + std::to_string(loaded.zone_count()) + " zones, " +
        std::to_string(loaded.stop_count()) + " stops, " + std::to_string(loaded.line_count()) + " lines)");
    return exit_ok;
}

int cmd_route(const std::string& network_dir, const std::string& queries_file, const std::string& scenario_file,
              const Common& c) {
    // Speeds and transit weights come from a scenario when one is given, else from the
    // defaults of scenarios/flemingsberg-2017.yaml's kind (README: flemsim route).
    scenario::Scenario s;
    if (!scenario_file.empty()) {
        s = load(scenario_file, c);
    } else {
        s.walk_speed_mps = 1.3;
        s.bike_speed_mps = 4.2;
        s.max_walk_trip_m = s.max_bike_trip_m = 1e9;
        s.max_access_walk_m = 1000;
        s.max_transfer_walk_m = 400;
        s.wait_factor = 0.5;
        s.max_wait_s = 1800;
        s.min_transfer_s = 120;
        s.base_terms.time_per_min = {-1, -1, -1, -1};
        s.base_terms.wait_per_min = -1.5;
        s.base_terms.access_egress_per_min = -2;
        s.base_terms.transfer = -5;
    }
    const auto net = network::load_network(network_dir);
    const auto ctx = routing::build_routing(net, s);
    const auto queries = routing::read_route_queries(queries_file);
    const auto started = std::chrono::steady_clock::now();
    const auto answers = routing::answer_route_queries(ctx, queries);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const auto out = c.output.empty() ? std::filesystem::path("routes.csv") : std::filesystem::path(c.output);
    routing::write_route_answers(out, queries, answers);
    std::size_t found = 0;
    for (const auto& a : answers) found += a.found;
    if (!c.quiet)
        std::printf("%zu queries, %zu answered, in %.3f s (%.0f queries/s); wrote %s\n", queries.size(), found, seconds,
                    seconds > 0 ? queries.size() / seconds : 0.0, out.string().c_str());
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "flemsim — agent-based mobility simulator: synthetic population, level of service, mode choice, "
        "HDF5 trip log and the modal split against the sustainable-share target."};
#ifdef FLEMSIM_HAVE_MPI
    app.set_version_flag("--version", std::string("flemsim ") + flemsim::core::program_version + " (with MPI)");
#else
    app.set_version_flag("--version", std::string("flemsim ") + flemsim::core::program_version);
#endif
    app.require_subcommand(1);
    app.footer(
        "Examples:\n"
        "  flemsim run scenarios/flemingsberg-2030.yaml\n"
        "  flemsim run scenarios/flemingsberg-2030.yaml --seed 7 --threads 2 --set population.scale=0.1\n"
        "  flemsim validate scenarios/flemingsberg-2050.yaml\n"
        "  flemsim report out/flemingsberg-2030/trips.h5\n"
        "Exit codes: 0 ok, 1 data or run error, 2 usage error, 3 a check that failed.");

    std::string scenario_file, trips_file;
    Common run_c, validate_c, report_c;
    bool run_require = false, report_require = false;

    auto* run =
        app.add_subcommand("run", "Run a scenario: population, level of service, mode choice, trip log, report");
    run->add_option("scenario", scenario_file, "Scenario file (YAML)")->required();
    add_common(run, run_c, true);
    run->add_flag("--require-target", run_require, "Exit with 3 when the sustainable share misses the target");
    run->footer(
        "Example: flemsim run scenarios/flemingsberg-2030.yaml --threads 2 --set modes.car.default_parking_sek=20");

    auto* validate = app.add_subcommand("validate", "Check a scenario and its network without running");
    validate->add_option("scenario", scenario_file, "Scenario file (YAML)")->required();
    add_common(validate, validate_c, true);
    validate->footer("Example: flemsim validate scenarios/flemingsberg-2050.yaml --set population.scale=2");

    auto* report = app.add_subcommand("report", "Recompute the modal split from a trip log alone");
    report->add_option("trips", trips_file, "Trip log (trips.h5)")->required();
    add_common(report, report_c, false);
    report->add_flag("--require-target", report_require, "Exit with 3 when the sustainable share misses the target");
    std::string report_html, report_scenario;
    report->add_option("--html", report_html, "Also write one self-contained HTML report to this file");
    report->add_option("--scenario", report_scenario,
                       "The scenario the run used: adds the network map and accessibility to the HTML report");
    report->footer(
        "Examples:\n  flemsim report out/flemingsberg-2030/trips.h5 --output /tmp/report\n"
        "  flemsim report out/flemingsberg-2030/trips.h5 --html report.html --scenario "
        "scenarios/flemingsberg-2030.yaml");

    auto* network = app.add_subcommand("network", "Build networks from outside data");
    network->require_subcommand(1);
    auto* build = network->add_subcommand("build", "Build a network folder from OpenStreetMap (and GTFS)");
    BuildOptions bo;
    Common build_c;
    build->add_option("--osm", bo.osm, "OpenStreetMap extract (.osm or .osm.pbf)")->required();
    build->add_option("--gtfs", bo.gtfs, "GTFS feed (.zip or folder)");
    build->add_option("--service-date", bo.service_date, "The day whose trips are imported (YYYY-MM-DD)");
    build->add_option("--bbox", bo.bbox, "Area: south,west,north,east in degrees")->type_name("S,W,N,E");
    build->add_option("--center", bo.center, "Area: centre LAT,LON (with --radius-km)")->type_name("LAT,LON");
    build->add_option("--radius-km", bo.radius_km, "Area: radius around --center")->check(CLI::PositiveNumber);
    build->add_option("--zones", bo.zones,
                      "Zone centroids: CSV (id,name,lat,lon[,residents,jobs,study_places,visits]) or GeoJSON points");
    build->add_option("--grid-m", bo.grid_m, "Without --zones: square zones of this size (m)")
        ->check(CLI::PositiveNumber);
    build->add_option("--max-stop-link-m", bo.max_stop_link_m, "Stops farther from the streets are left out (m)")
        ->check(CLI::PositiveNumber);
    build->add_option("--name", bo.name, "Name of the network");
    build->add_option("--output,-o", build_c.output, "Network folder to write")->required();
    build->add_option("--threads,-j", build_c.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    build->add_flag("--quiet,-q", build_c.quiet, "Print only errors");
    build->footer(
        "Examples:\n"
        "  flemsim network build --osm city.osm.pbf --center 59.338,18.070 --radius-km 1.5 --output networks/city\n"
        "  flemsim network build --osm city.osm --gtfs sl.zip --service-date 2026-11-26 --zones zones.csv -o "
        "networks/city");

    auto* route = app.add_subcommand("route", "Answer a CSV of route queries (points, mode, departure)");
    std::string route_network, route_queries, route_scenario;
    Common route_c;
    route->add_option("--network", route_network, "Network folder")->required();
    route->add_option("--queries", route_queries, "CSV: id,from_lat,from_lon,to_lat,to_lon,mode,departure")->required();
    route->add_option("--scenario", route_scenario, "Take speeds and transit weights from this scenario");
    route->add_option("--output,-o", route_c.output, "CSV to write (default routes.csv)");
    route->add_option("--threads,-j", route_c.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    route->add_flag("--quiet,-q", route_c.quiet, "Print only errors");
    route->footer("Example: flemsim route --network networks/flemingsberg --queries od.csv --output answers.csv");

    auto* check =
        app.add_subcommand("check", "Regression check: run the benchmark scenarios, compare with expectations");
    std::string check_file = "benchmarks/scenarios/expectations.yaml";
    bool check_update = false, check_all = false;
    Common check_c;
    check->add_option("--expectations", check_file, "Expectations (YAML)")->capture_default_str();
    check->add_flag("--update", check_update, "Rewrite the expected values (tolerances are kept)");
    check->add_flag("--all", check_all, "Show every check, not only those that moved");
    check->add_option("--threads,-j", check_c.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    check->add_flag("--quiet,-q", check_c.quiet, "Print only what moved");
    check->footer("Exit code 3 when a result moved beyond its tolerance.\nExample: flemsim check --all");

    auto* sweep_cmd = app.add_subcommand("sweep", "Run a sweep: base scenarios x overrides x seeds, resumable");
    std::string sweep_file, slurm_file;
    int sweep_jobs = 1;
    std::size_t sweep_number = 0;
    bool sweep_collect = false;
    Common sweep_c;
    sweep_cmd->add_option("sweep", sweep_file, "Sweep file (YAML)")->required();
    sweep_cmd->add_option("--jobs", sweep_jobs, "Runs at a time on this machine")->check(CLI::Range(1, 1024));
    sweep_cmd->add_option("--threads,-j", sweep_c.threads, "Threads per run (0: cores / jobs)")
        ->check(CLI::Range(0, 1024));
    sweep_cmd->add_option("--output,-o", sweep_c.output, "Folder of the sweep (default: the sweep's 'output')");
    sweep_cmd->add_option("--run-number", sweep_number, "Execute only this run (1-based; for array jobs)");
    sweep_cmd->add_flag("--collect", sweep_collect, "Execute nothing; gather the results present into the summary");
    sweep_cmd->add_option("--slurm", slurm_file, "Write a Slurm array job script for the sweep and exit");
    sweep_cmd->add_flag("--quiet,-q", sweep_c.quiet, "Print only errors");
    sweep_cmd->footer(
        "Runs that completed (runs/<id>/done.json) are skipped when the sweep is started again.\n"
        "Examples:\n  flemsim sweep sweeps/parking.yaml --jobs 2\n  flemsim sweep sweeps/parking.yaml --slurm "
        "parking.sbatch");

    auto* export_cmd =
        app.add_subcommand("export", "Export a trip log: MATSim output_trips.csv, link volumes as GeoJSON");
    std::string export_trips, export_network, export_scenario;
    Common export_c;
    export_cmd->add_option("trips", export_trips, "Trip log (trips.h5)")->required();
    auto* export_net_opt = export_cmd->add_option("--network", export_network, "The network folder the run used");
    auto* export_scn_opt = export_cmd->add_option("--scenario", export_scenario,
                                                  "The scenario the run used (needed when it patches its network)");
    export_net_opt->excludes(export_scn_opt);
    export_scn_opt->excludes(export_net_opt);
    export_cmd->add_option("--output,-o", export_c.output, "Folder to write (default: beside the trip log)");
    export_cmd->add_flag("--quiet,-q", export_c.quiet, "Print only errors");
    export_cmd->footer(
        "Examples:\n  flemsim export out/flemingsberg-2030/trips.h5 --network networks/flemingsberg\n"
        "  flemsim export out/flemingsberg-2030-sparvag-syd/trips.h5 --scenario "
        "scenarios/options/2030-sparvag-syd.yaml");

    auto* skims_cmd = app.add_subcommand("skims", "Zone-to-zone skims (OMX) and accessibility of a scenario");
    std::string skims_scenario, skims_time = "08:00:00", skims_centre;
    Common skims_c;
    skims_cmd->add_option("scenario", skims_scenario, "Scenario file (YAML)")->required();
    skims_cmd->add_option("--time", skims_time, "Time of day of the level of service")->capture_default_str();
    skims_cmd->add_option("--centre", skims_centre, "Zone of the centre (default: the study zone with most jobs)");
    add_common(skims_cmd, skims_c, true);
    skims_cmd->footer(
        "Writes skims.omx, accessibility.csv and catchment.csv.\n"
        "Example: flemsim skims scenarios/flemingsberg-2030.yaml --centre station_core --output out/skims");

    auto* calibrate_cmd =
        app.add_subcommand("calibrate", "Calibrate the mode constants to the scenario's calibration.targets");
    std::string calibrate_scenario;
    Common calibrate_c;
    calibrate_cmd->add_option("scenario", calibrate_scenario, "Scenario file with calibration.targets")->required();
    add_common(calibrate_cmd, calibrate_c, true);
    calibrate_cmd->footer(
        "Writes the constants as a YAML fragment (--output FILE, default calibrated.yaml) that scenarios\n"
        "take with `include: [FILE]`. Exit code 3 when the targets were not reached.\n"
        "Example: flemsim calibrate scenarios/flemingsberg-2017.yaml --output scenarios/calibrated-2017.yaml");

    auto* compare_cmd = app.add_subcommand(
        "compare", "Run a base scenario and options over several seeds and compare them side by side");
    std::vector<std::string> compare_files;
    std::size_t compare_seeds = 3;
    int compare_jobs = 1;
    Common compare_c;
    compare_cmd->add_option("scenarios", compare_files, "The base scenario, then the options (YAML)")
        ->required()
        ->expected(1, -1);
    compare_cmd->add_option("--seeds", compare_seeds, "Replications per scenario (the same seeds for all)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    compare_cmd->add_option("--jobs", compare_jobs, "Runs at a time on this machine")->check(CLI::Range(1, 1024));
    bool compare_html = false;
    compare_cmd->add_flag("--html", compare_html, "Also write compare.html, one self-contained page");
    add_common(compare_cmd, compare_c, true);
    compare_cmd->footer(
        "Seeds run from --seed (default: the base scenario's seed) upward. Writes compare.txt, compare.json\n"
        "and compare.csv (every metric: mean, 95 % interval, paired difference to the base) and the runs\n"
        "under --output (default out/compare).\n"
        "Example: flemsim compare scenarios/flemingsberg-2030.yaml scenarios/options/2030-sparvag-syd.yaml \\\n"
        "           scenarios/options/2030-station-bridge.yaml --seeds 5 --jobs 2 --output out/compare");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_ok : exit_usage;
    }

    try {
        if (*run) return cmd_run(scenario_file, run_c, run_require);
        if (*validate) return cmd_validate(scenario_file, validate_c);
        if (*report) {
            if (!report_scenario.empty() && report_html.empty()) {
                std::cerr << "error: --scenario is for the HTML report: give --html FILE too\n";
                return exit_usage;
            }
            const int code = cmd_report(trips_file, report_c, report_require);
            if (!report_html.empty()) {
                const auto log = output::read_trip_log(trips_file);
                pipeline::HtmlReportInputs in;
                in.log = &log;
                in.title = "flemsim report: " + log.meta.scenario_name;
                std::optional<network::Network> net;
                std::optional<pipeline::Accessibility> acc;
                if (!report_scenario.empty()) {
                    const auto sc = scenario::load_scenario(report_scenario);
                    net = network::load_scenario_network(sc);
                    output::check_same_network(log, *net);
                    // Accessibility at 08:00, with its skims beside the page.
                    const auto dir = std::filesystem::path(report_html).parent_path() / "skims";
                    acc = pipeline::write_skims_and_accessibility(sc, dir, 8 * 3600, "",
                                                                  report_c.threads ? *report_c.threads : 0);
                    in.net = &*net;
                    in.accessibility = &*acc;
                }
                if (const auto parent = std::filesystem::path(report_html).parent_path(); !parent.empty())
                    std::filesystem::create_directories(parent);
                core::write_file_atomically(report_html, pipeline::html_report(in));
                if (!report_c.quiet) std::cout << "wrote " << report_html << "\n";
            }
            return code;
        }
        const auto with_threads = [](const Common& c, auto&& f) {
            const int t = c.threads && *c.threads > 0 ? *c.threads : tbb::info::default_concurrency();
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(t));
            return f();
        };
        if (*build) {
            if (!bo.gtfs.empty() && bo.service_date.empty()) {
                std::cerr << "error: --gtfs needs --service-date YYYY-MM-DD\n";
                return exit_usage;
            }
            if (!bo.center.empty() && bo.radius_km <= 0) {
                std::cerr << "error: --center needs --radius-km\n";
                return exit_usage;
            }
            return with_threads(build_c, [&] { return cmd_network_build(bo, build_c); });
        }
        if (*calibrate_cmd) {
            std::vector<std::string> sets = calibrate_c.sets;
            if (calibrate_c.seed) sets.push_back("seed=" + std::to_string(*calibrate_c.seed));
            const auto result = pipeline::calibrate(
                calibrate_scenario, sets, calibrate_c.threads ? *calibrate_c.threads : 0, [&](const std::string& line) {
                    if (!calibrate_c.quiet) std::cout << line << "\n";
                });
            const auto path = calibrate_c.output.empty() ? std::filesystem::path("calibrated.yaml")
                                                         : std::filesystem::path(calibrate_c.output);
            core::write_file_atomically(path, result.fragment);
            if (!calibrate_c.quiet)
                std::cout << (result.reached ? "targets reached" : "targets NOT reached") << " in "
                          << result.rounds.size() << " rounds; wrote " << path.string() << "\n";
            return result.reached ? exit_ok : exit_check_failed;
        }
        if (*skims_cmd) {
            const auto sc = load(skims_scenario, skims_c);
            std::int32_t when = 0;
            try {
                when = core::parse_clock(skims_time);
            } catch (const core::ParseError& e) {
                std::cerr << "error: --time: " << e.what() << "\n";
                return exit_usage;
            }
            const auto dir =
                skims_c.output.empty() ? sc.output_dir / sc.name / "skims" : std::filesystem::path(skims_c.output);
            const auto acc = pipeline::write_skims_and_accessibility(sc, dir, when, skims_centre,
                                                                     skims_c.threads ? *skims_c.threads : 0);
            if (!skims_c.quiet) {
                std::cout << "residents within 30 minutes of " << acc.centre << ":";
                for (const auto& [mode, r] : acc.residents_within_30_of_centre)
                    std::printf(" %s %.0f;", mode.c_str(), r);
                std::cout << "\nwrote " << (dir / "skims.omx").string() << ", accessibility.csv, catchment.csv\n";
            }
            return exit_ok;
        }
        if (*export_cmd) {
            const auto log = output::read_trip_log(export_trips);
            if (export_network.empty() && export_scenario.empty()) {
                std::cerr << "error: export needs --network DIR or --scenario FILE\n";
                return exit_usage;
            }
            const auto net = export_scenario.empty()
                                 ? network::load_network(export_network)
                                 : network::load_scenario_network(scenario::load_scenario(export_scenario));
            const auto dir = export_c.output.empty() ? std::filesystem::path(export_trips).parent_path()
                                                     : std::filesystem::path(export_c.output);
            std::filesystem::create_directories(dir);
            output::write_matsim_trips(dir / "output_trips.csv", log, net);
            if (!export_c.quiet) std::cout << "wrote " << (dir / "output_trips.csv").string() << "\n";
            if (log.has_simulation) {
                output::write_link_volumes_geojson(dir / "link_volumes.geojson", log, net);
                if (!export_c.quiet) std::cout << "wrote " << (dir / "link_volumes.geojson").string() << "\n";
            }
            return exit_ok;
        }
        if (*compare_cmd) {
            pipeline::CompareOptions o;
            for (const auto& f : compare_files) o.files.emplace_back(f);
            o.overrides = compare_c.sets;
            o.seeds = compare_seeds;
            if (compare_c.seed) o.first_seed = *compare_c.seed;
            o.output = compare_c.output.empty() ? std::filesystem::path("out/compare")
                                                : std::filesystem::path(compare_c.output);
            o.program = std::filesystem::read_symlink("/proc/self/exe");
            o.jobs = compare_jobs;
            const int cores = tbb::info::default_concurrency();
            o.threads = compare_c.threads && *compare_c.threads > 0 ? *compare_c.threads
                                                                    : std::max(1, cores / std::max(1, compare_jobs));
            o.progress = [&](const std::string& line) {
                if (!compare_c.quiet && stderr_is_terminal()) std::cerr << "  " << line << "\n";
            };
            const auto c = pipeline::run_comparison(o);
            const auto text = pipeline::format_comparison(c);
            core::write_file_atomically(o.output / "compare.txt", text);
            core::write_file_atomically(o.output / "compare.json", pipeline::comparison_json(c));
            core::write_file_atomically(o.output / "compare.csv", pipeline::comparison_csv(c));
            if (compare_html) {
                pipeline::HtmlReportInputs in;
                in.comparison = &c;
                in.title = "flemsim comparison: " + c.scenarios.front() + " and " +
                           std::to_string(c.scenarios.size() - 1) + " option(s)";
                core::write_file_atomically(o.output / "compare.html", pipeline::html_report(in));
            }
            if (!compare_c.quiet)
                std::cout << text << "\nwrote " << (o.output / "compare.txt").string()
                          << ", compare.json, compare.csv\n";
            return exit_ok;
        }
        if (*sweep_cmd) {
            auto sweep = pipeline::load_sweep(sweep_file);
            if (!sweep_c.output.empty()) sweep.output = sweep_c.output;
            const auto program = std::filesystem::read_symlink("/proc/self/exe");
            const int cores = tbb::info::default_concurrency();
            const int threads = sweep_c.threads && *sweep_c.threads > 0 ? *sweep_c.threads
                                                                        : std::max(1, cores / std::max(1, sweep_jobs));
            if (!slurm_file.empty()) {
                core::write_file_atomically(slurm_file, pipeline::slurm_script(sweep, program, threads));
                if (!sweep_c.quiet)
                    std::cout << "wrote " << slurm_file << " (" << sweep.runs.size() << " array tasks)\n";
                return exit_ok;
            }
            if (apps::launched_with_mpi() && sweep_number == 0 && !sweep_collect)
                return apps::mpi_sweep(sweep, threads, [&](const std::string& line) {
                    if (!sweep_c.quiet) std::cerr << "  " << line << "\n";
                });
            const auto rows = pipeline::execute_sweep(
                sweep, program, sweep_jobs, threads,
                [&](const std::string& line) {
                    if (!sweep_c.quiet && stderr_is_terminal()) std::cerr << "  " << line << "\n";
                },
                sweep_number, !sweep_collect);
            if (sweep_number > 0) return exit_ok;
            pipeline::write_sweep_summary(sweep, rows);
            std::size_t ok = 0;
            for (const auto& r : rows) ok += r.status == "ok";
            if (!sweep_c.quiet)
                std::cout << "sweep " << sweep.name << ": " << rows.size() << " runs, " << ok << " ok, "
                          << rows.size() - ok << " failed; wrote " << (sweep.output / "summary.csv").string() << "\n";
            return ok == rows.size() ? exit_ok : exit_data_error;
        }
        if (*check) {
            pipeline::CheckOptions co;
            co.expectations = check_file;
            co.update = check_update;
            co.threads = check_c.threads ? *check_c.threads : 0;
            const auto result = pipeline::run_checks(co);
            if (check_update) {
                if (!check_c.quiet)
                    std::cout << "updated " << check_file << " from " << result.scenarios << " scenarios\n";
                return exit_ok;
            }
            if (!check_c.quiet || !result.passed()) std::cout << pipeline::format_check(result, check_all);
            return result.passed() ? exit_ok : exit_check_failed;
        }
        if (*route)
            return with_threads(route_c,
                                [&] { return cmd_route(route_network, route_queries, route_scenario, route_c); });
    } catch (const CLI::ValidationError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return exit_usage;
    } catch (const flemsim::core::InputError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return exit_data_error;
    } catch (const flemsim::core::IoError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return exit_data_error;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return exit_data_error;
    }
    return exit_usage;
}
