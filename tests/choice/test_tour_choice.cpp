// The tour utilities' terms and the simulation's nested logit, against values worked by hand.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "identical_tours.hpp"
#include "sim/choice/replanning.hpp"
#include "sim/choice/tour_choice.hpp"

using namespace flemsim;
using core::Mode;

namespace {

constexpr auto idx = core::mode_index;

// `persons` identical persons with one tour each between two zones, the same level of service
// both ways: every mode reaches; times and distances set by the test.
struct Tours {
    network::Network net;
    population::Population pop;
    routing::TripLos los;
    scenario::ChoiceParams params;
    std::vector<double> parking{0.0};

    explicit Tours(std::size_t persons, bool car = true, bool bike = true, bool pass = false) {
        pop = testing::identical_tours(persons, car, bike, pass);
        const std::size_t trips = 2 * persons;
        los.available.assign(trips, 0b1111);
        for (std::size_t m = 0; m < 4; ++m) {
            los.time_s[m].assign(trips, 600);
            los.distance_m[m].assign(trips, 2000);
        }
        los.car_drive_s.assign(trips, 600);
        los.pt.assign(trips);
        for (std::size_t t = 0; t < trips; ++t) {
            routing::TransitComponents c;
            c.in_vehicle_s = 600;
            los.pt.set(t, c);
        }
        // Every coefficient 0 but those a test sets: a utility is what the test puts in.
        params.seed = 7;
    }
    void set_walk(double seconds, double metres) {
        los.time_s[idx(Mode::walk)].assign(los.size(), static_cast<float>(seconds));
        los.distance_m[idx(Mode::walk)].assign(los.size(), static_cast<float>(metres));
    }
    choice::ChoiceInputs inputs() const { return {params, net, pop, los, parking}; }
    choice::Utilities utilities(std::uint8_t& available) const {
        return choice::tour_utilities(inputs(), 0, available);
    }
};

}  // namespace

TEST_CASE("piecewise walk and bike time: the slope grows beyond each breakpoint, per trip") {
    Tours t(1);
    for (auto& by : t.params.terms_by)
        for (auto& terms : by) terms.time_per_min = {-0.08, -0.07, 0, 0};
    t.params.walk_time_over_min = {{20, 40}, {-0.02, -0.04}};
    t.params.bike_time_over_min = {{20}, {-0.03}};
    std::uint8_t available = 0;
    // 50 minutes of walking a trip: -0.08 * 50 - 0.02 * 30 - 0.04 * 10 = -5.0; both trips -10.
    t.set_walk(50 * 60, 3900);
    CHECK(t.utilities(available)[idx(Mode::walk)] == doctest::Approx(-10.0));
    // 15 minutes, below every breakpoint: only the base slope.
    t.set_walk(15 * 60, 1170);
    CHECK(t.utilities(available)[idx(Mode::walk)] == doctest::Approx(2 * -0.08 * 15));
    // Bike 10 minutes (600 s): below its breakpoint; 30 minutes: -0.07 * 30 - 0.03 * 10 = -2.4 a trip.
    CHECK(t.utilities(available)[idx(Mode::bike)] == doctest::Approx(2 * -0.07 * 10));
    t.los.time_s[idx(Mode::bike)].assign(2, 1800);
    CHECK(t.utilities(available)[idx(Mode::bike)] == doctest::Approx(-4.8));
}

