#pragma once
// Routes of trips as legs: a car leg is a path of arcs in the car graph; a walk or bike leg
// is its length along the shortest path (the path itself is traced again where needed, see
// trace_walk_bike_legs); a ride is a boarding route node and a number of stops. A transit trip is an access
// walk, rides separated by transfer walks (possibly empty), and an egress walk. CSR:
// trips -> legs -> arcs.
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"

namespace flemsim::routing {

enum class LegKind : std::uint8_t { walk = 0, bike = 1, car = 2, ride = 3 };

struct TripRoutes {
    std::vector<std::uint32_t> trip_first_leg{0};  // trip_count + 1
    std::vector<LegKind> leg_kind;
    std::vector<std::uint32_t> leg_first_arc{0};  // leg_count + 1
    std::vector<std::uint32_t> arcs;
    std::vector<std::uint32_t> leg_board_rn;  // ride legs; invalid_index otherwise
    std::vector<std::uint16_t> leg_stops;     // ride legs: stops ridden; 0 otherwise
    std::vector<float> leg_length_m;          // street legs: length of the path
    // Ride legs: the rides the rider accepts at the boarding stop (common lines): the planned
    // one first (leg_board_rn, leg_stops), then every other route node at that stop whose line
    // reaches the same alighting stop within transit.attractive_ride_factor x the planned
    // scheduled ride. The rider boards the first vehicle of any of them with room. CSR over
    // legs (no options for other legs).
    std::vector<std::uint32_t> leg_first_option{0};  // leg_count + 1
    std::vector<std::uint32_t> option_board_rn;
    std::vector<std::uint16_t> option_stops;

    std::size_t trip_count() const { return trip_first_leg.size() - 1; }
    std::size_t leg_count() const { return leg_kind.size(); }
};

// The access of each tour's transit trips (per tour): walk, or by bike or car to the park of
// `lot_stop` (a stop number) on the way out and back from it on the way home.
struct TransitAccessPlan {
    std::vector<std::uint8_t> kind;  // TransitAccess
    std::vector<std::int32_t> lot_stop;
};

// Routes for the trips marked in `reroute` (all when empty), with the trip's mode and
// departure time; other trips keep their legs from `previous`. Car paths use `car_times`
// of the departure hour when given, free-flow times otherwise; transit uses the costs the
// transit model holds. Parallel over origin nodes; the result does not depend on threads.
TripRoutes route_trips(const RoutingContext& ctx, const population::Population& pop,
                       const std::vector<core::Mode>& trip_mode, const std::vector<std::int32_t>& trip_dep,
                       const std::vector<std::uint8_t>& reroute = {}, const TripRoutes* previous = nullptr,
                       const CarTimes* car_times = nullptr, const TransitAccessPlan* access = nullptr);

// Traces the walk and bike legs of every trip again (the same paths route_trips measured)
// and calls visit(leg, graph, arcs) for each, in parallel over origins; `visit` must be safe
// to call concurrently.
void trace_walk_bike_legs(const RoutingContext& ctx, const population::Population& pop, const TripRoutes& routes,
                          const std::function<void(std::uint32_t leg, const StreetGraph& graph,
                                                   const std::vector<std::uint32_t>& arcs)>& visit);

}  // namespace flemsim::routing
