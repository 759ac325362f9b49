#include "sim/pipeline/check.hpp"

#include <unistd.h>

#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/text.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/scenario/reader.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

bool CheckRow::moved() const {
    return !(std::abs(got - expected) <= tolerance);
}

bool CheckResult::passed() const {
    for (const auto& r : rows)
        if (r.moved()) return false;
    return true;
}

namespace {

struct Metric {
    std::string name;
    double value;
};

std::vector<Metric> metrics_of(const RunResult& r) {
    const auto& o = r.split.overall;
    std::vector<Metric> m{
        {"trips", static_cast<double>(r.trips)},           {"persons", static_cast<double>(r.persons)},
        {"share_walk", o.share(core::Mode::walk)},         {"share_bike", o.share(core::Mode::bike)},
        {"share_transit", o.share(core::Mode::transit)},   {"share_car", o.share(core::Mode::car)},
        {"sustainable_share", r.split.sustainable_share()}};
    for (std::size_t i = 0; i < core::mode_count; ++i)
        m.push_back({"mean_min_" + std::string(core::mode_names[i]), r.split.mean_travel_min[i]});
    // What a transit trip costs besides riding, and the long waits that must stay rare.
    m.push_back({"mean_min_transit_walk", r.split.transit_access_egress_min});
    m.push_back({"mean_min_transit_wait", r.split.transit_wait_min});
    m.push_back({"transit_waited_over_60", static_cast<double>(r.split.transit_wait_over_60)});
    if (r.simulated) {
        m.push_back({"denied_boardings", static_cast<double>(r.crowding.denied_boardings)});
        m.push_back({"stuck_trips", static_cast<double>(r.iterations.empty() ? 0 : r.iterations.back().stuck_trips)});
        m.push_back({"days", static_cast<double>(r.iterations.size())});
        m.push_back(
            {"gave_up_trips", static_cast<double>(r.iterations.empty() ? 0 : r.iterations.back().gave_up_trips)});
        m.push_back({"travel_time_gap", r.iterations.empty() ? 0.0 : r.iterations.back().travel_time_gap});
    }
    return m;
}

std::string number(double v) {
    return fmt::format("{:.6g}", v);
}

struct Expected {
    std::string name;
    std::filesystem::path file;
    std::vector<std::string> overrides;
    std::vector<CheckRow> rows;  // expected values and tolerances
};

}  // namespace

