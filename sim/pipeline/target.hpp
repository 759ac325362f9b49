#pragma once
// `flemsim target`: what does it take to reach the target? Given a base scenario, the target
// share and levers with their levels (a scenario key such as a parking charge or a fare, the
// headways of named lines, land-use shifts as several keys moved together, option packages on
// or off), the search runs every lever alone at every level (the frontier: share against
// lever), then, when no lever alone suffices or a cheaper mix may, builds a package greedily
// (each step raises the lever that adds most share per cost) and trims it (lowers any lever
// the target does not need). Every point runs over the same seeds (common random numbers), so
// its effect on the base is paired by seed; a point reaches the target when the one-sided
// lower confidence bound of its share does. Points run as separate processes (`flemsim run`),
// a few at a time, like a sweep; each point is written as a scenario file a planner can run.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/pipeline/compare.hpp"

namespace flemsim::pipeline {

struct Lever {
    enum class Kind { set, headways, package };
    std::string name, description;
    Kind kind = Kind::set;
    core::SourcePos pos;
    // set: the keys moved together, and per level (1..n) the value of each key (YAML text).
    std::vector<std::string> keys;
    std::vector<std::vector<std::string>> values;
    // headways: the lines whose every headway is multiplied by the level's factor.
    std::vector<std::string> lines;
    std::vector<double> factors;
    // package: the option file switched on at level 1.
    std::filesystem::path package;
    std::vector<std::string> labels;  // per level 1..n, as tables show it ("60", "x0.75", "on")
    std::vector<double> cost;         // per level 1..n (level 0, the base, costs nothing)
    std::size_t levels() const { return labels.size(); }
};

struct TargetSearch {
    std::filesystem::path file;
    std::string name;
    std::filesystem::path base;  // the base scenario (resolved against the search file)
    double target = 0;           // 0: the base scenario's target.sustainable_share
    double confidence = 0.9;     // one-sided, for "reaches the target"
    std::size_t seeds = 2;
    bool simulated = false;       // false: the static level of service (simulation.enabled=false)
    std::size_t max_points = 60;  // points beyond the base and the frontier
    std::string cost_unit = "cost units";
    bool costs_given = false;  // without costs a package's cost is its number of steps
    std::vector<Lever> levers;
};

// Reads a target search file (strict, like a scenario: errors name file:line:column and key).
TargetSearch load_target_search(const std::filesystem::path& file);

struct TargetPoint {
    std::string id;                  // p000 is the base
    std::vector<std::size_t> level;  // per lever, 0: as in the base
    std::string phase;               // base, alone, package, trim
    std::vector<double> shares;      // sustainable share per seed
    double mean = 0, low = 0;        // low: one-sided lower bound at the search's confidence
    Estimate effect;                 // minus the base, paired by seed (95 % two-sided)
    double cost = 0;
    bool reaches = false;
    bool evaluated = false;
};

struct TargetResult {
    TargetSearch search;
    std::string base_name;
    double target = 0.7;
    std::vector<std::uint64_t> seeds;
    std::vector<TargetPoint> points;  // p000 first
    // Per lever: the point of the smallest level that reaches alone, or npos.
    std::vector<std::size_t> alone;
    std::vector<std::size_t> path;   // the greedy package's steps, from the base
    std::vector<std::size_t> found;  // points that reach: the packages found, cheapest first
    std::string stop_reason;         // why the package search ended
    double seconds = 0;
    std::size_t point_of(const std::vector<std::size_t>& level) const;  // npos when not run
};

struct TargetOptions {
    std::vector<std::string> overrides;  // --set, for every point
    std::uint64_t first_seed = 0;        // 0: the base scenario's seed
    std::filesystem::path output;
    std::function<std::filesystem::path()> begin_writing;  // as CompareOptions'
    std::filesystem::path program;
    int jobs = 1, threads = 1;
    bool keep_trip_logs = false;
    std::function<void(const std::string&)> progress;
};

// Runs the search; throws core::RunError when a run fails (naming it and its stderr file).
TargetResult run_target_search(const TargetSearch& search, const TargetOptions& options);

// A point's levers as text: "parking=60, trains=x0.75" ("the base" when none moved).
std::string describe_point(const TargetResult& r, const TargetPoint& p);

std::string format_target(const TargetResult& r);
std::string target_csv(const TargetResult& r);
std::string target_json(const TargetResult& r);
std::string target_page(const TargetResult& r);  // one self-contained HTML page

// The one-sided lower confidence bound of a mean (the mean itself below two values).
double lower_bound(const std::vector<double>& values, double confidence);

}  // namespace flemsim::pipeline
