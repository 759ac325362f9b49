#pragma once
// Schedule-based transit routing: the timetable as trips (Schedule) and RAPTOR over it
// (Delling, Pajor and Werneck, "Round-Based Public Transit Routing", 2012), with
// range-RAPTOR for profiles over a window of departure times. Round k holds the earliest
// arrivals with at most k trips, so the answers are Pareto sets on arrival time and number of
// transfers (and, for a profile, on the time of leaving the origin).
//
// A RAPTOR route is one direction of a network line: its stops in travel order and its trips,
// ordered so that no trip overtakes another (the network loader and the GTFS import ensure
// this: lines.csv groups only such trips). Route r = line * 2 + direction; its position p is
// the route node route_first_rn[r] + p of the transit model (the same numbering).
//
// Transfers: after a ride, a traveller is ready to board at the same stop after
// min_transfer_s, or at another stop after the footpath's walk time (from the street network);
// transfer rules (Network::rule_*, GTFS transfers.txt) override these per stop pair and, more
// specifically, per arriving and departing line: timed (0 s), a minimum time, or not possible.
// Trips of one block that continue from the stop where the previous one ends carry their
// riders on without a transfer (staying seated).
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/network/network.hpp"

namespace flemsim::routing {

inline constexpr std::int32_t no_time = std::numeric_limits<std::int32_t>::max();

// Walks between stops for transfers (CSR over stops; a stop's own entry is not listed).
struct Footpaths {
    std::vector<std::uint32_t> first{0};
    std::vector<std::uint32_t> to;
    std::vector<std::int32_t> walk_s;
};

struct ScheduleParams {
    std::int32_t min_transfer_s = 0;  // at one stop, when no rule says otherwise
};

struct Schedule {
    // Routes (line * 2 + direction; a direction that does not run has no trips).
    std::vector<std::uint32_t> route_line;
    std::vector<std::uint8_t> route_direction;
    std::vector<std::uint32_t> route_first_rn;    // route node of position 0
    std::vector<std::uint32_t> route_first_stop;  // CSR into route_stop
    std::vector<std::uint32_t> route_stop;        // stop index by position
    std::vector<std::uint32_t> route_first_trip;  // CSR into trips: a route's trips, in order

    // Trips. Times of trip i at position p: arrive_s / depart_s[trip_first_time[i] + p].
    std::vector<std::uint32_t> trip_route;
    std::vector<std::uint32_t> trip_first_time;  // trip_count + 1
    std::vector<std::int32_t> arrive_s;
    std::vector<std::int32_t> depart_s;
    std::vector<std::uint32_t> trip_source;      // the network trip, or invalid_index for a headway departure
    std::vector<std::uint32_t> trip_block_next;  // the block's next trip, boarded seated; invalid_index: none

    // Per stop, the (route, position) pairs that serve it (CSR).
    std::vector<std::uint32_t> stop_first_visit;
    std::vector<std::uint32_t> visit_route;
    std::vector<std::uint16_t> visit_pos;

    Footpaths footpaths;  // as given to build_schedule
    ScheduleParams params;
    // Transfer rules by stop (CSR over the from-stop; fields as Network::rule_*).
    std::vector<std::uint32_t> stop_first_rule;
    std::vector<std::uint32_t> rule_to_stop, rule_from_line, rule_to_line;
    std::vector<std::uint8_t> rule_type;
    std::vector<std::int32_t> rule_min_s;

    // Derived by build_schedule for the search. The rules that name no line give one ready time
    // per footpath and per stop (the transfer at the stop itself); no_time: not possible.
    // A stop that some line-specific rule leads to has stop_line_rules = 1: there the ready
    // time depends on the arriving and departing lines and is worked out per route scanned,
    // from the arrivals at the stops with a footpath into it (footpaths reversed, CSR).
    std::vector<std::int32_t> foot_ready_s;
    std::vector<std::int32_t> stop_same_ready_s;
    std::vector<std::uint8_t> stop_line_rules;
    bool any_line_rules = false;  // some stop_line_rules is 1
    std::vector<std::uint32_t> stop_first_foot_in;
    std::vector<std::uint32_t> foot_in_from;
    std::vector<std::int32_t> foot_in_walk_s;
    std::vector<std::uint8_t> route_block_next;  // 1: some trip of the route continues seated

