#pragma once
// Observed mode choices for `flemsim estimate`: a survey table (CSV), one row per observed trip
// or tour, with the level of service of every alternative, or with the zone pair and the time
// for flemsim to compute it on a scenario's network (sim/pipeline/survey_los.hpp).
//
// Format (comma separated, '#' comment lines, first line the header, columns in any order):
//   id                          record identifier (text, required)
//   chosen                      walk | bike | transit | car
//   weight                      optional: expansion weight > 0 (default 1)
//   walk_time_min               walking time
//   bike_time_min               cycling time
//   car_time_min                driving time (in the vehicle)
//   car_access_min              walking to and from the car and parking search
//   car_cost_sek                running cost, tolls and parking
//   transit_in_vehicle_min      time on board
//   transit_wait_min            waiting at the first stop and at transfers
//   transit_access_egress_min   walking to, from and between stops
//   transit_transfers           number of transfers
//   transit_cost_sek            fare
//   distance_km                 distance of the trip (or tour), for the log-distance terms
//   available_walk, available_bike, available_car, available_transit
//                               optional, 0 or 1; a missing column means available
//   origin_zone, destination_zone, departure
//                               optional, together: zone ids of the scenario's network and the
//                               clock time of leaving (HH:MM or HH:MM:SS). A row that gives
//                               them may leave level-of-service cells empty (or the table may
//                               leave out those columns): flemsim computes them.
//   car_available, bike_owner, transit_pass
//                               optional, 0 or 1: the person's car, bike and transit pass. They
//                               take away car and bike by the availability rules (the scenario's
//                               mode_choice.availability, or car_available and bike_owner), and a
//                               pass makes a computed fare the pass's fare per trip.
// For a tour, give its trips' level of service summed. A level-of-service cell may be empty only
// where its alternative is unavailable (distance_km never) or where the row gives its zone pair.
// Times, costs, transfers and distances must be finite and not negative. A chosen alternative
// that is unavailable is an error at its file:line:column, as is every bad cell
// (core::InputError).
#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/types.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::choice {

// The level of service of one record, in the survey's columns.
enum class LosField : std::uint8_t {
    walk_time_min,
    bike_time_min,
    car_time_min,
    car_access_min,
    car_cost_sek,
    transit_in_vehicle_min,
    transit_wait_min,
    transit_access_egress_min,
    transit_transfers,
    transit_cost_sek,
    distance_km,
};
inline constexpr std::size_t los_field_count = 11;
inline constexpr std::array<std::string_view, los_field_count> los_field_names = {
    "walk_time_min",     "bike_time_min",          "car_time_min",     "car_access_min",
    "car_cost_sek",      "transit_in_vehicle_min", "transit_wait_min", "transit_access_egress_min",
    "transit_transfers", "transit_cost_sek",       "distance_km"};
using LevelOfService = std::array<double, los_field_count>;  // indexed by LosField

inline double get(const LevelOfService& los, LosField f) {
    return los[static_cast<std::size_t>(f)];
}

// What flemsim needs to compute a record's level of service: its zone pair and departure (empty
// vectors when the table has no zone columns), its empty cells and its person (one per record
// in a table read by read_survey).
struct SurveyZones {
    std::vector<std::string> origin, destination;  // zone ids; "" where a record gives none
    std::vector<std::int32_t> departure_s;
    // Bit f: the record's cell of LosField f is empty (or its column absent), until computed.
    std::vector<std::uint16_t> empty;
    // The person, 0 or 1; -1 where not given.
    std::vector<std::int8_t> car_available, bike_owner, transit_pass;

    bool given() const { return !origin.empty(); }
    bool has_zones(std::size_t r) const { return given() && !origin[r].empty(); }
};

// The table in columns.
struct Survey {
    std::string file;
    std::vector<std::string> id;
    std::vector<std::uint8_t> chosen;     // core::Mode
    std::vector<std::uint8_t> available;  // bit (1 << mode)
    std::vector<double> weight;           // empty when the table has no weight column
    std::array<std::vector<double>, los_field_count> los;
    std::vector<int> line;  // of each record in the file, for messages
    SurveyZones zones;
    std::array<bool, los_field_count> los_column{};  // whether the table has the column

    std::size_t size() const { return id.size(); }
    LevelOfService record(std::size_t r) const {
        LevelOfService out{};
        for (std::size_t f = 0; f < los_field_count; ++f) out[f] = los[f][r];
        return out;
    }
};

// Reads a survey table; throws core::InputError at the file:line:column of a bad cell.
Survey read_survey(const std::filesystem::path& path);

// The file:line:column of a record's cell in `column` (by name), for messages about a record after
// it was read (read again from the file; line:1 where the table has no such column).
core::SourcePos survey_cell(const Survey& s, std::size_t record, std::string_view column);

// The records whose level of service is still to be computed: they give a zone pair and leave
// a cell empty that an available alternative (or distance_km) needs.
bool needs_level_of_service(const Survey& s, std::size_t record);

// Without a scenario nothing computes the level of service: the first record that needs it is
// an error at its first empty cell (or at origin_zone where the table has no such column).
void require_level_of_service(const Survey& s);

// Takes away the alternatives that a record's person lacks (car_available, bike_owner columns)
// by `rules` (mode_choice.availability); a chosen alternative taken away is an error at its cell.
void apply_availability_rules(Survey& s, const std::array<scenario::ModeRequirement, core::mode_count>& rules);

// The alternative a level-of-service field describes, as a core::Mode index (distance_km: -1).
int alternative_of(LosField f);

// A survey of `records` made-up records (level of service drawn around a city of Flemingsberg's
// kind: distances 0.3–30 km, every alternative available except car in a third of records and
// bike in a tenth), for tests and benchmarks. Its choices are all walk until simulated
// (estimation.hpp: simulate_choices). Draws come from (seed, mode_choice, record, 0).
Survey synthetic_survey(std::size_t records, std::uint64_t seed);

// The coefficients, by term name (utility_terms.hpp), of the model the tests and the benchmark
// draw synthetic choices from (with the nest active = walk, bike at scale 0.5).
const std::map<std::string, double>& synthetic_coefficients();

// Writes `s` in the format above (for synthetic surveys; exact to 17 significant digits).
std::string survey_csv(const Survey& s);

}  // namespace flemsim::choice
