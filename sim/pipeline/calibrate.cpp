#include "sim/pipeline/calibrate.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "sim/core/error.hpp"
#include "sim/core/text.hpp"
#include "sim/pipeline/run.hpp"

namespace flemsim::pipeline {

namespace {

constexpr std::size_t car = static_cast<std::size_t>(core::Mode::car);

std::string number(double v) {
    return fmt::format("{:.4f}", std::abs(v) < 5e-5 ? 0.0 : v);
}

// A share of zero would make ln(target / share) infinite: nudge it.
double safe(double share) {
    return std::max(share, 1e-4);
}

// The move of the constants that brings `shares` to `targets`, car the reference. A mode
// targeted at (about) 0 stops moving once it is within the tolerance: ln(target / share)
// would push its constant down without end.
std::array<double, core::mode_count> move_to(const std::array<double, core::mode_count>& targets,
                                             const std::array<double, core::mode_count>& shares, double tolerance) {
    std::array<double, core::mode_count> d{};
    const double car_ratio = std::log(safe(targets[car]) / safe(shares[car]));
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        if (m == car) continue;
        if (targets[m] < tolerance && shares[m] <= targets[m] + tolerance) continue;
        d[m] = std::log(safe(targets[m]) / safe(shares[m])) - car_ratio;
    }
    return d;
}

std::array<double, core::mode_count> shares_of(const report::SplitRow& row) {
    std::array<double, core::mode_count> s{};
    for (std::size_t m = 0; m < core::mode_count; ++m) s[m] = row.share(static_cast<core::Mode>(m));
    return s;
}

// ln(share of m / share of car) of a row: what a constant of m relative to car's moves.
std::array<double, core::mode_count> log_ratios(const std::array<double, core::mode_count>& shares) {
    std::array<double, core::mode_count> r{};
    for (std::size_t m = 0; m < core::mode_count; ++m) r[m] = std::log(safe(shares[m]) / safe(shares[car]));
    return r;
}

// The step ln(target / share) assumes a constant moves its log share ratio one for one, which
// holds for a mode with a small share among those who can choose it. Near a mode's ceiling (car
// where many have none, transit for the captive) the ratio moves much less, and the plain step
// would need dozens of rounds. So each cell remembers how far its last step moved the ratio (the
// gain, a secant slope) and divides the next step by it, the gain kept within [0.2, 1]: never a
// larger step than five times the plain one, never a smaller one.
class StepGain {
public:
    explicit StepGain(std::size_t cells) : m_gain(cells, 1.0), m_step(cells, 0.0), m_ratio(cells, 0.0) {}
    // The step for cell i, whose log ratio is now `ratio` and should be `ratio + plain`.
    double step(std::size_t i, double ratio, double plain) {
        if (std::abs(m_step[i]) > 0.02) {  // a step too small says nothing through the noise
            const double gain = (ratio - m_ratio[i]) / m_step[i];
            if (std::isfinite(gain)) m_gain[i] = std::clamp(gain, 0.2, 1.0);
        }
        m_ratio[i] = ratio;
        m_step[i] = plain / m_gain[i];
        return m_step[i];
    }

private:
    std::vector<double> m_gain, m_step, m_ratio;
};

}  // namespace

std::string fit_table(const CalibrationRound& round) {
    std::string out =
        fmt::format("{:<22} {:<8} {:>7} {:>7} {:>7} {:>9}\n", "segment", "mode", "target", "model", "diff", "trips");
    for (const auto& c : round.cells)
        out += fmt::format("{:<22} {:<8} {:>7.3f} {:>7.3f} {:>+7.3f} {:>9}\n", c.segment,
                           core::mode_names[static_cast<std::size_t>(c.mode)], c.target, c.share, c.share - c.target,
                           c.trips);
    return out;
}

