#include "sim/scenario/scenario.hpp"

#include <algorithm>
#include <numeric>
#include <set>

#include <fmt/format.h>

#include "sim/core/fs.hpp"
#include "sim/core/text.hpp"
#include "sim/scenario/compose.hpp"
#include "sim/scenario/reader.hpp"

namespace flemsim::scenario {

using core::Group;
using core::InputError;
using core::Mode;
using core::Purpose;

ModeChoiceTerms Scenario::ModeChoice::terms(Group g, Purpose p) const {
    ModeChoiceTerms t;
    t.asc = asc;
    t.time_per_min = beta.time_per_min;
    t.wait_per_min = beta.wait_per_min;
    t.access_egress_per_min = beta.access_egress_per_min;
    t.transfer = beta.transfer;
    t.cost_per_sek = beta.cost_per_sek;
    for (std::size_t m = 0; m < core::mode_count; ++m)
        t.asc[m] += asc_by_group[static_cast<std::size_t>(g)][m] + asc_by_purpose[static_cast<std::size_t>(p)][m];
    return t;
}

std::size_t DistanceBandTable::band_of(double km) const {
    return static_cast<std::size_t>(std::upper_bound(bands_km.begin(), bands_km.end(), km) - bands_km.begin());
}

std::string DistanceBandTable::band_name(std::size_t band) const {
    const double lower = band == 0 || bands_km.empty() ? 0.0 : bands_km[std::min(band, bands_km.size()) - 1];
    if (band >= bands_km.size()) return fmt::format("{}+ km", lower);
    return fmt::format("{}-{} km", lower, bands_km[band]);
}

namespace {

constexpr int max_extends_depth = 16;

// Loads `file`, follows `extends:` (relative to the file), merges base first. `from` is the
// `extends` or `combine` value that named the file (none for the scenario itself): a cycle or
// a chain too deep is that line's error. A package (`combine:`) loads each option with its
// own chain and stacks them side by side; `packages` gets the options' names.
ConfigNode load_chain(const std::filesystem::path& file, std::vector<std::filesystem::path>& chain,
                      std::vector<std::string>& packages, const ConfigNode* from = nullptr,
                      const std::string& via = "extends") {
    const auto canonical = core::weakly_canonical(file);
    const core::SourcePos where = from ? from->pos : core::SourcePos{file.string(), 0, 0};
    for (const auto& seen : chain)
        if (core::weakly_canonical(seen) == canonical)
            throw InputError(where, via + ": '" + file.string() + "' makes a cycle (it is already in the chain)");
    if (chain.size() >= max_extends_depth)
        throw InputError(where, via + ": the chain of extends and combine is deeper than " +
                                    std::to_string(max_extends_depth) + " files");
    chain.push_back(file);
    ConfigNode own = load_yaml_file(file);
    if (own.kind != ConfigNode::Kind::map)
        throw InputError(own.pos, "a scenario file must be a mapping of keys, got " + own.kind_name());
    ConfigNode merged;
    merged.kind = ConfigNode::Kind::map;
    merged.pos = own.pos;
    const ConfigNode* ext = own.find("extends");
    const ConfigNode* combine = own.find("combine");
    if (ext && combine)
        throw InputError(combine->pos, "combine: a package cannot also extend a scenario",
                         "each option it combines extends its base; drop 'extends' from the package");
    if (ext) {
        const std::string base_name = to_string(*ext, "extends");
        const auto base_path = file.parent_path() / base_name;
        if (!core::exists(base_path)) throw InputError(ext->pos, "extends: no such file '" + base_path.string() + "'");
        merged = load_chain(base_path, chain, packages, ext);
    }
    if (combine) {
        if (combine->kind != ConfigNode::Kind::sequence || combine->items.empty())
            fail_at(*combine, "combine", "expected a list of option files");
        std::set<std::string> earlier;  // canonical names of the files of the options before
        std::vector<std::filesystem::path> package_files;
        std::string names, descriptions;
        for (std::size_t i = 0; i < combine->items.size(); ++i) {
            const std::string path = "combine[" + std::to_string(i) + "]";
            const auto member_path = file.parent_path() / to_string(combine->items[i], path);
            if (!core::exists(member_path))
                fail_at(combine->items[i], path, "no such file '" + member_path.string() + "'");
            // Each option with its own chain: two options that extend one base are no cycle.
            std::vector<std::filesystem::path> member_chain = chain;
            std::vector<std::string> member_packages;
            ConfigNode member = load_chain(member_path, member_chain, member_packages, &combine->items[i], path);
            std::set<std::string> mine, shared;
            for (std::size_t k = chain.size(); k < member_chain.size(); ++k) {
                const auto c = canonical_file(member_chain[k].string());
                mine.insert(c);
                if (earlier.count(c)) shared.insert(c);
                if (std::none_of(package_files.begin(), package_files.end(),
                                 [&](const auto& f) { return canonical_file(f.string()) == c; }))
                    package_files.push_back(member_chain[k]);
            }
            // The options' names and descriptions are the package's, not values to reconcile.
            const ConfigNode* name = member.find("name");
            const std::string member_name = name ? to_string(*name, "name") : member_path.stem().string();
            const ConfigNode* description = member.find("description");
            names += (names.empty() ? "" : "+") + member_name;
            if (description)
                descriptions += (descriptions.empty() ? "" : "; ") + to_string(*description, "description");
            std::erase_if(member.entries, [](const auto& e) { return e.key == "name" || e.key == "description"; });
            packages.push_back(member_name);
            if (i == 0)
                merged = std::move(member);
            else
                stack_into(merged, member, Stacking::side_by_side, shared);
            earlier.insert(mine.begin(), mine.end());
        }
        chain.insert(chain.end(), package_files.begin(), package_files.end());
        for (auto [key, value] : {std::pair{"name", names}, std::pair{"description", "combines: " + descriptions}}) {
            ConfigNode v;
            v.kind = ConfigNode::Kind::scalar;
            v.scalar = value;
            v.pos = combine->pos;
            merged.entries.push_back({key, combine->pos, std::move(v)});
        }
    }
    // Fragments (e.g. calibrated constants) merge over the base and under the file's own keys.
    if (const ConfigNode* inc = own.find("include")) {
        if (inc->kind != ConfigNode::Kind::sequence) fail_at(*inc, "include", "expected a list of files");
        for (std::size_t i = 0; i < inc->items.size(); ++i) {
            const std::string path = "include[" + std::to_string(i) + "]";
            const auto frag_path = file.parent_path() / to_string(inc->items[i], path);
            if (!core::exists(frag_path)) fail_at(inc->items[i], path, "no such file '" + frag_path.string() + "'");
            chain.push_back(frag_path);
            const ConfigNode frag = load_yaml_file(frag_path);
            if (frag.kind != ConfigNode::Kind::map)
                throw InputError(frag.pos, "an included file must be a mapping of keys, got " + frag.kind_name());
            for (const auto& e : frag.entries)
                if (e.key == "extends" || e.key == "include" || e.key == "combine")
                    throw InputError(e.key_pos, e.key + ": an included file cannot extend, include or combine",
                                     "name the file under 'combine' of a package instead");
            stack_into(merged, frag, Stacking::child_wins);
        }
    }
    // The base's `extends`, `include` and `combine` are consumed; the child's own keys win.
    const auto consumed = [](const auto& e) { return e.key == "extends" || e.key == "include" || e.key == "combine"; };
    std::erase_if(merged.entries, consumed);
    stack_into(merged, own, Stacking::child_wins);
    std::erase_if(merged.entries, [](const auto& e) { return e.key == "include" || e.key == "combine"; });
    return merged;
}

// Resolves a path written in a scenario file against the file that wrote it.
std::filesystem::path resolve(const ConfigNode& node, const std::string& value) {
    const std::filesystem::path p(value);
    if (p.is_absolute() || node.pos.file.empty() || node.pos.file.rfind("--set", 0) == 0) return p;
    return std::filesystem::path(node.pos.file).parent_path() / p;
}

template <std::size_t N>
std::array<double, N> per_name(const ConfigNode& node, const std::string& path,
                               const std::array<std::string_view, N>& names, Range range, bool all_required) {
    MapReader r(node, path);
    std::array<double, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        const std::string key(names[i]);
        out[i] = all_required ? r.number(key, range) : r.number_or(key, 0.0, range);
    }
    r.finish();
    return out;
}

GroupAttributes read_attributes(const ConfigNode& node, const std::string& path) {
    MapReader r(node, path);
    GroupAttributes a;
    a.car_availability = r.number("car_availability", unit_interval);
    a.bike_ownership = r.number("bike_ownership", unit_interval);
    a.transit_pass = r.number("transit_pass", unit_interval);
    r.finish();
    return a;
}

ActivityParams read_activity(const ConfigNode& node, const std::string& path) {
    MapReader r(node, path);
    ActivityParams a;
    a.tour_rate =
        per_name(r.required("tour_rate"), r.child_path("tour_rate"), core::group_names, Range{0.0, 5.0}, true);
    const auto profile_path = r.child_path("departure_profile");
    const auto& pnode = r.required("departure_profile");
    const auto profile = to_numbers(pnode, profile_path, non_negative);
    if (profile.size() != 24)
        fail_at(pnode, profile_path, "expected 24 hourly weights, got " + std::to_string(profile.size()));
    if (std::accumulate(profile.begin(), profile.end(), 0.0) <= 0)
        fail_at(pnode, profile_path, "at least one hour must have a positive weight");
    std::copy(profile.begin(), profile.end(), a.departure_profile.begin());
    {
        MapReader d(r.required("duration_h"), r.child_path("duration_h"));
        a.duration_h.mean = d.number("mean", Range{0.0, 20.0, true});
        a.duration_h.sd = d.number("sd", Range{0.0, 12.0});
        a.duration_h.min = d.number("min", Range{0.0, 20.0});
        d.finish();
        if (a.duration_h.min > a.duration_h.mean) fail_at(d.node(), d.path(), "min must not exceed mean");
    }
    a.gravity_beta_per_min = r.number("gravity_beta_per_min", non_positive);
    r.finish();
    return a;
}

std::array<double, core::mode_count> read_mode_values(const ConfigNode& node, const std::string& path, Range range,
                                                      bool all_required) {
    return per_name(node, path, core::mode_names, range, all_required);
}

template <std::size_t N>
void read_adjustments(const ConfigNode* node, const std::string& path, const std::array<std::string_view, N>& names,
                      std::array<std::array<double, core::mode_count>, N>& out) {
    if (!node) return;
    MapReader r(*node, path);
    for (std::size_t i = 0; i < N; ++i)
        if (const ConfigNode* n = r.optional(names[i]))
            out[i] = read_mode_values(*n, r.child_path(names[i]), any_number, false);
    r.finish();
}

// bands_km: [..] and one list per mode with a value per band (bands_km.size() + 1 values).
DistanceBandTable read_band_table(const ConfigNode& node, const std::string& path, Range range) {
    MapReader r(node, path);
    DistanceBandTable t;
    t.pos = node.pos;
    const auto& bn = r.required("bands_km");
    t.bands_km = to_numbers(bn, r.child_path("bands_km"), positive);
    if (t.bands_km.empty()) fail_at(bn, r.child_path("bands_km"), "give at least one band limit");
    for (std::size_t i = 1; i < t.bands_km.size(); ++i)
        if (t.bands_km[i] <= t.bands_km[i - 1]) fail_at(bn, r.child_path("bands_km"), "band limits must increase");
    t.rows.assign(t.bands_km.size() + 1, {});
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        const std::string key(core::mode_names[m]);
        const ConfigNode* n = r.optional(key);
        if (!n) continue;  // all zero
        const auto v = to_numbers(*n, r.child_path(key), range);
        if (v.size() != t.rows.size())
            fail_at(*n, r.child_path(key),
                    "expected " + std::to_string(t.rows.size()) +
                        " values (one per band: " + std::to_string(t.bands_km.size()) + " limits make " +
                        std::to_string(t.rows.size()) + " bands), got " + std::to_string(v.size()));
        for (std::size_t b = 0; b < v.size(); ++b) t.rows[b][m] = v[b];
    }
    r.finish();
    return t;
}

