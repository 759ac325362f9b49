#include "sim/pipeline/target.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <boost/math/distributions/students_t.hpp>

#include "sim/core/atomic_file.hpp"
#include "sim/core/csv.hpp"
#include "sim/core/fs.hpp"
#include "sim/core/json.hpp"
#include "sim/core/text.hpp"
#include "sim/network/patch.hpp"
#include "sim/pipeline/sweep.hpp"
#include "sim/scenario/reader.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

using scenario::ConfigNode;
using scenario::fail_at;
using scenario::MapReader;

namespace {

constexpr auto npos = static_cast<std::size_t>(-1);
constexpr std::size_t max_levels = 100;

std::string value_text(const ConfigNode& n, const std::string& path) {
    if (n.kind == ConfigNode::Kind::scalar) return n.scalar;
    if (n.kind == ConfigNode::Kind::sequence) {
        std::string s = "[";
        for (std::size_t i = 0; i < n.items.size(); ++i) s += (i ? ", " : "") + value_text(n.items[i], path);
        return s + "]";
    }
    fail_at(n, path, "expected a value");
}

const ConfigNode& list_of(const ConfigNode& n, const std::string& path, const char* what) {
    if (n.kind != ConfigNode::Kind::sequence || n.items.empty()) fail_at(n, path, std::string("expected ") + what);
    if (n.items.size() > max_levels)
        fail_at(n, path, "more than " + std::to_string(max_levels) + " levels: a lever is a handful of steps");
    return n;
}

bool valid_name(const std::string& s) {
    return !s.empty() && s.find_first_of(" ,;=\"'/\t\n") == std::string::npos;
}

Lever read_lever(const ConfigNode& node, const std::string& path, const std::filesystem::path& dir) {
    MapReader r(node, path);
    Lever l;
    l.pos = node.pos;
    l.name = r.string("name");
    if (!valid_name(l.name))
        fail_at(*r.optional("name"), r.child_path("name"),
                "a lever's name is a column of target.csv: letters, digits, '_' or '-', no spaces");
    l.description = r.optional("description") ? r.string("description") : "";
    const ConfigNode* set = r.optional("set");
    const ConfigNode* headways = r.optional("headways");
    const ConfigNode* package = r.optional("package");
    if ((set != nullptr) + (headways != nullptr) + (package != nullptr) != 1)
        fail_at(node, path, "a lever has one of set, headways or package");
    if (set && set->kind == ConfigNode::Kind::scalar) {
        // One key and its values.
        l.kind = Lever::Kind::set;
        l.keys.push_back(scenario::to_string(*set, r.child_path("set")));
        const auto& values = list_of(r.required("values"), r.child_path("values"), "a list of values, one per level");
        for (std::size_t k = 0; k < values.items.size(); ++k) {
            const auto v = value_text(values.items[k], r.child_path("values") + "[" + std::to_string(k) + "]");
            l.values.push_back({v});
            l.labels.push_back(v);
        }
    } else if (set) {
        // Several keys moved together (a land-use shift): each with its list, all of one length.
        l.kind = Lever::Kind::set;
        if (set->kind != ConfigNode::Kind::map || set->entries.empty())
            fail_at(*set, r.child_path("set"), "expected a key, or key.path: [values] for keys moved together");
        std::size_t n = 0;
        for (const auto& e : set->entries) {
            const auto p = r.child_path("set") + "." + e.key;
            const auto& values = list_of(e.value, p, "a list of values, one per level");
            if (n == 0) n = values.items.size();
            if (values.items.size() != n)
                fail_at(e.value, p,
                        fmt::format("has {} values, the first key {}: keys moved together need one value per level",
                                    values.items.size(), n));
            l.keys.push_back(e.key);
        }
        l.values.assign(n, {});
        for (std::size_t k = 0; k < n; ++k) {
            std::string label;
            for (const auto& e : set->entries) {
                l.values[k].push_back(value_text(e.value.items[k], r.child_path("set") + "." + e.key));
                label += (label.empty() ? "" : "/") + l.values[k].back();
            }
            l.labels.push_back(label);
        }
        if (r.optional("values"))
            fail_at(*r.optional("values"), r.child_path("values"),
                    "with a map under set, the values are the map's lists");
    } else if (headways) {
        l.kind = Lever::Kind::headways;
        const auto& lines = list_of(*headways, r.child_path("headways"), "a list of line ids");
        for (std::size_t k = 0; k < lines.items.size(); ++k)
            l.lines.push_back(
                scenario::to_string(lines.items[k], r.child_path("headways") + "[" + std::to_string(k) + "]"));
        const auto& values =
            list_of(r.required("values"), r.child_path("values"), "a list of headway factors, one per level");
        for (std::size_t k = 0; k < values.items.size(); ++k) {
            const double f = scenario::to_number(
                values.items[k], r.child_path("values") + "[" + std::to_string(k) + "]", scenario::Range{0.05, 20.0});
            l.factors.push_back(f);
            l.labels.push_back(fmt::format("x{:g}", f));
        }
    } else {
        l.kind = Lever::Kind::package;
        l.package = dir / scenario::to_string(*package, r.child_path("package"));
        if (!core::exists(l.package))
            fail_at(*package, r.child_path("package"), "no such file '" + l.package.string() + "'");
        l.labels.push_back("on");
    }
    if (const ConfigNode* cost = r.optional("cost")) {
        if (cost->kind == ConfigNode::Kind::sequence) {
            const auto costs = scenario::to_numbers(*cost, r.child_path("cost"), scenario::non_negative);
            if (costs.size() != l.levels())
                fail_at(*cost, r.child_path("cost"),
                        fmt::format("has {} costs for {} levels: one per level, or one number per step", costs.size(),
                                    l.levels()));
            l.cost = costs;
        } else {
            const double step = scenario::to_number(*cost, r.child_path("cost"), scenario::non_negative);
            for (std::size_t k = 0; k < l.levels(); ++k) l.cost.push_back(step * static_cast<double>(k + 1));
        }
    }
    r.finish();
    return l;
}

// One scenario key set on a tree, as `--set` would.
void set_key(ConfigNode& tree, const std::string& key, const std::string& value) {
    scenario::apply_override(tree, key + "=" + value);
}

}  // namespace

