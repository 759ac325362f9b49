#include "sim/pipeline/calibrate.hpp"

#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "sim/core/error.hpp"
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

}  // namespace

CalibrationResult calibrate(const std::filesystem::path& scenario_file, const std::vector<std::string>& overrides,
                            int threads, const std::function<void(const std::string&)>& progress) {
    scenario::LoadOptions lo;
    lo.overrides = overrides;
    const auto first = scenario::load_scenario(scenario_file, lo);
    const auto& k = first.calibration;
    if (!k.given)
        throw core::InputError({scenario_file.string(), 0, 0}, "calibration: no targets in the scenario",
                               "add calibration.targets with the shares of walk, bike, transit and car");
    CalibrationResult out;
    out.asc = first.mode_choice.asc;
    out.asc_by_group = first.mode_choice.asc_by_group;
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
        const auto s = scenario::load_scenario(scenario_file, lo_round);
        RunOptions ro;
        ro.write_outputs = false;
        ro.threads = threads;
        const auto r = pipeline::run(s, ro);
        CalibrationRound cr;
        cr.round = round;
        for (std::size_t m = 0; m < core::mode_count; ++m) {
            cr.shares[m] = r.split.overall.share(static_cast<core::Mode>(m));
            cr.worst = std::max(cr.worst, std::abs(cr.shares[m] - k.targets[m]));
        }
        std::array<std::array<double, core::mode_count>, core::group_count> group_share{};
        for (std::size_t g = 0; g < core::group_count; ++g) {
            if (!k.by_group_given[g]) continue;
            for (std::size_t m = 0; m < core::mode_count; ++m) {
                group_share[g][m] = r.split.by_group[g].share(static_cast<core::Mode>(m));
                cr.worst = std::max(cr.worst, std::abs(group_share[g][m] - k.by_group[g][m]));
            }
        }
        out.rounds.push_back(cr);
        if (progress)
            progress(fmt::format("round {}: walk {:.3f} bike {:.3f} transit {:.3f} car {:.3f} (worst {:.4f})", round,
                                 cr.shares[0], cr.shares[1], cr.shares[2], cr.shares[3], cr.worst));
        if (cr.worst <= k.tolerance) {
            out.reached = true;
            break;
        }
        if (round == k.max_rounds) break;
        // Car is the reference: its constant stays, the others move by the log ratio relative to car's.
        const double car_ratio = std::log(k.targets[car] / safe(cr.shares[car]));
        for (std::size_t m = 0; m < core::mode_count; ++m)
            if (m != car) out.asc[m] += std::log(safe(k.targets[m]) / safe(cr.shares[m])) - car_ratio;
        for (std::size_t g = 0; g < core::group_count; ++g) {
            if (!k.by_group_given[g]) continue;
            const double g_car = std::log(k.by_group[g][car] / safe(group_share[g][car]));
            // What the overall constants will move is already applied to the group too: the
            // group adjustment takes the rest.
            for (std::size_t m = 0; m < core::mode_count; ++m)
                if (m != car)
                    out.asc_by_group[g][m] += std::log(safe(k.by_group[g][m]) / safe(group_share[g][m])) - g_car -
                                              (std::log(safe(k.targets[m]) / safe(cr.shares[m])) - car_ratio);
        }
    }
    const auto& last = out.rounds.back();
    fmt::memory_buffer y;
    fmt::format_to(std::back_inserter(y),
                   "# Mode constants calibrated by `flemsim calibrate` in {} rounds against\n"
                   "# calibration.targets of {} (walk {}, bike {}, transit {}, car {}): {}; the last round gave walk "
                   "{}, bike {}, transit {}, car {}.\n"
                   "# Scenarios take it with `include: [<this file>]`; calibrated to what the targets are (see their "
                   "sources).\n"
                   "mode_choice:\n  asc: {{",
                   out.rounds.size(), first.name, number(k.targets[0]), number(k.targets[1]), number(k.targets[2]),
                   number(k.targets[3]), out.reached ? "reached" : "NOT reached", number(last.shares[0]),
                   number(last.shares[1]), number(last.shares[2]), number(last.shares[3]));
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
    out.fragment = fmt::to_string(y);
    return out;
}

}  // namespace flemsim::pipeline