    std::size_t route_count() const { return route_line.size(); }
    std::size_t trip_count() const { return trip_route.size(); }
    std::size_t stop_count() const { return stop_first_visit.size() - 1; }
    std::uint16_t stop_count_of_route(std::uint32_t r) const {
        return static_cast<std::uint16_t>(route_first_stop[r + 1] - route_first_stop[r]);
    }
    std::uint32_t trip_line(std::uint32_t trip) const { return route_line[trip_route[trip]]; }
    std::int32_t arrive(std::uint32_t trip, std::uint16_t pos) const { return arrive_s[trip_first_time[trip] + pos]; }
    std::int32_t depart(std::uint32_t trip, std::uint16_t pos) const { return depart_s[trip_first_time[trip] + pos]; }
    std::uint32_t stop_at(std::uint32_t trip, std::uint16_t pos) const {
        return route_stop[route_first_stop[trip_route[trip]] + pos];
    }

    // Seconds from arriving at `from` on `from_line` to being ready to board `to_line` at `to`
    // (walk or min_transfer_s, as the rules say); no_time when the transfer is not possible.
    // `walk_s` is the footpath's walk (0 for from == to).
    std::int32_t transfer_s(std::uint32_t from, std::uint32_t to, std::uint32_t from_line, std::uint32_t to_line,
                            std::int32_t walk_s) const;
};

// The network's trips and expanded headways as a schedule. Throws core::InputError when a
// line's trips overtake one another.
Schedule build_schedule(const network::Network& net, Footpaths footpaths, const ScheduleParams& params);

// The schedule run backwards in time, for the latest leaving that makes an arrival: every
// route's stops and trips in reverse order, its times negated (a trip's arrival at a stop
// becomes its departure and the other way round), blocks, footpaths and transfer rules
// reversed (a rule from stop a on line A to stop b on line B becomes one from b on B to a on
// A). Route r and its position p are route r and position n - 1 - p here (n its stops); trip
// i of a route is the route's trip count - 1 - i. Earliest arrivals on it leaving at -t are
// the latest times of leaving each stop that still arrive by t.
Schedule reverse_schedule(const Schedule& sc);
// The time index (Schedule::arrive_s numbering) on reverse_schedule(sc) of trip `trip` of sc
// at position `pos`.
std::size_t reversed_time_index(const Schedule& sc, std::uint32_t trip, std::uint16_t pos);

// A stop with a time: for access, seconds from leaving the origin until ready to board there;
// for egress, seconds from alighting there to the destination.
struct StopTime {
    std::uint32_t stop;
    std::int32_t offset_s;
};

struct Ride {
    std::uint32_t trip;
    std::uint16_t board_pos, alight_pos;
    std::int32_t board_s;   // the trip's departure at board_pos
    std::int32_t alight_s;  // its arrival at alight_pos
    bool seated = false;    // continues the previous ride on the same block: no transfer
};

struct Journey {
    std::int32_t depart_s = no_time;  // leaving the origin
    std::int32_t arrive_s = no_time;  // at the destination, after the egress
    std::uint32_t access = 0;         // index into the access list
    std::uint32_t egress = 0;         // index into the egress list
    std::vector<Ride> rides;
    std::vector<std::int32_t> transfer_walk_s;  // per gap between rides: the footpath walked (0: same stop)

