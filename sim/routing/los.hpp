#pragma once
// Level of service: for every trip of the population, what each mode offers (times,
// distances, transit components); and zone-to-zone impedances for destination choice.
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "sim/population/population.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/street_cch.hpp"
#include "sim/routing/street_graph.hpp"
#include "sim/routing/transit.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::routing {

struct TripRoutes;  // routes.hpp

// Everything routing needs, built once per run from the network and the scenario. The
// transit model refers to the walk graph here: keep the context where build_routing made it
// (auto ctx = build_routing(...), or new RoutingContext(build_routing(...))), never moved.
struct RoutingContext {
    const network::Network& net;
    StreetGraph walk, bike, car;
    std::unique_ptr<TransitModel> transit;
    scenario::RoutingParams params;  // speeds, distance limits, car access (and transit's, as built)
    // The street graphs' contraction hierarchies, built when first needed (street_cch.hpp).
    std::shared_ptr<StreetCchs> cchs = std::make_shared<StreetCchs>();
    // The day's walk and bike legs by CCH queries whatever the network's size (tests; see
    // street_legs_by_cch).
    bool force_street_legs_by_cch = false;
    // The trips' street level of service from one-to-all trees for every origin whatever the
    // network's size and the origin's trips (tests; see use_trip_trees).
    bool force_trip_trees = false;
    // The same from labels (CchLabels) for every trip whatever the network's size and the trips'
    // number (tests; see use_trip_labels).
    bool force_trip_labels = false;
};

RoutingContext build_routing(const network::Network& net, const scenario::RoutingParams& params);
// The same with the scenario's parameters (scenario::Params::from(s).routing).
RoutingContext build_routing(const network::Network& net, const scenario::Scenario& s);

// Transit components per trip or request, as columns; empty (assign(0)) where no trip can have
// transit (a network without lines), and then every row reads as zero components.
struct TransitColumns {
    std::vector<float> access_s, wait_s, in_vehicle_s, transfer_walk_s, egress_s, crowding_s, refused_wait_s;
    std::vector<std::uint16_t> transfers;
    std::vector<std::uint8_t> access_kind;  // TransitAccess
    std::vector<float> ride_s, ride_m;
    std::vector<std::int32_t> lot_stop;  // -1: walk access

    void assign(std::size_t n);
    void set(std::size_t i, const TransitComponents& c);
    void set(std::size_t i, const TransitPath& p);  // also the lot stop
    BasicTransitComponents<float> at(std::size_t i) const {
        if (access_s.empty()) return {};
        return {access_s[i],   wait_s[i],         in_vehicle_s[i], transfer_walk_s[i], egress_s[i], transfers[i],
                crowding_s[i], refused_wait_s[i], access_kind[i],  ride_s[i],          ride_m[i]};
    }
};

// Level of service per trip (trip t of the population; see Population). Columns.
struct TripLos {
    std::vector<std::uint8_t> available;                      // bit (1 << mode)
    std::array<std::vector<float>, core::mode_count> time_s;  // door to door
    std::array<std::vector<float>, core::mode_count> distance_m;
    // Car: time on the road (the rest of time_s is the walk to and from the car).
    std::vector<float> car_drive_s;
    // Transit's columns, and the journeys' first and last stops and lines (-1: none): empty on a
    // network without transit lines.
    TransitColumns pt;
    std::vector<std::int32_t> pt_first_stop, pt_last_stop, pt_first_line, pt_last_line;
    // Bit (1 << mode) for a street mode answered from labels (compute_trip_los on a large
    // network): its times are the CCH queries' costs bit for bit and, for walk and bike, its
    // distances time times speed, as route_trips' legs from labels (which then take them).
    std::uint8_t from_labels = 0;

    std::size_t size() const { return available.size(); }
    bool has(std::size_t trip, core::Mode m) const { return available[trip] & (1u << static_cast<unsigned>(m)); }
};

// Car arc times by hour of the day (arc x hours, row-major), e.g. averaged simulated times;
// hours beyond the table use its last hour.
struct CarTimes {
    std::size_t hours = 0;
    std::vector<double> time_s;
    const double* hour(std::size_t h) const {
        return time_s.data() + (h < hours ? h : hours - 1) * (time_s.size() / hours);
    }
};

