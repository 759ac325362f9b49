#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>
#include <unordered_map>

#include "sim/core/csv.hpp"
#include "sim/core/fs.hpp"
#include "sim/core/sha256.hpp"
#include "sim/core/text.hpp"
#include "sim/network/check.hpp"
#include "sim/network/network.hpp"
#include "sim/scenario/reader.hpp"

namespace flemsim::network {

using core::CsvReader;
using core::InputError;
using core::invalid_index;

namespace {

constexpr double earth_m_per_deg_lat = 110574.0;
constexpr double earth_m_per_deg_lon_equator = 111320.0;
constexpr double pi = 3.14159265358979323846;

using IdMap = std::unordered_map<std::string, std::uint32_t>;

std::uint32_t add_id(IdMap& map, std::vector<std::string>& ids, const CsvReader& r, std::size_t col, const char* what) {
    const std::string id(r.required_text(col));
    if (id.find_first_of(" \t\"") != std::string::npos)
        r.fail(col, std::string(what) + " id '" + id + "' contains a space or quote");
    const auto idx = static_cast<std::uint32_t>(ids.size());
    if (!map.emplace(id, idx).second) r.fail(col, "duplicate " + std::string(what) + " id '" + id + "'");
    ids.push_back(id);
    return idx;
}

std::uint32_t ref(const IdMap& map, const std::vector<std::string>& ids, const CsvReader& r, std::size_t col,
                  const char* what) {
    const std::string id(r.required_text(col));
    const auto it = map.find(id);
    if (it == map.end()) r.fail(col, "unknown " + std::string(what) + " '" + id + "'", core::did_you_mean(id, ids));
    return it->second;
}

std::uint8_t parse_modes(const CsvReader& r, std::size_t col, bool allow_transit) {
    std::uint8_t bits = 0;
    const auto text = r.required_text(col);
    for (auto part : core::split(text, '|')) {
        part = core::trim(part);
        if (const auto bit = mode_bit(part, allow_transit))
            bits |= bit;
        else {
            std::vector<std::string> known{"walk", "bike", "car"};
            if (allow_transit) known.emplace_back("transit");
            r.fail(col, "unknown mode '" + std::string(part) + "' (modes are separated by '|')",
                   core::did_you_mean(part, known));
        }
    }
    return bits;
}

// A count of parking spaces: empty (or the column absent) is none.
std::uint32_t spaces(const CsvReader& r, std::size_t col) {
    if (r.text(col).empty()) return 0;
    const auto v = r.integer(col);
    if (v < 0 || v > 1000000) r.fail(col, "expected a number of spaces 0..1000000, got " + std::string(r.text(col)));
    return static_cast<std::uint32_t>(v);
}

// A timetable time: H:MM:SS or HH:MM:SS after midnight of the service day. Hours may exceed 23
// (a trip running past midnight), and a leading '-' marks a time of the previous day's trips
// before midnight (-0:30:00 is 23:30 of the day before).
std::int32_t trip_time(const CsvReader& r, std::size_t col) {
    const auto text = r.required_text(col);
    auto t = text;
    const bool negative = t.front() == '-';
    if (negative) t.remove_prefix(1);
    const auto digits = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    const auto c1 = t.find(':');
    if (c1 == std::string_view::npos || c1 < 1 || c1 > 3 || t.size() != c1 + 6 || t[c1 + 3] != ':' ||
        !digits(t.substr(0, c1)) || !digits(t.substr(c1 + 1, 2)) || !digits(t.substr(c1 + 4, 2)))
        r.fail(col, "expected a time H:MM:SS or HH:MM:SS (a leading '-' for the day before), got '" +
                        std::string(text) + "'");
    const auto part = [&](std::size_t at, std::size_t n) {
        return static_cast<std::int32_t>(core::parse_int(t.substr(at, n)));
    };
    const auto h = part(0, c1), m = part(c1 + 1, 2), s = part(c1 + 4, 2);
    if (m > 59 || s > 59) r.fail(col, "minutes and seconds must be < 60, got '" + std::string(text) + "'");
    const std::int32_t v = h * 3600 + m * 60 + s;
    if (negative && v > 86400) r.fail(col, "more than a day before midnight: '" + std::string(text) + "'");
    return negative ? -v : v;
}

void read_header(Network& net, const std::filesystem::path& file) {
    const auto tree = scenario::load_yaml_file(file);
    scenario::MapReader r(tree, "");
    const auto format = r.integer("format", scenario::Range{1, 1});
    (void)format;
    net.name = r.string("name");
    if (const auto* d = r.optional("description")) net.description = scenario::to_string(*d, "description");
    // Coordinates either in a stated CRS or on the local plane of `projection`.
    const auto* crs = r.optional("crs");
    const auto* projection = r.optional("projection");
    if (crs && projection) scenario::fail_at(*crs, "crs", "give either crs or projection, not both");
    if (crs) {
        const auto name = scenario::to_string(*crs, "crs");
        try {
            net.set_crs(name);
        } catch (const core::IoError& e) {
            scenario::fail_at(*crs, "crs", e.what(), "e.g. EPSG:3006 (SWEREF 99 TM) or the UTM zone of the area");
        }
        // The origin: where the network's coordinates start, for readers that want a centre.
        std::tie(net.origin_lat, net.origin_lon) = net.to_lat_lon(0, 0);
    } else {
        scenario::MapReader p(projection ? *projection : r.required("projection"), "projection");
        net.origin_lat = p.number("origin_lat", scenario::Range{-85, 85});
        net.origin_lon = p.number("origin_lon", scenario::Range{-180, 180});
        p.finish();
    }
    r.finish();
}

// trips.csv and trip_times.csv (optional, together): timetable trips of lines. A trip has one
// row per stop of its line in its direction, seq 1..n; times never go backwards along a trip,
// and the trips of one line and direction never overtake one another (a router that scans a
// line's trips in order of departure needs them in the same order at every stop).
void read_trips(Network& net, const std::filesystem::path& folder, const IdMap& lines) {
    const auto trips_file = folder / "trips.csv";
    const auto times_file = folder / "trip_times.csv";
    const bool has_trips = core::exists(trips_file), has_times = core::exists(times_file);
    if (!has_trips && !has_times) return;
    if (!has_trips) throw InputError({trips_file.string(), 0, 0}, "network table missing (trip_times.csv needs it)");
    if (!has_times) throw InputError({times_file.string(), 0, 0}, "network table missing (trips.csv needs it)");
    net.file_hashes.emplace_back("trips.csv", core::sha256_file_hex(trips_file));
    net.file_hashes.emplace_back("trip_times.csv", core::sha256_file_hex(times_file));

    IdMap trips;
    std::vector<int> trip_row;  // line of each trip in trips.csv
    {
        CsvReader r(trips_file, {"id", "line", "direction"}, {"block"});
        while (r.next()) {
            add_id(trips, net.trip_ids, r, 0, "trip");
            const auto line = ref(lines, net.line_ids, r, 1, "line");
            const auto dir = r.integer(2);
            if (dir != 0 && dir != 1) r.fail(2, "expected 0 or 1, got " + std::string(r.text(2)));
            if (dir == 1 && !net.line_both_ways[line])
                r.fail(2, "line '" + net.line_ids[line] + "' runs one way only (lines.csv directions forward)",
                       "use direction 0, or let the line run both ways");
            const std::string block(r.text(3));
            if (block.find_first_of(" \t\"") != std::string::npos)
                r.fail(3, "block id '" + block + "' contains a space or quote");
            net.trip_line.push_back(line);
            net.trip_direction.push_back(static_cast<std::uint8_t>(dir));
            net.trip_block.push_back(block);
            trip_row.push_back(r.line());
        }
    }
    const auto stops_of = [&](std::uint32_t line) { return net.line_first_stop[line + 1] - net.line_first_stop[line]; };
    // The stop a trip serves at its k-th time (direction 1 runs the line's stops reversed).
    const auto stop_at = [&](std::uint32_t trip, std::uint32_t k) {
        const auto line = net.trip_line[trip];
        const auto n = stops_of(line);
        return net.line_stop[net.line_first_stop[line] + (net.trip_direction[trip] ? n - 1 - k : k)];
    };
    std::vector<std::vector<std::pair<std::int32_t, std::int32_t>>> times(net.trip_count());
    {
        CsvReader r(times_file, {"trip", "seq", "arrival", "departure"});
        while (r.next()) {
            const auto trip = ref(trips, net.trip_ids, r, 0, "trip");
            auto& v = times[trip];
            const auto seq = r.integer(1);
            if (seq != static_cast<std::int64_t>(v.size()) + 1)
                r.fail(1, "expected seq " + std::to_string(v.size() + 1) + " for trip '" + net.trip_ids[trip] +
                              "', got " + std::string(r.text(1)));
            const auto line = net.trip_line[trip];
            if (v.size() >= stops_of(line))
                r.fail(1, "trip '" + net.trip_ids[trip] + "' has more times than line '" + net.line_ids[line] +
                              "' has stops (" + std::to_string(stops_of(line)) + ")");
            const auto arrival = trip_time(r, 2);
            const auto departure = trip_time(r, 3);
            if (!v.empty() && arrival < v.back().second)
                r.fail(2, "trip '" + net.trip_ids[trip] + "' arrives at " + core::format_clock(arrival) +
                              ", before it left the previous stop at " + core::format_clock(v.back().second));
            if (departure < arrival)
                r.fail(3, "trip '" + net.trip_ids[trip] + "' departs at " + core::format_clock(departure) +
                              ", before it arrives at " + core::format_clock(arrival));
            v.emplace_back(arrival, departure);
        }
    }
    for (std::uint32_t t = 0; t < net.trip_count(); ++t) {
        const auto line = net.trip_line[t];
        if (times[t].size() != stops_of(line))
            throw InputError({trips_file.string(), trip_row[t], 1},
                             "trip '" + net.trip_ids[t] + "' has " + std::to_string(times[t].size()) +
                                 " rows in trip_times.csv, but line '" + net.line_ids[line] + "' has " +
                                 std::to_string(stops_of(line)) + " stops",
                             "one row per stop of the line, in the trip's direction");
        for (const auto& [a, d] : times[t]) {
            net.trip_arrive_s.push_back(a);
            net.trip_depart_s.push_back(d);
        }
        net.trip_first_time.push_back(static_cast<std::uint32_t>(net.trip_arrive_s.size()));
    }
    // No overtaking within a line and direction: in order of their times (departure at the
    // first stop first), each trip is at every stop no earlier than the one before it.
    std::vector<std::uint32_t> order(net.trip_count());
    for (std::uint32_t t = 0; t < net.trip_count(); ++t) order[t] = t;
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (net.trip_line[a] != net.trip_line[b]) return net.trip_line[a] < net.trip_line[b];
        if (net.trip_direction[a] != net.trip_direction[b]) return net.trip_direction[a] < net.trip_direction[b];
        const auto& ta = times[a];
        const auto& tb = times[b];
        for (std::size_t k = 0; k < ta.size(); ++k) {
            if (ta[k].second != tb[k].second) return ta[k].second < tb[k].second;
            if (ta[k].first != tb[k].first) return ta[k].first < tb[k].first;
        }
        return a < b;
    });
    for (std::size_t i = 1; i < order.size(); ++i) {
        const auto a = order[i - 1], b = order[i];
        if (net.trip_line[a] != net.trip_line[b] || net.trip_direction[a] != net.trip_direction[b]) continue;
        for (std::uint32_t k = 0; k < times[b].size(); ++k)
            if (times[b][k].first < times[a][k].first || times[b][k].second < times[a][k].second)
                throw InputError({trips_file.string(), std::max(trip_row[a], trip_row[b]), 1},
                                 "trips '" + net.trip_ids[a] + "' and '" + net.trip_ids[b] + "' of line '" +
                                     net.line_ids[net.trip_line[b]] + "' overtake one another at stop '" +
                                     net.stop_ids[stop_at(b, k)] + "'",
                                 "the trips of a line keep their order at every stop: put one of them on a line "
                                 "of its own");
    }
}

