#pragma once
// Door-to-door transit on the timetable: an access walk, rides on scheduled trips found by RAPTOR (raptor.hpp),
// transfer walks, an egress walk. For a trip leaving at a time, the candidates are the Pareto journeys leaving the
// origin within max_wait_s (later departures, earlier arrivals, fewer transfers); each is
// valued with the generalised cost of the mode-choice weights, crowding included, and the
// traveller takes one by a logit over them (or, for the level of service, the best one). A
// trip with no journey within max_wait_s has no transit: no overnight waits.
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/network/network.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/raptor.hpp"
#include "sim/routing/street_graph.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::routing {

// Parameters: sim/scenario/params.hpp.
using TransitParams = scenario::TransitParams;

// How a transit journey reaches its first stop from home (and its last stop back home): on
// foot, or by bike or car left at a bike or car park of a stop (stops.csv bike_parking,
// car_parking) and taken home again on the trip back.
enum class TransitAccess : std::uint8_t { walk = 0, bike = 1, car = 2 };

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
    T crowding_s = 0;  // perceived in-vehicle seconds added by crowding (not part of the time)
    // Expected extra wait of being left behind by full vehicles (refusal shares; not part of
    // the time): per boarding, share / (1 - share) departures missed, each the headway to
    // the route's next one there (at most max_wait_s per boarding).
    T refused_wait_s = 0;
    // Park-and-ride and bike-and-ride: the drive or ride between home and the car or bike
    // park (TransitAccess; seconds, part of the time; its walks are in access_s or egress_s).
    std::uint8_t access_kind = 0;  // TransitAccess
    T ride_s = 0;
    T ride_m = 0;

    T total_s() const { return access_s + wait_s + in_vehicle_s + transfer_walk_s + egress_s + ride_s; }
};
using TransitComponents = BasicTransitComponents<double>;

struct TransitPath : TransitComponents {
    bool found = false;
    double cost = std::numeric_limits<double>::infinity();
    double access_m = 0, in_vehicle_m = 0, transfer_walk_m = 0, egress_m = 0;
    std::uint32_t lot_stop = core::invalid_index;
    std::uint32_t first_stop = 0, last_stop = 0;  // boarding and alighting stops
    std::uint32_t first_line = 0, last_line = 0;
    std::int32_t depart_s = 0;  // leaving the origin (the trip's departure or later)

    double total_m() const { return access_m + in_vehicle_m + transfer_walk_m + egress_m + ride_m; }
    // The stop of the car or bike park (access_kind not walk).
};

class TransitModel {
public:
    // `walk` must be the walk graph of `net` (both ways on every walk link); `car` and `bike`,
    // when given, its car and bike graphs (for the car and bike parks of stops).
    TransitModel(const network::Network& net, const StreetGraph& walk, const TransitParams& params,
                 const StreetGraph* car = nullptr, const StreetGraph* bike = nullptr);

    const network::Network& network() const { return m_net; }
    const StreetGraph& walk_graph() const { return m_walk; }
    const TransitParams& params() const { return m_params; }
    const Schedule& schedule() const { return m_schedule; }
    // The schedule backwards (reverse_schedule), for the latest leaving that makes an arrival.
    const Schedule& reversed_schedule() const { return m_reversed; }
    double walk_speed_mps() const { return m_walk_mps; }

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
    // Scheduled in-vehicle seconds to the next route node (run time plus the dwell here, as
    // line_stops.csv says; for lines with trips, the median over them).
    double rn_scheduled_ride_s(std::uint32_t rn) const { return m_rn_sched_ride_s[rn]; }
    // Boardable route nodes at a stop.
    const std::uint32_t* board_begin(std::uint32_t stop) const { return m_board_rn.data() + m_stop_first_board[stop]; }
    const std::uint32_t* board_end(std::uint32_t stop) const {
        return m_board_rn.data() + m_stop_first_board[stop + 1];
    }

    // Crowding: perceived in-vehicle time multipliers per schedule time index (the segment
    // of a trip from that stop to the next, Schedule::arrive_s numbering), e.g. from the loads
    // of the previous simulated days; empty: 1 everywhere.
    void set_crowding(std::vector<float> multipliers) { m_crowding = std::move(multipliers); }
    float crowding(std::size_t time_index) const { return m_crowding.empty() ? 1.0f : m_crowding[time_index]; }
    bool has_crowding() const { return !m_crowding.empty(); }

    // Capacity, per schedule time index (a trip at a stop), e.g. from the previous simulated
    // days: the share of the riders who tried to board there and were left behind (empty: 0
    // everywhere). A journey is drawn (and valued) as if it were only there for the share of
    // travellers that got on each of its boardings: its logit weight is multiplied by the
    // product of (1 - share), so a departure that took half of those who tried is planned for
    // by half as many. Departures that took nobody (share 1) are not boarded at all: the
    // search passes them over (Raptor::set_no_boarding), finding the next one instead.
    void set_refusal(std::vector<float> shares);
    float refusal(std::size_t time_index) const { return m_refusal.empty() ? 0.0f : m_refusal[time_index]; }
    bool has_refusal() const { return !m_refusal.empty(); }
    const std::uint8_t* no_boarding() const { return m_no_board.empty() ? nullptr : m_no_board.data(); }
    // The same flags on the reversed schedule, where they forbid alighting.
    const std::uint8_t* no_alighting_reversed() const { return m_no_alight.empty() ? nullptr : m_no_alight.data(); }

