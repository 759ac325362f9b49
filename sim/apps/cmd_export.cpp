// flemsim export TRIPS.h5: MATSim output_trips.csv and GIS layers through GDAL (GeoPackage,
// GeoJSON, FlatGeobuf) in a stated CRS, for QGIS, ArcGIS and kepler.gl.
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/json.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/network/network.hpp"
#include "sim/network/patch.hpp"
#include "sim/output/exports.hpp"
#include "sim/output/gis.hpp"
#include "sim/output/trip_log.hpp"

namespace flemsim::apps {

namespace {

struct ExportCommandOptions {
    std::string trips_file;
    std::string network_dir;    // the network folder the run used, or
    std::string scenario_file;  // the scenario (when it patches its network)
    std::string format = "gpkg";
    std::string crs = "EPSG:4326";
    bool gzip = false;
    CommonOptions common;  // --output, --quiet
};

void validate(const ExportCommandOptions& o) {
    if (o.network_dir.empty() && o.scenario_file.empty())
        throw UsageError("export needs --network DIR or --scenario FILE");
    output::GisFormat f{};
    if (!output::parse_gis_format(o.format, f))
        throw UsageError("--format: '" + o.format + "' is not one of gpkg, geojson, fgb");
    std::string why;
    if (!output::valid_crs(o.crs, why)) throw UsageError("--crs: '" + o.crs + "' is not a CRS PROJ knows: " + why);
}

int run(const ExportCommandOptions& o) {
    const auto& c = o.common;
    const auto dir =
        c.output.empty() ? std::filesystem::path(o.trips_file).parent_path() : std::filesystem::path(c.output);
    const auto log = output::read_trip_log(o.trips_file);
    const auto net = o.scenario_file.empty() ? network::load_network(o.network_dir)
                                             : network::load_scenario_network(scenario::load_scenario(o.scenario_file));
    output::check_same_network(log, net);
    output::GisFormat format{};
    output::parse_gis_format(o.format, format);
    const std::string trips_name = o.gzip ? "output_trips.csv.gz" : "output_trips.csv";
    // Beside the trip log (a run's folder) or into a folder of its own; never into a user's folder.
    // Checked once the inputs have loaded, so that an error in them is the one reported.
    auto allowed = output::export_file_names();
    allowed.insert(allowed.end(), {"trips.h5", "modal_split.json"});
    core::open_output_folder(dir, {"export", {"run"}, allowed}, c.force);
    const output::CrsTransform transform(net, o.crs);
    output::write_matsim_trips(dir / trips_name, log, net, &transform, o.gzip);
    auto files = output::write_gis_layers(dir, format, o.crs, net, &log);
    files.insert(files.begin(), dir / trips_name);
    // What was written and in which CRS (output_trips.csv has no place of its own to say it).
    core::JsonWriter j;
    j.begin_object();
    j.key("trip_log").value(o.trips_file);
    j.key("crs").value(o.crs);
    j.key("coordinates").value(transform.geographic() ? "longitude, latitude (x, y)" : "easting, northing (x, y)");
    j.key("files").begin_array();
    for (const auto& f : files) j.value(f.filename().string());
    j.end_array();
    j.end_object();
    core::write_file_atomically(dir / "export.json", j.str() + "\n");
    if (!c.quiet)
        for (const auto& f : files) std::cout << "wrote " << f.string() << " (" << o.crs << ")\n";
    return exit_ok;
}

}  // namespace

Command add_export_command(CLI::App& app) {
    auto o = std::make_shared<ExportCommandOptions>();
    auto& c = o->common;
    auto* cmd = app.add_subcommand(
        "export", "Export a trip log: MATSim output_trips.csv and GIS layers (GeoPackage, GeoJSON, FlatGeobuf)");
    cmd->add_option("trips", o->trips_file, "Trip log (trips.h5)")->required();
    auto* net_opt = cmd->add_option("--network", o->network_dir, "The network folder the run used");
    auto* scn_opt = cmd->add_option("--scenario", o->scenario_file,
                                    "The scenario the run used (needed when it patches its network)");
    net_opt->excludes(scn_opt);
    scn_opt->excludes(net_opt);
    cmd->add_option("--format", o->format, "GIS layers as gpkg (one file), geojson or fgb (a file per layer)")
        ->capture_default_str();
    cmd->add_option("--crs", o->crs, "Coordinate reference system of every export (EPSG:3006 is SWEREF 99 TM)")
        ->capture_default_str();
    cmd->add_flag("--gzip", o->gzip, "Write output_trips.csv.gz (as MATSim does)");
    cmd->add_option("--output,-o", c.output, "Folder to write (default: beside the trip log)");
    cmd->add_flag("--quiet,-q", c.quiet, "Print only errors");
    add_force_option(cmd, c);
    cmd->footer(
        "Layers: zones, nodes (with the ids a network patch names), links (attributes; with a simulated day\n"
        "volumes by mode and period and volume/capacity), stops (boardings), line_loads (passengers between\n"
        "stops). export.json records the files and the CRS.\n"
        "Examples:\n  flemsim export out/flemingsberg-2030/trips.h5 --network networks/flemingsberg --crs EPSG:3006\n"
        "  flemsim export out/flemingsberg-2030-sparvag-syd/trips.h5 --scenario "
        "scenarios/options/2030-sparvag-syd.yaml");
    return {cmd, [o] {
                validate(*o);
                return run(*o);
            }};
}

}  // namespace flemsim::apps
