#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>

#include "sim/core/rng.hpp"
#include "sim/core/text.hpp"
#include "sim/population/demand.hpp"
#include "sim/population/population.hpp"

namespace flemsim::population {

using core::Group;
using core::InputError;
using core::invalid_index;
using core::Purpose;
using core::Rng;
using core::Stream;
using network::ZoneKind;

double gravity_weight(double attraction, double beta_per_min, double minutes) {
    if (!(attraction > 0) || !std::isfinite(minutes)) return 0.0;
    return attraction * std::exp(beta_per_min * minutes);
}

std::uint32_t Population::person_of_tour(std::size_t tour) const {
    const auto it =
        std::upper_bound(person_first_tour.begin(), person_first_tour.end(), static_cast<std::uint32_t>(tour));
    return static_cast<std::uint32_t>(it - person_first_tour.begin()) - 1;
}

ZoneData resolve_zone_data(const scenario::Scenario& s, const network::Network& net) {
    const std::size_t nz = net.zone_count();
    ZoneData d;
    for (auto* v : {&d.residents, &d.jobs, &d.study_places, &d.visits, &d.home_parking_sek_per_month, &d.gw_workers,
                    &d.gw_students, &d.gw_jobs, &d.gw_study_places, &d.gw_visits})
        v->assign(nz, 0.0);
    std::vector<std::string> study_ids, gateway_ids;
    for (std::size_t z = 0; z < nz; ++z)
        (net.zone_kind[z] == ZoneKind::study ? study_ids : gateway_ids).push_back(net.zone_ids[z]);
    d.gw_tools.assign(nz, {-1.0, -1.0, -1.0});
    std::vector<char> given(nz, 0);
    for (const auto& u : s.land_use) {
        const auto z = net.find_zone(u.zone);
        if (z == invalid_index)
            throw InputError(u.pos, "land_use." + u.zone + ": no such study zone in network '" + net.name + "'",
                             core::did_you_mean(u.zone, study_ids));
        if (net.zone_kind[z] != ZoneKind::study)
            throw InputError(u.pos, "land_use." + u.zone + ": is a gateway zone; give its weights under 'gateways'");
        d.residents[z] = u.residents;
        d.jobs[z] = u.jobs;
        d.study_places[z] = u.study_places;
        d.visits[z] = u.visits;
        d.home_parking_sek_per_month[z] = u.home_parking_sek_per_month;
        given[z] = 1;
    }
    for (const auto& g : s.gateways) {
        const auto z = net.find_zone(g.zone);
        if (z == invalid_index)
            throw InputError(g.pos, "gateways." + g.zone + ": no such gateway zone in network '" + net.name + "'",
                             core::did_you_mean(g.zone, gateway_ids));
        if (net.zone_kind[z] != ZoneKind::gateway)
            throw InputError(g.pos, "gateways." + g.zone + ": is a study zone; give its land use under 'land_use'");
        d.gw_workers[z] = g.workers;
        d.gw_students[z] = g.students;
        d.gw_jobs[z] = g.jobs;
        d.gw_study_places[z] = g.study_places;
        d.gw_visits[z] = g.visits;
        d.gw_tools[z] = {g.car_availability, g.bike_ownership, g.transit_pass};
        given[z] = 1;
    }
    for (std::size_t z = 0; z < nz; ++z) {
        if (given[z]) continue;
        const bool study = net.zone_kind[z] == ZoneKind::study;
        const auto* node = s.tree.find(study ? "land_use" : "gateways");
        throw InputError(
            node ? node->pos : core::SourcePos{s.file.string(), 0, 0},
            std::string(study ? "land_use" : "gateways") + ": zone '" + net.zone_ids[z] + "' of the network is missing",
            "give it explicitly, with zeros if nothing is there");
    }
    return d;
}

namespace {

std::uint64_t scaled_count(double value, double scale) {
    return static_cast<std::uint64_t>(std::llround(value * scale));
}

using demand::draw_index;

// A node of `zone`, each with the same share, except that a draw of `avoid` (the home, when
// drawing a work or study node) goes to the zone's first node, or its second if `avoid` is the
// first. A gateway's nodes are its road hub and one access point per station it lists, so people
// who live or work in a gateway are spread evenly over the hub and the stations' catchments.
std::uint32_t draw_node(const network::Network& net, std::uint32_t zone, Rng& rng, std::uint32_t avoid) {
    const std::uint32_t b = net.zone_first_node[zone], e = net.zone_first_node[zone + 1];
    const std::uint32_t n = e - b;
    if (n == 1) return net.zone_nodes[b];
    std::uint32_t pick = net.zone_nodes[b + rng.below(n)];
    if (pick == avoid) pick = net.zone_nodes[b + (pick == net.zone_nodes[b] ? 1 : 0)];
    return pick;
}

struct DemandState;

struct Draws {
    const scenario::Scenario& s;
    const network::Network& net;
    const ZoneData& zones;
    const ZoneImpedance& imp;
    const ServiceView* view = nullptr;  // with the scenario's demand section
    DemandState* dm = nullptr;
};

// ---- The demand models (demand.hpp): what they share ----

std::uint8_t tools_of(const Population& pop, std::uint32_t p) {
    return static_cast<std::uint8_t>((pop.car_available[p] ? tool_car : 0) | (pop.bike_owner[p] ? tool_bike : 0) |
                                     (pop.transit_pass[p] ? tool_pass : 0));
}

// Destination utilities per chooser cell: (home zone, group, tools) for one purpose, and the
// log-sum of each row (the cell's accessibility).
struct CellRows {
    std::vector<std::int32_t> index;  // cell key -> row, -1 none
    std::vector<std::vector<float>> rows;
    std::vector<double> logsum;  // per row: ln Σ exp(utility)
    static std::size_t key(std::uint32_t zone, core::Group g, std::uint8_t tools) {
        return (static_cast<std::size_t>(zone) * core::group_count + static_cast<std::size_t>(g)) * tool_sets + tools;
    }
    std::size_t at(std::uint32_t zone, core::Group g, std::uint8_t tools) const {
        return static_cast<std::size_t>(index[key(zone, g, tools)]);
    }
    const std::vector<float>& row(std::uint32_t zone, core::Group g, std::uint8_t tools) const {
        return rows[at(zone, g, tools)];
    }
};

struct DemandState {
    std::array<int, core::purpose_count> ref_out{}, ref_back{};  // reference periods of each purpose
    // ln of the departure profile's weight in each period (-inf: none), per purpose.
    std::array<std::vector<double>, core::purpose_count> log_period_weight;
    std::array<CellRows, core::purpose_count> rows;  // filled as the synthesis goes
    // exp(γ · km) of every zone pair (origin-major) per purpose, the distance factor of the
    // sampling importance, computed once instead of per chooser; empty where no sample is drawn
    // or the table would be too large (importance_factor computes it then).
    std::array<std::vector<double>, core::purpose_count> distance_factor;
    // size_of of every zone per purpose, for residents [0] and visitors [1] (set once, with the
    // state, when the demand models run: choose_zone reads them).
    std::array<std::array<std::vector<double>, 2>, core::purpose_count> size;
    // The sampling's running sums of size x distance factor over all zones (demand::
    // cumulate_positive) per purpose, for residents [0] and visitors [1]: a row per home zone, or
    // one row for every home where γ is 0; with each row's total and last zone of positive weight.
    // A chooser to whom every zone of positive weight is open draws from its row instead of
    // summing 1,000 weights anew. Empty where the distance factors are not tabulated, or the
    // table would pass max_running_pairs.
    struct Running {
        std::vector<double> sums;
        std::vector<demand::Cumulative> rows;
    };
    std::array<std::array<Running, 2>, core::purpose_count> running;
};

// Zone pairs up to which the distance factors are tabulated (8 bytes a pair: 128 MiB a purpose).
constexpr std::size_t max_factor_pairs = std::size_t{1} << 24;
// And up to which the sampling's running sums are, per purpose and for residents and visitors
// each (32 MiB a table: 2,048 zones; beyond, each chooser sums the weights as it goes).
constexpr std::size_t max_running_pairs = std::size_t{1} << 22;

// A zone's size for a purpose: land use in a study zone (as given, before population.scale),
// the weight in a gateway; visitors (in-commuters) make their other tours in the study area.
double size_of(const Draws& d, Purpose p, std::size_t j, bool visitor) {
    const bool study = d.net.zone_kind[j] == ZoneKind::study;
    switch (p) {
        case Purpose::work:
            return study ? d.zones.jobs[j] : d.zones.gw_jobs[j];
        case Purpose::study:
            return study ? d.zones.study_places[j] : d.zones.gw_study_places[j];
        case Purpose::other:
            return study ? d.zones.visits[j] : (visitor ? 0.0 : d.zones.gw_visits[j]);
    }
    return 0.0;
}

// ln(size) + θ · logsum + γ · km of every zone for a chooser cell (-inf: not a destination).
std::vector<float> destination_row(const Draws& d, Purpose p, core::Group g, std::uint8_t tools, std::uint32_t home) {
    const auto& k = d.s.demand.destinations;
    const auto pi = static_cast<std::size_t>(p);
    const std::size_t nz = d.net.zone_count();
    std::vector<float> row(nz, -std::numeric_limits<float>::infinity());
    // The logsums of the zones with places, asked at once (ServiceView::logsums).
    thread_local std::vector<ServiceView::LogsumAsk> asks;
    thread_local std::vector<double> sizes, logsums;
    asks.clear();
    sizes.clear();
    for (std::size_t j = 0; j < nz; ++j)
        if (const double size = size_of(d, p, j, !core::is_resident(g)); size > 0) {
            asks.push_back({home, static_cast<std::uint32_t>(j), d.dm->ref_out[pi], d.dm->ref_back[pi]});
            sizes.push_back(size);
        }
    logsums.resize(asks.size());
    d.view->logsums(g, p, tools, asks, logsums);
    for (std::size_t a = 0; a < asks.size(); ++a) {
        const std::size_t j = asks[a].d;
        const double size = sizes[a];
        const double ls = logsums[a];
        if (!std::isfinite(ls)) continue;
        double v = std::log(size) + k.logsum_coefficient[pi] * ls;
        if (k.distance_per_km[pi] != 0) {
            const double km = d.view->street_km(home, static_cast<std::uint32_t>(j));
            if (!std::isfinite(km)) continue;
            v += k.distance_per_km[pi] * km;
        }
        row[j] = static_cast<float>(v);
    }
    return row;
}

// Rows for every cell in `keys` (cell keys, any order, duplicates allowed), in parallel.
void add_rows(const Draws& d, Purpose p, std::vector<std::size_t> keys) {
    auto& cr = d.dm->rows[static_cast<std::size_t>(p)];
    if (cr.index.empty()) cr.index.assign(d.net.zone_count() * core::group_count * tool_sets, -1);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    std::erase_if(keys, [&](std::size_t k) { return cr.index[k] >= 0; });
    const std::size_t first = cr.rows.size();
    cr.rows.resize(first + keys.size());
    cr.logsum.resize(first + keys.size());
    tbb::parallel_for(std::size_t{0}, keys.size(), [&](std::size_t i) {
        const std::size_t k = keys[i];
        const auto tools = static_cast<std::uint8_t>(k % tool_sets);
        const auto g = static_cast<core::Group>((k / tool_sets) % core::group_count);
        const auto zone = static_cast<std::uint32_t>(k / tool_sets / core::group_count);
        auto& row = cr.rows[first + i];
        row = destination_row(d, p, g, tools, zone);
        const std::vector<double> v(row.begin(), row.end());
        cr.logsum[first + i] = demand::log_sum_exp(v);
    });
    for (std::size_t i = 0; i < keys.size(); ++i) cr.index[keys[i]] = static_cast<std::int32_t>(first + i);
}

// The accessibility of a cell for a purpose: ln Σ exp(utility) over its destinations (the
// destination choice's logsum, without shadow prices).
double accessibility(const Draws& d, Purpose p, std::uint32_t zone, core::Group g, std::uint8_t tools) {
    const auto& cr = d.dm->rows[static_cast<std::size_t>(p)];
    return cr.logsum[cr.at(zone, g, tools)];
}

// An alternative drawn by the logit of `v` with u in [0, 1); v.size() when none is possible.
std::size_t draw_logit(std::span<const double> v, double u) {
    const auto share = demand::logit_shares(v);
    double total = 0;
    for (const double x : share) total += x;
    return total > 0 ? draw_index(share, total, u) : v.size();
}

// exp(γ · km) from `home` to zone j for purpose p (1 without γ): the table's or computed.
double importance_factor(const Draws& d, Purpose p, std::uint32_t home, std::size_t j) {
    const auto& table = d.dm->distance_factor[static_cast<std::size_t>(p)];
    if (!table.empty()) return table[home * d.net.zone_count() + j];
    const double gamma = d.s.demand.destinations.distance_per_km[static_cast<std::size_t>(p)];
    return gamma != 0 ? std::exp(gamma * d.view->street_km(home, static_cast<std::uint32_t>(j))) : 1.0;
}

// Tabulates the distance factors of purpose p when choices sample among more zones than the
// sample size and γ is not 0 (in parallel over origins; the same values as importance_factor
// computes).
void tabulate_distance_factors(const Draws& d, Purpose p) {
    const std::size_t nz = d.net.zone_count();
    const int sample_size = d.s.demand.destinations.sample_size;
    auto& table = d.dm->distance_factor[static_cast<std::size_t>(p)];
    const bool distance = d.s.demand.destinations.distance_per_km[static_cast<std::size_t>(p)] != 0;
    if (!table.empty() || !distance || sample_size <= 0 || nz <= static_cast<std::size_t>(sample_size) ||
        nz * nz > max_factor_pairs)
        return;
    std::vector<double> t(nz * nz);
    tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t o) {
        for (std::size_t j = 0; j < nz; ++j) t[o * nz + j] = importance_factor(d, p, static_cast<std::uint32_t>(o), j);
    });
    table = std::move(t);
}

