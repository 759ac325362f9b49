#include "sim/pipeline/sweep.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iterator>
#include <map>

#include <fmt/format.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/csv.hpp"
#include "sim/core/error.hpp"
#include "sim/core/fs.hpp"
#include "sim/core/rng.hpp"
#include "sim/core/text.hpp"
#include "sim/output/summary_table.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/scenario/reader.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

using core::InputError;

namespace {

std::string scalar_text(const scenario::ConfigNode& n, const std::string& path) {
    if (n.kind == scenario::ConfigNode::Kind::scalar) return n.scalar;
    if (n.kind == scenario::ConfigNode::Kind::sequence) {
        // A list value (e.g. distance bands) keeps its YAML flow form.
        std::string s = "[";
        for (std::size_t i = 0; i < n.items.size(); ++i) s += (i ? ", " : "") + scalar_text(n.items[i], path);
        return s + "]";
    }
    scenario::fail_at(n, path, "expected a value or a list");
}

// Limits on a sweep's size. Each variant is loaded once with every base before the first run
// (a few milliseconds each), and every run has a folder of its own.
constexpr std::size_t max_variants = 10'000;
constexpr std::size_t max_runs = 1'000'000;

// Where in the sweep file each "key.path=value" override was written: its key and its value.
using OverrideOrigins = std::map<std::string, std::pair<core::SourcePos, core::SourcePos>>;

// Reads one override map (key.path: value) into "key.path=value" strings, in file order.
std::vector<std::string> overrides_of(const scenario::ConfigNode& n, const std::string& path,
                                      OverrideOrigins& origins) {
    if (n.kind != scenario::ConfigNode::Kind::map) scenario::fail_at(n, path, "expected a mapping of key.path: value");
    std::vector<std::string> out;
    for (const auto& e : n.entries) {
        out.push_back(e.key + "=" + scalar_text(e.value, path + "." + e.key));
        origins.emplace(out.back(), std::pair{e.key_pos, e.value.pos});
    }
    return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? sep : "") + v[i];
    return s;
}

std::filesystem::path run_dir(const Sweep& sweep, const SweepRun& run) {
    return sweep.output / "runs" / run.id;
}

// Where a run's stderr goes while it runs: beside its folder, which the run replaces when it
// completes (".r0001.stderr.txt"); moved into the folder as stderr.txt once the run has ended.
std::filesystem::path stderr_beside(const std::filesystem::path& dir) {
    return dir.parent_path() / ("." + dir.filename().string() + ".stderr.txt");
}

std::string read_text(const std::filesystem::path& p) {
    std::FILE* f = std::fopen(p.c_str(), "rb");
    if (!f) return {};
    std::string s;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) s.append(buf, n);
    std::fclose(f);
    return s;
}

// Loads each base scenario once with each variant's overrides, without running it, so that a
// bad base, a typo in a key or a value out of range is found before the first run, at the
// place in the sweep file that wrote it, rather than once per run in summary.csv.
void validate_runs(const Sweep& sweep, const std::vector<scenario::ConfigNode>& base_nodes,
                   const std::vector<std::vector<std::string>>& variants, const std::vector<std::string>& common,
                   const OverrideOrigins& origins) {
    for (std::size_t b = 0; b < base_nodes.size(); ++b) {
        for (const auto& variant : variants) {
            scenario::LoadOptions options;
            options.overrides = common;
            options.overrides.insert(options.overrides.end(), variant.begin(), variant.end());
            const std::filesystem::path file =
                sweep.file.parent_path() / scenario::to_string(base_nodes[b], "scenarios[" + std::to_string(b) + "]");
            const std::string path = "scenarios[" + std::to_string(b) + "]";
            try {
                const auto sc = scenario::load_scenario(file, options);
                if (!core::is_directory(sc.network))
                    throw InputError(sc.network_pos, "network: folder '" + sc.network.string() + "' not found");
            } catch (const InputError& e) {
                // An error in an override points at the override's key or value in this file.
                const std::string& where = e.pos().file;
                if (where.rfind("--set ", 0) == 0) {
                    if (const auto o = origins.find(where.substr(6)); o != origins.end()) {
                        const bool key = e.message().find("unknown key") != std::string::npos;
                        throw InputError(key ? o->second.first : o->second.second, e.message(), e.hint());
                    }
                    // A value that is not YAML is reported under "--set key.path" alone.
                    for (const auto& o : options.overrides)
                        if (o.rfind(where.substr(6) + "=", 0) == 0)
                            if (const auto it = origins.find(o); it != origins.end())
                                throw InputError(it->second.second, e.message(), e.hint());
                }
                // Anything else is the base scenario's: the error names its own place, and the
                // sweep's entry that chose the file comes first.
                throw InputError(base_nodes[b].pos,
                                 path + ": '" + file.filename().string() + "' is not a valid scenario" +
                                     (variant.empty() ? std::string() : " with " + join(variant, " ")) + ": " +
                                     e.what());
            }
        }
    }
}

}  // namespace

