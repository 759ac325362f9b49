#include "sim/network/import/zones.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/csv.hpp"
#include "sim/core/error.hpp"
#include "sim/scenario/reader.hpp"

namespace flemsim::network::import {

using core::InputError;
using core::invalid_index;

namespace {

bool valid_id(const std::string& id) {
    return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

std::vector<ZoneSpec> read_geojson(const std::filesystem::path& file) {
    // GeoJSON is JSON, and JSON is YAML: the scenario reader gives positions for free.
    const auto doc = scenario::load_yaml_file(file);
    scenario::MapReader root(doc, "");
    root.optional("type");
    root.optional("name");
    root.optional("crs");
    const auto& features = root.required("features");
    if (features.kind != scenario::ConfigNode::Kind::sequence)
        scenario::fail_at(features, "features", "expected a list of features");
    std::vector<ZoneSpec> out;
    for (std::size_t i = 0; i < features.items.size(); ++i) {
        const std::string path = "features[" + std::to_string(i) + "]";
        const auto& f = features.items[i];
        if (f.kind != scenario::ConfigNode::Kind::map) scenario::fail_at(f, path, "expected a feature");
        const auto* geometry = f.find("geometry");
        const auto* properties = f.find("properties");
        if (!geometry || !properties) scenario::fail_at(f, path, "a feature needs geometry and properties");
        const auto* type = geometry->find("type");
        if (!type || type->scalar != "Point")
            scenario::fail_at(*geometry, path + ".geometry", "expected a Point (a zone centroid)");
        const auto* coords = geometry->find("coordinates");
        if (!coords) scenario::fail_at(*geometry, path + ".geometry", "coordinates missing");
        const auto c = scenario::to_numbers(*coords, path + ".geometry.coordinates");
        if (c.size() < 2) scenario::fail_at(*coords, path + ".geometry.coordinates", "expected [lon, lat]");
        ZoneSpec z;
        z.lon = c[0];
        z.lat = c[1];
        const auto* id = properties->find("id");
        if (!id) scenario::fail_at(*properties, path + ".properties", "id missing");
        z.id = scenario::to_string(*id, path + ".properties.id");
        if (!valid_id(z.id))
            scenario::fail_at(*id, path + ".properties.id", "ids may hold letters, digits, '_' and '-' only");
        const auto* name = properties->find("name");
        z.name = name ? scenario::to_string(*name, path + ".properties.name") : z.id;
        const auto number = [&](const char* key) {
            const auto* n = properties->find(key);
            return n ? scenario::to_number(*n, path + ".properties." + key, scenario::non_negative) : 0.0;
        };
        z.residents = number("residents");
        z.jobs = number("jobs");
        z.study_places = number("study_places");
        z.visits = number("visits");
        out.push_back(z);
    }
    return out;
}

}  // namespace

std::vector<ZoneSpec> read_zone_file(const std::filesystem::path& file) {
    const auto ext = file.extension().string();
    std::vector<ZoneSpec> out;
    if (ext == ".geojson" || ext == ".json") {
        out = read_geojson(file);
    } else {
        core::CsvReader r(file, {"id", "name", "lat", "lon"}, {"residents", "jobs", "study_places", "visits"});
        while (r.next()) {
            ZoneSpec z;
            z.id = std::string(r.required_text(0));
            if (!valid_id(z.id)) r.fail(0, "ids may hold letters, digits, '_' and '-' only");
            z.name = std::string(r.text(1).empty() ? r.text(0) : r.text(1));
            z.lat = r.number(2);
            z.lon = r.number(3);
            if (std::abs(z.lat) > 90) r.fail(2, "latitude out of range");
            if (std::abs(z.lon) > 180) r.fail(3, "longitude out of range");
            const auto optional = [&](std::size_t c) {
                if (r.text(c).empty()) return 0.0;
                const double v = r.number(c);
                if (v < 0) r.fail(c, "must be >= 0");
                return v;
            };
            z.residents = optional(4);
            z.jobs = optional(5);
            z.study_places = optional(6);
            z.visits = optional(7);
            out.push_back(z);
        }
    }
    for (std::size_t i = 0; i < out.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (out[i].id == out[j].id)
                throw InputError({file.string(), 0, 0}, "zone id '" + out[i].id + "' appears twice");
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
    for (std::uint32_t n = 0; n < net.node_count(); ++n) {
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
    for (std::uint32_t z = 0; z < zones.size(); ++z) {
        if (members[z] == 0) {
            notes.push_back("zone '" + zones[z].id + "' has no street node usable by walk, bike and car: left out");
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
    // Members per zone as CSR (counting sort keeps node order within a zone).
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
