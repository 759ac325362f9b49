// flemsim counts TRIPS.h5 --counts FILE: a simulated day's link volumes and stop passengers
// against observations (sim/report/counts.hpp), with GEH, the share under GEH 5 and the mean
// absolute percentage error; optionally counts.csv, counts.json and counts.svg (a scatter plot).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/apps/model_counts.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/report/counts.hpp"

namespace flemsim::apps {

report::ModelCounts model_counts(const output::TripLog& log) {
    report::ModelCounts m;
    for (const auto& l : log.lookups.links) m.link_ids.push_back(l.id);
    for (const auto& s : log.lookups.stops) m.stop_ids.push_back(s.id);
    m.link_volumes = log.simulation.link_volumes;
    constexpr int hours = report::ModelCounts::hours;
    m.boardings.assign(m.stop_ids.size() * hours, 0.0);
    m.alightings.assign(m.stop_ids.size() * hours, 0.0);
    for (const auto& leg : log.simulation.legs) {
        if (leg.line < 0 || leg.board_stop < 0 || leg.board_s < 0) continue;
        const auto hour = [](std::int32_t t) { return std::min(hours - 1, std::max(0, t / 3600)); };
        m.boardings[static_cast<std::size_t>(leg.board_stop) * hours + hour(leg.board_s)] += 1;
        if (leg.alight_stop >= 0 && leg.end_s >= 0)
            m.alightings[static_cast<std::size_t>(leg.alight_stop) * hours + hour(leg.end_s)] += 1;
    }
    return m;
}

namespace {

struct CountsCommandOptions {
    std::string trips_file;
    std::string counts_file;
    CommonOptions common;
    double min_share = -1;  // --min-geh5-share: exit 3 below it
};

int run(const CountsCommandOptions& o) {
    const auto observations = report::read_counts(o.counts_file);
    const auto log = output::read_trip_log(o.trips_file);
    if (!log.has_simulation)
        throw core::InputError({o.trips_file, 0, 0},
                               "a static run has no link volumes or boardings: counts need a simulated day "
                               "(simulation.enabled: true)");
    const auto result = report::compare_counts(observations, model_counts(log));
    const auto& c = o.common;
    if (!c.quiet) std::cout << report::counts_table(result);
    if (!c.output.empty()) {
        const std::filesystem::path dir = c.output;
        std::filesystem::create_directories(dir);
        core::write_file_atomically(dir / "counts.csv", report::counts_csv(result));
        core::write_file_atomically(dir / "counts.json", report::counts_json(result));
        core::write_file_atomically(dir / "counts.svg", report::counts_scatter_svg(result));
        if (!c.quiet) std::cout << "wrote " << (dir / "counts.csv").string() << ", counts.json, counts.svg\n";
    }
    if (o.min_share >= 0 && result.share_under_geh5 < o.min_share) {
        if (!c.quiet)
            fmt::print("check failed: {:.1f} % of counts under GEH 5, below the {:.1f} % asked\n",
                       100 * result.share_under_geh5, 100 * o.min_share);
        return exit_check_failed;
    }
    return exit_ok;
}

}  // namespace

Command add_counts_command(CLI::App& app) {
    auto o = std::make_shared<CountsCommandOptions>();
    auto* cmd = app.add_subcommand("counts", "Compare a simulated day's link volumes and stop passengers with counts");
    cmd->add_option("trips", o->trips_file, "Trip log of a simulated run (trips.h5)")->required();
    cmd->add_option("--counts", o->counts_file,
                    "Observations: a CSV (kind,id,hour,count[,direction]) or a MATSim counts file (XML, v1 or v2)")
        ->required();
    add_common_options(cmd, o->common, false);
    cmd->add_option("--min-geh5-share", o->min_share,
                    "Exit with 3 when fewer counts than this share (0-1) have GEH under 5 (e.g. 0.85)")
        ->check(CLI::Range(0.0, 1.0));
    cmd->footer(
        "Examples:\n  flemsim counts out/flemingsberg-2017/trips.h5 --counts scenarios/counts/flemingsberg-2017.csv\n"
        "  flemsim counts out/flemingsberg-2030/trips.h5 --counts counts.xml --output out/counts "
        "--min-geh5-share 0.85");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
