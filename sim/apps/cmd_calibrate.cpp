// flemsim calibrate SCENARIO: the mode constants that reproduce the scenario's calibration
// targets (overall, by group, by distance band), written as a YAML fragment for `include:`.
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/pipeline/calibrate.hpp"

namespace flemsim::apps {

namespace {

struct CalibrateCommandOptions {
    std::string scenario_file;
    CommonOptions common;  // --output is the fragment's file
};

int run(const CalibrateCommandOptions& o) {
    const auto& c = o.common;
    // The rounds are the result: printed to stdout, terminal or not.
    const auto result = pipeline::calibrate(o.scenario_file, scenario_overrides(c), c.threads.value_or(0),
                                            [&](const std::string& line) {
                                                if (!c.quiet) std::cout << line << "\n";
                                            });
    const auto path = c.output.empty() ? std::filesystem::path("calibrated.yaml") : std::filesystem::path(c.output);
    core::write_file_atomically(path, result.fragment);
    if (!c.quiet)
        std::cout << "\nfit of the last round, by targeted cell:\n" << pipeline::fit_table(result.rounds.back());
    if (!c.quiet)
        std::cout << (result.reached ? "targets reached" : "targets NOT reached") << " in " << result.rounds.size()
                  << (result.rounds.size() == 1 ? " round" : " rounds") << "; wrote " << path.string() << "\n";
    return result.reached ? exit_ok : exit_check_failed;
}

}  // namespace

Command add_calibrate_command(CLI::App& app) {
    auto o = std::make_shared<CalibrateCommandOptions>();
    auto* cmd = app.add_subcommand(
        "calibrate",
        "Calibrate the mode constants to the scenario's calibration targets (overall, by group, by distance band)");
    cmd->add_option("scenario", o->scenario_file, "Scenario file with a calibration section")->required();
    add_common_options(cmd, o->common, true);
    cmd->footer(
        "Writes the constants as a YAML fragment (--output FILE, default calibrated.yaml) that scenarios\n"
        "take with `include: [FILE]`, and prints the fit of every targeted cell (segment and mode).\n"
        "Targets: calibration.targets (overall) or calibration.by_distance_band (shares per band), and\n"
        "calibration.by_group. Exit code 3 when a cell is off by more than calibration.tolerance.\n"
        "Example: flemsim calibrate scenarios/flemingsberg-2017.yaml --output scenarios/calibrated-2017.yaml");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
