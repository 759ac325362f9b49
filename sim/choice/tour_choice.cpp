#include "sim/choice/tour_choice.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "sim/core/rng.hpp"

namespace flemsim::choice {

using core::Mode;
using core::Purpose;

namespace {
constexpr auto idx = core::mode_index;
constexpr auto bit = core::mode_bit;

// The piecewise part of walking or cycling time: each breakpoint's slope times the minutes beyond it.
double over_breakpoints(const scenario::Scenario::ModeChoice::Beta::Piecewise& p, double minutes) {
    double v = 0;
    for (std::size_t i = 0; i < p.breakpoints_min.size(); ++i)
        v += p.per_min[i] * std::max(0.0, minutes - p.breakpoints_min[i]);
    return v;
}
}  // namespace

std::vector<double> parking_by_zone(const scenario::Scenario& s, const network::Network& net) {
    const auto& car = s.modes.car;
    std::vector<double> out(net.zone_count(), car.default_parking_sek);
    std::vector<std::string> ids(net.zone_ids);
    for (const auto& [zone, sek] : car.parking_sek) {
        const auto z = net.find_zone(zone);
        if (z == core::invalid_index)
            throw core::InputError(car.parking_pos.at(zone),
                                   "modes.car.parking_sek." + zone + ": no such zone in the network");
        out[z] = sek;
    }
    return out;
}

double street_distance_m(const TripOffer& o) {
    double d = std::numeric_limits<double>::infinity();
    for (const Mode m : {Mode::walk, Mode::bike, Mode::car})
        if (o.available & bit(m)) d = std::min(d, static_cast<double>(o.distance_m[idx(m)]));
    if (std::isinf(d)) d = (o.available & bit(Mode::transit)) ? o.distance_m[idx(Mode::transit)] : 0.0;
    return d;
}

NestedLogit mode_model(const scenario::ChoiceParams& params) {
    NestStructure s;
    s.nest_of.assign(params.nest_of.begin(), params.nest_of.end());
    s.scale = params.nest_scale;
    s.nest_names = params.nest_names;
    return NestedLogit(s);
}

TripOffer offer_of(const routing::TripLos& los, std::size_t t) {
    TripOffer o;
    o.available = los.available[t];
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        o.time_s[m] = los.time_s[m][t];
        o.distance_m[m] = los.distance_m[m][t];
    }
    o.car_drive_s = los.car_drive_s[t];
    o.pt = los.pt.at(t);
    return o;
}

double transit_cost_sek(const scenario::ChoiceParams& params, bool pass_holder, std::uint8_t access_kind,
                        double ride_m) {
    double c = pass_holder ? params.transit_pass_fare_sek : params.transit_fare_sek;
    if (access_kind == static_cast<std::uint8_t>(routing::TransitAccess::car))
        c += params.car_cost_per_km_sek * ride_m / 1000.0;
    return c;
}

TourTraits traits_of(const population::Population& pop, std::size_t tour) {
    const auto person = pop.person_of_tour(tour);
    return {pop.group[person],           pop.tour_purpose[tour],        pop.car_available[person] != 0,
            pop.bike_owner[person] != 0, pop.transit_pass[person] != 0, pop.tour_zone[tour]};
}

double trip_cost_sek(const scenario::ChoiceParams& s, const std::vector<double>& parking_sek_by_zone,
                     const TourTraits& who, bool outbound, const TripOffer& offer, Mode m) {
    switch (m) {
        case Mode::walk:
        case Mode::bike:
            return 0.0;
        case Mode::transit:
            return transit_cost_sek(s, who.pass, offer.pt.access_kind, offer.pt.ride_m);
        case Mode::car: {
            double c = s.car_cost_per_km_sek * offer.distance_m[idx(Mode::car)] / 1000.0;
            if (outbound) c += parking_sek_by_zone[who.dest_zone];
            return c;
        }
    }
    return 0.0;
}

double trip_cost_sek(const ChoiceInputs& in, std::size_t trip, const TripOffer& offer, Mode m) {
    return trip_cost_sek(in.params, in.parking_sek_by_zone, traits_of(in.pop, trip / 2), trip % 2 == 0, offer, m);
}

double trip_cost_sek(const ChoiceInputs& in, std::size_t trip, Mode m) {
    return trip_cost_sek(in, trip, offer_of(in.los, trip), m);
}

Utilities tour_utilities(const ChoiceInputs& in, std::size_t tour, std::uint8_t& available) {
    return tour_utilities(in, tour, offer_of(in.los, 2 * tour), offer_of(in.los, 2 * tour + 1), available);
}

Utilities tour_utilities(const ChoiceInputs& in, std::size_t tour, const TripOffer& out, const TripOffer& back,
                         std::uint8_t& available, double band_distance_m) {
    return tour_utilities(in.params, in.parking_sek_by_zone, traits_of(in.pop, tour), out, back, available,
                          band_distance_m);
}