// The car's hierarchy for a batch of car paths grouped by origin and departure hour (the day
// loop's routes and replanning): the groups with few destinations (use_cch) go by CCH queries
// when there are enough of them in their hour (worth_cch), on a customization with that hour's
// times of `car_times` (free flow without car_times: one group per origin, every hour); the
// others by a search from their origin. The caller lists
// the queries of those groups and answer() runs them hour by hour on one customization, reused:
// one hour's metric in memory at a time, whatever the number of hours.
struct CarQuery {
    std::uint32_t from = 0;
    std::uint32_t to = 0;
    std::int64_t hour = 0;  // 0 without car_times
    // A trip whose car route (answer()'s `routes`) may run from `from` to `to`: that path's cost in
    // the hour's weights bounds the answer's, which prunes the searches and leaves the answer as it
    // is (CchQuery::run with a bound). invalid_index: none.
    std::uint32_t route_trip = 0xFFFFFFFFu;
};
struct CarAnswers {
    std::vector<std::uint8_t> found;  // per query
    std::vector<double> time_s;       // summed along the path in the hour's times
    std::vector<double> length_m;
    // With arcs: query q's path is arc_count[q] arcs of block arc_block[q] from arc_at[q]. The
    // blocks are those the threads filled as they found the paths, left where they are: a
    // million agents' car paths take 0.45 GB, which one block in query order would take again
    // (each page faulted in and zeroed), and a copy; nor does a block grow by copying.
    std::vector<std::vector<std::uint32_t>> blocks;
    std::vector<std::uint32_t> arc_block, arc_at, arc_count;
    // Hours whose metric was customized for the answers (an hour whose times are free flow's,
    // as where no car drove, is answered on the free-flow metric instead: the same answers).
    std::size_t customized_hours = 0;
    // Searches answered within their route trip's bound (CarQuery::route_trip).
    std::size_t bounded_queries = 0;
    std::span<const std::uint32_t> path(std::size_t q) const {
        return {blocks[arc_block[q]].data() + arc_at[q], arc_count[q]};
    }
};
class CarHourMetrics {
public:
    // `keys`: one per path, origin << 32 | hour (hour 0 without car_times).
    CarHourMetrics(const RoutingContext& ctx, std::vector<std::uint64_t> keys, const CarTimes* car_times);
    static std::uint64_t key(std::uint32_t origin, std::int64_t hour) {
        return std::uint64_t{origin} << 32 | static_cast<std::uint32_t>(hour < 0 ? 0 : hour);
    }
    static std::int64_t key_hour(std::uint64_t key) { return static_cast<std::int64_t>(key & 0xFFFFFFFFu); }
    bool by_cch(std::uint32_t origin, std::int64_t hour) const;
    // Paths of `queries` (each of a group that goes by CCH), with their arcs if `arcs`: the same
    // answers, bit for bit, at any thread count, with or without `routes` (the queries' route
    // trips' routes, whose car paths bound the searches).
    CarAnswers answer(std::span<const CarQuery> queries, bool arcs, const TripRoutes* routes = nullptr) const;

private:
    std::size_t index(std::int64_t hour) const;
    const RoutingContext& m_ctx;
    const CarTimes* m_car_times;
    std::vector<std::uint64_t> m_small;  // sorted keys of the groups that go by CCH
};

// Car and transit level of service of chosen trips at chosen departure times (for
// departure-time and mode replanning): car with `car_times` of the departure hour (free
// flow when null), transit with the costs the transit model holds. A request with `car` false
// asks transit only (its car_ok stays 0: for a traveller who cannot take the car); which
// requests go by the hierarchy is decided on all of them, so the others' answers are the same
// bits either way.
struct LosRequest {
    std::uint32_t trip;
    std::int32_t dep_s;
    bool car = true;
};
struct RequestLos {
    std::vector<std::uint8_t> car_ok, transit_ok;
    std::vector<float> car_time_s, car_drive_s, car_distance_m;
    TransitColumns pt;
    std::vector<float> pt_distance_m;
};
// With `transit` false only the car columns are filled (transit_ok stays 0; the transit
// columns are empty, as on a network without lines).
// With `routes` (the trips' routes of the day), a trip's car route bounds the searches for its
// car requests: the same answers, found with less work.
RequestLos compute_los_at(const RoutingContext& ctx, const population::Population& pop,
                          const std::vector<LosRequest>& requests, const CarTimes* car_times, bool transit = true,
                          const TripRoutes* routes = nullptr);
