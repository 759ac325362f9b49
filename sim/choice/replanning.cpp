#include "sim/choice/replanning.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include <cmath>
#include <limits>

#include "sim/core/rng.hpp"

namespace flemsim::choice {

using core::Mode;

std::vector<std::int32_t> trip_departures(const population::Population& pop, const TourPlans& plans) {
    std::vector<std::int32_t> dep(pop.trip_count());
    for (std::size_t tour = 0; tour < pop.tour_count(); ++tour) {
        dep[2 * tour] = std::max(0, pop.tour_depart_s[tour] + plans.shift_s[tour]);
        dep[2 * tour + 1] = std::max(0, pop.tour_return_s[tour] + plans.shift_s[tour]);
    }
    return dep;
}

std::vector<core::Mode> trip_modes(const population::Population& pop, const TourPlans& plans) {
    std::vector<core::Mode> mode(pop.trip_count());
    for (std::size_t tour = 0; tour < pop.tour_count(); ++tour) mode[2 * tour] = mode[2 * tour + 1] = plans.mode[tour];
    return mode;
}

routing::TransitAccessPlan transit_access(const routing::TripLos& los) {
    routing::TransitAccessPlan a;
    const std::size_t tours = los.size() / 2;
    a.kind.assign(tours, static_cast<std::uint8_t>(routing::TransitAccess::walk));
    a.lot_stop.assign(tours, -1);
    if (los.pt.access_kind.empty()) return a;  // no transit on the network
    for (std::size_t tour = 0; tour < tours; ++tour) {
        a.kind[tour] = los.pt.access_kind[2 * tour];
        a.lot_stop[tour] = los.pt.lot_stop[2 * tour];
    }
    return a;
}

std::vector<std::int32_t> candidate_shifts(std::int32_t window_s) {
    if (window_s <= 0) return {0};
    return {-window_s, -window_s / 2, 0, window_s / 2, window_s};
}

ReplanRequests replan_requests(const ChoiceInputs& in, int iteration, std::int64_t measured_persons) {
    const auto& s = in.params.replanning;
    const auto& pop = in.pop;
    const auto shifts = candidate_shifts(s.departure_window_s);
    ReplanRequests rq;

    // Who reconsiders: each person's own draw for this iteration. The share shrinks with the
    // days as in the method of successive averages (decay 1: 1 / (n + 1)), so that the
    // flows settle rather than swing between the routes and modes that were best yesterday.
    const double share = s.replanning_share / std::pow(static_cast<double>(iteration) + 1.0, s.replanning_decay);
    auto& tours = rq.tours;
    std::vector<std::uint32_t> drawn;
    for (std::uint32_t p = 0; p < pop.person_count(); ++p) {
        core::Rng rng(in.params.seed, core::Stream::replanning, p, static_cast<std::uint64_t>(iteration) * 2);
        if (rng.bernoulli(share)) drawn.push_back(p);
    }
    rq.persons = drawn.size();
    // A replanning only measured needs no more persons than its gap's estimate does: beyond
    // `measured_persons`, each drawn person is measured with probability measured / drawn.
    const double keep = measured_persons > 0 && drawn.size() > static_cast<std::uint64_t>(measured_persons)
                            ? static_cast<double>(measured_persons) / static_cast<double>(drawn.size())
                            : 1.0;
    for (const auto p : drawn) {
        if (keep < 1.0 &&
            !core::Rng(in.params.seed, core::Stream::last_day_gap, p, static_cast<std::uint64_t>(iteration))
                 .bernoulli(keep))
            continue;
        ++rq.measured_persons;
        for (const auto tour : pop.tours_of(p)) tours.push_back(tour);
    }

    // Car and transit at every candidate departure of both trips of those tours; the car only
    // for a person who may take it (mode_choice.availability): the others' car answers would
    // go unused (their tour's band is the static level of service's, tour_utilities).
    const auto car_rule = in.params.availability[static_cast<std::size_t>(Mode::car)];
    auto& requests = rq.requests;
    requests.reserve(tours.size() * shifts.size() * 2);
    for (const auto tour : tours) {
        const auto person = pop.person_of_tour(tour);
        const bool car = scenario::meets(car_rule, pop.car_available[person] != 0, pop.bike_owner[person] != 0);
        for (const auto shift : shifts) {
            requests.push_back({2 * tour, std::max(0, pop.tour_depart_s[tour] + shift), car});
            requests.push_back({2 * tour + 1, std::max(0, pop.tour_return_s[tour] + shift), car});
        }
    }
    return rq;
}

ReplanSummary replan(const ChoiceInputs& in, int iteration, bool apply, TourPlans& plans, const ReplanRequests& rq,
                     const routing::RequestLos& los) {
    const auto& s = in.params.replanning;
    const auto& pop = in.pop;
    const auto shifts = candidate_shifts(s.departure_window_s);
    const std::size_t k = shifts.size();
    const auto& tours = rq.tours;
    ReplanSummary sum;
    sum.reroute.assign(pop.trip_count(), 0);
    sum.persons = rq.persons;
    sum.tours = tours.size();
    const auto car_bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(Mode::car));
    const auto pt_bit = static_cast<std::uint8_t>(1u << static_cast<unsigned>(Mode::transit));

