#pragma once
// Sweeps: many runs of base scenarios over a grid (or list) of overrides and seeds. Runs
// execute as separate processes, a few at a time, each writing its own trip log; a run is
// complete when its folder holds done.json, so a sweep started again skips what completed
// and redoes what was cut short. One summary table gathers the runs.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace flemsim::pipeline {

struct SweepRun {
    std::string id;                      // r0001, r0002, ... in expansion order
    std::filesystem::path base;          // base scenario file
    std::vector<std::string> overrides;  // key.path=value, the sweep's own first
    std::uint64_t seed = 0;
    std::size_t replicate = 1;  // 1..seeds: runs of one replicate share their seed (common random numbers)
    std::string parameters;     // the run's overrides as one line (for the summary)
    std::vector<std::pair<std::string, std::string>> swept;  // the grid's or list's key = value
};

struct Sweep {
    std::filesystem::path file;
    std::string name;
    std::filesystem::path output;         // runs in output/runs/<id>, summary in output/summary.*
    std::vector<std::string> swept_keys;  // one summary column each, in the file's order
    std::vector<SweepRun> runs;
};

// Reads a sweep file (strict, like a scenario): name, scenarios (base files, relative to the
// sweep file), set (overrides for all runs), grid (key: [values...], every combination) or
// list (a list of override maps), seeds (count), master_seed, output (relative to the sweep
// file). The seed of replicate k (1..seeds) comes from the master seed and k, the same for
// every scenario and grid point: runs pair by seed (common random numbers), like compare's.
Sweep load_sweep(const std::filesystem::path& file);

struct SweepRow {
    std::string run, base, parameters, status, error;  // status: ok or failed
    std::uint64_t seed = 0;
    double trips = 0, share_walk = 0, share_bike = 0, share_transit = 0, share_car = 0, sustainable_share = 0;
    double mean_min_walk = 0, mean_min_bike = 0, mean_min_transit = 0, mean_min_car = 0;
    bool target_met = false;
};

// Executes the runs not complete yet, `jobs` processes at a time (each `program run ...`
// with `threads` threads), then reads every run's result. `progress` gets a line per run.
// With `only_number` (1-based) just that run is executed; with `execute` false none is (the
// results present are gathered).
std::vector<SweepRow> execute_sweep(const Sweep& sweep, const std::filesystem::path& program, int jobs, int threads,
                                    const std::function<void(const std::string&)>& progress,
                                    std::size_t only_number = 0, bool execute = true);

// Executes run `index` (0-based) in this process (for MPI ranks, which should not fork):
// the same outputs and done.json as a run started by execute_sweep.
void execute_run_here(const Sweep& sweep, std::size_t index, int threads);

// summary.csv beside the runs (through a temporary file).
void write_sweep_summary(const Sweep& sweep, const std::vector<SweepRow>& rows);

// A Slurm array job script that runs the sweep's runs one per array task.
std::string slurm_script(const Sweep& sweep, const std::filesystem::path& program, int threads);

}  // namespace flemsim::pipeline