// The running sums of purpose p's sampling weights (DemandState::running) for residents and, with
// `visitors`, for visitors too: where the distance factors are tabulated, or γ is 0.
void tabulate_running_sums(const Draws& d, Purpose p, bool visitors) {
    const std::size_t nz = d.net.zone_count();
    const auto pi = static_cast<std::size_t>(p);
    const int sample_size = d.s.demand.destinations.sample_size;
    const auto& factor = d.dm->distance_factor[pi];
    const bool distance = d.s.demand.destinations.distance_per_km[pi] != 0;
    if (sample_size <= 0 || nz <= static_cast<std::size_t>(sample_size) || (distance && factor.empty())) return;
    const std::size_t rows = distance ? nz : 1;
    if (rows * nz > max_running_pairs) return;
    for (int v = 0; v <= (visitors ? 1 : 0); ++v) {
        auto& r = d.dm->running[pi][static_cast<std::size_t>(v)];
        const auto& size = d.dm->size[pi][static_cast<std::size_t>(v)];
        r.sums.resize(rows * nz);
        r.rows.resize(rows);
        tbb::parallel_for(std::size_t{0}, rows, [&](std::size_t o) {
            thread_local std::vector<double> w;
            w.resize(nz);
            // choose_zone's weights with every zone open (importance_factor is 1 where γ is 0).
            const double* f = distance ? factor.data() + o * nz : nullptr;
            for (std::size_t j = 0; j < nz; ++j) w[j] = demand::sampling_weight(size.data(), f, j);
            r.rows[o] = demand::cumulate_positive(w, std::span<double>(r.sums).subspan(o * nz, nz));
        });
    }
}

