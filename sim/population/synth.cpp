#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>

#include "sim/core/rng.hpp"
#include "sim/core/text.hpp"
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
    for (auto* v : {&d.residents, &d.jobs, &d.study_places, &d.visits, &d.gw_workers, &d.gw_students, &d.gw_jobs,
                    &d.gw_study_places, &d.gw_visits})
        v->assign(nz, 0.0);
    std::vector<std::string> study_ids, gateway_ids;
    for (std::size_t z = 0; z < nz; ++z)
        (net.zone_kind[z] == ZoneKind::study ? study_ids : gateway_ids).push_back(net.zone_ids[z]);
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

// Index drawn from non-negative weights (their sum must be > 0).
std::size_t draw_index(std::span<const double> weights, double total, double u) {
    const double target = u * total;
    double acc = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (weights[i] <= 0) continue;
        acc += weights[i];
        last_positive = i;
        if (target < acc) return i;
    }
    return last_positive;  // rounding at the very end
}

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

struct Draws {
    const scenario::Scenario& s;
    const network::Network& net;
    const ZoneData& zones;
    const ZoneImpedance& imp;
};

// Places `people` (resident workers or students) at destinations: study zones up to their
// capacity, gateways without limit; persons are served in a seeded random order so that no
// zone's residents come first. Returns the places taken per zone.
std::vector<std::uint64_t> assign_places(const Draws& d, Population& pop, const std::vector<std::uint32_t>& people,
                                         const std::vector<std::uint64_t>& capacity,
                                         const std::vector<double>& gateway_weight, double beta, Stream stream,
                                         std::vector<std::uint32_t>& out_zone) {
    const std::size_t nz = d.net.zone_count();
    std::vector<std::pair<std::uint64_t, std::uint32_t>> order;
    order.reserve(people.size());
    for (const auto p : people)
        order.emplace_back(Rng(d.s.seed, Stream::zone_assignment, p, static_cast<std::uint64_t>(stream)).next_u64(), p);
    std::sort(order.begin(), order.end());
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

// The day of person p: all draws come from p's own streams, so any thread may build it.
void plan_day(const Draws& d, const Population& pop, const OtherDestinations& other, std::uint32_t p,
              std::vector<Tour>& tours) {
    tours.clear();
    const auto g = static_cast<std::size_t>(pop.group[p]);
    Rng rng(d.s.seed, Stream::day_plan, p);
    const auto& work = d.s.activities[static_cast<std::size_t>(Purpose::work)];
    const auto& study = d.s.activities[static_cast<std::size_t>(Purpose::study)];
    const auto& oth = d.s.activities[static_cast<std::size_t>(Purpose::other)];
    if (pop.work_zone[p] != invalid_index && rng.bernoulli(std::min(1.0, work.tour_rate[g]))) {
        const auto dep = draw_departure(work.departure_profile, rng);
        tours.push_back(
            {Purpose::work, pop.work_zone[p], pop.work_node[p], dep, dep + draw_duration(work.duration_h, rng)});
    } else if (pop.study_zone[p] != invalid_index && rng.bernoulli(std::min(1.0, study.tour_rate[g]))) {
        const auto dep = draw_departure(study.departure_profile, rng);
        tours.push_back(
            {Purpose::study, pop.study_zone[p], pop.study_node[p], dep, dep + draw_duration(study.duration_h, rng)});
    }
    const double rate = oth.tour_rate[g];
    const int n_other = static_cast<int>(std::floor(rate)) + (rng.bernoulli(rate - std::floor(rate)) ? 1 : 0);
    const bool resident = core::is_resident(pop.group[p]);
    const auto home = pop.home_zone[p];
    const double total = resident ? other.resident_total[home] : other.visitor_total[home];
    for (int k = 0; k < n_other && total > 0; ++k) {
        Rng dest_rng(d.s.seed, Stream::other_destination, p, static_cast<std::uint64_t>(k));
        const double* w = (resident ? other.resident_w.data() : other.visitor_w.data()) + home * other.nz;
        const auto zone = static_cast<std::uint32_t>(draw_index({w, other.nz}, total, dest_rng.uniform()));
        const auto node = draw_node(d.net, zone, dest_rng, pop.home_node[p]);
        const auto dep = draw_departure(oth.departure_profile, rng);
        tours.push_back({Purpose::other, zone, node, dep, dep + draw_duration(oth.duration_h, rng)});
    }
    // Tours follow each other with a gap: a tour drawn to start during another starts after it.
    std::stable_sort(tours.begin(), tours.end(), [](const Tour& a, const Tour& b) { return a.depart < b.depart; });
    // A tour pushed past midnight no longer fits the day and is dropped (a tour drawn to
    // start late, such as a night shift, keeps its time and may end the next morning).
    std::size_t kept = tours.empty() ? 0 : 1;
    for (std::size_t k = 1; k < tours.size(); ++k) {
        Tour t = tours[k];
        const std::int32_t earliest = tours[kept - 1].ret + min_gap_between_tours_s;
        if (t.depart < earliest) {
            const std::int32_t shift = earliest - t.depart;
            t.depart += shift;
            t.ret += shift;
            if (t.depart >= day_end_s) continue;
        }
        tours[kept++] = t;
    }
    tours.resize(kept);
}

void draw_attributes(const scenario::Scenario& s, Population& pop, std::uint32_t p) {
    Rng rng(s.seed, Stream::person_attributes, p, 1);
    const auto& a = s.population.attributes[static_cast<std::size_t>(pop.group[p])];
    pop.car_available[p] = rng.bernoulli(a.car_availability);
    pop.bike_owner[p] = rng.bernoulli(a.bike_ownership);
    pop.transit_pass[p] = rng.bernoulli(a.transit_pass);
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
}

}  // namespace

