// flemsim compare BASE OPTION...: a base scenario and options over several seeds, side by side
// with 95 % intervals and paired differences to the base.
#include <filesystem>
#include <iostream>
#include <memory>

#include "sim/apps/command.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/pipeline/compare.hpp"
#include "sim/pipeline/html_report.hpp"

namespace flemsim::apps {

namespace {

struct CompareCommandOptions {
    std::vector<std::string> files;  // the base, then the options
    std::size_t seeds = 3;
    int jobs = 1;
    bool html = false;
    CommonOptions common;
};

int run(const CompareCommandOptions& o) {
    const auto& c = o.common;
    pipeline::CompareOptions co;
    for (const auto& f : o.files) co.files.emplace_back(f);
    co.overrides = c.sets;
    co.seeds = o.seeds;
    if (c.seed) co.first_seed = *c.seed;
    co.output = c.output.empty() ? std::filesystem::path("out/compare") : std::filesystem::path(c.output);
    // The runs and the tables go into a folder beside the output, renamed into place when all
    // are written: a comparison cut short leaves the previous one whole.
    core::StagedFolder out(
        co.output,
        {"compare",
         {},
         {"compare.txt", "compare.json", "compare.csv", "compare.html", "runs", "summary.csv", "summary.h5"}},
        c.force);
    co.begin_writing = [&] { return out.stage(); };
    // Each run is a process of this same program.
    co.program = std::filesystem::read_symlink("/proc/self/exe");
    co.jobs = o.jobs;
    co.threads = worker_threads(c.threads, o.jobs);
    co.progress = progress_printer(c);
    const auto comparison = pipeline::run_comparison(co);
    const auto text = pipeline::format_comparison(comparison);
    const auto& dir = out.staging();
    core::write_file_atomically(dir / "compare.txt", text);
    core::write_file_atomically(dir / "compare.json", pipeline::comparison_json(comparison));
    core::write_file_atomically(dir / "compare.csv", pipeline::comparison_csv(comparison));
    if (o.html) core::write_file_atomically(dir / "compare.html", pipeline::comparison_page(comparison));
    out.commit();
    if (!c.quiet)
        std::cout << text << "\nwrote " << (co.output / "compare.txt").string() << ", compare.json, compare.csv\n";
    return exit_ok;
}

}  // namespace

Command add_compare_command(CLI::App& app) {
    auto o = std::make_shared<CompareCommandOptions>();
    auto* cmd = app.add_subcommand("compare",
                                   "Run a base scenario and options over several seeds and compare them side by side");
    cmd->add_option("scenarios", o->files, "The base scenario, then the options (YAML)")->required()->expected(1, -1);
    cmd->add_option("--seeds", o->seeds, "Replications per scenario (the same seeds for all)")
        ->check(CLI::Range(1, 1000))
        ->capture_default_str();
    cmd->add_option("--jobs", o->jobs, "Runs at a time on this machine")->check(CLI::Range(1, 1024));
    cmd->add_flag("--html", o->html, "Also write compare.html, one self-contained page");
    add_common_options(cmd, o->common, true);
    add_progress_option(cmd, o->common);
    add_force_option(cmd, o->common);
    cmd->footer(
        "Seeds run from --seed (default: the base scenario's seed) upward. Writes compare.txt, compare.json\n"
        "and compare.csv (every metric: mean, 95 % interval, paired difference to the base) and the runs\n"
        "under --output (default out/compare).\n"
        "Example: flemsim compare scenarios/flemingsberg-2030.yaml scenarios/options/2030-sparvag-syd.yaml \\\n"
        "           scenarios/options/2030-station-bridge.yaml --seeds 5 --jobs 2 --output out/compare");
    return {cmd, [o] { return run(*o); }};
}

}  // namespace flemsim::apps