Scenario::ModeChoice::Beta::Piecewise read_piecewise(const ConfigNode& node, const std::string& path) {
    MapReader r(node, path);
    Scenario::ModeChoice::Beta::Piecewise p;
    const auto& bn = r.required("breakpoints_min");
    p.breakpoints_min = to_numbers(bn, r.child_path("breakpoints_min"), positive);
    for (std::size_t i = 1; i < p.breakpoints_min.size(); ++i)
        if (p.breakpoints_min[i] <= p.breakpoints_min[i - 1])
            fail_at(bn, r.child_path("breakpoints_min"), "breakpoints must increase");
    const auto& pn = r.required("per_min");
    p.per_min = to_numbers(pn, r.child_path("per_min"), any_number);
    if (p.per_min.size() != p.breakpoints_min.size())
        fail_at(pn, r.child_path("per_min"),
                "expected one slope per breakpoint (" + std::to_string(p.breakpoints_min.size()) + "), got " +
                    std::to_string(p.per_min.size()));
    r.finish();
    return p;
}

core::Mode mode_named(const ConfigNode& node, const std::string& path) {
    const std::string name = to_string(node, path);
    for (std::size_t m = 0; m < core::mode_count; ++m)
        if (core::mode_names[m] == name) return static_cast<core::Mode>(m);
    fail_at(node, path, "no such mode '" + name + "'", "modes are walk, bike, transit and car");
}

