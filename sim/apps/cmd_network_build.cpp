// flemsim network build: a network folder from an OpenStreetMap extract, optionally a GTFS feed
// and zone centroids (or a grid of square zones).
#include <fmt/format.h>

#include <iostream>
#include <memory>
#include <optional>

#include "sim/apps/command.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/core/text.hpp"
#include "sim/network/import/gateways.hpp"
#include "sim/network/import/gtfs_import.hpp"
#include "sim/network/import/osm_import.hpp"
#include "sim/network/import/zones.hpp"
#include "sim/network/network.hpp"
#include "sim/network/write.hpp"

namespace flemsim::apps {

namespace {

struct NetworkBuildCommandOptions {
    std::string osm, service_date, bbox, center, name;
    ZoneFileArgs zones;
    std::vector<std::string> gtfs;  // feeds, imported in the order given
    double radius_km = 0;
    double grid_m = 500;
    double max_stop_link_m = 300;
    bool no_gateways = false;
    std::string gateway_roads;
    std::string crs = "utm";
    CommonOptions common;  // --output (required here), --threads, --quiet
};

// "a,b" or "a,b,c,d" as numbers; a usage error otherwise.
std::vector<double> numbers(const std::string& text, std::size_t count, const std::string& option) {
    std::vector<double> out;
    try {
        for (const auto part : core::split(text, ',')) out.push_back(core::parse_double(part));
    } catch (const core::ParseError&) {
        out.clear();
    }
    if (out.size() != count)
        throw CLI::ValidationError(option, "expected " + std::to_string(count) + " numbers separated by commas");
    return out;
}

void check_latitude(double lat, const std::string& option) {
    if (!(lat >= -90 && lat <= 90))
        throw CLI::ValidationError(option, fmt::format("latitude {} is outside [-90, 90]", lat));
}

void check_longitude(double lon, const std::string& option) {
    if (!(lon >= -180 && lon <= 180))
        throw CLI::ValidationError(option, fmt::format("longitude {} is outside [-180, 180]", lon));
}

// --bbox or --center as an area, checked as the scenario checks coordinates; none when neither.
std::optional<network::import::Area> area_of(const NetworkBuildCommandOptions& o) {
    if (!o.bbox.empty()) {
        const auto v = numbers(o.bbox, 4, "--bbox");
        check_latitude(v[0], "--bbox");
        check_longitude(v[1], "--bbox");
        check_latitude(v[2], "--bbox");
        check_longitude(v[3], "--bbox");
        if (!(v[0] < v[2])) throw CLI::ValidationError("--bbox", "south must be below north (S,W,N,E)");
        if (!(v[1] < v[3])) throw CLI::ValidationError("--bbox", "west must be left of east (S,W,N,E)");
        return network::import::Area{v[0], v[1], v[2], v[3]};
    }
    if (!o.center.empty()) {
        const auto v = numbers(o.center, 2, "--center");
        check_latitude(v[0], "--center");
        check_longitude(v[1], "--center");
        return network::import::area_from_center(v[0], v[1], o.radius_km);
    }
    return std::nullopt;
}

const core::OutputFolderRules network_folder_rules{
    "network build",
    {},
    {"network.yaml", "nodes.csv", "links.csv", "link_shapes.csv", "zones.csv", "stops.csv", "vehicles.csv", "lines.csv",
     "line_stops.csv", "headways.csv", "trips.csv", "trip_times.csv", "transfers.csv"}};

void validate(const NetworkBuildCommandOptions& o) {
    if (!o.gtfs.empty() && o.service_date.empty()) throw UsageError("--gtfs needs --service-date YYYY-MM-DD");
    if (!o.bbox.empty() && !o.center.empty())
        throw UsageError("--bbox and --center both give the area: give one of them");
    if (!o.center.empty() && o.radius_km <= 0) throw UsageError("--center needs --radius-km");
    if (o.center.empty() && o.radius_km > 0) throw UsageError("--radius-km is for --center: give --center LAT,LON too");
    area_of(o);
}

int run(const NetworkBuildCommandOptions& b) {
    namespace imp = network::import;
    const auto& c = b.common;
    // Refused before the import when the folder is not one of ours: never emptied by mistake.
    core::StagedFolder out(c.output, network_folder_rules, c.force);
    imp::OsmOptions osm;
    if (const auto area = area_of(b)) osm.area = *area;
    osm.crs = b.crs == "local" ? std::string{} : b.crs;
    if (!b.no_gateways) {
        osm.gateways.emplace();
        if (!b.gateway_roads.empty()) {
            osm.gateways->road_types.clear();
            for (const auto t : core::split(b.gateway_roads, ',')) osm.gateways->road_types.emplace_back(core::trim(t));
        }
    }
    const auto say = [&](const std::string& line) {
        if (!c.quiet) std::cout << line << "\n";
    };
    network::Network net;
    imp::OsmReport osm_report;
    imp::import_osm(b.osm, osm, net, osm_report);
    if (!b.name.empty()) net.name = b.name;
    say("coordinates: " + (net.crs.empty() ? std::string("local plane around the area's centre") : net.crs));
    say("streets: " + std::to_string(osm_report.nodes) + " nodes, " + std::to_string(osm_report.links) + " links (" +
        std::to_string(osm_report.highway_ways) + " highway ways, " + std::to_string(osm_report.collapsed_nodes) +
        " degree-2 nodes folded)");
    const char* mode_names[3] = {"walk", "bike", "car"};
    for (int m = 0; m < 3; ++m)
        if (osm_report.dropped_links[m] > 0)
            say(std::string("  ") + mode_names[m] + ": " + std::to_string(osm_report.dropped_links[m]) +
                " links outside the largest connected part dropped for this mode");
    for (const auto& n : osm_report.notes) say("  " + n);
    // Several feeds (e.g. one per operator) go into one network, one after the other; ids that
    // repeat across feeds get a suffix.
    std::vector<imp::GtfsReport::GatewayStation> stations;
    for (const auto& feed : b.gtfs) {
        imp::GtfsOptions go;
        go.gateway_stations = !b.no_gateways;
        go.service_date = b.service_date;
        go.max_stop_link_m = b.max_stop_link_m;
        imp::GtfsReport gr;
        imp::import_gtfs(feed, go, net, gr);
        say("transit (" + feed + "): " + std::to_string(gr.stops) + " stops, " + std::to_string(gr.lines) +
            " lines from " + std::to_string(gr.trips_on_date) + " trips on " + b.service_date + " (" +
            std::to_string(gr.stops_unlinked) + " stops too far from the streets)");
        say("  timetable: " + std::to_string(gr.trips) + " trips (" + std::to_string(gr.trips_previous_day) +
            " of the day before, after midnight; " + std::to_string(gr.trips_from_frequencies) +
            " from frequencies), " + std::to_string(gr.rules) + " transfer rules");
        for (const auto& n : gr.notes) say("  " + n);
        stations.insert(stations.end(), gr.gateway_stations.begin(), gr.gateway_stations.end());
    }
    std::vector<std::string> notes;
    const auto zones =
        b.zones.file.empty() ? imp::grid_zones(net, b.grid_m) : imp::read_zone_file(b.zones.file, b.zones.options);
    imp::add_zones(net, zones, notes);
    say("zones: " + std::to_string(net.zone_count()) +
        (b.zones.file.empty() ? " grid cells of " + std::to_string(static_cast<int>(b.grid_m)) + " m"
                              : " from " + b.zones.file));
    if (!net.zone_land_use.empty()) {
        std::array<double, 4> total{};
        for (const auto& v : net.zone_land_use)
            for (std::size_t k = 0; k < 4; ++k) total[k] += v[k];
        say(
            fmt::format("  land use of the zones kept (zones.csv): {:.0f} residents, {:.0f} jobs, {:.0f} study places, "
                        "{:.0f} visits",
                        total[0], total[1], total[2], total[3]));
    }
    for (const auto& n : notes) say("  " + n);
    if (!b.no_gateways) {
        imp::add_gateway_zones(net, imp::gateway_zones(osm_report.gateways, stations));
        std::string types;
        for (const auto& t : osm.gateways->road_types) types += (types.empty() ? "" : ", ") + t;
        say(fmt::format(
            "gateways: {} where the area's edge cuts a road of type {} ({} cuts; weight: the capacity "
            "into the area x {} persons per car), {} at the first rail station beyond the edge (weight: "
            "the places of its trains into the area in their busiest hour)",
            osm_report.gateways.size(), types, osm_report.gateway_cuts, osm.gateways->car_occupancy, stations.size()));
        for (const auto& g : osm_report.gateways)
            say(fmt::format("  {} {}: {} cut(s), {:.0f} veh/h in, weight {:.0f} persons/h", g.id, g.name, g.cuts,
                            g.inbound_veh_per_h, g.weight));
        for (const auto& g : stations)
            say(fmt::format("  {} {} (station): weight {:.0f} places/h", g.id, g.name, g.places_per_h));
    }
    // Written whole into a folder beside the target, loaded back with the same checks as any
    // network, and only then renamed into place.
    const auto& staged = out.stage();
    network::write_network(net, staged);
    const auto loaded = network::load_network(staged);
    out.commit();
    say("wrote " + c.output + " (" + std::to_string(loaded.node_count()) + " nodes, " +
        std::to_string(loaded.link_count()) + " links, " + std::to_string(loaded.zone_count()) + " zones, " +
        std::to_string(loaded.stop_count()) + " stops, " + std::to_string(loaded.line_count()) + " lines, " +
        std::to_string(loaded.trip_count()) + " trips)");
    return exit_ok;
}

}  // namespace

Command add_network_build_command(CLI::App& network) {
    auto o = std::make_shared<NetworkBuildCommandOptions>();
    auto& c = o->common;
    auto* cmd = network.add_subcommand("build", "Build a network folder from OpenStreetMap (and GTFS)");
    cmd->add_option("--osm", o->osm, "OpenStreetMap extract (.osm or .osm.pbf)")->required();
    cmd->add_option("--gtfs", o->gtfs, "GTFS feed (.zip or folder); repeat it for several feeds")->take_all();
    cmd->add_option("--service-date", o->service_date, "The day whose trips are imported (YYYY-MM-DD)");
    cmd->add_option("--bbox", o->bbox, "Area: south,west,north,east in degrees")->type_name("S,W,N,E");
    cmd->add_option("--center", o->center, "Area: centre LAT,LON (with --radius-km)")->type_name("LAT,LON");
    cmd->add_option("--radius-km", o->radius_km, "Area: radius around --center")->check(CLI::PositiveNumber);
    add_zone_file_options(cmd, o->zones,
                          "Zones: CSV (id,name,lat,lon[,residents,jobs,study_places,visits]) or a GIS file of points "
                          "or polygons in any CRS (GeoPackage, GeoJSON, Shapefile, FlatGeobuf)");
    cmd->add_option("--grid-m", o->grid_m, "Without --zones: square zones of this size (m)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-stop-link-m", o->max_stop_link_m, "Stops farther from the streets are left out (m)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--gateway-roads", o->gateway_roads,
                    "Road types whose crossing of the area's edge makes a gateway zone (default "
                    "motorway,trunk,primary,secondary,tertiary)")
        ->type_name("TYPE,...");
    cmd->add_flag("--no-gateways", o->no_gateways, "Make no gateway zones at the area's edge");
    cmd->add_option("--crs", o->crs,
                    "CRS of the network's coordinates: utm (the UTM zone of the area, default), a projected CRS in "
                    "metres (EPSG:3006 for Sweden), or local (a flat plane around the centre, a few km only)")
        ->type_name("CRS");
    cmd->add_option("--name", o->name, "Name of the network");
    cmd->add_option("--output,-o", c.output, "Network folder to write")->required();
    cmd->add_option("--threads,-j", c.threads, "Worker threads (0: all cores)")->check(CLI::Range(0, 1024));
    cmd->add_flag("--quiet,-q", c.quiet, "Print only errors");
    add_force_option(cmd, c);
    cmd->footer(
        "Examples:\n"
        "  flemsim network build --osm city.osm.pbf --center 59.338,18.070 --radius-km 1.5 --output networks/city\n"
        "  flemsim network build --osm city.osm --gtfs sl.zip --service-date 2026-11-26 --zones zones.csv -o "
        "networks/city\n"
        "  flemsim network build --osm city.osm.pbf --zones deso.gpkg --zone-fields id=deso,residents=bef,jobs=arb -o "
        "networks/city\n"
        "  flemsim network build --osm poa.osm.pbf --gtfs buses.zip --gtfs metro.zip --service-date 2019-05-06 -o "
        "networks/poa");
    return {cmd, [o] {
                resolve_zone_file_options(o->zones);
                validate(*o);
                return with_thread_limit(worker_threads(o->common.threads), [&] { return run(*o); });
            }};
}

}  // namespace flemsim::apps
