// flemsim elasticities SCENARIO: arc elasticities of mode choice to the standard levers, against
// the bands of the scenario's validation.elasticities.
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "sim/apps/command.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/pipeline/elasticities.hpp"

namespace flemsim::apps {

namespace {

struct ElasticitiesCommandOptions {
    std::string scenario_file;
    CommonOptions common;
};

int run(const ElasticitiesCommandOptions& o) {
    const auto& c = o.common;
    const auto sc = load_scenario(o.scenario_file, c);
    const auto dir = c.output.empty() ? sc.output.dir / sc.name / "elasticities" : std::filesystem::path(c.output);
    // Checked before the work; the file is written into a folder beside it and renamed into place.
    core::StagedFolder out(dir, {"elasticities", {}, {"elasticities.json"}}, c.force);
    const auto result = pipeline::compute_elasticities(sc, c.threads.value_or(0), progress_printer(c));
    core::write_file_atomically(out.stage() / "elasticities.json", pipeline::elasticities_json(result));
    out.commit();
    if (!c.quiet) {
        std::cout << pipeline::elasticities_table(result);
        if (result.fallback_tours > 0)
            std::cout << result.fallback_tours << " tours have no mode by the rules and keep their fallback mode\n";
        std::cout << fmt::format(
            "{} in {:.1f} s with {} threads; wrote {}\n",
            result.all_inside() ? "every elasticity with a band is inside it" : "an elasticity is OUTSIDE its band",
            result.seconds, result.threads, (dir / "elasticities.json").string());
    }
    return result.all_inside() ? exit_ok : exit_check_failed;
}

}  // namespace

Command add_elasticities_command(CLI::App& app) {
    auto o = std::make_shared<ElasticitiesCommandOptions>();
    auto* cmd = app.add_subcommand(
        "elasticities", "Arc elasticities of mode choice (+-10 % of each lever) against validation.elasticities");
    cmd->add_option("scenario", o->scenario_file, "Scenario file (YAML)")->required();
    add_common_options(cmd, o->common, true);
    add_progress_option(cmd, o->common);
    add_force_option(cmd, o->common);
    cmd->footer(
        "Levers: transit_in_vehicle_time, transit_headway (as frequency), transit_fare, car_running_cost,\n"
        "parking_charge, bike_time; each moved -10 % and +10 % on the static level of service, demand the\n"
        "expected trips. Prints a table and writes elasticities.json (--output DIR, default\n"
        "<output.dir>/<name>/elasticities). Exit code 3 when an elasticity lies outside its band.\n"
        "Examples:\n"
        "  flemsim elasticities scenarios/flemingsberg-2017.yaml\n"
        "  flemsim elasticities scenarios/flemingsberg-2030.yaml --threads 2 --output out/elasticities-2030\n"
        "  flemsim elasticities scenarios/flemingsberg-2017.yaml --set mode_choice.beta.cost_per_sek=-0.05");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