    std::vector<double> gap(tours.size(), 0.0), magnitude(tours.size(), 0.0);
    std::vector<std::uint8_t> switched(tours.size(), 0);
    const NestedLogit model = mode_model(in.params);
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, tours.size(), 256), [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t i = r.begin(); i != r.end(); ++i) {
                const auto tour = tours[i];
                const auto person = pop.person_of_tour(tour);
                // Utility of each mode at each shift; best shift per mode.
                std::array<double, core::mode_count> best_v;
                best_v.fill(-std::numeric_limits<double>::infinity());
                std::array<std::int32_t, core::mode_count> best_shift{};
                std::uint8_t any = 0;
                double current = -std::numeric_limits<double>::infinity();
                // The static offers, whose car and transit each departure tried replaces. The
                // tour's distance band is its trip out's there, as in the first choice and the
                // calibration: a property of the tour's places, not of the congested car path at
                // one of the departures tried.
                const std::array<TripOffer, 2> base{offer_of(in.los, 2 * tour), offer_of(in.los, 2 * tour + 1)};
                const double band_m = street_distance_m(base[0]);
                for (std::size_t j = 0; j < k; ++j) {
                    auto offer = base;
                    for (int leg = 0; leg < 2; ++leg) {
                        const std::size_t q = (i * k + j) * 2 + static_cast<std::size_t>(leg);
                        auto& o = offer[static_cast<std::size_t>(leg)];
                        o.available &= static_cast<std::uint8_t>(~(car_bit | pt_bit));
                        if (los.car_ok[q]) {
                            o.available |= car_bit;
                            o.time_s[static_cast<std::size_t>(Mode::car)] = los.car_time_s[q];
                            o.distance_m[static_cast<std::size_t>(Mode::car)] = los.car_distance_m[q];
                            o.car_drive_s = los.car_drive_s[q];
                        }
                        if (los.transit_ok[q]) {
                            o.available |= pt_bit;
                            o.pt = los.pt.at(q);
                            o.distance_m[static_cast<std::size_t>(Mode::transit)] = los.pt_distance_m[q];
                        }
                    }
                    std::uint8_t available = 0;
                    auto v = tour_utilities(in, tour, offer[0], offer[1], available, band_m);
                    const double penalty = s.shift_per_hour * std::abs(shifts[j]) / 3600.0;
                    for (std::size_t m = 0; m < core::mode_count; ++m) {
                        if (!(available & (1u << m))) continue;
                        v[m] += penalty;
                        any |= static_cast<std::uint8_t>(1u << m);
                        // Ties go to the smaller shift (shifts are listed from -w to w; 0 in the middle).
                        const bool better =
                            v[m] > best_v[m] || (v[m] == best_v[m] && std::abs(shifts[j]) < std::abs(best_shift[m]));
                        if (better) {
                            best_v[m] = v[m];
                            best_shift[m] = shifts[j];
                        }
                        if (static_cast<std::size_t>(plans.mode[tour]) == m && plans.shift_s[tour] == shifts[j])
                            current = v[m];
                    }
                }
                if (!any) continue;  // nothing within the rules: keep the plan
                double best = -std::numeric_limits<double>::infinity();
                for (const double v : best_v) best = std::max(best, v);
                if (std::isfinite(current)) {
                    gap[i] = best - current;
                    magnitude[i] = std::abs(current);
                }
                if (!apply) continue;
                const auto prob = model.probabilities(best_v, any);
                core::Rng rng(in.params.seed, core::Stream::replanning, person,
                              static_cast<std::uint64_t>(iteration) * 2 + 1);
                for (std::uint32_t skip = pop.tours_of(person).first; skip < tour; ++skip) rng.next_u64();
                const Mode m = draw_mode(prob, any, rng.uniform());
                const auto shift = best_shift[static_cast<std::size_t>(m)];
                switched[i] = m != plans.mode[tour] || shift != plans.shift_s[tour];
                plans.mode[tour] = m;
                plans.shift_s[tour] = shift;
                if (m == Mode::transit && !plans.access.kind.empty()) {
                    // The access of the transit offer at the shift taken (its trip out).
                    std::size_t j = 0;
                    while (shifts[j] != shift) ++j;
                    const std::size_t q = (i * k + j) * 2;
                    plans.access.kind[tour] = los.pt.access_kind[q];
                    plans.access.lot_stop[tour] = los.pt.lot_stop[q];
                }
            }
        });
    for (std::size_t i = 0; i < tours.size(); ++i) {
        sum.gap_sum += gap[i];
        sum.utility_abs_sum += magnitude[i];
        sum.switched += switched[i];
        if (apply) sum.reroute[2 * tours[i]] = sum.reroute[2 * tours[i] + 1] = 1;
    }
    return sum;
}

}  // namespace flemsim::choice
