#include "sim/report/modal_split.hpp"

#include <fmt/format.h>

#include <array>
#include <cassert>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "sim/core/json.hpp"

namespace flemsim::report {

using core::Mode;

namespace {

constexpr std::array<Mode, 3> sustainable_modes = {Mode::walk, Mode::bike, Mode::transit};

std::size_t index_of(Mode m) {
    return static_cast<std::size_t>(m);
}

// "0-1 km", "1-3 km", ..., "20+ km" for limits {1, 3, ..., 20}; {} gives the single "0+ km".
std::vector<SplitRow> distance_rows(const std::vector<double>& limits_km) {
    std::vector<SplitRow> rows;
    double lower = 0;
    for (const double upper : limits_km) {
        rows.push_back({fmt::format("{}-{} km", lower, upper), {}});
        lower = upper;
    }
    rows.push_back({fmt::format("{}+ km", lower), {}});
    return rows;
}

// The band of a distance: the first whose upper limit exceeds it, so a trip of exactly a
// limit counts in the band above; beyond the last limit, the open band.
std::size_t band_of(const std::vector<double>& limits_km, double distance_km) {
    std::size_t band = 0;
    while (band < limits_km.size() && !(limits_km[band] > distance_km)) ++band;
    return band;
}

SplitRow sum_rows(std::string name, std::initializer_list<const SplitRow*> parts) {
    SplitRow row{std::move(name), {}};
    for (const SplitRow* part : parts)
        for (std::size_t m = 0; m < core::mode_count; ++m) row.trips[m] += part->trips[m];
    return row;
}

std::string percent_cell(const SplitRow& row, double share) {
    return row.total() == 0 ? std::string("-") : fmt::format("{:.1f}", 100.0 * share);
}

// A mean with `decimals` decimals; "-" for a mode without trips (NaN).
std::string mean_cell(double v, int decimals) {
    return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : std::string("-");
}

constexpr int name_width = 20;
constexpr int mode_width = 9;
constexpr int sustainable_width = 13;
constexpr int trips_width = 10;

void append_header(std::string& out, std::string_view first) {
    out += fmt::format("{:<{}}", first, name_width);
    for (const std::string_view mode : core::mode_names) out += fmt::format("{:>{}}", mode, mode_width);
    out += fmt::format("{:>{}}{:>{}}\n", "sustainable", sustainable_width, "trips", trips_width);
}

void append_row(std::string& out, const SplitRow& row, std::string_view indent) {
    out += fmt::format("{:<{}}", fmt::format("{}{}", indent, row.name), name_width);
    for (std::size_t m = 0; m < core::mode_count; ++m)
        out += fmt::format("{:>{}}", percent_cell(row, row.share(static_cast<Mode>(m))), mode_width);
    out += fmt::format("{:>{}}{:>{}}\n", percent_cell(row, row.sustainable_share()), sustainable_width, row.total(),
                       trips_width);
}

void append_section(std::string& out, std::string_view title, const std::vector<SplitRow>& rows) {
    out += fmt::format("{}\n", title);
    for (const SplitRow& row : rows) append_row(out, row, "  ");
}

void write_shares(core::JsonWriter& json, const SplitRow& row) {
    json.key("shares").begin_object();
    for (std::size_t m = 0; m < core::mode_count; ++m)
        json.key(core::mode_names[m]).value(row.share(static_cast<Mode>(m)));
    json.end_object();
}

void write_rows(core::JsonWriter& json, std::string_view key, const std::vector<SplitRow>& rows) {
    json.key(key).begin_array();
    for (const SplitRow& row : rows) {
        json.begin_object();
        json.key("name").value(row.name);
        json.key("trips").value(static_cast<long long>(row.total()));
        write_shares(json, row);
        json.key("sustainable_share").value(row.sustainable_share());
        json.end_object();
    }
    json.end_array();
}

// Means by mode; a mode without trips is NaN, which JSON writes as null.
void write_by_mode(core::JsonWriter& json, std::string_view key, const std::array<double, core::mode_count>& v) {
    json.key(key).begin_object();
    for (std::size_t m = 0; m < core::mode_count; ++m) json.key(core::mode_names[m]).value(v[m]);
    json.end_object();
}

}  // namespace

std::uint64_t SplitRow::total() const {
    std::uint64_t sum = 0;
    for (const std::uint64_t n : trips) sum += n;
    return sum;
}

double SplitRow::share(Mode m) const {
    const std::uint64_t n = total();
    return n == 0 ? 0.0 : static_cast<double>(trips[index_of(m)]) / static_cast<double>(n);
}

double SplitRow::sustainable_share() const {
    const std::uint64_t n = total();
    if (n == 0) return 0.0;
    std::uint64_t sustainable = 0;
    for (const Mode m : sustainable_modes) sustainable += trips[index_of(m)];
    return static_cast<double>(sustainable) / static_cast<double>(n);
}

ModalSplit compute_modal_split(const std::vector<core::TripRecord>& trips, const std::vector<double>& distance_bands_km,
                               double target) {
    for (std::size_t i = 0; i < distance_bands_km.size(); ++i)
        assert(distance_bands_km[i] > (i == 0 ? 0.0 : distance_bands_km[i - 1]) && "band limits must increase");

    ModalSplit split;
    split.target = target;
    split.overall.name = "overall";
    split.by_group.resize(core::group_count);
    for (std::size_t g = 0; g < core::group_count; ++g) split.by_group[g].name = core::group_names[g];
    split.by_purpose.resize(core::purpose_count);
    for (std::size_t p = 0; p < core::purpose_count; ++p) split.by_purpose[p].name = core::purpose_names[p];
    split.by_distance = distance_rows(distance_bands_km);

    // Door-to-door seconds summed as integers (exact); distances summed in trip order, so
    // the same trips give the same means.
    std::array<std::int64_t, core::mode_count> travel_s{};
    std::array<double, core::mode_count> distance_m{};
    for (const core::TripRecord& t : trips) {
        assert(t.mode < core::mode_count && t.group < core::group_count && t.purpose < core::purpose_count);
        ++split.overall.trips[t.mode];
        ++split.by_group[t.group].trips[t.mode];
        ++split.by_purpose[t.purpose].trips[t.mode];
        const double km = static_cast<double>(t.distance_m) / 1000.0;
        ++split.by_distance[band_of(distance_bands_km, km)].trips[t.mode];
        travel_s[t.mode] += static_cast<std::int64_t>(t.arr_time_s) - t.dep_time_s;
        distance_m[t.mode] += static_cast<double>(t.distance_m);
    }
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        const auto n = static_cast<double>(split.overall.trips[m]);
        split.mean_travel_min[m] =
            n == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(travel_s[m]) / 60.0 / n;
        split.mean_distance_km[m] = n == 0 ? std::numeric_limits<double>::quiet_NaN() : distance_m[m] / 1000.0 / n;
    }