Sweep load_sweep(const std::filesystem::path& file) {
    const auto tree = scenario::load_yaml_file(file);
    scenario::MapReader root(tree, "");
    Sweep sweep;
    sweep.file = file;
    sweep.name = root.string("name");
    const auto dir = file.parent_path();
    std::vector<std::filesystem::path> bases;
    {
        const auto& list = root.required("scenarios");
        if (list.kind != scenario::ConfigNode::Kind::sequence || list.items.empty())
            scenario::fail_at(list, "scenarios", "expected a list of scenario files");
        for (std::size_t i = 0; i < list.items.size(); ++i) {
            const auto p = dir / scenario::to_string(list.items[i], "scenarios[" + std::to_string(i) + "]");
            if (!core::exists(p))
                scenario::fail_at(list.items[i], "scenarios[" + std::to_string(i) + "]",
                                  "no such file '" + p.string() + "'");
            bases.push_back(p);
        }
    }
    OverrideOrigins origins;
    std::vector<std::string> common;
    if (const auto* set = root.optional("set")) common = overrides_of(*set, "set", origins);
    // Variants: the grid's combinations (last key fastest), then the list's entries.
    std::vector<std::vector<std::string>> variants;
    if (const auto* grid = root.optional("grid")) {
        if (grid->kind != scenario::ConfigNode::Kind::map)
            scenario::fail_at(*grid, "grid", "expected key.path: [values]");
        variants.push_back({});
        for (const auto& e : grid->entries) {
            if (e.value.kind != scenario::ConfigNode::Kind::sequence || e.value.items.empty())
                scenario::fail_at(e.value, "grid." + e.key, "expected a non-empty list of values");
            // Combinations multiply: a few lines of grid could ask for billions of runs, listed
            // in memory before anything else happens. Refused here, at the key that crosses.
            if (variants.size() * e.value.items.size() > max_variants)
                scenario::fail_at(e.value, "grid." + e.key,
                                  "the grid makes more than " + std::to_string(max_variants) + " combinations");
            std::vector<std::vector<std::string>> next;
            for (const auto& v : variants)
                for (const auto& value : e.value.items) {
                    auto w = v;
                    w.push_back(e.key + "=" + scalar_text(value, "grid." + e.key));
                    origins.emplace(w.back(), std::pair{e.key_pos, value.pos});
                    next.push_back(w);
                }
            variants = next;
        }
    }
    if (const auto* list = root.optional("list")) {
        if (list->kind != scenario::ConfigNode::Kind::sequence)
            scenario::fail_at(*list, "list", "expected a list of override maps");
        for (std::size_t i = 0; i < list->items.size(); ++i)
            variants.push_back(overrides_of(list->items[i], "list[" + std::to_string(i) + "]", origins));
    }
    if (variants.empty()) variants.push_back({});
    const auto seeds = root.integer("seeds", scenario::Range{1, 100000});
    if (variants.size() > max_variants)
        scenario::fail_at(root.optional("list") ? *root.optional("list") : root.node(), "list",
                          "grid and list make more than " + std::to_string(max_variants) + " variants");
    if (bases.size() * variants.size() * static_cast<std::size_t>(seeds) > max_runs)
        scenario::fail_at(
            *root.optional("seeds"), "seeds",
            "the sweep would make more than " + std::to_string(max_runs) + " runs (scenarios x variants x seeds)");
    const auto master = static_cast<std::uint64_t>(root.integer("master_seed", scenario::non_negative));
    const auto& out = root.required("output");
    sweep.output = scenario::to_string(out, "output");
    if (sweep.output.is_relative()) sweep.output = dir / sweep.output;  // like scenario paths: beside the file
    root.finish();
    validate_runs(sweep, root.required("scenarios").items, variants, common, origins);

    // Each variant's overrides as (key, value), for the summary's columns.
    std::vector<std::vector<std::pair<std::string, std::string>>> swept(variants.size());
    for (std::size_t v = 0; v < variants.size(); ++v)
        for (const auto& o : variants[v]) {
            const auto eq = o.find('=');
            swept[v].emplace_back(o.substr(0, eq), o.substr(eq + 1));
            // The swept keys, each a column of the summary, in the order the file names them.
            if (std::find(sweep.swept_keys.begin(), sweep.swept_keys.end(), swept[v].back().first) ==
                sweep.swept_keys.end())
                sweep.swept_keys.push_back(swept[v].back().first);
        }
    std::size_t number = 0;
    for (const auto& base : bases)
        for (std::size_t v = 0; v < variants.size(); ++v)
            for (long long k = 0; k < seeds; ++k) {
                const auto& variant = variants[v];
                ++number;
                SweepRun r;
                r.id = fmt::format("r{:04}", number);
                r.base = base;
                r.overrides = common;
                r.overrides.insert(r.overrides.end(), variant.begin(), variant.end());
                // Common random numbers: replicate k has one seed at every grid point.
                r.replicate = static_cast<std::size_t>(k + 1);
                r.seed = core::mix64(master ^ core::mix64(static_cast<std::uint64_t>(k + 1)));
                r.parameters = join(variant, " ");
                r.swept = swept[v];
                sweep.runs.push_back(r);
            }
    return sweep;
}