double lower_bound(const std::vector<double>& values, double confidence) {
    const auto e = estimate(values);
    if (values.size() < 2) return e.mean;
    double ss = 0;
    for (const double v : values) ss += (v - e.mean) * (v - e.mean);
    const double sd = std::sqrt(ss / static_cast<double>(values.size() - 1));
    const boost::math::students_t t(static_cast<double>(values.size() - 1));
    return e.mean - boost::math::quantile(t, confidence) * sd / std::sqrt(static_cast<double>(values.size()));
}

TargetSearch load_target_search(const std::filesystem::path& file) {
    const auto tree = scenario::load_yaml_file(file);
    MapReader root(tree, "");
    TargetSearch s;
    s.file = file;
    s.name = root.string("name");
    if (!valid_name(s.name))
        fail_at(*root.optional("name"), "name", "must be a name without spaces or slashes (the output folder's)");
    const auto dir = file.parent_path();
    s.base = dir / root.string("base");
    if (!core::exists(s.base)) fail_at(*root.optional("base"), "base", "no such file '" + s.base.string() + "'");
    s.target = root.number_or("target", 0.0, scenario::Range{0.0, 1.0, true});
    s.confidence = root.number_or("confidence", 0.9, scenario::Range{0.5, 0.999});
    s.seeds = static_cast<std::size_t>(root.number_or("seeds", 2, scenario::Range{1, 100}));
    if (const auto* run = root.optional("run")) {
        const auto v = scenario::to_string(*run, "run");
        if (v != "static" && v != "simulated") fail_at(*run, "run", "expected static or simulated");
        s.simulated = v == "simulated";
    }
    s.max_points = static_cast<std::size_t>(root.number_or("max_points", 60, scenario::Range{0, 10000}));
    if (root.optional("cost_unit")) s.cost_unit = root.string("cost_unit");
    const auto& levers = root.required("levers");
    if (levers.kind != ConfigNode::Kind::sequence || levers.items.empty())
        fail_at(levers, "levers", "expected a list of levers");
    for (std::size_t i = 0; i < levers.items.size(); ++i) {
        s.levers.push_back(read_lever(levers.items[i], "levers[" + std::to_string(i) + "]", dir));
        for (std::size_t j = 0; j + 1 < s.levers.size(); ++j)
            if (s.levers[j].name == s.levers.back().name)
                fail_at(levers.items[i], "levers[" + std::to_string(i) + "].name",
                        "lever '" + s.levers.back().name + "' is named twice");
        s.costs_given = s.costs_given || !s.levers.back().cost.empty();
    }
    root.finish();
    // Without costs anywhere, a package costs its number of steps; with costs, a lever without
    // its own costs nothing (say so in the file).
    for (auto& l : s.levers)
        if (l.cost.empty())
            for (std::size_t k = 0; k < l.levels(); ++k)
                l.cost.push_back(s.costs_given ? 0.0 : static_cast<double>(k + 1));
    if (!s.costs_given) s.cost_unit = "steps";
    return s;
}

std::size_t TargetResult::point_of(const std::vector<std::size_t>& level) const {
    for (std::size_t i = 0; i < points.size(); ++i)
        if (points[i].level == level) return i;
    return npos;
}

std::string describe_point(const TargetResult& r, const TargetPoint& p) {
    std::string out;
    for (std::size_t k = 0; k < p.level.size(); ++k)
        if (p.level[k] > 0)
            out +=
                (out.empty() ? "" : ", ") + r.search.levers[k].name + "=" + r.search.levers[k].labels[p.level[k] - 1];
    return out.empty() ? "the base" : out;
}

