#include "sim/pipeline/compare.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "sim/core/csv.hpp"
#include "sim/core/error.hpp"
#include "sim/core/json.hpp"
#include "sim/core/text.hpp"
#include "sim/pipeline/sweep.hpp"
#include "sim/scenario/config_tree.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

using scenario::ConfigNode;

double t_quantile_975(std::size_t df) {
    // Exact to three decimals for 1..30 degrees of freedom (standard tables); beyond, the
    // Cornish-Fisher expansion around the normal quantile, within 1e-4 of the exact value.
    static constexpr std::array<double, 30> table{
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120,  2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
    if (df == 0) return std::numeric_limits<double>::quiet_NaN();
    if (df <= table.size()) return table[df - 1];
    const double z = 1.959963985, d = static_cast<double>(df);
    const double z3 = z * z * z, z5 = z3 * z * z;
    return z + (z3 + z) / (4 * d) + (5 * z5 + 16 * z3 + 3 * z) / (96 * d * d);
}

Estimate estimate(const std::vector<double>& values) {
    Estimate e;
    e.n = values.size();
    if (values.empty()) {
        e.mean = e.half_width = std::numeric_limits<double>::quiet_NaN();
        return e;
    }
    double sum = 0;
    for (double v : values) sum += v;
    e.mean = sum / static_cast<double>(e.n);
    if (e.n < 2) {
        e.half_width = std::numeric_limits<double>::quiet_NaN();
        return e;
    }
    double ss = 0;
    for (double v : values) ss += (v - e.mean) * (v - e.mean);
    const double sd = std::sqrt(ss / static_cast<double>(e.n - 1));
    e.half_width = t_quantile_975(e.n - 1) * sd / std::sqrt(static_cast<double>(e.n));
    return e;
}

std::string format_estimate(const Estimate& e, bool percent, bool sign, int decimals) {
    const double f = percent ? 100 : 1;
    if (std::isfinite(e.half_width))
        return sign ? fmt::format("{:+.{}f} ± {:.{}f}", f * e.mean, decimals, f * e.half_width, decimals)
                    : fmt::format("{:.{}f} ± {:.{}f}", f * e.mean, decimals, f * e.half_width, decimals);
    return sign ? fmt::format("{:+.{}f}", f * e.mean, decimals) : fmt::format("{:.{}f}", f * e.mean, decimals);
}

bool surely_reaches(const Estimate& e, double target) {
    return std::isfinite(e.half_width) && e.low() >= target;
}

std::string verdict(const Estimate& e, double target) {
    if (surely_reaches(e, target)) return "reaches the target";
    if (e.mean >= target) return "reaches it on average (interval spans it)";
    if (std::isfinite(e.half_width) && e.high() >= target) return "misses on average (interval spans it)";
    return "misses the target";
}

const MetricRow* Comparison::find(const std::string& scenario, const std::string& metric) const {
    for (const auto& r : rows)
        if (r.scenario == scenario && r.metric == metric) return &r;
    return nullptr;
}

namespace {

double num(const ConfigNode* n) {
    if (!n || n->kind != ConfigNode::Kind::scalar) return std::numeric_limits<double>::quiet_NaN();
    if (n->scalar == "null") return std::numeric_limits<double>::quiet_NaN();
    return std::strtod(n->scalar.c_str(), nullptr);
}

constexpr std::array<const char*, 4> modes{"walk", "bike", "transit", "car"};

void rows_of(const ConfigNode* list, const std::string& prefix, std::vector<std::pair<std::string, double>>& out) {
    if (!list) return;
    for (const auto& item : list->items) {
        const auto* name = item.find("name");
        if (!name) continue;
        const std::string p = prefix + "." + name->scalar + ".";
        out.emplace_back(p + "sustainable_share", num(item.find("sustainable_share")));
        if (const auto* sh = item.find("shares"))
            for (const char* m : modes) out.emplace_back(p + "share." + m, num(sh->find(m)));
        out.emplace_back(p + "trips", num(item.find("trips")));
    }
}

}  // namespace

std::vector<std::pair<std::string, double>> metrics_of_run(const std::filesystem::path& modal_split_json) {
    const auto json = scenario::load_yaml_file(modal_split_json);
    std::vector<std::pair<std::string, double>> out;
    out.emplace_back("sustainable_share", num(json.find("sustainable_share")));
    if (const auto* sh = json.find("shares"))
        for (const char* m : modes) out.emplace_back(std::string("share.") + m, num(sh->find(m)));
    out.emplace_back("trips", num(json.find("trips")));
    if (const auto* mm = json.find("mean_travel_min"))
        for (const char* m : modes) out.emplace_back(std::string("minutes.") + m, num(mm->find(m)));
    // Car kilometres: car trips times their mean distance (person km by car, at the
    // scenario's population scale).
    const auto* counts = json.find("counts");
    const auto* km = json.find("mean_distance_km");
    if (counts && km) out.emplace_back("car_km", num(counts->find("car")) * num(km->find("car")));
    if (const auto* cr = json.find("crowding")) {
        const double boardings = num(cr->find("boardings")), denied = num(cr->find("denied_boardings"));
        out.emplace_back("transit.boardings", boardings);
        out.emplace_back("transit.denied_share", boardings + denied > 0 ? denied / (boardings + denied) : 0.0);
        out.emplace_back("transit.segments_over_seated", num(cr->find("segments_over_seated")));
    }
    rows_of(json.find("by_group"), "group", out);
    rows_of(json.find("by_distance"), "band", out);
    return out;
}

Comparison compare_values(const std::vector<std::string>& names,
                          const std::vector<std::vector<std::vector<std::pair<std::string, double>>>>& values,
                          double target) {
    Comparison c;
    c.scenarios = names;
    c.target = target;
    // Metric order: that of the base's first run, then any the others add.
    std::vector<std::string> order;
    for (const auto& scenario_runs : values)
        for (const auto& run : scenario_runs)
            for (const auto& [k, v] : run)
                if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
    const auto value_of = [&](std::size_t s, std::size_t r, const std::string& k) {
        for (const auto& [key, v] : values[s][r])
            if (key == k) return v;
        return std::numeric_limits<double>::quiet_NaN();
    };
    for (std::size_t s = 0; s < names.size(); ++s) {
        for (const auto& k : order) {
            MetricRow row;
            row.scenario = names[s];
            row.metric = k;
            std::vector<double> v, d;
            for (std::size_t r = 0; r < values[s].size(); ++r) {
                const double x = value_of(s, r, k);
                if (!std::isfinite(x)) continue;
                v.push_back(x);
                if (s > 0 && r < values[0].size()) {
                    const double b = value_of(0, r, k);
                    if (std::isfinite(b)) d.push_back(x - b);
                }
            }
            if (v.empty()) continue;
            row.value = estimate(v);
            if (s > 0) row.difference = estimate(d);
            c.rows.push_back(row);
        }
    }
    return c;
}

Comparison run_comparison(const CompareOptions& o) {
    if (o.files.empty()) throw core::IoError("compare needs a base scenario");
    std::vector<std::string> names, descriptions;
    double target = 0.7;
    std::uint64_t first_seed = o.first_seed;
    for (std::size_t i = 0; i < o.files.size(); ++i) {
        const auto s = scenario::load_scenario(o.files[i], scenario::LoadOptions{o.overrides});
        if (std::find(names.begin(), names.end(), s.name) != names.end())
            throw core::IoError(o.files[i].string() + ": scenario name '" + s.name + "' given twice");
        names.push_back(s.name);
        descriptions.push_back(s.description);
        if (i == 0) {
            target = s.target.sustainable_share;
            if (first_seed == 0) first_seed = s.seed;
        }
    }
    const std::filesystem::path output = o.begin_writing ? o.begin_writing() : o.output;
    Sweep sweep;
    sweep.name = "compare";
    sweep.output = output;
    // A comparison always runs afresh: earlier runs in its folder may be of other inputs.
    std::filesystem::remove_all(output / "runs");
    std::vector<std::uint64_t> seeds;
    for (std::size_t r = 0; r < o.seeds; ++r) seeds.push_back(first_seed + r);
    for (std::size_t i = 0; i < o.files.size(); ++i)
        for (std::size_t r = 0; r < seeds.size(); ++r) {
            SweepRun run;
            run.id = fmt::format("s{:02}-r{:02}-{}", i, r + 1, names[i]);
            run.base = std::filesystem::absolute(o.files[i]);
            run.overrides = o.overrides;
            run.seed = seeds[r];
            sweep.runs.push_back(run);
        }
    const auto rows = execute_sweep(
        sweep, o.program, o.jobs, o.threads, o.progress ? o.progress : [](const std::string&) {});
    std::vector<std::vector<std::vector<std::pair<std::string, double>>>> values(o.files.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        if (rows[k].status != "ok")
            throw core::IoError("run " + rows[k].run + " (" + sweep.runs[k].base.string() + ", seed " +
                                std::to_string(sweep.runs[k].seed) + ") failed: " + rows[k].error);
        values[k / seeds.size()].push_back(metrics_of_run(output / "runs" / sweep.runs[k].id / "modal_split.json"));
    }
    auto c = compare_values(names, values, target);
    for (const auto& f : o.files) c.files.push_back(f.string());
    c.descriptions = descriptions;
    c.overrides = o.overrides;
    c.run_dirs.assign(o.files.size(), {});
    for (std::size_t k = 0; k < sweep.runs.size(); ++k)
        c.run_dirs[k / seeds.size()].push_back(output / "runs" / sweep.runs[k].id);
    c.seeds = seeds;
    return c;
}

namespace {

std::string pct(double v) {
    return fmt::format("{:.1f}", 100 * v);
}

}  // namespace

std::string format_comparison(const Comparison& c) {
    fmt::memory_buffer out;
    std::size_t n = 0;
    for (const auto& r : c.rows) n = std::max(n, r.value.n);
    fmt::format_to(std::back_inserter(out), "Comparison over {} replication(s)", n);
    if (!c.seeds.empty())
        fmt::format_to(std::back_inserter(out), " (seeds {}..{}, the same for every scenario)", c.seeds.front(),
                       c.seeds.back());
    if (n >= 2)
        fmt::format_to(std::back_inserter(out),
                       "; mean ± half-width of the 95 % interval; difference to {} paired by seed\n",
                       c.scenarios.front());
    else
        fmt::format_to(std::back_inserter(out),
                       "; difference to {} on the same seed; no intervals: they need two or more seeds (--seeds 2 or "
                       "more)\n",
                       c.scenarios.front());
    std::size_t width = 26;
    for (const auto& n : c.scenarios) width = std::max(width, n.size() + 2);
    const auto line = [&](const std::string& label, const std::string& metric, bool percent, int decimals) {
        bool any = false;
        for (const auto& s : c.scenarios) any = any || c.find(s, metric);
        if (!any) return;
        fmt::format_to(std::back_inserter(out), "\n{}\n", label);
        for (const auto& s : c.scenarios) {
            const auto* r = c.find(s, metric);
            if (!r) continue;
            fmt::format_to(std::back_inserter(out), "  {}{}", core::pad_right(s, width),
                           format_estimate(r->value, percent, false, decimals));
            if (r->difference.n > 0)
                fmt::format_to(std::back_inserter(out), "   ({})",
                               format_estimate(r->difference, percent, true, decimals));
            fmt::format_to(std::back_inserter(out), "\n");
        }
    };
    // The summary, one row per scenario.
    {
        fmt::format_to(std::back_inserter(out), "\n{:<{}} {:>14} {:>14} {:>6} {:>6} {:>8} {:>6} {:>10}\n", "scenario",
                       width, "sustainable %", "vs base, pp", "walk", "bike", "transit", "car", "car km");
        for (const auto& s : c.scenarios) {
            const auto get = [&](const std::string& m) { return c.find(s, m); };
            const auto* sus = get("sustainable_share");
            if (!sus) continue;
            const auto share = [&](const char* m) {
                const auto* r = get(std::string("share.") + m);
                return r ? pct(r->value.mean) : std::string("-");
            };
            const auto* km = get("car_km");
            // Padded by bytes, as the table always was: names and "±" may be more than one byte.
            fmt::format_to(std::back_inserter(out), "{} {} {} {:>6} {:>6} {:>8} {:>6} {:>10.0f}\n",
                           core::pad_right(s, width), core::pad_left(format_estimate(sus->value, true, false), 14),
                           core::pad_left(sus->difference.n ? format_estimate(sus->difference, true, true) : "", 14),
                           share("walk"), share("bike"), share("transit"), share("car"), km ? km->value.mean : 0.0);
        }
    }
    line("Sustainable share, % (target " + pct(c.target) + " %)", "sustainable_share", true, 1);
    for (const char* m : modes) line(std::string("Share ") + m + ", %", std::string("share.") + m, true, 1);
    for (const char* m : modes)
        line(std::string("Mean door-to-door minutes, ") + m, std::string("minutes.") + m, false, 1);
    line("Car kilometres (person km by car)", "car_km", false, 0);
    line("Transit boardings", "transit.boardings", false, 0);
    line("Denied boardings, % of attempts", "transit.denied_share", true, 1);
    // Per group and band: the sustainable share only (all shares are in the CSV and JSON).
    std::vector<std::string> groups;
    for (const auto& r : c.rows)
        if ((r.metric.rfind("group.", 0) == 0 || r.metric.rfind("band.", 0) == 0) && r.metric.size() > 18 &&
            r.metric.compare(r.metric.size() - 18, 18, ".sustainable_share") == 0 &&
            std::find(groups.begin(), groups.end(), r.metric) == groups.end())
            groups.push_back(r.metric);
    for (const auto& g : groups) {
        const auto dot = g.find('.');
        const auto label = g.substr(0, dot) + " " + g.substr(dot + 1, g.size() - 18 - dot - 1);
        line("Sustainable share, %, " + label, g, true, 1);
    }
    fmt::format_to(std::back_inserter(out), "\nAgainst the target of {} %:\n", pct(c.target));
    for (const auto& s : c.scenarios) {
        const auto* r = c.find(s, "sustainable_share");
        if (!r) continue;
        fmt::format_to(std::back_inserter(out), "  {}{}\n", core::pad_right(s, width), verdict(r->value, c.target));
    }
    return fmt::to_string(out);
}

std::string comparison_json(const Comparison& c) {
    core::JsonWriter w;
    w.begin_object();
    w.key("target").value(c.target);
    w.key("base").value(c.scenarios.front());
    w.key("seeds").begin_array();
    for (auto s : c.seeds) w.value(static_cast<unsigned long long>(s));
    w.end_array();
    w.key("scenarios").begin_array();
    for (std::size_t i = 0; i < c.scenarios.size(); ++i) {
        w.begin_object();
        w.key("name").value(c.scenarios[i]);
        if (i < c.files.size()) w.key("file").value(c.files[i]);
        if (const auto* r = c.find(c.scenarios[i], "sustainable_share")) {
            w.key("reaches_target").value(surely_reaches(r->value, c.target));
            w.key("reaches_target_on_average").value(r->value.mean >= c.target);
        }
        w.key("metrics").begin_object();
        for (const auto& r : c.rows) {
            if (r.scenario != c.scenarios[i]) continue;
            w.key(r.metric).begin_object();
            const auto num = [&](const char* k, double v) {
                w.key(k);
                if (std::isfinite(v))
                    w.value(v);
                else
                    w.null();
            };
            w.key("n").value(static_cast<unsigned long long>(r.value.n));
            num("mean", r.value.mean);
            num("ci95_low", r.value.low());
            num("ci95_high", r.value.high());
            if (r.difference.n > 0) {
                num("difference", r.difference.mean);
                num("difference_ci95_low", r.difference.low());
                num("difference_ci95_high", r.difference.high());
            }
            w.end_object();
        }
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.end_object();
    return w.str() + "\n";
}

std::string comparison_csv(const Comparison& c) {
    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out),
                   "scenario,metric,n,mean,ci95_low,ci95_high,difference,difference_ci95_low,difference_ci95_high\n");
    const auto f = [](double v) {
        if (!std::isfinite(v)) return std::string();
        return fmt::format("{:.10g}", v);
    };
    for (const auto& r : c.rows) {
        fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},", core::csv_field(r.scenario),
                       core::csv_field(r.metric), r.value.n, f(r.value.mean), f(r.value.low()), f(r.value.high()));
        if (r.difference.n > 0)
            fmt::format_to(std::back_inserter(out), "{},{},{}\n", f(r.difference.mean), f(r.difference.low()),
                           f(r.difference.high()));
        else
            fmt::format_to(std::back_inserter(out), ",,\n");
    }
    return fmt::to_string(out);
}

}  // namespace flemsim::pipeline
