#pragma once
// Side-by-side comparison of a base scenario and options over replications. Every scenario
// runs with the same seeds (common random numbers), so an option's difference to the base is
// taken per seed and its interval is that of the paired differences.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace flemsim::pipeline {

// Mean and two-sided 95 % Student t interval of a sample (half-width NaN below two values).
struct Estimate {
    std::size_t n = 0;
    double mean = 0, half_width = 0;
    double low() const { return mean - half_width; }
    double high() const { return mean + half_width; }
};
Estimate estimate(const std::vector<double>& values);
// "60.1 ± 0.2" (or "+0.4 ± 0.1" with `sign`), scaled by 100 when `percent`; no ± without an interval.
std::string format_estimate(const Estimate& e, bool percent, bool sign, int decimals = 1);
// Whether the whole interval lies at or above the target.
bool surely_reaches(const Estimate& e, double target);
// "reaches the target", "reaches it on average (interval spans it)", "misses on average
// (interval spans it)" or "misses the target".
std::string verdict(const Estimate& e, double target);
// The 97.5 % quantile of Student's t with `df` degrees of freedom.
double t_quantile_975(std::size_t df);

// One number of a run, e.g. "sustainable_share", "share.walk", "group.student.sustainable_share",
// "band.1-3 km.sustainable_share", "minutes.transit", "car_km", "transit.denied_share".
struct MetricRow {
    std::string scenario, metric;
    Estimate value;
    Estimate difference;  // option minus base, paired by seed (n = 0 for the base)
};

struct Comparison {
    std::vector<std::string> scenarios;  // names; the base first
    std::vector<std::string> files;
    std::vector<std::string> descriptions;  // the scenarios' own, for the page
    std::vector<std::string> overrides;     // --set, applied to every scenario
    // Per scenario, per seed: the run's folder (trip log and modal_split.json), for the page's
    // difference maps; empty for a comparison of values alone.
    std::vector<std::vector<std::filesystem::path>> run_dirs;
    std::vector<std::uint64_t> seeds;
    double target = 0.7;
    std::vector<MetricRow> rows;  // scenario by scenario, metrics in a fixed order
    const MetricRow* find(const std::string& scenario, const std::string& metric) const;
};

// Metric values of one run from its modal_split.json.
std::vector<std::pair<std::string, double>> metrics_of_run(const std::filesystem::path& modal_split_json);

// Comparison of runs already made: values[s][r] are the metrics of scenario s, seed r.
Comparison compare_values(const std::vector<std::string>& names,
                          const std::vector<std::vector<std::vector<std::pair<std::string, double>>>>& values,
                          double target);

struct CompareOptions {
    std::vector<std::filesystem::path> files;  // base first
    std::vector<std::string> overrides;        // --set, for every scenario
    std::size_t seeds = 3;
    std::uint64_t first_seed = 0;  // 0: the base scenario's seed
    std::filesystem::path output;
    // When set, asked for the folder to write into once every scenario has loaded (so that
    // nothing is written when one does not); `output` otherwise.
    std::function<std::filesystem::path()> begin_writing;
    std::filesystem::path program;  // this executable, run once per scenario and seed
    int jobs = 1, threads = 1;
    std::function<void(const std::string&)> progress;
};

// Runs every scenario over the seeds (`jobs` processes at a time; each run's outputs under
// output/runs/) and compares them. Throws core::RunError when a run fails.
Comparison run_comparison(const CompareOptions& options);

std::string format_comparison(const Comparison& c);
std::string comparison_json(const Comparison& c);
std::string comparison_csv(const Comparison& c);

}  // namespace flemsim::pipeline
