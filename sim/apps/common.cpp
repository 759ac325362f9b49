#include <tbb/info.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "sim/apps/command.hpp"

namespace flemsim::apps {

const CLI::Validator unsigned_integer(
    [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
            return "expected a whole number of 0 or more, not '" + text + "'";
        return {};
    },
    "UINT");

const CLI::Validator overridable_key(
    [](std::string& text) -> std::string {
        // The form (key.path=value) is the scenario reader's to check, with the other override errors.
        const std::string key = text.substr(0, text.find('='));
        // 'extends' and 'include' say which files make the scenario; they are read before any
        // override is applied, so an override of them would be ignored in silence.
        for (const char* fixed : {"extends", "include"})
            if (key == fixed)
                return "'" + key +
                       "' cannot be overridden with --set: it names the files the scenario is made of; "
                       "write a scenario file that " +
                       (std::string(fixed) == "extends" ? "extends" : "includes") + " them instead";
        return {};
    },
    "KEY=VALUE");

void add_force_option(CLI::App* app, CommonOptions& c) {
    app->add_flag("--force", c.force,
                  "Write into (replace) the output folder even when it holds files flemsim did not write");
}

void add_progress_option(CLI::App* app, CommonOptions& c) {
    auto* progress =
        app->add_flag("--progress", c.progress,
                      "Print progress on stderr even when it is not a terminal (a log file, Slurm, Jupyter)");
    if (auto* quiet = app->get_option_no_throw("--quiet")) progress->excludes(quiet);
}

void add_common_options(CLI::App* app, CommonOptions& c, bool scenario_options) {
    app->add_option("--output,-o", c.output, "Folder for the outputs (default: <output.dir>/<scenario name>)");
    app->add_option("--threads,-j", c.threads, "Worker threads (0: all cores; default: the scenario's 'threads')")
        ->check(CLI::Range(0, 1024));
    if (scenario_options) {
        app->add_option("--seed,-s", c.seed, "Random seed (overrides the scenario's 'seed')")->check(unsigned_integer);
        app->add_option("--set", c.sets, "Override a scenario key: --set key.path=value (repeatable)")
            ->type_name("KEY=VALUE")
            ->check(overridable_key);
    }
    app->add_flag("--quiet,-q", c.quiet, "Print only errors");
}

std::vector<std::string> scenario_overrides(const CommonOptions& c) {
    std::vector<std::string> out = c.sets;
    if (c.seed) out.push_back("seed=" + std::to_string(*c.seed));
    return out;
}

scenario::Scenario load_scenario(const std::string& file, const CommonOptions& c) {
    scenario::LoadOptions lo;
    lo.overrides = scenario_overrides(c);
    return scenario::load_scenario(file, lo);
}

bool stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

std::function<void(const std::string&)> progress_printer(const CommonOptions& c) {
    if (c.quiet || !(c.progress || stderr_is_terminal())) return {};
    return [](const std::string& line) { std::cerr << "  " << line << "\n"; };
}

int worker_threads(const std::optional<int>& requested, int jobs) {
    if (requested && *requested > 0) return *requested;
    return std::max(1, tbb::info::default_concurrency() / std::max(1, jobs));
}

void add_zone_file_options(CLI::App* app, ZoneFileArgs& z, const std::string& zones_help) {
    app->add_option("--zones", z.file, zones_help);
    app->add_option("--zone-fields", z.fields,
                    "Columns of the zone file: key=COLUMN for id, name, residents, jobs, study_places, visits")
        ->type_name("KEY=COLUMN,...");
    app->add_option("--zones-layer", z.options.layer, "Layer of a zone file that has several");
    app->add_option("--zones-crs", z.options.crs, "CRS of a zone file that states none (e.g. EPSG:3006)");
}

void resolve_zone_file_options(ZoneFileArgs& z) {
    if (!z.fields.empty()) {
        try {
            network::import::set_zone_fields(z.options, z.fields);
        } catch (const std::invalid_argument& e) {
            throw CLI::ValidationError("--zone-fields", e.what());
        }
    }
    if ((!z.fields.empty() || !z.options.layer.empty() || !z.options.crs.empty()) && z.file.empty())
        throw UsageError("--zone-fields, --zones-layer and --zones-crs are for --zones: give --zones FILE too");
}

}  // namespace flemsim::apps
