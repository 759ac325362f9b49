// flemsim validate SCENARIO: the checks of a run without running it.
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/pipeline/run.hpp"

namespace flemsim::apps {

namespace {

struct ValidateCommandOptions {
    std::string scenario_file;
    CommonOptions common;
};

int run(const ValidateCommandOptions& o) {
    const auto s = load_scenario(o.scenario_file, o.common);
    const auto lines = pipeline::validate(s);
    if (!o.common.quiet) {
        for (const auto& l : lines) std::cout << "ok  " << l << "\n";
        std::cout << o.scenario_file << ": valid\n";
    }
    return exit_ok;
}

}  // namespace

Command add_validate_command(CLI::App& app) {
    auto o = std::make_shared<ValidateCommandOptions>();
    auto* cmd = app.add_subcommand("validate", "Check a scenario and its network without running");
    cmd->add_option("scenario", o->scenario_file, "Scenario file (YAML)")->required();
    add_common_options(cmd, o->common, true);
    cmd->footer("Example: flemsim validate scenarios/flemingsberg-2050.yaml --set population.scale=2");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