void drop_sampling_tables(const Draws& d, Purpose p) {
    const auto pi = static_cast<std::size_t>(p);
    d.dm->distance_factor[pi] = {};
    d.dm->running[pi] = {};
}

// Chooses among the zones of `row` (+ `price`), skipping those `closed`: over every zone, or over
// a sample drawn by size x exp(γ km) when the scenario asks for one and the zones are more.
std::uint32_t choose_zone(const Draws& d, Purpose p, const std::vector<float>& row, const std::vector<double>* price,
                          const std::vector<char>* closed, std::uint32_t home, bool visitor, core::Rng& sample_rng,
                          double u) {
    const std::size_t nz = row.size();
    const int sample_size = d.s.demand.destinations.sample_size;
    const auto open = [&](std::size_t j) { return std::isfinite(row[j]) && !(closed && (*closed)[j]); };
    thread_local std::vector<double> v, w;
    thread_local demand::Sample sample;
    const auto pi = static_cast<std::size_t>(p);
    const auto& size = d.dm->size[pi][visitor ? 1 : 0];
    const auto& table = d.dm->distance_factor[pi];
    const double* factor = table.empty() ? nullptr : table.data() + static_cast<std::size_t>(home) * nz;
    const auto& running = d.dm->running[pi][visitor ? 1 : 0];
    // The zones open to the chooser, and whether all of positive weight are (when the running
    // sums are tabulated): then the tabulated sums are the chooser's. The count without branches
    // (a finite float's exponent is not all ones), which the compiler makes vector code: it runs
    // over every zone for each choice.
    std::size_t candidates = 0;
    {
        const float* r = row.data();
        const auto finite = [](float x) { return (std::bit_cast<std::uint32_t>(x) & 0x7f800000u) != 0x7f800000u; };
        if (closed) {
            const char* c = closed->data();
            for (std::size_t j = 0; j < nz; ++j) candidates += static_cast<std::size_t>(finite(r[j]) & (c[j] == 0));
        } else {
            for (std::size_t j = 0; j < nz; ++j) candidates += static_cast<std::size_t>(finite(r[j]));
        }
    }
    bool all_open = !running.rows.empty();
    if (all_open && candidates < nz)
        for (std::size_t j = 0; j < nz && all_open; ++j)
            if (!open(j)) all_open = !(demand::sampling_weight(size.data(), factor, j) > 0);
    if (candidates == 0) return invalid_index;
    if (sample_size > 0 && candidates > static_cast<std::size_t>(sample_size)) {
        if (all_open) {
            const std::size_t r = running.rows.size() == 1 ? 0 : home;
            demand::sample_from_running(std::span<const double>(running.sums).subspan(r * nz, nz), running.rows[r],
                                        size.data(), factor, sample_size, sample_rng, sample);
        } else {
            w.assign(nz, 0.0);
            // Size x distance factor, both from their tables where tabulated (importance_factor's).
            // Without a distance term the factor is 1 (importance_factor's): the size alone, the
            // same weights without a call per zone (the study places' choices once a zone is full).
            const bool no_distance = d.s.demand.destinations.distance_per_km[pi] == 0;
            for (std::size_t j = 0; j < nz; ++j)
                if (open(j))
                    w[j] = size[j] * (factor ? factor[j] : no_distance ? 1.0 : importance_factor(d, p, home, j));
            demand::sample_alternatives(w, sample_size, sample_rng, sample);
        }
        v.resize(sample.zone.size());
        for (std::size_t i = 0; i < sample.zone.size(); ++i)
            v[i] = row[sample.zone[i]] + (price ? (*price)[sample.zone[i]] : 0.0) + sample.correction[i];
        const auto i = draw_logit(v, u);
        return i == v.size() ? invalid_index : sample.zone[i];
    }
    v.assign(nz, -std::numeric_limits<double>::infinity());
    for (std::size_t j = 0; j < nz; ++j)
        if (open(j)) v[j] = row[j] + (price ? (*price)[j] : 0.0);
    const auto j = draw_logit(v, u);
    return j == nz ? invalid_index : static_cast<std::uint32_t>(j);
}

// The persons in a seeded random order (by a key from their own stream), so that no zone's
// residents choose their places first.
std::vector<std::pair<std::uint64_t, std::uint32_t>> seeded_order(const Draws& d,
                                                                  const std::vector<std::uint32_t>& people,
                                                                  Stream stream) {
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
    order.reserve(people.size());
    for (const auto p : people)
        order.emplace_back(Rng(d.s.seed, Stream::zone_assignment, p, static_cast<std::uint64_t>(stream)).next_u64(), p);
    std::sort(order.begin(), order.end());
    return order;
}

// Places `people` (resident workers or students) at destinations: study zones up to their
// capacity, gateways without limit; persons are served in a seeded random order so that no
// zone's residents come first. Returns the places taken per zone.
std::vector<std::uint64_t> assign_places(const Draws& d, Population& pop, const std::vector<std::uint32_t>& people,
                                         const std::vector<std::uint64_t>& capacity,
                                         const std::vector<double>& gateway_weight, double beta, Stream stream,
                                         std::vector<std::uint32_t>& out_zone) {
    const std::size_t nz = d.net.zone_count();
    const auto order = seeded_order(d, people, stream);
    std::vector<std::uint64_t> taken(nz, 0);
    std::vector<double> w(nz);
    for (const auto& [key, p] : order) {
        const auto home = pop.home_zone[p];
        double total = 0;
        for (std::size_t j = 0; j < nz; ++j) {
            double a = 0;
            // Study zones attract by their places as the land use gives them (before the
            // population scale), like the gateways' weights: a scaled run keeps the shares.
            if (d.net.zone_kind[j] == ZoneKind::study)
                a = taken[j] < capacity[j] ? static_cast<double>(capacity[j]) / d.s.population.scale : 0.0;
            else
                a = gateway_weight[j];
            w[j] = gravity_weight(a, beta, d.imp.at(home, j));
            total += w[j];
        }
        if (total <= 0) continue;  // nowhere to go: the person keeps no place
        Rng rng(d.s.seed, stream, p);
        const std::size_t j = draw_index(w, total, rng.uniform());
        out_zone[p] = static_cast<std::uint32_t>(j);
        ++taken[j];
    }
    return taken;
}

