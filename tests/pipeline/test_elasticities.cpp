#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "../choice/identical_tours.hpp"
#include "sim/pipeline/elasticities.hpp"
#include "sim/routing/los.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;
using core::Mode;

namespace {

constexpr std::size_t idx(Mode m) {
    return static_cast<std::size_t>(m);
}

// One zone pair, `persons` identical persons with one tour each: every mode available, the same
// level of service both ways. The utilities are written out below by hand.
struct IdenticalTours {
    static constexpr std::size_t persons = 100;
    // Level of service of each trip (seconds, metres).
    static constexpr double walk_s = 1500, bike_s = 600, car_s = 720, car_drive_s = 480, car_m = 6000;
    static constexpr double pt_access_s = 300, pt_wait_s = 240, pt_ivt_s = 900, pt_egress_s = 180, pt_crowd_s = 60;
    static constexpr double fare = 30, cost_per_km = 2.0, parking = 40;
    // Mode-choice terms.
    static constexpr std::array<double, 4> asc{0.5, -0.7, -0.4, 0.0};
    static constexpr std::array<double, 4> beta_time{-0.08, -0.07, -0.03, -0.04};
    static constexpr double beta_wait = -0.05, beta_ae = -0.06, beta_cost = -0.02;

    network::Network net;
    population::Population pop;
    routing::TripLos los;
    scenario::ChoiceParams params;
    std::vector<double> parking_by_zone{parking};

    explicit IdenticalTours(bool pass_holders = false) {
        pop = testing::identical_tours(persons, true, true, pass_holders);
        const std::size_t trips = 2 * persons;
        los.available.assign(trips, 0b1111);
        for (std::size_t m = 0; m < 4; ++m) {
            los.time_s[m].assign(trips, 0);
            los.distance_m[m].assign(trips, car_m);
        }
        los.time_s[idx(Mode::walk)].assign(trips, walk_s);
        los.time_s[idx(Mode::bike)].assign(trips, bike_s);
        los.time_s[idx(Mode::car)].assign(trips, car_s);
        los.time_s[idx(Mode::transit)].assign(trips, pt_access_s + pt_wait_s + pt_ivt_s + pt_egress_s);
        los.car_drive_s.assign(trips, car_drive_s);
        los.pt.assign(trips);
        for (std::size_t t = 0; t < trips; ++t) {
            routing::TransitComponents c;
            c.access_s = pt_access_s;
            c.wait_s = pt_wait_s;
            c.in_vehicle_s = pt_ivt_s;
            c.egress_s = pt_egress_s;
            c.crowding_s = pt_crowd_s;
            los.pt.set(t, c);
        }
        params.transit_fare_sek = fare;
        params.car_cost_per_km_sek = cost_per_km;
        for (auto& by_purpose : params.terms_by)
            for (auto& terms : by_purpose) {
                terms.asc = asc;
                terms.time_per_min = beta_time;
                terms.wait_per_min = beta_wait;
                terms.access_egress_per_min = beta_ae;
                terms.cost_per_sek = beta_cost;
            }
    }

    choice::ChoiceInputs inputs() const { return {params, net, pop, los, parking_by_zone}; }

    // The tour's utilities by hand (two identical trips; parking on the way there), the levers
    // scaled, and the logit probabilities.
    static std::array<double, 4> probabilities(const pipeline::LeverScale& k, bool pass = false) {
        std::array<double, 4> v{};
        v[0] = asc[0] + 2 * beta_time[0] * walk_s / 60;
        v[1] = asc[1] + 2 * beta_time[1] * bike_s * k.bike_time / 60;
        v[2] = asc[2] +
               2 * (beta_time[2] * (pt_ivt_s + pt_crowd_s) * k.transit_in_vehicle / 60 + beta_wait * pt_wait_s / 60 +
                    beta_ae * (pt_access_s + pt_egress_s) / 60) +
               (pass ? 0.0 : 2 * beta_cost * fare * k.transit_fare);
        v[3] = asc[3] + 2 * (beta_time[3] * car_drive_s / 60 + beta_ae * (car_s - car_drive_s) / 60) +
               beta_cost * (2 * cost_per_km * k.car_cost * car_m / 1000 + parking * k.parking);
        double sum = 0;
        for (const double x : v) sum += std::exp(x);
        std::array<double, 4> p{};
        for (std::size_t m = 0; m < 4; ++m) p[m] = std::exp(v[m]) / sum;
        return p;
    }
    static double arc(double p_minus, double p_plus) {
        return (std::log(p_plus) - std::log(p_minus)) / (std::log(1.1) - std::log(0.9));
    }
};

}  // namespace

