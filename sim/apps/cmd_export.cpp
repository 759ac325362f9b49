// flemsim export TRIPS.h5: MATSim output_trips.csv and, for a simulated day, link volumes as
// GeoJSON, for QGIS and kepler.gl.
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/network/network.hpp"
#include "sim/network/patch.hpp"
#include "sim/output/exports.hpp"
#include "sim/output/trip_log.hpp"

namespace flemsim::apps {

namespace {

struct ExportCommandOptions {
    std::string trips_file;
    std::string network_dir;    // the network folder the run used, or
    std::string scenario_file;  // the scenario (when it patches its network)
    CommonOptions common;       // --output, --quiet
};

void validate(const ExportCommandOptions& o) {
    if (o.network_dir.empty() && o.scenario_file.empty())
        throw UsageError("export needs --network DIR or --scenario FILE");
}

int run(const ExportCommandOptions& o) {
    const auto& c = o.common;
    const auto dir =
        c.output.empty() ? std::filesystem::path(o.trips_file).parent_path() : std::filesystem::path(c.output);
    const auto log = output::read_trip_log(o.trips_file);
    const auto net = o.scenario_file.empty() ? network::load_network(o.network_dir)
                                             : network::load_scenario_network(scenario::load_scenario(o.scenario_file));
    // Beside the trip log (a run's folder) or into a folder of its own; never into a user's folder.
    // Checked once the inputs have loaded, so that an error in them is the one reported.
    core::open_output_folder(
        dir, {"export", {"run"}, {"output_trips.csv", "link_volumes.geojson", "trips.h5", "modal_split.json"}},
        c.force);
    output::write_matsim_trips(dir / "output_trips.csv", log, net);
    if (!c.quiet) std::cout << "wrote " << (dir / "output_trips.csv").string() << "\n";
    if (log.has_simulation) {
        output::write_link_volumes_geojson(dir / "link_volumes.geojson", log, net);
        if (!c.quiet) std::cout << "wrote " << (dir / "link_volumes.geojson").string() << "\n";
    }
    return exit_ok;
}

}  // namespace

Command add_export_command(CLI::App& app) {
    auto o = std::make_shared<ExportCommandOptions>();
    auto& c = o->common;
    auto* cmd = app.add_subcommand("export", "Export a trip log: MATSim output_trips.csv, link volumes as GeoJSON");
    cmd->add_option("trips", o->trips_file, "Trip log (trips.h5)")->required();
    auto* net_opt = cmd->add_option("--network", o->network_dir, "The network folder the run used");
    auto* scn_opt = cmd->add_option("--scenario", o->scenario_file,
                                    "The scenario the run used (needed when it patches its network)");
    net_opt->excludes(scn_opt);
    scn_opt->excludes(net_opt);
    cmd->add_option("--output,-o", c.output, "Folder to write (default: beside the trip log)");
    cmd->add_flag("--quiet,-q", c.quiet, "Print only errors");
    add_force_option(cmd, c);
    cmd->footer(
        "Examples:\n  flemsim export out/flemingsberg-2030/trips.h5 --network networks/flemingsberg\n"
        "  flemsim export out/flemingsberg-2030-sparvag-syd/trips.h5 --scenario "
        "scenarios/options/2030-sparvag-syd.yaml");
    return {cmd, [o] {
                validate(*o);
                return run(*o);
            }};
}

}  // namespace flemsim::apps