    std::uint32_t transfers() const;  // rides that are not seated, minus one
};

// A journey found on reverse_schedule(sc) (`rev`, leaving the destination's stops: the egress
// as its access) as the journey on `sc` (`out`, its vectors reused): its rides in the order
// ridden, leaving the origin at the latest time that makes its first boarding (its access
// the reversed search's egress) and arriving when its last ride and the egress walk do.
void journey_from_reversed(const Schedule& sc, const std::vector<StopTime>& egress, const Journey& rev, Journey& out);

// A journey Raptor::journeys considers: leaving the origin, arriving at the destination (the
// egress walk included), its transfers, its last label and its egress (an index into the
// egress stops). No two candidates share both label and egress.
struct JourneyCandidate {
    std::int32_t depart_s, arrive_s;
    std::uint32_t transfers, label, egress;
};

// The Pareto set of `cands` on arrival, transfers and leaving time, into `kept`, in the order
// of arrival, then transfers, then leaving latest first, then label, then egress: a candidate
// is kept when none before it in that order leaves no earlier with no more transfers. `keys`
// and `best_depart` are scratch. (Raptor::journeys; public for its test.)
void pareto_journeys(const std::vector<JourneyCandidate>& cands, std::vector<std::uint64_t>& keys,
                     std::vector<std::int32_t>& best_depart, std::vector<JourneyCandidate>& kept);

struct RaptorParams {
    int max_rides = 5;  // rounds: at most this many boardings (transfers + 1)
};

// Per-thread search state. run() and run_range() fill it; journeys() reads it. Its memory is
// the labels per round and stop plus the arena of labels written by the last run (reused:
// no allocation per query once the vectors have grown).
// Two simplifications, both exact for earliest arrival without line-specific rules: at a stop
// that a line-specific rule leads to, a transfer is worked out from the earliest arrival at
// each stop walked from (by its line), not from every arrival there; and staying seated is
// followed from the trip held at the end of a route and from later trips that reach the end
// before a rider of the held one could change there (a later one is reached by changing, with
// one transfer more).
class Raptor {
public:
    Raptor(const Schedule& schedule, const RaptorParams& params);

    // Earliest arrivals leaving the origin at dep_s.
    void run(const std::vector<StopTime>& access, std::int32_t dep_s);
    // Range-RAPTOR: the profile of leaving the origin at any time in [from_s, to_s).
    void run_range(const std::vector<StopTime>& access, std::int32_t from_s, std::int32_t to_s);

    // The Pareto set of journeys to the egress stops leaving the origin in
    // [earliest_s, latest_s] (after run(): leaving at dep_s, waiting at the stop): no journey in
    // it leaves earlier, arrives later and has at least as many transfers as another. Sorted
    // by arrival, then transfers. Journeys that ride nothing are not listed.
    void journeys(const std::vector<StopTime>& egress, std::int32_t earliest_s, std::int32_t latest_s,
                  std::vector<Journey>& out) const;

    // Iterations at the given leaving times alone (latest first, labels kept from one to the
    // next as in a profile), e.g. the arrivals of journeys found forwards, searched on
    // reverse_schedule() from the destination for the latest leavings that make them.
    void run_at(const std::vector<StopTime>& access, const std::vector<std::int32_t>& times);

    // After run(): earliest arrival at a stop with at most `rides` boardings (no_time: none).
    std::int32_t arrival(std::uint32_t stop, int rides) const;

    // Bounds for a search on reverse_schedule() from this one's destination (after run()): a
    // journey leaving the origin no earlier than this search boards at a stop no earlier than
    // it is ready there, and alights no earlier than its earliest arrival there. Backwards,
    // arrivals (boardings here) later than `arrive`[stop] and ready times (alightings here)
    // later than `ready`[stop] lead to no such journey (times negated; no stop reached: the
    // least int). False, and no bounds, where transfer rules name lines
    // (Schedule::any_line_rules): this search works their transfers out from earliest
    // arrivals only, so its times there bound nothing.
    bool reversed_bounds(std::vector<std::int32_t>& arrive, std::vector<std::int32_t>& ready) const;
    // Arrivals and ready times beyond these bounds (per stop) are not recorded; null: none.
    // The arrays must outlive the searches that use them.
    void set_bounds(const std::int32_t* arrive, const std::int32_t* ready) {
        m_arr_bound = arrive;
        m_ready_bound = ready;
    }