    const auto& g = split.by_group;
    using core::Group;
    const auto row = [&](Group group) { return &g[static_cast<std::size_t>(group)]; };
    SplitRow residents =
        sum_rows("residents (all)", {row(Group::resident), row(Group::resident_worker), row(Group::resident_student)});
    SplitRow workers = sum_rows("workers (all)", {row(Group::resident_worker), row(Group::worker)});
    SplitRow students = sum_rows("students (all)", {row(Group::resident_student), row(Group::student)});
    split.by_group.push_back(std::move(residents));
    split.by_group.push_back(std::move(workers));
    split.by_group.push_back(std::move(students));
    return split;
}

std::string format_modal_split(const ModalSplit& split) {
    std::string out =
        fmt::format("Modal split — {} (seed {}, {} trips)\n\n", split.scenario_name, split.seed, split.overall.total());
    out += "Shares in percent of trips\n";
    append_header(out, "");
    append_row(out, split.overall, "");
    append_section(out, "by group", split.by_group);
    append_section(out, "by purpose", split.by_purpose);
    append_section(out, "by distance", split.by_distance);

    out += "\nMeans by mode (door to door)\n";
    out += fmt::format("{:<{}}", "", name_width);
    for (const std::string_view mode : core::mode_names) out += fmt::format("{:>{}}", mode, mode_width);
    out += '\n';
    out += fmt::format("{:<{}}", "travel time (min)", name_width);
    for (const double v : split.mean_travel_min) out += fmt::format("{:>{}}", mean_cell(v, 1), mode_width);
    out += '\n';
    out += fmt::format("{:<{}}", "distance (km)", name_width);
    for (const double v : split.mean_distance_km) out += fmt::format("{:>{}}", mean_cell(v, 2), mode_width);
    out += "\n\n";

    out += fmt::format("Sustainable share (walk + bike + transit): {:.1f} % — target {:.1f} % — {}\n",
                       100.0 * split.sustainable_share(), 100.0 * split.target, split.target_met() ? "MET" : "MISSED");
    return out;
}

std::string modal_split_json(const ModalSplit& split) {
    core::JsonWriter json;
    json.begin_object();
    json.key("scenario").value(split.scenario_name);
    json.key("seed").value(static_cast<unsigned long long>(split.seed));
    json.key("trips").value(static_cast<long long>(split.overall.total()));
    json.key("target").value(split.target);
    json.key("sustainable_share").value(split.sustainable_share());
    json.key("target_met").value(split.target_met());
    write_shares(json, split.overall);
    json.key("counts").begin_object();
    for (std::size_t m = 0; m < core::mode_count; ++m)
        json.key(core::mode_names[m]).value(static_cast<long long>(split.overall.trips[m]));
    json.end_object();
    write_rows(json, "by_group", split.by_group);
    write_rows(json, "by_purpose", split.by_purpose);
    write_rows(json, "by_distance", split.by_distance);
    write_by_mode(json, "mean_travel_min", split.mean_travel_min);
    write_by_mode(json, "mean_distance_km", split.mean_distance_km);
    json.end_object();
    return json.str() + "\n";
}

}  // namespace flemsim::report
