#pragma once
// Batch route queries (`flemsim route`): points in, door-to-door answers out, so that flemsim
// can be checked against other tools. Points snap to the nearest node usable by the mode.
// Transit answers come with their legs (walks and rides with stops, trips and clock times),
// as a journey planner lists them; over a departure window, with every Pareto journey.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
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

// How far a query's point may lie from the nearest node of its mode's network. Farther, the
// query is answered not found: snapping a point 5,000 km away would answer a 0-second trip.
inline constexpr double default_max_snap_m = 500;

// The longest departure window: a day (a profile over more is a question for several runs).
inline constexpr std::int32_t max_departure_window_s = 24 * 3600;

struct RouteOptions {
    double max_snap_m = default_max_snap_m;
    // 0: one answer per query (for transit, the journey of least generalised cost leaving
    // within max_wait_s). Else a profile: every Pareto journey (leaving later, arriving
    // earlier, fewer transfers) leaving the origin in [departure, departure + window_s].
    std::int32_t window_s = 0;
};

// One row of the answers: a query's answer or, in a profile, one of its journeys.
struct RouteAnswer {
    std::uint32_t query = 0;    // index into the queries
    std::uint32_t journey = 0;  // 1.. within the query's rows; 0 when there is none
    bool found = false;
    std::int32_t depart_s = 0;  // leaving the origin (transit: the latest that catches the first ride)
    std::int32_t arrive_s = 0;  // at the destination
    // Door to door from the asked departure (its wait included) for one answer; from
    // depart_s for a journey of a profile, since leaving then there is no wait to count.
    double time_s = 0, distance_m = 0;
    TransitComponents transit;              // transit parts
    std::string lines, stops;               // transit: line and stop ids of the rides, '|' separated
    double snap_from_m = 0, snap_to_m = 0;  // distance from each point to its node
    std::string reason;                     // why found is 0 (no commas: a plain CSV field)
    // Over the query's journeys (a profile; the same on each of its rows): how many, and the
    // least and median time from leaving to arriving.
    std::uint32_t journeys = 0;
    double min_time_s = 0, median_time_s = 0;
    std::uint32_t first_leg = 0, leg_count = 0;  // its legs in RouteAnswers::legs
};

// A leg: a walk (to the first stop, between stops, from the last stop), a ride on a trip, a
// ride continued seated on the block's next trip, or the whole of a walk, bike or car answer.
// (Not routes.hpp's LegKind, the trip routes' own: one name for two enums broke the one
// definition rule, which GCC's link-time check reports.)
enum class RouteLegKind : std::uint8_t { walk = 0, bike = 1, car = 2, ride = 3, seated = 4 };
const char* leg_kind_name(RouteLegKind k);

// Legs as columns. Stops, lines and trips are network indices; invalid_index where a leg has
// none (a walk has no line; the access walk no from_stop; a headway departure no trip).
struct RouteLegs {
    std::vector<RouteLegKind> kind;
    std::vector<std::uint32_t> line, trip, from_stop, to_stop;
    std::vector<std::int32_t> depart_s, arrive_s;
    std::vector<std::int32_t> walk_s;  // walking seconds of a walk leg (0 for others)
    std::vector<std::int32_t> wait_s;  // waiting at from_stop before a ride leaves (0 for others)

    std::size_t size() const { return kind.size(); }
};

struct RouteAnswers {
    std::vector<RouteAnswer> rows;  // in query order; a query's journeys by departure, then arrival
    RouteLegs legs;                 // in row order
    bool profile = false;           // answered over a departure window
};

// Reads a CSV with columns id,from_lat,from_lon,to_lat,to_lon,mode,departure (mode: walk,
// bike, car or transit; departure HH:MM:SS). Errors name file, line, column and column.
std::vector<RouteQuery> read_route_queries(const std::filesystem::path& file);

// A duration as "3600" (seconds), "90s", "30m", "1h" or combined ("1h30m"); nullopt when it is
// none of these, zero, or longer than max_departure_window_s.
std::optional<std::int32_t> parse_departure_window(std::string_view text);

// Answers in query order; parallel over origins (one tree per origin node, mode and
// departure period serves every query that shares them). The same answers at any thread count.
RouteAnswers answer_route_queries(const RoutingContext& ctx, const std::vector<RouteQuery>& queries,
                                  const RouteOptions& options = {});

// Writes the answers as CSV (through a temporary file); a profile adds the columns journey,
// journeys, min_travel_time_s and median_travel_time_s.
void write_route_answers(const std::filesystem::path& file, const std::vector<RouteQuery>& queries,
                         const RouteAnswers& answers);
// Writes the legs as CSV: id,journey,leg,kind,line,trip,from_stop,departure,to_stop,arrival,
// walk_s,wait_s (ids of the network's lines, trips and stops; clock times HH:MM:SS).
void write_route_legs(const std::filesystem::path& file, const std::vector<RouteQuery>& queries,
                      const RouteAnswers& answers, const network::Network& net);

}  // namespace flemsim::routing