// transfers.csv (optional): rules for changing vehicles, from a stop to a stop, optionally only
// from or to a line (empty: any), with a GTFS transfer_type and, for type 2, the minimum time.
void read_transfers(Network& net, const std::filesystem::path& folder, const IdMap& stops, const IdMap& lines) {
    const auto file = folder / "transfers.csv";
    if (!core::exists(file)) return;
    net.file_hashes.emplace_back("transfers.csv", core::sha256_file_hex(file));
    std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t, std::uint32_t>, int> seen;
    CsvReader r(file, {"from_stop", "to_stop", "from_line", "to_line", "type", "min_transfer_s"});
    while (r.next()) {
        const auto from = ref(stops, net.stop_ids, r, 0, "stop");
        const auto to = ref(stops, net.stop_ids, r, 1, "stop");
        const auto from_line = r.text(2).empty() ? invalid_index : ref(lines, net.line_ids, r, 2, "line");
        const auto to_line = r.text(3).empty() ? invalid_index : ref(lines, net.line_ids, r, 3, "line");
        const auto type = r.integer(4);
        if (type < 0 || type > 3)
            r.fail(4, "expected 0 (recommended), 1 (timed), 2 (minimum time) or 3 (not possible), got " +
                          std::string(r.text(4)));
        std::int32_t min_s = 0;
        if (type == 2) {
            r.required_text(5);
            const auto v = r.integer(5);
            if (v < 0 || v > 86400) r.fail(5, "expected 0..86400 s, got " + std::string(r.text(5)));
            min_s = static_cast<std::int32_t>(v);
        } else if (!r.text(5).empty()) {
            r.fail(5, "only a rule of type 2 (minimum time) has a minimum time", "leave it empty");
        }
        const auto [it, added] = seen.emplace(std::make_tuple(from, to, from_line, to_line), r.line());
        if (!added)
            r.fail(0, "a second rule for the same stops and lines (the first is on line " + std::to_string(it->second) +
                          ")");
        net.rule_from_stop.push_back(from);
        net.rule_to_stop.push_back(to);
        net.rule_from_line.push_back(from_line);
        net.rule_to_line.push_back(to_line);
        net.rule_type.push_back(static_cast<std::uint8_t>(type));
        net.rule_min_s.push_back(min_s);
    }
}

}  // namespace

