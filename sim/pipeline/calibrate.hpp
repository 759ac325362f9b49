#pragma once
// Calibration of the mode constants: run the scenario (its full simulation as configured),
// compare the shares with the targets of calibration (overall, by group, by distance band),
// move each constant by ln(target / simulated) (car stays the reference), and again, until
// every targeted share is within the tolerance or the rounds run out. The result is a YAML
// fragment that scenarios take with `include:`, with the fit of every cell in its comments.
//
// The constants fitted: mode_choice.asc to calibration.targets; mode_choice.asc_by_group.<g>
// to calibration.by_group.<g>; mode_choice.asc_by_distance_band (one row per band) to
// calibration.by_distance_band. A trip's band is the shortest street distance of its tour's
// trip out (RunResult::by_tour_distance): the band its constants take whatever the mode, as
// calibrations by skim distance do (a band by the distance each mode travels would put one
// tour's modes in different bands, and no band constant could reach its cells). The bands'
// shares make the overall split, so a scenario gives either overall targets or targets by
// band, not both.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

// One targeted share: a segment ("overall", a group, a distance band) and a mode.
struct CalibrationCell {
    std::string segment;
    core::Mode mode = core::Mode::walk;
    double target = 0;
    double share = 0;
    std::uint64_t trips = 0;  // of the segment, all modes
};

struct CalibrationRound {
    int round = 0;
    std::array<double, core::mode_count> shares{};
    double worst = 0;  // largest |share - target| over the targeted cells
    std::vector<CalibrationCell> cells;
};

struct CalibrationResult {
    bool reached = false;
    std::vector<CalibrationRound> rounds;
    std::array<double, core::mode_count> asc{};
    std::array<std::array<double, core::mode_count>, core::group_count> asc_by_group{};
    scenario::DistanceBandTable asc_by_distance_band;  // given() when targets by band are
    std::string fragment;                              // YAML: mode_choice: {asc, asc_by_group, asc_by_distance_band}
};

// The per-cell fit of a round as a table (segment, mode, target, share, difference, trips).
std::string fit_table(const CalibrationRound& round);

// `overrides` are the --set of the command line (kept in every round).
CalibrationResult calibrate(const std::filesystem::path& scenario_file, const std::vector<std::string>& overrides,
                            int threads, const std::function<void(const std::string&)>& progress);

}  // namespace flemsim::pipeline
