#include "sim/choice/survey.hpp"

#include <cmath>
#include <cstdint>
#include <exception>
#include <string>

#include <fmt/format.h>

#include "sim/core/csv.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/text.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::choice {

namespace {

using core::Mode;

// Column indices of the reader: required first, then optional.
constexpr std::size_t col_id = 0;
constexpr std::size_t col_chosen = 1;
constexpr std::size_t col_los = 2;  // los_field_count columns
constexpr std::size_t col_weight = col_los + los_field_count;
constexpr std::size_t col_available = col_weight + 1;  // one per mode, in mode order
constexpr std::size_t col_origin = col_available + core::mode_count;
constexpr std::size_t col_destination = col_origin + 1;
constexpr std::size_t col_departure = col_destination + 1;
constexpr std::size_t col_car_available = col_departure + 1;
constexpr std::size_t col_bike_owner = col_car_available + 1;
constexpr std::size_t col_transit_pass = col_bike_owner + 1;

constexpr std::array<std::string_view, 3> zone_columns = {"origin_zone", "destination_zone", "departure"};
constexpr std::array<std::string_view, 3> person_columns = {"car_available", "bike_owner", "transit_pass"};

std::string available_column(std::size_t mode) {
    return "available_" + std::string(core::mode_names[mode]);
}

// A 0 or 1 cell of the person; -1 when empty.
std::int8_t flag(const core::CsvReader& in, std::size_t col) {
    const auto t = in.text(col);
    if (t.empty()) return -1;
    if (t != "0" && t != "1") in.fail(col, "expected 0 or 1, got '" + std::string(t) + "'");
    return t == "1" ? 1 : 0;
}

}  // namespace

int alternative_of(LosField f) {
    switch (f) {
        case LosField::walk_time_min:
            return static_cast<int>(Mode::walk);
        case LosField::bike_time_min:
            return static_cast<int>(Mode::bike);
        case LosField::car_time_min:
        case LosField::car_access_min:
        case LosField::car_cost_sek:
            return static_cast<int>(Mode::car);
        case LosField::transit_in_vehicle_min:
        case LosField::transit_wait_min:
        case LosField::transit_access_egress_min:
        case LosField::transit_transfers:
        case LosField::transit_cost_sek:
            return static_cast<int>(Mode::transit);
        case LosField::distance_km:
            return -1;
    }
    return -1;
}

namespace {

const std::vector<std::string> required_columns = {"id", "chosen"};

// The level-of-service columns are optional to the reader: a table whose rows give their zone
// pair may leave them out, one without zone columns needs them all (read_survey checks).
const std::vector<std::string>& optional_columns() {
    static const std::vector<std::string> out = [] {
        std::vector<std::string> o;
        for (const auto name : los_field_names) o.emplace_back(name);
        o.emplace_back("weight");
        for (std::size_t m = 0; m < core::mode_count; ++m) o.push_back(available_column(m));
        for (const auto name : zone_columns) o.emplace_back(name);
        for (const auto name : person_columns) o.emplace_back(name);
        return o;
    }();
    return out;
}

}  // namespace

core::SourcePos survey_cell(const Survey& s, std::size_t record, std::string_view column) {
    // Records keep only their line: a cell's column is found again in the file, which costs a
    // read of it only on the way to an error message.
    core::SourcePos fallback{s.file, record < s.line.size() ? s.line[record] : 0, 0};
    if (fallback.line <= 0) return fallback;
    try {
        core::CsvReader in(s.file, required_columns, optional_columns());
        const std::size_t columns = required_columns.size() + optional_columns().size();
        std::size_t col = 0;
        while (col < columns && in.column_name(col) != column) ++col;
        if (col == columns) return fallback;
        while (in.next())
            if (in.line() == fallback.line) return in.has(col) ? in.pos(col) : core::SourcePos{s.file, in.line(), 1};
    } catch (const std::exception&) {
    }
    return fallback;
}