CheckResult run_checks(const CheckOptions& options) {
    const auto tree = scenario::load_yaml_file(options.expectations);
    scenario::MapReader root(tree, "");
    double default_share = 0.005, default_minutes = 0.5, default_count = 0.0;
    if (const auto* t = root.optional("tolerance")) {
        scenario::MapReader tr(*t, "tolerance");
        default_share = tr.number_or("share", default_share, scenario::non_negative);
        default_minutes = tr.number_or("minutes", default_minutes, scenario::non_negative);
        default_count = tr.number_or("count", default_count, scenario::non_negative);
        tr.finish();
    }
    const auto default_tolerance = [&](const std::string& metric) {
        if (metric.rfind("share", 0) == 0 || metric.find("_share") != std::string::npos) return default_share;
        if (metric.rfind("mean_min", 0) == 0) return default_minutes;
        return default_count;
    };
    std::vector<Expected> expected;
    {
        const auto& list = root.required("scenarios");
        scenario::MapReader all(list, "scenarios");
        for (const auto& e : list.entries) {
            all.optional(e.key);
            scenario::MapReader s(e.value, all.child_path(e.key));
            Expected x;
            x.name = e.key;
            const auto& file = s.required("file");
            x.file = options.expectations.parent_path() / scenario::to_string(file, s.child_path("file"));
            if (const auto* sets = s.optional("set"))
                for (std::size_t i = 0; i < sets->items.size(); ++i)
                    x.overrides.push_back(scenario::to_string(sets->items[i], s.child_path("set")));
            if (const auto* expect = s.optional("expect")) {
                scenario::MapReader ex(*expect, s.child_path("expect"));
                for (const auto& m : expect->entries) {
                    ex.optional(m.key);
                    CheckRow row{x.name, m.key, 0, 0, default_tolerance(m.key)};
                    if (m.value.kind == scenario::ConfigNode::Kind::map) {
                        scenario::MapReader v(m.value, ex.child_path(m.key));
                        row.expected = v.number("value");
                        row.tolerance = v.number_or("tolerance", row.tolerance, scenario::non_negative);
                        v.finish();
                    } else {
                        row.expected = scenario::to_number(m.value, ex.child_path(m.key));
                    }
                    x.rows.push_back(row);
                }
            }
            s.finish();
            expected.push_back(std::move(x));
        }
    }
    root.finish();

    CheckResult result;
    const auto work = std::filesystem::temp_directory_path() / ("flemsim-check-" + std::to_string(::getpid()));
    for (auto& x : expected) {
        scenario::LoadOptions lo;
        lo.overrides = x.overrides;
        const auto s = scenario::load_scenario(x.file, lo);
        RunOptions ro;
        ro.threads = options.threads;
        ro.output_dir = work / x.name;
        const auto run = pipeline::run(s, ro);
        const auto got = metrics_of(run);
        ++result.scenarios;
        if (options.update) {
            // Keep each metric's tolerance; add the ones not listed yet.
            std::vector<CheckRow> rows;
            for (const auto& m : got) {
                if (!std::isfinite(m.value)) continue;  // e.g. the mean time of a mode nobody used
                double tol = default_tolerance(m.name);
                for (const auto& old : x.rows)
                    if (old.metric == m.name) tol = old.tolerance;
                rows.push_back({x.name, m.name, m.value, m.value, tol});
            }
            x.rows = rows;
        } else {
            for (auto& row : x.rows) {
                row.got = std::nan("");
                for (const auto& m : got)
                    if (m.name == row.metric) row.got = m.value;
            }
        }
        result.rows.insert(result.rows.end(), x.rows.begin(), x.rows.end());
    }
    std::error_code ec;
    std::filesystem::remove_all(work, ec);

    if (options.update) {
        fmt::memory_buffer y;
        fmt::format_to(std::back_inserter(y),
                       "# Expected results of the benchmark scenarios, checked by `flemsim check` (and .ci/run).\n"
                       "# Reviewed like code: `flemsim check --update` rewrites the values and keeps the tolerances.\n"
                       "tolerance:\n  share: {}\n  minutes: {}\n  count: {}\nscenarios:\n",
                       number(default_share), number(default_minutes), number(default_count));
        for (const auto& x : expected) {
            fmt::format_to(std::back_inserter(y), "  {}:\n    file: {}\n", x.name,
                           std::filesystem::relative(x.file, options.expectations.parent_path()).string());
            if (!x.overrides.empty()) {
                fmt::format_to(std::back_inserter(y), "    set:\n");
                for (const auto& o : x.overrides) fmt::format_to(std::back_inserter(y), "      - \"{}\"\n", o);
            }
            fmt::format_to(std::back_inserter(y), "    expect:\n");
            for (const auto& r : x.rows)
                fmt::format_to(std::back_inserter(y), "      {}: {{value: {}, tolerance: {}}}\n", r.metric,
                               number(r.expected), number(r.tolerance));
        }
        core::write_file_atomically(options.expectations, fmt::to_string(y));
    }
    return result;
}

std::string format_check(const CheckResult& result, bool all) {
    fmt::memory_buffer out;
    std::size_t moved = 0;
    for (const auto& r : result.rows) moved += r.moved();
    // Scenario names are the user's and may be non-ASCII: padded by bytes, as the table always was
    // (fmt's widths count characters). The numbers are ASCII, so fmt's widths serve.
    fmt::format_to(std::back_inserter(out), "{} {} {:>14} {:>14} {:>12} {:>10}\n", core::pad_right("scenario", 28),
                   core::pad_right("metric", 20), "expected", "got", "difference", "tolerance");
    for (const auto& r : result.rows) {
        if (!all && !r.moved()) continue;
        fmt::format_to(std::back_inserter(out), "{} {} {:>14} {:>14} {:>12} {:>10}{}\n",
                       core::pad_right(r.scenario, 28), core::pad_right(r.metric, 20), number(r.expected),
                       number(r.got), number(r.got - r.expected), number(r.tolerance), r.moved() ? "  MOVED" : "");
    }
    fmt::format_to(std::back_inserter(out), "{} scenarios, {} checks, {} moved beyond tolerance\n", result.scenarios,
                   result.rows.size(), moved);
    fmt::format_to(std::back_inserter(out), "check: {} passed, {} failed\n", result.rows.size() - moved, moved);
    return fmt::to_string(out);
}

}  // namespace flemsim::pipeline
