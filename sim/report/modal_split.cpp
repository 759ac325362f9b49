#include "sim/report/modal_split.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <map>
#include <numeric>
#include <string_view>

#include "sim/core/json.hpp"
#include "sim/report/check_these.hpp"

namespace flemsim::report {

using core::Mode;

namespace {

// The q-quantile of sorted values, linear between the order statistics at q (n - 1) (numpy's
// default); NaN when there are none.
double quantile(const std::vector<std::int32_t>& sorted, double q) {
    if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
    const double at = q * static_cast<double>(sorted.size() - 1);
    const auto lo = static_cast<std::size_t>(at);
    const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
    return sorted[lo] + (at - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

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

void write_crowding(core::JsonWriter& json, const Crowding& crowding) {
    json.key("crowding").begin_object();
    json.key("boardings").value(static_cast<unsigned long long>(crowding.boardings));
    json.key("denied_boardings").value(static_cast<unsigned long long>(crowding.denied_boardings));
    json.key("gave_up").value(static_cast<unsigned long long>(crowding.gave_up));
    json.key("gave_up_waiting").value(static_cast<unsigned long long>(crowding.gave_up_waiting));
    json.key("segments_over_seated").value(static_cast<unsigned long long>(crowding.segments_over_seated));
    json.key("segments_full").value(static_cast<unsigned long long>(crowding.segments_full));
    json.key("most_crowded").begin_array();
    for (const CrowdedSegment& c : crowding.most_crowded) {
        json.begin_object();
        json.key("line").value(c.line);
        json.key("hour").value(static_cast<long long>(c.hour));
        json.key("vehicle_trips").value(static_cast<unsigned long long>(c.vehicle_trips));
        json.key("segments_over_seated").value(static_cast<unsigned long long>(c.segments_over_seated));
        json.key("from_stop").value(c.from_stop);
        json.key("to_stop").value(c.to_stop);
        json.key("depart_s").value(static_cast<long long>(c.depart_s));
        json.key("onboard").value(static_cast<unsigned long long>(c.onboard));
        json.key("capacity").value(static_cast<unsigned long long>(c.capacity));
        json.key("load_factor").value(c.load_factor);
        json.end_object();
    }
    json.end_array();
    json.key("by_line").begin_array();
    for (const LineUse& u : crowding.by_line) {
        json.begin_object();
        json.key("line").value(u.line);
        json.key("boardings").value(static_cast<unsigned long long>(u.boardings));
        json.key("denied").value(static_cast<unsigned long long>(u.denied));
        json.key("gave_up").value(static_cast<unsigned long long>(u.gave_up));
        json.key("peak_load_factor").value(u.peak_load_factor);
        json.end_object();
    }
    json.end_array();
    json.end_object();
}

// Every IterationRecord field by its name; a NaN mean (a mode without trips) is null.
void write_lots(core::JsonWriter& json, const std::vector<LotUse>& lots) {
    json.key("lots").begin_array();
    for (const LotUse& l : lots) {
        json.begin_object();
        json.key("stop").value(l.stop);
        json.key("kind").value(l.kind == core::access_park_and_ride ? "car" : "bike");
        json.key("spaces").value(static_cast<unsigned long long>(l.spaces));
        json.key("arrivals").value(static_cast<unsigned long long>(l.arrivals));
        json.key("peak").value(static_cast<unsigned long long>(l.peak));
        json.key("over_capacity").value(static_cast<unsigned long long>(l.over_capacity));
        if (l.full_from_s < 0)
            json.key("full_from_s").null();
        else
            json.key("full_from_s").value(static_cast<long long>(l.full_from_s));
        json.end_object();
    }
    json.end_array();
}

void write_iterations(core::JsonWriter& json, const std::vector<core::IterationRecord>& iterations) {
    const auto count = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
    json.key("iterations").begin_array();
    for (const core::IterationRecord& it : iterations) {
        json.begin_object();
        json.key("iteration").value(count(it.iteration));
        json.key("trips").value(count(it.trips));
        json.key("share_walk").value(it.share_walk);
        json.key("share_bike").value(it.share_bike);
        json.key("share_transit").value(it.share_transit);
        json.key("share_car").value(it.share_car);
        json.key("sustainable_share").value(it.sustainable_share);
        json.key("mean_min_walk").value(it.mean_min_walk);
        json.key("mean_min_bike").value(it.mean_min_bike);
        json.key("mean_min_transit").value(it.mean_min_transit);
        json.key("mean_min_car").value(it.mean_min_car);
        json.key("replanning_share").value(it.replanning_share);
        json.key("switched_share").value(it.switched_share);
        json.key("gap_util").value(it.gap_util);
        json.key("relative_gap").value(it.relative_gap);
        json.key("denied_boardings").value(count(it.denied_boardings));
        json.key("stuck_trips").value(count(it.stuck_trips));
        json.key("converged").value(count(it.converged));
        json.key("gave_up_trips").value(count(it.gave_up_trips));
        json.key("travel_time_gap").value(it.travel_time_gap);
        json.key("share_change").value(it.share_change);
        json.end_object();
    }
    json.end_array();
    if (iterations.empty()) return;
    const core::IterationRecord& last = iterations.back();
    json.key("loop").begin_object();
    json.key("status").value(last.converged == 1 ? "converged" : "day_limit");
    json.key("days").value(static_cast<unsigned long long>(iterations.size()));
    json.key("travel_time_gap").value(last.travel_time_gap);
    json.key("share_change").value(last.share_change);
    json.end_object();
}

// The name at `index`, or the number as text when there is none.
std::string name_at(const std::vector<std::string>& names, std::int32_t index) {
    if (index >= 0 && static_cast<std::size_t>(index) < names.size()) return names[static_cast<std::size_t>(index)];
    return std::to_string(index);
}

double load_factor(const core::TransitLoadRecord& r) {
    return r.capacity == 0 ? 0.0 : static_cast<double>(r.onboard) / static_cast<double>(r.capacity);
}

// Load factor a strictly above b, compared exactly (32-bit counts: the products fit 64
// bits); capacity 0 counts as load 0.
bool more_crowded(const core::TransitLoadRecord& a, const core::TransitLoadRecord& b) {
    const std::uint64_t a_on = a.capacity == 0 ? 0 : a.onboard, a_cap = a.capacity == 0 ? 1 : a.capacity;
    const std::uint64_t b_on = b.capacity == 0 ? 0 : b.onboard, b_cap = b.capacity == 0 ? 1 : b.capacity;
    return a_on * b_cap > b_on * a_cap;
}

// The length of UTF-8 text in code points (what a terminal shows for the names we have).
std::size_t code_points(std::string_view text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string pad_right(std::string_view text, std::size_t width) {
    const std::size_t n = code_points(text);
    return std::string(text) + std::string(width > n ? width - n : 0, ' ');
}

// Seconds after midnight as HH:MM; past midnight the hours go on (25:10).
std::string clock_time(std::int32_t s) {
    const std::int64_t v = s;
    const std::int64_t a = v < 0 ? -v : v;
    return fmt::format("{}{:02}:{:02}", v < 0 ? "-" : "", a / 3600, a % 3600 / 60);
}

// A percentage with one decimal of a share in [0, 1]; "-" for NaN.
std::string percent_or_dash(double share) {
    return std::isfinite(share) ? fmt::format("{:.1f}", 100.0 * share) : std::string("-");
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

std::vector<SplitRow> split_by_distance(const std::vector<core::TripRecord>& trips,
                                        const std::vector<float>& km_of_trip, const std::vector<double>& limits_km) {
    assert(km_of_trip.size() == trips.size());
    auto rows = distance_rows(limits_km);
    for (std::size_t t = 0; t < trips.size(); ++t) ++rows[band_of(limits_km, km_of_trip[t])].trips[trips[t].mode];
    return rows;
}

ModalSplit compute_modal_split(const std::vector<core::TripRecord>& trips, const std::vector<double>& distance_bands_km,
                               double target, const std::vector<std::uint8_t>& gateway_zone) {
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
    // the same trips give the same means. Stuck trips (not ended by the end of a simulated
    // day) count in the shares but not in the means, which they would only inflate.
    double access_egress_s = 0, gave_up_walk_s = 0, wait_s = 0, in_vehicle_s = 0;
    std::array<double, 2> end_walk_s{};
    std::array<std::uint64_t, 2> ends{};
    const auto end_kind = [&](std::uint32_t zone) {
        return zone < gateway_zone.size() && gateway_zone[zone] != 0 ? 1 : 0;
    };
    std::array<double, core::mode_count> distance_m{};
    std::array<std::vector<std::int32_t>, core::mode_count> durations_s;  // of trips that ended, by mode
    for (const core::TripRecord& t : trips) {
        assert(t.mode < core::mode_count && t.group < core::group_count && t.purpose < core::purpose_count);
        ++split.overall.trips[t.mode];
        ++split.by_group[t.group].trips[t.mode];
        ++split.by_purpose[t.purpose].trips[t.mode];
        const double km = static_cast<double>(t.distance_m) / 1000.0;
        ++split.by_distance[band_of(distance_bands_km, km)].trips[t.mode];
        if (t.stuck) continue;
        durations_s[t.mode].push_back(t.arr_time_s - t.dep_time_s);
        if (t.mode == index_of(Mode::transit)) {
            ++split.transit_trips;
            if (t.gave_up) {
                ++split.transit_gave_up_trips;
                gave_up_walk_s += static_cast<double>(t.access_s) + t.egress_s;
            } else {
                access_egress_s += static_cast<double>(t.access_s) + t.egress_s;
                end_walk_s[end_kind(t.origin_zone)] += t.access_s;
                ++ends[end_kind(t.origin_zone)];
                end_walk_s[end_kind(t.dest_zone)] += t.egress_s;
                ++ends[end_kind(t.dest_zone)];
            }
            wait_s += t.wait_s;
            in_vehicle_s += t.in_vehicle_s;
            split.transit_wait_over_30 += t.wait_s > 1800;
            split.transit_wait_over_60 += t.wait_s > 3600;
            split.transit_park_and_ride += t.transit_access == core::access_park_and_ride;
            split.transit_bike_and_ride += t.transit_access == core::access_bike_and_ride;
        }
        distance_m[t.mode] += static_cast<double>(t.distance_m);
    }
    {
        const auto n = static_cast<double>(split.transit_trips);
        const double nan = std::numeric_limits<double>::quiet_NaN();
        const auto walked = n - static_cast<double>(split.transit_gave_up_trips);
        split.transit_access_egress_min = walked <= 0 ? nan : access_egress_s / 60.0 / walked;
        if (!gateway_zone.empty())
            for (std::size_t k = 0; k < 2; ++k)
                split.transit_end_walk_min[k] =
                    ends[k] == 0 ? nan : end_walk_s[k] / 60.0 / static_cast<double>(ends[k]);
        split.transit_gave_up_walk_min =
            split.transit_gave_up_trips == 0 ? nan : gave_up_walk_s / 60.0 / split.transit_gave_up_trips;
        split.transit_wait_min = n == 0 ? nan : wait_s / 60.0 / n;
        split.transit_in_vehicle_min = n == 0 ? nan : in_vehicle_s / 60.0 / n;
    }
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        const auto n = static_cast<double>(durations_s[m].size());
        const auto travel_s = std::accumulate(durations_s[m].begin(), durations_s[m].end(), std::int64_t{0});
        split.mean_travel_min[m] =
            n == 0 ? std::numeric_limits<double>::quiet_NaN() : static_cast<double>(travel_s) / 60.0 / n;
        split.mean_distance_km[m] = n == 0 ? std::numeric_limits<double>::quiet_NaN() : distance_m[m] / 1000.0 / n;
        auto& d = durations_s[m];
        std::sort(d.begin(), d.end());
        split.median_travel_min[m] = quantile(d, 0.5) / 60.0;
        split.p90_travel_min[m] = quantile(d, 0.9) / 60.0;
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
    std::string out = fmt::format("Modal split — {}{} (seed {}, {} trips{})\n\n", split.scenario_name,
                                  title_suffix(split.overrides, split.packages), split.seed, split.overall.total(),
                                  split.run == "simulated" ? ", simulated day"
                                  : split.run == "static"  ? ", static level of service"
                                                           : "");
    out += "Shares in percent of trips\n";
    append_header(out, "");
    append_row(out, split.overall, "");
    append_section(out, "by group", split.by_group);
    append_section(out, "by purpose", split.by_purpose);
    append_section(out, "by distance", split.by_distance);

    out += "\nBy mode, door to door (means; median and 90th percentile of travel time)\n";
    out += fmt::format("{:<{}}", "", name_width);
    for (const std::string_view mode : core::mode_names) out += fmt::format("{:>{}}", mode, mode_width);
    out += '\n';
    out += fmt::format("{:<{}}", "travel time (min)", name_width);
    for (const double v : split.mean_travel_min) out += fmt::format("{:>{}}", mean_cell(v, 1), mode_width);
    out += '\n';
    out += fmt::format("{:<{}}", "median (min)", name_width);
    for (const double v : split.median_travel_min) out += fmt::format("{:>{}}", mean_cell(v, 1), mode_width);
    out += '\n';
    out += fmt::format("{:<{}}", "90th pct (min)", name_width);
    for (const double v : split.p90_travel_min) out += fmt::format("{:>{}}", mean_cell(v, 1), mode_width);
    out += '\n';
    out += fmt::format("{:<{}}", "distance (km)", name_width);
    for (const double v : split.mean_distance_km) out += fmt::format("{:>{}}", mean_cell(v, 2), mode_width);
    out += "\n\n";
    if (split.transit_trips > 0)
        out += fmt::format(
            "Transit trips: {} — per trip {} min access and egress walk{}, {} min waiting, {} min on board; "
            "{} waited over 30 min, {} over 60 min; {} park-and-ride, {} bike-and-ride{}\n\n",
            split.transit_trips, mean_cell(split.transit_access_egress_min, 1),
            std::isnan(split.transit_end_walk_min[0]) && std::isnan(split.transit_end_walk_min[1])
                ? std::string()
                : fmt::format(" (per trip end: {} min in the study area, {} min in a gateway zone)",
                              mean_cell(split.transit_end_walk_min[0], 1), mean_cell(split.transit_end_walk_min[1], 1)),
            mean_cell(split.transit_wait_min, 1), mean_cell(split.transit_in_vehicle_min, 1),
            split.transit_wait_over_30, split.transit_wait_over_60, split.transit_park_and_ride,
            split.transit_bike_and_ride,
            split.transit_gave_up_trips == 0
                ? std::string()
                : fmt::format("; {} gave up at a stop and walked on {} min (not counted as access and egress)",
                              split.transit_gave_up_trips, mean_cell(split.transit_gave_up_walk_min, 1)));

    out += fmt::format("Sustainable share (walk + bike + transit): {:.1f} % — target {:.1f} % — {}\n",
                       100.0 * split.sustainable_share(), 100.0 * split.target, split.target_met() ? "MET" : "MISSED");
    return out;
}

Crowding compute_crowding(const std::vector<core::TransitLoadRecord>& load, const std::vector<std::string>& line_names,
                          const std::vector<std::string>& stop_names, std::size_t top_n) {
    Crowding crowding;
    for (const core::TransitLoadRecord& r : load) {
        crowding.boardings += r.boardings;
        crowding.denied_boardings += r.denied;
        crowding.gave_up += r.gave_up;
        if (r.onboard > r.seated) ++crowding.segments_over_seated;
        if (r.capacity > 0 && r.onboard >= r.capacity) ++crowding.segments_full;
    }
    // Per line, in line order.
    std::vector<std::int32_t> lines;
    for (const core::TransitLoadRecord& r : load) lines.push_back(r.line);
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    crowding.by_line.resize(lines.size());
    for (std::size_t i = 0; i < lines.size(); ++i) crowding.by_line[i].line = name_at(line_names, lines[i]);
    for (const core::TransitLoadRecord& r : load) {
        auto& u = crowding.by_line[static_cast<std::size_t>(std::lower_bound(lines.begin(), lines.end(), r.line) -
                                                            lines.begin())];
        u.boardings += r.boardings;
        u.denied += r.denied;
        u.gave_up += r.gave_up;
        u.peak_load_factor = std::max(u.peak_load_factor, load_factor(r));
    }

    // Most crowded first; ties in (vehicle_trip, segment) order, so the list does not depend
    // on the order of `load`.
    const auto before = [&](std::size_t i, std::size_t j) {
        const core::TransitLoadRecord& a = load[i];
        const core::TransitLoadRecord& b = load[j];
        if (more_crowded(a, b)) return true;
        if (more_crowded(b, a)) return false;
        if (a.vehicle_trip != b.vehicle_trip) return a.vehicle_trip < b.vehicle_trip;
        if (a.segment != b.segment) return a.segment < b.segment;
        return i < j;
    };
    // Per line and hour: the most crowded segment, the vehicle trips, the segments with standing.
    struct Cell {
        std::size_t best = 0;
        std::vector<std::uint32_t> trips;
        std::uint32_t over_seated = 0;
    };
    std::map<std::pair<std::int32_t, std::int32_t>, Cell> cells;
    for (std::size_t i = 0; i < load.size(); ++i) {
        const auto& r = load[i];
        const auto key = std::pair{r.line, r.depart_s >= 0 ? r.depart_s / 3600 : -1};
        auto [it, fresh] = cells.try_emplace(key);
        Cell& c = it->second;
        if (fresh || before(i, c.best)) c.best = i;
        c.trips.push_back(r.vehicle_trip);
        if (r.onboard > r.seated) ++c.over_seated;
    }
    std::vector<std::pair<std::int32_t, Cell*>> ranked;  // hour, cell
    for (auto& [key, cell] : cells) {
        std::sort(cell.trips.begin(), cell.trips.end());
        cell.trips.erase(std::unique(cell.trips.begin(), cell.trips.end()), cell.trips.end());
        ranked.emplace_back(key.second, &cell);
    }
    std::sort(ranked.begin(), ranked.end(),
              [&](const auto& x, const auto& y) { return before(x.second->best, y.second->best); });
    const std::size_t n = std::min(top_n, ranked.size());
    crowding.most_crowded.reserve(n);
    for (std::size_t k = 0; k < n; ++k) {
        const Cell& c = *ranked[k].second;
        const core::TransitLoadRecord& r = load[c.best];
        CrowdedSegment row{name_at(line_names, r.line),
                           ranked[k].first,
                           name_at(stop_names, r.from_stop),
                           name_at(stop_names, r.to_stop),
                           r.depart_s,
                           r.onboard,
                           r.capacity,
                           load_factor(r),
                           static_cast<std::uint32_t>(c.trips.size()),
                           c.over_seated};
        crowding.most_crowded.push_back(std::move(row));
    }
    return crowding;
}

void count_gave_up_waiting(Crowding& crowding, const std::vector<core::TripRecord>& trips) {
    std::uint64_t all = 0;
    for (const core::TripRecord& t : trips) all += t.gave_up;
    crowding.gave_up_waiting = all > crowding.gave_up ? all - crowding.gave_up : 0;
}

void add_lots(Crowding& crowding, const std::vector<core::LotRecord>& lots,
              const std::vector<std::string>& stop_names) {
    std::vector<const core::LotRecord*> used;
    for (const core::LotRecord& r : lots)
        if (r.arrivals > 0) used.push_back(&r);
    // Car parks (kind 2) before bike parks (1); by name, then number, so that the order does
    // not depend on the order of the rows.
    std::sort(used.begin(), used.end(), [&](const core::LotRecord* a, const core::LotRecord* b) {
        if (a->kind != b->kind) return a->kind > b->kind;
        const std::string na = name_at(stop_names, a->stop), nb = name_at(stop_names, b->stop);
        if (na != nb) return na < nb;
        return a->stop < b->stop;
    });
    crowding.lots.clear();
    for (const core::LotRecord* r : used)
        crowding.lots.push_back(
            {name_at(stop_names, r->stop), r->kind, r->spaces, r->arrivals, r->peak, r->over_capacity, r->full_from_s});
}

namespace {

std::string_view lot_kind_name(std::uint8_t kind) {
    return kind == core::access_park_and_ride ? "car" : kind == core::access_bike_and_ride ? "bike" : "?";
}

// The table of lots that had arrivals; nothing without any.
std::string format_lots(const std::vector<LotUse>& lots) {
    if (lots.empty()) return {};
    std::size_t stop_width = code_points("stop");
    for (const LotUse& l : lots) stop_width = std::max(stop_width, code_points(l.stop));
    std::string out = "Park-and-ride and bike-and-ride\n";
    out += "  " + pad_right("stop", stop_width) +
           fmt::format("  {:<4}  {:>6}  {:>8}  {:>6}  {:>13}  {:>9}\n", "kind", "spaces", "arrivals", "peak",
                       "over capacity", "full from");
    for (const LotUse& l : lots)
        out += "  " + pad_right(l.stop, stop_width) +
               fmt::format("  {:<4}  {:>6}  {:>8}  {:>6}  {:>13}  {:>9}\n", lot_kind_name(l.kind), l.spaces, l.arrivals,
                           l.peak, l.over_capacity, l.full_from_s < 0 ? std::string("-") : clock_time(l.full_from_s));
    return out;
}

std::string format_crowding_only(const Crowding& crowding) {
    const std::uint64_t attempts = crowding.boardings + crowding.denied_boardings;
    const double denied_share =
        attempts == 0 ? 0.0 : static_cast<double>(crowding.denied_boardings) / static_cast<double>(attempts);
    std::string out = fmt::format(
        "Transit crowding: {} boardings, {} denied boardings ({:.1f} % of boarding attempts), {} segments with "
        "standing passengers, {} segments full\n",
        crowding.boardings, crowding.denied_boardings, 100.0 * denied_share, crowding.segments_over_seated,
        crowding.segments_full);
    if (crowding.gave_up + crowding.gave_up_waiting > 0)
        out += fmt::format(
            "Gave up transit at a stop: {} trips, {} after the limit of denied boardings, {} after waiting "
            "max_wait_s in all (walked on, or a taxi beyond the walk range)\n",
            crowding.gave_up + crowding.gave_up_waiting, crowding.gave_up, crowding.gave_up_waiting);
    if (crowding.most_crowded.empty()) return out + "  no transit segments\n";

    std::size_t name_width = code_points("line");
    for (const LineUse& u : crowding.by_line) name_width = std::max(name_width, code_points(u.line));
    out += "By line\n";
    out += "  " + pad_right("line", name_width) +
           fmt::format("  {:>10}  {:>8}  {:>8}  {:>14}\n", "boardings", "denied", "gave up", "peak load %");
    for (const LineUse& u : crowding.by_line)
        out += "  " + pad_right(u.line, name_width) +
               fmt::format("  {:>10}  {:>8}  {:>8}  {:>14.1f}\n", u.boardings, u.denied, u.gave_up,
                           100.0 * u.peak_load_factor);
    out += "  (gave up: after denied boardings; riders who gave up after waiting count in the day's total)\n";

    // The name columns are as wide as their longest entry, so long stop names keep the table
    // aligned.
    const auto stops = [](const CrowdedSegment& c) { return c.from_stop + " → " + c.to_stop; };
    std::size_t line_width = code_points("line");
    std::size_t stops_width = code_points("most crowded: from → to");
    for (const CrowdedSegment& c : crowding.most_crowded) {
        line_width = std::max(line_width, code_points(c.line));
        stops_width = std::max(stops_width, code_points(stops(c)));
    }
    const auto row = [&](std::string_view line, std::string_view rest1, std::string_view from_to,
                         std::string_view rest2) {
        return "  " + pad_right(line, line_width) + std::string(rest1) + "  " + pad_right(from_to, stops_width) +
               std::string(rest2) + "\n";
    };
    out += "Most crowded lines by hour (each line and hour once: its most crowded segment)\n";
    out += row("line", fmt::format("  {:>11}  {:>5}  {:>8}", "hour", "trips", "standing"), "most crowded: from → to",
               fmt::format("  {:>5}  {:>19}  {:>6}", "dep", "on board / capacity", "load %"));
    for (const CrowdedSegment& c : crowding.most_crowded)
        out += row(c.line,
                   fmt::format("  {:>11}  {:>5}  {:>8}",
                               c.hour < 0 ? std::string("-") : fmt::format("{:02}:00-{:02}:00", c.hour, c.hour + 1),
                               c.vehicle_trips, c.segments_over_seated),
                   stops(c),
                   fmt::format("  {:>5}  {:>19}  {:>6.1f}", clock_time(c.depart_s),
                               fmt::format("{} / {}", c.onboard, c.capacity), 100.0 * c.load_factor));
    out +=
        "  (trips: the line's vehicle trips leaving a stop in that hour; standing: their segments with more on board "
        "than seats)\n";
    return out;
}

}  // namespace

std::string format_crowding(const Crowding& crowding) {
    return format_crowding_only(crowding) + format_lots(crowding.lots);
}

std::string format_iterations(const std::vector<core::IterationRecord>& iterations) {
    // Right-aligned columns, two wider than their header and at least 8 wide ("100.0" fits
    // with room to spare).
    static constexpr std::array<std::string_view, 19> headers = {
        "iteration", "walk",        "bike",    "transit",    "car",      "sustainable", "min walk",
        "min bike",  "min transit", "min car", "replanning", "switched", "gap (util)",  "relative gap",
        "tt gap",    "share chg",   "denied",  "gave up",    "stuck"};
    const auto width = [](std::string_view header) {
        return static_cast<int>(std::max<std::size_t>(header.size(), 6)) + 2;
    };
    std::string out =
        "Iterations (shares, sustainable, replanning, switched and tt gap in %; min: mean minutes door to door;\n"
        "tt gap: the car trips' relative travel-time gap; share chg: the largest change of a mode share, points)\n";
    for (const std::string_view h : headers) out += fmt::format("{:>{}}", h, width(h));
    out += '\n';
    for (const core::IterationRecord& it : iterations) {
        const std::array<std::string, headers.size()> cells = {
            std::to_string(it.iteration),
            percent_or_dash(it.share_walk),
            percent_or_dash(it.share_bike),
            percent_or_dash(it.share_transit),
            percent_or_dash(it.share_car),
            percent_or_dash(it.sustainable_share),
            mean_cell(it.mean_min_walk, 1),
            mean_cell(it.mean_min_bike, 1),
            mean_cell(it.mean_min_transit, 1),
            mean_cell(it.mean_min_car, 1),
            percent_or_dash(it.replanning_share),
            percent_or_dash(it.switched_share),
            mean_cell(it.gap_util, 4),
            mean_cell(it.relative_gap, 5),
            fmt::format("{:.2f}", 100 * it.travel_time_gap),
            it.iteration == 0 ? std::string("-") : fmt::format("{:.2f}", 100 * it.share_change),
            std::to_string(it.denied_boardings),
            std::to_string(it.gave_up_trips),
            std::to_string(it.stuck_trips),
        };
        for (std::size_t k = 0; k < headers.size(); ++k) out += fmt::format("{:>{}}", cells[k], width(headers[k]));
        if (it.converged == 1) out += "  converged";
        out += '\n';
    }
    out += iterations.empty() ? "  no iterations\n" : "Loop " + loop_verdict(iterations) + "\n";
    return out;
}

std::string loop_verdict(const std::vector<core::IterationRecord>& iterations) {
    if (iterations.empty()) return {};
    const core::IterationRecord& last = iterations.back();
    const std::string gap = fmt::format("travel-time gap {:.2f} %, largest share change {:.2f} points",
                                        100 * last.travel_time_gap, 100 * last.share_change);
    return last.converged == 1
               ? fmt::format("converged after {} days: {}", iterations.size(), gap)
               : fmt::format("stopped at the day limit ({} days) with {}: not converged", iterations.size(), gap);
}

std::string title_suffix(const std::vector<std::string>& overrides, const std::vector<std::string>& packages) {
    std::string out;
    for (const auto& p : packages) out += (out.empty() ? " (package: " : " + ") + p;
    if (!out.empty()) out += ")";
    bool first = true;
    for (const auto& o : overrides) {
        out += (first ? " with --set " : ", ") + o;
        first = false;
    }
    return out;
}

std::string modal_split_json(const ModalSplit& split, const Crowding* crowding,
                             const std::vector<core::IterationRecord>* iterations, const CheckThese* check) {
    core::JsonWriter json;
    json.begin_object();
    json.key("scenario").value(split.scenario_name);
    json.key("seed").value(static_cast<unsigned long long>(split.seed));
    if (!split.run.empty()) json.key("run").value(split.run);
    json.key("overrides").begin_array();
    for (const auto& o : split.overrides) json.value(o);
    json.end_array();
    json.key("packages").begin_array();
    for (const auto& p : split.packages) json.value(p);
    json.end_array();
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
    write_by_mode(json, "median_travel_min", split.median_travel_min);
    write_by_mode(json, "p90_travel_min", split.p90_travel_min);
    write_by_mode(json, "mean_distance_km", split.mean_distance_km);
    json.key("transit_trips").begin_object();
    json.key("count").value(static_cast<unsigned long long>(split.transit_trips));
    const auto number_or_null = [&](const char* key, double v) {
        if (std::isnan(v))
            json.key(key).null();
        else
            json.key(key).value(v);
    };
    number_or_null("access_egress_walk_min", split.transit_access_egress_min);
    number_or_null("end_walk_min_study_area", split.transit_end_walk_min[0]);
    number_or_null("end_walk_min_gateway", split.transit_end_walk_min[1]);
    json.key("gave_up_trips").value(static_cast<unsigned long long>(split.transit_gave_up_trips));
    number_or_null("gave_up_walk_min", split.transit_gave_up_walk_min);
    number_or_null("wait_min", split.transit_wait_min);
    number_or_null("in_vehicle_min", split.transit_in_vehicle_min);
    json.key("waited_over_30_min").value(static_cast<unsigned long long>(split.transit_wait_over_30));
    json.key("waited_over_60_min").value(static_cast<unsigned long long>(split.transit_wait_over_60));
    json.key("park_and_ride_trips").value(static_cast<unsigned long long>(split.transit_park_and_ride));
    json.key("bike_and_ride_trips").value(static_cast<unsigned long long>(split.transit_bike_and_ride));
    json.end_object();
    if (crowding != nullptr) {
        write_crowding(json, *crowding);
        write_lots(json, crowding->lots);
    }
    if (iterations != nullptr) write_iterations(json, *iterations);
    if (check != nullptr) write_check_these(json, *check);
    json.end_object();
    return json.str() + "\n";
}

}  // namespace flemsim::report