std::vector<SweepRow> execute_sweep(const Sweep& sweep, const std::filesystem::path& program, int jobs, int threads,
                                    const std::function<void(const std::string&)>& progress, std::size_t only_number,
                                    bool execute) {
    // Which runs still need doing: those without a done.json saying ok.
    std::vector<std::size_t> todo;
    for (std::size_t i = 0; i < sweep.runs.size() && execute; ++i)
        if ((only_number == 0 || only_number == i + 1) &&
            read_text(run_dir(sweep, sweep.runs[i]) / "done.json").find("\"ok\"") == std::string::npos)
            todo.push_back(i);  // never run, cut short, or failed: (re)done
    std::map<pid_t, std::size_t> running;
    std::size_t next = 0, finished = 0;
    const auto began = std::chrono::steady_clock::now();
    const auto start = [&](std::size_t i) {
        const auto& run = sweep.runs[i];
        const auto dir = run_dir(sweep, run);
        // The run writes its folder whole (renamed into place when complete), so the folder of an
        // earlier attempt goes first, and the run's stderr goes beside it until it has ended.
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir.parent_path());
        const auto err_file = stderr_beside(dir);
        std::vector<std::string> args{
            program.string(),         "run",       run.base.string(),       "--output", dir.string(), "--seed",
            std::to_string(run.seed), "--threads", std::to_string(threads), "--quiet"};
        for (const auto& o : run.overrides) args.insert(args.end(), {"--set", o});
        const pid_t pid = ::fork();
        if (pid < 0) throw core::IoError("cannot start a run: fork failed");
        if (pid == 0) {
            const int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (err >= 0) ::dup2(err, STDERR_FILENO);
            std::vector<char*> argv;
            for (auto& a : args) argv.push_back(a.data());
            argv.push_back(nullptr);
            ::execv(argv[0], argv.data());
            ::_exit(127);
        }
        running[pid] = i;
    };
    while (next < todo.size() || !running.empty()) {
        while (next < todo.size() && running.size() < static_cast<std::size_t>(std::max(1, jobs))) start(todo[next++]);
        int status = 0;
        const pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0) break;
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const auto& run = sweep.runs[it->second];
        const auto dir = run_dir(sweep, run);
        const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        std::filesystem::create_directories(dir);  // a run that failed wrote no folder
        std::error_code ec;
        std::filesystem::rename(stderr_beside(dir), dir / "stderr.txt", ec);
        // Completed, successfully or not: the marker is written last.
        core::write_file_atomically(dir / "done.json",
                                    fmt::format("{{\"run\": \"{}\", \"status\": \"{}\", \"exit\": {}}}\n", run.id,
                                                ok ? "ok" : "failed", WIFEXITED(status) ? WEXITSTATUS(status) : -1));
        ++finished;
        if (progress) {
            // Time left: the mean time per finished run so far (at `jobs` at a time) times the
            // runs still to finish.
            const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
            const std::size_t left = todo.size() - finished;
            std::string line = fmt::format("run {}/{} {} {} ({}); {} elapsed", finished, todo.size(), run.id,
                                           ok ? "done" : "failed", run.parameters, core::format_duration(elapsed));
            if (left > 0)
                line += ", about " +
                        core::format_duration(elapsed / static_cast<double>(finished) * static_cast<double>(left)) +
                        " left";
            progress(line);
        }
        running.erase(it);
    }

    std::vector<SweepRow> rows;
    for (const auto& run : sweep.runs) {
        SweepRow row;
        row.run = run.id;
        row.base = run.base.filename().string();
        row.parameters = run.parameters;
        row.seed = run.seed;
        const auto dir = run_dir(sweep, run);
        const auto done = read_text(dir / "done.json");
        row.status = done.find("\"ok\"") != std::string::npos ? "ok" : "failed";
        if (row.status == "ok") {
            try {
                const auto json = scenario::load_yaml_file(dir / "modal_split.json");
                const auto num = [&](const scenario::ConfigNode* n) {
                    return n && n->kind == scenario::ConfigNode::Kind::scalar ? std::strtod(n->scalar.c_str(), nullptr)
                                                                              : 0.0;
                };
                row.trips = num(json.find("trips"));
                row.sustainable_share = num(json.find("sustainable_share"));
                row.target_met = json.find("target_met") && json.find("target_met")->scalar == "true";
                if (const auto* sh = json.find("shares")) {
                    row.share_walk = num(sh->find("walk"));
                    row.share_bike = num(sh->find("bike"));
                    row.share_transit = num(sh->find("transit"));
                    row.share_car = num(sh->find("car"));
                }
                if (const auto* mm = json.find("mean_travel_min")) {
                    row.mean_min_walk = num(mm->find("walk"));
                    row.mean_min_bike = num(mm->find("bike"));
                    row.mean_min_transit = num(mm->find("transit"));
                    row.mean_min_car = num(mm->find("car"));
                }
            } catch (const InputError& e) {
                row.status = "failed";
                row.error = e.what();
            }
        } else {
            row.error = read_text(dir / "stderr.txt");
            for (char& c : row.error)
                if (c == '\n' || c == '\r' || c == ',' || c == '"') c = ' ';
        }
        rows.push_back(row);
    }
    return rows;
}

