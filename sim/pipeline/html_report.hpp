#pragma once
// One self-contained HTML page (no network access, no external files): modal split against
// the target, splits by group and distance band, the departure profile per mode, a map of the
// network drawn from its own coordinates and coloured by volume per mode with transit loads,
// accessibility per zone, and comparison tables. Charts are inline SVG; a few lines of plain
// JavaScript switch between the maps. Every text from a scenario or network is escaped.
#include <filesystem>
#include <string>
#include <string_view>

#include "sim/core/text.hpp"
#include "sim/network/network.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/pipeline/accessibility.hpp"
#include "sim/pipeline/compare.hpp"
#include "sim/report/check_these.hpp"
#include "sim/report/counts.hpp"
#include "sim/report/modal_split.hpp"

namespace flemsim::pipeline {

struct HtmlReportInputs {
    const output::TripLog* log = nullptr;   // a run's trip log (charts, map volumes)
    const network::Network* net = nullptr;  // the run's network (the maps)
    const Accessibility* accessibility = nullptr;
    const Comparison* comparison = nullptr;        // `flemsim compare`
    const report::CountsResult* counts = nullptr;  // observations against the run (`--counts`)
    std::string title;
};

std::string html_report(const HtmlReportInputs& in);

// The modal split and the transit crowding (empty without a simulated day) of a trip log alone:
// what `flemsim report` prints and what its page draws.
struct TripLogSummary {
    report::ModalSplit split;
    report::Crowding crowding;
    report::CheckThese check;  // what to look at before trusting the numbers
};
TripLogSummary summarise_trip_log(const output::TripLog& log);

// The page of `flemsim report --html`: a run's trip log. With `scenario_file` (the scenario the
// run used; its network must be the trip log's) also the network map with volumes and the
// accessibility at 08:00, whose skims are written into `skims_dir`; `threads` 0: all cores. With
// `counts`, their scatter plot and table.
std::string trip_log_page(const output::TripLog& log, const std::string& scenario_file,
                          const std::filesystem::path& skims_dir, int threads,
                          const report::CountsResult* counts = nullptr);

// The page of `flemsim compare --html`.
std::string comparison_page(const Comparison& comparison);

using core::html_escape;  // sim/core/text.hpp

}  // namespace flemsim::pipeline
