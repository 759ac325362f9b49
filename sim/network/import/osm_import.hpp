#pragma once
// OpenStreetMap importer: highway=* ways of an .osm (XML) or .osm.pbf file become the street
// part of a Network (nodes, walk/bike/car links) in the format of networks/flemingsberg/README.md.
//
// What is kept and how tags are read:
//  - Only ways tagged highway=* of a known type (see road_defaults()) are kept; area=yes and the
//    types bridleway, construction, proposed, raceway, bus_guideway, platform and corridor are
//    skipped. A way is cut where it leaves the area: its maximal runs of consecutive nodes inside
//    the area, of at least two nodes, are kept; no node is made up on the edge.
//  - Access per mode starts from the type's default and is changed by access, then foot,
//    bicycle, motor_vehicle, motorcar (each later key wins): no/private/use_sidepath = no,
//    yes/designated/permissive/destination = yes. Cycleways admit walking unless foot=no.
//  - oneway=yes/1/true, junction=roundabout and motorway(_link) make cars and bikes go along the
//    way only (oneway=no lifts the implied cases); oneway=-1 reverses the way first.
//    oneway:bicycle=no, cycleway=opposite* and cycleway:left/right/both=opposite* let bikes go
//    both ways.
//  - Our format's oneway=yes applies to car AND bike (walk is always both ways). A street that
//    is oneway for cars but two-way for bikes therefore becomes TWO links with the same ends and
//    length: a car-only oneway link and a walk|bike two-way link (and the other way round for
//    oneway:bicycle=yes on a two-way street).
//  - Speed from maxspeed (km/h; "N mph"; SE:urban 50, SE:rural 70, SE:motorway 110, walk 7;
//    anything else, "none" included, falls back to the type's default). lanes is the total of both
//    directions: a two-way link gets max(1, lanes / 2) per direction, a oneway link all of them.
//    Capacity per direction = the type's capacity per lane x lanes per direction.
//
// Graph: nodes are OSM nodes at the ends of ways, where ways meet, or where a way touches itself.
// Chains through degree-2 nodes are folded into one link whose length is the sum of the projected
// segment lengths (metres, computed from the rounded node coordinates, so a length is never below
// the straight line between its ends), as long as the attributes on both sides (type, modes,
// oneway, speed, lanes, capacity, name) are equal and the directions agree. The folded nodes'
// coordinates are kept as the link's shape (Network::link_first_point, point_x_m, point_y_m;
// written to link_shapes.csv) and counted.
// Then, per mode, only the largest strongly connected component is kept: a link keeps a mode
// only if both its ends lie in that mode's largest component; links left with no mode and nodes
// left with no link are dropped.
//
// Output order is deterministic: nodes by OSM id, links by (way id, segment index). Ids: nodes
// "n<osm id>", links "w<way id>_<k>" with k counting the links of a way from 0 in way order (a
// folded link belongs to the way of its piece with the smallest (way id, segment index); the two
// links of a bike-contraflow street take k and k+1). Zones and transit tables are left empty; node_zone is
// core::invalid_index.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/network/network.hpp"

