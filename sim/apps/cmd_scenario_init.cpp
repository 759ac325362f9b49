// flemsim scenario init: a complete, commented scenario for a network folder.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/fs.hpp"
#include "sim/network/import/zones.hpp"
#include "sim/network/network.hpp"
#include "sim/pipeline/scenario_init.hpp"

namespace flemsim::apps {

namespace {

struct ScenarioInitCommandOptions {
    std::string network, name;
    ZoneFileArgs zones;
    int year = 2026;
    CommonOptions common;  // --output (the scenario file), --quiet, --force
};

int run(const ScenarioInitCommandOptions& o) {
    const auto& c = o.common;
    const auto say = [&](const std::string& line) {
        if (!c.quiet) std::cout << line << "\n";
    };
    const std::filesystem::path out(c.output);
    if (core::exists(out) && !c.force)
        throw UsageError("'" + c.output + "' exists: give --force to replace it, or another --output");
    const auto net = network::load_network(o.network);

    pipeline::ScenarioInitOptions io;
    io.name = o.name.empty() ? std::filesystem::path(o.network).lexically_normal().filename().string() : o.name;
    if (io.name.empty() || io.name == "." || io.name == "..") io.name = "my-area";
    io.year = o.year;
    // The network as the scenario names it: relative to the scenario file's folder.
    const auto out_dir = std::filesystem::absolute(out).parent_path();
    io.network_reference = std::filesystem::absolute(o.network).lexically_normal().lexically_relative(out_dir);
    if (io.network_reference.empty()) io.network_reference = std::filesystem::absolute(o.network);
    io.network_zones_file = (std::filesystem::path(o.network) / "zones.csv").string();
    if (!o.zones.file.empty()) {
        const auto zones = network::import::read_zone_file(o.zones.file, o.zones.options);
        const auto& f = o.zones.options.land_use_fields;
        const std::string name = std::filesystem::path(o.zones.file).filename().string();
        for (const auto& z : zones)
            io.land_use[z.id] = {{z.residents, z.jobs, z.study_places, z.visits},
                                 fmt::format("{}:{},{},{},{}", name, f[0], f[1], f[2], f[3])};
        io.land_use_file = o.zones.file;
    }
    pipeline::ScenarioInitReport report;
    const std::string text = pipeline::scenario_init_text(net, io, report);

    // Written beside the target under a temporary name, loaded back with every check of a
    // scenario (it must run as written), and only then renamed into place; its folder is made
    // when missing (as --output folders are).
    {
        std::error_code ec;
        std::filesystem::create_directories(out_dir, ec);
        if (ec) throw core::IoError("cannot make the folder " + out_dir.string() + ": " + ec.message());
    }
    const auto tmp = core::temporary_path_for(out);
    core::TemporaryFileGuard guard(tmp);
    {
        std::ofstream f(tmp, std::ios::binary);
        f << text;
        if (!f) throw core::IoError("cannot write " + tmp.string() + ": " + std::strerror(errno));
    }
    scenario::load_scenario(tmp);
    core::commit_file(tmp, out);
    guard.release();
    say(
        fmt::format("wrote {}: {} study zones, {} gateways; land use {:.0f} residents, {:.0f} jobs, {:.0f} study "
                    "places, {:.0f} visits",
                    c.output, report.study_zones, report.gateways, report.totals[0], report.totals[1], report.totals[2],
                    report.totals[3]));
    say(fmt::format("  land use: {} zones from {}, {} from the network's zones.csv, {} by the default rule",
                    report.zones_from_file, o.zones.file.empty() ? "a zone file (none given)" : o.zones.file,
                    report.zones_from_network, report.zones_by_default));
    say(fmt::format("  gateways: {} weighed by the network's zones.csv (weight), {} alike by default",
                    report.gateways_weighted, report.gateways - report.gateways_weighted));
    for (const auto& n : report.notes) say("  " + n);
    say("  run it: flemsim run " + c.output);
    return exit_ok;
}

}  // namespace

Command add_scenario_init_command(CLI::App& scenario) {
    auto o = std::make_shared<ScenarioInitCommandOptions>();
    auto& c = o->common;
    auto* cmd = scenario.add_subcommand("init", "Write a complete, commented scenario for a network folder");
    cmd->add_option("--network", o->network, "The network folder (e.g. from flemsim network build)")->required();
    add_zone_file_options(cmd, o->zones,
                          "Land use per zone: CSV (id,name,lat,lon,residents,jobs,study_places,visits) or a GIS file "
                          "(GeoPackage, GeoJSON, Shapefile, FlatGeobuf); without it, the network's own (zones.csv)");
    cmd->add_option("--name", o->name, "Name of the scenario (default: the network folder's name)");
    cmd->add_option("--year", o->year, "Year of the scenario")->check(CLI::Range(1900, 2200));
    cmd->add_option("--output,-o", c.output, "The scenario file to write")->required();
    cmd->add_flag("--quiet,-q", c.quiet, "Print only errors");
    cmd->add_flag("--force", c.force, "Replace the file when it exists");
    cmd->footer(
        "Examples:\n"
        "  flemsim scenario init --network networks/city -o scenarios/city.yaml\n"
        "  flemsim scenario init --network networks/city --zones deso.gpkg --zone-fields id=deso,residents=bef -o "
        "scenarios/city.yaml\n"
        "  flemsim run scenarios/city.yaml --set population.scale=0.1");
    return {cmd, [o] {
                resolve_zone_file_options(o->zones);
                return run(*o);
            }};
}

}  // namespace flemsim::apps
