#pragma once
// Regression checks: run the benchmark scenarios and compare their modal split and key
// indicators with stored expectations and tolerances (a YAML file reviewed like code).
#include <filesystem>
#include <string>
#include <vector>

namespace flemsim::pipeline {

struct CheckRow {
    std::string scenario, metric;
    double expected = 0, got = 0, tolerance = 0;
    bool moved() const;
};

struct CheckResult {
    std::vector<CheckRow> rows;
    std::size_t scenarios = 0;
    bool passed() const;
};

struct CheckOptions {
    std::filesystem::path expectations;  // benchmarks/scenarios/expectations.yaml
    bool update = false;                 // rewrite the expected values (tolerances kept)
    int threads = 0;
};

// Runs every scenario the expectations name (paths relative to the expectations file), with
// outputs in a temporary folder, and compares. With `update`, writes the new values back.
// Throws core::InputError for a malformed expectations file or scenario.
CheckResult run_checks(const CheckOptions& options);

// The table of what moved (or everything, with `all`).
std::string format_check(const CheckResult& result, bool all);

}  // namespace flemsim::pipeline
