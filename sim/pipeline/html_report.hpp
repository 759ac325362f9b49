#pragma once
// One self-contained HTML page (no network access, no external files): modal split against
// the target, splits by group and distance band, the departure profile per mode, a map of the
// network drawn from its own coordinates and coloured by volume per mode with transit loads,
// accessibility per zone, and comparison tables. Charts are inline SVG; a few lines of plain
// JavaScript switch between the maps. Every text from a scenario or network is escaped.
#include <string>
#include <string_view>

#include "sim/network/network.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/pipeline/accessibility.hpp"
#include "sim/pipeline/compare.hpp"

namespace flemsim::pipeline {

struct HtmlReportInputs {
    const output::TripLog* log = nullptr;   // a run's trip log (charts, map volumes)
    const network::Network* net = nullptr;  // the run's network (the maps)
    const Accessibility* accessibility = nullptr;
    const Comparison* comparison = nullptr;  // `flemsim compare`
    std::string title;
};

std::string html_report(const HtmlReportInputs& in);

// &, <, >, " and ' as entities.
std::string html_escape(std::string_view text);

}  // namespace flemsim::pipeline
