#pragma once
// One run of flemsim, as read from a scenario file (after `extends:` and `--set`) and
// validated. Immutable once loaded; every behavioural parameter of the model is here.
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/types.hpp"
#include "sim/scenario/config_tree.hpp"

namespace flemsim::scenario {

// The levers of `flemsim elasticities`, in the order it reports them (the keys of
// validation.elasticities).
inline constexpr std::array<std::string_view, 6> elasticity_levers = {
    "transit_in_vehicle_time", "transit_headway", "transit_fare", "car_running_cost", "parking_charge", "bike_time"};

// Land use of a study zone for the scenario year.
struct ZoneLandUse {
    std::string zone;
    core::SourcePos pos;
    double residents = 0;
    double jobs = 0;
    double study_places = 0;
    double visits = 0;                      // daily attraction of "other" trips (shops, services, hospital visits)
    double home_parking_sek_per_month = 0;  // what parking a car at home costs (optional; car ownership)
};

// A gateway zone stands for a part of the region outside the study area.
struct GatewayWeights {
    std::string zone;
    core::SourcePos pos;
    double workers = 0;       // origin weight of in-commuting workers
    double students = 0;      // origin weight of in-commuting students
    double jobs = 0;          // destination weight of residents working outside
    double study_places = 0;  // destination weight of residents studying outside
    double visits = 0;        // destination weight of residents' other trips outside
    // Mobility tools of in-commuters from here (optional; < 0: population.attributes of their group).
    double car_availability = -1, bike_ownership = -1, transit_pass = -1;
};

struct GroupAttributes {
    double car_availability = 0;
    double bike_ownership = 0;
    double transit_pass = 0;
};

struct DurationHours {
    double mean = 0;
    double sd = 0;
    double min = 0;
};

struct ActivityParams {
    std::array<double, core::group_count> tour_rate{};  // tours per person and weekday, by group
    std::array<double, 24> departure_profile{};         // relative weight of outbound departures per hour
    DurationHours duration_h;
    double gravity_beta_per_min = 0;  // destination choice: weight exp(beta * minutes)
};

// A table by distance band: increasing upper limits in km and one row of values per mode for
// each band, bands_km.size() + 1 rows (the last is beyond the last limit). A distance equal to
// a limit belongs to the band above it (as the report's bands).
struct DistanceBandTable {
    std::vector<double> bands_km;
    std::vector<std::array<double, core::mode_count>> rows;
    core::SourcePos pos;
    bool given() const { return !rows.empty(); }
    std::size_t band_of(double km) const;
    std::string band_name(std::size_t band) const;  // "0-1 km", "1-3 km", ..., "20+ km"
};

// What a mode needs of the person besides a path or a journey (mode_choice.availability).
enum class ModeRequirement : std::uint8_t { always, car_available, bike_owner };
inline constexpr std::array<std::string_view, 3> mode_requirement_names = {"always", "car_available", "bike_owner"};
// Car needs a car, bike a bike, unless a scenario says otherwise.
inline constexpr std::array<ModeRequirement, core::mode_count> default_availability{
    ModeRequirement::always, ModeRequirement::bike_owner, ModeRequirement::always, ModeRequirement::car_available};
// Whether a person with (or without) a car and a bike meets `need`.
constexpr bool meets(ModeRequirement need, bool has_car, bool has_bike) {
    return !((need == ModeRequirement::car_available && !has_car) ||
             (need == ModeRequirement::bike_owner && !has_bike));
}

// The mode-choice terms for one group and purpose: constants plus the shared betas.
struct ModeChoiceTerms {
    std::array<double, core::mode_count> asc{};
    std::array<double, core::mode_count> time_per_min{};
    double wait_per_min = 0;
    double access_egress_per_min = 0;
    double transfer = 0;
    double cost_per_sek = 0;
};

// The scenario file as read: one member per key, nested and named as in the YAML (README:
// "Scenario files"). Every behavioural key is required in a scenario, so these members carry
// no defaults of their own (the few optional keys say theirs where they are declared); the
// stages take their parameters from sim/scenario/params.hpp, built by Params::from.
struct Scenario {
    // Provenance (not keys).
    std::filesystem::path file;                // the scenario file named on the command line
    std::vector<std::filesystem::path> chain;  // the file and everything it extends, base last
    ConfigNode tree;                           // the merged tree
    std::string effective_yaml;                // the merged tree as YAML

