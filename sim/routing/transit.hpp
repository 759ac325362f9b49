#pragma once
// Door-to-door transit on a frequency-based timetable: access walk, wait (a share of the
// headway in force), in-vehicle time, transfers with a walk between stops, egress walk.
// Paths minimise a generalised cost with the weights of the mode-choice model, so the
// route a traveller takes is the one the choice model values best.
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/network/network.hpp"
#include "sim/routing/street_graph.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::routing {

// Parameters: sim/scenario/params.hpp.
using TransitParams = scenario::TransitParams;

// The parts of a transit journey door to door: the one shape of them for a path found here,
// a route answer, the offer a trip weighs in mode choice (T = float, as the level-of-service
// columns store it) and, as columns, the level of service of every trip (TransitColumns).
template <class T>
struct BasicTransitComponents {
    T access_s = 0;
    T wait_s = 0;  // initial wait plus waits at transfers
    T in_vehicle_s = 0;
    T transfer_walk_s = 0;
    T egress_s = 0;
    std::uint32_t transfers = 0;

    T total_s() const { return access_s + wait_s + in_vehicle_s + transfer_walk_s + egress_s; }
};
using TransitComponents = BasicTransitComponents<double>;

struct TransitPath : TransitComponents {
    bool found = false;
    double cost = std::numeric_limits<double>::infinity();
    double access_m = 0, in_vehicle_m = 0, transfer_walk_m = 0, egress_m = 0;
    std::uint32_t first_stop = 0, last_stop = 0;  // boarding and alighting stops
    std::uint32_t first_line = 0, last_line = 0;

    double total_m() const { return access_m + in_vehicle_m + transfer_walk_m + egress_m; }
};

class TransitModel {
public:
    // `walk` must be the walk graph of `net` (both ways on every walk link).
    TransitModel(const network::Network& net, const StreetGraph& walk, const TransitParams& params);

    const network::Network& network() const { return m_net; }
    const StreetGraph& walk_graph() const { return m_walk; }
    const TransitParams& params() const { return m_params; }
    std::size_t period_count() const { return m_period_start.size(); }
    std::int32_t period_start(std::size_t p) const { return m_period_start[p]; }
    // The period holding `time_s` (times before the first break belong to period 0).
    std::size_t period_of(std::int32_t time_s) const;

    // Route nodes: one per (line, direction, position), numbered line by line, direction 0
    // (stops as authored) then 1 (reversed); the next position is the next number.
    std::size_t route_node_count() const { return m_rn_line.size(); }
    std::uint32_t first_route_node(std::uint32_t line, int direction) const;
    std::uint32_t rn_line(std::uint32_t rn) const { return m_rn_line[rn]; }
    std::uint8_t rn_direction(std::uint32_t rn) const { return m_rn_dir[rn]; }
    std::uint16_t rn_position(std::uint32_t rn) const { return m_rn_pos[rn]; }
    std::uint32_t rn_stop(std::uint32_t rn) const { return m_rn_stop[rn]; }
    bool rn_is_last(std::uint32_t rn) const { return m_rn_ride_m[rn] < 0; }
    // Straight-line distance to the next route node (0 at the end of a direction).
    double rn_ride_m(std::uint32_t rn) const { return m_rn_ride_m[rn] < 0 ? 0.0 : m_rn_ride_m[rn]; }
    // Scheduled in-vehicle seconds to the next route node (run time plus the dwell here).
    double rn_scheduled_ride_s(std::uint32_t rn) const { return m_rn_sched_ride_s[rn]; }

    // Costs by period, as searches see them: in-vehicle seconds to the next route node and
    // expected wait at a route node (< 0: no service). Start as the timetable says;
    // set_experienced replaces them (e.g. with averages of simulated days).
    double ride_s(std::uint32_t rn, std::size_t period) const { return m_ride_s[rn * period_count() + period]; }
    double wait_s(std::uint32_t rn, std::size_t period) const { return m_wait_s[rn * period_count() + period]; }
    double scheduled_wait_s(std::uint32_t rn, std::size_t period) const {
        return m_sched_wait_s[rn * period_count() + period];
    }
    // Both arrays are route_node_count() x period_count(), row-major; a wait is only used
    // where the timetable has service.
    void set_experienced(const std::vector<double>& ride_s, const std::vector<double>& wait_s);

