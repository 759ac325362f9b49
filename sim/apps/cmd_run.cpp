// flemsim run SCENARIO: one run, its report on stdout, the trip log and modal_split.json on disk.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "sim/apps/command.hpp"
#include "sim/core/version.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/report/modal_split.hpp"

namespace flemsim::apps {

namespace {

struct RunCommandOptions {
    std::string scenario_file;
    CommonOptions common;
    bool require_target = false;
};

void print_result(const scenario::Scenario& s, const pipeline::RunResult& r) {
    std::cout << "flemsim " << core::program_version << " — scenario " << s.name << " (" << s.year << "), " << r.persons
              << " persons, " << r.trips << " trips, " << r.threads_used << " threads\n";
    const auto& p = r.population;
    std::cout << "population: " << p.residents << " residents (" << p.resident_workers << " working, "
              << p.resident_students << " studying), " << p.in_commuting_workers << " in-commuting workers, "
              << p.in_commuting_students << " in-commuting students\n";
    if (p.households > 0)
        fmt::print("households: {} (no car {:.1f} %, one {:.1f} %, two or more {:.1f} %)\n", p.households,
                   100.0 * p.households_by_cars[0] / p.households, 100.0 * p.households_by_cars[1] / p.households,
                   100.0 * p.households_by_cars[2] / p.households);
    if (s.demand.given)
        fmt::print(
            "demand models: {} persons stay home; places shadow-priced in {} rounds (largest expected excess "
            "{:.2f} %)\n",
            p.persons_staying_home, p.shadow_price_iterations, 100.0 * p.shadow_price_max_excess);
    std::cout << "\n";
    std::cout << report::format_modal_split(r.split) << "\n";
    if (r.simulated) {
        std::cout << report::format_crowding(r.crowding) << "\n";
        std::cout << "Day-to-day loop\n" << report::format_iterations(r.iterations);
        std::cout << "wall time per day (s):";
        for (const double sec : r.iteration_seconds) fmt::print(" {:.2f}", sec);
        std::cout << "\nwall time of the loop's steps, all days (s):";
        for (std::size_t k = 0; k < r.day_steps.size(); ++k)
            fmt::print("{} {} {:.2f}", k ? ";" : "", r.day_steps[k].stage, r.day_steps[k].seconds);
        std::cout << "\n\n";
    }
    std::cout << report::format_check_these(r.check) << "\n";
    if (r.fallback_tours > 0)
        std::cout << "note: " << r.fallback_tours
                  << " tours had no mode within the rules both ways (mode_choice.availability; no walk or bike "
                     "path within the search bounds; no transit journey) and took the first mode that reaches\n";
    double total = 0;
    for (const auto& t : r.timings) total += t.seconds;
    std::cout << "time:";
    for (const auto& t : r.timings) fmt::print(" {} {:.2f} s;", t.stage, t.seconds);
    fmt::print(" total {:.2f} s\n", total);
    std::cout << "wrote " << r.trips_file.string() << "\n      " << r.report_file.string() << "\n";
}

int run(const RunCommandOptions& o) {
    const auto s = load_scenario(o.scenario_file, o.common);
    pipeline::RunOptions ro;
    ro.output_dir = o.common.output;
    ro.force = o.common.force;
    // Without --threads the scenario's 'threads' decides (pipeline::RunOptions::threads = -1).
    if (o.common.threads) ro.threads = *o.common.threads;
    ro.progress = progress_printer(o.common);
    const auto r = pipeline::run(s, ro);
    if (!o.common.quiet) print_result(s, r);
    return o.require_target && !r.split.target_met() ? exit_check_failed : exit_ok;
}

}  // namespace

Command add_run_command(CLI::App& app) {
    auto o = std::make_shared<RunCommandOptions>();
    auto* cmd =
        app.add_subcommand("run", "Run a scenario: population, level of service, mode choice, trip log, report");
    cmd->add_option("scenario", o->scenario_file, "Scenario file (YAML)")->required();
    add_common_options(cmd, o->common, true);
    add_progress_option(cmd, o->common);
    add_force_option(cmd, o->common);
    cmd->add_flag("--require-target", o->require_target, "Exit with 3 when the sustainable share misses the target");
    cmd->footer(
        "Example: flemsim run scenarios/flemingsberg-2030.yaml --threads 2 --set modes.car.default_parking_sek=20");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