// The same with the logit of the demand models: chooser cells (home, group, tools), shadow
// prices on the expected demand so that no study zone is chosen beyond its places, then the
// persons in a seeded random order, each choosing among the zones with places left.
std::vector<std::uint64_t> assign_places_logit(const Draws& d, Population& pop,
                                               const std::vector<std::uint32_t>& people,
                                               const std::vector<std::uint64_t>& capacity, Purpose purpose,
                                               Stream stream, std::vector<std::uint32_t>& out_zone,
                                               SynthesisSummary* summary) {
    const std::size_t nz = d.net.zone_count();
    const auto pi = static_cast<std::size_t>(purpose);
    std::vector<std::size_t> keys;
    keys.reserve(people.size());
    for (const auto p : people) keys.push_back(CellRows::key(pop.home_zone[p], pop.group[p], tools_of(pop, p)));
    add_rows(d, purpose, keys);
    const auto& cr = d.dm->rows[pi];
    // Expected demand per cell row.
    std::vector<double> counts(cr.rows.size(), 0.0);
    for (const auto k : keys) counts[static_cast<std::size_t>(cr.index[k])] += 1.0;
    std::vector<double> cap(nz, -1.0);
    for (std::size_t j = 0; j < nz; ++j)
        if (d.net.zone_kind[j] == ZoneKind::study) cap[j] = static_cast<double>(capacity[j]);
    tabulate_distance_factors(d, purpose);
    tabulate_running_sums(d, purpose, false);
    const auto& k = d.s.demand.destinations;
    const auto sp = demand::shadow_prices(counts, cr.rows, cap, k.shadow_price_iterations, k.shadow_price_tolerance);
    if (summary) {
        summary->shadow_price_iterations = std::max(summary->shadow_price_iterations, sp.rounds);
        summary->shadow_price_max_excess = std::max(summary->shadow_price_max_excess, sp.max_excess);
    }
    const auto order = seeded_order(d, people, stream);
    std::vector<std::uint64_t> taken(nz, 0);
    std::vector<char> closed(nz, 0);
    for (std::size_t j = 0; j < nz; ++j) closed[j] = d.net.zone_kind[j] == ZoneKind::study && capacity[j] == 0;
    // A person's choice depends on those before only through the zones closed, so the choices
    // of a run of persons are drawn in parallel with the zones closed at its start and taken in
    // order up to the first that closes a zone; the persons after it choose again. The result is
    // that of one person after the other. Runs grow while no zone closes and shrink when one does.
    const auto choose = [&](std::uint32_t p) {
        Rng rng(d.s.seed, stream, p);
        Rng sample_rng(d.s.seed, Stream::destination_sample, p, static_cast<std::uint64_t>(stream));
        return choose_zone(d, purpose, cr.row(pop.home_zone[p], pop.group[p], tools_of(pop, p)), &sp.price, &closed,
                           pop.home_zone[p], false, sample_rng, rng.uniform());
    };
    constexpr std::size_t min_run = 64, max_run = 4096;
    std::vector<std::uint32_t> chosen(max_run);
    for (std::size_t at = 0, run = 512; at < order.size();) {
        const std::size_t n = std::min(run, order.size() - at);
        tbb::parallel_for(std::size_t{0}, n, [&](std::size_t i) { chosen[i] = choose(order[at + i].second); });
        std::size_t i = 0;
        bool closes = false;
        while (i < n && !closes) {
            const auto p = order[at + i].second;
            const auto j = chosen[i++];
            if (j == invalid_index) continue;  // nowhere to go: the person keeps no place
            out_zone[p] = j;
            if (++taken[j] >= capacity[j] && d.net.zone_kind[j] == ZoneKind::study) closed[j] = 1, closes = true;
        }
        at += i;
        run = closes ? std::max(min_run, run / 2) : std::min(max_run, run * 2);
    }
    drop_sampling_tables(d, purpose);
    return taken;
}

// Cumulative gravity distribution of "other" destinations per origin zone.
struct OtherDestinations {
    std::size_t nz = 0;
    std::vector<double> resident_w;  // nz x nz
    std::vector<double> resident_total;
    std::vector<double> visitor_w;  // only study destinations
    std::vector<double> visitor_total;
};

OtherDestinations other_destinations(const Draws& d) {
    const std::size_t nz = d.net.zone_count();
    OtherDestinations o;
    o.nz = nz;
    o.resident_w.assign(nz * nz, 0);
    o.visitor_w.assign(nz * nz, 0);
    o.resident_total.assign(nz, 0);
    o.visitor_total.assign(nz, 0);
    const double beta = d.s.activities[static_cast<std::size_t>(Purpose::other)].gravity_beta_per_min;
    for (std::size_t i = 0; i < nz; ++i)
        for (std::size_t j = 0; j < nz; ++j) {
            const bool study_j = d.net.zone_kind[j] == ZoneKind::study;
            const double a = study_j ? d.zones.visits[j] : d.zones.gw_visits[j];
            const double g = gravity_weight(a, beta, d.imp.at(i, j));
            o.resident_w[i * nz + j] = g;
            o.resident_total[i] += g;
            if (study_j) {
                o.visitor_w[i * nz + j] = g;
                o.visitor_total[i] += g;
            }
        }
    return o;
}

std::int32_t draw_departure(const std::array<double, 24>& profile, Rng& rng) {
    const double total = std::accumulate(profile.begin(), profile.end(), 0.0);
    const auto hour = draw_index(profile, total, rng.uniform());
    return static_cast<std::int32_t>(hour * 3600 + rng.below(3600));
}

std::int32_t draw_duration(const scenario::DurationHours& h, Rng& rng) {
    const double hours = std::max(h.min, h.mean + h.sd * rng.normal());
    return static_cast<std::int32_t>(std::lround(hours * 3600.0));
}

struct Tour {
    Purpose purpose;
    std::uint32_t zone, node;
    std::int32_t depart, ret;
};

constexpr std::int32_t min_gap_between_tours_s = 1800;
constexpr std::int32_t day_end_s = 24 * 3600;

// The departure of a tour by the demand models: a period by ln(profile weight) + θ · the tour's
// logsum with that period's level of service out and the return's back (periods where no mode
// goes both ways are left out), then a time within it. Without any such period, the profile.
std::int32_t choose_departure(const Draws& d, const Population& pop, std::uint32_t p, Purpose purpose,
                              std::uint32_t zone, std::int32_t duration, Rng& rng) {
    const auto& view = *d.view;
    const auto& profile = d.s.activities[static_cast<std::size_t>(purpose)].departure_profile;
    const double theta = d.s.demand.departure_time.logsum_coefficient;
    const std::uint8_t tools = tools_of(pop, p);
    const auto& log_w = d.dm->log_period_weight[static_cast<std::size_t>(purpose)];
    thread_local std::vector<double> u, logsums;
    thread_local std::vector<ServiceView::LogsumAsk> asks;
    u.assign(static_cast<std::size_t>(view.periods), -std::numeric_limits<double>::infinity());
    // The periods' logsums asked at once (ServiceView::logsums).
    asks.clear();
    for (int k = 0; k < view.periods; ++k) {
        if (!std::isfinite(log_w[static_cast<std::size_t>(k)])) continue;
        const std::int32_t start = k * view.period_s;
        const int back = ((start + view.period_s / 2 + duration) / view.period_s) % view.periods;
        asks.push_back({pop.home_zone[p], zone, k, back});
    }
    logsums.resize(asks.size());
    view.logsums(pop.group[p], purpose, tools, asks, logsums);
    for (std::size_t a = 0; a < asks.size(); ++a) {
        const double ls = logsums[a];
        if (!std::isfinite(ls)) continue;
        const auto k = static_cast<std::size_t>(asks[a].p_out);
        u[k] = log_w[k] + theta * ls;
    }
    const auto share = demand::logit_shares(u);
    double total = 0;
    for (const double x : share) total += x;
    if (!(total > 0)) return draw_departure(profile, rng);
    const auto k = static_cast<std::int32_t>(draw_index(share, total, rng.uniform()));
    return k * view.period_s + static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(view.period_s)));
}