Survey read_survey(const std::filesystem::path& path) {
    core::CsvReader in(path, required_columns, optional_columns());

    Survey s;
    s.file = in.file();
    for (std::size_t f = 0; f < los_field_count; ++f) s.los_column[f] = in.has(col_los + f);
    const bool zoned = in.has(col_origin) || in.has(col_destination) || in.has(col_departure);
    const auto missing = [&](std::string_view name, const std::string& hint) {
        throw core::InputError({s.file, in.line(), 1}, "missing column '" + std::string(name) + "'", hint);
    };
    for (std::size_t z = 0; z < zone_columns.size(); ++z)
        if (zoned && !in.has(col_origin + z))
            missing(zone_columns[z], "origin_zone, destination_zone and departure come together");
    for (std::size_t f = 0; f < los_field_count; ++f)
        if (!zoned && !in.has(col_los + f))
            missing(los_field_names[f],
                    "or give origin_zone, destination_zone and departure for flemsim to compute the level of service");

    const bool weighted = in.has(col_weight);
    const std::vector<std::string> modes(core::mode_names.begin(), core::mode_names.end());
    while (in.next()) {
        s.id.emplace_back(in.required_text(col_id));
        // Availability first: it decides which level-of-service cells may be empty.
        std::uint8_t available = 0;
        for (std::size_t m = 0; m < core::mode_count; ++m) {
            const std::size_t col = col_available + m;
            const auto t = in.text(col);
            if (!in.has(col) || t == "1")
                available |= static_cast<std::uint8_t>(1u << m);
            else if (t != "0")
                in.fail(col, "expected 0 or 1, got '" + std::string(t) + "'");
        }
        const auto chosen_text = in.required_text(col_chosen);
        int chosen = -1;
        for (std::size_t m = 0; m < core::mode_count; ++m)
            if (chosen_text == core::mode_names[m]) chosen = static_cast<int>(m);
        if (chosen < 0)
            in.fail(col_chosen, "expected walk, bike, transit or car, got '" + std::string(chosen_text) + "'",
                    core::did_you_mean(chosen_text, modes));
        if (!(available & (1u << chosen)))
            in.fail(col_chosen,
                    "the chosen alternative '" + std::string(chosen_text) + "' is not available (" +
                        available_column(static_cast<std::size_t>(chosen)) + " is 0)",
                    "a record's choice must be among its available alternatives");
        // A record with its zone pair: its empty cells are flemsim's to compute.
        bool has_zones = false;
        if (zoned) {
            has_zones =
                !in.text(col_origin).empty() || !in.text(col_destination).empty() || !in.text(col_departure).empty();
            std::int32_t departure = 0;
            if (has_zones) {
                in.required_text(col_origin);
                in.required_text(col_destination);
                try {
                    departure = core::parse_clock(in.required_text(col_departure));
                } catch (const core::ParseError& e) {
                    in.fail(col_departure, e.what());
                }
            }
            s.zones.origin.emplace_back(in.text(col_origin));
            s.zones.destination.emplace_back(in.text(col_destination));
            s.zones.departure_s.push_back(departure);
        }
        s.zones.car_available.push_back(flag(in, col_car_available));
        s.zones.bike_owner.push_back(flag(in, col_bike_owner));
        s.zones.transit_pass.push_back(flag(in, col_transit_pass));
        std::uint16_t empty = 0;
        for (std::size_t f = 0; f < los_field_count; ++f) {
            const std::size_t col = col_los + f;
            const int owner = alternative_of(static_cast<LosField>(f));
            double v = 0;
            if (in.text(col).empty()) {
                empty |= static_cast<std::uint16_t>(1u << f);
                if (!has_zones && (owner < 0 || (available & (1u << owner))))
                    in.fail(
                        col,
                        "must not be empty" +
                            (owner < 0 ? std::string()
                                       : " while " + std::string(core::mode_names[static_cast<std::size_t>(owner)]) +
                                             " is available"),
                        zoned ? "or give the record's origin_zone, destination_zone and departure for flemsim "
                                "to compute it"
                              : "");
            } else {
                v = in.number(col);
                if (v < 0) in.fail(col, "must not be negative, got " + std::string(in.text(col)));
            }
            s.los[f].push_back(v);
        }
        s.zones.empty.push_back(empty);
        if (weighted) s.weight.push_back(in.positive(col_weight));
        s.chosen.push_back(static_cast<std::uint8_t>(chosen));
        s.available.push_back(available);
        s.line.push_back(in.line());
    }
    if (s.size() == 0) throw core::InputError({s.file, 0, 0}, "no records", "a survey needs at least one data row");
    return s;
}

namespace {
// The first level-of-service field of record r left for flemsim to compute (empty, and of an
// alternative that is available or of none); los_field_count when there is none.
std::size_t first_missing_field(const Survey& s, std::size_t r) {
    for (std::size_t f = 0; f < los_field_count; ++f) {
        const int owner = alternative_of(static_cast<LosField>(f));
        if ((s.zones.empty[r] & (1u << f)) && (owner < 0 || (s.available[r] & (1u << owner)))) return f;
    }
    return los_field_count;
}
}  // namespace

bool needs_level_of_service(const Survey& s, std::size_t r) {
    return s.zones.has_zones(r) && first_missing_field(s, r) < los_field_count;
}

void require_level_of_service(const Survey& s) {
    for (std::size_t r = 0; r < s.size(); ++r) {
        if (!needs_level_of_service(s, r)) continue;
        const std::size_t f = first_missing_field(s, r);
        const std::string name(los_field_names[f]);
        const bool absent = !s.los_column[f];
        throw core::InputError(
            survey_cell(s, r, absent ? "origin_zone" : name),
            (absent ? "origin_zone: the table has no column " + name : name + ": empty") +
                ", and flemsim computes it from the zone pair '" + s.zones.origin[r] + "' to '" +
                s.zones.destination[r] + "' and the departure only with --scenario",
            "flemsim estimate SURVEY --scenario SCENARIO.yaml, the scenario whose network has these zones");
    }
}

