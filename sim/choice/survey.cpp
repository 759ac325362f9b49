#include "sim/choice/survey.hpp"

#include <cmath>
#include <string>

#include <fmt/format.h>

#include "sim/core/csv.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/text.hpp"

namespace flemsim::choice {

namespace {

using core::Mode;

// The alternative a level-of-service column describes (distance_km: none, -1).
int owner_of(std::size_t field) {
    switch (static_cast<LosField>(field)) {
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

// Column indices of the reader: required first, then optional.
constexpr std::size_t col_id = 0;
constexpr std::size_t col_chosen = 1;
constexpr std::size_t col_los = 2;  // los_field_count columns
constexpr std::size_t col_weight = col_los + los_field_count;
constexpr std::size_t col_available = col_weight + 1;  // one per mode, in mode order

std::string available_column(std::size_t mode) {
    return "available_" + std::string(core::mode_names[mode]);
}

}  // namespace

Survey read_survey(const std::filesystem::path& path) {
    std::vector<std::string> required = {"id", "chosen"};
    for (const auto name : los_field_names) required.emplace_back(name);
    std::vector<std::string> optional = {"weight"};
    for (std::size_t m = 0; m < core::mode_count; ++m) optional.push_back(available_column(m));
    core::CsvReader in(path, required, optional);

    Survey s;
    s.file = in.file();
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
        for (std::size_t f = 0; f < los_field_count; ++f) {
            const std::size_t col = col_los + f;
            const int owner = owner_of(f);
            double v = 0;
            if (in.text(col).empty()) {
                if (owner < 0 || (available & (1u << owner)))
                    in.fail(col, "must not be empty" +
                                     (owner < 0
                                          ? std::string()
                                          : " while " + std::string(core::mode_names[static_cast<std::size_t>(owner)]) +
                                                " is available"));
            } else {
                v = in.number(col);
                if (v < 0) in.fail(col, "must not be negative, got " + std::string(in.text(col)));
            }
            s.los[f].push_back(v);
        }
        if (weighted) s.weight.push_back(in.positive(col_weight));
        s.chosen.push_back(static_cast<std::uint8_t>(chosen));
        s.available.push_back(available);
        s.line.push_back(in.line());
    }
    if (s.size() == 0) throw core::InputError({s.file, 0, 0}, "no records", "a survey needs at least one data row");
    return s;
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
