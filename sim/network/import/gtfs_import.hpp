#pragma once
// Import of a GTFS feed (a .zip or a folder of .txt tables) into a Network whose streets are
// already there: the stops, vehicle types, lines, line stops, headways, timetable trips and
// transfer rules of one service day.
//
// What the import keeps and what it approximates:
//  - A stop is a GTFS stop (location_type 0 or empty) visited by a trip of the day. It is
//    reached from the nearest node with a walk link within GtfsOptions::max_stop_link_m; a
//    stop farther away is left out (its trips still serve their other stops) and reported.
//  - Trips: every trip running on the service date becomes a network trip with its own times
//    (trips.csv, trip_times.csv), and so does every trip of the day before that is still
//    running after midnight (its times less 86400 s, negative before midnight; id
//    `<trip_id>_prev`, block `<block_id>_prev`: another day's vehicle run). A trip with
//    frequencies.txt entries (exact_times 0 and 1 alike) is a template: one trip per departure
//    start_time, start_time + headway_secs, ... < end_time from its FIRST stop, with the
//    template's times taken relative to its departure there (as the GTFS reference says); such
//    trips are named `<trip_id>_<HHMMSS>` and belong to no block. Ids are made unique.
//  - A line is one group of those trips with the same route, direction and sequence of kept
//    stops, split further so that no trip of a line overtakes another at any stop (a
//    router scans a line's trips in order of departure); its id is
//    `<route_id>_<direction_id>_<k>` (k = 1, 2, ... within the route and direction, ordered by
//    first departure). Run and dwell times are medians over the line's trips, in whole seconds;
//    a median run time of 0 s (two stops in the same timetable minute) is written as 1 s
//    because the network format needs run times > 0.
//  - Headways are a summary of the trips: an entry of frequencies.txt is an interval
//    [start_time, end_time) with headway_secs. Trips without frequencies are counted per clock
//    hour of their departure from the line's first stop (the day before's in hour 0): n >= 1
//    departures in hour h give the interval [h, h+1) with headway round(3600 / n) s. This is an
//    approximation: the departures inside an hour are taken as evenly spaced. Where sources
//    overlap their departure rates add up; adjacent intervals with the same headway are merged.
//  - Each GTFS direction (and stop pattern) is a line of its own, so imported lines run one
//    way only (lines.csv `directions` forward).
//  - Vehicle types: one per kind of route_type present (extended types 100-1799 are mapped
//    to their base type; air and self-drive routes are left out and reported). Their
//    capacities are defaults for a typical vehicle of the kind, not data from the feed (GTFS
//    has none). Line mode: rail for rail, metro, monorail, ferry and cable-driven kinds, tram
//    for tram, bus for bus and trolleybus (which run on the road, the format's default).
//  - transfers.txt becomes transfer rules (transfers.csv): a stop stands for itself, a station
//    for its stops in the network, a from_route_id / to_route_id for every line of the route
//    (one rule per combination). Rows whose stops are not in the network (left out, or without
//    trips) or whose route has no trips on the date are dropped and counted; rows between trips
//    (from_trip_id, to_trip_id) and in-seat rows (types 4, 5) are ignored with a note.
//  - Ids are made valid for the network format: characters outside [A-Za-z0-9_-] become
//    '_', and a suffix `_2`, `_3`, ... keeps them unique. In names a comma becomes ';' and a
//    double quote a single one, as our tables do not quote.
//  - Empty stop times between timed stops are interpolated by distance, as GTFS says: along
//    the shape (shape_dist_traveled) where the rows of the gap give it, else along straight
//    lines between consecutive stops; by stop count only where the stops are at one place.
//  - Published feeds as found: blanks around header names, rows shorter than the header,
//    files without a final line end, an empty optional table (taken as absent), a repeated
//    agency_id (the first kept, reported with file:line).
// Every problem in the feed is a core::InputError with file:line:column and the column name.
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/network/network.hpp"

namespace flemsim::network::import {

struct GtfsOptions {
    std::string service_date;      // YYYY-MM-DD, required: the day whose trips are imported
    double max_stop_link_m = 300;  // a stop is reached from the nearest walk node within this distance
    // Keep the first rail, metro or monorail station beyond the streets on each side of a line
    // (next to a station on them along a trip) as a gateway station: its own node `gw_<stop>`
    // and a centroid `gw_<stop>_c` 1 m away (a walk link), for a gateway zone (add_gateway_zones).
    bool gateway_stations = false;
};

struct GtfsReport {
    std::size_t agencies = 0;                // rows of agency.txt
    std::size_t stops = 0;                   // stops added to the network
    std::size_t routes = 0;                  // rows of routes.txt
    std::size_t trips_on_date = 0;           // trips whose service runs on the service date
    std::size_t lines = 0;                   // lines added to the network
    std::size_t vehicles = 0;                // vehicle types added to the network
    std::size_t stops_unlinked = 0;          // farther than max_stop_link_m from any walk node: reported, left out
    std::size_t transfers = 0;               // rows of transfers.txt
    std::size_t trips = 0;                   // timetable trips added to the network
    std::size_t trips_previous_day = 0;      // of them: the day before's, still running after midnight
    std::size_t trips_from_frequencies = 0;  // of them: expanded from frequencies.txt
    std::size_t lines_split = 0;             // lines added so that no trip of a line overtakes another
    std::size_t rules = 0;                   // transfer rules added to the network
    std::size_t rules_dropped = 0;           // transfers.txt rows whose stops or routes are not in the network
    std::vector<std::string> notes;  // human-readable lines, e.g. "stop 'X' is 512 m from the street network: left out"
    // With GtfsOptions::gateway_stations: the stations kept beyond the streets.
    struct GatewayStation {
        std::string stop, name, id;  // GTFS stop_id and name; the station node's id
        double x_m = 0, y_m = 0;
        std::uint32_t station_node = 0, centroid_node = 0;
        double places_per_h = 0;  // places of the trains leaving it into the area, busiest hour
    };
    std::vector<GatewayStation> gateway_stations;
};

// Reads a feed (a .zip or a folder) and adds stops, vehicles, lines, line stops and headways to
// `net`, whose streets (nodes, links with walk access, origin_lat/lon) are already there. The feed is
// checked in full before `net` is changed, so on an InputError `net` is as it was.
void import_gtfs(const std::filesystem::path& feed, const GtfsOptions& options, Network& net, GtfsReport& report);

}  // namespace flemsim::network::import
