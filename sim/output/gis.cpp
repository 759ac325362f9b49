#include "sim/output/gis.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include "sim/core/error.hpp"
#include "sim/core/fs.hpp"
#include "sim/core/gdal_support.hpp"

namespace flemsim::output {

namespace {

// A CRS with x east (longitude) and y north (latitude), whatever the authority's axis order.
bool make_srs(OGRSpatialReference& srs, const std::string& crs) {
    if (srs.SetFromUserInput(crs.c_str()) != OGRERR_NONE) return false;
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return true;
}

constexpr std::array<const char*, 5> period_names{"night", "am", "day", "pm", "evening"};
std::size_t period_of(std::uint16_t hour) {
    const int h = hour % 24 + (hour >= 24 ? 24 : 0);
    if (h < 6) return 0;
    if (h < 9) return 1;
    if (h < 15) return 2;
    if (h < 18) return 3;
    return 4;
}

struct LinkTotals {
    std::uint64_t cars = 0, buses = 0, walkers = 0, cyclists = 0;
    std::array<std::uint64_t, 5> cars_by_period{};
    std::uint32_t peak_hour_cars = 0;
};

struct StopTotals {
    std::uint64_t boardings = 0, alightings = 0, denied = 0;
};

struct SegmentLoad {
    std::int32_t from_stop = -1, to_stop = -1;
    std::uint64_t onboard = 0, vehicle_trips = 0;
    double fullest = 0;  // the largest on board / capacity of a vehicle trip
};

// One layer being written: fields declared, then features.
class Layer {
public:
    Layer(GDALDataset* ds, const char* name, const OGRSpatialReference& srs, OGRwkbGeometryType type,
          const std::filesystem::path& file)
        : m_file(file) {
        // GDAL 3.6 takes the CRS by non-const pointer (it copies it).
        m_layer = ds->CreateLayer(name, const_cast<OGRSpatialReference*>(&srs), type, nullptr);
        if (!m_layer) fail("cannot create layer " + std::string(name));
    }
    void field(const char* name, OGRFieldType type) {
        OGRFieldDefn f(name, type);
        if (m_layer->CreateField(&f) != OGRERR_NONE) fail(std::string("cannot add field ") + name);
    }
    OGRFeature* begin() { return OGRFeature::CreateFeature(m_layer->GetLayerDefn()); }
    void end(OGRFeature* f) {
        const auto err = m_layer->CreateFeature(f);
        OGRFeature::DestroyFeature(f);
        if (err != OGRERR_NONE) fail("cannot write a feature");
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw core::IoError("cannot write " + m_file.string() + ": " + what + " (" + core::gdal_message() + ")");
    }

private:
    OGRLayer* m_layer = nullptr;
    std::filesystem::path m_file;
};

}  // namespace

std::vector<std::string> export_file_names() {
    std::vector<std::string> names{"output_trips.csv", "output_trips.csv.gz", "export.json", "network.gpkg"};
    for (const char* layer : {"zones", "nodes", "links", "stops", "line_loads"})
        for (const char* ext : {".geojson", ".fgb"}) names.push_back(std::string(layer) + ext);
    return names;
}

bool parse_gis_format(const std::string& name, GisFormat& format) {
    if (name == "gpkg")
        format = GisFormat::gpkg;
    else if (name == "geojson")
        format = GisFormat::geojson;
    else if (name == "fgb")
        format = GisFormat::fgb;
    else
        return false;
    return true;
}

bool valid_crs(const std::string& crs, std::string& why) {
    core::register_gdal();
    CPLErrorReset();
    OGRSpatialReference srs;
    if (make_srs(srs, crs)) return true;
    why = core::gdal_message();
    return false;
}

CrsTransform::CrsTransform(const network::Network& net, const std::string& crs) : m_net(net) {
    core::register_gdal();
    OGRSpatialReference wgs84, target;
    make_srs(wgs84, "EPSG:4326");
    if (!make_srs(target, crs)) throw core::IoError("unknown CRS '" + crs + "': " + core::gdal_message());
    m_geographic = target.IsGeographic();
    m_transform = OGRCreateCoordinateTransformation(&wgs84, &target);
    if (!m_transform) throw core::IoError("no transformation from WGS84 to '" + crs + "': " + core::gdal_message());
}

CrsTransform::~CrsTransform() {
    OGRCoordinateTransformation::DestroyCT(static_cast<OGRCoordinateTransformation*>(m_transform));
}

bool CrsTransform::apply(double& x, double& y) const {
    const auto [lat, lon] = m_net.to_lat_lon(x, y);
    x = lon;
    y = lat;
    return static_cast<OGRCoordinateTransformation*>(m_transform)->Transform(1, &x, &y) == TRUE;
}

std::vector<std::filesystem::path> write_gis_layers(const std::filesystem::path& dir, GisFormat format,
                                                    const std::string& crs, const network::Network& net,
                                                    const TripLog* log) {
    core::register_gdal();
    const bool simulated = log && log->has_simulation;
    OGRSpatialReference srs;
    if (!make_srs(srs, crs)) throw core::IoError("unknown CRS '" + crs + "': " + core::gdal_message());
    const CrsTransform transform(net, crs);
    const auto at = [&](double x, double y) {
        if (!transform.apply(x, y))
            throw core::IoError("cannot transform a point to '" + crs + "': " + core::gdal_message());
        return std::pair{x, y};
    };

    // Totals of the simulated day.
    std::vector<LinkTotals> links(net.link_count());
    std::vector<StopTotals> stops(net.stop_count());
    std::map<std::tuple<std::int32_t, std::uint8_t, std::uint16_t>, SegmentLoad> segments;
    if (simulated) {
        for (const auto& v : log->simulation.link_volumes) {
            if (v.link >= links.size()) continue;
            auto& t = links[v.link];
            t.cars += v.cars;
            t.buses += v.buses;
            t.walkers += v.walkers;
            t.cyclists += v.cyclists;
            t.cars_by_period[period_of(v.hour)] += v.cars;
            t.peak_hour_cars = std::max(t.peak_hour_cars, v.cars);
        }
        const auto& load = log->simulation.transit_load;
        const auto in_range = [&](std::int32_t s) { return s >= 0 && static_cast<std::size_t>(s) < stops.size(); };
        for (std::size_t i = 0; i < load.size(); ++i) {
            const auto& r = load[i];
            if (in_range(r.from_stop)) {
                auto& s = stops[static_cast<std::size_t>(r.from_stop)];
                s.boardings += r.boardings;
                s.alightings += r.alightings;
                s.denied += r.denied;
            }
            // Riders still on board after a trip's last segment alight at its last stop.
            const bool last = i + 1 == load.size() || load[i + 1].vehicle_trip != r.vehicle_trip;
            if (last && in_range(r.to_stop)) stops[static_cast<std::size_t>(r.to_stop)].alightings += r.onboard;
            auto& seg = segments[{r.line, r.direction, r.segment}];
            seg.from_stop = r.from_stop;
            seg.to_stop = r.to_stop;
            seg.onboard += r.onboard;
            ++seg.vehicle_trips;
            if (r.capacity > 0) seg.fullest = std::max(seg.fullest, static_cast<double>(r.onboard) / r.capacity);
        }
    }

    // Written into a folder of their own beside the outputs, then renamed into place.
    const auto staging = dir / (".gis-tmp-" + std::to_string(::getpid()));
    std::filesystem::remove_all(staging);
    std::filesystem::create_directories(staging);
    struct Cleanup {
        std::filesystem::path p;
        ~Cleanup() {
            std::error_code ec;
            std::filesystem::remove_all(p, ec);
        }
    } cleanup{staging};
    const char* driver_name = format == GisFormat::gpkg      ? "GPKG"
                              : format == GisFormat::geojson ? "GeoJSON"
                                                             : "FlatGeobuf";
    const char* ext = format == GisFormat::gpkg ? ".gpkg" : format == GisFormat::geojson ? ".geojson" : ".fgb";
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
    if (!driver) throw core::IoError(std::string("GDAL has no ") + driver_name + " driver");
    std::vector<std::filesystem::path> files;
    GDALDataset* shared = nullptr;  // the one GeoPackage
    const auto open = [&](const char* layer) -> std::pair<GDALDataset*, std::filesystem::path> {
        const auto file =
            staging / (format == GisFormat::gpkg ? std::string("network") + ext : std::string(layer) + ext);
        if (format == GisFormat::gpkg && shared) return {shared, file};
        CPLErrorReset();
        GDALDataset* ds = driver->Create(file.c_str(), 0, 0, 0, GDT_Unknown, nullptr);
        if (!ds) throw core::IoError("cannot create " + file.string() + ": " + core::gdal_message());
        if (format == GisFormat::gpkg) shared = ds;
        files.push_back(file);
        return {ds, file};
    };
    const auto close = [&](GDALDataset* ds, const std::filesystem::path& file, bool last) {
        if (format == GisFormat::gpkg && !last) return;
        CPLErrorReset();
        if (ds == shared) shared = nullptr;
        GDALClose(ds);  // flushes: its failure shows as GDAL's last error
        if (CPLGetLastErrorType() >= CE_Failure)
            throw core::IoError("cannot write " + file.string() + ": " + core::gdal_message());
    };

    // One layer: its file (or the GeoPackage), a transaction, the fields and features `fill`
    // writes, then the file closed (the GeoPackage after its last layer).
    const auto layer_block = [&](const char* name, OGRwkbGeometryType type, bool last, const auto& fill) {
        auto [ds, file] = open(name);
        ds->StartTransaction();  // GeoPackage: one transaction a layer; the others have none
        Layer layer(ds, name, srs, type, file);
        fill(layer);
        ds->CommitTransaction();
        close(ds, file, last);
    };
    // A feature at a point of the network's plane.
    const auto point_at = [&](OGRFeature* f, double x_m, double y_m) {
        const auto [x, y] = at(x_m, y_m);
        OGRPoint p(x, y);
        f->SetGeometry(&p);
    };
    try {
        layer_block("zones", wkbPoint, false, [&](Layer& layer) {
            for (const char* field : {"id", "name", "kind"}) layer.field(field, OFTString);
            for (std::size_t i = 0; i < net.zone_count(); ++i) {
                auto* f = layer.begin();
                f->SetField("id", net.zone_ids[i].c_str());
                f->SetField("name", net.zone_names[i].c_str());
                f->SetField("kind", net.zone_kind[i] == network::ZoneKind::study ? "study" : "gateway");
                const auto n = net.zone_centroid[i];
                point_at(f, net.node_x_m[n], net.node_y_m[n]);
                layer.end(f);
            }
        });
        layer_block("nodes", wkbPoint, false, [&](Layer& layer) {
            layer.field("id", OFTString);
            layer.field("zone", OFTString);
            for (std::size_t i = 0; i < net.node_count(); ++i) {
                auto* f = layer.begin();
                f->SetField("id", net.node_ids[i].c_str());
                if (net.node_zone[i] != core::invalid_index)
                    f->SetField("zone", net.zone_ids[net.node_zone[i]].c_str());
                point_at(f, net.node_x_m[i], net.node_y_m[i]);
                layer.end(f);
            }
        });
        layer_block("links", wkbLineString, false, [&](Layer& layer) {
            for (const char* name : {"id", "from", "to", "name", "type", "modes"}) layer.field(name, OFTString);
            layer.field("oneway", OFTInteger);
            for (const char* name : {"length_m", "lanes", "speed_kph", "capacity_veh_per_h"})
                layer.field(name, OFTReal);
            if (simulated) {
                for (const char* name : {"cars", "buses", "walkers", "cyclists"}) layer.field(name, OFTInteger64);
                for (const char* p : period_names) layer.field((std::string("cars_") + p).c_str(), OFTInteger64);
                layer.field("peak_hour_cars", OFTInteger64);
                layer.field("vc_peak", OFTReal);
            }
            for (std::size_t l = 0; l < net.link_count(); ++l) {
                auto* f = layer.begin();
                f->SetField("id", net.link_ids[l].c_str());
                f->SetField("from", net.node_ids[net.link_from[l]].c_str());
                f->SetField("to", net.node_ids[net.link_to[l]].c_str());
                f->SetField("name", net.link_name[l].c_str());
                f->SetField("type", net.link_type[l].c_str());
                f->SetField("modes", network::modes_text(net.link_modes[l]).c_str());
                f->SetField("oneway", net.link_oneway[l] ? 1 : 0);
                f->SetField("length_m", net.link_length_m[l]);
                if (net.link_modes[l] & network::car_bit) {
                    f->SetField("lanes", net.link_lanes[l]);
                    f->SetField("speed_kph", net.link_car_speed_mps[l] * 3.6);
                    f->SetField("capacity_veh_per_h", net.link_capacity_veh_per_h[l]);
                }
                if (simulated) {
                    const auto& t = links[l];
                    f->SetField("cars", static_cast<GIntBig>(t.cars));
                    f->SetField("buses", static_cast<GIntBig>(t.buses));
                    f->SetField("walkers", static_cast<GIntBig>(t.walkers));
                    f->SetField("cyclists", static_cast<GIntBig>(t.cyclists));
                    for (std::size_t p = 0; p < period_names.size(); ++p)
                        f->SetField((std::string("cars_") + period_names[p]).c_str(),
                                    static_cast<GIntBig>(t.cars_by_period[p]));
                    f->SetField("peak_hour_cars", static_cast<GIntBig>(t.peak_hour_cars));
                    if (net.link_capacity_veh_per_h[l] > 0)
                        f->SetField("vc_peak", t.peak_hour_cars / net.link_capacity_veh_per_h[l]);
                }
                OGRLineString line;
                const auto add = [&](double x, double y) {
                    const auto [px, py] = at(x, y);
                    line.addPoint(px, py);
                };
                add(net.node_x_m[net.link_from[l]], net.node_y_m[net.link_from[l]]);
                if (!net.link_first_point.empty())
                    for (auto p = net.link_first_point[l]; p < net.link_first_point[l + 1]; ++p)
                        add(net.point_x_m[p], net.point_y_m[p]);
                add(net.node_x_m[net.link_to[l]], net.node_y_m[net.link_to[l]]);
                f->SetGeometry(&line);
                layer.end(f);
            }
        });
        layer_block("stops", wkbPoint, !simulated, [&](Layer& layer) {
            layer.field("id", OFTString);
            layer.field("name", OFTString);
            if (simulated)
                for (const char* name : {"boardings", "alightings", "denied"}) layer.field(name, OFTInteger64);
            for (std::size_t s = 0; s < net.stop_count(); ++s) {
                auto* f = layer.begin();
                f->SetField("id", net.stop_ids[s].c_str());
                f->SetField("name", net.stop_names[s].c_str());
                if (simulated) {
                    f->SetField("boardings", static_cast<GIntBig>(stops[s].boardings));
                    f->SetField("alightings", static_cast<GIntBig>(stops[s].alightings));
                    f->SetField("denied", static_cast<GIntBig>(stops[s].denied));
                }
                const auto n = net.stop_node[s];
                point_at(f, net.node_x_m[n], net.node_y_m[n]);
                layer.end(f);
            }
        });
        if (simulated)
            layer_block("line_loads", wkbLineString, true, [&](Layer& layer) {
                for (const char* name : {"line", "name", "mode", "from_stop", "to_stop"}) layer.field(name, OFTString);
                layer.field("direction", OFTInteger);
                layer.field("segment", OFTInteger);
                layer.field("onboard", OFTInteger64);
                layer.field("vehicle_trips", OFTInteger64);
                layer.field("fullest", OFTReal);
                for (const auto& [key, seg] : segments) {
                    const auto [line, direction, segment] = key;
                    if (line < 0 || static_cast<std::size_t>(line) >= net.line_count() || seg.from_stop < 0 ||
                        seg.to_stop < 0 ||
                        static_cast<std::size_t>(std::max(seg.from_stop, seg.to_stop)) >= net.stop_count())
                        continue;
                    auto* f = layer.begin();
                    const auto l = static_cast<std::size_t>(line);
                    f->SetField("line", net.line_ids[l].c_str());
                    f->SetField("name", net.line_names[l].c_str());
                    f->SetField("mode", network::line_mode_name(net.line_mode[l]));
                    f->SetField("from_stop", net.stop_ids[static_cast<std::size_t>(seg.from_stop)].c_str());
                    f->SetField("to_stop", net.stop_ids[static_cast<std::size_t>(seg.to_stop)].c_str());
                    f->SetField("direction", direction);
                    f->SetField("segment", segment);
                    f->SetField("onboard", static_cast<GIntBig>(seg.onboard));
                    f->SetField("vehicle_trips", static_cast<GIntBig>(seg.vehicle_trips));
                    f->SetField("fullest", seg.fullest);
                    OGRLineString ls;
                    for (const auto s : {seg.from_stop, seg.to_stop}) {
                        const auto n = net.stop_node[static_cast<std::size_t>(s)];
                        const auto [x, y] = at(net.node_x_m[n], net.node_y_m[n]);
                        ls.addPoint(x, y);
                    }
                    f->SetGeometry(&ls);
                    layer.end(f);
                }
            });
    } catch (...) {
        if (shared) GDALClose(shared);
        throw;
    }
    // Complete: into place.
    std::vector<std::filesystem::path> written;
    for (const auto& f : files) {
        std::filesystem::rename(f, dir / f.filename());
        written.push_back(dir / f.filename());
    }
    return written;
}

}  // namespace flemsim::output
