#pragma once
// What every subcommand of flemsim shares. Each subcommand lives in its own cmd_<name>.cpp with
// an options struct, the registration of its options, help and examples, its validation and a
// run() that returns the exit code; main.cpp only registers the commands and dispatches.
#include <tbb/global_control.h>

#include <CLI/CLI.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/network/import/zones.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::apps {

// Exit codes, the command line's contract (README: "The command line").
constexpr int exit_ok = 0;
constexpr int exit_data_error = 1;
constexpr int exit_usage = 2;
constexpr int exit_check_failed = 3;

// A combination of options that cannot run; main prints "error: <message>" and exits with 2.
struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// A registered subcommand: its CLI11 app (set when it was given on the command line) and what
// runs it (validation, then the command) once the command line is parsed.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> execute;
};

// Options most subcommands take.
struct CommonOptions {
    std::string output;
    std::optional<std::uint64_t> seed;
    std::optional<int> threads;
    std::vector<std::string> sets;
    bool quiet = false;
    bool force = false;     // --force: write into (or replace) a folder flemsim did not write
    bool progress = false;  // --progress: progress on stderr even when it is not a terminal
};

// --output, --threads and --quiet; with `scenario_options` also --seed and --set.
void add_common_options(CLI::App* app, CommonOptions& c, bool scenario_options);

// A zone file and how to read it: --zones, --zone-fields, --zones-layer, --zones-crs (network
// build, scenario init).
struct ZoneFileArgs {
    std::string file, fields;
    network::import::ZoneFileOptions options;
};
void add_zone_file_options(CLI::App* app, ZoneFileArgs& z, const std::string& zones_help);
// Parses --zone-fields into z.options (a CLI::ValidationError names a bad key) and refuses the
// other zone options without --zones (UsageError).
void resolve_zone_file_options(ZoneFileArgs& z);

// --force, for commands that write a folder (see sim/core/output_dir.hpp).
void add_force_option(CLI::App* app, CommonOptions& c);

// --progress, for commands that report progress (after --quiet, which it excludes).
void add_progress_option(CLI::App* app, CommonOptions& c);

// CLI11 checks shared by several commands: a whole number written without a sign (CLI11 would
// read "-1" into an unsigned option as 2^64-1), and a --set override of a key that can be set.
extern const CLI::Validator unsigned_integer;
extern const CLI::Validator overridable_key;

// --set overrides, then --seed as one more override (so it wins).
std::vector<std::string> scenario_overrides(const CommonOptions& c);

// The scenario file with the overrides of `c`. --threads is not written into the scenario: the
// outputs must not depend on it.
scenario::Scenario load_scenario(const std::string& file, const CommonOptions& c);

bool stderr_is_terminal();

// Progress lines go to stderr, and only when it is a terminal (results go to stdout, and a log
// file should not fill with progress), or with --progress (logs, Slurm, Jupyter); never with
// --quiet. Empty when there is nothing to print to.
std::function<void(const std::string&)> progress_printer(const CommonOptions& c);

// Threads for each of `jobs` runs at a time: --threads when given and positive, else the cores
// shared out over the jobs (at least one each).
int worker_threads(const std::optional<int>& requested, int jobs = 1);

// Runs `f` with TBB limited to `threads` workers (for stages that do not set their own limit).
template <class F>
int with_thread_limit(int threads, F&& f) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    return f();
}

// The subcommands, in the order `flemsim --help` lists them.
Command add_run_command(CLI::App& app);
Command add_validate_command(CLI::App& app);
Command add_report_command(CLI::App& app);
Command add_network_build_command(CLI::App& network);   // under `flemsim network`
Command add_scenario_init_command(CLI::App& scenario);  // under `flemsim scenario`
Command add_route_command(CLI::App& app);
Command add_check_command(CLI::App& app);
Command add_sweep_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_skims_command(CLI::App& app);
Command add_calibrate_command(CLI::App& app);
Command add_compare_command(CLI::App& app);
Command add_target_command(CLI::App& app);
Command add_elasticities_command(CLI::App& app);
Command add_estimate_command(CLI::App& app);
Command add_counts_command(CLI::App& app);

}  // namespace flemsim::apps