namespace {

// Writes the point's scenario file: the base (with the packages switched on), the keys set and
// the headways changed.
std::filesystem::path write_point(const TargetResult& r, const TargetPoint& p, const network::Network& base_net,
                                  const std::filesystem::path& dir) {
    // Files named relative to the point's folder: the output folder can move, with its inputs
    // where they were relative to it (the staging folder is the final one's sibling).
    const auto beside = [&](const std::filesystem::path& file) {
        std::error_code ec;
        const auto rel = std::filesystem::relative(std::filesystem::absolute(file), std::filesystem::absolute(dir), ec);
        return (ec || rel.empty() ? std::filesystem::absolute(file) : rel).string();
    };
    ConfigNode tree;
    tree.kind = ConfigNode::Kind::map;
    std::vector<std::string> packages;
    for (std::size_t k = 0; k < p.level.size(); ++k) {
        const auto& l = r.search.levers[k];
        if (p.level[k] == 0) continue;
        if (l.kind == Lever::Kind::package) packages.push_back(beside(l.package));
        if (l.kind == Lever::Kind::set)
            for (std::size_t j = 0; j < l.keys.size(); ++j) set_key(tree, l.keys[j], l.values[p.level[k] - 1][j]);
    }
    std::string yaml = fmt::format("# flemsim target {}: point {} ({})\n", r.search.name, p.id, describe_point(r, p));
    const auto base = beside(r.search.base);
    if (packages.empty()) {
        yaml += "extends: \"" + base + "\"\n";
    } else {
        yaml += "combine:\n  - \"" + base + "\"\n";
        for (const auto& pk : packages) yaml += "  - \"" + pk + "\"\n";
    }
    yaml += "name: " + r.base_name + "-" + p.id + "\n";
    yaml += "description: \"" + r.search.name + " point " + p.id + ": " + describe_point(r, p) + "\"\n";
    if (!tree.entries.empty()) yaml += scenario::to_yaml(tree);
    // Headways: every interval of the named lines, as in the base network, times the factor.
    std::string patch;
    for (std::size_t k = 0; k < p.level.size(); ++k) {
        const auto& l = r.search.levers[k];
        if (l.kind != Lever::Kind::headways || p.level[k] == 0) continue;
        const double f = l.factors[p.level[k] - 1];
        for (const auto& id : l.lines) {
            const auto line = base_net.find_line(id);
            patch += "    " + id + ":\n";
            for (auto h = base_net.line_first_headway[line]; h < base_net.line_first_headway[line + 1]; ++h)
                patch += fmt::format("      - {{from: \"{}\", to: \"{}\", headway_s: {}}}\n",
                                     core::format_clock(base_net.headway_from_s[h]),
                                     core::format_clock(base_net.headway_to_s[h]),
                                     std::max<long>(1, std::lround(base_net.headway_s[h] * f)));
        }
    }
    if (!patch.empty()) yaml += "network_patch:\n  change_headways:\n" + patch;
    const auto file = dir / (p.id + ".yaml");
    core::write_file_atomically(file, yaml);
    return file;
}

void finish_point(TargetPoint& p, const TargetResult& r) {
    p.mean = estimate(p.shares).mean;
    p.low = lower_bound(p.shares, r.search.confidence);
    p.reaches = p.low >= r.target;
    p.cost = 0;
    for (std::size_t k = 0; k < p.level.size(); ++k)
        if (p.level[k] > 0) p.cost += r.search.levers[k].cost[p.level[k] - 1];
    if (!r.points.empty() && r.points[0].evaluated && &p != &r.points[0]) {
        std::vector<double> d;
        for (std::size_t s = 0; s < p.shares.size(); ++s) d.push_back(p.shares[s] - r.points[0].shares[s]);
        p.effect = estimate(d);
    }
    p.evaluated = true;
}

}  // namespace

