// flemsim: the command line. Thin: parses options, calls the pipeline, maps errors to
// exit codes (0 ok, 1 data or run error, 2 usage error, 3 a check that failed).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <optional>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/version.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/report/modal_split.hpp"
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

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "flemsim — agent-based mobility simulator: synthetic population, level of service, mode choice, "
        "HDF5 trip log and the modal split against the sustainable-share target."};
    app.set_version_flag("--version", std::string("flemsim ") + flemsim::core::program_version);
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
    report->footer("Example: flemsim report out/flemingsberg-2030/trips.h5 --output /tmp/report");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_ok : exit_usage;
    }

    try {
        if (*run) return cmd_run(scenario_file, run_c, run_require);
        if (*validate) return cmd_validate(scenario_file, validate_c);
        if (*report) return cmd_report(trips_file, report_c, report_require);
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