TEST_CASE("arc elasticity: the midpoint formula, exact for demand of constant elasticity") {
    // D = x^-0.4: D(1.1) / D(0.9) = (1.1 / 0.9)^-0.4.
    CHECK(pipeline::arc_elasticity(std::pow(0.9, -0.4), std::pow(1.1, -0.4)) == doctest::Approx(-0.4).epsilon(1e-12));
    CHECK(std::isnan(pipeline::arc_elasticity(0.0, 1.0)));
}

TEST_CASE("elasticities of identical tours against the logit worked by hand") {
    const IdenticalTours s;
    const auto in = s.inputs();
    const double n = IdenticalTours::persons;
    const auto base = pipeline::expected_demand(in);
    const auto p0 = IdenticalTours::probabilities({});
    for (std::size_t m = 0; m < 4; ++m) CHECK(base.trips[m] == doctest::Approx(2 * n * p0[m]).epsilon(1e-12));
    CHECK(base.car_trips_to_charged == doctest::Approx(n * p0[3]).epsilon(1e-12));
    CHECK(base.fallback_tours == 0);

    struct Case {
        const char* name;
        double pipeline::LeverScale::*lever;
        Mode mode;
        double x;     // the lever's value over the tour (for the point elasticity)
        double beta;  // its coefficient
    };
    const double charged = IdenticalTours::parking;
    for (const Case c : {
             Case{"in-vehicle time", &pipeline::LeverScale::transit_in_vehicle, Mode::transit,
                  2 * (IdenticalTours::pt_ivt_s + IdenticalTours::pt_crowd_s) / 60, IdenticalTours::beta_time[2]},
             Case{"fare", &pipeline::LeverScale::transit_fare, Mode::transit, 2 * IdenticalTours::fare,
                  IdenticalTours::beta_cost},
             Case{"running cost", &pipeline::LeverScale::car_cost, Mode::car,
                  2 * IdenticalTours::cost_per_km * IdenticalTours::car_m / 1000, IdenticalTours::beta_cost},
             Case{"parking", &pipeline::LeverScale::parking, Mode::car, charged, IdenticalTours::beta_cost},
             Case{"bike time", &pipeline::LeverScale::bike_time, Mode::bike, 2 * IdenticalTours::bike_s / 60,
                  IdenticalTours::beta_time[1]},
         }) {
        CAPTURE(c.name);
        pipeline::LeverScale minus, plus;
        minus.*c.lever = 0.9;
        plus.*c.lever = 1.1;
        const auto dm = pipeline::expected_demand(in, minus), dp = pipeline::expected_demand(in, plus);
        const std::size_t m = idx(c.mode);
        const double pm = IdenticalTours::probabilities(minus)[m], pp = IdenticalTours::probabilities(plus)[m];
        CHECK(dm.trips[m] == doctest::Approx(2 * n * pm).epsilon(1e-12));
        CHECK(dp.trips[m] == doctest::Approx(2 * n * pp).epsilon(1e-12));
        // The arc elasticity of the command against the one of the probabilities worked here.
        const double e = pipeline::arc_elasticity(dm.trips[m], dp.trips[m]);
        CHECK(e == doctest::Approx(IdenticalTours::arc(pm, pp)).epsilon(1e-9));
        // And near the logit's point elasticity beta x (1 - P) (the arc spans +-10 %).
        const double point = c.beta * c.x * (1 - p0[m]);
        CHECK(std::abs(e - point) < 0.05 * std::abs(point) + 1e-6);
    }
    // Parking: the car trips to the charged destination move exactly as the car trips do here.
    const auto dm = pipeline::expected_demand(in, {.parking = 0.9}),
               dp = pipeline::expected_demand(in, {.parking = 1.1});
    CHECK(pipeline::arc_elasticity(dm.car_trips_to_charged, dp.car_trips_to_charged) ==
          doctest::Approx(pipeline::arc_elasticity(dm.trips[3], dp.trips[3])).epsilon(1e-12));
}

TEST_CASE("pass holders pay no fare: the fare moves none of their trips") {
    const IdenticalTours s(true);
    const auto in = s.inputs();
    const auto dm = pipeline::expected_demand(in, {.transit_fare = 0.9});
    const auto dp = pipeline::expected_demand(in, {.transit_fare = 1.1});
    CHECK(dm.trips[2] == dp.trips[2]);
    CHECK(pipeline::arc_elasticity(dm.trips[2], dp.trips[2]) == 0.0);
    CHECK(dm.trips[2] == doctest::Approx(2.0 * IdenticalTours::persons * IdenticalTours::probabilities({}, true)[2]));
}