    // Stops within the access distance of a node, with walk time and length (symmetric:
    // the same list serves access from and egress to the node).
    struct NearStop {
        std::uint32_t stop;
        double walk_s;
        double walk_m;
    };
    const NearStop* near_begin(std::uint32_t node) const { return m_near.data() + m_node_first_near[node]; }
    const NearStop* near_end(std::uint32_t node) const { return m_near.data() + m_node_first_near[node + 1]; }

    // Walk paths (arcs of the walk graph) from a stop to a node and from a node to a stop;
    // appended to `arcs`. False when the node cannot be reached.
    bool walk_path_from_stop(std::uint32_t stop, std::uint32_t node, std::vector<std::uint32_t>& arcs) const;
    bool walk_path_to_stop(std::uint32_t node, std::uint32_t stop, std::vector<std::uint32_t>& arcs) const;

private:
    friend class TransitQuery;
    const network::Network& m_net;
    const StreetGraph& m_walk;
    TransitParams m_params;
    std::vector<std::int32_t> m_period_start;

    std::vector<std::uint32_t> m_line_first_rn;  // per line: its first route node (direction 0)
    std::vector<std::uint32_t> m_rn_line;
    std::vector<std::uint8_t> m_rn_dir;
    std::vector<std::uint16_t> m_rn_pos;
    std::vector<std::uint32_t> m_rn_stop;
    std::vector<double> m_rn_sched_ride_s;  // < 0 at the end of a direction
    std::vector<double> m_rn_ride_m;        // < 0 at the end of a direction
    std::vector<double> m_ride_s;           // route node x period
    std::vector<double> m_wait_s;           // route node x period; < 0: no service
    std::vector<double> m_sched_wait_s;
    // Boardable route nodes per stop (CSR).
    std::vector<std::uint32_t> m_stop_first_board;
    std::vector<std::uint32_t> m_board_rn;
    // Transfers between stops (CSR): to stop, walk seconds, walk metres (includes the stop itself).
    std::vector<std::uint32_t> m_stop_first_transfer;
    std::vector<std::uint32_t> m_transfer_to;
    std::vector<double> m_transfer_s;
    std::vector<double> m_transfer_m;
    // Near stops per node (CSR).
    std::vector<std::uint32_t> m_node_first_near;
    std::vector<NearStop> m_near;
    // Walk trees from every stop: parent arc per (stop, node); the reverse of each walk arc.
    std::vector<std::uint32_t> m_stop_parent;
    std::vector<std::uint32_t> m_reverse_arc;
};

// A transit path as legs: access walk to the first boarding stop, rides (each boarding a
// route node and riding a number of stops), transfer walks between rides, egress walk.
struct TransitRide {
    std::uint32_t board_rn;
    std::uint16_t stops;  // alight at route node board_rn + stops
};
struct TransitItinerary {
    std::vector<TransitRide> rides;
};

// Per-thread scratch for transit searches from one origin node in one period.
class TransitQuery {
public:
    explicit TransitQuery(const TransitModel& model);

    // Searches from an origin in a period; a second call with the same origin and period
    // reuses the search. A query serves one state of the model's costs: make a new one after
    // set_experienced.
    void run(std::uint32_t origin_node, std::size_t period);
    // Best path to a destination node after run(); found == false when there is none.
    // With `itinerary`, also its rides.
    TransitPath path_to(std::uint32_t dest_node, TransitItinerary* itinerary = nullptr) const;

private:
    enum class Via : std::uint8_t { none, access, ride, alight, transfer };
    const TransitModel& m_model;
    std::size_t m_route_nodes;
    std::size_t m_period = 0;
    std::uint32_t m_origin = core::invalid_index;  // of the search held (invalid: none)
    std::vector<double> m_cost;                    // route nodes then alight nodes (one per stop)
    std::vector<std::uint32_t> m_parent;
    std::vector<Via> m_via;
    std::vector<double> m_via_walk_s;  // access or transfer walk seconds into a route node
    std::vector<double> m_via_walk_m;
    std::vector<std::uint32_t> m_via_stop;  // access stop of an access label
    std::vector<std::pair<double, std::uint32_t>> m_heap;
};

}  // namespace flemsim::routing