void execute_run_here(const Sweep& sweep, std::size_t index, int threads) {
    const auto& run = sweep.runs[index];
    const auto dir = run_dir(sweep, run);
    std::filesystem::remove_all(dir);  // the run writes its folder whole
    std::string status = "ok", error;
    try {
        scenario::LoadOptions lo;
        lo.overrides = run.overrides;
        lo.overrides.push_back("seed=" + std::to_string(run.seed));
        const auto s = scenario::load_scenario(run.base, lo);
        RunOptions ro;
        ro.output_dir = dir;
        ro.threads = threads;
        pipeline::run(s, ro);
    } catch (const std::exception& e) {
        status = "failed";
        error = e.what();
        std::filesystem::create_directories(dir);
        core::write_file_atomically(dir / "stderr.txt", "error: " + error + "\n");
    }
    std::filesystem::create_directories(dir);
    core::write_file_atomically(dir / "done.json", "{\"run\": \"" + run.id + "\", \"status\": \"" + status + "\"}\n");
}

namespace {

// Whether every value is a number (the column is then numeric in summary.h5).
bool all_numbers(const std::vector<std::string>& values) {
    for (const auto& v : values) {
        try {
            core::parse_double(v);
        } catch (const core::ParseError&) {
            return false;
        }
    }
    return true;
}

}  // namespace

