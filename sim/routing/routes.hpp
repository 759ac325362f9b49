#pragma once
// Routes of trips as legs: a car leg is a path of arcs in the car graph; a walk or bike leg
// is its length along the shortest path (the path itself is traced again where needed, see
// trace_walk_bike_legs); a ride is a boarding route node and a number of stops. A transit trip is an access
// walk, rides separated by transfer walks (possibly empty), and an egress walk. CSR:
// trips -> legs -> arcs.
#include <cstdint>
#include <functional>
#include <span>
#include <utility>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"

namespace flemsim::routing {

enum class LegKind : std::uint8_t { walk = 0, bike = 1, car = 2, ride = 3 };

struct TripRoutes {
    std::vector<std::uint32_t> trip_first_leg{0};  // trip_count + 1
    std::vector<LegKind> leg_kind;
    // The car legs' arcs (in the car graph), packed to about half a byte an arc: leg l's arcs
    // take the positions [leg_first_arc[l], leg_first_arc[l + 1]); its first arc is kept whole
    // (leg_arc0), each later one as its rank among the out-arcs of the node it leaves (the
    // head of the arc before it), 4 bits a position in arc_rank; a rank of 15 or more is
    // marked 15 and kept whole in wide_arcs (position, arc; sorted). Read a leg's arcs in order
    // (first_arc, arc_after, for_each_arc): each is found from the one before.
    std::vector<std::uint32_t> leg_first_arc{0};  // leg_count + 1
    std::vector<std::uint32_t> leg_arc0;          // per leg; invalid_index for a leg without arcs
    std::vector<std::uint8_t> arc_rank;           // two positions a byte, the even one low
    std::vector<std::pair<std::uint32_t, std::uint32_t>> wide_arcs;
    static constexpr std::uint32_t wide_rank = 15;
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

    std::uint32_t first_arc(std::uint32_t leg) const { return leg_arc0[leg]; }
    // The arc at position `pos` (after its leg's first), following arc `prev` of the car graph.
    std::uint32_t arc_after(const StreetGraph& car, std::uint32_t pos, std::uint32_t prev) const {
        return arc_after_from(pos, car.first_out[car.head[prev]]);
    }
    // The same, given the first out-arc of the node the arc before it leads to
    // (car.first_out[car.head[prev]]), for a caller that keeps those at hand.
    std::uint32_t arc_after_from(std::uint32_t pos, std::uint32_t out_first) const {
        const std::uint32_t r = (arc_rank[pos >> 1] >> ((pos & 1u) * 4)) & 15u;
        return r != wide_rank ? out_first + r : wide_arc(pos);
    }
    // f(arc) for each arc of leg `leg`, in order.
    template <class F>
    void for_each_arc(const StreetGraph& car, std::uint32_t leg, F&& f) const {
        const std::uint32_t begin = leg_first_arc[leg], end = leg_first_arc[leg + 1];
        if (begin == end) return;
        std::uint32_t a = leg_arc0[leg];
        f(a);
        for (std::uint32_t p = begin + 1; p < end; ++p) f(a = arc_after(car, p, a));
    }
    std::vector<std::uint32_t> arcs_of(const StreetGraph& car, std::uint32_t leg) const;
    // Appends a leg's arcs (a path of the car graph; none for a leg of another kind) at the
    // end: for routes made one leg at a time (tests). The leg's other columns are the caller's.
    void add_leg_arcs(const StreetGraph& car, std::span<const std::uint32_t> arcs);

private:
    std::uint32_t wide_arc(std::uint32_t pos) const;
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
// `known`: the trips' level of service (compute_trip_los of `pop` on this context), whose walk
// and bike distances the legs that would come from labels take where it has them from labels
// (TripLos::from_labels): the same bits, without building the labels again.
TripRoutes route_trips(const RoutingContext& ctx, const population::Population& pop,
                       const std::vector<core::Mode>& trip_mode, const std::vector<std::int32_t>& trip_dep,
                       const std::vector<std::uint8_t>& reroute = {}, const TripRoutes* previous = nullptr,
                       const CarTimes* car_times = nullptr, const TransitAccessPlan* access = nullptr,
                       const TripLos* known = nullptr);

// Traces the walk and bike legs of every trip again (the same paths route_trips measured)
// and calls visit(leg, graph, arcs) for each, in parallel over origins; `visit` must be safe
// to call concurrently. With `labels`, the legs of a mode of trips without rides come from that
// mode's labels (CchLabels, one mode's at a time: 693 MiB on the 100,000-node grid) where
// use_trip_labels says they pay (or the context's force_trip_labels): the queries' paths, arc for
// arc, at a fraction of their work. Without, no labels are built (a caller whose memory is at its
// peak).
void trace_walk_bike_legs(const RoutingContext& ctx, const population::Population& pop, const TripRoutes& routes,
                          const std::function<void(std::uint32_t leg, const StreetGraph& graph,
                                                   const std::vector<std::uint32_t>& arcs)>& visit,
                          bool labels = false);

}  // namespace flemsim::routing