TargetResult run_target_search(const TargetSearch& search, const TargetOptions& o) {
    const auto began = std::chrono::steady_clock::now();
    TargetResult r;
    r.search = search;
    // Everything is checked before anything is written: the base, every lever's every level
    // loaded as a scenario, the lines named.
    auto base_overrides = o.overrides;
    if (!search.simulated) base_overrides.push_back("simulation.enabled=false");
    const auto base = scenario::load_scenario(search.base, scenario::LoadOptions{base_overrides});
    r.base_name = base.name;
    r.target = search.target > 0 ? search.target : base.target.sustainable_share;
    const auto base_net = network::load_scenario_network(base);
    for (const auto& l : search.levers) {
        try {
            if (l.kind == Lever::Kind::set)
                for (const auto& level : l.values) {
                    auto ov = base_overrides;
                    for (std::size_t j = 0; j < l.keys.size(); ++j) ov.push_back(l.keys[j] + "=" + level[j]);
                    scenario::load_scenario(search.base, scenario::LoadOptions{ov});
                }
            if (l.kind == Lever::Kind::package)
                network::load_scenario_network(
                    scenario::load_scenario(l.package, scenario::LoadOptions{base_overrides}));
        } catch (const core::InputError& e) {
            throw core::InputError(l.pos, "lever '" + l.name + "': " + e.what());
        }
        for (const auto& id : l.lines)
            if (base_net.find_line(id) == core::invalid_index)
                throw core::InputError(l.pos, "lever '" + l.name + "': no line '" + id + "' in the base network",
                                       core::did_you_mean(id, base_net.line_ids));
    }
    std::uint64_t first_seed = o.first_seed ? o.first_seed : base.seed;
    for (std::size_t s = 0; s < search.seeds; ++s) r.seeds.push_back(first_seed + s);

    const std::filesystem::path output = o.begin_writing ? o.begin_writing() : o.output;
    std::filesystem::remove_all(output / "runs");
    std::filesystem::create_directories(output / "points");
    const std::size_t n_levers = search.levers.size();

    // Runs the points not run yet, all seeds, `jobs` at a time.
    const auto evaluate = [&](const std::vector<std::size_t>& which) {
        Sweep sweep;
        sweep.name = search.name;
        sweep.output = output;
        std::vector<std::pair<std::size_t, std::size_t>> of;  // run -> (point, seed)
        for (const auto i : which) {
            if (r.points[i].evaluated) continue;
            const auto file = write_point(r, r.points[i], base_net, output / "points");
            for (std::size_t s = 0; s < r.seeds.size(); ++s) {
                SweepRun run;
                run.id = fmt::format("{}-s{}", r.points[i].id, r.seeds[s]);
                run.base = file;
                run.overrides = base_overrides;
                run.seed = r.seeds[s];
                run.parameters = describe_point(r, r.points[i]);
                sweep.runs.push_back(run);
                of.emplace_back(i, s);
            }
        }
        if (sweep.runs.empty()) return;
        const auto rows = execute_sweep(
            sweep, o.program, o.jobs, o.threads, o.progress ? o.progress : [](const std::string&) {});
        for (std::size_t k = 0; k < rows.size(); ++k) {
            const auto dir = output / "runs" / sweep.runs[k].id;
            if (rows[k].status != "ok")
                throw core::IoError("run " + rows[k].run + " (" + sweep.runs[k].parameters + ", seed " +
                                    std::to_string(sweep.runs[k].seed) + ") failed: " + rows[k].error +
                                    " (its messages: " + (dir / "stderr.txt").string() + ")");
            auto& p = r.points[of[k].first];
            p.shares.resize(r.seeds.size());
            p.shares[of[k].second] = rows[k].sustainable_share;
            if (!o.keep_trip_logs) std::filesystem::remove(dir / "trips.h5");
        }
        for (const auto i : which)
            if (!r.points[i].evaluated) finish_point(r.points[i], r);
    };
    const auto add_point = [&](const std::vector<std::size_t>& level, const char* phase) {
        if (const auto i = r.point_of(level); i != npos) return i;
        TargetPoint p;
        p.id = fmt::format("p{:03}", r.points.size());
        p.level = level;
        p.phase = phase;
        r.points.push_back(p);
        return r.points.size() - 1;
    };

    // The base first (the others' effects pair with it), then every lever alone at every level.
    evaluate({add_point(std::vector<std::size_t>(n_levers, 0), "base")});
    std::vector<std::size_t> frontier;
    for (std::size_t k = 0; k < n_levers; ++k)
        for (std::size_t v = 1; v <= search.levers[k].levels(); ++v) {
            std::vector<std::size_t> level(n_levers, 0);
            level[k] = v;
            frontier.push_back(add_point(level, "alone"));
        }
    evaluate(frontier);
    r.alone.assign(n_levers, npos);
    for (std::size_t k = 0; k < n_levers; ++k)
        for (std::size_t v = 1; v <= search.levers[k].levels(); ++v) {
            std::vector<std::size_t> level(n_levers, 0);
            level[k] = v;
            const auto i = r.point_of(level);
            if (r.points[i].reaches) {
                r.alone[k] = i;
                break;
            }
        }

    // A package: from the base, raise one lever a level at a time, the one that adds most share
    // per cost (most share where the steps cost nothing), until the target is reached.
    const std::size_t budget = r.points.size() + search.max_points;
    std::vector<std::size_t> state(n_levers, 0);
    std::size_t current = 0;
    r.path.push_back(0);
    if (r.points[0].reaches) r.stop_reason = "the base reaches the target already";
    while (r.stop_reason.empty()) {
        std::vector<std::size_t> candidates;
        for (std::size_t k = 0; k < n_levers; ++k) {
            if (state[k] >= search.levers[k].levels()) continue;
            auto next = state;
            ++next[k];
            if (r.point_of(next) == npos && r.points.size() >= budget) continue;
            candidates.push_back(add_point(next, "package"));
        }
        if (candidates.empty()) {
            r.stop_reason =
                r.points.size() >= budget ? "the search ran its max_points" : "every lever is at its largest level";
            break;
        }
        evaluate(candidates);
        std::size_t best = npos;
        double best_score = -std::numeric_limits<double>::infinity();
        for (const auto i : candidates) {
            const double gain = r.points[i].mean - r.points[current].mean;
            const double cost = r.points[i].cost - r.points[current].cost;
            // Free steps that help come first; then share per cost.
            const double score =
                cost <= 0 ? (gain > 0 ? std::numeric_limits<double>::max() / 2 + gain : gain) : gain / cost;
            if (score > best_score) {
                best_score = score;
                best = i;
            }
        }
        if (r.points[best].mean <= r.points[current].mean) {
            r.stop_reason = "no lever adds to the share from here";
            break;
        }
        current = best;
        state = r.points[best].level;
        r.path.push_back(best);
        if (r.points[best].reaches) r.stop_reason = "the package reaches the target";
    }
    // Trim: lower any lever the package does not need, the dearest step first.
    if (r.points[current].reaches && current != 0) {
        for (bool trimmed = true; trimmed;) {
            trimmed = false;
            std::vector<std::pair<double, std::size_t>> order;
            for (std::size_t k = 0; k < n_levers; ++k)
                if (state[k] > 0) {
                    const auto& c = search.levers[k].cost;
                    order.emplace_back(c[state[k] - 1] - (state[k] >= 2 ? c[state[k] - 2] : 0.0), k);
                }
            std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
            for (const auto& [saving, k] : order) {
                auto lower = state;
                --lower[k];
                if (r.point_of(lower) == npos && r.points.size() >= budget) continue;
                const auto i = add_point(lower, "trim");
                evaluate({i});
                if (r.points[i].reaches) {
                    state = lower;
                    current = i;
                    trimmed = true;
                    break;
                }
            }
        }
    }
    // The packages found: every point that reaches, cheapest first (then the larger share).
    for (std::size_t i = 0; i < r.points.size(); ++i)
        if (r.points[i].reaches) r.found.push_back(i);
    std::stable_sort(r.found.begin(), r.found.end(), [&](std::size_t a, std::size_t b) {
        if (r.points[a].cost != r.points[b].cost) return r.points[a].cost < r.points[b].cost;
        return r.points[a].mean > r.points[b].mean;
    });
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    return r;
}