Population synthesize(const scenario::Scenario& s, const network::Network& net, const ZoneData& zones,
                      const ZoneImpedance& imp, SynthesisSummary* summary) {
    const Draws d{s, net, zones, imp};
    const std::size_t nz = net.zone_count();
    Population pop;

    // 1. Residents of the study zones, zone by zone.
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
        }
    });

    // 2. Work and study places of residents (capacity-constrained gravity), then
    //    in-commuters for the places left, from the gateways.
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
    const auto jobs_taken =
        assign_places(d, pop, workers, job_capacity, zones.gw_jobs, beta_work, Stream::work_location, pop.work_zone);
    const auto places_taken = assign_places(d, pop, students, study_capacity, zones.gw_study_places, beta_study,
                                            Stream::study_location, pop.study_zone);

    const auto add_in_commuters = [&](Group group, const std::vector<std::uint64_t>& capacity,
                                      const std::vector<std::uint64_t>& taken, const std::vector<double>& origin_weight,
                                      double beta, std::vector<std::uint32_t>& place) {
        // Without gateways (a network of the study area alone) nobody commutes in: the places
        // residents do not take stay empty.
        bool any_gateway = false;
        for (std::size_t g = 0; g < nz; ++g) any_gateway = any_gateway || net.zone_kind[g] == ZoneKind::gateway;
        std::vector<std::uint32_t> first(nz + 1, static_cast<std::uint32_t>(pop.person_count()));
        for (std::size_t j = 0; j < nz; ++j)
            first[j + 1] = first[j] + static_cast<std::uint32_t>(
                                          any_gateway && capacity[j] > taken[j] ? capacity[j] - taken[j] : 0);
        resize_persons(pop, first[nz]);
        std::uint64_t added = 0;
        tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t j) {
            std::vector<double> w(nz, 0.0);
            double total = 0;
            for (std::size_t g = 0; g < nz; ++g)
                if (net.zone_kind[g] == ZoneKind::gateway)
                    total += (w[g] = gravity_weight(origin_weight[g], beta, imp.at(g, j)));
            for (std::uint32_t p = first[j]; p < first[j + 1]; ++p) {
                Rng rng(s.seed, Stream::home_location, p);
                // With no gateway able to reach the zone, in-commuters come from the first gateway.
                std::size_t g = total > 0 ? draw_index(w, total, rng.uniform()) : 0;
                if (total <= 0)
                    while (g < nz && net.zone_kind[g] != ZoneKind::gateway) ++g;
                pop.group[p] = group;
                pop.home_zone[p] = static_cast<std::uint32_t>(g);
                // The home is one of the gateway's nodes (hub or a station's access point) in equal
                // shares, drawn from the same stream as the gateway: a zone of one node keeps it
                // without a draw.
                pop.home_node[p] = draw_node(net, static_cast<std::uint32_t>(g), rng, invalid_index);
                place[p] = static_cast<std::uint32_t>(j);
            }
        });
        for (std::size_t j = 0; j < nz; ++j) added += first[j + 1] - first[j];
        return added;
    };
    const auto in_workers =
        add_in_commuters(Group::worker, job_capacity, jobs_taken, zones.gw_workers, beta_work, pop.work_zone);
    const auto in_students =
        add_in_commuters(Group::student, study_capacity, places_taken, zones.gw_students, beta_study, pop.study_zone);

    // 3. Nodes of work and study places, and attributes.
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
        draw_attributes(s, pop, p);
    });

    // 4. Day plans: count tours per person, prefix sum, then fill (same draws both times).
    const OtherDestinations other = other_destinations(d);
    std::vector<std::uint32_t> count(persons, 0);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, persons, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
        std::vector<Tour> tours;
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
            plan_day(d, pop, other, static_cast<std::uint32_t>(i), tours);
            count[i] = static_cast<std::uint32_t>(tours.size());
        }
    });
    pop.person_first_tour.assign(persons + 1, 0);
    std::partial_sum(count.begin(), count.end(), pop.person_first_tour.begin() + 1);
    const std::size_t tours_total = pop.person_first_tour[persons];
    pop.tour_purpose.resize(tours_total);
    pop.tour_zone.resize(tours_total);
    pop.tour_node.resize(tours_total);
    pop.tour_depart_s.resize(tours_total);
    pop.tour_return_s.resize(tours_total);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, persons, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
        std::vector<Tour> tours;
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
            plan_day(d, pop, other, static_cast<std::uint32_t>(i), tours);
            std::size_t t = pop.person_first_tour[i];
            for (const auto& tour : tours) {
                pop.tour_purpose[t] = tour.purpose;
                pop.tour_zone[t] = tour.zone;
                pop.tour_node[t] = tour.node;
                pop.tour_depart_s[t] = tour.depart;
                pop.tour_return_s[t] = tour.ret;
                ++t;
            }
        }
    });

    if (summary) {
        summary->residents = residents;
        summary->resident_workers = workers.size();
        summary->resident_students = students.size();
        summary->in_commuting_workers = in_workers;
        summary->in_commuting_students = in_students;
    }
    return pop;
}

}  // namespace flemsim::population
