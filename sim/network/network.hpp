#pragma once
// The multimodal network: streets (walk, bike, car access per link), zones, transit stops,
// lines with stop sequences and headways by time of day, vehicle types. Plain columns
// indexed by dense ids; external ids are kept for output and messages only.
#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/types.hpp"

#include "sim/network/projection.hpp"

namespace flemsim::network {

// Street access bits of a link, and the needs of a zone (which may include transit).
enum ModeBits : std::uint8_t { walk_bit = 1, bike_bit = 2, car_bit = 4, transit_bit = 8 };

enum class ZoneKind : std::uint8_t { study = 0, gateway = 1 };
// GTFS transfers.txt transfer_type: 0 recommended (the default rules apply), 1 timed (the
// departing vehicle waits: no minimum), 2 a minimum time, 3 not possible.
enum class TransferType : std::uint8_t { recommended = 0, timed = 1, minimum = 2, impossible = 3 };
enum class LineMode : std::uint8_t { rail = 0, bus = 1, tram = 2 };

// A row of links.csv, for code that extends a network (importers): see Network::add_link.
struct LinkRow {
    std::string id;
    std::uint32_t from = 0, to = 0;
    double length_m = 0;
    std::string type;
    std::uint8_t modes = 0;  // ModeBits
    bool oneway = false;
    double car_speed_mps = 0, lanes = 0, capacity_veh_per_h = 0;  // 0 without car
    std::string name;
};

struct Network {
    std::filesystem::path folder;
    std::string name;
    std::string description;
    double origin_lat = 0;
    double origin_lon = 0;
    // The coordinates' CRS (network.yaml `crs:`, e.g. EPSG:3006): node x_m and y_m are its easting
    // and northing; empty for the local plane around origin_lat, origin_lon (`projection:`).
    std::string crs;
    std::shared_ptr<const Projection> projection;                  // set with crs (set_crs)
    std::vector<std::pair<std::string, std::string>> file_hashes;  // file name, sha256

    // Nodes.
    std::vector<std::string> node_ids;
    std::vector<double> node_x_m;
    std::vector<double> node_y_m;
    std::vector<std::uint32_t> node_zone;  // zone index or core::invalid_index
    std::vector<int> node_line;            // line in nodes.csv (for messages)

    // Links as authored: one row is usable both ways unless oneway (then car and bike only from->to).
    std::vector<std::string> link_ids;
    std::vector<std::uint32_t> link_from;
    std::vector<std::uint32_t> link_to;
    std::vector<double> link_length_m;
    std::vector<std::string> link_type;
    std::vector<std::uint8_t> link_modes;  // ModeBits
    std::vector<std::uint8_t> link_oneway;
    std::vector<double> link_car_speed_mps;  // 0 when no car access
    std::vector<double> link_lanes;
    std::vector<double> link_capacity_veh_per_h;
    std::vector<std::string> link_name;
    // Shapes (optional table link_shapes.csv): the points between a link's ends, in the
    // direction from -> to, as CSR over links; empty when the network has no shapes.
    std::vector<std::uint32_t> link_first_point;
    std::vector<double> point_x_m;
    std::vector<double> point_y_m;

    // Zones; zone_nodes is CSR over zones: the nodes where activities of a zone take place
    // (for a gateway, its centroid).
    std::vector<std::string> zone_ids;
    std::vector<std::string> zone_names;
    std::vector<ZoneKind> zone_kind;
    std::vector<std::uint32_t> zone_centroid;
    std::vector<std::uint8_t> zone_modes;  // ModeBits the zone needs
    std::vector<int> zone_line;            // line in zones.csv (for messages)
    // Land use per zone as the import's zone file gave it (zones.csv's optional columns
    // residents, jobs, study_places, visits, in the order of ZoneLandUse): what `flemsim
    // scenario init` writes into a scenario's land_use. Empty when the table has none; a run
    // takes its land use from the scenario only.
    std::vector<std::array<double, 4>> zone_land_use;
    // A gateway's size as the import measured it (zones.csv's optional column weight: persons
    // per hour its roads and trains can bring into the area); 0 for study zones. Empty when the
    // table has none. `flemsim scenario init` weighs the gateways by it.
    std::vector<double> zone_weight;
    std::vector<std::uint32_t> zone_first_node;
    std::vector<std::uint32_t> zone_nodes;

    // Stops.
    std::vector<std::string> stop_ids;
    std::vector<std::string> stop_names;
    std::vector<std::uint32_t> stop_node;
    // Parking at the stop for bike-and-ride and park-and-ride (stops.csv `bike_parking`,
    // `car_parking`: spaces; 0 or absent: none).
    std::vector<std::uint32_t> stop_bike_parking;
    std::vector<std::uint32_t> stop_car_parking;

    // Vehicle types.
    std::vector<std::string> vehicle_ids;
    std::vector<std::string> vehicle_names;
    std::vector<std::uint32_t> vehicle_seated;
    std::vector<std::uint32_t> vehicle_standing;