    std::string name;
    std::vector<std::string> overrides;  // the --set overrides applied, in order (not seed=): part of the run's title
    std::vector<std::string> packages;   // the options a package (`combine:`) stacks, by name: part of the title
    std::string description;
    int year = 0;
    std::filesystem::path network;  // folder, resolved against the file that names it
    core::SourcePos network_pos;
    std::uint64_t seed = 0;
    int threads = 0;  // 0: all cores

    struct Output {
        std::filesystem::path dir;  // outputs go to dir / name
        int compression_level = 0;
        std::uint32_t chunk_rows = 0;
    } output;

    struct Target {
        double sustainable_share = 0;
    } target;

    struct Report {
        std::vector<double> distance_bands_km;
    } report;

    std::vector<ZoneLandUse> land_use;
    std::vector<GatewayWeights> gateways;

    struct Population {
        double scale = 0;
        double employment_rate = 0;
        double student_rate = 0;
        std::array<GroupAttributes, core::group_count> attributes{};
    } population;

    std::array<ActivityParams, core::purpose_count> activities{};

    struct Modes {
        struct Active {
            double speed_mps = 0;
            double speed_cv = 0;    // spread of personal speeds (coefficient of variation)
            double max_trip_m = 0;  // the mode is not offered beyond this distance
        } walk, bike;
        struct Car {
            double cost_per_km_sek = 0;
            double access_s = 0;
            double default_parking_sek = 0;
            std::map<std::string, double> parking_sek;  // per zone, overrides the default
            std::map<std::string, core::SourcePos> parking_pos;
        } car;
        struct Transit {
            double fare_sek = 0;
            double pass_fare_per_trip_sek = 0;  // what a pass holder's pass costs per trip (optional, 0)
            double max_access_walk_m = 0;
            double max_transfer_walk_m = 0;
            double max_wait_s = 0;
            double min_transfer_s = 0;
            // Schedule-based routing (optional keys; defaults in params.hpp).
            int max_rides = 5;  // boardings per journey (transfers + 1)
            double journey_choice_scale =
                5.0;  // logit among the Pareto journeys: scale on the mode-choice utilities (>= 1)
            double attractive_ride_factor = 1.2;  // common lines: accept a line riding at most this x the planned ride
            struct Crowding {
                double onset_load_factor = 0.8;    // load / seats at which seated riders start to feel crowding
                double seated_multiplier = 1.2;    // perceived in-vehicle time of the seated at load = seats
                double standing_multiplier = 1.6;  // of a standing rider just beyond the seats
                double crush_multiplier = 2.2;     // of a standing rider at full capacity
            } crowding;
            // Access by car and by bike to stops with car or bike parking (stops.csv), on tours
            // from home: the car or bike is left at the stop and taken home again. 0: not offered.
            double park_and_ride_max_drive_m = 15000;  // longest drive to a car park
            double bike_and_ride_max_ride_m = 5000;    // longest ride to a bike park
        } transit;
    } modes;

    // The simulated day (mobsim).
    struct Simulation {
        bool enabled = false;        // false: trips take the static level of service
        std::int32_t end_time = 0;   // seconds after midnight; trips not ended by then are stuck
        double capacity_factor = 0;  // road flow and storage
        double transit_capacity_factor = 0;
        double vehicle_length_m = 0;  // storage per lane and metre
        std::int32_t stuck_time_s = 0;
        int max_denied_boardings = 3;   // a rider denied this often at a stop gives up transit for the trip
        double max_give_up_walk_m = 0;  // a rider who gives up walks on up to this far, else takes a taxi
    } simulation;