    // Car and bike parks: each stop with spaces of that kind whose nearest node on foot that
    // the car or bike can both reach and leave lies within max_access_walk_m. The park is
    // at that node; the walk from it to the stop is part of the access (or egress).
    struct Lot {
        std::uint32_t stop;
        std::uint32_t node;
        double walk_s, walk_m;
        std::uint32_t spaces;
    };
    const std::vector<Lot>& lots(TransitAccess kind) const {
        return kind == TransitAccess::car ? m_car_lots : m_bike_lots;
    }
    // The lot of a stop (index into lots(kind)), or invalid_index.
    std::uint32_t lot_of_stop(TransitAccess kind, std::uint32_t stop) const;
    // The second from which a lot takes no more arrivals (e.g. when it was full on the
    // previous simulated days), per lot index; empty: always open.
    void set_lot_closing(TransitAccess kind, std::vector<std::int32_t> closes_s);
    std::int32_t lot_closes_s(TransitAccess kind, std::uint32_t lot) const;

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
    // appended to `arcs`. False when the node cannot be reached within the walk trees' reach
    // (the longer of the access and transfer distances).
    bool walk_path_from_stop(std::uint32_t stop, std::uint32_t node, std::vector<std::uint32_t>& arcs) const;
    bool walk_path_to_stop(std::uint32_t node, std::uint32_t stop, std::vector<std::uint32_t>& arcs) const;

private:
    const network::Network& m_net;
    const StreetGraph& m_walk;
    TransitParams m_params;

    std::vector<std::uint32_t> m_line_first_rn;  // per line: its first route node (direction 0)
    std::vector<std::uint32_t> m_rn_line;
    std::vector<std::uint8_t> m_rn_dir;
    std::vector<std::uint16_t> m_rn_pos;
    std::vector<std::uint32_t> m_rn_stop;
    std::vector<double> m_rn_sched_ride_s;  // < 0 at the end of a direction
    std::vector<double> m_rn_ride_m;        // < 0 at the end of a direction
    // Boardable route nodes per stop (CSR).
    std::vector<std::uint32_t> m_stop_first_board;
    std::vector<std::uint32_t> m_board_rn;
    // Near stops per node (CSR).
    std::vector<std::uint32_t> m_node_first_near;
    std::vector<NearStop> m_near;
    // Walk trees from every stop within reach, sparse: per stop the (node, parent arc) pairs
    // sorted by node (CSR); the reverse of each walk arc.
    std::vector<std::uint32_t> m_stop_first_reached;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> m_reached;
    std::vector<std::uint32_t> m_reverse_arc;
    Schedule m_schedule, m_reversed;
    std::vector<Lot> m_car_lots, m_bike_lots;
    std::vector<std::uint32_t> m_car_lot_of_stop, m_bike_lot_of_stop;  // by stop: the lot, or invalid_index
    std::vector<std::int32_t> m_car_closes, m_bike_closes;
    std::vector<float> m_crowding;
    std::vector<float> m_refusal;
    std::vector<std::uint8_t> m_no_board;   // refusal 1
    std::vector<std::uint8_t> m_no_alight;  // m_no_board on the reversed schedule
    double m_walk_mps = 1.0;
};

// A journey from a car (bike) park's stop (TransitQuery::run_from_lot, leaving at the arrival
// there) as the journey from home: `walk_s` (to and from the car, and from the park to the
// stop), `ride_s`, `ride_m` (the drive or ride) added, leaving home that much earlier.
TransitPath with_lot_access(TransitPath from_lot, TransitAccess kind, std::uint32_t lot_stop, double walk_s,
                            double walk_m, double ride_s, double ride_m);

// A transit path as legs: access walk to the first boarding stop, rides (each boarding a
// route node and riding a number of stops), transfer walks between rides, egress walk.
struct TransitRide {
    std::uint32_t board_rn;
    std::uint16_t stops;  // alight at route node board_rn + stops
};
struct TransitItinerary {
    std::vector<TransitRide> rides;
};

// Per-thread scratch for transit searches from one origin node over one hour.
class TransitQuery {
public:
    explicit TransitQuery(const TransitModel& model);