void apply_availability_rules(Survey& s, const std::array<scenario::ModeRequirement, core::mode_count>& rules) {
    if (s.zones.car_available.size() != s.size()) return;  // a survey not read from a table
    for (std::size_t r = 0; r < s.size(); ++r)
        for (std::size_t m = 0; m < core::mode_count; ++m) {
            const auto need = rules[m];
            // An empty person cell (-1) says nothing: the person may have one.
            if (scenario::meets(need, s.zones.car_available[r] != 0, s.zones.bike_owner[r] != 0) ||
                !(s.available[r] & (1u << m)))
                continue;
            s.available[r] &= static_cast<std::uint8_t>(~(1u << m));
            if (s.chosen[r] == m) {
                const bool car = need == scenario::ModeRequirement::car_available;
                throw core::InputError(
                    survey_cell(s, r, "chosen"),
                    fmt::format("chosen: the chosen alternative '{}' is not available ({} is 0, and {} needs {})",
                                core::mode_names[m], car ? "car_available" : "bike_owner", core::mode_names[m],
                                scenario::mode_requirement_names[static_cast<std::size_t>(need)]),
                    "mode_choice.availability says what each alternative needs of the person");
            }
        }
}

const std::map<std::string, double>& synthetic_coefficients() {
    static const std::map<std::string, double> v = {
        {"asc.walk", 0.8},
        {"asc.bike", -0.6},
        {"asc.transit", -0.4},
        {"beta.time_per_min.walk", -0.06},
        {"beta.time_per_min.bike", -0.05},
        {"beta.time_per_min.transit", -0.03},
        {"beta.time_per_min.car", -0.04},
        {"beta.wait_per_min", -0.05},
        {"beta.access_egress_per_min", -0.06},
        {"beta.transfer", -0.25},
        {"beta.cost_per_sek", -0.02},
        {"beta.walk_time_over_min.15", -0.03},
        {"beta.walk_time_over_min.30", -0.04},
        {"beta.bike_time_over_min.20", -0.03},
        {"beta.bike_time_over_min.40", -0.03},
        {"beta.log_distance_km.walk", -0.5},
        {"beta.log_distance_km.bike", -0.3},
    };
    return v;
}

Survey synthetic_survey(std::size_t records, std::uint64_t seed) {
    Survey s;
    s.file = "synthetic";
    for (auto& column : s.los) column.resize(records);
    s.id.resize(records);
    s.chosen.assign(records, 0);
    s.available.resize(records);
    s.line.assign(records, 0);
    const auto set = [&](std::size_t r, LosField f, double v) { s.los[static_cast<std::size_t>(f)][r] = v; };
    for (std::size_t r = 0; r < records; ++r) {
        core::Rng rng(seed, core::Stream::mode_choice, r, 0);
        const double km = 0.3 * std::exp(rng.uniform() * std::log(100.0));  // 0.3 to 30 km, log-uniform
        set(r, LosField::distance_km, km);
        set(r, LosField::walk_time_min, km / 5.0 * 60.0 * (0.9 + 0.3 * rng.uniform()));
        set(r, LosField::bike_time_min, km / 16.0 * 60.0 * (0.85 + 0.3 * rng.uniform()) + 2 * rng.uniform());
        set(r, LosField::car_time_min, km / 35.0 * 60.0 + 3 + 10 * rng.uniform());
        set(r, LosField::car_access_min, 2 + 6 * rng.uniform());
        set(r, LosField::car_cost_sek, 1.8 * km + (rng.uniform() < 0.4 ? 20 + 40 * rng.uniform() : 0.0));
        set(r, LosField::transit_in_vehicle_min, km / 28.0 * 60.0 * (0.8 + 0.6 * rng.uniform()));
        set(r, LosField::transit_wait_min, 2 + 12 * rng.uniform());
        set(r, LosField::transit_access_egress_min, 4 + 16 * rng.uniform());
        set(r, LosField::transit_transfers, static_cast<double>(rng.below(3)));
        set(r, LosField::transit_cost_sek, rng.uniform() < 0.5 ? 0.0 : 39.0);  // season ticket, or a single fare
        std::uint8_t available = 0xF;
        if (rng.uniform() < 1.0 / 3.0) available &= static_cast<std::uint8_t>(~(1u << static_cast<int>(Mode::car)));
        if (rng.uniform() < 0.1) available &= static_cast<std::uint8_t>(~(1u << static_cast<int>(Mode::bike)));
        s.available[r] = available;
        s.id[r] = std::to_string(r + 1);
    }
    return s;
}

std::string survey_csv(const Survey& s) {
    std::string out = "id,chosen";
    if (!s.weight.empty()) out += ",weight";
    for (const auto name : los_field_names) out += "," + std::string(name);
    for (std::size_t m = 0; m < core::mode_count; ++m) out += "," + available_column(m);
    out += "\n";
    for (std::size_t r = 0; r < s.size(); ++r) {
        out += s.id[r] + "," + std::string(core::mode_names[s.chosen[r]]);
        if (!s.weight.empty()) out += fmt::format(",{}", s.weight[r]);
        for (std::size_t f = 0; f < los_field_count; ++f) out += fmt::format(",{}", s.los[f][r]);
        for (std::size_t m = 0; m < core::mode_count; ++m) out += (s.available[r] & (1u << m)) ? ",1" : ",0";
        out += "\n";
    }
    return out;
}

}  // namespace flemsim::choice
