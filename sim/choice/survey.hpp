#pragma once
// Observed mode choices for `flemsim estimate`: a survey table (CSV), one row per observed trip
// or tour, with the level of service of every alternative.
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
// For a tour, give its trips' level of service summed. A level-of-service cell may be empty only
// where its alternative is unavailable (distance_km never). Times, costs, transfers and distances
// must be finite and not negative. A chosen alternative that is unavailable is an error at its
// file:line:column, as is every bad cell (core::InputError).
#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sim/core/types.hpp"

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

// The table in columns.
struct Survey {
    std::string file;
    std::vector<std::string> id;
    std::vector<std::uint8_t> chosen;     // core::Mode
    std::vector<std::uint8_t> available;  // bit (1 << mode)
    std::vector<double> weight;           // empty when the table has no weight column
    std::array<std::vector<double>, los_field_count> los;
    std::vector<int> line;  // of each record in the file, for messages

    std::size_t size() const { return id.size(); }
    LevelOfService record(std::size_t r) const {
        LevelOfService out{};
        for (std::size_t f = 0; f < los_field_count; ++f) out[f] = los[f][r];
        return out;
    }
};

// Reads a survey table; throws core::InputError at the file:line:column of a bad cell.
Survey read_survey(const std::filesystem::path& path);

// A survey of `records` made-up records (level of service drawn around a city of Flemingsberg's
// kind: distances 0.3–30 km, every alternative available except car in a third of records and
// bike in a tenth), for tests and benchmarks. Its choices are all walk until simulated
// (estimation.hpp: simulate_choices). Draws come from (seed, mode_choice, record, 0).
Survey synthetic_survey(std::size_t records, std::uint64_t seed);

// Writes `s` in the format above (for synthetic surveys; exact to 17 significant digits).
std::string survey_csv(const Survey& s);

}  // namespace flemsim::choice