std::int32_t Network::headway_at(std::uint32_t line, std::int32_t time_s) const {
    for (std::uint32_t i = line_first_headway[line]; i < line_first_headway[line + 1]; ++i)
        if (time_s >= headway_from_s[i] && time_s < headway_to_s[i]) return headway_s[i];
    return 0;
}

namespace {
std::uint32_t find_in(const std::vector<std::string>& ids, const std::string& id) {
    const auto it = std::find(ids.begin(), ids.end(), id);
    return it == ids.end() ? invalid_index : static_cast<std::uint32_t>(it - ids.begin());
}
}  // namespace

std::uint32_t Network::find_zone(const std::string& id) const {
    return find_in(zone_ids, id);
}
std::uint32_t Network::find_node(const std::string& id) const {
    return find_in(node_ids, id);
}
std::uint32_t Network::add_node(std::string id, double x_m, double y_m) {
    node_ids.push_back(std::move(id));
    node_x_m.push_back(x_m);
    node_y_m.push_back(y_m);
    node_zone.push_back(invalid_index);
    node_line.push_back(0);
    return static_cast<std::uint32_t>(node_ids.size() - 1);
}
std::uint32_t Network::add_link(LinkRow row) {
    link_ids.push_back(std::move(row.id));
    link_from.push_back(row.from);
    link_to.push_back(row.to);
    link_length_m.push_back(row.length_m);
    link_type.push_back(std::move(row.type));
    link_modes.push_back(row.modes);
    link_oneway.push_back(row.oneway ? 1 : 0);
    link_car_speed_mps.push_back(row.car_speed_mps);
    link_lanes.push_back(row.lanes);
    link_capacity_veh_per_h.push_back(row.capacity_veh_per_h);
    link_name.push_back(std::move(row.name));
    if (!link_first_point.empty()) link_first_point.push_back(link_first_point.back());
    return static_cast<std::uint32_t>(link_ids.size() - 1);
}
std::uint32_t Network::find_stop(const std::string& id) const {
    return find_in(stop_ids, id);
}
std::uint32_t Network::find_line(const std::string& id) const {
    return find_in(line_ids, id);
}