    // Departures that cannot be boarded, one flag per schedule time index (a trip at a stop,
    // Schedule::arrive_s numbering; nonzero: no boarding there), e.g. the vehicles that left
    // riders behind on the previous simulated days; null: every departure can be boarded.
    // Riders already on board stay on. The array must outlive the searches that use it.
    void set_no_boarding(const std::uint8_t* flags) { m_no_board = flags; }
    // The same for alighting (nonzero: no arrival recorded there): on reverse_schedule(), an
    // alighting is a boarding of the schedule it reverses, so its no-boarding flags go here.
    // The search alights from the trip it holds or not at all (not from a later one instead).
    void set_no_alighting(const std::uint8_t* flags) { m_no_alight = flags; }

private:
    // One label of the search, appended to the arena whenever an arrival improves: the ride
    // (or chain of seated rides from board_trip to trip) that reached `stop`, and the label it
    // boarded from (parent; invalid_index: from the access stop `access`). Labels are never
    // changed once written, so a profile's journeys can be rebuilt after later iterations.
    struct Label {
        std::int32_t dep_s;     // the iteration's time of leaving the origin
        std::int32_t leave_s;   // the latest time of leaving the origin that makes its first boarding
        std::int32_t arrive_s;  // at `stop`
        std::int32_t walk_s;    // footpath from the parent's stop to the boarding stop
        std::uint32_t stop, trip, board_trip, parent, access;
        std::uint32_t prev_at_stop;  // the label written before it at the same stop (invalid_index: none)
        std::uint16_t board_pos, alight_pos;
        std::uint8_t round;
    };
    // Where a ready time came from, carried into the labels of the trip boarded there.
    struct Source {
        std::uint32_t parent, access;
        std::int32_t walk_s;
    };

    void reset();
    void iterate(const std::vector<StopTime>& access, std::int32_t dep_s);
    void iterate_all(const std::vector<StopTime>& access);  // m_departures, latest first
    void scan_route(std::uint32_t route, std::uint16_t start, std::uint32_t round);
    std::int32_t ready_by_line(std::uint32_t stop, std::uint32_t round, std::uint32_t line, Source& src) const;
    void improve_arrival(std::uint32_t round, std::uint32_t stop, const Label& label);
    void mark(std::uint32_t stop);
    void touch(std::uint32_t round, std::uint32_t stop);
    void carry(std::uint32_t round);

    const Schedule& m_schedule;
    RaptorParams m_params;
    const std::uint8_t* m_no_board = nullptr;
    const std::uint8_t* m_no_alight = nullptr;
    const std::int32_t* m_arr_bound = nullptr;
    const std::int32_t* m_ready_bound = nullptr;
    std::uint32_t m_rounds = 0;  // label layers: 0 (access) .. max_rides
    std::int32_t m_dep_s = 0;    // the current iteration's leaving time
    // Per round and stop (index round * stops + stop), cumulative: at most `round` rides.
    std::vector<std::int32_t> m_arr;         // alighted there
    std::vector<std::uint32_t> m_arr_label;  // its label in the arena
    std::vector<std::int32_t> m_ready;       // ready to board there
    std::vector<Source> m_ready_src;
    std::vector<Label> m_arena;
    std::vector<std::uint32_t> m_stop_last_label;  // per stop, its latest label (a list back through prev_at_stop)
    // Scratch, sized once: stops marked for the next round, stops whose arrival improved in
    // this round, routes to scan and the first position to scan them from.
    std::vector<std::uint32_t> m_marked, m_improved, m_routes;
    std::vector<std::uint8_t> m_is_marked, m_is_improved;
    std::vector<std::uint16_t> m_route_start;
    std::vector<std::int32_t> m_departures;  // run_range's leaving times
    // Per round, the stops whose labels changed in this iteration: what the next round copies.
    std::vector<std::vector<std::uint32_t>> m_changed;
    std::vector<std::uint8_t> m_is_changed;  // per round and stop
    // journeys()'s scratch (it is const, but reuses these rather than allocate per query).
    mutable std::vector<JourneyCandidate> m_candidates, m_kept;
    mutable std::vector<std::uint64_t> m_candidate_keys;
    mutable std::vector<std::int32_t> m_best_depart;
    mutable std::vector<std::uint32_t> m_chain;
};

}  // namespace flemsim::routing
