#pragma once
// The synthetic population: persons as columns indexed by person id, and their day plans
// as tours in CSR form (each tour is two trips: out from home and back). Trip t belongs
// to tour t / 2; even trips leave home, odd trips return.
#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "sim/core/types.hpp"
#include "sim/network/network.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::population {

struct Population {
    // Persons.
    std::vector<core::Group> group;
    std::vector<std::uint32_t> home_zone;
    std::vector<std::uint32_t> home_node;
    std::vector<std::uint32_t> work_zone;  // invalid_index when none
    std::vector<std::uint32_t> work_node;
    std::vector<std::uint32_t> study_zone;  // invalid_index when none
    std::vector<std::uint32_t> study_node;
    std::vector<std::uint8_t> car_available;
    std::vector<std::uint8_t> bike_owner;
    std::vector<std::uint8_t> transit_pass;
    std::vector<std::uint32_t> household;  // its first member's id (an in-commuter is a household of one)

    // Tours (CSR over persons, in departure order within a person).
    std::vector<std::uint32_t> person_first_tour;  // person_count + 1
    std::vector<core::Purpose> tour_purpose;
    std::vector<std::uint32_t> tour_zone;     // destination zone
    std::vector<std::uint32_t> tour_node;     // destination node
    std::vector<std::int32_t> tour_depart_s;  // leaving home
    std::vector<std::int32_t> tour_return_s;  // leaving the activity

    std::size_t person_count() const { return group.size(); }
    std::size_t tour_count() const { return tour_purpose.size(); }
    std::size_t trip_count() const { return 2 * tour_count(); }
    std::uint32_t person_of_tour(std::size_t tour) const;  // binary search

    // A half-open range of indices: for (auto t : pop.trips_of(p)) ...
    struct Range {
        std::uint32_t first = 0, last = 0;
        struct iterator {
            std::uint32_t i;
            std::uint32_t operator*() const { return i; }
            iterator& operator++() {
                ++i;
                return *this;
            }
            bool operator==(const iterator&) const = default;
        };
        iterator begin() const { return {first}; }
        iterator end() const { return {last}; }
        std::uint32_t size() const { return last - first; }
        bool empty() const { return first == last; }
    };
    // The person's tours, and trips (two per tour: out, back), in departure order.
    Range tours_of(std::size_t person) const { return {person_first_tour[person], person_first_tour[person + 1]}; }
    Range trips_of(std::size_t person) const {
        return {2 * person_first_tour[person], 2 * person_first_tour[person + 1]};
    }
};

// Zone-to-zone impedance in minutes (zone_count x zone_count, row-major), used by the
// gravity distributions; +inf where a pair cannot be reached.
struct ZoneImpedance {
    std::size_t zone_count = 0;
    std::vector<double> minutes;
    double at(std::size_t from, std::size_t to) const { return minutes[from * zone_count + to]; }
};

// Mobility tools of a person as bits, the kinds of person the demand models' logsums are for.
inline constexpr std::uint8_t tool_car = 1, tool_bike = 2, tool_pass = 4;
inline constexpr std::size_t tool_sets = 8;

// What the demand models see of the level of service (sim/pipeline/service_view.hpp builds it
// from the routing context and the mode choice). Periods split the day evenly.
struct ServiceView {
    int periods = 24;
    std::int32_t period_s = 3600;
    // The expected maximum utility (logsum) of the mode choice of a tour from zone o to zone d by
    // a person of `group` holding `tools`, leaving home in period p_out and the activity in
    // p_back; -inf when no mode goes both ways.
    std::function<double(core::Group group, core::Purpose purpose, std::uint8_t tools, std::uint32_t o, std::uint32_t d,
                         int p_out, int p_back)>
        tour_logsum;
    // A tour's logsum asked of tour_logsums: from zone o to zone d, leaving home in period p_out
    // and the activity in p_back.
    struct LogsumAsk {
        std::uint32_t o, d;
        int p_out, p_back;
    };
    // tour_logsum of every ask at once (out[i] for asks[i], out as long as asks), the same bits
    // as asked one at a time; where it is empty, logsums() asks tour_logsum one at a time.
    std::function<void(core::Group group, core::Purpose purpose, std::uint8_t tools, std::span<const LogsumAsk> asks,
                       std::span<double> out)>
        tour_logsums;
    void logsums(core::Group group, core::Purpose purpose, std::uint8_t tools, std::span<const LogsumAsk> asks,
                 std::span<double> out) const {
        if (tour_logsums) {
            tour_logsums(group, purpose, tools, asks, out);
            return;
        }
        for (std::size_t i = 0; i < asks.size(); ++i)
            out[i] = tour_logsum(group, purpose, tools, asks[i].o, asks[i].d, asks[i].p_out, asks[i].p_back);
    }
    // Shortest street distance between the zones' centroids in km (+inf: none).
    std::function<double(std::uint32_t o, std::uint32_t d)> street_km;
};

// Counts of the synthesis, for the run summary.
struct SynthesisSummary {
    std::uint64_t residents = 0;
    std::uint64_t resident_workers = 0;
    std::uint64_t resident_students = 0;
    std::uint64_t in_commuting_workers = 0;
    std::uint64_t in_commuting_students = 0;
    // With the demand models (scenario section `demand`).
    std::uint64_t households = 0;
    std::array<std::uint64_t, 3> households_by_cars{};  // 0, 1, 2+
    std::uint64_t persons_staying_home = 0;
    int shadow_price_iterations = 0;
    double shadow_price_max_excess = 0;  // largest relative excess of a zone's places over its capacity (expected)
};

// Land use indexed by network zone, resolved from the scenario's zone names.
struct ZoneData {
    std::vector<double> residents, jobs, study_places, visits;                         // study zones
    std::vector<double> home_parking_sek_per_month;                                    // study zones
    std::vector<double> gw_workers, gw_students, gw_jobs, gw_study_places, gw_visits;  // gateways
    // In-commuters' shares holding a car, a bike and a pass by gateway (< 0: their group's).
    std::vector<std::array<double, 3>> gw_tools;
};

// Resolves the scenario's land_use and gateways against the network; unknown zones, a
// study zone given as a gateway (or the reverse) and missing gateways are InputErrors.
ZoneData resolve_zone_data(const scenario::Scenario& s, const network::Network& net);

// Builds persons, work and study places and day plans. Deterministic for a seed,
// whatever the number of threads. With the scenario's `demand` section the choices see the
// level of service through `view` (required then; see demand.hpp) and `impedance` is not read
// (it may be empty), else the gravity model on `impedance` (required then) places people and the
// group shares hand out mobility tools.
Population synthesize(const scenario::Scenario& s, const network::Network& net, const ZoneData& zones,
                      const ZoneImpedance& impedance, SynthesisSummary* summary = nullptr,
                      const ServiceView* view = nullptr);

// Gravity weights attraction[j] * exp(beta * minutes(i, j)); 0 for unreachable pairs.
double gravity_weight(double attraction, double beta_per_min, double minutes);

}  // namespace flemsim::population