void Network::set_crs(const std::string& crs_name) {
    projection = std::make_shared<const Projection>(crs_name);
    crs = crs_name;
}

std::pair<double, double> Network::to_lat_lon(double x_m, double y_m) const {
    if (projection) return projection->to_lat_lon(x_m, y_m);
    const double lat = origin_lat + y_m / earth_m_per_deg_lat;
    const double lon = origin_lon + x_m / (earth_m_per_deg_lon_equator * std::cos(origin_lat * pi / 180.0));
    return {lat, lon};
}

std::pair<double, double> Network::to_x_y(double lat, double lon) const {
    if (projection) return projection->to_x_y(lat, lon);
    return {(lon - origin_lon) * earth_m_per_deg_lon_equator * std::cos(origin_lat * pi / 180.0),
            (lat - origin_lat) * earth_m_per_deg_lat};
}

const char* line_mode_name(LineMode m) {
    switch (m) {
        case LineMode::rail:
            return "rail";
        case LineMode::bus:
            return "bus";
        case LineMode::tram:
            return "tram";
    }
    return "?";
}

std::string modes_text(std::uint8_t bits) {
    std::string out;
    for (const auto& [bit, name] : {std::pair{walk_bit, "walk"}, std::pair{bike_bit, "bike"}, std::pair{car_bit, "car"},
                                    std::pair{transit_bit, "transit"}})
        if (bits & bit) out += (out.empty() ? "" : "|") + std::string(name);
    return out;
}