Utilities tour_utilities(const scenario::ChoiceParams& params, const std::vector<double>& parking_sek_by_zone,
                         const TourTraits& who, const TripOffer& out, const TripOffer& back, std::uint8_t& available,
                         double band_distance_m) {
    const auto& terms = params.terms(who.group, who.purpose);
    available = out.available & back.available;
    const bool has_car = who.car, has_bike = who.bike;
    for (std::size_t m = 0; m < core::mode_count; ++m)
        if (!scenario::meets(params.availability[m], has_car, has_bike))
            available &= static_cast<std::uint8_t>(~(1u << m));
    Utilities v{};
    for (std::size_t m = 0; m < core::mode_count; ++m) v[m] = terms.asc[m];
    if (params.asc_by_band.given()) {
        const double band_m = band_distance_m >= 0 ? band_distance_m : street_distance_m(out);
        const auto& row = params.asc_by_band.rows[params.asc_by_band.band_of(band_m / 1000.0)];
        for (std::size_t m = 0; m < core::mode_count; ++m) v[m] += row[m];
    }
    if (!has_bike) v[idx(Mode::bike)] += params.bike_not_owned;
    bool outbound = true;
    for (const TripOffer* o : {&out, &back}) {
        const double walk_min = o->time_s[idx(Mode::walk)] / 60.0, bike_min = o->time_s[idx(Mode::bike)] / 60.0;
        v[idx(Mode::walk)] += terms.time_per_min[idx(Mode::walk)] * walk_min;
        v[idx(Mode::bike)] += terms.time_per_min[idx(Mode::bike)] * bike_min;
        // Beyond each breakpoint the slope grows (utility_terms.hpp: beta.walk_time_over_min.<b>).
        v[idx(Mode::walk)] += over_breakpoints(params.walk_time_over_min, walk_min);
        v[idx(Mode::bike)] += over_breakpoints(params.bike_time_over_min, bike_min);
        for (std::size_t m = 0; m < core::mode_count; ++m)
            if (params.log_distance_km[m] != 0)
                v[m] += params.log_distance_km[m] * std::log1p(o->distance_m[m] / 1000.0);
        v[idx(Mode::car)] += terms.time_per_min[idx(Mode::car)] * o->car_drive_s / 60.0 +
                             terms.access_egress_per_min * (o->time_s[idx(Mode::car)] - o->car_drive_s) / 60.0;
        v[idx(Mode::transit)] +=
            // Crowding makes the time on board feel longer (perceived in-vehicle time).
            terms.time_per_min[idx(Mode::transit)] * (o->pt.in_vehicle_s + o->pt.crowding_s) / 60.0 +
            // Being left behind by full vehicles is waiting too (expected, from the refusals).
            terms.wait_per_min * (o->pt.wait_s + o->pt.refused_wait_s) / 60.0 +
            terms.access_egress_per_min * (o->pt.access_s + o->pt.egress_s + o->pt.transfer_walk_s) / 60.0 +
            terms.transfer * o->pt.transfers +
            // Park-and-ride: the drive is car time; bike-and-ride: the ride is bike time.
            (o->pt.access_kind == static_cast<std::uint8_t>(routing::TransitAccess::car)
                 ? terms.time_per_min[idx(Mode::car)] * o->pt.ride_s / 60.0
             : o->pt.access_kind == static_cast<std::uint8_t>(routing::TransitAccess::bike)
                 ? terms.time_per_min[idx(Mode::bike)] * o->pt.ride_s / 60.0
                 : 0.0);
        for (std::size_t m = 0; m < core::mode_count; ++m)
            v[m] += terms.cost_per_sek *
                    trip_cost_sek(params, parking_sek_by_zone, who, outbound, *o, static_cast<Mode>(m));
        outbound = false;
    }
    return v;
}

std::vector<core::Mode> choose_modes(const ChoiceInputs& in, ChoiceSummary* summary) {
    const auto& pop = in.pop;
    const std::size_t persons = pop.person_count();
    std::vector<Mode> chosen(pop.tour_count(), Mode::walk);
    std::atomic<std::uint64_t> fallbacks{0};
    const NestedLogit model = mode_model(in.params);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, persons, 2048), [&](const tbb::blocked_range<std::size_t>& r) {
        std::uint64_t local_fallbacks = 0;
        for (std::size_t p = r.begin(); p != r.end(); ++p) {
            for (const auto tour : pop.tours_of(p)) {
                std::uint8_t avail = 0;
                const Utilities v = tour_utilities(in, tour, avail);
                if (avail == 0) {
                    // No mode passes the rules (no car, no bike, beyond walking range, no
                    // transit path): take whatever reaches both ways, in the order
                    // transit, walk, car, bike. Counted and reported.
                    ++local_fallbacks;
                    const std::uint8_t reach = in.los.available[2 * tour] & in.los.available[2 * tour + 1];
                    for (const Mode m : {Mode::transit, Mode::walk, Mode::car, Mode::bike})
                        if (reach & bit(m)) {
                            chosen[tour] = m;
                            break;
                        }
                    continue;
                }
                const auto prob = model.probabilities(v, avail);
                core::Rng rng(in.params.seed, core::Stream::mode_choice, p, tour - pop.tours_of(p).first);
                chosen[tour] = draw_mode(prob, avail, rng.uniform());
            }
        }
        fallbacks += local_fallbacks;
    });
    if (summary) {
        summary->tours = pop.tour_count();
        summary->fallback_tours = fallbacks.load();
    }
    return chosen;
}

}  // namespace flemsim::choice