    // Lines; line_first_stop is CSR over lines (stops in travel order of direction 0;
    // direction 1 runs the same stops reversed).
    std::vector<std::string> line_ids;
    std::vector<std::string> line_names;
    std::vector<LineMode> line_mode;
    std::vector<std::uint32_t> line_vehicle;
    std::vector<std::uint8_t> line_on_road;    // runs on road links among cars (lines.csv `road`)
    std::vector<std::uint8_t> line_both_ways;  // also runs its stops reversed (lines.csv `directions`)
    std::vector<std::uint32_t> line_first_stop;
    std::vector<std::uint32_t> line_stop;       // stop index
    std::vector<std::int32_t> line_run_time_s;  // from the previous stop (0 for the first)
    std::vector<std::int32_t> line_dwell_s;

    // Headways; CSR over lines, intervals sorted by start: [from_s, to_s) with headway_s.
    std::vector<std::uint32_t> line_first_headway;
    std::vector<std::int32_t> headway_from_s;
    std::vector<std::int32_t> headway_to_s;
    std::vector<std::int32_t> headway_s;

    // Timetable trips (optional tables trips.csv and trip_times.csv, e.g. from a GTFS feed).
    // A line with trips runs exactly those (its headways are then only a summary); a line
    // without trips runs its headways, expanded into departures from the first stop. Times are
    // seconds after midnight of the service day; trips of the previous service day that run
    // past midnight have negative times before midnight. trip_first_time is CSR over trips:
    // one arrival and one departure per stop of the line in the trip's direction.
    std::vector<std::string> trip_ids;
    std::vector<std::uint32_t> trip_line;
    std::vector<std::uint8_t> trip_direction;  // 0: the line's stops as listed; 1: reversed
    std::vector<std::string> trip_block;       // "" when none; a block's trips are run by one vehicle
    std::vector<std::uint32_t> trip_first_time{0};
    std::vector<std::int32_t> trip_arrive_s;
    std::vector<std::int32_t> trip_depart_s;

    // Transfer rules (optional table transfers.csv, e.g. from GTFS transfers.txt): from a stop to
    // a stop (the same one for a transfer at a stop), optionally only from or to a line
    // (core::invalid_index: any line). Rules naming lines take precedence over rules that do not.
    std::vector<std::uint32_t> rule_from_stop;
    std::vector<std::uint32_t> rule_to_stop;
    std::vector<std::uint32_t> rule_from_line;
    std::vector<std::uint32_t> rule_to_line;
    std::vector<std::uint8_t> rule_type;   // TransferType
    std::vector<std::int32_t> rule_min_s;  // the minimum time of a TransferType::minimum rule

    std::size_t node_count() const { return node_ids.size(); }
    std::size_t link_count() const { return link_ids.size(); }
    std::size_t zone_count() const { return zone_ids.size(); }
    std::size_t stop_count() const { return stop_ids.size(); }
    std::size_t line_count() const { return line_ids.size(); }
    std::size_t trip_count() const { return trip_ids.size(); }
    std::size_t rule_count() const { return rule_type.size(); }

    // Headway of a line at a time of day, 0 when it does not run then.
    std::int32_t headway_at(std::uint32_t line, std::int32_t time_s) const;

    std::uint32_t find_zone(const std::string& id) const;  // invalid_index when absent
    std::uint32_t find_node(const std::string& id) const;
    // Append a node (in no zone) or a link (without shape points) to the columns; their index.
    std::uint32_t add_node(std::string id, double x_m, double y_m);
    std::uint32_t add_link(LinkRow row);
    std::uint32_t find_stop(const std::string& id) const;
    std::uint32_t find_line(const std::string& id) const;

    // WGS84 of a point of the network (through PROJ with a crs, else the local equirectangular
    // plane around the origin), and back.
    std::pair<double, double> to_lat_lon(double x_m, double y_m) const;
    std::pair<double, double> to_x_y(double lat, double lon) const;
    // States the coordinates' CRS; throws core::IoError when PROJ does not know it as a projected CRS.
    void set_crs(const std::string& crs_name);
};

// Reads and checks a network folder (network.yaml and the CSV tables documented in
// networks/flemingsberg/README.md). Every problem is a core::InputError with its position.
Network load_network(const std::filesystem::path& folder);

const char* line_mode_name(LineMode m);
// The mode of a line from its name (rail, bus, tram); false for another name.
bool parse_line_mode(std::string_view name, LineMode& out);
// The bit of one mode of a link or zone (walk, bike, car; transit when allowed); 0 for another name.
std::uint8_t mode_bit(std::string_view name, bool allow_transit);
// Mode bits as a network table writes them: "walk|bike|car" (transit last).
std::string modes_text(std::uint8_t bits);

}  // namespace flemsim::network