// Several batches of requests at the same car times, each answered as compute_los_at answers it
// alone (bit for bit), with an hour's car metric customized once for all of them: for the
// day's gap and replanning when their times are the same (the first day).
struct LosBatch {
    std::span<const LosRequest> requests;
    bool transit = true;
};
std::vector<RequestLos> compute_los_at(const RoutingContext& ctx, const population::Population& pop,
                                       std::span<const LosBatch> batches, const CarTimes* car_times,
                                       const TripRoutes* routes = nullptr);

// Per-thread search state for a routing context: a tree per street mode and a transit query.
struct RoutingScratch {
    ShortestPathTree walk, bike, car;
    TransitQuery transit;
    std::vector<std::uint32_t> targets;  // destinations of a search that may stop early
    explicit RoutingScratch(const RoutingContext& c) : walk(c.walk), bike(c.bike), car(c.car), transit(*c.transit) {}
};

// The transit journey leaving `from` at `dep` or within max_wait_s after (found == false:
// none, transit is unavailable for the trip): the best by generalised cost, or with u in
// [0, 1) one drawn by a logit over the Pareto journeys. With `itinerary`, also its rides.
// `departures`: how many leaving times the caller asks about from this origin in this hour
// (TransitQuery::run); `latest`: TransitQuery::path_to.
TransitPath transit_path_at(const RoutingContext& ctx, TransitQuery& q, std::uint32_t from, std::uint32_t to,
                            std::int32_t dep, TransitItinerary* itinerary = nullptr, double u = -1.0,
                            std::size_t departures = 0, bool latest = true);

// How many of order[i], order[i + 1], ... before `end` share the key of order[i]: the rest of a
// run of equal keys in an order sorted by them (e.g. the trips of an origin in one hour).
template <class Order, class Key>
std::size_t run_length(const Order& order, std::size_t i, std::size_t end, const Key& key) {
    std::size_t n = 0;
    while (i + n < end && key(order[i + n]) == key(order[i])) ++n;
    return n;
}

// Generalised cost of transit components (utility units, >= 0) with the transit weights: the
// walks, waits (the expected extra wait of full vehicles too), time on board (with crowding),
// transfers, and the drive (time and running cost) or ride of park-and-ride and bike-and-ride.
double generalised_cost(const TransitParams& p, const BasicTransitComponents<float>& c);

// Departure time of trip t (even: leaving home; odd: leaving the activity).
std::int32_t trip_departure_s(const population::Population& pop, std::size_t trip);
std::uint32_t trip_origin_node(const population::Population& pop, std::uint32_t person, std::size_t trip);
std::uint32_t trip_dest_node(const population::Population& pop, std::uint32_t person, std::size_t trip);

// Parallel over origin nodes (one tree per origin and street mode, one transit search per
// origin and hour); deterministic: each trip's values come from its own origin's search.
// `keep_car_labels`: the car's free-flow labels, where it builds them, are kept (their sums
// dropped) in the context's `cchs` for the next free-flow car answers that would build them
// again, the first day's car routes (a run whose simulated days follow; the answers are the same
// either way).
TripLos compute_trip_los(const RoutingContext& ctx, const population::Population& pop, bool keep_car_labels = false);

// Zone-to-zone street trees (skims, the demand models' level of service, impedances) come from a
// Dijkstra search per zone and mode, or on large networks 8 at a time from batched PHAST with the
// lengths carried along (use_batched_trees; same times up to rounding, and of paths of equal time
// the hierarchy's, whose length may differ); `trees` forces one or the other (tests compare them).
// The batched trees are computed once per mode and kept with the context's hierarchies
// (StreetCchs::zone_table), for all three.
enum class StreetTrees { automatic, searches, batched };

