// flemsim sweep SWEEP: many runs (scenarios x overrides x seeds), resumable; in processes on this
// machine, as a Slurm array job, or over MPI ranks.
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/apps/mpi_sweep.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/pipeline/sweep.hpp"

namespace flemsim::apps {

namespace {

struct SweepCommandOptions {
    std::string sweep_file;
    std::string slurm_file;  // write a Slurm array job script instead of running
    int jobs = 1;
    std::size_t run_number = 0;  // 1-based; 0: all runs
    bool collect = false;
    CommonOptions common;  // --output, --threads (per run), --quiet
};

int run(const SweepCommandOptions& o) {
    const auto& c = o.common;
    auto sweep = pipeline::load_sweep(o.sweep_file);
    if (!c.output.empty()) sweep.output = c.output;
    if (o.run_number > sweep.runs.size())
        throw UsageError("--run-number " + std::to_string(o.run_number) + ": sweep '" + sweep.name + "' has " +
                         std::to_string(sweep.runs.size()) + " runs (1 to " + std::to_string(sweep.runs.size()) + ")");
    if (o.run_number > 0 && o.collect) throw UsageError("--run-number executes a run and --collect none: give one");
    if (o.run_number > 0 && !o.slurm_file.empty())
        throw UsageError("--slurm writes the script for all runs: --run-number does not go with it");
    // Each run is a process of this same program.
    const auto program = std::filesystem::read_symlink("/proc/self/exe");
    const int threads = worker_threads(c.threads, o.jobs);
    if (!o.slurm_file.empty()) {
        core::write_file_atomically(o.slurm_file, pipeline::slurm_script(sweep, program, threads));
        if (!c.quiet) std::cout << "wrote " << o.slurm_file << " (" << sweep.runs.size() << " array tasks)\n";
        return exit_ok;
    }
    // A sweep is resumed in its folder (runs completed are kept), so it is not replaced as a whole;
    // but it is never a folder of someone else's.
    core::open_output_folder(sweep.output, {"sweep", {}, {"runs", "summary.csv", "summary.h5"}}, c.force);
    if (launched_with_mpi() && o.run_number == 0 && !o.collect)
        // Rank 0's hand-out and summary lines are the result of an MPI job: printed even off a terminal.
        return mpi_sweep(sweep, threads, [&](const std::string& line) {
            if (!c.quiet) std::cerr << "  " << line << "\n";
        });
    const auto rows =
        pipeline::execute_sweep(sweep, program, o.jobs, threads, progress_printer(c), o.run_number, !o.collect);
    if (o.run_number > 0) return exit_ok;
    pipeline::write_sweep_summary(sweep, rows);
    std::size_t ok = 0;
    for (const auto& r : rows) ok += r.status == "ok";
    if (!c.quiet)
        std::cout << "sweep " << sweep.name << ": " << rows.size() << " runs, " << ok << " ok, " << rows.size() - ok
                  << " failed; wrote " << (sweep.output / "summary.csv").string() << "\n";
    return ok == rows.size() ? exit_ok : exit_data_error;
}

}  // namespace

Command add_sweep_command(CLI::App& app) {
    auto o = std::make_shared<SweepCommandOptions>();
    auto& c = o->common;
    auto* cmd = app.add_subcommand("sweep", "Run a sweep: base scenarios x overrides x seeds, resumable");
    cmd->add_option("sweep", o->sweep_file, "Sweep file (YAML)")->required();
    cmd->add_option("--jobs", o->jobs, "Runs at a time on this machine")->check(CLI::Range(1, 1024));
    cmd->add_option("--threads,-j", c.threads, "Threads per run (0: cores / jobs)")->check(CLI::Range(0, 1024));
    cmd->add_option("--output,-o", c.output, "Folder of the sweep (default: the sweep's 'output')");
    cmd->add_option("--run-number", o->run_number, "Execute only this run (1-based; for array jobs)")
        ->check(unsigned_integer)
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--collect", o->collect, "Execute nothing; gather the results present into the summary");
    cmd->add_option("--slurm", o->slurm_file, "Write a Slurm array job script for the sweep and exit");
    cmd->add_flag("--quiet,-q", c.quiet, "Print only errors");
    add_progress_option(cmd, c);
    add_force_option(cmd, c);
    cmd->footer(
        "Runs that completed (runs/<id>/done.json) are skipped when the sweep is started again.\n"
        "Examples:\n  flemsim sweep sweeps/parking.yaml --jobs 2\n  flemsim sweep sweeps/parking.yaml --slurm "
        "parking.sbatch");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