namespace {

std::string pct(double v) {
    return fmt::format("{:.1f}", 100 * v);
}

std::string cost_text(const TargetResult& r, double c) {
    if (!r.search.costs_given) return fmt::format("{:g} step{}", c, c == 1 ? "" : "s");
    return fmt::format("{:g} {}", c, r.search.cost_unit);
}

std::string share_text(const TargetResult& r, const TargetPoint& p) {
    if (r.seeds.size() < 2) return pct(p.mean) + " %";
    return fmt::format("{} % (lower bound {} %)", pct(p.mean), pct(p.low));
}

}  // namespace

std::string format_target(const TargetResult& r) {
    fmt::memory_buffer out;
    const auto& s = r.search;
    const auto& base = r.points.front();
    fmt::format_to(std::back_inserter(out), "Target search {} — {} to {} % sustainable\n", s.name, r.base_name,
                   pct(r.target));
    fmt::format_to(std::back_inserter(out), "{} level of service, {} seed(s) {}..{} (the same for every point), ",
                   s.simulated ? "simulated" : "static", r.seeds.size(), r.seeds.front(), r.seeds.back());
    if (r.seeds.size() >= 2)
        fmt::format_to(std::back_inserter(out),
                       "a point reaches the target when its {:g} % one-sided lower bound does\n", 100 * s.confidence);
    else
        fmt::format_to(std::back_inserter(out),
                       "one seed: a point reaches the target on its share alone (no confidence bound; use seeds: 2 "
                       "or more)\n");
    fmt::format_to(std::back_inserter(out), "Base: {}\n", share_text(r, base));

    fmt::format_to(std::back_inserter(out), "\nEach lever alone (sustainable share %, * reaches the target)\n");
    for (std::size_t k = 0; k < s.levers.size(); ++k) {
        const auto& l = s.levers[k];
        fmt::format_to(std::back_inserter(out), "  {}{}\n    base {}", l.name,
                       l.description.empty() ? "" : ": " + l.description, pct(base.mean));
        for (std::size_t v = 1; v <= l.levels(); ++v) {
            std::vector<std::size_t> level(s.levers.size(), 0);
            level[k] = v;
            const auto& p = r.points[r.point_of(level)];
            fmt::format_to(std::back_inserter(out), "  {}: {}{}", l.labels[v - 1], pct(p.mean), p.reaches ? "*" : "");
        }
        fmt::format_to(std::back_inserter(out), "\n    ");
        if (r.alone[k] != npos)
            fmt::format_to(std::back_inserter(out), "reaches the target alone at {} ({}, {})\n",
                           describe_point(r, r.points[r.alone[k]]), share_text(r, r.points[r.alone[k]]),
                           cost_text(r, r.points[r.alone[k]].cost));
        else {
            std::vector<std::size_t> level(s.levers.size(), 0);
            level[k] = l.levels();
            fmt::format_to(std::back_inserter(out), "does not reach the target alone: {} % at its largest level\n",
                           pct(r.points[r.point_of(level)].mean));
        }
    }

    fmt::format_to(std::back_inserter(out),
                   "\nPackage search (each step raises the lever that adds most share per {}):\n",
                   s.costs_given ? "cost" : "step");
    for (std::size_t j = 0; j < r.path.size(); ++j) {
        const auto& p = r.points[r.path[j]];
        fmt::format_to(std::back_inserter(out), "  {}. {}: {}, {}\n", j, describe_point(r, p), share_text(r, p),
                       cost_text(r, p.cost));
    }
    fmt::format_to(std::back_inserter(out), "  stopped: {}\n", r.stop_reason);

    if (r.found.empty()) {
        const auto& largest = *std::max_element(r.points.begin(), r.points.end(),
                                                [](const auto& a, const auto& b) { return a.mean < b.mean; });
        fmt::format_to(std::back_inserter(out),
                       "\nNo point searched reaches {} %. The largest share: {} ({}). Add levers or widen their "
                       "ranges.\n",
                       pct(r.target), describe_point(r, largest), pct(largest.mean));
    } else {
        fmt::format_to(std::back_inserter(out), "\nPackages that reach {} %, cheapest first:\n", pct(r.target));
        for (std::size_t j = 0; j < std::min<std::size_t>(r.found.size(), 8); ++j) {
            const auto& p = r.points[r.found[j]];
            fmt::format_to(std::back_inserter(out), "  {}  {}: {}, effect {} points, {}\n", p.id, describe_point(r, p),
                           share_text(r, p), format_estimate(p.effect, true, true), cost_text(r, p.cost));
        }
        if (r.found.size() > 8)
            fmt::format_to(std::back_inserter(out), "  ... {} more in target.csv\n", r.found.size() - 8);
    }
    fmt::format_to(std::back_inserter(out),
                   "\n{} points x {} seed(s) = {} runs in {}; each point's scenario is in points/\n", r.points.size(),
                   r.seeds.size(), r.points.size() * r.seeds.size(), core::format_duration(r.seconds));
    if (!s.simulated)
        fmt::format_to(std::back_inserter(out),
                       "Screened on the static level of service: confirm a package with `flemsim compare` on the "
                       "simulated day.\n");
    return fmt::to_string(out);
}

