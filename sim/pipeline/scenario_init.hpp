#pragma once
// `flemsim scenario init`: a complete, commented scenario for a network folder (an imported
// city or any other), which runs as written. Land use comes from the zones' data where there
// is some (a zone file, or the land-use columns an import wrote into zones.csv), gateways from
// the network's gateway zones; every other value is flemsim's default (Flemingsberg 2017's
// assumption), and every value says which it is: "from FILE:column" or "default".
#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "sim/network/network.hpp"

namespace flemsim::pipeline {

// Land use of one zone as a data file gives it, with where each value came from.
struct ZoneLandUse {
    std::array<double, 4> values{};  // residents, jobs, study_places, visits
    std::string source;              // "zones.gpkg:bef,arb,-,-" and the like, for the comment
};

struct ScenarioInitOptions {
    std::string name;  // default: the network folder's name
    int year = 2026;
    std::filesystem::path network_reference;      // as the scenario names it (relative to the file)
    std::map<std::string, ZoneLandUse> land_use;  // by zone id (from --zones); empty: none given
    std::string land_use_file;                    // the file they came from, for the comments
    std::string network_zones_file;               // the network's zones.csv, for the comments
};

struct ScenarioInitReport {
    std::size_t study_zones = 0, gateways = 0;
    std::size_t zones_from_file = 0, zones_from_network = 0, zones_by_default = 0;
    std::size_t gateways_weighted = 0;  // gateways weighed by the network's zones.csv weight
    std::array<double, 4> totals{};     // land use written, summed
    std::vector<std::string> notes;     // human-readable lines for the console
};

// The scenario as YAML text. Land use per study zone: options.land_use where it names the
// zone, else the network's own (net.zone_land_use), else the default rule (per street node
// of the zone, said in the comment).
std::string scenario_init_text(const network::Network& net, const ScenarioInitOptions& options,
                               ScenarioInitReport& report);

// The default rule for a zone without land-use data: per street node of the zone (a rough
// stand-in for its built-up size, to be replaced with the zones' statistics).
inline constexpr std::array<double, 4> default_land_use_per_node{10, 5, 0, 5};

}  // namespace flemsim::pipeline