template <std::size_t N>
std::array<double, N> per_name_or(const ConfigNode* node, const std::string& path,
                                  const std::array<std::string_view, N>& names, Range range,
                                  const std::array<double, N>& fallback) {
    if (!node) return fallback;
    MapReader r(*node, path);
    std::array<double, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = r.number_or(names[i], fallback[i], range);
    r.finish();
    return out;
}

// `demand`: the demand models that see the level of service (sim/population/demand.hpp).
void read_demand(const ConfigNode& node, Scenario& s) {
    MapReader d(node, "demand");
    auto& k = s.demand;
    k.given = true;
    k.pos = node.pos;
    k.period_min = static_cast<int>(d.number_or("period_min", k.period_min, Range{5, 240}));
    if ((24 * 60) % k.period_min != 0)
        fail_at(*d.optional("period_min"), "demand.period_min", "must divide the day (1440 minutes) evenly");
    k.samples_per_period = static_cast<int>(d.number_or("samples_per_period", k.samples_per_period, Range{1, 60}));
    if (const ConfigNode* n = d.optional("destinations")) {
        MapReader r(*n, "demand.destinations");
        auto& x = k.destinations;
        x.logsum_coefficient = per_name_or(r.optional("logsum_coefficient"), r.child_path("logsum_coefficient"),
                                           core::purpose_names, Range{0.0, 10.0}, x.logsum_coefficient);
        x.distance_per_km = per_name_or(r.optional("distance_per_km"), r.child_path("distance_per_km"),
                                        core::purpose_names, non_positive, x.distance_per_km);
        x.sample_size = static_cast<int>(r.number_or("sample_size", x.sample_size, Range{0, 100000}));
        if (x.sample_size == 1)
            fail_at(*r.optional("sample_size"), "demand.destinations.sample_size",
                    "a sample of one zone chooses nothing; use 0 (every zone) or at least 2");
        x.shadow_price_iterations =
            static_cast<int>(r.number_or("shadow_price_iterations", x.shadow_price_iterations, Range{0, 1000}));
        x.shadow_price_tolerance =
            r.number_or("shadow_price_tolerance", x.shadow_price_tolerance, Range{0.0, 1.0, true});
        r.finish();
    }
    if (const ConfigNode* n = d.optional("in_commuters")) {
        MapReader r(*n, "demand.in_commuters");
        auto& x = k.in_commuters;
        const auto count = [&](const char* key, double& out) {
            const ConfigNode* v = r.optional(key);
            if (!v) return;
            if (v->kind == ConfigNode::Kind::scalar && v->scalar == "fill") return;
            out = to_number(*v, r.child_path(key), non_negative);
        };
        count("workers", x.workers);
        count("students", x.students);
        x.logsum_coefficient = r.number_or("logsum_coefficient", x.logsum_coefficient, Range{0.0, 10.0});
        if (const ConfigNode* v = r.optional("tools")) {
            const std::string text = to_string(*v, r.child_path("tools"));
            if (text != "by_place" && text != "by_gateway")
                fail_at(*v, r.child_path("tools"), "unknown rule '" + text + "'", "use by_place or by_gateway");
            x.tools_by_place = text == "by_place";
        }
        x.tools_logsum_coefficient =
            r.number_or("tools_logsum_coefficient", x.tools_logsum_coefficient, Range{0.0, 1.0, true});
        r.finish();
    }
    if (const ConfigNode* n = d.optional("mobility_tools")) {
        MapReader r(*n, "demand.mobility_tools");
        auto& x = k.mobility_tools;
        x.given = true;
        const auto& hn = r.required("household_size");
        x.household_size = to_numbers(hn, r.child_path("household_size"), unit_interval);
        double sum = 0;
        for (const double v : x.household_size) sum += v;
        if (x.household_size.empty() || std::abs(sum - 1.0) > 0.001)
            fail_at(hn, r.child_path("household_size"),
                    "give the shares of households of 1, 2, ... persons, adding up to 1 (they add up to " +
                        fmt::format("{:.4f}", sum) + ")");
        {
            MapReader c(r.required("cars"), r.child_path("cars"));
            auto& y = x.cars;
            y.asc_one = c.number("asc_one");
            y.asc_two_plus = c.number("asc_two_plus");
            y.per_adult_one = c.number_or("per_adult_one", 0.0);
            y.per_adult_two_plus = c.number_or("per_adult_two_plus", 0.0);
            y.per_worker_one = c.number_or("per_worker_one", 0.0);
            y.per_worker_two_plus = c.number_or("per_worker_two_plus", 0.0);
            y.accessibility = c.number_or("accessibility", 0.0, non_negative);
            y.parking_per_100_sek_month = c.number_or("parking_per_100_sek_month", 0.0, non_positive);
            c.finish();
        }
        const auto binary = [&](const char* key, Scenario::Demand::MobilityTools::Binary& y) {
            MapReader b(r.required(key), r.child_path(key));
            y.asc = per_name(b.required("asc"), b.child_path("asc"), core::group_names, any_number, false);
            y.accessibility = b.number_or("accessibility", 0.0, non_negative);
            y.car_available = b.number_or("car_available", 0.0);
            b.finish();
        };
        binary("transit_pass", x.pass);
        binary("bike", x.bike);
        x.work_weight = r.number_or("work_weight", x.work_weight, non_negative);
        x.all_weight = r.number_or("all_weight", x.all_weight, non_negative);
        r.finish();
    }
    if (const ConfigNode* n = d.optional("trip_making")) {
        MapReader r(*n, "demand.trip_making");
        auto& x = k.trip_making;
        x.stay_home =
            per_name(r.required("stay_home"), r.child_path("stay_home"), core::group_names, Range{0.0, 1.0}, false);
        for (std::size_t g = 0; g < core::group_count; ++g)
            if (x.stay_home[g] >= 1.0)
                fail_at(*r.optional("stay_home"), r.child_path("stay_home"),
                        "the share of " + std::string(core::group_names[g]) + " staying home must be below 1");
        x.accessibility = r.number_or("accessibility", 0.0, non_negative);
        x.reference_accessibility = r.number_or("reference_accessibility", 0.0);
        r.finish();
    }
    if (const ConfigNode* n = d.optional("departure_time")) {
        MapReader r(*n, "demand.departure_time");
        k.departure_time.logsum_coefficient =
            r.number_or("logsum_coefficient", k.departure_time.logsum_coefficient, Range{0.0, 10.0});
        r.finish();
    }
    d.finish();
}