    // The day-to-day loop.
    struct Iterations {
        int max = 0;
        int min = 0;
        double replanning_share = 0;          // persons who reconsider their plans after a day
        double replanning_decay = 0;          // after day n the share is replanning_share / (n + 1)^decay
        double experience_weight = 0;         // weight of the newest day in the averages; 0: 1 / (n + 1) (MSA)
        std::int32_t departure_window_s = 0;  // departure shifts considered: up to +- this
        double shift_per_hour = 0;            // utility per hour of shift from the desired departure (<= 0)
        double share_tolerance = 0;           // converged: no mode share moves more than this
        double time_tolerance = 0;            // and no mean travel time by mode moves more than this share
        // and the car trips' relative travel-time gap is at most this (optional; < 0: not a criterion)
        double travel_time_gap = -1;
        double travel_time_gap_sample = 1;  // share of car trips the gap is measured on
        // On a day known to be the last (the day limit), whose replanning is only measured (the
        // utility gap), at most this many of the persons drawn are measured (0: all).
        std::int64_t last_day_gap_persons = 0;
        // Car trips of persons who do not replan that are routed anew after day n anyway:
        // reroute_share / (n + 1)^reroute_decay of them (optional, 0; the decay optional:
        // < 0, unset, takes replanning_decay, see LoopParams).
        double reroute_share = 0;
        double reroute_decay = -1;
        // The car times that routes are found on after a day: those of the day just simulated
        // (`last_day`: the route step of the method of successive averages, a best response
        // to the latest times) or the averages of the level of service (`averaged`, default).
        bool route_on_last_day = false;
    } iterations;

    // Targets of `flemsim calibrate` (optional section `calibration`).
    struct Calibration {
        bool given = false;
        std::array<double, core::mode_count> targets{};
        bool targets_given = false;  // the overall targets (optional when shares by band or group are given)
        std::array<bool, core::group_count> by_group_given{};
        std::array<std::array<double, core::mode_count>, core::group_count> by_group{};
        DistanceBandTable by_distance_band;  // shares per band (each row adds up to 1)
        double tolerance = 0.005;            // default of the optional key
        int max_rounds = 10;                 // default of the optional key
    } calibration;

    // Bands of `flemsim elasticities` (optional section validation.elasticities.<lever>): the
    // range the literature gives for each lever's arc elasticity, with its source. A lever
    // without a band is reported and not judged.
    struct Validation {
        struct Band {
            bool given = false;
            double min = 0;
            double max = 0;
            std::string source;
            core::SourcePos pos;  // of the lever's key, for messages
        };
        std::array<Band, elasticity_levers.size()> elasticities{};  // indexed as elasticity_levers
    } validation;