// Zone-to-zone level of service between centroids at a time of day (transit: the mean over
// leaving every 5 minutes of the hour from then), per quantity a
// row-major zone_count x zone_count matrix; NaN where a mode has no path.
struct ZoneSkims {
    std::size_t zone_count = 0;
    std::vector<std::string> names;           // walk_time_min, walk_distance_km, ...
    std::vector<std::vector<double>> values;  // one matrix per name
};
ZoneSkims compute_zone_skims(const RoutingContext& ctx, std::int32_t time_of_day_s,
                             StreetTrees trees = StreetTrees::automatic);

// What each mode offers between two zones' centroids in one period of the day, for the demand
// models' logsums (sim/pipeline/service_view.hpp): walk, bike and car (empty roads) as in the
// skims; transit the mean over `samples` departures spread evenly over the period, offered when
// at least half of them find a journey (each within max_wait_s). Walk access only (park-and-ride
// and bike-and-ride are left to the trips themselves).
struct PairOffer {
    std::uint8_t available = 0;  // bit (1 << mode)
    std::array<float, core::mode_count> time_s{};
    std::array<float, core::mode_count> distance_m{};
    float car_drive_s = 0;
    BasicTransitComponents<float> pt;
};
// A zone pair's transit offer in one period (the transit columns of its PairOffer).
struct PeriodTransitOffer {
    BasicTransitComponents<float> pt;
    float time_s = 0, distance_m = 0;
};
// The offers of every zone pair and period: walk, bike and car once per pair (the same in every
// period), transit per period only where it is offered. A region of a thousand zones in twelve
// periods without transit then takes 140 MB instead of the 1.0 GB of a whole offer per pair and
// period.
struct ZoneLosTable {
    static constexpr std::uint32_t no_transit = 0xFFFFFFFFu;
    std::size_t zones = 0;
    int periods = 0;
    std::int32_t period_s = 3600;
    std::vector<PairOffer> street;          // zones x zones: walk, bike and car (pt empty)
    std::vector<std::uint32_t> transit_at;  // periods x zones x zones: place in `transit`, or no_transit
    std::vector<PeriodTransitOffer> transit;

    // An empty table (nothing offered) of `zones` zones and `periods` periods of `period_s`.
    ZoneLosTable() = default;
    ZoneLosTable(std::size_t zones, int periods, std::int32_t period_s);
    // The pair's whole offer in a period (a period past midnight is the same period).
    PairOffer at(int period, std::size_t from, std::size_t to) const {
        PairOffer o = street[from * zones + to];
        const std::uint32_t k = transit_at[index(period, from, to)];
        if (k != no_transit) {
            constexpr auto m = core::mode_index(core::Mode::transit);
            o.pt = transit[k].pt;
            o.time_s[m] = transit[k].time_s;
            o.distance_m[m] = transit[k].distance_m;
            o.available |= core::mode_bit(core::Mode::transit);
        }
        return o;
    }
    // Sets a pair's offer (hand-made tables): its walk, bike and car for every period, and its
    // transit in `period` (offered when `offer` has it, else none).
    void put(int period, std::size_t from, std::size_t to, const PairOffer& offer);
    // Sets a pair's transit offer in a period (in the place it had, else a new one).
    void set_transit(int period, std::size_t from, std::size_t to, const PeriodTransitOffer& offer);
    std::size_t index(int period, std::size_t from, std::size_t to) const {
        const int p = ((period % periods) + periods) % periods;  // a period past midnight is the same period
        return (static_cast<std::size_t>(p) * zones + from) * zones + to;
    }
    int period_of(std::int32_t time_s) const { return static_cast<int>(time_s / period_s) % periods; }
};
// The intrazonal offer (from a zone to itself) is half the offer to the zone's nearest other zone
// by street distance (its times, distances and transit components), as for the impedances.
ZoneLosTable compute_zone_los_by_period(const RoutingContext& ctx, std::int32_t period_s, int samples,
                                        StreetTrees trees = StreetTrees::automatic);

// Fastest of walk, bike, car and transit (mean over the hour, as in the skims) between zone
// centroids, in minutes, at `time_of_day_s`; the intrazonal value is half the fastest time to another zone.
// The street trees as in the skims.
population::ZoneImpedance compute_zone_impedance(const RoutingContext& ctx, std::int32_t time_of_day_s,
                                                 StreetTrees trees = StreetTrees::automatic);

}  // namespace flemsim::routing