std::string target_csv(const TargetResult& r) {
    std::string out = "point,phase";
    for (const auto& l : r.search.levers) out += "," + l.name;
    out += ",cost,seeds,sustainable_share,lower_bound,effect,effect_half_width,reaches\n";
    for (const auto& p : r.points) {
        out += p.id + "," + p.phase;
        for (std::size_t k = 0; k < p.level.size(); ++k)
            out += "," + core::csv_field(p.level[k] == 0 ? "base" : r.search.levers[k].labels[p.level[k] - 1]);
        out += fmt::format(",{:g},{},{:.6f},{:.6f},{:.6f},{},{}\n", p.cost, p.shares.size(), p.mean, p.low,
                           p.effect.n ? p.effect.mean : 0.0,
                           p.effect.n >= 2 ? fmt::format("{:.6f}", p.effect.half_width) : std::string(),
                           p.reaches ? 1 : 0);
    }
    return out;
}

std::string target_json(const TargetResult& r) {
    core::JsonWriter j;
    j.begin_object();
    j.key("name").value(r.search.name);
    j.key("base").value(r.base_name);
    j.key("target").value(r.target);
    j.key("confidence").value(r.search.confidence);
    j.key("run").value(r.search.simulated ? "simulated" : "static");
    j.key("seeds").begin_array();
    for (const auto s : r.seeds) j.value(static_cast<unsigned long long>(s));
    j.end_array();
    j.key("cost_unit").value(r.search.cost_unit);
    j.key("levers").begin_array();
    for (const auto& l : r.search.levers) {
        j.begin_object();
        j.key("name").value(l.name);
        j.key("description").value(l.description);
        j.key("levels").begin_array();
        for (const auto& label : l.labels) j.value(label);
        j.end_array();
        j.key("cost").begin_array();
        for (const auto c : l.cost) j.value(c);
        j.end_array();
        j.end_object();
    }
    j.end_array();
    const auto point = [&](const TargetPoint& p) {
        j.begin_object();
        j.key("point").value(p.id);
        j.key("phase").value(p.phase);
        j.key("levers").value(describe_point(r, p));
        j.key("level").begin_array();
        for (const auto v : p.level) j.value(static_cast<unsigned long long>(v));
        j.end_array();
        j.key("cost").value(p.cost);
        j.key("shares").begin_array();
        for (const auto v : p.shares) j.value(v);
        j.end_array();
        j.key("sustainable_share").value(p.mean);
        j.key("lower_bound").value(p.low);
        j.key("effect").value(p.effect.n ? p.effect.mean : 0.0);
        if (p.effect.n >= 2)
            j.key("effect_half_width").value(p.effect.half_width);
        else
            j.key("effect_half_width").null();
        j.key("reaches").value(p.reaches);
        j.end_object();
    };
    j.key("points").begin_array();
    for (const auto& p : r.points) point(p);
    j.end_array();
    j.key("alone").begin_array();
    for (const auto a : r.alone)
        if (a == npos)
            j.null();
        else
            j.value(r.points[a].id);
    j.end_array();
    j.key("path").begin_array();
    for (const auto i : r.path) j.value(r.points[i].id);
    j.end_array();
    j.key("stop_reason").value(r.stop_reason);
    j.key("found").begin_array();
    for (const auto i : r.found) j.value(r.points[i].id);
    j.end_array();
    j.end_object();
    return j.str() + "\n";
}

