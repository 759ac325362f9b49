#include "sim/network/import/zones.hpp"

#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "sim/core/csv.hpp"
#include "sim/core/error.hpp"
#include "sim/core/gdal_support.hpp"
#include "sim/core/text.hpp"

namespace flemsim::network::import {

using core::InputError;
using core::invalid_index;

namespace {

bool valid_id(const std::string& id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

constexpr std::array<std::string_view, 4> land_use_keys{"residents", "jobs", "study_places", "visits"};

bool required(const ZoneFileOptions& o, const std::string& field) {
    return std::find(o.required_fields.begin(), o.required_fields.end(), field) != o.required_fields.end();
}

std::vector<ZoneSpec> read_csv(const std::filesystem::path& file, const ZoneFileOptions& o) {
    std::vector<std::string> optional{o.name_field};
    for (const auto& f : o.land_use_fields) optional.push_back(f);
    core::CsvReader r(file, {o.id_field, "lat", "lon"}, optional);
    for (std::size_t c = 3; c < 8; ++c)
        if (!r.has(c) && required(o, optional[c - 3]))
            throw InputError({file.string(), 1, 0}, "no column '" + optional[c - 3] + "' (named by --zone-fields)");
    std::vector<ZoneSpec> out;
    while (r.next()) {
        ZoneSpec z;
        z.line = r.line();
        z.id = std::string(r.required_text(0));
        if (!valid_id(z.id)) r.fail(0, "ids may hold letters, digits, '_' and '-' only");
        z.name = std::string(!r.has(3) || r.text(3).empty() ? r.text(0) : r.text(3));
        z.lat = r.number(1);
        z.lon = r.number(2);
        if (std::abs(z.lat) > 90) r.fail(1, "latitude out of range");
        if (std::abs(z.lon) > 180) r.fail(2, "longitude out of range");
        std::array<double, 4> v{};
        for (std::size_t k = 0; k < 4; ++k) {
            const std::size_t c = 4 + k;
            if (!r.has(c) || r.text(c).empty()) continue;
            v[k] = r.number(c);
            if (!(v[k] >= 0)) r.fail(c, "must be >= 0");
        }
        std::tie(z.residents, z.jobs, z.study_places, z.visits) = std::tuple{v[0], v[1], v[2], v[3]};
        out.push_back(std::move(z));
    }
    return out;
}

// The rings of a (transformed) polygon in (lat, lon).
std::vector<std::vector<std::pair<double, double>>> rings_of(const OGRPolygon& poly) {
    std::vector<std::vector<std::pair<double, double>>> out;
    const auto ring = [&](const OGRLinearRing* r) {
        std::vector<std::pair<double, double>> pts;
        if (!r) return;
        for (int i = 0; i < r->getNumPoints(); ++i) pts.emplace_back(r->getY(i), r->getX(i));
        out.push_back(std::move(pts));
    };
    ring(poly.getExteriorRing());
    for (int i = 0; i < poly.getNumInteriorRings(); ++i) ring(poly.getInteriorRing(i));
    return out;
}

std::vector<ZoneSpec> read_gis(const std::filesystem::path& file, const ZoneFileOptions& o) {
    core::register_gdal();
    const std::string where = file.string();
    const auto fail = [&](const std::string& message, const std::string& hint = {}) {
        throw InputError({where, 0, 0}, message, hint);
    };
    GDALDatasetUniquePtr ds(GDALDataset::Open(where.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds)
        fail("cannot be read as a GIS file: " + core::gdal_message(),
             "zones come as CSV (id,name,lat,lon,...), GeoPackage, GeoJSON, Shapefile or FlatGeobuf");
    std::string layers;
    for (int i = 0; i < ds->GetLayerCount(); ++i) layers += (i ? ", " : "") + std::string(ds->GetLayer(i)->GetName());
    OGRLayer* layer = nullptr;
    if (o.layer.empty()) {
        if (ds->GetLayerCount() != 1)
            fail(fmt::format("has {} layers ({})", ds->GetLayerCount(), layers), "name one with --zones-layer");
        layer = ds->GetLayer(0);
    } else {
        layer = ds->GetLayerByName(o.layer.c_str());
        if (!layer) fail("has no layer '" + o.layer + "' (it has " + layers + ")");
    }
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference source;
    if (const OGRSpatialReference* stated = layer->GetSpatialRef()) {
        source = *stated;
        if (!o.crs.empty()) {
            OGRSpatialReference given;
            if (given.SetFromUserInput(o.crs.c_str()) != OGRERR_NONE) fail("--zones-crs '" + o.crs + "' is no CRS");
            if (!source.IsSame(&given))
                fail("states its own CRS, which is not --zones-crs '" + o.crs + "'",
                     "leave --zones-crs out: it is for files that state none");
        }
    } else if (o.crs.empty()) {
        fail("states no CRS (a shapefile without its .prj?)",
             "give it with --zones-crs, e.g. EPSG:3006 (SWEREF 99 TM)");
    } else if (source.SetFromUserInput(o.crs.c_str()) != OGRERR_NONE) {
        fail("--zones-crs '" + o.crs + "' is no CRS", "e.g. EPSG:3006 (SWEREF 99 TM) or EPSG:4326 (WGS84)");
    }
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_wgs84(OGRCreateCoordinateTransformation(&source, &wgs84));
    if (!to_wgs84) fail("no transformation from its CRS to WGS84: " + core::gdal_message());

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    std::string columns;
    for (int i = 0; i < defn->GetFieldCount(); ++i)
        columns += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
    const auto column = [&](const std::string& name, bool needed) {
        const int i = defn->GetFieldIndex(name.c_str());
        if (i < 0 && needed)
            fail("layer '" + std::string(layer->GetName()) + "' has no column '" + name + "' (it has " + columns + ")",
                 "map the columns with --zone-fields id=COLUMN,name=COLUMN,residents=COLUMN,...");
        return i;
    };
    const int id_col = column(o.id_field, true);
    const int name_col = column(o.name_field, required(o, o.name_field));
    std::array<int, 4> lu_col{};
    for (std::size_t k = 0; k < 4; ++k) lu_col[k] = column(o.land_use_fields[k], required(o, o.land_use_fields[k]));

    std::vector<ZoneSpec> out;
    int kind = 0;  // 1 points, 2 polygons
    layer->ResetReading();
    int number = 0;
    for (OGRFeatureUniquePtr f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
        ++number;
        const auto at = [&](const std::string& message) { fail(fmt::format("feature {}: {}", number, message)); };
        ZoneSpec z;
        z.line = number;
        z.id = f->IsFieldSetAndNotNull(id_col) ? f->GetFieldAsString(id_col) : "";
        while (!z.id.empty() && z.id.back() == ' ') z.id.pop_back();
        if (!valid_id(z.id))
            at("column '" + o.id_field + "': id '" + z.id + "': ids may hold letters, digits, '_' and '-' only");
        z.name = name_col >= 0 && f->IsFieldSetAndNotNull(name_col) ? f->GetFieldAsString(name_col) : z.id;
        if (z.name.empty()) z.name = z.id;
        std::array<double, 4> v{};
        for (std::size_t k = 0; k < 4; ++k) {
            if (lu_col[k] < 0 || !f->IsFieldSetAndNotNull(lu_col[k])) continue;
            const auto type = defn->GetFieldDefn(lu_col[k])->GetType();
            const std::string text = f->GetFieldAsString(lu_col[k]);
            if (type == OFTInteger || type == OFTInteger64 || type == OFTReal) {
                v[k] = f->GetFieldAsDouble(lu_col[k]);
            } else {
                try {
                    v[k] = core::parse_double(core::trim(text));
                } catch (const core::ParseError&) {
                    at("zone '" + z.id + "', column '" + o.land_use_fields[k] + "': '" + text + "' is not a number");
                }
            }
            if (!(v[k] >= 0) || !std::isfinite(v[k]))
                at("zone '" + z.id + "', column '" + o.land_use_fields[k] + "': " + text + " must be >= 0");
        }
        std::tie(z.residents, z.jobs, z.study_places, z.visits) = std::tuple{v[0], v[1], v[2], v[3]};
        const OGRGeometry* g0 = f->GetGeometryRef();
        if (!g0 || g0->IsEmpty()) at("zone '" + z.id + "' has no geometry");
        std::unique_ptr<OGRGeometry> g(g0->clone());
        if (g->transform(to_wgs84.get()) != OGRERR_NONE)
            at("zone '" + z.id + "': cannot be reprojected to WGS84: " + core::gdal_message());
        const auto type = wkbFlatten(g->getGeometryType());
        int this_kind = 0;
        if (type == wkbPoint) {
            const auto* pt = g->toPoint();
            z.lon = pt->getX();
            z.lat = pt->getY();
            this_kind = 1;
        } else if (type == wkbPolygon || type == wkbMultiPolygon) {
            if (type == wkbPolygon) {
                z.polygons.push_back(rings_of(*g->toPolygon()));
            } else {
                for (const auto* part : *g->toMultiPolygon()) z.polygons.push_back(rings_of(*part));
            }
            OGRPoint c;
            if (g->Centroid(&c) != OGRERR_NONE) at("zone '" + z.id + "': no centroid: " + core::gdal_message());
            z.lon = c.getX();
            z.lat = c.getY();
            this_kind = 2;
        } else {
            at(std::string("zone '") + z.id + "' is a " + OGRGeometryTypeToName(g->getGeometryType()) +
               ": expected a Point or a (Multi)Polygon");
        }
        if (kind != 0 && this_kind != kind) at("zone '" + z.id + "': a file holds points or polygons, not both");
        kind = this_kind;
        if (!(std::abs(z.lat) <= 90 && std::abs(z.lon) <= 180))
            at("zone '" + z.id + "': outside the earth's coordinates after reprojection (is the CRS right?)");
        out.push_back(std::move(z));
    }
    return out;
}

// Even-odd rule over every ring of a part (its outer ring and holes), in metres.
bool inside(const std::vector<std::vector<std::pair<double, double>>>& rings, double x, double y) {
    bool in = false;
    for (const auto& ring : rings)
        for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++) {
            const auto [xi, yi] = ring[i];
            const auto [xj, yj] = ring[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) in = !in;
        }
    return in;
}

// Every node with all three street modes goes to the first zone (file order) whose polygon
// holds it; the polygons' bounding boxes are bucketed on a grid so a node tests only the few
// polygons near it.
void assign_to_polygons(const Network& net, const std::vector<ZoneSpec>& zones, const std::vector<std::uint8_t>& modes,
                        std::vector<std::uint32_t>& zone_of_node) {
    struct Part {
        std::uint32_t zone;
        std::vector<std::vector<std::pair<double, double>>> rings;  // metres
        double min_x, min_y, max_x, max_y;
    };
    std::vector<Part> parts;
    for (std::uint32_t z = 0; z < zones.size(); ++z)
        for (const auto& part : zones[z].polygons) {
            Part p{z,
                   {},
                   std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity()};
            for (const auto& ring : part) {
                auto& r = p.rings.emplace_back();
                for (const auto& [lat, lon] : ring) {
                    const auto [x, y] = net.to_x_y(lat, lon);
                    r.emplace_back(x, y);
                    p.min_x = std::min(p.min_x, x), p.max_x = std::max(p.max_x, x);
                    p.min_y = std::min(p.min_y, y), p.max_y = std::max(p.max_y, y);
                }
            }
            if (!p.rings.empty() && p.rings[0].size() >= 3) parts.push_back(std::move(p));
        }
    constexpr std::uint8_t all = walk_bit | bike_bit | car_bit;
    double min_x = std::numeric_limits<double>::infinity(), min_y = min_x, max_x = -min_x, max_y = -min_x;
    for (std::size_t n = 0; n < net.node_count(); ++n) {
        min_x = std::min(min_x, net.node_x_m[n]), max_x = std::max(max_x, net.node_x_m[n]);
        min_y = std::min(min_y, net.node_y_m[n]), max_y = std::max(max_y, net.node_y_m[n]);
    }
    if (parts.empty() || net.node_count() == 0) return;
    const double cell = std::max(100.0, std::sqrt(std::max(1.0, (max_x - min_x) * (max_y - min_y)) / 4096.0));
    const int cols = static_cast<int>((max_x - min_x) / cell) + 1, rows = static_cast<int>((max_y - min_y) / cell) + 1;
    std::vector<std::vector<std::uint32_t>> bucket(static_cast<std::size_t>(cols) * rows);
    const auto col = [&](double x) {
        return std::clamp(static_cast<int>(std::floor((x - min_x) / cell)), 0, cols - 1);
    };
    const auto row = [&](double y) {
        return std::clamp(static_cast<int>(std::floor((y - min_y) / cell)), 0, rows - 1);
    };
    for (std::uint32_t i = 0; i < parts.size(); ++i) {
        const auto& p = parts[i];
        if (p.max_x < min_x || p.min_x > max_x || p.max_y < min_y || p.min_y > max_y) continue;
        for (int r = row(p.min_y); r <= row(p.max_y); ++r)
            for (int c = col(p.min_x); c <= col(p.max_x); ++c)
                bucket[static_cast<std::size_t>(r) * cols + c].push_back(i);
    }
    for (std::uint32_t n = 0; n < net.node_count(); ++n) {
        if ((modes[n] & all) != all) continue;
        const double x = net.node_x_m[n], y = net.node_y_m[n];
        for (const auto i : bucket[static_cast<std::size_t>(row(y)) * cols + col(x)]) {
            const auto& p = parts[i];
            if (x < p.min_x || x > p.max_x || y < p.min_y || y > p.max_y) continue;
            // Parts are in file order, so the first hit is the first zone that holds the node.
            if (inside(p.rings, x, y)) {
                zone_of_node[n] = p.zone;
                break;
            }
        }
    }
}

}  // namespace

void set_zone_fields(ZoneFileOptions& options, const std::string& text) {
    for (const auto part : core::split(text, ',')) {
        const auto item = core::trim(part);
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || eq == 0 || eq + 1 == item.size())
            throw std::invalid_argument("expected key=COLUMN, got '" + std::string(item) + "'");
        const std::string key(core::trim(item.substr(0, eq)));
        const std::string field(core::trim(item.substr(eq + 1)));
        if (key == "id") {
            options.id_field = field;
        } else if (key == "name") {
            options.name_field = field;
        } else {
            const auto it = std::find(land_use_keys.begin(), land_use_keys.end(), key);
            if (it == land_use_keys.end())
                throw std::invalid_argument("unknown key '" + key +
                                            "' (keys: id, name, residents, jobs, study_places, visits)");
            options.land_use_fields[static_cast<std::size_t>(it - land_use_keys.begin())] = field;
        }
        options.required_fields.push_back(field);
    }
}

std::vector<ZoneSpec> read_zone_file(const std::filesystem::path& file, const ZoneFileOptions& options) {
    const auto ext = file.extension().string();
    std::vector<ZoneSpec> out = ext == ".csv" || ext == ".txt" ? read_csv(file, options) : read_gis(file, options);
    std::unordered_map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (const auto [it, fresh] = seen.emplace(out[i].id, i); !fresh)
            throw InputError({file.string(), ext == ".csv" || ext == ".txt" ? out[i].line : 0, 0},
                             "zone id '" + out[i].id + "' appears twice (" +
                                 (ext == ".csv" || ext == ".txt" ? "line " : "feature ") +
                                 std::to_string(out[it->second].line) + " and here)");
    if (out.empty()) throw InputError({file.string(), 0, 0}, "no zones in the file");
    return out;
}

std::vector<ZoneSpec> grid_zones(const Network& net, double cell_m) {
    double min_x = std::numeric_limits<double>::infinity(), min_y = min_x, max_x = -min_x, max_y = -min_x;
    for (std::size_t n = 0; n < net.node_count(); ++n) {
        min_x = std::min(min_x, net.node_x_m[n]);
        max_x = std::max(max_x, net.node_x_m[n]);
        min_y = std::min(min_y, net.node_y_m[n]);
        max_y = std::max(max_y, net.node_y_m[n]);
    }
    std::vector<ZoneSpec> out;
    if (net.node_count() == 0) return out;
    const int cols = std::max(1, static_cast<int>(std::ceil((max_x - min_x) / cell_m)));
    const int rows = std::max(1, static_cast<int>(std::ceil((max_y - min_y) / cell_m)));
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            ZoneSpec z;
            z.id = "g" + std::to_string(r) + "_" + std::to_string(c);
            z.name = "Grid " + std::to_string(r) + "/" + std::to_string(c);
            const double x = min_x + (c + 0.5) * cell_m, y = min_y + (r + 0.5) * cell_m;
            const auto [lat, lon] = net.to_lat_lon(x, y);
            z.lat = lat;
            z.lon = lon;
            out.push_back(z);
        }
    return out;
}

