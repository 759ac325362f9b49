// flemsim validate SCENARIO: the checks of a run without running it.
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/network/check.hpp"
#include "sim/network/patch.hpp"
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
    // What a valid network may still lack (stations with parking far from the roads). The network
    // is loaded again here, as pipeline::validate keeps its own; it takes well under a second.
    const auto warnings = network::network_warnings(network::load_scenario_network(s));
    if (!o.common.quiet) {
        for (const auto& l : lines) std::cout << "ok  " << l << "\n";
        for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";
        std::cout << o.scenario_file << ": valid";
        if (!warnings.empty())
            std::cout << " (" << warnings.size() << " warning" << (warnings.size() > 1 ? "s" : "") << ")";
        std::cout << "\n";
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
