// flemsim target SEARCH: what does it take to reach the target? Each lever alone over its
// levels, then the package that reaches the target at least cost, over common seeds.
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/pipeline/target.hpp"

namespace flemsim::apps {

namespace {

struct TargetCommandOptions {
    std::string file;
    std::optional<std::size_t> seeds;
    int jobs = 1;
    bool keep_trip_logs = false;
    bool require = false;
    CommonOptions common;
};

int run(const TargetCommandOptions& o) {
    const auto& c = o.common;
    auto search = pipeline::load_target_search(o.file);
    if (o.seeds) search.seeds = *o.seeds;
    pipeline::TargetOptions to;
    to.overrides = c.sets;
    if (c.seed) to.first_seed = *c.seed;
    to.output = c.output.empty() ? std::filesystem::path("out/target") / search.name : std::filesystem::path(c.output);
    // Written beside the output and renamed into place when complete: a search cut short leaves
    // the previous one whole.
    core::StagedFolder out(to.output,
                           {"target", {}, {"target.txt", "target.json", "target.csv", "target.html", "points", "runs"}},
                           c.force);
    to.begin_writing = [&] { return out.stage(); };
    to.program = std::filesystem::read_symlink("/proc/self/exe");
    to.jobs = o.jobs;
    to.threads = worker_threads(c.threads, o.jobs);
    to.keep_trip_logs = o.keep_trip_logs;
    to.progress = progress_printer(c);
    const auto result = pipeline::run_target_search(search, to);
    const auto text = pipeline::format_target(result);
    const auto& dir = out.staging();
    core::write_file_atomically(dir / "target.txt", text);
    core::write_file_atomically(dir / "target.json", pipeline::target_json(result));
    core::write_file_atomically(dir / "target.csv", pipeline::target_csv(result));
    core::write_file_atomically(dir / "target.html", pipeline::target_page(result));
    out.commit();
    if (!c.quiet)
        std::cout << text << "\nwrote " << (to.output / "target.txt").string()
                  << ", target.csv, target.json, target.html\n";
    return o.require && result.found.empty() ? exit_check_failed : exit_ok;
}

}  // namespace

Command add_target_command(CLI::App& app) {
    auto o = std::make_shared<TargetCommandOptions>();
    auto* cmd = app.add_subcommand(
        "target",
        "Search the levers (charges, fares, headways, land use, option packages) for what reaches the target");
    cmd->add_option("search", o->file, "Target search file (YAML: base, target, levers)")->required();
    cmd->add_option("--seeds", o->seeds, "Replications per point (overrides the file's seeds)")
        ->check(CLI::Range(1, 100));
    cmd->add_option("--jobs", o->jobs, "Runs at a time on this machine")->check(CLI::Range(1, 1024));
    cmd->add_flag("--keep-trip-logs", o->keep_trip_logs,
                  "Keep every run's trips.h5 (by default only modal_split.json stays: a search makes many runs)");
    cmd->add_flag("--require-target", o->require, "Exit with 3 when no point searched reaches the target");
    add_common_options(cmd, o->common, true);
    add_progress_option(cmd, o->common);
    add_force_option(cmd, o->common);
    cmd->footer(
        "Runs the base, every lever alone at every level, then a package built a step at a time (the lever\n"
        "that adds most share per cost) and trimmed, all over the same seeds (--seed upward). Writes\n"
        "target.txt, target.csv (one row per point, one column per lever), target.json, target.html and\n"
        "each point as a scenario file under points/ into --output (default out/target/<name>).\n"
        "Example: flemsim target scenarios/targets/2030-what-does-it-take.yaml --jobs 2 --output out/target");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