CalibrationResult calibrate(const std::filesystem::path& scenario_file, const std::vector<std::string>& overrides,
                            int threads, const std::function<void(const std::string&)>& progress) {
    scenario::LoadOptions lo;
    lo.overrides = overrides;
    const auto first = scenario::load_scenario(scenario_file, lo);
    const auto& k = first.calibration;
    if (!k.given)
        throw core::InputError({scenario_file.string(), 0, 0}, "calibration: no targets in the scenario",
                               "add calibration.targets with the shares of walk, bike, transit and car, or "
                               "calibration.by_distance_band");
    const auto& bands = k.by_distance_band;
    if (k.targets_given && bands.given())
        throw core::InputError(bands.pos,
                               "calibration: give either targets or by_distance_band: the bands' shares make the "
                               "overall split");
    CalibrationResult out;
    out.asc = first.mode_choice.asc;
    out.asc_by_group = first.mode_choice.asc_by_group;
    if (bands.given()) {
        // Start from the scenario's band constants where they are on the same bands.
        const auto& given = first.mode_choice.asc_by_distance_band;
        out.asc_by_distance_band.bands_km = bands.bands_km;
        out.asc_by_distance_band.rows.assign(bands.rows.size(), {});
        if (given.given() && given.bands_km == bands.bands_km) out.asc_by_distance_band.rows = given.rows;
        // Every tour is in one band, so the overall constants add nothing the bands' do not:
        // they move into the bands (the same utilities) and stay 0.
        for (auto& row : out.asc_by_distance_band.rows)
            for (std::size_t m = 0; m < core::mode_count; ++m) row[m] += out.asc[m] - out.asc[car];
        out.asc.fill(0.0);
    }
    StepGain band_gain(bands.rows.size() * core::mode_count);
    for (int round = 1; round <= k.max_rounds; ++round) {
        // The scenario with the current constants.
        auto lo_round = lo;
        for (std::size_t m = 0; m < core::mode_count; ++m) {
            lo_round.overrides.push_back("mode_choice.asc." + std::string(core::mode_names[m]) + "=" +
                                         number(out.asc[m]));
            for (std::size_t g = 0; g < core::group_count; ++g)
                lo_round.overrides.push_back("mode_choice.asc_by_group." + std::string(core::group_names[g]) + "." +
                                             std::string(core::mode_names[m]) + "=" + number(out.asc_by_group[g][m]));
        }
        auto s = scenario::load_scenario(scenario_file, lo_round);
        if (bands.given()) {
            s.mode_choice.asc_by_distance_band = out.asc_by_distance_band;
            s.report.distance_bands_km = bands.bands_km;  // the split by the calibration's bands
        }
        RunOptions ro;
        ro.write_outputs = false;
        ro.threads = threads;
        const auto r = pipeline::run(s, ro);
        CalibrationRound cr;
        cr.round = round;
        cr.shares = shares_of(r.split.overall);
        const auto add_cells = [&](const std::string& segment, const std::array<double, core::mode_count>& targets,
                                   const report::SplitRow& row) {
            for (std::size_t m = 0; m < core::mode_count; ++m) {
                const CalibrationCell c{segment, static_cast<core::Mode>(m), targets[m],
                                        row.share(static_cast<core::Mode>(m)), row.total()};
                cr.worst = std::max(cr.worst, std::abs(c.share - c.target));
                cr.cells.push_back(c);
            }
        };
        if (k.targets_given) add_cells("overall", k.targets, r.split.overall);
        for (std::size_t g = 0; g < core::group_count; ++g)
            if (k.by_group_given[g]) add_cells(std::string(core::group_names[g]), k.by_group[g], r.split.by_group[g]);
        for (std::size_t b = 0; b < bands.rows.size(); ++b)
            add_cells(bands.band_name(b), bands.rows[b], r.by_tour_distance[b]);
        out.rounds.push_back(cr);
        if (progress)
            progress(fmt::format("round {}: walk {:.3f} bike {:.3f} transit {:.3f} car {:.3f} (worst cell {:.4f})",
                                 round, cr.shares[0], cr.shares[1], cr.shares[2], cr.shares[3], cr.worst));
        if (cr.worst <= k.tolerance) {
            out.reached = true;
            break;
        }
        if (round == k.max_rounds) break;
        // The overall constants, or the band constants; what they move for everyone the group
        // adjustments need not (their share-weighted mean, for bands).
        std::array<double, core::mode_count> common{};
        if (k.targets_given) {
            common = move_to(k.targets, cr.shares, k.tolerance);
            for (std::size_t m = 0; m < core::mode_count; ++m) out.asc[m] += common[m];
        }
        const double all_trips = static_cast<double>(r.split.overall.total());
        for (std::size_t b = 0; b < bands.rows.size(); ++b) {
            const auto& row = r.by_tour_distance[b];
            if (row.total() == 0) continue;  // no trips in the band: nothing to fit
            auto d = move_to(bands.rows[b], shares_of(row), k.tolerance);
            const auto ratio = log_ratios(shares_of(row));
            for (std::size_t m = 0; m < core::mode_count; ++m)
                if (m != car && d[m] != 0) d[m] = band_gain.step(b * core::mode_count + m, ratio[m], d[m]);
            for (std::size_t m = 0; m < core::mode_count; ++m) {
                out.asc_by_distance_band.rows[b][m] += d[m];
                common[m] += d[m] * static_cast<double>(row.total()) / all_trips;
            }
        }
        for (std::size_t g = 0; g < core::group_count; ++g) {
            if (!k.by_group_given[g]) continue;
            const auto d = move_to(k.by_group[g], shares_of(r.split.by_group[g]), k.tolerance);
            for (std::size_t m = 0; m < core::mode_count; ++m) out.asc_by_group[g][m] += d[m] - common[m];
        }
    }
    const auto& last = out.rounds.back();
    fmt::memory_buffer y;
    fmt::format_to(std::back_inserter(y),
                   "# Mode constants calibrated by `flemsim calibrate` in {} round{} against the calibration targets\n"
                   "# of {}: {} (tolerance {}); the last round gave walk {}, bike {}, transit {}, car {}.\n"
                   "# Scenarios take it with `include: [<this file>]`; calibrated to what the targets are (see their "
                   "sources).\n# The fit of every targeted cell in the last round:\n",
                   out.rounds.size(), out.rounds.size() == 1 ? "" : "s", first.name,
                   out.reached ? "reached" : "NOT reached", number(k.tolerance), number(last.shares[0]),
                   number(last.shares[1]), number(last.shares[2]), number(last.shares[3]));
    const std::string table = fit_table(last);
    for (const auto& line : core::split(table, '\n'))
        if (!line.empty()) fmt::format_to(std::back_inserter(y), "#   {}\n", line);
    fmt::format_to(std::back_inserter(y), "mode_choice:\n  asc: {{");
    for (std::size_t m = 0; m < core::mode_count; ++m)
        fmt::format_to(std::back_inserter(y), "{}{}: {}", m ? ", " : "", core::mode_names[m], number(out.asc[m]));
    fmt::format_to(std::back_inserter(y), "}}\n  asc_by_group:\n");
    for (std::size_t g = 0; g < core::group_count; ++g) {
        fmt::format_to(std::back_inserter(y), "    {}: {{", core::group_names[g]);
        for (std::size_t m = 0; m < core::mode_count; ++m)
            fmt::format_to(std::back_inserter(y), "{}{}: {}", m ? ", " : "", core::mode_names[m],
                           number(out.asc_by_group[g][m]));
        fmt::format_to(std::back_inserter(y), "}}\n");
    }
    if (bands.given()) {
        const auto& t = out.asc_by_distance_band;
        fmt::format_to(std::back_inserter(y),
                       "  asc_by_distance_band:   # by the street distance of the tour's trip out\n");
        fmt::format_to(std::back_inserter(y), "    bands_km: [{}]\n", fmt::join(t.bands_km, ", "));
        for (std::size_t m = 0; m < core::mode_count; ++m) {
            fmt::format_to(std::back_inserter(y), "    {}: [", core::mode_names[m]);
            for (std::size_t b = 0; b < t.rows.size(); ++b)
                fmt::format_to(std::back_inserter(y), "{}{}", b ? ", " : "", number(t.rows[b][m]));
            fmt::format_to(std::back_inserter(y), "]\n");
        }
    }
    out.fragment = fmt::to_string(y);
    return out;
}

}  // namespace flemsim::pipeline
