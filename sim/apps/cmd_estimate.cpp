// flemsim estimate SURVEY: maximum-likelihood estimation of the mode-choice model (multinomial or
// nested logit) from observed choices; a table like Biogeme's and Larch's on stdout, and
// estimates.csv, estimation.json and a scenario fragment (mode_choice_estimated.yaml) in --output.
// With --scenario, records may give their zone pair and departure instead of their level of
// service, which is then computed on the scenario's network (sim/pipeline/survey_los.hpp).
#include <tbb/global_control.h>

#include <cmath>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/apps/command.hpp"
#include "sim/choice/estimation.hpp"
#include "sim/choice/survey.hpp"
#include "sim/choice/utility_terms.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/json.hpp"
#include "sim/core/output_dir.hpp"
#include "sim/core/text.hpp"
#include "sim/pipeline/survey_los.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::apps {

namespace {

struct EstimateCommandOptions {
    std::string survey_file;
    std::string scenario_file;  // for records given by zone pair and departure
    std::string nests = "car;transit;active=walk,bike";
    std::vector<std::string> fixes;  // NAME=VALUE
    std::string terms;               // "-name,..." drops; "name,..." keeps only those
    std::string walk_breakpoints = "15,30";
    std::string bike_breakpoints = "20,40";
    int max_iterations = 1000;
    CommonOptions common;
};

// The model the options describe, checked before the survey is read.
struct Model {
    std::vector<choice::Term> terms;
    choice::NestStructure nests;
    std::map<std::string, double> fixed;  // by parameter name
};

std::vector<double> breakpoints(const std::string& option, const std::string& text) {
    std::vector<double> out;
    if (core::trim(text).empty()) return out;
    for (const auto part : core::split(text, ',')) {
        double v = 0;
        try {
            v = core::parse_double(core::trim(part));
        } catch (const core::ParseError& e) {
            throw UsageError(option + ": " + e.what());
        }
        if (!(v > 0) || (!out.empty() && v <= out.back()))
            throw UsageError(option + ": breakpoints must be positive minutes in increasing order, got '" + text + "'");
        out.push_back(v);
    }
    return out;
}

const std::vector<std::string>& mode_list() {
    static const std::vector<std::string> modes(core::mode_names.begin(), core::mode_names.end());
    return modes;
}

Model model_of(const EstimateCommandOptions& o) {
    Model m;
    choice::TermOptions to;
    to.walk_breakpoints_min = breakpoints("--walk-breakpoints", o.walk_breakpoints);
    to.bike_breakpoints_min = breakpoints("--bike-breakpoints", o.bike_breakpoints);
    const auto catalogue = choice::default_terms(to);
    std::vector<std::string> names;
    for (const auto& t : catalogue) names.push_back(t.name);

    // --terms: names with '-' are dropped; if any name comes without '-', only those are kept.
    std::vector<std::string> keep, drop;
    if (!core::trim(o.terms).empty())
        for (const auto part : core::split(o.terms, ',')) {
            std::string name(core::trim(part));
            const bool dropped = !name.empty() && name.front() == '-';
            if (dropped) name.erase(0, 1);
            if (std::find(names.begin(), names.end(), name) == names.end())
                throw UsageError("--terms: unknown term '" + name + "'" + [&] {
                    const auto hint = core::did_you_mean(name, names);
                    return hint.empty() ? std::string() : " (" + hint + ")";
                }());
            (dropped ? drop : keep).push_back(name);
        }
    for (const auto& t : catalogue) {
        const bool kept = keep.empty() || std::find(keep.begin(), keep.end(), t.name) != keep.end();
        if (kept && std::find(drop.begin(), drop.end(), t.name) == drop.end()) m.terms.push_back(t);
    }
    if (m.terms.empty()) throw UsageError("--terms leaves no term to estimate");

    try {
        m.nests = choice::parse_nests(o.nests, mode_list(), 1.0);
    } catch (const std::invalid_argument& e) {
        throw UsageError(std::string("--nests: ") + e.what());
    }

    std::vector<std::string> parameters;
    for (const auto& t : m.terms) parameters.push_back(t.name);
    for (const auto& n : m.nests.nest_names) parameters.push_back("nests." + n + ".scale");
    for (const auto& fix : o.fixes) {
        const auto eq = fix.find('=');
        if (eq == std::string::npos) throw UsageError("--fix: expected NAME=VALUE, got '" + fix + "'");
        const std::string name(core::trim(std::string_view(fix).substr(0, eq)));
        if (std::find(parameters.begin(), parameters.end(), name) == parameters.end()) {
            const auto hint = core::did_you_mean(name, parameters);
            throw UsageError("--fix: '" + name + "' is not a parameter of the model" +
                             (hint.empty() ? "" : " (" + hint + ")"));
        }
        try {
            m.fixed[name] = core::parse_double(core::trim(std::string_view(fix).substr(eq + 1)));
        } catch (const core::ParseError& e) {
            throw UsageError("--fix " + name + ": " + e.what());
        }
        if (name.rfind("nests.", 0) == 0 && !(m.fixed[name] > 0 && m.fixed[name] <= 1))
            throw UsageError("--fix " + name + ": a nest scale must be in (0, 1]");
    }
    return m;
}

std::string number_or_empty(double v, const char* format = "{:.10g}") {
    return std::isfinite(v) ? fmt::format(fmt::runtime(format), v) : std::string();
}

std::string nests_text(const choice::NestStructure& s) {
    if (s.nests() == 0) return "none (multinomial logit)";
    std::string out;
    for (int j = 0; j < s.alternatives(); ++j)
        if (s.nest_of[static_cast<std::size_t>(j)] < 0)
            out += (out.empty() ? "" : "; ") + std::string(core::mode_names[static_cast<std::size_t>(j)]);
    for (int k = 0; k < s.nests(); ++k) {
        std::string members;
        for (int j = 0; j < s.alternatives(); ++j)
            if (s.nest_of[static_cast<std::size_t>(j)] == k)
                members += (members.empty() ? "" : ", ") + std::string(core::mode_names[static_cast<std::size_t>(j)]);
        out += (out.empty() ? "" : "; ") + s.nest_names[static_cast<std::size_t>(k)] + " = " + members;
    }
    return out;
}

// The table, as Biogeme and Larch print theirs.
std::string report(const choice::EstimationResult& r, const std::string& source) {
    std::string out = fmt::format("Estimation of the mode-choice model: {}\n",
                                  r.nests.nests() ? "nested logit" : "multinomial logit");
    out += fmt::format("Survey: {}\nNests: {}\n\n", source, nests_text(r.nests));
    const auto cell = [](double v, const char* f) {
        return std::isfinite(v) ? fmt::format(fmt::runtime(f), v) : std::string("-");
    };
    out += core::pad_right("Parameter", 30) + core::pad_left("Value", 11) + core::pad_left("Std err", 11) +
           core::pad_left("t-test", 9) + core::pad_left("p-value", 9) + core::pad_left("Rob. std err", 13) +
           core::pad_left("Rob. t-test", 12) + core::pad_left("Rob. p-value", 13) + "\n";
    for (const auto& e : r.parameters) {
        out += core::pad_right(e.name, 30) + core::pad_left(cell(e.value, "{:.6g}"), 11);
        if (e.fixed) {
            out += core::pad_left("fixed", 11) + "\n";
            continue;
        }
        out += core::pad_left(cell(e.std_err, "{:.4g}"), 11) + core::pad_left(cell(e.t, "{:.2f}"), 9) +
               core::pad_left(cell(e.p, "{:.3f}"), 9) + core::pad_left(cell(e.robust_std_err, "{:.4g}"), 13) +
               core::pad_left(cell(e.robust_t, "{:.2f}"), 12) + core::pad_left(cell(e.robust_p, "{:.3f}"), 13) + "\n";
    }
    bool scales = false;
    for (const auto& e : r.parameters) scales = scales || (e.is_scale && !e.fixed);
    if (scales) out += "(t-tests of nest scales are against 1, the multinomial logit)\n";
    out += "\n";
    const auto line = [&](const std::string& label, const std::string& value) {
        out += core::pad_right(label, 38) + value + "\n";
    };
    line("Number of records (N):", fmt::format("{} (weights sum to {:.6g})", r.records, r.weight_sum));
    line("Estimated parameters (K):", std::to_string(r.free_parameters));
    line("Null log-likelihood LL(0):", fmt::format("{:.3f}", r.ll_null));
    line("Constants-only log-likelihood LL(c):",
         fmt::format("{:.3f} ({} constants)", r.ll_constants, r.free_constants));
    line("Final log-likelihood LL(beta):", fmt::format("{:.3f}", r.ll));
    line("Likelihood ratio vs LL(0):", fmt::format("{:.3f}", -2 * (r.ll_null - r.ll)));
    line("Rho-square vs LL(0):", fmt::format("{:.4f}", r.rho2_null));
    line("Rho-square-bar vs LL(0):", fmt::format("{:.4f}", r.rho2bar_null));
    line("Rho-square vs LL(c):", fmt::format("{:.4f}", r.rho2_constants));
    line("Rho-square-bar vs LL(c):", fmt::format("{:.4f}", r.rho2bar_constants));
    line("Iterations:", std::to_string(r.iterations));
    line("Convergence:",
         fmt::format("{} (relative gradient {:.2g})", r.converged ? "reached" : "NOT reached", r.relative_gradient));
    if (!r.message.empty()) out += "Note: " + r.message + "\n";
    return out;
}

std::string estimates_csv(const choice::EstimationResult& r) {
    std::string out = "name,value,std_err,t,p,robust_std_err,robust_t,robust_p,fixed\n";
    for (const auto& e : r.parameters)
        out += fmt::format("{},{},{},{},{},{},{},{},{}\n", e.name, number_or_empty(e.value), number_or_empty(e.std_err),
                           number_or_empty(e.t), number_or_empty(e.p), number_or_empty(e.robust_std_err),
                           number_or_empty(e.robust_t), number_or_empty(e.robust_p), e.fixed ? 1 : 0);
    return out;
}

// `scenario`: the --scenario file ("" without one); `computed`: the records whose level of
// service was computed on its network.
std::string estimation_json(const choice::EstimationResult& r, const std::string& source, const std::string& scenario,
                            std::size_t computed) {
    core::JsonWriter j;
    j.begin_object();
    j.key("survey").value(source);
    j.key("scenario").value(scenario);
    j.key("computed_level_of_service_records").value(static_cast<unsigned long long>(computed));
    j.key("model").value(r.nests.nests() ? "nested logit" : "multinomial logit");
    j.key("nests").begin_array();
    for (int k = 0; k < r.nests.nests(); ++k) {
        j.begin_object();
        j.key("name").value(r.nests.nest_names[static_cast<std::size_t>(k)]);
        j.key("alternatives").begin_array();
        for (int a = 0; a < r.nests.alternatives(); ++a)
            if (r.nests.nest_of[static_cast<std::size_t>(a)] == k)
                j.value(core::mode_names[static_cast<std::size_t>(a)]);
        j.end_array();
        j.key("scale").value(r.nests.scale[static_cast<std::size_t>(k)]);
        j.end_object();
    }
    j.end_array();
    j.key("parameters").begin_array();
    for (const auto& e : r.parameters) {
        j.begin_object();
        j.key("name").value(e.name);
        j.key("value").value(e.value);
        j.key("fixed").value(e.fixed);
        j.key("std_err").value(e.std_err);
        j.key("t").value(e.t);
        j.key("p").value(e.p);
        j.key("robust_std_err").value(e.robust_std_err);
        j.key("robust_t").value(e.robust_t);
        j.key("robust_p").value(e.robust_p);
        j.key("t_against").value(e.is_scale ? 1 : 0);
        j.end_object();
    }
    j.end_array();
    j.key("records").value(static_cast<unsigned long long>(r.records));
    j.key("weight_sum").value(r.weight_sum);
    j.key("estimated_parameters").value(r.free_parameters);
    j.key("ll_null").value(r.ll_null);
    j.key("ll_constants").value(r.ll_constants);
    j.key("constants").value(r.free_constants);
    j.key("ll_final").value(r.ll);
    j.key("rho2_null").value(r.rho2_null);
    j.key("rho2bar_null").value(r.rho2bar_null);
    j.key("rho2_constants").value(r.rho2_constants);
    j.key("rho2bar_constants").value(r.rho2bar_constants);
    j.key("iterations").value(r.iterations);
    j.key("converged").value(r.converged);
    j.key("relative_gradient").value(r.relative_gradient);
    j.key("message").value(r.message);
    j.end_object();
    return j.str() + "\n";
}

// The fragment under the scenario's keys (sim/choice/utility_terms.hpp): a term not in the model
// is written as 0, which is what leaving it out of the estimation meant.
std::string scenario_fragment(const choice::EstimationResult& r, const std::vector<choice::Term>& terms,
                              const std::string& source) {
    std::map<std::string, double> value;
    for (const auto& e : r.parameters) value[e.name] = e.value;
    const auto v = [&](const std::string& name) {
        const auto it = value.find(name);
        return fmt::format("{:.6g}", it == value.end() ? 0.0 : it->second);
    };
    const auto piecewise = [&](choice::TermKind kind) {
        std::string breaks, slopes;
        for (const auto& t : terms)
            if (t.kind == kind) {
                breaks += (breaks.empty() ? "" : ", ") + choice::breakpoint_text(t.breakpoint_min);
                slopes += (slopes.empty() ? "" : ", ") + v(t.name);
            }
        return "{breakpoints_min: [" + breaks + "], per_min: [" + slopes + "]}";
    };
    std::string out = fmt::format(
        "# Mode-choice coefficients estimated by `flemsim estimate` from {}: N = {}, LL(β) = {:.3f}, LL(0) = {:.3f}, "
        "ρ² = {:.4f}, {} ({} iterations).\n",
        source, r.records, r.ll, r.ll_null, r.rho2_null, r.nests.nests() ? "nested logit" : "multinomial logit",
        r.iterations);
    out +=
        "# Scenarios take it with `include: [<this file>]`; terms left out of the estimation are written as 0.\n"
        "# Standard errors: estimates.csv and estimation.json beside this file.\n";
    out += "mode_choice:\n";
    out += fmt::format("  asc: {{walk: {}, bike: {}, transit: {}, car: 0}}\n", v("asc.walk"), v("asc.bike"),
                       v("asc.transit"));
    out += "  beta:\n";
    out += fmt::format("    time_per_min: {{walk: {}, bike: {}, transit: {}, car: {}}}\n", v("beta.time_per_min.walk"),
                       v("beta.time_per_min.bike"), v("beta.time_per_min.transit"), v("beta.time_per_min.car"));
    out += "    wait_per_min: " + v("beta.wait_per_min") + "\n";
    out += "    access_egress_per_min: " + v("beta.access_egress_per_min") + "\n";
    out += "    transfer: " + v("beta.transfer") + "\n";
    out += "    cost_per_sek: " + v("beta.cost_per_sek") + "\n";
    out += "    walk_time_over_min: " + piecewise(choice::TermKind::walk_time_over_min) + "\n";
    out += "    bike_time_over_min: " + piecewise(choice::TermKind::bike_time_over_min) + "\n";
    out += fmt::format("    log_distance_km: {{walk: {}, bike: {}}}\n", v("beta.log_distance_km.walk"),
                       v("beta.log_distance_km.bike"));
    if (r.nests.nests() == 0) {
        out += "  nests: {}   # multinomial logit\n";
    } else {
        out += "  nests:\n";
        for (int k = 0; k < r.nests.nests(); ++k) {
            std::string members;
            for (int a = 0; a < r.nests.alternatives(); ++a)
                if (r.nests.nest_of[static_cast<std::size_t>(a)] == k)
                    members +=
                        (members.empty() ? "" : ", ") + std::string(core::mode_names[static_cast<std::size_t>(a)]);
            out += fmt::format("    {}: {{alternatives: [{}], scale: {:.6g}}}\n",
                               r.nests.nest_names[static_cast<std::size_t>(k)], members,
                               r.nests.scale[static_cast<std::size_t>(k)]);
        }
    }
    return out;
}

int run(const EstimateCommandOptions& o) {
    const auto& c = o.common;
    const Model m = model_of(o);
    const auto dir = c.output.empty()
                         ? std::filesystem::path("out") / "estimate" / std::filesystem::path(o.survey_file).stem()
                         : std::filesystem::path(c.output);
    // Checked before any work; the three files are written into a folder beside it and renamed
    // into place together, and only for an estimation that converged.
    core::StagedFolder out(dir, {"estimate", {}, {"estimates.csv", "estimation.json", "mode_choice_estimated.yaml"}},
                           c.force);

    auto survey = choice::read_survey(o.survey_file);
    const int threads = worker_threads(c.threads);
    std::size_t computed = 0;
    if (o.scenario_file.empty()) {
        // Without a scenario the person's columns follow the default rules (car needs a car,
        // bike a bike of one's own), and nothing computes a missing level of service.
        choice::apply_availability_rules(survey, scenario::ChoiceParams{}.availability);
        choice::require_level_of_service(survey);
    } else {
        const auto sc = load_scenario(o.scenario_file, c);
        choice::apply_availability_rules(survey, scenario::Params::from(sc).choice.availability);
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
        const auto filled = pipeline::fill_survey_los(survey, sc);
        computed = filled.records;
        if (!c.quiet && filled.records > 0) {
            std::string unavailable;
            for (std::size_t a = 0; a < core::mode_count; ++a)
                if (filled.unavailable[a] > 0)
                    unavailable += fmt::format("{}{} {}", unavailable.empty() ? "" : ", ", core::mode_names[a],
                                               filled.unavailable[a]);
            fmt::print("Level of service of {} records computed on the network of scenario '{}' ({} queries){}\n\n",
                       filled.records, sc.name, filled.queries,
                       unavailable.empty() ? "" : "; unavailable there: " + unavailable);
        }
    }
    const auto data = choice::choice_data(survey, m.terms);
    auto spec = choice::ModelSpec::free(data, m.nests);
    for (std::size_t k = 0; k < data.names.size(); ++k)
        if (const auto it = m.fixed.find(data.names[k]); it != m.fixed.end()) {
            spec.beta[static_cast<Eigen::Index>(k)] = it->second;
            spec.beta_fixed[k] = true;
        }
    for (std::size_t k = 0; k < m.nests.nest_names.size(); ++k)
        if (const auto it = m.fixed.find("nests." + m.nests.nest_names[k] + ".scale"); it != m.fixed.end()) {
            spec.nests.scale[k] = it->second;
            spec.scale_fixed[k] = true;
        }
    choice::EstimationOptions eo;
    eo.max_iterations = o.max_iterations;
    choice::EstimationResult result;
    try {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
        result = choice::estimate(data, spec, eo);
    } catch (const std::invalid_argument& e) {
        throw core::InputError({survey.file, 0, 0}, e.what());
    }
    if (!c.quiet) std::cout << report(result, o.survey_file);
    if (!result.converged) {
        std::cerr << "error: the estimation did not converge: " << result.message
                  << " (nothing written; try --nests mnl, fix a parameter with --fix, or drop a term with --terms)\n";
        return exit_data_error;
    }
    const auto& staging = out.stage();
    core::write_file_atomically(staging / "estimates.csv", estimates_csv(result));
    core::write_file_atomically(staging / "estimation.json",
                                estimation_json(result, o.survey_file, o.scenario_file, computed));
    core::write_file_atomically(staging / "mode_choice_estimated.yaml",
                                scenario_fragment(result, m.terms, o.survey_file));
    out.commit();
    if (!c.quiet)
        std::cout << "\nwrote " << (dir / "estimates.csv").string()
                  << ", estimation.json, mode_choice_estimated.yaml\n";
    return exit_ok;
}

}  // namespace