TEST_CASE("log distance, bike without a bike of one's own, and the pass's fare per trip") {
    Tours t(1, true, false, true);
    t.params.log_distance_km = {-0.5, -0.3, 0, 0};
    t.params.bike_not_owned = -2.0;
    t.params.availability[idx(Mode::bike)] = scenario::ModeRequirement::always;
    t.params.transit_fare_sek = 39;
    t.params.transit_pass_fare_sek = 22;
    for (auto& by : t.params.terms_by)
        for (auto& terms : by) terms.cost_per_sek = -0.02;
    std::uint8_t available = 0;
    const auto v = t.utilities(available);
    CHECK(available == 0b1111);  // bike offered to a person without one: the rule says always
    CHECK(v[idx(Mode::walk)] == doctest::Approx(2 * -0.5 * std::log(3.0)));         // 2 km a trip
    CHECK(v[idx(Mode::bike)] == doctest::Approx(-2.0 + 2 * -0.3 * std::log(3.0)));  // once a tour
    // A pass holder pays the pass's share per trip, twice a tour (the car's running cost is 0 here).
    CHECK(v[idx(Mode::transit)] == doctest::Approx(2 * -0.02 * 22));
    CHECK(choice::trip_cost_sek(t.inputs(), 0, Mode::transit) == doctest::Approx(22));
    // With the rule bike_owner, no bike is no bike mode; with car_available, no car no car mode.
    t.params.availability[idx(Mode::bike)] = scenario::ModeRequirement::bike_owner;
    t.utilities(available);
    CHECK(available == 0b1101);
    Tours carless(1, false, true);
    carless.utilities(available);
    CHECK(available == 0b0111);
    carless.params.availability[idx(Mode::car)] = scenario::ModeRequirement::always;
    carless.utilities(available);
    CHECK(available == 0b1111);
}

TEST_CASE("constants by distance band: the band of the shortest street distance of the trip out") {
    Tours t(1);
    t.params.asc_by_band.bands_km = {1, 3};
    t.params.asc_by_band.rows = {{0.1, 0, 0, 0}, {0.2, 0, 0, 0}, {0.3, 0, 0, 0}};
    // The shortest of walk, bike and car: walk 2.5 km, bike 3 km, car 2.9 km -> 2.5 km, band 1-3.
    t.los.distance_m[idx(Mode::walk)].assign(2, 2500);
    t.los.distance_m[idx(Mode::bike)].assign(2, 3000);
    t.los.distance_m[idx(Mode::car)].assign(2, 2900);
    std::uint8_t available = 0;
    CHECK(t.utilities(available)[idx(Mode::walk)] == doctest::Approx(0.2));
    // Exactly a limit belongs to the band above it (as the report's bands).
    CHECK(t.params.asc_by_band.band_of(3.0) == 2);
    CHECK(t.params.asc_by_band.band_of(2.999) == 1);
    CHECK(t.params.asc_by_band.band_of(0) == 0);
    // A mode that does not reach does not count: walk and car gone, bike's 3 km is the band 3+.
    t.los.available.assign(2, 0b0110);
    CHECK(choice::street_distance_m(choice::offer_of(t.los, 0)) == doctest::Approx(3000));
    CHECK(t.utilities(available)[idx(Mode::walk)] == doctest::Approx(0.3));
}

TEST_CASE("replanning keeps the tour's band of the static level of service, whatever the hour's car path") {
    Tours t(1);
    t.params.asc_by_band.bands_km = {1, 3};
    t.params.asc_by_band.rows = {{0.5, 0, 0, 0}, {0.2, 0, 0, 0}, {0.1, 0, 0, 0}};
    t.params.replanning.replanning_share = 1.0;  // the one person reconsiders, at one departure
    const auto in = t.inputs();
    choice::TourPlans plans{{Mode::walk}, {0}, {}};
    const auto rq = choice::replan_requests(in, 0);
    REQUIRE(rq.requests.size() == 2);
    // The hour's car path is 500 m (band 0-1 km); the static offer's street distance is 2 km
    // (band 1-3). Walk, the plan, weighs only its band's constant: 0.2, not 0.5.
    routing::RequestLos los;
    los.car_ok.assign(2, 1);
    los.transit_ok.assign(2, 0);
    los.car_time_s.assign(2, 300.f);
    los.car_drive_s.assign(2, 300.f);
    los.car_distance_m.assign(2, 500.f);
    const auto sum = choice::replan(in, 0, false, plans, rq, los);
    CHECK(sum.tours == 1);
    CHECK(sum.utility_abs_sum == doctest::Approx(0.2));
    CHECK(sum.gap_sum == doctest::Approx(0.0));  // walk is the best too
    // The same offer in tour_utilities alone takes the 500 m band; given the band's distance, 2 km.
    auto out = choice::offer_of(t.los, 0);
    out.distance_m[idx(Mode::car)] = 500;
    std::uint8_t available = 0;
    CHECK(choice::tour_utilities(in, 0, out, out, available)[idx(Mode::walk)] == doctest::Approx(0.5));
    CHECK(choice::tour_utilities(in, 0, out, out, available, 2000.0)[idx(Mode::walk)] == doctest::Approx(0.2));
}