TEST_CASE("a tour no mode's rules allow keeps its fallback mode whatever the levers") {
    IdenticalTours s;
    // The first person has neither car nor bike, and the first tour can neither walk nor take transit.
    s.pop.car_available[0] = 0;
    s.pop.bike_owner[0] = 0;
    s.los.available[0] = s.los.available[1] = 0b1010;  // bike and car reach, and this person has neither
    const auto in = s.inputs();
    const auto d = pipeline::expected_demand(in, {.car_cost = 1.1});
    CHECK(d.fallback_tours == 1);
    std::uint8_t available = 0xff;
    const auto p = pipeline::tour_mode_probabilities(in, choice::mode_model(in.params), 0, choice::offer_of(s.los, 0),
                                                     choice::offer_of(s.los, 1), available);
    CHECK(available == 0);
    CHECK(p[idx(Mode::car)] == 1.0);  // transit and walk do not reach; car comes before bike
}

TEST_CASE("scaled headways: intervals stretched, timetable trips thinned and densified along their sequence") {
    network::Network net;
    net.line_ids = {"a", "b"};
    net.line_first_headway = {0, 1, 2};
    net.headway_from_s = {6 * 3600, 6 * 3600};
    net.headway_to_s = {9 * 3600, 9 * 3600};
    net.headway_s = {600, 450};
    // Line b runs 11 trips of two stops, 600 s apart from 07:00, 300 s from stop to stop, each
    // dwelling 20 s at the second stop.
    for (int i = 0; i <= 10; ++i) {
        const std::int32_t d = 7 * 3600 + 600 * i;
        net.trip_ids.push_back("t" + std::to_string(i));
        net.trip_line.push_back(1);
        net.trip_direction.push_back(0);
        net.trip_block.push_back("block");
        net.trip_arrive_s.insert(net.trip_arrive_s.end(), {d, d + 300});
        net.trip_depart_s.insert(net.trip_depart_s.end(), {d, d + 320});
        net.trip_first_time.push_back(static_cast<std::uint32_t>(net.trip_arrive_s.size()));
    }
    const auto sparse = pipeline::with_scaled_headways(net, 1.1);
    CHECK(sparse.headway_s == std::vector<std::int32_t>{660, 495});
    // Positions 0, 1.1, ..., 9.9 of the 11 departures: 10 trips 660 s apart.
    REQUIRE(sparse.trip_count() == 10);
    for (std::size_t j = 0; j < 10; ++j) {
        const auto f = sparse.trip_first_time[j];
        CHECK(sparse.trip_depart_s[f] == 7 * 3600 + 660 * static_cast<std::int32_t>(j));
        CHECK(sparse.trip_arrive_s[f + 1] == sparse.trip_depart_s[f] + 300);
        CHECK(sparse.trip_depart_s[f + 1] == sparse.trip_depart_s[f] + 320);
        CHECK(sparse.trip_block[j].empty());
    }
    const auto dense = pipeline::with_scaled_headways(net, 0.9);
    CHECK(dense.headway_s == std::vector<std::int32_t>{540, 405});
    // Positions 0, 0.9, ..., 9.9: 12 trips 540 s apart.
    REQUIRE(dense.trip_count() == 12);
    for (std::size_t j = 0; j < 12; ++j)
        CHECK(dense.trip_depart_s[dense.trip_first_time[j]] == 7 * 3600 + 540 * static_cast<std::int32_t>(j));
}

