#pragma once
// Skims and accessibility of a scenario: zone-to-zone level of service at a time of day (as
// OMX), jobs and study places reachable from each study zone within 30 and 45 minutes by
// each mode, and the residents within 30 minutes of the centre (the programme's "urban
// services for 100,000 inhabitants").
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

struct AccessibilityRow {
    std::string zone, name, mode;
    double jobs_30 = 0, jobs_45 = 0, study_places_30 = 0, study_places_45 = 0;
};

struct Accessibility {
    std::string centre;                                                         // zone id
    std::vector<AccessibilityRow> rows;                                         // study zones x modes
    std::vector<std::pair<std::string, double>> residents_within_30_of_centre;  // per mode
};

// Writes skims.omx, accessibility.csv and catchment.csv into `dir`; `centre` empty: the study
// zone with the most jobs. Land use as the scenario gives it (before population.scale);
// gateways are left out (their figures are weights, not counts).
Accessibility write_skims_and_accessibility(const scenario::Scenario& s, const std::filesystem::path& dir,
                                            std::int32_t time_of_day_s, const std::string& centre, int threads);

// The same, with the folder asked of `folder` only once the inputs (the centre among them) are
// checked and the skims computed: nothing is written, not even a folder, when they fail.
Accessibility write_skims_and_accessibility(const scenario::Scenario& s,
                                            const std::function<std::filesystem::path()>& folder,
                                            std::int32_t time_of_day_s, const std::string& centre, int threads);

}  // namespace flemsim::pipeline