    // The demand models that see the level of service (optional section `demand`; without it
    // work, study and other places come from the gravity model of activities.*, mobility tools
    // from population.attributes, and departures from the profiles). sim/population/demand.hpp.
    struct Demand {
        bool given = false;
        core::SourcePos pos;
        int period_min = 60;         // periods of the day the level of service is computed for
        int samples_per_period = 4;  // transit departures sampled in each period
        struct Destinations {
            std::array<double, core::purpose_count> logsum_coefficient{1, 1, 1};
            std::array<double, core::purpose_count> distance_per_km{};  // utility per km of street distance
            int sample_size = 0;                   // 0: every zone; else sample this many when there are more
            int shadow_price_iterations = 20;      // work and study places
            double shadow_price_tolerance = 0.01;  // largest relative excess of a zone's places
        } destinations;
        struct InCommuters {
            double workers = -1;            // count (before population.scale); < 0: every job residents leave
            double students = -1;           // the same for study places
            double logsum_coefficient = 1;  // gateway of origin: ln(size) + this x logsum
            // Tools (car, bike, pass) of an in-commuter: by_place (true) draws them with the
            // gateway, as the lower level of its choice: P(tools | gateway, place) is the
            // gateway's share of those tools x exp(mu x the tour logsum with them), mu =
            // tools_logsum_coefficient, and the gateway's utility takes (1 / mu) ln of their sum.
            // So the in-commuters a place draws hold the tools its level of service asks for.
            // by_gateway (false): the gateway's shares, whatever the place (mu 1 in the logsum).
            bool tools_by_place = true;
            double tools_logsum_coefficient = 1;
        } in_commuters;
        struct MobilityTools {
            bool given = false;
            std::vector<double> household_size;  // shares of households of 1, 2, ... persons
            struct Cars {
                double asc_one = 0, asc_two_plus = 0;                // against no car
                double per_adult_one = 0, per_adult_two_plus = 0;    // per person of the household beyond one
                double per_worker_one = 0, per_worker_two_plus = 0;  // per worker of the household
                double accessibility = 0;                            // per unit of the logsum gain of a car
                double parking_per_100_sek_month = 0;                // per 100 SEK a month of home parking (per car)
            } cars;
            struct Binary {
                std::array<double, core::group_count> asc{};
                double accessibility = 0;  // per unit of the logsum gain of holding it
                double car_available = 0;  // when the person has a car
            } pass, bike;
            double work_weight = 1.0;  // accessibility: logsum to work or study places, plus this...
            double all_weight = 1.0;   // ...and this times the logsum to everything (visits)
        } mobility_tools;
        struct TripMaking {
            std::array<double, core::group_count> stay_home{};  // share of the group with no tour on a day
            double accessibility = 0;                           // per unit of accessibility above the reference
            double reference_accessibility = 0;                 // the accessibility at which the shares hold
        } trip_making;
        struct DepartureTime {
            double logsum_coefficient = 1;  // period: ln(profile) + this x the tour's logsum in the period
        } departure_time;
    } demand;

    struct ModeChoice {
        std::array<double, core::mode_count> asc{};
        struct Beta {
            std::array<double, core::mode_count> time_per_min{};
            double wait_per_min = 0;
            double access_egress_per_min = 0;
            double transfer = 0;
            double cost_per_sek = 0;
            // Piecewise-linear walk and bike time: beyond each breakpoint (minutes of one trip)
            // the slope grows by its per_min (sim/choice/utility_terms.hpp). Optional.
            struct Piecewise {
                std::vector<double> breakpoints_min;
                std::vector<double> per_min;
            } walk_time_over_min, bike_time_over_min;
            std::array<double, core::mode_count> log_distance_km{};  // times ln(1 + km) of a trip; optional
            double bike_not_owned = 0;  // bike for a person without one (when availability lets them)
        } beta;
        // Nested logit (nests.<name>: {alternatives: [modes], scale}): nests of two or more modes
        // with their scale in (0, 1]; a mode in no nest is its own. Empty: the multinomial logit.
        struct Nest {
            std::string name;
            std::vector<core::Mode> modes;
            double scale = 1;
            core::SourcePos pos;
        };
        std::vector<Nest> nests;
        // What each mode needs of the person (default: car a car, bike a bike).
        std::array<ModeRequirement, core::mode_count> availability = default_availability;
        // Constants by distance band of the tour's trip out (its shortest street distance),
        // written by `flemsim calibrate` from calibration.by_distance_band. Optional.
        DistanceBandTable asc_by_distance_band;
        // Additive adjustments to the constants by group and by purpose.
        std::array<std::array<double, core::mode_count>, core::group_count> asc_by_group{};
        std::array<std::array<double, core::mode_count>, core::purpose_count> asc_by_purpose{};

        // The terms for one group and purpose.
        ModeChoiceTerms terms(core::Group g, core::Purpose p) const;
    } mode_choice;
};

struct LoadOptions {
    std::vector<std::string> overrides;  // "key.path=value" from --set
};

// Reads, merges and validates; throws core::InputError naming file:line:column and key.
Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options = {});

}  // namespace flemsim::scenario
