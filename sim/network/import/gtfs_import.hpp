#pragma once
// Import of a GTFS feed (a .zip or a folder of .txt tables) into a Network whose streets are
// already there: the stops, vehicle types, lines, line stops and headways of one service day.
//
// What the import keeps and what it approximates:
//  - A stop is a GTFS stop (location_type 0 or empty) visited by a trip of the day. It is
//    reached from the nearest node with a walk link within GtfsOptions::max_stop_link_m; a
//    stop farther away is left out (its trips still serve their other stops) and reported.
//  - A line is one group of the day's trips with the same route, direction and sequence of
//    kept stops; its id is `<route_id>_<direction_id>_<k>` (k = 1, 2, ... within the route
//    and direction, ordered by first departure). Run and dwell times are medians over the
//    group's trips, in whole seconds; a median run time of 0 s (two stops in the same
//    timetable minute) is written as 1 s because the network format needs run times > 0.
//  - Headways: an entry of frequencies.txt is an interval [start_time, end_time) with
//    headway_secs (exact_times 1 gives the same interval: its departures are exactly every
//    headway_secs from start_time). Trips without frequencies are counted per clock hour of
//    their departure from the line's first stop: n >= 1 departures in hour h give the
//    interval [h, h+1) with headway round(3600 / n) s. This is an approximation: the
//    departures inside an hour are taken as evenly spaced. Where sources overlap their
//    departure rates add up; adjacent intervals with the same headway are merged.
//  - Each GTFS direction (and stop pattern) is a line of its own, so imported lines run one
//    way only (lines.csv `directions` forward).
//  - Vehicle types: one per kind of route_type present (extended types 100-1799 are mapped
//    to their base type; air and self-drive routes are left out and reported). Their
//    capacities are defaults for a typical vehicle of the kind, not data from the feed (GTFS
//    has none). Line mode: rail for rail, metro, monorail, ferry and cable-driven kinds, tram
//    for tram, bus for bus and trolleybus (which run on the road, the format's default).
//  - transfers.txt is checked and counted but not used: transfers between stops are walks
//    on the street network in our model.
//  - Ids are made valid for the network format: characters outside [A-Za-z0-9_-] become
//    '_', and a suffix `_2`, `_3`, ... keeps them unique. In names a comma becomes ';' and a
//    double quote a single one, as our tables do not quote.
//  - Empty stop times between timed stops are interpolated evenly by stop count (GTFS would
//    use distance along the shape, which a feed need not give).
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
};

struct GtfsReport {
    std::size_t agencies = 0;        // rows of agency.txt
    std::size_t stops = 0;           // stops added to the network
    std::size_t routes = 0;          // rows of routes.txt
    std::size_t trips_on_date = 0;   // trips whose service runs on the service date
    std::size_t lines = 0;           // lines added to the network
    std::size_t vehicles = 0;        // vehicle types added to the network
    std::size_t stops_unlinked = 0;  // farther than max_stop_link_m from any walk node: reported, left out
    std::size_t transfers = 0;       // rows of transfers.txt (checked, not used)
    std::vector<std::string> notes;  // human-readable lines, e.g. "stop 'X' is 512 m from the street network: left out"
};

// Reads a feed (a .zip or a folder) and adds stops, vehicles, lines, line stops and headways to
// `net`, whose streets (nodes, links with walk access, origin_lat/lon) are already there. The feed is
// checked in full before `net` is changed, so on an InputError `net` is as it was.
void import_gtfs(const std::filesystem::path& feed, const GtfsOptions& options, Network& net, GtfsReport& report);

}  // namespace flemsim::network::import