void write_sweep_summary(const Sweep& sweep, const std::vector<SweepRow>& rows) {
    // Per row, the value of each swept key ("" where the run's variant does not set it).
    std::vector<std::vector<std::string>> swept(sweep.swept_keys.size(), std::vector<std::string>(rows.size()));
    std::vector<std::uint64_t> replicate(rows.size(), 1);
    for (std::size_t r = 0; r < rows.size() && r < sweep.runs.size(); ++r) {
        replicate[r] = sweep.runs[r].replicate;
        for (const auto& [key, value] : sweep.runs[r].swept) {
            const auto k = static_cast<std::size_t>(std::find(sweep.swept_keys.begin(), sweep.swept_keys.end(), key) -
                                                    sweep.swept_keys.begin());
            if (k < swept.size()) swept[k][r] = value;
        }
    }
    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out), "run,base");
    for (const auto& k : sweep.swept_keys) fmt::format_to(std::back_inserter(out), ",{}", core::csv_field(k));
    fmt::format_to(std::back_inserter(out),
                   ",replicate,seed,status,trips,share_walk,share_bike,share_transit,share_car,"
                   "sustainable_share,target_met,mean_min_walk,mean_min_bike,mean_min_transit,mean_min_car,parameters,"
                   "error\n");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        fmt::format_to(std::back_inserter(out), "{},{}", r.run, core::csv_field(r.base));
        for (const auto& column : swept) fmt::format_to(std::back_inserter(out), ",{}", core::csv_field(column[i]));
        fmt::format_to(std::back_inserter(out),
                       ",{},{},{},{:.0f},{:.6f},{:.6f},{:.6f},{:.6f},{:.6f},{},{:.3f},{:.3f},{:.3f},{:.3f},{},{}\n",
                       replicate[i], r.seed, r.status, r.trips, r.share_walk, r.share_bike, r.share_transit,
                       r.share_car, r.sustainable_share, r.target_met ? 1 : 0, r.mean_min_walk, r.mean_min_bike,
                       r.mean_min_transit, r.mean_min_car, core::csv_field(r.parameters), core::csv_field(r.error));
    }
    std::filesystem::create_directories(sweep.output);
    core::write_file_atomically(sweep.output / "summary.csv", fmt::to_string(out));

    // summary.h5: a swept key's column numeric when all its values are numbers; the seed, the
    // replicate, the trips and target_met as integers.
    output::SummaryTable t;
    t.text_names = {"run", "base", "status", "parameters", "error"};
    t.text.resize(t.text_names.size());
    t.number_names = {"share_walk",    "share_bike",    "share_transit",    "share_car",   "sustainable_share",
                      "mean_min_walk", "mean_min_bike", "mean_min_transit", "mean_min_car"};
    t.numbers.resize(t.number_names.size());
    t.integer_names = {"replicate", "seed", "trips", "target_met"};
    t.integers.resize(t.integer_names.size());
    for (std::size_t k = 0; k < sweep.swept_keys.size(); ++k) {
        if (all_numbers(swept[k])) {
            t.number_names.push_back(sweep.swept_keys[k]);
            t.numbers.emplace_back();
            for (const auto& v : swept[k]) t.numbers.back().push_back(core::parse_double(v));
        } else {
            t.text_names.push_back(sweep.swept_keys[k]);
            t.text.push_back(swept[k]);
        }
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        for (const auto& [c, v] :
             {std::pair{0, &r.run}, {1, &r.base}, {2, &r.status}, {3, &r.parameters}, {4, &r.error}})
            t.text[static_cast<std::size_t>(c)].push_back(*v);
        const double values[] = {r.share_walk,    r.share_bike,        r.share_transit,
                                 r.share_car,     r.sustainable_share, r.mean_min_walk,
                                 r.mean_min_bike, r.mean_min_transit,  r.mean_min_car};
        for (std::size_t c = 0; c < std::size(values); ++c) t.numbers[c].push_back(values[c]);
        const std::uint64_t integers[] = {replicate[i], r.seed, static_cast<std::uint64_t>(std::llround(r.trips)),
                                          r.target_met ? 1u : 0u};
        for (std::size_t c = 0; c < std::size(integers); ++c) t.integers[c].push_back(integers[c]);
    }
    output::write_summary_table(sweep.output / "summary.h5", t);
}

std::string slurm_script(const Sweep& sweep, const std::filesystem::path& program, int threads) {
    return fmt::format(
        "#!/usr/bin/env bash\n"
        "# Slurm array job for sweep '{0}': one run per array task, then\n"
        "#   {1} sweep {2} --collect\n"
        "# gathers the summary. Submit: sbatch <this file>\n"
        "#SBATCH --job-name=flemsim-{0}\n"
        "#SBATCH --array=1-{3}\n"
        "#SBATCH --cpus-per-task={4}\n"
        "set -euo pipefail\n"
        "exec {1} sweep {2} --run-number \"$SLURM_ARRAY_TASK_ID\" --threads {4}\n",
        sweep.name, program.string(), sweep.file.string(), sweep.runs.size(), std::max(1, threads));
}

}  // namespace flemsim::pipeline
