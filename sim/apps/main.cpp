// flemsim: the command line. Each subcommand lives in cmd_<name>.cpp (options, help, validation,
// run); this file registers them, dispatches to the one given and maps errors to exit codes
// (0 ok, 1 data or run error, 2 usage error, 3 a check that failed).
#include <CLI/CLI.hpp>
#include <iostream>
#include <string>
#include <vector>

#include "sim/apps/command.hpp"
#include "sim/core/error.hpp"
#include "sim/core/version.hpp"

int main(int argc, char** argv) {
    using namespace flemsim::apps;
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

    // In the order --help lists them.
    std::vector<Command> commands;
    commands.push_back(add_run_command(app));
    commands.push_back(add_validate_command(app));
    commands.push_back(add_report_command(app));
    auto* network = app.add_subcommand("network", "Build networks from outside data");
    network->require_subcommand(1);
    commands.push_back(add_network_build_command(*network));
    auto* scenario_group = app.add_subcommand("scenario", "Write scenarios");
    scenario_group->require_subcommand(1);
    commands.push_back(add_scenario_init_command(*scenario_group));
    commands.push_back(add_route_command(app));
    commands.push_back(add_check_command(app));
    commands.push_back(add_sweep_command(app));
    commands.push_back(add_export_command(app));
    commands.push_back(add_skims_command(app));
    commands.push_back(add_calibrate_command(app));
    commands.push_back(add_compare_command(app));
    commands.push_back(add_target_command(app));
    commands.push_back(add_elasticities_command(app));
    commands.push_back(add_estimate_command(app));
    commands.push_back(add_counts_command(app));

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_ok : exit_usage;
    }

    try {
        for (const auto& command : commands)
            if (*command.app) return command.execute();
    } catch (const UsageError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return exit_usage;
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