    // Searches from an origin, walking to the stops within reach, for leaving times in
    // [hour, hour + 1 h + max_wait_s); a second call with the same origin and hour reuses it.
    // `departures`: how many distinct leaving times the caller will ask about (0: unknown).
    // One profile search (range-RAPTOR) serves them all when it has fewer iterations than
    // twice that; otherwise each leaving time gets its own RAPTOR search (a few trips from an
    // origin in an hour of frequent service), each of its journeys then searched backwards
    // for the latest leaving (latest_leaving). Both give a trip the Pareto journeys arriving
    // earliest, each leaving as late as it can; the profile also those leaving and arriving later.
    void run(std::uint32_t origin_node, std::int32_t hour, std::size_t departures = 0);
    // The same from the car (or bike) parks of the model that `street` (a car or bike tree
    // from the origin, run by the caller) reaches within the park-and-ride (bike-and-ride)
    // distance: the access is the drive or ride, the walk to and from the car (car_access_s),
    // the walk from the park to its stop. Journeys must reach the park before it closes.
    // With `only_lot` (a lot index) just that park.
    void run_from_lots(std::uint32_t origin_node, std::int32_t hour, std::size_t departures, TransitAccess kind,
                       const ShortestPathTree& street, std::uint32_t only_lot = core::invalid_index);
    // The same from one car (bike) park alone, leaving its stop (the drive to it and the walk
    // from it are the caller's: see with_lot_access).
    void run_from_lot(TransitAccess kind, std::uint32_t lot, std::int32_t hour, std::size_t departures);
    // The journey leaving at or after dep_s (within max_wait_s) to a destination node: with
    // u < 0 the best by generalised cost, else drawn by a logit over the Pareto journeys with
    // the uniform draw u in [0, 1). found == false when there is none. With `itinerary`,
    // also its rides. `latest` false: after a search at one leaving time, its journeys as it
    // found them, without the backward search for the latest leaving (latest_leaving), for
    // callers that ask about hundreds of destinations from one search (the demand models'
    // zone offers), where a backward search per destination would cost more than the rest.
    TransitPath path_to(std::uint32_t dest_node, std::int32_t dep_s, TransitItinerary* itinerary = nullptr,
                        double u = -1.0, bool latest = true);
    // The journey back to the car or bike park `lot` (index into lots(kind)) and from there
    // home, `ride_s` and `ride_m` the drive or ride from the park (after run()).
    TransitPath path_to_lot(TransitAccess kind, std::uint32_t lot, double ride_s, double ride_m, std::int32_t dep_s,
                            TransitItinerary* itinerary = nullptr, double u = -1.0);
    // The journey of the path path_to last returned found (its rides with their trips and
    // times), for answers that list legs with clock times.
    const Journey& journey() const { return m_journeys[m_picked]; }

private:
    void start(std::int32_t hour, std::size_t departures);
    void reset_access(std::uint32_t key, std::int32_t hour, TransitAccess kind, std::uint32_t only_lot);
    void add_access(StopTime at, double walk_s, double walk_m, double ride_s, double ride_m, std::int32_t latest_s,
                    std::uint32_t lot_stop);
    TransitPath pick(std::int32_t dep_s, TransitItinerary* itinerary, double u, bool latest = true);
    // After a search at one leaving time (dep_s): each journey found is replaced by the one
    // arriving as early with no more transfers that leaves the origin latest, from a search on
    // the reversed schedule from the destination at the arrivals found, as the profile lists
    // them (a feeder bus to the same train as a longer walk to the station, leaving later).
    void latest_leaving(std::int32_t dep_s, std::int32_t latest_s);

    const TransitModel& m_model;
    Raptor m_raptor;
    Raptor m_back;  // on the reversed schedule
    std::vector<std::int32_t> m_back_times;
    // The bounds of the single search held (Raptor::reversed_bounds), made when first needed.
    std::vector<std::int32_t> m_back_arr_bound, m_back_ready_bound;
    bool m_back_bounds_made = false, m_back_bounded = false;
    std::vector<Journey> m_back_journeys;
    Journey m_reversed_journey;
    std::uint32_t m_origin = core::invalid_index;
    std::int32_t m_hour = -1;
    TransitAccess m_kind = TransitAccess::walk;  // of the access list held
    std::uint32_t m_only_lot = core::invalid_index;
    bool m_range = true;             // a profile search holds the hour; else one per leaving time
    std::int32_t m_single_dep = -1;  // the leaving time of the single search held
    std::vector<StopTime> m_access_list, m_egress_list;
    // Per access entry: walk seconds and metres, drive or ride seconds and metres, the
    // latest leaving time (the park's closing less the drive), the lot stop.
    std::vector<double> m_access_m, m_access_walk_s, m_access_ride_s, m_access_ride_m;
    std::vector<std::int32_t> m_access_latest;
    std::vector<std::uint32_t> m_access_lot;
    // Per egress entry: walk seconds and metres, drive or ride seconds and metres.
    std::vector<double> m_egress_walk_s, m_egress_walk_m, m_egress_ride_s, m_egress_ride_m;
    TransitAccess m_egress_kind = TransitAccess::walk;
    std::uint32_t m_egress_lot = core::invalid_index;
    std::vector<Journey> m_journeys;
    std::vector<TransitPath> m_paths;
    std::vector<double> m_cost;
    std::vector<std::uint32_t> m_chosen;  // the journey of each path
    std::uint32_t m_picked = 0;           // the journey of the path returned last
};

}  // namespace flemsim::routing