// The day of person p: all draws come from p's own streams, so any thread may build it.
// Returns false when the person stays home (the demand models' trip making).
bool plan_day(const Draws& d, const Population& pop, const OtherDestinations& other, std::uint32_t p,
              std::vector<Tour>& tours) {
    tours.clear();
    const auto g = static_cast<std::size_t>(pop.group[p]);
    Rng rng(d.s.seed, Stream::day_plan, p);
    const auto& work = d.s.activities[static_cast<std::size_t>(Purpose::work)];
    const auto& study = d.s.activities[static_cast<std::size_t>(Purpose::study)];
    const auto& oth = d.s.activities[static_cast<std::size_t>(Purpose::other)];
    const bool resident = core::is_resident(pop.group[p]);
    const auto home = pop.home_zone[p];
    // Staying home: a share of the group, lower where the home's accessibility is higher when the
    // scenario says so. The tour rates are per person and day, so on a day out they are divided by
    // the share going out (at the reference accessibility the mean over the group is as given).
    double rate_scale = 1.0;
    if (d.dm) {
        const auto& tm = d.s.demand.trip_making;
        const double base = tm.stay_home[g];
        if (base > 0) {
            double share = base;
            if (tm.accessibility != 0) {
                const double a = accessibility(d, Purpose::other, home, pop.group[p], tools_of(pop, p));
                if (std::isfinite(a))
                    share = demand::logistic(std::log(base / (1 - base)) -
                                             tm.accessibility * (a - tm.reference_accessibility));
            }
            if (Rng(d.s.seed, Stream::stay_home, p).uniform() < share) return false;
            rate_scale = 1.0 / (1.0 - base);
        }
    }
    const auto depart = [&](Purpose purpose, std::uint32_t zone, const scenario::ActivityParams& a, std::int32_t& dep,
                            std::int32_t& ret) {
        if (d.dm) {
            const auto dur = draw_duration(a.duration_h, rng);
            dep = choose_departure(d, pop, p, purpose, zone, dur, rng);
            ret = dep + dur;
        } else {
            dep = draw_departure(a.departure_profile, rng);
            ret = dep + draw_duration(a.duration_h, rng);
        }
    };
    std::int32_t dep = 0, ret = 0;
    if (pop.work_zone[p] != invalid_index && rng.bernoulli(std::min(1.0, work.tour_rate[g] * rate_scale))) {
        depart(Purpose::work, pop.work_zone[p], work, dep, ret);
        tours.push_back({Purpose::work, pop.work_zone[p], pop.work_node[p], dep, ret});
    } else if (pop.study_zone[p] != invalid_index && rng.bernoulli(std::min(1.0, study.tour_rate[g] * rate_scale))) {
        depart(Purpose::study, pop.study_zone[p], study, dep, ret);
        tours.push_back({Purpose::study, pop.study_zone[p], pop.study_node[p], dep, ret});
    }
    const double rate = oth.tour_rate[g] * rate_scale;
    const int n_other = static_cast<int>(std::floor(rate)) + (rng.bernoulli(rate - std::floor(rate)) ? 1 : 0);
    if (d.dm) {
        const auto& row =
            d.dm->rows[static_cast<std::size_t>(Purpose::other)].row(home, pop.group[p], tools_of(pop, p));
        for (int k = 0; k < n_other; ++k) {
            Rng dest_rng(d.s.seed, Stream::other_destination, p, static_cast<std::uint64_t>(k));
            Rng sample_rng(d.s.seed, Stream::destination_sample, p, 100 + static_cast<std::uint64_t>(k));
            const auto zone =
                choose_zone(d, Purpose::other, row, nullptr, nullptr, home, !resident, sample_rng, dest_rng.uniform());
            if (zone == invalid_index) break;
            const auto node = draw_node(d.net, zone, dest_rng, pop.home_node[p]);
            depart(Purpose::other, zone, oth, dep, ret);
            tours.push_back({Purpose::other, zone, node, dep, ret});
        }
    } else {
        const double total = resident ? other.resident_total[home] : other.visitor_total[home];
        for (int k = 0; k < n_other && total > 0; ++k) {
            Rng dest_rng(d.s.seed, Stream::other_destination, p, static_cast<std::uint64_t>(k));
            const double* w = (resident ? other.resident_w.data() : other.visitor_w.data()) + home * other.nz;
            const auto zone = static_cast<std::uint32_t>(draw_index({w, other.nz}, total, dest_rng.uniform()));
            const auto node = draw_node(d.net, zone, dest_rng, pop.home_node[p]);
            depart(Purpose::other, zone, oth, dep, ret);
            tours.push_back({Purpose::other, zone, node, dep, ret});
        }
    }
    // Tours follow each other with a gap: a tour drawn to start during another starts after it.
    std::stable_sort(tours.begin(), tours.end(), [](const Tour& a, const Tour& b) { return a.depart < b.depart; });
    // A tour pushed past midnight no longer fits the day and is dropped (a tour drawn to
    // start late, such as a night shift, keeps its time and may end the next morning); with the
    // demand models so is a tour pushed into periods in which no mode goes both ways.
    std::size_t kept = tours.empty() ? 0 : 1;
    for (std::size_t k = 1; k < tours.size(); ++k) {
        Tour t = tours[k];
        const std::int32_t earliest = tours[kept - 1].ret + min_gap_between_tours_s;
        if (t.depart < earliest) {
            const std::int32_t shift = earliest - t.depart;
            t.depart += shift;
            t.ret += shift;
            if (t.depart >= day_end_s) continue;
            if (d.dm) {
                const auto& v = *d.view;
                const double ls = v.tour_logsum(pop.group[p], t.purpose, tools_of(pop, p), home, t.zone,
                                                (t.depart / v.period_s) % v.periods, (t.ret / v.period_s) % v.periods);
                if (!std::isfinite(ls)) continue;
            }
        }
        tours[kept++] = t;
    }
    tours.resize(kept);
    return true;
}

// The shares of a person's group holding a car, a bike and a pass; an in-commuter's gateway may
// state its own (gateways.<zone>.car_availability, ...).
std::array<double, 3> tool_shares(const scenario::Scenario& s, const ZoneData& zones, Group g, std::uint32_t home) {
    const auto& a = s.population.attributes[static_cast<std::size_t>(g)];
    std::array<double, 3> x{a.car_availability, a.bike_ownership, a.transit_pass};
    if (!core::is_resident(g) && home < zones.gw_tools.size())
        for (std::size_t k = 0; k < 3; ++k)
            if (zones.gw_tools[home][k] >= 0) x[k] = zones.gw_tools[home][k];
    return x;
}

void draw_attributes(const scenario::Scenario& s, const ZoneData& zones, Population& pop, std::uint32_t p) {
    Rng rng(s.seed, Stream::person_attributes, p, 1);
    const auto x = tool_shares(s, zones, pop.group[p], pop.home_zone[p]);
    pop.car_available[p] = rng.bernoulli(x[0]);
    pop.bike_owner[p] = rng.bernoulli(x[1]);
    pop.transit_pass[p] = rng.bernoulli(x[2]);
}