Command add_estimate_command(CLI::App& app) {
    auto o = std::make_shared<EstimateCommandOptions>();
    auto* cmd =
        app.add_subcommand("estimate", "Estimate the mode-choice model (MNL or nested logit) from survey records");
    cmd->add_option("survey", o->survey_file, "Survey table (CSV): one row per observed trip or tour (README)")
        ->required();
    cmd->add_option("--scenario", o->scenario_file,
                    "Scenario (YAML) whose network computes the level of service of records given by "
                    "origin_zone, destination_zone and departure");
    cmd->add_option("--nests", o->nests,
                    "Nests: ';' between nests, ',' between members, 'name=' before a nest's members; 'mnl' for none")
        ->capture_default_str();
    cmd->add_option("--fix", o->fixes, "Fix a parameter at a value: --fix beta.cost_per_sek=-0.02 (repeatable)")
        ->type_name("NAME=VALUE");
    cmd->add_option("--terms", o->terms,
                    "Terms: '-name' drops one from the default model; names without '-' keep only those (comma list)");
    cmd->add_option("--walk-breakpoints", o->walk_breakpoints, "Minutes beyond which walking time has an extra slope")
        ->capture_default_str();
    cmd->add_option("--bike-breakpoints", o->bike_breakpoints, "Minutes beyond which cycling time has an extra slope")
        ->capture_default_str();
    cmd->add_option("--max-iterations", o->max_iterations, "Iterations of the optimiser before it gives up")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    // Estimation draws nothing at random: no --seed. --set overrides the --scenario's keys.
    add_common_options(cmd, o->common, false);
    cmd->add_option("--set", o->common.sets, "Override a key of the --scenario: --set key.path=value (repeatable)")
        ->type_name("KEY=VALUE")
        ->check(overridable_key);
    add_force_option(cmd, o->common);
    // The shared descriptions speak of a scenario's outputs, which estimation does not write.
    cmd->get_option("--output")->description("Folder for the outputs (default: out/estimate/<survey name>)");
    cmd->get_option("--threads")->description("Worker threads (0 or not given: all cores; the result is the same)");
    cmd->footer(
        "Prints the estimates (value, standard errors, t-tests, robust ones), LL(0), LL(c), LL(β) and ρ²,\n"
        "and writes estimates.csv, estimation.json and mode_choice_estimated.yaml (a mode_choice fragment\n"
        "for `include:`) into --output (default out/estimate/<survey name>). Exit code 1 when the survey is\n"
        "bad or the estimation does not converge, 2 for a usage error.\n"
        "With --scenario, a row may give origin_zone, destination_zone (zone ids of the scenario's network)\n"
        "and departure (HH:MM) and leave its level-of-service cells empty: flemsim computes them between\n"
        "the zones' centroids as `flemsim route` does, at that time; given cells are kept. Optional\n"
        "car_available, bike_owner and transit_pass (0/1) describe the person.\n"
        "Examples:\n"
        "  flemsim estimate survey.csv --output out/estimate\n"
        "  flemsim estimate travel-diary.csv --scenario scenarios/flemingsberg-2017.yaml --nests mnl\n"
        "  flemsim estimate survey.csv --nests mnl --fix beta.cost_per_sek=-0.02\n"
        "  flemsim estimate survey.csv --nests \"car;transit;active=walk,bike\" --terms=-beta.log_distance_km.bike");
    return {cmd, [o] {
                model_of(*o);  // usage errors before anything is read
                if (!o->common.sets.empty() && o->scenario_file.empty())
                    throw UsageError("--set overrides keys of a scenario: give it with --scenario");
                return run(*o);
            }};
}

}  // namespace flemsim::apps
