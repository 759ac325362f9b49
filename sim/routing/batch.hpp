#pragma once
// Batch route queries (`flemsim route`): points in, door-to-door answers out, so that flemsim
// can be checked against other tools. Points snap to the nearest node usable by the mode.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/routing/los.hpp"

namespace flemsim::routing {

struct RouteQuery {
    std::string id;
    double from_lat = 0, from_lon = 0, to_lat = 0, to_lon = 0;
    core::Mode mode = core::Mode::walk;
    std::int32_t departure_s = 0;
};

struct RouteAnswer {
    bool found = false;
    double time_s = 0, distance_m = 0;
    TransitComponents transit;              // transit parts
    std::string lines, stops;               // transit: line and stop ids of the rides, '|' separated
    double snap_from_m = 0, snap_to_m = 0;  // distance from each point to its node
    std::string reason;                     // why found is 0 (no commas: a plain CSV field)
};

// How far a query's point may lie from the nearest node of its mode's network. Farther, the
// query is answered not found: snapping a point 5,000 km away would answer a 0-second trip.
inline constexpr double default_max_snap_m = 500;

// Reads a CSV with columns id,from_lat,from_lon,to_lat,to_lon,mode,departure (mode: walk,
// bike, car or transit; departure HH:MM:SS). Errors name file, line, column and column.
std::vector<RouteQuery> read_route_queries(const std::filesystem::path& file);

// Answers in query order; parallel over origins (one tree per origin node, mode and
// departure period serves every query that shares them).
std::vector<RouteAnswer> answer_route_queries(const RoutingContext& ctx, const std::vector<RouteQuery>& queries,
                                              double max_snap_m = default_max_snap_m);

// Writes the answers as CSV (through a temporary file).
void write_route_answers(const std::filesystem::path& file, const std::vector<RouteQuery>& queries,
                         const std::vector<RouteAnswer>& answers);

}  // namespace flemsim::routing
