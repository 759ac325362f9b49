#pragma once
// Study zones for an imported network: given centroids (a CSV or GeoJSON file) or a regular
// grid; each street node usable by walk, bike and car goes to the nearest centroid.
#include <filesystem>
#include <string>
#include <vector>

#include "sim/network/network.hpp"

namespace flemsim::network::import {

struct ZoneSpec {
    std::string id, name;
    double lat = 0, lon = 0;
    double residents = 0, jobs = 0, study_places = 0, visits = 0;  // land use, when the file gives it
};

// Reads zone centroids: a CSV with columns id,name,lat,lon and optionally residents, jobs,
// study_places, visits; or GeoJSON (a FeatureCollection of Point features whose properties
// hold id, name and the same optional numbers). Errors name file and line.
std::vector<ZoneSpec> read_zone_file(const std::filesystem::path& file);

// A grid of square zones of `cell_m` over the nodes' extent (ids "g<row>_<column>").
std::vector<ZoneSpec> grid_zones(const Network& net, double cell_m);

// Adds the zones to `net`: nodes with walk, bike and car links go to the nearest centroid;
// a zone's centroid node is its node nearest its centre; zones that get no node are left out
// (said in `notes`). Zone modes: walk|bike|car, and transit when the network has stops.
void add_zones(Network& net, const std::vector<ZoneSpec>& zones, std::vector<std::string>& notes);

}  // namespace flemsim::network::import