namespace {
// The tiny scenario with --set overrides.
scenario::Scenario tiny_with(std::vector<std::string> overrides) {
    scenario::LoadOptions lo;
    lo.overrides = std::move(overrides);
    return scenario::load_scenario(std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml", lo);
}
}  // namespace

TEST_CASE("elasticities of the tiny scenario: signs, bands, and the same at any thread count") {
    const auto s = tiny_with({"validation.elasticities.transit_fare={min: -0.7, max: -0.2, source: test}",
                              "validation.elasticities.car_running_cost={min: -10, max: 10, source: test}"});
    const auto one = pipeline::compute_elasticities(s, 1);
    const auto two = pipeline::compute_elasticities(s, 2);
    REQUIRE(one.rows.size() == scenario::elasticity_levers.size());
    for (std::size_t i = 0; i < one.rows.size(); ++i) {
        CAPTURE(one.rows[i].lever);
        CHECK(one.rows[i].lever == scenario::elasticity_levers[i]);
        CHECK(one.rows[i].demand_minus == two.rows[i].demand_minus);  // the same bits
        CHECK(one.rows[i].demand_base == two.rows[i].demand_base);
        CHECK(one.rows[i].demand_plus == two.rows[i].demand_plus);
    }
    const auto& r = one.rows;
    CHECK(r[0].elasticity < 0);  // more time on board, fewer transit trips
    CHECK(r[1].elasticity > 0);  // more frequent service, more transit trips
    CHECK(r[2].elasticity < 0);  // fare
    CHECK(r[3].elasticity < 0);  // running cost
    CHECK(r[4].elasticity < 0);  // parking at 'east'
    CHECK(r[5].elasticity < 0);  // bike time
    CHECK(r[3].has_band);
    CHECK(r[3].inside);
    CHECK_FALSE(r[0].has_band);
    CHECK(r[0].inside);  // not judged
    // The fare's band is the literature's; the tiny model's fare elasticity is far below it.
    CHECK(r[2].has_band);
    CHECK_FALSE(r[2].inside);
    CHECK_FALSE(one.all_inside());
    // The segments (group x car) add up to the transit trips; each moves as the whole does.
    REQUIRE_FALSE(one.segments.empty());
    double segment_trips = 0;
    for (const auto& seg : one.segments) {
        segment_trips += seg.transit_trips;
        CHECK(seg.in_vehicle_time <= 0);
        CHECK(seg.fare <= 0);
    }
    CHECK(segment_trips == doctest::Approx(r[0].demand_base).epsilon(1e-9));
    const auto json = pipeline::elasticities_json(one);
    CHECK(json.find("\"segments\": [") != std::string::npos);
    CHECK(json.find("\"lever\": \"transit_fare\"") != std::string::npos);
    CHECK(json.find("\"all_inside\": false") != std::string::npos);
}

TEST_CASE("elasticity bands are checked where the scenario states them") {
    const auto dir = flemsim::test::scratch("elasticities");
    std::filesystem::create_directories(dir);
    const auto tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";
    const auto write = [&](const std::string& name, const std::string& body) {
        std::ofstream(dir / name) << "extends: " << tiny.string() << "\nvalidation:\n  elasticities:\n" << body;
        return dir / name;
    };
    CHECK_THROWS_WITH_AS(
        scenario::load_scenario(write("minmax.yaml", "    transit_fare: {min: -0.2, max: -0.7, source: x}\n")),
        doctest::Contains("minmax.yaml:4:25: validation.elasticities.transit_fare.min: must not exceed max (-0.7)"),
        core::InputError);
    CHECK_THROWS_WITH_AS(
        scenario::load_scenario(write("unknown.yaml", "    transit_fares: {min: -0.7, max: -0.2, source: x}\n")),
        doctest::Contains("unknown.yaml:4:5: validation.elasticities.transit_fares: unknown key"), core::InputError);
    CHECK_THROWS_WITH_AS(
        scenario::load_scenario(write("nosource.yaml", "    transit_fare: {min: -0.7, max: -0.2}\n")),
        doctest::Contains("nosource.yaml:4:19: validation.elasticities.transit_fare.source: required key is missing"),
        core::InputError);
    const auto ok =
        scenario::load_scenario(write("ok.yaml", "    bike_time: {min: -2, max: -0.5, source: assumption}\n"));
    CHECK(ok.validation.elasticities[5].given);
    CHECK(ok.validation.elasticities[5].min == -2);
    CHECK(ok.validation.elasticities[5].source == "assumption");
    CHECK_FALSE(ok.validation.elasticities[0].given);
    std::filesystem::remove_all(dir);
}

TEST_CASE("with the demand models each lever is measured in the short and the long run, the band judging the long") {
    const auto s = tiny_with({"demand={destinations: {logsum_coefficient: {work: 1, study: 1, other: 1}}}",
                              "validation.elasticities.transit_fare={min: -10, max: 10, source: test}"});
    const auto one = pipeline::compute_elasticities(s, 1);
    const auto two = pipeline::compute_elasticities(s, 2);
    REQUIRE(one.rows.size() == scenario::elasticity_levers.size());
    for (std::size_t i = 0; i < one.rows.size(); ++i) {
        CAPTURE(one.rows[i].lever);
        CHECK(one.rows[i].has_long_run);
        CHECK(one.rows[i].long_minus == two.rows[i].long_minus);  // the same bits at any thread count
        CHECK(one.rows[i].long_plus == two.rows[i].long_plus);
        CHECK(std::isfinite(one.rows[i].long_run));
    }
    const auto& fare = one.rows[2];
    CHECK(fare.long_run < 0);
    // The population chosen again moves: the long run is not the short run.
    CHECK(fare.long_run != fare.elasticity);
    CHECK(fare.inside);
    CHECK(pipeline::elasticities_json(one).find("\"long_run\"") != std::string::npos);
    CHECK(pipeline::elasticities_table(one).find("long run") != std::string::npos);
}