void add_zones(Network& net, const std::vector<ZoneSpec>& zones, std::vector<std::string>& notes) {
    // Nodes with all three street modes (a home or a job must be reachable by each).
    std::vector<std::uint8_t> modes(net.node_count(), 0);
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        modes[net.link_from[l]] |= net.link_modes[l];
        modes[net.link_to[l]] |= net.link_modes[l];
    }
    constexpr std::uint8_t all = walk_bit | bike_bit | car_bit;
    std::vector<std::pair<double, double>> centre;
    for (const auto& z : zones) centre.push_back(net.to_x_y(z.lat, z.lon));
    // Nearest centroid per node through a uniform grid of the centroids (rings searched
    // outwards until no closer centroid can remain).
    double min_x = std::numeric_limits<double>::infinity(), min_y = min_x, max_x = -min_x, max_y = -min_x;
    for (const auto& [x, y] : centre) {
        min_x = std::min(min_x, x), max_x = std::max(max_x, x);
        min_y = std::min(min_y, y), max_y = std::max(max_y, y);
    }
    const double cell = std::max(
        50.0, std::sqrt(std::max(1.0, (max_x - min_x) * (max_y - min_y)) / std::max<std::size_t>(1, zones.size())));
    const int cols = static_cast<int>((max_x - min_x) / cell) + 1, rows = static_cast<int>((max_y - min_y) / cell) + 1;
    std::vector<std::vector<std::uint32_t>> bucket(static_cast<std::size_t>(cols) * rows);
    const auto cell_of = [&](double x, double y) {
        const int c = std::clamp(static_cast<int>(std::floor((x - min_x) / cell)), 0, cols - 1);
        const int r = std::clamp(static_cast<int>(std::floor((y - min_y) / cell)), 0, rows - 1);
        return std::pair{c, r};
    };
    for (std::uint32_t z = 0; z < zones.size(); ++z) {
        const auto [c, r] = cell_of(centre[z].first, centre[z].second);
        bucket[static_cast<std::size_t>(r) * cols + c].push_back(z);
    }
    std::vector<std::uint32_t> nearest(net.node_count(), invalid_index);
    std::vector<std::size_t> members(zones.size(), 0);
    const bool polygons =
        std::any_of(zones.begin(), zones.end(), [](const ZoneSpec& z) { return !z.polygons.empty(); });
    if (polygons) {
        assign_to_polygons(net, zones, modes, nearest);
        for (std::uint32_t n = 0; n < net.node_count(); ++n)
            if (nearest[n] != invalid_index) ++members[nearest[n]];
    }
    for (std::uint32_t n = 0; n < net.node_count() && !polygons; ++n) {
        if ((modes[n] & all) != all || zones.empty()) continue;
        const double x = net.node_x_m[n], y = net.node_y_m[n];
        const auto [c0, r0] = cell_of(x, y);
        double best = std::numeric_limits<double>::infinity();
        for (int ring = 0; ring <= std::max(cols, rows); ++ring) {
            // Once a centroid is found, a further ring cannot hold a closer one beyond this.
            if (std::isfinite(best) && (ring - 1) * cell > best) break;
            for (int r = r0 - ring; r <= r0 + ring; ++r)
                for (int c = c0 - ring; c <= c0 + ring; ++c) {
                    if (r < 0 || c < 0 || r >= rows || c >= cols) continue;
                    if (std::max(std::abs(r - r0), std::abs(c - c0)) != ring) continue;
                    for (const auto z : bucket[static_cast<std::size_t>(r) * cols + c]) {
                        const double d = std::hypot(x - centre[z].first, y - centre[z].second);
                        if (d < best || (d == best && z < nearest[n])) {
                            best = d;
                            nearest[n] = z;
                        }
                    }
                }
        }
        if (nearest[n] != invalid_index) ++members[nearest[n]];
    }
    std::vector<std::uint32_t> new_index(zones.size(), invalid_index);
    std::vector<std::string> left_out;
    for (std::uint32_t z = 0; z < zones.size(); ++z) {
        if (members[z] == 0) {
            left_out.push_back(zones[z].id);
            continue;
        }
        new_index[z] = static_cast<std::uint32_t>(net.zone_ids.size());
        net.zone_ids.push_back(zones[z].id);
        net.zone_names.push_back(zones[z].name);
        net.zone_kind.push_back(ZoneKind::study);
        net.zone_centroid.push_back(invalid_index);
        net.zone_modes.push_back(static_cast<std::uint8_t>(all | (net.stop_count() > 0 ? transit_bit : 0)));
        net.zone_line.push_back(0);
    }
    if (!left_out.empty()) {
        std::string names;
        for (std::size_t i = 0; i < left_out.size() && i < 20; ++i) names += (i ? ", " : "") + left_out[i];
        if (left_out.size() > 20) names += fmt::format(" and {} more", left_out.size() - 20);
        notes.push_back(
            fmt::format("{} of {} zones hold no street node usable by walk, bike and car (outside the "
                        "network's area, or without such streets): left out: {}",
                        left_out.size(), zones.size(), names));
    }
    const bool land_use = std::any_of(zones.begin(), zones.end(), [](const ZoneSpec& z) {
        return z.residents > 0 || z.jobs > 0 || z.study_places > 0 || z.visits > 0;
    });
    net.zone_land_use.clear();
    if (land_use)
        for (std::uint32_t z = 0; z < zones.size(); ++z)
            if (new_index[z] != invalid_index)
                net.zone_land_use.push_back(
                    {zones[z].residents, zones[z].jobs, zones[z].study_places, zones[z].visits});
    std::vector<double> best(net.zone_ids.size(), std::numeric_limits<double>::infinity());
    net.node_zone.assign(net.node_count(), invalid_index);
    for (std::uint32_t n = 0; n < net.node_count(); ++n) {
        if (nearest[n] == invalid_index) continue;
        const auto z = new_index[nearest[n]];
        net.node_zone[n] = z;
        const double d =
            std::hypot(net.node_x_m[n] - centre[nearest[n]].first, net.node_y_m[n] - centre[nearest[n]].second);
        if (d < best[z]) {
            best[z] = d;
            net.zone_centroid[z] = n;
        }
    }
    rebuild_zone_members(net);
}

void rebuild_zone_members(Network& net) {
    // Counting sort: node order within a zone.
    const std::size_t nz = net.zone_ids.size();
    net.zone_first_node.assign(nz + 1, 0);
    for (std::uint32_t n = 0; n < net.node_count(); ++n)
        if (net.node_zone[n] != invalid_index) ++net.zone_first_node[net.node_zone[n] + 1];
    for (std::size_t z = 0; z < nz; ++z) net.zone_first_node[z + 1] += net.zone_first_node[z];
    net.zone_nodes.assign(net.zone_first_node[nz], 0);
    std::vector<std::uint32_t> pos(net.zone_first_node.begin(), net.zone_first_node.end() - 1);
    for (std::uint32_t n = 0; n < net.node_count(); ++n)
        if (net.node_zone[n] != invalid_index) net.zone_nodes[pos[net.node_zone[n]]++] = n;
}

}  // namespace flemsim::network::import
