#pragma once
// Arc elasticities of mode choice (`flemsim elasticities`): how much the demand of a mode moves
// when one lever of its level of service or price moves by +-10 %, on the static level of
// service of the scenario (population, tours and routes as a run builds them, no simulated
// days). Demand is the expected number of trips, the sum of the choice probabilities over every
// trip, not a draw: the result is smooth in the lever and the same at any thread count.
//
// With the scenario's demand models (section `demand`) each lever is measured twice: on the same
// population (the mode choice alone, the short run) and with the population synthesised again
// under the lever (the long run: destinations, cars and passes, staying home and departure
// periods respond too). The bands judge the long run.
//
// Elasticity = (ln D(x (1 + s)) - ln D(x (1 - s))) / (ln(1 + s) - ln(1 - s)), s = 0.1: the arc
// elasticity between the two changed values, which for demand of constant elasticity e is e
// exactly. The base demand D0 is reported beside them.
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/choice/tour_choice.hpp"
#include "sim/network/network.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

inline constexpr double elasticity_step = 0.1;

// The arc elasticity of demand between the lever at (1 - step) and at (1 + step) of its value.
double arc_elasticity(double demand_minus, double demand_plus, double step = elasticity_step);

// Multipliers of the levers that only re-run the choice on the same level of service
// (1: as the scenario has it).
struct LeverScale {
    double transit_in_vehicle = 1;  // time on board, and its crowding part
    double transit_fare = 1;        // the fare (pass holders pay none either way)
    double car_cost = 1;            // running cost per km (also of park-and-ride's drive)
    double parking = 1;             // the charge at destinations that have one
    double bike_time = 1;           // travel time of the bike mode
};

// Expected trips by mode (the sum over tours of the probability of each mode times the tour's
// two trips), and the expected car trips to destinations with a parking charge (the trip there
// of each tour whose destination charges).
struct ExpectedDemand {
    std::array<double, core::mode_count> trips{};
    double car_trips_to_charged = 0;
    std::uint64_t fallback_tours = 0;  // tours no mode's rules allow: their fallback mode, fixed
    // Where the transit trips come from (why they react little or much): tours with a transit
    // probability of 0.9 or more, and by the person's group and whether they have a car
    // ([group][car]).
    double transit_from_captive = 0;
    std::array<std::array<double, 2>, core::group_count> transit_by_segment{};
    double transit_without_car() const;
};

// The probabilities of a tour's modes given what the modes offer its two trips. The one place
// where the elasticities follow the model's choice: the tour utilities under the scenario's
// nested logit (`model`, choice::mode_model), as choice::choose_modes draws from them. A tour for which the rules
// leave no mode (`available` 0) takes the fallback of choice::choose_modes with probability 1.
choice::Probabilities tour_mode_probabilities(const choice::ChoiceInputs& in, const choice::NestedLogit& model,
                                              std::size_t tour, const choice::TripOffer& out,
                                              const choice::TripOffer& back, std::uint8_t& available);

// Expected demand with the levers scaled. Parallel over persons (TBB), summed in a fixed order
// of fixed blocks: the same bits at any thread count.
ExpectedDemand expected_demand(const choice::ChoiceInputs& in, const LeverScale& scale = {});

// The network with the headways of every line multiplied by `factor` (rounded to whole seconds):
// headway intervals run factor x as far apart, and a line with timetable trips (GTFS) runs
// 1 / factor as many, placed along its own sequence of departures (see the .cpp).
network::Network with_scaled_headways(const network::Network& net, double factor);

struct ElasticityRow {
    std::string lever;   // scenario::elasticity_levers
    std::string demand;  // what is counted
    double demand_minus = 0, demand_base = 0, demand_plus = 0;
    double elasticity = 0;
    // With the scenario's demand models: the same lever with the population chosen again
    // (destinations, mobility tools, staying home, departure periods see the lever through the
    // logsums). The band judges this value when there is one: it is the model's whole response.
    bool has_long_run = false;
    double long_minus = 0, long_plus = 0, long_run = 0;
    bool has_band = false;
    double band_min = 0, band_max = 0;
    std::string source;
    bool inside = true;  // within the band (true when there is none)
};

struct ElasticityResult {
    std::string scenario_name;
    std::uint64_t seed = 0;
    std::uint64_t persons = 0, tours = 0;
    std::uint64_t fallback_tours = 0;  // tours that no mode's rules allow (the fallback, fixed)
    // Trips the level of service offers transit with the headways x 1.1, as they are, x 0.9: a
    // departure must leave within max_wait_s, so longer headways also take transit away.
    std::array<std::uint64_t, 3> transit_offered{};
    // Of the base's expected transit trips: the share from tours whose transit probability is
    // 0.9 or more (they hardly react to any lever) and from persons without a car.
    double transit_captive_share = 0, transit_without_car_share = 0;
    std::vector<ElasticityRow> rows;  // in the order of scenario::elasticity_levers
    // Where the transit levers act (short run, the same population): per group and car
    // availability, the expected transit trips and the arc elasticities to in-vehicle time and
    // to the fare. A segment with few riders, or nearly captive ones, reacts little.
    struct Segment {
        std::string group;
        bool car = false;
        double transit_trips = 0, in_vehicle_time = 0, fare = 0;
    };
    std::vector<Segment> segments;
    double seconds = 0;
    int threads = 0;
    bool all_inside() const;
};

// Every lever on the scenario's static level of service: the level of service is computed once
// for the base, the price and time levers re-run only the choice, and the headways recompute
// the transit level of service on the timetable with scaled headways (twice).
ElasticityResult compute_elasticities(const scenario::Scenario& s, int threads,
                                      const std::function<void(const std::string&)>& progress = {});

// The table printed by the command, and elasticities.json.
std::string elasticities_table(const ElasticityResult& r);
std::string elasticities_json(const ElasticityResult& r);

}  // namespace flemsim::pipeline