// Households and mobility tools of the residents of zone z (persons first..last), by the demand
// models (demand.hpp). Needs the destination rows of every tool set for the zone's residents.
// `counts`: households with no car, one, two or more, and in all.
void household_tools(const Draws& d, Population& pop, std::uint32_t z, std::uint32_t first, std::uint32_t last,
                     std::array<std::uint64_t, 4>& counts) {
    const auto& mt = d.s.demand.mobility_tools;
    Rng size_rng(d.s.seed, Stream::household, z);
    double size_total = 0;
    for (const double x : mt.household_size) size_total += x;
    // Accessibility of a person with some tools: the logsum to work or study places (weighted)
    // and to everything (visits).
    const auto access = [&](std::uint32_t p, std::uint8_t tools) {
        const auto g = pop.group[p];
        double a = mt.all_weight * accessibility(d, Purpose::other, z, g, tools);
        if (g == Group::resident_worker) a += mt.work_weight * accessibility(d, Purpose::work, z, g, tools);
        if (g == Group::resident_student) a += mt.work_weight * accessibility(d, Purpose::study, z, g, tools);
        return a;
    };
    // The gain of holding a tool, bounded where the person reaches nothing without it.
    const auto gain = [&](std::uint32_t p, std::uint8_t base, std::uint8_t tool) {
        const double with = access(p, static_cast<std::uint8_t>(base | tool)), without = access(p, base);
        if (!std::isfinite(with)) return 0.0;
        if (!std::isfinite(without)) return 10.0;
        return with - without;
    };
    const double parking = d.zones.home_parking_sek_per_month[z] / 100.0;
    for (std::uint32_t h = first; h < last;) {
        const auto size = static_cast<std::uint32_t>(1 + draw_index(mt.household_size, size_total, size_rng.uniform()));
        const std::uint32_t end = std::min(last, h + size);
        const std::uint32_t n = end - h;
        std::uint32_t workers = 0;
        double car_gain = 0;
        for (std::uint32_t p = h; p < end; ++p) {
            pop.household[p] = h;
            workers += pop.group[p] == Group::resident_worker ? 1 : 0;
            car_gain += gain(p, 0, tool_car);
        }
        car_gain /= n;
        const auto& c = mt.cars;
        const double v[3] = {0.0,
                             c.asc_one + c.per_adult_one * (n - 1) + c.per_worker_one * workers +
                                 c.accessibility * car_gain + c.parking_per_100_sek_month * parking,
                             c.asc_two_plus + c.per_adult_two_plus * (n - 1) + c.per_worker_two_plus * workers +
                                 c.accessibility * car_gain + c.parking_per_100_sek_month * 2 * parking};
        const auto share = demand::logit_shares(v);
        Rng rng(d.s.seed, Stream::mobility_tools, h);
        const auto cars = static_cast<std::uint32_t>(draw_index(share, 1.0, rng.uniform()));
        ++counts[cars];
        ++counts[3];
        // Fewer cars than persons: a worker has the car twice as often as a person at home, a
        // student half as often (assumption: commuting claims the household's car first).
        const auto claim = [&](std::uint32_t p) {
            return pop.group[p] == Group::resident_worker ? 2.0 : pop.group[p] == Group::resident_student ? 0.5 : 1.0;
        };
        double claims = 0;
        for (std::uint32_t p = h; p < end; ++p) claims += claim(p);
        for (std::uint32_t p = h; p < end; ++p) {
            Rng prng(d.s.seed, Stream::mobility_tools, p, 1);
            const bool car = cars > 0 && (cars >= n || prng.bernoulli(std::min(1.0, cars * claim(p) / claims)));
            pop.car_available[p] = car;
            const auto g = static_cast<std::size_t>(pop.group[p]);
            const std::uint8_t base = car ? tool_car : 0;
            const double vp = mt.pass.asc[g] + mt.pass.accessibility * gain(p, base, tool_pass) +
                              mt.pass.car_available * (car ? 1 : 0);
            pop.transit_pass[p] = prng.bernoulli(demand::logistic(vp));
            const auto with_pass = static_cast<std::uint8_t>(base | (pop.transit_pass[p] ? tool_pass : 0));
            const double vb = mt.bike.asc[g] + mt.bike.accessibility * gain(p, with_pass, tool_bike) +
                              mt.bike.car_available * (car ? 1 : 0);
            pop.bike_owner[p] = prng.bernoulli(demand::logistic(vb));
        }
        h = end;
    }
}

void resize_persons(Population& pop, std::size_t n) {
    pop.group.resize(n);
    pop.home_zone.resize(n);
    pop.home_node.resize(n);
    pop.work_zone.resize(n, invalid_index);
    pop.work_node.resize(n, invalid_index);
    pop.study_zone.resize(n, invalid_index);
    pop.study_node.resize(n, invalid_index);
    pop.car_available.resize(n);
    pop.bike_owner.resize(n);
    pop.transit_pass.resize(n);
    const auto before = pop.household.size();
    pop.household.resize(n);
    for (std::size_t p = before; p < n; ++p) pop.household[p] = static_cast<std::uint32_t>(p);
}

}  // namespace