void read_scenario(Scenario& s) {
    MapReader root(s.tree, "");
    root.optional("extends");
    root.optional("include");
    root.optional("combine");
    root.optional("network_patch");  // read with the network (network/patch.cpp)
    s.name = root.string("name");
    if (s.name.empty() || s.name.find_first_of("/\\ ") != std::string::npos)
        fail_at(*root.optional("name"), "name", "must be a non-empty name without spaces or slashes");
    if (const ConfigNode* d = root.optional("description")) s.description = to_string(*d, "description");
    s.year = static_cast<int>(root.integer("year", Range{1900, 2200}));
    {
        const ConfigNode& n = root.required("network");
        s.network = resolve(n, to_string(n, "network"));
        s.network_pos = n.pos;
    }
    s.seed = to_unsigned64(root.required("seed"), "seed");
    s.threads = static_cast<int>(root.integer("threads", Range{0, 1024}));

    {
        MapReader o(root.required("output"), "output");
        const ConfigNode& dir = o.required("dir");
        s.output.dir = to_string(dir, "output.dir");
        s.output.compression_level = static_cast<int>(o.integer("compression_level", Range{0, 9}));
        s.output.chunk_rows = static_cast<std::uint32_t>(o.integer("chunk_rows", Range{1024, 4194304}));
        o.finish();
    }
    {
        MapReader t(root.required("target"), "target");
        s.target.sustainable_share = t.number("sustainable_share", unit_interval);
        t.finish();
    }
    {
        MapReader r(root.required("report"), "report");
        const auto& n = r.required("distance_bands_km");
        s.report.distance_bands_km = to_numbers(n, "report.distance_bands_km", positive);
        if (!std::is_sorted(s.report.distance_bands_km.begin(), s.report.distance_bands_km.end()) ||
            std::adjacent_find(s.report.distance_bands_km.begin(), s.report.distance_bands_km.end()) !=
                s.report.distance_bands_km.end())
            fail_at(n, "report.distance_bands_km", "band limits must increase");
        r.finish();
    }
    {
        const ConfigNode& lu = root.required("land_use");
        MapReader all(lu, "land_use");
        if (lu.entries.empty()) fail_at(lu, "land_use", "at least one study zone is needed");
        for (const auto& e : lu.entries) {
            all.optional(e.key);
            MapReader z(e.value, all.child_path(e.key));
            ZoneLandUse u;
            u.zone = e.key;
            u.pos = e.key_pos;
            u.residents = z.number("residents", non_negative);
            u.jobs = z.number("jobs", non_negative);
            u.study_places = z.number("study_places", non_negative);
            u.visits = z.number("visits", non_negative);
            u.home_parking_sek_per_month = z.number_or("home_parking_sek_per_month", 0.0, non_negative);
            z.finish();
            s.land_use.push_back(u);
        }
    }
    {
        const ConfigNode& gw = root.required("gateways");
        MapReader all(gw, "gateways");
        for (const auto& e : gw.entries) {
            all.optional(e.key);
            MapReader z(e.value, all.child_path(e.key));
            GatewayWeights g;
            g.zone = e.key;
            g.pos = e.key_pos;
            g.workers = z.number("workers", non_negative);
            g.students = z.number("students", non_negative);
            g.jobs = z.number("jobs", non_negative);
            g.study_places = z.number("study_places", non_negative);
            g.visits = z.number("visits", non_negative);
            g.car_availability = z.number_or("car_availability", -1.0, unit_interval);
            g.bike_ownership = z.number_or("bike_ownership", -1.0, unit_interval);
            g.transit_pass = z.number_or("transit_pass", -1.0, unit_interval);
            z.finish();
            s.gateways.push_back(g);
        }
    }
    {
        MapReader p(root.required("population"), "population");
        s.population.scale = p.number("scale", Range{0.0, 1000.0, true});
        s.population.employment_rate = p.number("employment_rate", unit_interval);
        s.population.student_rate = p.number("student_rate", unit_interval);
        if (s.population.employment_rate + s.population.student_rate > 1.0)
            fail_at(p.node(), "population", "employment_rate + student_rate must not exceed 1");
        MapReader a(p.required("attributes"), "population.attributes");
        for (std::size_t g = 0; g < core::group_count; ++g) {
            const std::string key(core::group_names[g]);
            s.population.attributes[g] = read_attributes(a.required(key), a.child_path(key));
        }
        a.finish();
        p.finish();
    }
    {
        MapReader a(root.required("activities"), "activities");
        for (std::size_t p = 0; p < core::purpose_count; ++p) {
            const std::string key(core::purpose_names[p]);
            s.activities[p] = read_activity(a.required(key), a.child_path(key));
        }
        a.finish();
    }
    {
        MapReader m(root.required("modes"), "modes");
        {
            MapReader w(m.required("walk"), "modes.walk");
            s.modes.walk.speed_mps = w.number("speed_mps", Range{0.0, 3.0, true});
            s.modes.walk.speed_cv = w.number("speed_cv", Range{0.0, 0.5});
            s.modes.walk.max_trip_m = w.number("max_trip_m", positive);
            w.finish();
        }
        {
            MapReader b(m.required("bike"), "modes.bike");
            s.modes.bike.speed_mps = b.number("speed_mps", Range{0.0, 15.0, true});
            s.modes.bike.speed_cv = b.number("speed_cv", Range{0.0, 0.5});
            s.modes.bike.max_trip_m = b.number("max_trip_m", positive);
            b.finish();
        }
        {
            MapReader c(m.required("car"), "modes.car");
            s.modes.car.cost_per_km_sek = c.number("cost_per_km_sek", non_negative);
            s.modes.car.access_s = c.number("access_s", non_negative);
            s.modes.car.default_parking_sek = c.number("default_parking_sek", non_negative);
            if (const ConfigNode* pk = c.optional("parking_sek")) {
                MapReader z(*pk, "modes.car.parking_sek");
                for (const auto& e : pk->entries) {
                    z.optional(e.key);
                    s.modes.car.parking_sek[e.key] = to_number(e.value, z.child_path(e.key), non_negative);
                    s.modes.car.parking_pos[e.key] = e.key_pos;
                }
            }
            c.finish();
        }
        {
            MapReader t(m.required("transit"), "modes.transit");
            s.modes.transit.fare_sek = t.number("fare_sek", non_negative);
            s.modes.transit.pass_fare_per_trip_sek = t.number_or("pass_fare_per_trip_sek", 0.0, non_negative);
            s.modes.transit.max_access_walk_m = t.number("max_access_walk_m", positive);
            s.modes.transit.max_transfer_walk_m = t.number("max_transfer_walk_m", non_negative);
            // Older scenarios name the share of the headway waited; the timetable gives waits
            // now, so the key is still checked but its value is not used.
            (void)t.number_or("wait_factor", 0.5, Range{0.0, 1.0, true});
            s.modes.transit.max_wait_s = t.number("max_wait_s", positive);
            s.modes.transit.min_transfer_s = t.number("min_transfer_s", non_negative);
            auto& tr = s.modes.transit;
            tr.max_rides = static_cast<int>(t.number_or("max_rides", tr.max_rides, Range{1, 10}));
            tr.journey_choice_scale = t.number_or("journey_choice_scale", tr.journey_choice_scale, Range{1.0, 1000.0});
            tr.attractive_ride_factor =
                t.number_or("attractive_ride_factor", tr.attractive_ride_factor, Range{1.0, 10.0});
            if (const ConfigNode* c = t.optional("park_and_ride")) {
                MapReader pr(*c, "modes.transit.park_and_ride");
                tr.park_and_ride_max_drive_m = pr.number_or("max_drive_m", tr.park_and_ride_max_drive_m, non_negative);
                pr.finish();
            }
            if (const ConfigNode* c = t.optional("bike_and_ride")) {
                MapReader br(*c, "modes.transit.bike_and_ride");
                tr.bike_and_ride_max_ride_m = br.number_or("max_ride_m", tr.bike_and_ride_max_ride_m, non_negative);
                br.finish();
            }
            if (const ConfigNode* c = t.optional("crowding")) {
                MapReader cr(*c, "modes.transit.crowding");
                auto& k = tr.crowding;
                k.onset_load_factor = cr.number_or("onset_load_factor", k.onset_load_factor, Range{0.0, 1.0});
                k.seated_multiplier = cr.number_or("seated_multiplier", k.seated_multiplier, Range{1.0, 10.0});
                k.standing_multiplier = cr.number_or("standing_multiplier", k.standing_multiplier, Range{1.0, 10.0});
                k.crush_multiplier = cr.number_or("crush_multiplier", k.crush_multiplier, Range{1.0, 10.0});
                cr.finish();
            }
            t.finish();
        }
        m.finish();
    }
    {
        MapReader m(root.required("simulation"), "simulation");
        const auto& enabled = m.required("enabled");
        const std::string e = to_string(enabled, "simulation.enabled");
        if (e != "true" && e != "false")
            fail_at(enabled, "simulation.enabled", "expected true or false, got '" + e + "'");
        s.simulation.enabled = e == "true";
        const auto& end = m.required("end_time");
        try {
            s.simulation.end_time = core::parse_clock(to_string(end, "simulation.end_time"));
        } catch (const core::ParseError& err) {
            fail_at(end, "simulation.end_time", err.what());
        }
        if (s.simulation.end_time < 24 * 3600) fail_at(end, "simulation.end_time", "must be at least 24:00:00");
        s.simulation.capacity_factor = m.number("capacity_factor", Range{0.0, 100.0, true});
        s.simulation.transit_capacity_factor = m.number("transit_capacity_factor", Range{0.0, 100.0, true});
        s.simulation.vehicle_length_m = m.number("vehicle_length_m", Range{1.0, 50.0});
        s.simulation.stuck_time_s = static_cast<std::int32_t>(m.integer("stuck_time_s", Range{1, 86400}));
        s.simulation.max_denied_boardings =
            static_cast<int>(m.number_or("max_denied_boardings", s.simulation.max_denied_boardings, Range{1, 1000}));
        // Optional; without it a rider who gives up walks as far as modes.walk.max_trip_m.
        s.simulation.max_give_up_walk_m = m.number_or("max_give_up_walk_m", s.modes.walk.max_trip_m, positive);
        m.finish();
    }
    {
        MapReader it(root.required("iterations"), "iterations");
        s.iterations.max = static_cast<int>(it.integer("max", Range{1, 1000}));
        s.iterations.min = static_cast<int>(it.integer("min", Range{1, 1000}));
        if (s.iterations.min > s.iterations.max)
            fail_at(*it.optional("min"), "iterations.min", "must not exceed iterations.max");
        s.iterations.replanning_share = it.number("replanning_share", unit_interval);
        s.iterations.replanning_decay = it.number("replanning_decay", unit_interval);
        s.iterations.experience_weight = it.number("experience_weight", unit_interval);
        s.iterations.departure_window_s =
            static_cast<std::int32_t>(it.integer("departure_window_s", Range{0, 6 * 3600}));
        s.iterations.shift_per_hour = it.number("shift_per_hour", non_positive);
        s.iterations.share_tolerance = it.number("share_tolerance", Range{0.0, 1.0, true});
        s.iterations.time_tolerance = it.number("time_tolerance", Range{0.0, 1.0, true});
        // Optional: without it the loop stops on the share and time tolerances alone.
        s.iterations.travel_time_gap = it.number_or("travel_time_gap", -1.0, Range{0.0, 1.0, true});
        s.iterations.travel_time_gap_sample = it.number_or("travel_time_gap_sample", 1.0, Range{0.0, 1.0, true});
        if (it.optional("last_day_gap_persons"))
            s.iterations.last_day_gap_persons = it.integer("last_day_gap_persons", Range{0, 1e12});
        s.iterations.reroute_share = it.number_or("reroute_share", 0.0, unit_interval);
        s.iterations.reroute_decay = it.number_or("reroute_decay", -1.0, unit_interval);
        if (const ConfigNode* rt = it.optional("route_times")) {
            const std::string v = it.string("route_times");
            if (v != "averaged" && v != "last_day")
                fail_at(*rt, "iterations.route_times", "expected 'averaged' or 'last_day', got '" + v + "'");
            s.iterations.route_on_last_day = v == "last_day";
        }
        it.finish();
    }
    if (const ConfigNode* dn = root.optional("demand")) read_demand(*dn, s);
    if (const ConfigNode* cal = root.optional("calibration")) {
        MapReader c(*cal, "calibration");
        auto& k = s.calibration;
        k.given = true;
        const auto shares_of = [](const ConfigNode& n, const std::string& path) {
            const auto v = per_name(n, path, core::mode_names, unit_interval, true);
            double sum = 0;
            for (const double x : v) sum += x;
            if (std::abs(sum - 1.0) > 0.001)
                fail_at(n, path, "the shares must add up to 1, they add up to " + std::to_string(sum));
            return v;
        };
        if (const ConfigNode* t = c.optional("targets")) {
            k.targets = shares_of(*t, "calibration.targets");
            k.targets_given = true;
        }
        if (const ConfigNode* bg = c.optional("by_group")) {
            MapReader g(*bg, "calibration.by_group");
            for (std::size_t i = 0; i < core::group_count; ++i)
                if (const ConfigNode* n = g.optional(core::group_names[i])) {
                    k.by_group_given[i] = true;
                    k.by_group[i] = shares_of(*n, g.child_path(core::group_names[i]));
                }
            g.finish();
        }
        if (const ConfigNode* bd = c.optional("by_distance_band")) {
            const std::string path = "calibration.by_distance_band";
            k.by_distance_band = read_band_table(*bd, path, unit_interval);
            for (std::size_t b = 0; b < k.by_distance_band.rows.size(); ++b) {
                double sum = 0;
                for (const double x : k.by_distance_band.rows[b]) sum += x;
                if (std::abs(sum - 1.0) > 0.001)
                    fail_at(*bd, path,
                            "the shares of band " + k.by_distance_band.band_name(b) +
                                " must add up to 1, they add up to " + fmt::format("{:.4f}", sum));
            }
        }
        if (!k.targets_given && !k.by_distance_band.given() &&
            std::none_of(k.by_group_given.begin(), k.by_group_given.end(), [](bool b) { return b; }))
            fail_at(*cal, "calibration", "no targets: give targets, by_group or by_distance_band");
        k.tolerance = c.number_or("tolerance", k.tolerance, Range{0.0, 0.5, true});
        k.max_rounds = static_cast<int>(c.number_or("max_rounds", k.max_rounds, Range{1, 100}));
        c.finish();
    }
    {
        MapReader mc(root.required("mode_choice"), "mode_choice");
        s.mode_choice.asc = read_mode_values(mc.required("asc"), "mode_choice.asc", any_number, true);
        {
            MapReader b(mc.required("beta"), "mode_choice.beta");
            s.mode_choice.beta.time_per_min =
                read_mode_values(b.required("time_per_min"), "mode_choice.beta.time_per_min", non_positive, true);
            s.mode_choice.beta.wait_per_min = b.number("wait_per_min", non_positive);
            s.mode_choice.beta.access_egress_per_min = b.number("access_egress_per_min", non_positive);
            s.mode_choice.beta.transfer = b.number("transfer", non_positive);
            s.mode_choice.beta.cost_per_sek = b.number("cost_per_sek", non_positive);
            if (const ConfigNode* n = b.optional("walk_time_over_min"))
                s.mode_choice.beta.walk_time_over_min = read_piecewise(*n, b.child_path("walk_time_over_min"));
            if (const ConfigNode* n = b.optional("bike_time_over_min"))
                s.mode_choice.beta.bike_time_over_min = read_piecewise(*n, b.child_path("bike_time_over_min"));
            if (const ConfigNode* n = b.optional("log_distance_km"))
                s.mode_choice.beta.log_distance_km =
                    read_mode_values(*n, b.child_path("log_distance_km"), any_number, false);
            s.mode_choice.beta.bike_not_owned = b.number_or("bike_not_owned", 0.0, non_positive);
            b.finish();
        }
        if (const ConfigNode* n = mc.optional("nests")) {
            const std::string path = "mode_choice.nests";
            MapReader nr(*n, path);
            std::array<bool, core::mode_count> seen{};
            for (const auto& e : n->entries) {
                const std::string np = nr.child_path(e.key);
                MapReader one(e.value, np);
                Scenario::ModeChoice::Nest nest;
                nest.name = e.key;
                nest.pos = e.key_pos;
                nest.scale = one.number("scale", Range{0.0, 1.0, true});
                const auto& mn = one.required("alternatives");
                const std::string ap = one.child_path("alternatives");
                if (mn.kind != ConfigNode::Kind::sequence || mn.items.size() < 2)
                    fail_at(mn, ap, "a nest needs a list of two or more modes");
                for (std::size_t i = 0; i < mn.items.size(); ++i) {
                    const auto m = mode_named(mn.items[i], ap + "[" + std::to_string(i) + "]");
                    if (seen[static_cast<std::size_t>(m)])
                        fail_at(mn.items[i], ap + "[" + std::to_string(i) + "]",
                                "mode '" + std::string(core::mode_names[static_cast<std::size_t>(m)]) +
                                    "' is already in a nest");
                    seen[static_cast<std::size_t>(m)] = true;
                    nest.modes.push_back(m);
                }
                one.finish();
                nr.optional(e.key);
                s.mode_choice.nests.push_back(std::move(nest));
            }
        }
        if (const ConfigNode* n = mc.optional("availability")) {
            MapReader ar(*n, "mode_choice.availability");
            for (std::size_t m = 0; m < core::mode_count; ++m) {
                const std::string key(core::mode_names[m]);
                const ConfigNode* v = ar.optional(key);
                if (!v) continue;
                const std::string text = to_string(*v, ar.child_path(key));
                const auto it = std::find(mode_requirement_names.begin(), mode_requirement_names.end(), text);
                if (it == mode_requirement_names.end())
                    fail_at(*v, ar.child_path(key), "unknown requirement '" + text + "'",
                            "use always, car_available or bike_owner");
                s.mode_choice.availability[m] =
                    static_cast<ModeRequirement>(static_cast<std::size_t>(it - mode_requirement_names.begin()));
            }
            ar.finish();
        }
        if (const ConfigNode* n = mc.optional("asc_by_distance_band"))
            s.mode_choice.asc_by_distance_band = read_band_table(*n, "mode_choice.asc_by_distance_band", any_number);
        read_adjustments(mc.optional("asc_by_group"), "mode_choice.asc_by_group", core::group_names,
                         s.mode_choice.asc_by_group);
        read_adjustments(mc.optional("asc_by_purpose"), "mode_choice.asc_by_purpose", core::purpose_names,
                         s.mode_choice.asc_by_purpose);
        mc.finish();
    }
    if (const ConfigNode* val = root.optional("validation")) {
        MapReader v(*val, "validation");
        if (const ConfigNode* el = v.optional("elasticities")) {
            MapReader e(*el, "validation.elasticities");
            for (std::size_t i = 0; i < elasticity_levers.size(); ++i) {
                const ConfigNode* n = e.optional(elasticity_levers[i]);
                if (!n) continue;
                const std::string path = e.child_path(elasticity_levers[i]);
                MapReader b(*n, path);
                auto& band = s.validation.elasticities[i];
                band.given = true;
                band.pos = n->pos;
                band.min = b.number("min");
                band.max = b.number("max");
                band.source = b.string("source");
                if (band.min > band.max)
                    fail_at(
                        *b.optional("min"), path + ".min",
                        "must not exceed max (" + b.optional("max")->scalar + "), got " + b.optional("min")->scalar);
                if (core::trim(band.source).empty())
                    fail_at(*b.optional("source"), path + ".source", "must name where the band comes from");
                b.finish();
            }
            e.finish();
        }
        v.finish();
    }
    root.finish();
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& file, const LoadOptions& options) {
    Scenario s;
    s.file = file;
    s.tree = load_chain(file, s.chain, s.packages);
    std::erase_if(s.tree.entries, [](const auto& e) { return e.key == "extends"; });
    for (const auto& o : options.overrides) apply_override(s.tree, o);
    // The chain is read before the overrides, so an `extends` or `include` set there would be
    // accepted and do nothing.
    for (const char* key : {"extends", "include", "combine"})
        if (const ConfigNode* n = s.tree.find(key))
            throw InputError(n->pos, std::string(key) + ": cannot be set with --set; write it in the scenario file");
    s.effective_yaml = to_yaml(s.tree);
    read_scenario(s);
    // The title shows the --set overrides; --seed's (seed=N) is in the title as the seed already.
    for (const auto& o : options.overrides)
        if (o.rfind("seed=", 0) != 0) s.overrides.push_back(o);
    return s;
}

}  // namespace flemsim::scenario
