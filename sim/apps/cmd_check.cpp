// flemsim check: the regression check of the benchmark scenarios against their expectations.
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/pipeline/check.hpp"

namespace flemsim::apps {

namespace {

struct CheckCommandOptions {
    std::string expectations = "benchmarks/scenarios/expectations.yaml";
    bool update = false;
    bool all = false;
    CommonOptions common;  // --threads, --quiet
};

int run(const CheckCommandOptions& o) {
    const auto& c = o.common;
    pipeline::CheckOptions co;
    co.expectations = o.expectations;
    co.update = o.update;
    co.threads = c.threads.value_or(0);
    const auto result = pipeline::run_checks(co);
    if (o.update) {
        if (!c.quiet) std::cout << "updated " << o.expectations << " from " << result.scenarios << " scenarios\n";
        return exit_ok;
    }
    // What moved is printed even with --quiet: it is the result of the check.
    if (!c.quiet || !result.passed()) std::cout << pipeline::format_check(result, o.all);
    return result.passed() ? exit_ok : exit_check_failed;
}

}  // namespace

Command add_check_command(CLI::App& app) {
    auto o = std::make_shared<CheckCommandOptions>();
    auto& c = o->common;
    auto* cmd = app.add_subcommand("check", "Regression check: run the benchmark scenarios, compare with expectations");
    cmd->add_option("--expectations", o->expectations, "Expectations (YAML)")->capture_default_str();
    cmd->add_flag("--update", o->update, "Rewrite the expected values (tolerances are kept)");
    cmd->add_flag("--all", o->all, "Show every check, not only those that moved");
    cmd->add_option("--threads,-j", c.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    cmd->add_flag("--quiet,-q", c.quiet, "Print only what moved");
    cmd->footer("Exit code 3 when a result moved beyond its tolerance.\nExample: flemsim check --all");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