TEST_CASE("a replanning only measured: a fixed subset of the persons drawn, all counted") {
    constexpr std::size_t persons = 20000;
    Tours t(persons);
    t.params.replanning.replanning_share = 0.5;
    const auto in = t.inputs();
    const auto all = choice::replan_requests(in, 3);
    // Half the persons drawn (binomial: within 4 standard deviations, 283), each with its tour.
    CHECK(std::abs(static_cast<double>(all.persons) - 10000.0) < 4 * std::sqrt(persons * 0.25));
    CHECK(all.measured_persons == all.persons);
    CHECK(all.tours.size() == all.persons);
    // At most 1,000 measured: each drawn person with probability 1000 / drawn; every one drawn
    // still counted. Binomial(drawn, 1000 / drawn): sd about 31.
    const auto some = choice::replan_requests(in, 3, 1000);
    CHECK(some.persons == all.persons);
    CHECK(std::abs(static_cast<double>(some.measured_persons) - 1000.0) < 4 * std::sqrt(1000.0));
    CHECK(some.tours.size() == some.measured_persons);
    CHECK(some.requests.size() == some.tours.size() * all.requests.size() / all.tours.size());
    // A subset of those drawn, in the same order, and the same subset again.
    CHECK(std::includes(all.tours.begin(), all.tours.end(), some.tours.begin(), some.tours.end()));
    CHECK(choice::replan_requests(in, 3, 1000).tours == some.tours);
    // A cap above the persons drawn measures them all.
    CHECK(choice::replan_requests(in, 3, 20000).tours == all.tours);
}

TEST_CASE("the simulation's nested logit: analytic shares of many identical tours, and MNL at scale 1") {
    constexpr std::size_t persons = 40000;
    Tours t(persons);
    // Utilities per tour: walk 0, bike -0.5, transit -0.2, car 0.1 (constants only).
    for (auto& by : t.params.terms_by)
        for (auto& terms : by) terms.asc = {0.0, -0.5, -0.2, 0.1};
    t.params.nest_of = {0, 0, -1, -1};
    t.params.nest_scale = {0.5};
    t.params.nest_names = {"active"};
    // By hand: I = ln(e^(0/0.5) + e^(-0.5/0.5)) = ln(1 + e^-1); the nest weighs e^(0.5 I).
    const double inclusive = std::log(1 + std::exp(-1.0));
    const double nest = std::exp(0.5 * inclusive), transit = std::exp(-0.2), car = std::exp(0.1);
    const double total = nest + transit + car;
    const std::array<double, 4> expected{nest / total * 1 / (1 + std::exp(-1.0)),
                                         nest / total * std::exp(-1.0) / (1 + std::exp(-1.0)), transit / total,
                                         car / total};
    const auto modes = choice::choose_modes(t.inputs());
    std::array<double, 4> count{};
    for (const Mode m : modes) count[idx(m)] += 1;
    for (std::size_t m = 0; m < 4; ++m) {
        const double share = count[m] / persons;
        const double se = std::sqrt(expected[m] * (1 - expected[m]) / persons);
        CHECK(std::abs(share - expected[m]) < 3 * se);
    }
    // Bike, the weaker member of the nest, loses to walk far more than under the multinomial
    // logit (0.10 against 0.17): many times the noise, so the test tells the two apart.
    const double mnl_bike = std::exp(-0.5) / (1 + std::exp(-0.5) + std::exp(-0.2) + std::exp(0.1));
    CHECK(mnl_bike - expected[1] > 0.06);
    CHECK(std::abs(count[1] / persons - mnl_bike) > 20 * std::sqrt(mnl_bike * (1 - mnl_bike) / persons));
    // At scale 1 the model is the multinomial logit, probability for probability.
    t.params.nest_scale = {1.0};
    const auto model = choice::mode_model(t.params);
    std::uint8_t available = 0;
    const auto v = t.utilities(available);
    const auto p = model.probabilities(v, available), q = choice::logit_probabilities(v, available);
    for (std::size_t m = 0; m < 4; ++m) CHECK(p[m] == doctest::Approx(q[m]).epsilon(1e-12));
}
