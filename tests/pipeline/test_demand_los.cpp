// The demand models seeing the level of service through the simulation's own mode choice
// (sim/pipeline/service_view.hpp): a faster transit ride to a zone draws tours there, and more of
// them by transit.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "sim/choice/tour_choice.hpp"
#include "sim/network/network.hpp"
#include "sim/pipeline/service_view.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/params.hpp"

using namespace flemsim;
using core::Mode;

namespace {
const std::filesystem::path data = FLEMSIM_TEST_DATA;

routing::PairOffer offer(double walk_min, double bike_min, double car_min, double transit_ivt_min, double km) {
    routing::PairOffer o;
    const auto set = [&](Mode m, double minutes) {
        if (minutes <= 0) return;
        o.available |= core::mode_bit(m);
        o.time_s[core::mode_index(m)] = static_cast<float>(minutes * 60);
        o.distance_m[core::mode_index(m)] = static_cast<float>(km * 1000);
    };
    set(Mode::walk, walk_min);
    set(Mode::bike, bike_min);
    set(Mode::car, car_min);
    if (car_min > 0) o.car_drive_s = static_cast<float>((car_min - 2) * 60);
    if (transit_ivt_min > 0) {
        o.pt.access_s = 300;
        o.pt.wait_s = 300;
        o.pt.in_vehicle_s = static_cast<float>(transit_ivt_min * 60);
        o.pt.egress_s = 180;
        set(Mode::transit, o.pt.total_s() / 60);
    }
    return o;
}

// Zones west, east (study) and city (gateway) of the tiny network; transit to and from east takes
// `east_ivt` minutes on board from west.
routing::ZoneLosTable table(const network::Network& net, double east_ivt) {
    routing::ZoneLosTable t(net.zone_count(), 24, 3600);
    const auto w = net.find_zone("west"), e = net.find_zone("east"), c = net.find_zone("city");
    for (int p = 0; p < 24; ++p) {
        const auto put = [&](std::uint32_t a, std::uint32_t b, const routing::PairOffer& o) { t.put(p, a, b, o); };
        put(w, w, offer(8, 3, 5, 0, 0.6));
        put(e, e, offer(8, 3, 5, 0, 0.6));
        put(c, c, offer(0, 0, 10, 10, 5));
        put(w, e, offer(50, 16, 12, east_ivt, 4));
        put(e, w, offer(50, 16, 12, east_ivt, 4));
        put(c, w, offer(0, 0, 30, 30, 20));
        put(w, c, offer(0, 0, 30, 30, 20));
        put(c, e, offer(0, 0, 30, 30 + east_ivt - 20, 20));
        put(e, c, offer(0, 0, 30, 30 + east_ivt - 20, 20));
    }
    return t;
}

struct Outcome {
    double tours_to_east = 0;    // other tours of west's residents
    double transit_to_east = 0;  // of which by transit (expected, from the mode choice)
    double transit_all = 0;      // every tour of every person (expected)
};

Outcome measure(const scenario::Scenario& s, const network::Network& net, const population::ZoneData& zones,
                const population::ZoneImpedance& imp, double east_ivt) {
    const auto params = scenario::Params::from(s).choice;
    const auto parking = choice::parking_by_zone(s, net);
    pipeline::ServiceLevel level(table(net, east_ivt), params, parking);
    const auto pop = population::synthesize(s, net, zones, imp, nullptr, &level.view());
    const auto model = choice::mode_model(params);
    const auto east = net.find_zone("east"), west = net.find_zone("west");
    Outcome r;
    for (std::size_t p = 0; p < pop.person_count(); ++p)
        for (const auto tour : pop.tours_of(p)) {
            const auto o = pop.home_zone[p], d = pop.tour_zone[tour];
            const auto& t = level.table();
            const auto who = choice::traits_of(pop, tour);
            std::uint8_t avail = 0;
            const auto v =
                choice::tour_utilities(params, parking, who, t.at(t.period_of(pop.tour_depart_s[tour]), o, d),
                                       t.at(t.period_of(pop.tour_return_s[tour]), d, o), avail);
            if (!avail) continue;
            const double transit = model.probabilities(v, avail)[core::mode_index(Mode::transit)];
            r.transit_all += transit;
            if (o == west && d == east && pop.tour_purpose[tour] == core::Purpose::other) {
                r.tours_to_east += 1;
                r.transit_to_east += transit;
            }
        }
    return r;
}
}  // namespace

TEST_CASE("a transit ride 10 minutes faster to one zone draws more tours there, and more of them by transit") {
    auto s = scenario::load_scenario(data / "tiny.yaml");
    s.population.scale = 20;
    s.demand.given = true;
    const auto net = network::load_network(s.network);
    auto zones = population::resolve_zone_data(s, net);
    zones.gw_visits[net.find_zone("city")] = 500;  // most errands in the study area
    const auto ctx = routing::build_routing(net, s);
    const auto imp = routing::compute_zone_impedance(ctx, 8 * 3600);
    const auto base = measure(s, net, zones, imp, 25);
    const auto faster = measure(s, net, zones, imp, 15);
    MESSAGE("tours west -> east: " << base.tours_to_east << " -> " << faster.tours_to_east << "; by transit "
                                   << base.transit_to_east / base.tours_to_east << " -> "
                                   << faster.transit_to_east / faster.tours_to_east);
    REQUIRE(base.tours_to_east > 500);
    // More tours go there (the destination choice sees the logsum), by more than the draws' noise...
    CHECK(faster.tours_to_east > base.tours_to_east + 3 * std::sqrt(base.tours_to_east));
    // ...and a larger share of them by transit (the mode choice sees the ride).
    CHECK(faster.transit_to_east / faster.tours_to_east > base.transit_to_east / base.tours_to_east + 0.02);
    CHECK(faster.transit_all > base.transit_all);
}
