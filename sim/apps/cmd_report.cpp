// flemsim report TRIPS.h5: the modal split (and crowding of a simulated day) from a trip log
// alone; optionally modal_split.json and one self-contained HTML page.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "sim/apps/command.hpp"
#include "sim/apps/model_counts.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/pipeline/html_report.hpp"
#include "sim/report/counts.hpp"
#include "sim/report/modal_split.hpp"

namespace flemsim::apps {

namespace {

struct ReportCommandOptions {
    std::string trips_file;
    CommonOptions common;
    bool require_target = false;
    std::string html;      // page to write; empty: none
    std::string scenario;  // the scenario of the run, for the page's maps
    std::string counts;    // observations to compare with, on the page
};

void validate(const ReportCommandOptions& o) {
    if (!o.scenario.empty() && o.html.empty())
        throw UsageError("--scenario is for the HTML report: give --html FILE too");
    if (!o.counts.empty() && o.html.empty())
        throw UsageError("--counts is for the HTML report (flemsim counts prints them): give --html FILE too");
}

int run(const ReportCommandOptions& o) {
    const auto log = output::read_trip_log(o.trips_file);
    const auto summary = pipeline::summarise_trip_log(log);
    const auto& c = o.common;
    if (!c.quiet) {
        std::cout << "trip log " << o.trips_file << " — written by flemsim " << log.meta.program_version << " at "
                  << log.meta.created_utc << "\n\n"
                  << report::format_modal_split(summary.split);
        if (log.has_simulation)
            std::cout << "\n"
                      << report::format_crowding(summary.crowding) << "\nDay-to-day loop\n"
                      << report::format_iterations(log.simulation.iterations);
        std::cout << "\n" << report::format_check_these(summary.check);
    }
    if (!c.output.empty()) {
        std::filesystem::create_directories(c.output);
        const auto path = std::filesystem::path(c.output) / "modal_split.json";
        core::write_file_atomically(
            path, log.has_simulation ? report::modal_split_json(summary.split, &summary.crowding,
                                                                &log.simulation.iterations, &summary.check)
                                     : report::modal_split_json(summary.split, nullptr, nullptr, &summary.check));
        if (!c.quiet) std::cout << "wrote " << path.string() << "\n";
    }
    if (!o.html.empty()) {
        const std::filesystem::path page = o.html;
        // With --scenario the accessibility map needs skims: they go beside the page.
        std::optional<report::CountsResult> counts;
        if (!o.counts.empty()) {
            if (!log.has_simulation)
                throw core::InputError({o.trips_file, 0, 0}, "--counts needs a simulated day: a static run has none");
            counts = report::compare_counts(report::read_counts(o.counts), model_counts(log));
        }
        const auto html = pipeline::trip_log_page(log, o.scenario, page.parent_path() / "skims", c.threads.value_or(0),
                                                  counts ? &*counts : nullptr);
        if (const auto parent = page.parent_path(); !parent.empty()) std::filesystem::create_directories(parent);
        core::write_file_atomically(page, html);
        if (!c.quiet) std::cout << "wrote " << o.html << "\n";
    }
    return o.require_target && !summary.split.target_met() ? exit_check_failed : exit_ok;
}

}  // namespace

Command add_report_command(CLI::App& app) {
    auto o = std::make_shared<ReportCommandOptions>();
    auto* cmd = app.add_subcommand("report", "Recompute the modal split from a trip log alone");
    cmd->add_option("trips", o->trips_file, "Trip log (trips.h5)")->required();
    add_common_options(cmd, o->common, false);
    cmd->add_flag("--require-target", o->require_target, "Exit with 3 when the sustainable share misses the target");
    cmd->add_option("--html", o->html, "Also write one self-contained HTML report to this file");
    cmd->add_option(
        "--counts", o->counts,
        "Observations (as flemsim counts takes them): adds their scatter plot and table to the HTML report");
    cmd->add_option("--scenario", o->scenario,
                    "The scenario the run used: adds the network map and accessibility to the HTML report");
    cmd->footer(
        "Examples:\n  flemsim report out/flemingsberg-2030/trips.h5 --output /tmp/report\n"
        "  flemsim report out/flemingsberg-2030/trips.h5 --html report.html --scenario "
        "scenarios/flemingsberg-2030.yaml");
    return {cmd, [o] {
                validate(*o);
                return run(*o);
            }};
}

}  // namespace flemsim::apps