namespace flemsim::network::import {

// A WGS84 bounding box in degrees.
struct Area {
    double min_lat = 0;
    double min_lon = 0;
    double max_lat = 0;
    double max_lon = 0;
};

// The bounding box around a circle of radius_km around (lat, lon), with the same degree lengths
// as the network projection (110.574 km per degree of latitude, 111.320 * cos(lat) of longitude).
Area area_from_center(double lat, double lon, double radius_km);

// Gateway zones where the area's edge cuts a major road (README "Your own study area").
struct GatewayOptions {
    // highway types whose cut makes a gateway (`--gateway-roads`)
    std::vector<std::string> road_types{"motorway", "trunk", "primary", "secondary", "tertiary"};
    double merge_m = 150;  // cuts of one road (same ref, else name) this close are one gateway (dual carriageways)
    double car_occupancy = 1.3;  // persons per car, for the gateway's size (assumption)
};

struct OsmOptions {
    std::optional<Area> area;  // none: everything in the file
    // The network's CRS (network.yaml `crs:`): "utm" for the UTM zone of the area's centre
    // (WGS84, EPSG:326xx north or 327xx south), or any projected CRS in metres PROJ knows
    // ("EPSG:3006", SWEREF 99 TM, for Sweden); nodes are projected into it with PROJ. Empty:
    // the local plane around the area's centre (equirectangular; good for a few km only).
    std::string crs;
    // With gateways, every road of those types that the area's edge (or the file's: a way
    // whose next node is missing) cuts gets a gateway node `gw_<road>` 30 m beyond the cut and
    // car connectors `c_<gateway>_<k>` to the cut ends of that road (two-way, or one-way along
    // a one-way road's traffic), added before the
    // largest strongly connected parts are kept (so that a one-way carriageway into or out of
    // the area stays: the gateway closes its loop). The zones come with add_gateway_zones.
    std::optional<GatewayOptions> gateways;
};

// A gateway the import made: its node and what it is named and sized after.
struct OsmGateway {
    std::uint32_t node = 0;  // index into the network's nodes
    std::string id, name;
    std::size_t cuts = 0;          // carriageways and roads it joins
    double inbound_veh_per_h = 0;  // capacity into the area: each carriageway that enters, each two-way road once
    double weight = 0;             // persons per hour: inbound capacity x car occupancy
};

struct OsmReport {
    std::size_t ways_read = 0;        // every way in the file
    std::size_t highway_ways = 0;     // ways with a highway=* tag (kept or not)
    std::size_t nodes_in_area = 0;    // OSM nodes of the file inside the area (all, without one)
    std::size_t nodes = 0;            // in the result
    std::size_t links = 0;            // in the result
    std::size_t collapsed_nodes = 0;  // degree-2 nodes folded into links
    std::array<std::size_t, 3> dropped_nodes{}, dropped_links{};  // walk, bike, car: outside the
                                                                  // largest strongly connected part
    std::vector<std::string> notes;                               // human-readable lines for the console
    std::vector<OsmGateway> gateways;  // with OsmOptions::gateways, those kept (car reaches them both ways)
    // Turn restrictions (type=restriction for cars, via a node): read, applied, not applied
    // (their via node or one of their ways is not a car link there), via a way (not applied),
    // and the car turns they forbid.
    std::size_t turn_restrictions_read = 0, turn_restrictions_applied = 0, turn_restrictions_unused = 0;
    std::size_t turn_restrictions_via_way = 0, turns_forbidden = 0;
    std::size_t turn_car_links_dropped = 0;  // car links outside the largest car part once turns are forbidden
    std::size_t gateway_cuts = 0;            // cuts of the gateway road types
};

// The UTM zone of a point as an EPSG code name ("EPSG:32633" for Stockholm).
std::string utm_crs(double lat, double lon);

// Reads `file` (.osm, .osm.gz, .osm.bz2 or .osm.pbf, by extension) and fills the node and link
// columns of `net`, net.origin_lat/lon (the area's centre, else the centre of the file's bounds,
// else of its nodes) and net.name ("OpenStreetMap <file name>"). `net` should be empty.
// Throws core::InputError naming the file (and the line and column where the parser gives one)
// for a missing or unreadable file, malformed XML or PBF, or an area without a usable street.
void import_osm(const std::filesystem::path& file, const OsmOptions& options, Network& net, OsmReport& report);

// Defaults per highway type (the README shows this table). lanes are per direction, capacity is
// per lane and direction; modes are the ModeBits before access tags.
struct RoadDefaults {
    std::string_view highway;
    double speed_kph;
    double lanes;
    double capacity_veh_per_h;
    std::uint8_t modes;
};
std::span<const RoadDefaults> road_defaults();

}  // namespace flemsim::network::import
