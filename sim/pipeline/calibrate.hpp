#pragma once
// Calibration of the mode constants: run the scenario (its full simulation as configured),
// compare the shares with calibration.targets (and by group where given), move each
// constant by ln(target / simulated) (car stays the reference), and again, until every share
// is within the tolerance or the rounds run out. The result is a YAML fragment that
// scenarios take with `include:`.
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

struct CalibrationRound {
    int round = 0;
    std::array<double, core::mode_count> shares{};
    double worst = 0;  // largest |share - target| over modes (and targeted groups)
};

struct CalibrationResult {
    bool reached = false;
    std::vector<CalibrationRound> rounds;
    std::array<double, core::mode_count> asc{};
    std::array<std::array<double, core::mode_count>, core::group_count> asc_by_group{};
    std::string fragment;  // YAML: mode_choice: {asc, asc_by_group}
};

// `overrides` are the --set of the command line (kept in every round).
CalibrationResult calibrate(const std::filesystem::path& scenario_file, const std::vector<std::string>& overrides,
                            int threads, const std::function<void(const std::string&)>& progress);

}  // namespace flemsim::pipeline
