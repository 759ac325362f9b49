#pragma once
// Study zones for an imported network: points or polygons from a file (CSV, or GIS files
// through GDAL) or a regular grid; each street node usable by walk, bike and car goes to the
// polygon that holds it or to the nearest point.
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/network/network.hpp"

namespace flemsim::network::import {

struct ZoneSpec {
    std::string id, name;
    double lat = 0, lon = 0;                                       // a point zone's place; a polygon zone's centroid
    double residents = 0, jobs = 0, study_places = 0, visits = 0;  // land use, when the file gives it
    // A polygon zone's area in WGS84 (lat, lon): parts, each an outer ring then its holes.
    // Empty for a point zone.
    std::vector<std::vector<std::vector<std::pair<double, double>>>> polygons;
    int line = 0;  // the line (CSV) or feature number (GIS file) that gave it, for messages
};

// How the columns of a zone file map to a zone (`--zone-fields id=deso,residents=bef,...`):
// each key names the file's column for that value; a land-use key left empty is 0.
struct ZoneFileOptions {
    std::string id_field = "id";
    std::string name_field = "name";  // optional column: the id when the file lacks it
    std::array<std::string, 4> land_use_fields{"residents", "jobs", "study_places", "visits"};
    std::string layer;                         // GIS file with several layers: which one
    std::string crs;                           // GIS file that states no CRS (a shapefile without .prj): its CRS
    std::vector<std::string> required_fields;  // named by set_zone_fields: must exist
};

// Parses "key=FIELD,key=FIELD" (keys id, name, residents, jobs, study_places, visits) over the
// defaults; a usage error (std::invalid_argument) names a bad key.
void set_zone_fields(ZoneFileOptions& options, const std::string& text);

// Reads zones: a CSV with columns id,name,lat,lon and optionally residents, jobs, study_places,
// visits (WGS84 points); or any vector file GDAL reads (GeoPackage .gpkg, GeoJSON .geojson or
// .json, Shapefile .shp, FlatGeobuf .fgb) with Point or (Multi)Polygon features in any CRS,
// reprojected to WGS84 with PROJ, its columns mapped by `options`. Errors name the file and
// line (CSV) or feature and column (GIS).
std::vector<ZoneSpec> read_zone_file(const std::filesystem::path& file, const ZoneFileOptions& options = {});

// A grid of square zones of `cell_m` over the nodes' extent (ids "g<row>_<column>").
std::vector<ZoneSpec> grid_zones(const Network& net, double cell_m);

// Adds the zones to `net`: nodes with walk, bike and car links go to the polygon that holds
// them (the first in file order where polygons overlap; a node in no polygon is in no zone),
// or with point zones to the nearest point; a zone's centroid node is its member nearest its
// centre; zones that get no node are left out, said in `notes` with their count and names.
// Zone modes: walk|bike|car, and transit when the network has stops. The zones' land use goes
// to net.zone_land_use when any zone has some.
void add_zones(Network& net, const std::vector<ZoneSpec>& zones, std::vector<std::string>& notes);

// Zone members as CSR (zone_first_node, zone_nodes) from node_zone, node order within a zone.
void rebuild_zone_members(Network& net);

}  // namespace flemsim::network::import
