// flemsim skims SCENARIO: zone-to-zone skims (OMX 0.2) and accessibility per zone and mode.
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "sim/apps/command.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/core/text.hpp"
#include "sim/pipeline/accessibility.hpp"

namespace flemsim::apps {

namespace {

struct SkimsCommandOptions {
    std::string scenario_file;
    std::string time = "08:00:00";  // time of day of the level of service
    std::string centre;             // empty: the study zone with most jobs
    CommonOptions common;
};

// --time as seconds after midnight; a usage error when it is not a clock time.
std::int32_t time_of_day(const SkimsCommandOptions& o) {
    try {
        return core::parse_clock(o.time);
    } catch (const core::ParseError& e) {
        throw UsageError(std::string("--time: ") + e.what());
    }
}

void validate(const SkimsCommandOptions& o) {
    time_of_day(o);
}

int run(const SkimsCommandOptions& o) {
    const auto& c = o.common;
    const auto sc = load_scenario(o.scenario_file, c);
    const std::int32_t when = time_of_day(o);
    const auto dir = c.output.empty() ? sc.output.dir / sc.name / "skims" : std::filesystem::path(c.output);
    // Checked before any work; the three files are written into a folder beside it and renamed
    // into place together, once the centre is known to exist and the skims are computed.
    core::StagedFolder out(dir, {"skims", {}, {"skims.omx", "accessibility.csv", "catchment.csv"}}, c.force);
    const auto acc = pipeline::write_skims_and_accessibility(
        sc, [&] { return out.stage(); }, when, o.centre, c.threads.value_or(0));
    out.commit();
    if (!c.quiet) {
        std::cout << "residents within 30 minutes of " << acc.centre << ":";
        for (const auto& [mode, r] : acc.residents_within_30_of_centre) fmt::print(" {} {:.0f};", mode, r);
        std::cout << "\nwrote " << (dir / "skims.omx").string() << ", accessibility.csv, catchment.csv\n";
    }
    return exit_ok;
}

}  // namespace

Command add_skims_command(CLI::App& app) {
    auto o = std::make_shared<SkimsCommandOptions>();
    auto* cmd = app.add_subcommand("skims", "Zone-to-zone skims (OMX) and accessibility of a scenario");
    cmd->add_option("scenario", o->scenario_file, "Scenario file (YAML)")->required();
    cmd->add_option("--time", o->time, "Time of day of the level of service")->capture_default_str();
    cmd->add_option("--centre", o->centre, "Zone of the centre (default: the study zone with most jobs)");
    add_common_options(cmd, o->common, true);
    add_force_option(cmd, o->common);
    cmd->footer(
        "Writes skims.omx, accessibility.csv and catchment.csv.\n"
        "Example: flemsim skims scenarios/flemingsberg-2030.yaml --centre station_core --output out/skims");
    return {cmd, [o] {
                validate(*o);
                return run(*o);
            }};
}

}  // namespace flemsim::apps