Population synthesize(const scenario::Scenario& s, const network::Network& net, const ZoneData& zones,
                      const ZoneImpedance& imp, SynthesisSummary* summary, const ServiceView* view) {
    if (s.demand.given && !view)
        throw std::logic_error("synthesize: the scenario's demand models need the level of service (a ServiceView)");
    // The gravity models (no demand models) read the zones' impedances, the demand models never.
    if (!s.demand.given && imp.zone_count != net.zone_count())
        throw std::logic_error("synthesize: the gravity models need the zones' impedances");
    DemandState state;
    const bool models = s.demand.given;
    if (models) {
        // Reference periods of each purpose: leaving at the profile's busiest hour, coming back
        // after the mean duration.
        for (std::size_t p = 0; p < core::purpose_count; ++p) {
            const auto& a = s.activities[p];
            const auto peak = static_cast<std::int32_t>(
                std::max_element(a.departure_profile.begin(), a.departure_profile.end()) - a.departure_profile.begin());
            const std::int32_t out = peak * 3600 + 1800;
            const auto back = out + static_cast<std::int32_t>(std::lround(a.duration_h.mean * 3600));
            state.ref_out[p] = (out / view->period_s) % view->periods;
            state.ref_back[p] = (back / view->period_s) % view->periods;
            // The profile's weight over each period (hours split where a period ends inside one).
            auto& log_w = state.log_period_weight[p];
            log_w.assign(static_cast<std::size_t>(view->periods), -std::numeric_limits<double>::infinity());
            for (int k = 0; k < view->periods; ++k) {
                const std::int32_t start = k * view->period_s, end = start + view->period_s;
                double w = 0;
                for (std::int32_t t = start; t < end;) {
                    const std::int32_t next = std::min((t / 3600 + 1) * 3600, end);
                    w += a.departure_profile[static_cast<std::size_t>((t / 3600) % 24)] * (next - t) / 3600.0;
                    t = next;
                }
                if (w > 0) log_w[static_cast<std::size_t>(k)] = std::log(w);
            }
        }
    }
    const Draws d{s, net, zones, imp, models ? view : nullptr, models ? &state : nullptr};
    const std::size_t nz = net.zone_count();
    if (models)
        for (std::size_t p = 0; p < core::purpose_count; ++p)
            for (std::size_t v = 0; v < 2; ++v) {
                auto& size = state.size[p][v];
                size.resize(nz);
                for (std::size_t j = 0; j < nz; ++j) size[j] = size_of(d, static_cast<Purpose>(p), j, v == 1);
            }
    Population pop;
    SynthesisSummary local_summary;
    SynthesisSummary& sum = summary ? *summary : local_summary;

    // 1. Residents of the study zones, zone by zone, and their mobility tools.
    std::vector<std::uint32_t> first_resident(nz + 1, 0);
    for (std::size_t z = 0; z < nz; ++z)
        first_resident[z + 1] =
            first_resident[z] + static_cast<std::uint32_t>(net.zone_kind[z] == ZoneKind::study
                                                               ? scaled_count(zones.residents[z], s.population.scale)
                                                               : 0);
    const std::uint32_t residents = first_resident[nz];
    resize_persons(pop, residents);
    tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t z) {
        for (std::uint32_t p = first_resident[z]; p < first_resident[z + 1]; ++p) {
            Rng rng(s.seed, Stream::home_location, p);
            const double u = rng.uniform();
            pop.group[p] = u < s.population.employment_rate                               ? Group::resident_worker
                           : u < s.population.employment_rate + s.population.student_rate ? Group::resident_student
                                                                                          : Group::resident;
            pop.home_zone[p] = static_cast<std::uint32_t>(z);
            pop.home_node[p] = draw_node(net, static_cast<std::uint32_t>(z), rng, invalid_index);
            draw_attributes(s, zones, pop, p);
        }
    });
    if (models && s.demand.mobility_tools.given) {
        // The accessibility every tool set gives each resident group at home.
        std::vector<std::size_t> work_keys, study_keys, other_keys;
        for (std::size_t z = 0; z < nz; ++z) {
            if (first_resident[z] == first_resident[z + 1]) continue;
            for (std::uint8_t t = 0; t < tool_sets; ++t) {
                const auto zz = static_cast<std::uint32_t>(z);
                work_keys.push_back(CellRows::key(zz, Group::resident_worker, t));
                study_keys.push_back(CellRows::key(zz, Group::resident_student, t));
                for (const auto g : {Group::resident, Group::resident_worker, Group::resident_student})
                    other_keys.push_back(CellRows::key(zz, g, t));
            }
        }
        add_rows(d, Purpose::work, work_keys);
        add_rows(d, Purpose::study, study_keys);
        add_rows(d, Purpose::other, other_keys);
        std::vector<std::array<std::uint64_t, 4>> counts(nz, std::array<std::uint64_t, 4>{});
        tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t z) {
            household_tools(d, pop, static_cast<std::uint32_t>(z), first_resident[z], first_resident[z + 1], counts[z]);
        });
        for (const auto& c : counts) {
            for (std::size_t k = 0; k < 3; ++k) sum.households_by_cars[k] += c[k];
            sum.households += c[3];
        }
    }

    // 2. Work and study places of residents (capacity-constrained gravity, or the logit of the
    //    demand models), then in-commuters for the places left, from the gateways.
    std::vector<std::uint64_t> job_capacity(nz, 0), study_capacity(nz, 0);
    for (std::size_t z = 0; z < nz; ++z)
        if (net.zone_kind[z] == ZoneKind::study) {
            job_capacity[z] = scaled_count(zones.jobs[z], s.population.scale);
            study_capacity[z] = scaled_count(zones.study_places[z], s.population.scale);
        }
    std::vector<std::uint32_t> workers, students;
    for (std::uint32_t p = 0; p < residents; ++p) {
        if (pop.group[p] == Group::resident_worker) workers.push_back(p);
        if (pop.group[p] == Group::resident_student) students.push_back(p);
    }
    const double beta_work = s.activities[static_cast<std::size_t>(Purpose::work)].gravity_beta_per_min;
    const double beta_study = s.activities[static_cast<std::size_t>(Purpose::study)].gravity_beta_per_min;
    const auto jobs_taken = models ? assign_places_logit(d, pop, workers, job_capacity, Purpose::work,
                                                         Stream::work_location, pop.work_zone, &sum)
                                   : assign_places(d, pop, workers, job_capacity, zones.gw_jobs, beta_work,
                                                   Stream::work_location, pop.work_zone);
    const auto places_taken = models ? assign_places_logit(d, pop, students, study_capacity, Purpose::study,
                                                           Stream::study_location, pop.study_zone, &sum)
                                     : assign_places(d, pop, students, study_capacity, zones.gw_study_places,
                                                     beta_study, Stream::study_location, pop.study_zone);

    const auto add_in_commuters = [&](Group group, Purpose purpose, const std::vector<std::uint64_t>& capacity,
                                      const std::vector<std::uint64_t>& taken, const std::vector<double>& origin_weight,
                                      double beta, double count_given, std::vector<std::uint32_t>& place) {
        // Without gateways (a network of the study area alone) nobody commutes in: the places
        // residents do not take stay empty.
        bool any_gateway = false;
        for (std::size_t g = 0; g < nz; ++g) any_gateway = any_gateway || net.zone_kind[g] == ZoneKind::gateway;
        std::vector<std::uint64_t> open(nz, 0);
        std::uint64_t open_total = 0;
        for (std::size_t j = 0; j < nz; ++j) {
            open[j] = any_gateway && capacity[j] > taken[j] ? capacity[j] - taken[j] : 0;
            open_total += open[j];
        }
        // A count of in-commuters from the scenario (demand.in_commuters): the places left are
        // shared out in proportion (largest remainders); never more than the places left.
        if (models && count_given >= 0 && open_total > 0) {
            const auto want = std::min<std::uint64_t>(open_total, scaled_count(count_given, s.population.scale));
            std::vector<std::pair<double, std::size_t>> remainder;
            std::uint64_t given = 0;
            for (std::size_t j = 0; j < nz; ++j) {
                const double exact = static_cast<double>(open[j]) * static_cast<double>(want) / open_total;
                const auto whole = static_cast<std::uint64_t>(std::floor(exact));
                remainder.emplace_back(-(exact - static_cast<double>(whole)), j);
                open[j] = whole;
                given += whole;
            }
            std::sort(remainder.begin(), remainder.end());
            for (std::size_t i = 0; given < want && i < remainder.size(); ++i, ++given) ++open[remainder[i].second];
        }
        std::vector<std::uint32_t> first(nz + 1, static_cast<std::uint32_t>(pop.person_count()));
        for (std::size_t j = 0; j < nz; ++j) first[j + 1] = first[j] + static_cast<std::uint32_t>(open[j]);
        resize_persons(pop, first[nz]);
        const double theta = s.demand.in_commuters.logsum_coefficient;
        tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t j) {
            std::vector<double> w(nz, 0.0);
            // With the demand models and tools by place: per gateway, the probability of each tool
            // set given the gateway and j, from the terms of the gateway's logsum (ln P(tools) +
            // the tour logsum to j with those tools).
            std::vector<std::array<double, tool_sets>> tool_share;
            double total = 0;
            if (!models)
                for (std::size_t g = 0; g < nz; ++g)
                    if (net.zone_kind[g] == ZoneKind::gateway)
                        total += (w[g] = gravity_weight(origin_weight[g], beta, imp.at(g, j)));
            // The demand models: the gateways' weights ln(size) + θ · logsum to j, the logsum over
            // the tool holdings of the gateway's commuters ((1 / μ) ln Σ P(tools) exp(μ logsum),
            // μ = tools_logsum_coefficient with tools by place, else 1).
            if (models && first[j] < first[j + 1]) {
                std::vector<double> v(nz, -std::numeric_limits<double>::infinity());
                const auto pi = static_cast<std::size_t>(purpose);
                const bool by_place = s.demand.in_commuters.tools_by_place;
                const double mu = by_place ? s.demand.in_commuters.tools_logsum_coefficient : 1.0;
                for (std::size_t g = 0; g < nz; ++g) {
                    if (net.zone_kind[g] != ZoneKind::gateway || !(origin_weight[g] > 0)) continue;
                    const auto x = tool_shares(s, zones, group, static_cast<std::uint32_t>(g));
                    std::array<double, tool_sets> terms;
                    for (std::uint8_t t = 0; t < tool_sets; ++t) {
                        const double share = ((t & tool_car) ? x[0] : 1 - x[0]) * ((t & tool_bike) ? x[1] : 1 - x[1]) *
                                             ((t & tool_pass) ? x[2] : 1 - x[2]);
                        const double ls = share > 0
                                              ? view->tour_logsum(group, purpose, t, static_cast<std::uint32_t>(g),
                                                                  static_cast<std::uint32_t>(j), state.ref_out[pi],
                                                                  state.ref_back[pi])
                                              : -std::numeric_limits<double>::infinity();
                        terms[t] =
                            std::isfinite(ls) ? std::log(share) + mu * ls : -std::numeric_limits<double>::infinity();
                    }
                    const double ls = demand::log_sum_exp(terms) / mu;
                    if (std::isfinite(ls)) v[g] = std::log(origin_weight[g]) + theta * ls;
                    if (by_place) {
                        if (tool_share.empty()) tool_share.resize(nz);
                        const auto shares = demand::logit_shares(terms);
                        std::copy(shares.begin(), shares.end(), tool_share[g].begin());
                    }
                }
                w = demand::logit_shares(v);
                total = 0;
                for (const double x : w) total += x;
            }
            for (std::uint32_t p = first[j]; p < first[j + 1]; ++p) {
                pop.group[p] = group;
                Rng rng(s.seed, Stream::home_location, p);
                // With no gateway able to reach the zone, in-commuters come from the first gateway.
                std::size_t g = total > 0 ? draw_index(w, total, rng.uniform()) : 0;
                if (!(total > 0))
                    while (g < nz && net.zone_kind[g] != ZoneKind::gateway) ++g;
                pop.home_zone[p] = static_cast<std::uint32_t>(g);
                // The home is one of the gateway's nodes (hub or a station's access point) in equal
                // shares, drawn from the same stream as the gateway: a zone of one node keeps it
                // without a draw.
                pop.home_node[p] = draw_node(net, static_cast<std::uint32_t>(g), rng, invalid_index);
                place[p] = static_cast<std::uint32_t>(j);
                // The tools: by the place's level of service (demand.in_commuters.tools: by_place,
                // the lower level of the gateway's choice), or the gateway's shares alone.
                if (!tool_share.empty() && total > 0) {
                    Rng tools_rng(s.seed, Stream::person_attributes, p, 1);
                    const auto t = draw_index(tool_share[g], 1.0, tools_rng.uniform());
                    pop.car_available[p] = (t & tool_car) != 0;
                    pop.bike_owner[p] = (t & tool_bike) != 0;
                    pop.transit_pass[p] = (t & tool_pass) != 0;
                } else {
                    draw_attributes(s, zones, pop, p);
                }
            }
        });
        return static_cast<std::uint64_t>(first[nz] - first[0]);
    };
    const auto in_workers = add_in_commuters(Group::worker, Purpose::work, job_capacity, jobs_taken, zones.gw_workers,
                                             beta_work, s.demand.in_commuters.workers, pop.work_zone);
    const auto in_students =
        add_in_commuters(Group::student, Purpose::study, study_capacity, places_taken, zones.gw_students, beta_study,
                         s.demand.in_commuters.students, pop.study_zone);

    // 3. Nodes of work and study places.
    const std::size_t persons = pop.person_count();
    tbb::parallel_for(std::size_t{0}, persons, [&](std::size_t i) {
        const auto p = static_cast<std::uint32_t>(i);
        if (pop.work_zone[p] != invalid_index) {
            Rng rng(s.seed, Stream::activity_node, p, 0);
            pop.work_node[p] = draw_node(net, pop.work_zone[p], rng, pop.home_node[p]);
        }
        if (pop.study_zone[p] != invalid_index) {
            Rng rng(s.seed, Stream::activity_node, p, 1);
            pop.study_node[p] = draw_node(net, pop.study_zone[p], rng, pop.home_node[p]);
        }
    });

    // 4. Day plans: count tours per person, prefix sum, then fill (same draws both times).
    const OtherDestinations other = models ? OtherDestinations{} : other_destinations(d);
    if (models) {
        std::vector<std::size_t> keys(persons);
        for (std::uint32_t p = 0; p < persons; ++p)
            keys[p] = CellRows::key(pop.home_zone[p], pop.group[p], tools_of(pop, p));
        add_rows(d, Purpose::other, std::move(keys));
        tabulate_distance_factors(d, Purpose::other);
        tabulate_running_sums(d, Purpose::other, true);
    }
    // Each block of persons plans its days once into a buffer of its own; the tours are then
    // laid out person by person (the same tables whatever the threads).
    constexpr std::size_t block = 4096;
    const std::size_t blocks = (persons + block - 1) / block;
    std::vector<std::vector<Tour>> planned(blocks);
    std::vector<std::uint32_t> count(persons, 0);
    std::atomic<std::uint64_t> at_home{0};
    tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
        std::vector<Tour> tours;
        std::uint64_t home = 0;
        for (std::size_t i = b * block; i < std::min(persons, (b + 1) * block); ++i) {
            home += plan_day(d, pop, other, static_cast<std::uint32_t>(i), tours) ? 0 : 1;
            count[i] = static_cast<std::uint32_t>(tours.size());
            planned[b].insert(planned[b].end(), tours.begin(), tours.end());
        }
        at_home += home;
    });
    if (models) drop_sampling_tables(d, Purpose::other);
    pop.person_first_tour.assign(persons + 1, 0);
    std::partial_sum(count.begin(), count.end(), pop.person_first_tour.begin() + 1);
    const std::size_t tours_total = pop.person_first_tour[persons];
    pop.tour_purpose.resize(tours_total);
    pop.tour_zone.resize(tours_total);
    pop.tour_node.resize(tours_total);
    pop.tour_depart_s.resize(tours_total);
    pop.tour_return_s.resize(tours_total);
    tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
        std::size_t t = pop.person_first_tour[b * block];
        for (const auto& tour : planned[b]) {
            pop.tour_purpose[t] = tour.purpose;
            pop.tour_zone[t] = tour.zone;
            pop.tour_node[t] = tour.node;
            pop.tour_depart_s[t] = tour.depart;
            pop.tour_return_s[t] = tour.ret;
            ++t;
        }
        planned[b] = {};
    });

    sum.residents = residents;
    sum.resident_workers = workers.size();
    sum.resident_students = students.size();
    sum.in_commuting_workers = in_workers;
    sum.in_commuting_students = in_students;
    sum.persons_staying_home = at_home.load();
    return pop;
}

}  // namespace flemsim::population