namespace {

// A chart of share (y) against points (x, labelled), the target drawn, the lower bounds as
// whiskers; axis titles and a legend.
void share_chart(fmt::memory_buffer& o, const TargetResult& r, const std::vector<std::size_t>& pts,
                 const std::vector<std::string>& labels, const std::string& x_title, const std::string& id) {
    const double w = 640, h = 300, left = 60, right = 20, top = 20, bottom = 70;
    double lo = r.target, hi = r.target;
    for (const auto i : pts) {
        lo = std::min({lo, r.points[i].mean, r.points[i].low});
        hi = std::max(hi, r.points[i].mean);
    }
    lo = std::floor(lo * 100 - 1) / 100;
    hi = std::ceil(hi * 100 + 1) / 100;
    const auto y = [&](double v) { return top + (h - top - bottom) * (hi - v) / (hi - lo); };
    const double step = pts.size() > 1 ? (w - left - right) / static_cast<double>(pts.size() - 1) : 0;
    const auto x = [&](std::size_t j) {
        return pts.size() > 1 ? left + step * static_cast<double>(j) : (left + w - right) / 2;
    };
    fmt::format_to(std::back_inserter(o), R"~(<svg id="{}" class="chart" width="{}" height="{}" role="img">)~", id, w,
                   h);
    // y axis: ticks every whole point or more.
    const double span = (hi - lo) * 100;
    const double tick = span > 20 ? 5 : span > 8 ? 2 : 1;
    for (double t = std::ceil(lo * 100 / tick) * tick; t <= hi * 100 + 1e-9; t += tick)
        fmt::format_to(
            std::back_inserter(o),
            R"~(<line x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}" stroke="#eee"/><text x="{3}" y="{4:.1f}" text-anchor="end">{5:g}</text>)~",
            left, w - right, y(t / 100), left - 6, y(t / 100) + 4, t);
    fmt::format_to(
        std::back_inserter(o),
        R"~(<text transform="translate(14,{:.0f}) rotate(-90)" text-anchor="middle">sustainable share (%)</text>)~",
        (top + h - bottom) / 2);
    fmt::format_to(std::back_inserter(o), R"~(<text x="{:.0f}" y="{}" text-anchor="middle">{}</text>)~",
                   (left + w - right) / 2, h - 8, core::html_escape(x_title));
    fmt::format_to(
        std::back_inserter(o),
        R"~(<line x1="{0}" x2="{1}" y1="{2:.1f}" y2="{2:.1f}" stroke="#d00" stroke-dasharray="6 3"/><text x="{1}" y="{3:.1f}" text-anchor="end" fill="#d00">target {4} %</text>)~",
        left, w - right, y(r.target), y(r.target) - 4, pct(r.target));
    std::string line;
    for (std::size_t j = 0; j < pts.size(); ++j) {
        const auto& p = r.points[pts[j]];
        line += fmt::format("{}{:.1f},{:.1f}", j ? " " : "", x(j), y(p.mean));
        if (r.seeds.size() >= 2)
            fmt::format_to(std::back_inserter(o),
                           R"~(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#888"/>)~", x(j),
                           y(p.mean), y(p.low));
        fmt::format_to(std::back_inserter(o),
                       R"~(<circle cx="{:.1f}" cy="{:.1f}" r="4" fill="{}"><title>{}: {} %</title></circle>)~", x(j),
                       y(p.mean), p.reaches ? "#1a7f37" : "#3465a4", core::html_escape(describe_point(r, p)),
                       pct(p.mean));
        fmt::format_to(std::back_inserter(o),
                       R"~(<text x="{:.1f}" y="{}" text-anchor="end" transform="rotate(-30 {:.1f} {})">{}</text>)~",
                       x(j), h - bottom + 16, x(j), h - bottom + 16, core::html_escape(labels[j]));
    }
    fmt::format_to(std::back_inserter(o), R"~(<polyline points="{}" fill="none" stroke="#3465a4"/>)~", line);
    fmt::format_to(std::back_inserter(o), "</svg>\n");
    fmt::format_to(
        std::back_inserter(o),
        R"~(<p class="legend"><span style="color:#3465a4">●</span> misses the target <span style="color:#1a7f37">●</span> reaches it{}; dashed red: the target</p>)~",
        r.seeds.size() >= 2 ? fmt::format("; grey whisker: down to the {:g} % lower bound", 100 * r.search.confidence)
                            : "");
}

}  // namespace