std::uint8_t mode_bit(std::string_view name, bool allow_transit) {
    if (name == "walk") return walk_bit;
    if (name == "bike") return bike_bit;
    if (name == "car") return car_bit;
    if (name == "transit" && allow_transit) return transit_bit;
    return 0;
}

bool parse_line_mode(std::string_view name, LineMode& out) {
    for (const auto m : {LineMode::rail, LineMode::bus, LineMode::tram})
        if (name == line_mode_name(m)) {
            out = m;
            return true;
        }
    return false;
}

Network load_network(const std::filesystem::path& folder) {
    Network net;
    net.folder = folder;
    if (!core::is_directory(folder)) throw InputError({folder.string(), 0, 0}, "network folder not found");
    const auto path = [&](const char* f) { return folder / f; };
    for (const char* f : {"network.yaml", "nodes.csv", "links.csv", "zones.csv", "stops.csv", "vehicles.csv",
                          "lines.csv", "line_stops.csv", "headways.csv"}) {
        if (!core::exists(path(f))) throw InputError({path(f).string(), 0, 0}, "network table missing");
        net.file_hashes.emplace_back(f, core::sha256_file_hex(path(f)));
    }
    read_header(net, path("network.yaml"));

    // Zones first: nodes name them.
    IdMap zones, nodes, links, stops, vehicles, lines;
    std::vector<std::string> zone_centroid_ref;
    std::vector<core::SourcePos> zone_centroid_pos;
    {
        CsvReader r(path("zones.csv"), {"id", "name", "kind", "centroid_node", "modes"},
                    {"residents", "jobs", "study_places", "visits", "weight"});
        const bool land_use = r.has(5) || r.has(6) || r.has(7) || r.has(8);
        while (r.next()) {
            if (land_use) {
                std::array<double, 4> v{};
                for (std::size_t c = 0; c < 4; ++c) {
                    if (!r.has(5 + c) || r.text(5 + c).empty()) continue;
                    v[c] = r.number(5 + c);
                    if (!(v[c] >= 0)) r.fail(5 + c, "must be a number >= 0");
                }
                net.zone_land_use.push_back(v);
            }
            if (r.has(9)) {
                double w = 0;
                if (!r.text(9).empty()) {
                    w = r.number(9);
                    if (!(w >= 0)) r.fail(9, "must be a number >= 0");
                }
                net.zone_weight.push_back(w);
            }
            add_id(zones, net.zone_ids, r, 0, "zone");
            net.zone_names.emplace_back(r.required_text(1));
            const auto kind = r.required_text(2);
            if (kind == "study")
                net.zone_kind.push_back(ZoneKind::study);
            else if (kind == "gateway")
                net.zone_kind.push_back(ZoneKind::gateway);
            else
                r.fail(2, "expected 'study' or 'gateway', got '" + std::string(kind) + "'");
            zone_centroid_ref.emplace_back(r.required_text(3));
            zone_centroid_pos.push_back(r.pos(3));
            net.zone_modes.push_back(parse_modes(r, 4, true));
            net.zone_line.push_back(r.line());
        }
    }
    {
        CsvReader r(path("nodes.csv"), {"id", "x_m", "y_m", "zone"});
        // Room for the rows the file's size suggests: a region's million nodes are not rehashed
        // and copied as the tables grow.
        nodes.reserve(r.row_count_hint());
        for (auto* v : {&net.node_x_m, &net.node_y_m}) v->reserve(r.row_count_hint());
        net.node_ids.reserve(r.row_count_hint());
        while (r.next()) {
            add_id(nodes, net.node_ids, r, 0, "node");
            net.node_x_m.push_back(r.number(1));
            net.node_y_m.push_back(r.number(2));
            const std::string z(r.text(3));
            net.node_zone.push_back(z.empty() ? invalid_index : ref(zones, net.zone_ids, r, 3, "zone"));
            net.node_line.push_back(r.line());
        }
    }
    for (std::size_t z = 0; z < net.zone_count(); ++z) {
        const auto it = nodes.find(zone_centroid_ref[z]);
        if (it == nodes.end())
            throw InputError(zone_centroid_pos[z], "centroid_node: unknown node '" + zone_centroid_ref[z] + "'",
                             core::did_you_mean(zone_centroid_ref[z], net.node_ids));
        net.zone_centroid.push_back(it->second);
    }
    {
        CsvReader r(path("links.csv"), {"id", "from", "to", "length_m", "type", "modes", "oneway", "car_speed_kph",
                                        "lanes", "capacity_veh_per_h", "name"});
        links.reserve(r.row_count_hint());
        net.link_ids.reserve(r.row_count_hint());
        while (r.next()) {
            add_id(links, net.link_ids, r, 0, "link");
            const auto from = ref(nodes, net.node_ids, r, 1, "node");
            const auto to = ref(nodes, net.node_ids, r, 2, "node");
            if (from == to) r.fail(2, "a link must join two different nodes");
            net.link_from.push_back(from);
            net.link_to.push_back(to);
            net.link_length_m.push_back(r.positive(3));
            net.link_type.emplace_back(r.required_text(4));
            const auto modes = parse_modes(r, 5, false);
            net.link_modes.push_back(modes);
            const auto oneway = r.required_text(6);
            if (oneway != "yes" && oneway != "no")
                r.fail(6, "expected 'yes' or 'no', got '" + std::string(oneway) + "'");
            net.link_oneway.push_back(oneway == "yes");
            if (modes & car_bit) {
                net.link_car_speed_mps.push_back(r.positive(7) / 3.6);
                net.link_lanes.push_back(r.positive(8));
                net.link_capacity_veh_per_h.push_back(r.positive(9));
            } else {
                for (std::size_t c : {7, 8, 9})
                    if (!r.text(c).empty()) r.fail(c, "must be empty on a link without car access");
                net.link_car_speed_mps.push_back(0);
                net.link_lanes.push_back(0);
                net.link_capacity_veh_per_h.push_back(0);
            }
            net.link_name.emplace_back(r.text(10));
        }
    }
    if (core::exists(path("link_shapes.csv"))) {
        // Optional: the points between a link's ends (drawing, volumes on maps); seq 1..n per link.
        net.file_hashes.emplace_back("link_shapes.csv", core::sha256_file_hex(path("link_shapes.csv")));
        std::vector<std::vector<std::pair<double, double>>> points(net.link_count());
        CsvReader r(path("link_shapes.csv"), {"link", "seq", "x_m", "y_m"});
        while (r.next()) {
            const auto link = ref(links, net.link_ids, r, 0, "link");
            const auto seq = r.integer(1);
            if (seq != static_cast<std::int64_t>(points[link].size()) + 1)
                r.fail(1, "expected seq " + std::to_string(points[link].size() + 1) + " for link '" +
                              net.link_ids[link] + "', got " + std::string(r.text(1)));
            points[link].emplace_back(r.number(2), r.number(3));
        }
        net.link_first_point.assign(1, 0);
        for (const auto& p : points) {
            for (const auto& [x, y] : p) {
                net.point_x_m.push_back(x);
                net.point_y_m.push_back(y);
            }
            net.link_first_point.push_back(static_cast<std::uint32_t>(net.point_x_m.size()));
        }
    }
    {
        // `bike_parking` and `car_parking` are optional: without them a stop has no parking.
        CsvReader r(path("stops.csv"), {"id", "name", "node"}, {"bike_parking", "car_parking"});
        while (r.next()) {
            add_id(stops, net.stop_ids, r, 0, "stop");
            net.stop_names.emplace_back(r.required_text(1));
            net.stop_node.push_back(ref(nodes, net.node_ids, r, 2, "node"));
            net.stop_bike_parking.push_back(spaces(r, 3));
            net.stop_car_parking.push_back(spaces(r, 4));
        }
    }
    {
        CsvReader r(path("vehicles.csv"), {"id", "name", "seated", "standing"});
        while (r.next()) {
            add_id(vehicles, net.vehicle_ids, r, 0, "vehicle");
            net.vehicle_names.emplace_back(r.required_text(1));
            const auto seated = r.integer(2);
            const auto standing = r.integer(3);
            if (seated < 0) r.fail(2, "must be >= 0");
            if (standing < 0) r.fail(3, "must be >= 0");
            if (seated + standing <= 0) r.fail(3, "a vehicle must carry at least one passenger");
            net.vehicle_seated.push_back(static_cast<std::uint32_t>(seated));
            net.vehicle_standing.push_back(static_cast<std::uint32_t>(standing));
        }
    }
    {
        // `road` (yes/no) is optional: without it, buses run on roads and rail and tram do not.
        // `directions` (both/forward) is optional too: without it a line runs both ways.
        CsvReader r(path("lines.csv"), {"id", "name", "mode", "vehicle"}, {"road", "directions"});
        while (r.next()) {
            add_id(lines, net.line_ids, r, 0, "line");
            net.line_names.emplace_back(r.required_text(1));
            const auto mode = r.required_text(2);
            LineMode m{};
            if (parse_line_mode(mode, m))
                net.line_mode.push_back(m);
            else
                r.fail(2, "expected rail, bus or tram, got '" + std::string(mode) + "'",
                       core::did_you_mean(mode, {"rail", "bus", "tram"}));
            net.line_vehicle.push_back(ref(vehicles, net.vehicle_ids, r, 3, "vehicle"));
            const auto road = r.text(4);
            if (road.empty())
                net.line_on_road.push_back(net.line_mode.back() == LineMode::bus);
            else if (road == "yes" || road == "no")
                net.line_on_road.push_back(road == "yes");
            else
                r.fail(4, "expected 'yes' or 'no', got '" + std::string(road) + "'");
            const auto dirs = r.text(5);
            if (dirs.empty() || dirs == "both")
                net.line_both_ways.push_back(1);
            else if (dirs == "forward")
                net.line_both_ways.push_back(0);
            else
                r.fail(5, "expected 'both' or 'forward', got '" + std::string(dirs) + "'");
        }
    }
    {
        // Rows of one line must be contiguous with seq 1..n.
        struct Row {
            std::uint32_t line, stop;
            std::int32_t run, dwell;
        };
        std::vector<std::vector<Row>> per_line(net.line_count());
        // A stop on a node without links can be neither reached nor left: the line would serve
        // nobody there, and its riders' paths would end at it.
        std::vector<char> linked(net.node_count(), 0);
        for (std::size_t l = 0; l < net.link_count(); ++l) linked[net.link_from[l]] = linked[net.link_to[l]] = 1;
        CsvReader r(path("line_stops.csv"), {"line", "seq", "stop", "run_time_s", "dwell_s"});
        while (r.next()) {
            const auto line = ref(lines, net.line_ids, r, 0, "line");
            const auto seq = r.integer(1);
            if (seq != static_cast<std::int64_t>(per_line[line].size()) + 1)
                r.fail(1, "expected seq " + std::to_string(per_line[line].size() + 1) + " for line '" +
                              net.line_ids[line] + "', got " + std::string(r.text(1)));
            const auto stop = ref(stops, net.stop_ids, r, 2, "stop");
            if (!linked[net.stop_node[stop]])
                r.fail(2,
                       "stop '" + net.stop_ids[stop] + "' is on node '" + net.node_ids[net.stop_node[stop]] +
                           "', which has no links",
                       "connect the node with a link, or put the stop on a node of the network");
            const auto run = r.integer(3);
            const auto dwell = r.integer(4);
            if (seq == 1 && run != 0) r.fail(3, "must be 0 at the first stop of a line");
            if (seq > 1 && run <= 0) r.fail(3, "must be > 0, got " + std::string(r.text(3)));
            if (dwell < 0) r.fail(4, "must be >= 0, got " + std::string(r.text(4)));
            if (!per_line[line].empty() && per_line[line].back().stop == stop)
                r.fail(2, "the same stop twice in a row");
            per_line[line].push_back({line, stop, static_cast<std::int32_t>(run), static_cast<std::int32_t>(dwell)});
        }
        net.line_first_stop.push_back(0);
        for (std::size_t l = 0; l < net.line_count(); ++l) {
            if (per_line[l].size() < 2)
                throw InputError({path("line_stops.csv").string(), 0, 0},
                                 "line '" + net.line_ids[l] + "' needs at least two stops");
            for (const auto& row : per_line[l]) {
                net.line_stop.push_back(row.stop);
                net.line_run_time_s.push_back(row.run);
                net.line_dwell_s.push_back(row.dwell);
            }
            net.line_first_stop.push_back(static_cast<std::uint32_t>(net.line_stop.size()));
        }
    }
    {
        struct Row {
            std::int32_t from, to, headway;
            int file_line;
        };
        std::vector<std::vector<Row>> per_line(net.line_count());
        CsvReader r(path("headways.csv"), {"line", "from", "to", "headway_s"});
        while (r.next()) {
            const auto line = ref(lines, net.line_ids, r, 0, "line");
            const auto from = r.clock(1);
            const auto to = r.clock(2);
            if (to <= from) r.fail(2, "must be later than 'from'");
            const auto h = r.integer(3);
            if (h <= 0) r.fail(3, "must be > 0, got " + std::string(r.text(3)));
            per_line[line].push_back({from, to, static_cast<std::int32_t>(h), r.line()});
        }
        net.line_first_headway.push_back(0);
        for (std::size_t l = 0; l < net.line_count(); ++l) {
            auto& v = per_line[l];
            if (v.empty())
                throw InputError({path("headways.csv").string(), 0, 0},
                                 "line '" + net.line_ids[l] + "' has no headways: it would never run");
            std::sort(v.begin(), v.end(), [](const Row& a, const Row& b) { return a.from < b.from; });
            for (std::size_t i = 1; i < v.size(); ++i)
                if (v[i].from < v[i - 1].to)
                    throw InputError({path("headways.csv").string(), v[i].file_line, 1},
                                     "headway interval of line '" + net.line_ids[l] + "' overlaps the one on line " +
                                         std::to_string(v[i - 1].file_line));
            for (const auto& row : v) {
                net.headway_from_s.push_back(row.from);
                net.headway_to_s.push_back(row.to);
                net.headway_s.push_back(row.headway);
            }
            net.line_first_headway.push_back(static_cast<std::uint32_t>(net.headway_s.size()));
        }
    }

    read_trips(net, folder, lines);
    read_transfers(net, folder, stops, lines);

    // Zone membership as CSR (gateways: their centroid).
    std::vector<std::vector<std::uint32_t>> members(net.zone_count());
    for (std::uint32_t n = 0; n < net.node_count(); ++n)
        if (net.node_zone[n] != invalid_index) members[net.node_zone[n]].push_back(n);
    net.zone_first_node.push_back(0);
    for (std::uint32_t z = 0; z < net.zone_count(); ++z) {
        if (members[z].empty()) members[z].push_back(net.zone_centroid[z]);
        net.zone_nodes.insert(net.zone_nodes.end(), members[z].begin(), members[z].end());
        net.zone_first_node.push_back(static_cast<std::uint32_t>(net.zone_nodes.size()));
    }

    check_network(net);
    return net;
}

}  // namespace flemsim::network
