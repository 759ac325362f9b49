#pragma once
// GIS-grade exports through GDAL/OGR and PROJ: the network and a run's results as layers a
// planner opens in QGIS or ArcGIS, in a stated coordinate reference system.
//
// Layers:
//   zones      points at the zones' centroids: id, name, kind
//   nodes      points: id, zone (the ids a network patch names)
//   links      lines (with their shapes): id, from, to, name, type, modes, oneway, length_m,
//              lanes, speed_kph, capacity_veh_per_h; with a simulated day per mode the day's
//              vehicles or persons (both directions), cars by period (night 0-6, am 6-9, day
//              9-15, pm 15-18, evening 18-), the busiest hour's cars in either direction and
//              its volume/capacity
//   stops      points: id, name; with a simulated day boardings, alightings, denied
//   line_loads lines from stop to stop per line and direction (simulated day): line, name,
//              mode, from_stop, to_stop, passengers on board over the day, vehicle trips,
//              the fullest vehicle's load over its capacity
// GeoPackage (one file, every layer), GeoJSON and FlatGeobuf (a file per layer).
#include <filesystem>
#include <string>
#include <vector>

#include "sim/network/network.hpp"
#include "sim/output/trip_log.hpp"

namespace flemsim::output {

enum class GisFormat { gpkg, geojson, fgb };

// Every file name an export may write (for the folder rules of a run's folder, which exports
// write beside the trip log).
std::vector<std::string> export_file_names();

// "gpkg", "geojson" or "fgb"; false for anything else.
bool parse_gis_format(const std::string& name, GisFormat& format);

// Whether `crs` (e.g. "EPSG:3006", "EPSG:4326", a PROJ string or WKT) is a CRS PROJ knows;
// `why` gets PROJ's reason when not.
bool valid_crs(const std::string& crs, std::string& why);

// Writes the layers into `dir` (network.gpkg, or <layer>.geojson / <layer>.fgb), each file under
// a temporary name renamed when complete; `log` may be null (the network alone), else it must
// be a log of this network (check_same_network, sim/output/exports.hpp, says so). The network's
// coordinates (its local plane, see network.yaml's projection) go to WGS84 and on to `crs`
// through PROJ. Returns the files written. Throws core::IoError when GDAL cannot write.
std::vector<std::filesystem::path> write_gis_layers(const std::filesystem::path& dir, GisFormat format,
                                                    const std::string& crs, const network::Network& net,
                                                    const TripLog* log);

// A transform from the network's plane to `crs` (x east / y north, or lon / lat for a
// geographic CRS), for exports that write coordinates as text.
class CrsTransform {
public:
    CrsTransform(const network::Network& net, const std::string& crs);
    ~CrsTransform();
    CrsTransform(const CrsTransform&) = delete;
    CrsTransform& operator=(const CrsTransform&) = delete;
    // Transforms in place; false when PROJ cannot.
    bool apply(double& x, double& y) const;
    bool geographic() const { return m_geographic; }

private:
    const network::Network& m_net;
    bool m_geographic = false;
    void* m_transform = nullptr;  // OGRCoordinateTransformation
};

}  // namespace flemsim::output