std::string target_page(const TargetResult& r) {
    fmt::memory_buffer o;
    const auto& s = r.search;
    const std::string title = "flemsim target: " + s.name;
    fmt::format_to(
        std::back_inserter(o),
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>"
        "body{{font:14px system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222}}"
        "table{{border-collapse:collapse}}td,th{{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}}"
        "td.n{{text-align:right}}svg text{{font:12px system-ui,sans-serif}}.legend,.note{{color:#555}}"
        ".yes{{color:#1a7f37;font-weight:600}}</style></head><body>\n",
        core::html_escape(title));
    fmt::format_to(std::back_inserter(o), "<h1>What does it take to reach {} %?</h1>\n", pct(r.target));
    fmt::format_to(
        std::back_inserter(o),
        "<p>Base scenario <b>{}</b>: {}. {} level of service, {} seed(s) {}..{} for every point. {}</p>\n",
        core::html_escape(r.base_name), core::html_escape(share_text(r, r.points.front())),
        s.simulated ? "Simulated" : "Static", r.seeds.size(), r.seeds.front(), r.seeds.back(),
        r.seeds.size() >= 2
            ? fmt::format("A point reaches the target when its {:g} % one-sided lower bound does.", 100 * s.confidence)
            : std::string("One seed: no confidence bound."));
    fmt::format_to(std::back_inserter(o), "<h2 id=\"found\">Packages that reach the target</h2>\n");
    if (r.found.empty()) {
        fmt::format_to(std::back_inserter(o),
                       "<p>No point searched reaches {} %. Add levers or widen their ranges.</p>\n", pct(r.target));
    } else {
        fmt::format_to(std::back_inserter(o),
                       "<table><tr><th>point</th><th>levers</th><th>share %</th><th>lower bound %</th><th>effect, "
                       "points</th><th>cost ({})</th></tr>\n",
                       core::html_escape(s.cost_unit));
        for (std::size_t j = 0; j < std::min<std::size_t>(r.found.size(), 10); ++j) {
            const auto& p = r.points[r.found[j]];
            fmt::format_to(std::back_inserter(o),
                           "<tr><td>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td "
                           "class=n>{:g}</td></tr>\n",
                           p.id, core::html_escape(describe_point(r, p)), pct(p.mean),
                           r.seeds.size() >= 2 ? pct(p.low) : "–",
                           core::html_escape(format_estimate(p.effect, true, true)), p.cost);
        }
        fmt::format_to(std::back_inserter(o), "</table>\n");
    }
    fmt::format_to(std::back_inserter(o), "<h2 id=\"frontier\">Each lever alone</h2>\n");
    for (std::size_t k = 0; k < s.levers.size(); ++k) {
        const auto& l = s.levers[k];
        std::vector<std::size_t> pts{0};
        std::vector<std::string> labels{"base"};
        for (std::size_t v = 1; v <= l.levels(); ++v) {
            std::vector<std::size_t> level(s.levers.size(), 0);
            level[k] = v;
            pts.push_back(r.point_of(level));
            labels.push_back(l.labels[v - 1]);
        }
        fmt::format_to(std::back_inserter(o), "<h3>{}</h3><p class=note>{}</p>\n", core::html_escape(l.name),
                       core::html_escape(l.description));
        share_chart(o, r, pts, labels, l.name + (l.kind == Lever::Kind::package ? " (off, on)" : " (level)"),
                    "lever-" + std::to_string(k));
    }
    fmt::format_to(std::back_inserter(o), "<h2 id=\"path\">Package search</h2>\n");
    {
        std::vector<std::string> labels;
        for (const auto i : r.path) labels.push_back(fmt::format("{:g}", r.points[i].cost));
        share_chart(o, r, r.path, labels, "cost of the package (" + s.cost_unit + "), one step per lever raised",
                    "package-path");
        fmt::format_to(std::back_inserter(o), "<ol start=0>");
        for (const auto i : r.path)
            fmt::format_to(std::back_inserter(o), "<li>{}: {} %</li>",
                           core::html_escape(describe_point(r, r.points[i])), pct(r.points[i].mean));
        fmt::format_to(std::back_inserter(o), "</ol><p class=note>Stopped: {}.</p>\n",
                       core::html_escape(r.stop_reason));
    }
    if (!s.simulated)
        fmt::format_to(std::back_inserter(o),
                       "<p class=note>Screened on the static level of service: confirm a package with <code>flemsim "
                       "compare</code> on the simulated day.</p>\n");
    fmt::format_to(std::back_inserter(o), "</body></html>\n");
    return fmt::to_string(o);
}

}  // namespace flemsim::pipeline
