#pragma once
// Door-to-door transit on a frequency-based timetable: access walk, wait (a share of the
// headway in force), in-vehicle time, transfers with a walk between stops, egress walk.
// Paths minimise a generalised cost with the weights of the mode-choice model, so the
// route a traveller takes is the one the choice model values best.
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/network/network.hpp"
#include "sim/routing/street_graph.hpp"

namespace flemsim::routing {

struct TransitParams {
    double max_access_walk_m = 1200;
    double max_transfer_walk_m = 400;
    double wait_factor = 0.5;  // expected wait as a share of the headway
    double max_wait_s = 1800;
    double min_transfer_s = 0;
    // Generalised cost weights, per second (or per transfer), all >= 0.
    double w_in_vehicle = 1.0;
    double w_wait = 1.0;
    double w_walk = 1.0;
    double transfer_penalty = 0.0;
};

struct TransitPath {
    bool found = false;
    double cost = std::numeric_limits<double>::infinity();
    double access_s = 0, access_m = 0;
    double wait_s = 0;  // initial wait plus waits at transfers
    double in_vehicle_s = 0, in_vehicle_m = 0;
    double transfer_walk_s = 0, transfer_walk_m = 0;
    double egress_s = 0, egress_m = 0;
    std::uint32_t transfers = 0;
    std::uint32_t first_stop = 0, last_stop = 0;  // boarding and alighting stops
    std::uint32_t first_line = 0, last_line = 0;

    double total_s() const { return access_s + wait_s + in_vehicle_s + transfer_walk_s + egress_s; }
    double total_m() const { return access_m + in_vehicle_m + transfer_walk_m + egress_m; }
};

class TransitModel {
public:
    // `walk` must be the walk graph of `net` (both ways on every walk link).
    TransitModel(const network::Network& net, const StreetGraph& walk, const TransitParams& params);

    const TransitParams& params() const { return m_params; }
    std::size_t period_count() const { return m_period_start.size(); }
    std::int32_t period_start(std::size_t p) const { return m_period_start[p]; }
    // The period holding `time_s` (times before the first break belong to period 0).
    std::size_t period_of(std::int32_t time_s) const;

    // Stops within the access distance of a node, with walk time and length (symmetric:
    // the same list serves access from and egress to the node).
    struct NearStop {
        std::uint32_t stop;
        double walk_s;
        double walk_m;
    };
    const NearStop* near_begin(std::uint32_t node) const { return m_near.data() + m_node_first_near[node]; }
    const NearStop* near_end(std::uint32_t node) const { return m_near.data() + m_node_first_near[node + 1]; }

private:
    friend class TransitQuery;
    const network::Network& m_net;
    TransitParams m_params;
    std::vector<std::int32_t> m_period_start;

    // Route nodes: one per (line, direction, position).
    std::vector<std::uint32_t> m_rn_line;
    std::vector<std::uint32_t> m_rn_stop;
    std::vector<double> m_rn_ride_s;  // to the next route node; < 0 at the end of a direction
    std::vector<double> m_rn_ride_m;
    // Boardable route nodes per stop (CSR).
    std::vector<std::uint32_t> m_stop_first_board;
    std::vector<std::uint32_t> m_board_rn;
    // Wait in seconds per (line, period); < 0 when the line does not run in the period.
    std::vector<double> m_wait_s;
    // Transfers between stops (CSR): to stop, walk seconds, walk metres (includes the stop itself).
    std::vector<std::uint32_t> m_stop_first_transfer;
    std::vector<std::uint32_t> m_transfer_to;
    std::vector<double> m_transfer_s;
    std::vector<double> m_transfer_m;
    // Near stops per node (CSR).
    std::vector<std::uint32_t> m_node_first_near;
    std::vector<NearStop> m_near;
};

// Per-thread scratch for transit searches from one origin node in one period.
class TransitQuery {
public:
    explicit TransitQuery(const TransitModel& model);

    void run(std::uint32_t origin_node, std::size_t period);
    // Best path to a destination node after run(); found == false when there is none.
    TransitPath path_to(std::uint32_t dest_node) const;

private:
    enum class Via : std::uint8_t { none, access, ride, alight, transfer };
    const TransitModel& m_model;
    std::size_t m_route_nodes;
    std::size_t m_period = 0;
    std::vector<double> m_cost;  // route nodes then alight nodes (one per stop)
    std::vector<std::uint32_t> m_parent;
    std::vector<Via> m_via;
    std::vector<double> m_via_walk_s;  // access or transfer walk seconds into a route node
    std::vector<double> m_via_walk_m;
    std::vector<std::uint32_t> m_via_stop;  // access stop of an access label
    std::vector<std::pair<double, std::uint32_t>> m_heap;
};

}  // namespace flemsim::routing
