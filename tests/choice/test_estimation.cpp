#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "sim/choice/estimation.hpp"
#include "sim/choice/survey.hpp"
#include "sim/choice/utility_terms.hpp"
#include "sim/core/error.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;

namespace {

// Three alternatives A, B, C; features asc (1 for B) and time; six records.
choice::ChoiceData hand_worked() {
    choice::ChoiceData d;
    d.alternatives = 3;
    d.names = {"asc.B", "beta.time"};
    const double t[6][3] = {{10, 20, 0}, {0, 10, 10}, {20, 0, 10}, {10, 10, 10}, {0, 30, 20}, {30, 10, 0}};
    const int chosen[6] = {0, 1, 1, 2, 2, 0};
    d.x.resize(18, 2);
    d.available.setOnes(6, 3);
    d.available(2, 2) = 0;  // record 3: C unavailable
    d.available(4, 0) = 0;  // record 5: A unavailable
    for (int r = 0; r < 6; ++r) {
        for (int j = 0; j < 3; ++j) {
            d.x(r * 3 + j, 0) = j == 1 ? 1 : 0;
            d.x(r * 3 + j, 1) = t[r][j];
        }
        d.chosen.push_back(chosen[r]);
    }
    return d;
}

}  // namespace

TEST_CASE("multinomial log-likelihood and gradient by hand: 3 alternatives, 6 records") {
    // β = (asc.B = ln 3, time = −ln 2 / 10): exp(V) = 3^[B] · 2^(−t/10), so every term is a fraction.
    //   r1 t (10, 20, 0), chose A:        exp V = 1/2, 3/4, 1   sum 9/4   P = 2/9, 1/3, 4/9
    //   r2 t (0, 10, 10), chose B:        1, 3/2, 1/2           sum 3     P = 1/3, 1/2, 1/6
    //   r3 t (20, 0, 10), C unavailable, chose B: 1/4, 3        sum 13/4  P = 1/13, 12/13, 0
    //   r4 t (10, 10, 10), chose C:       1/2, 3/2, 1/2         sum 5/2   P = 1/5, 3/5, 1/5
    //   r5 t (0, 30, 20), A unavailable, chose C: 3/8, 1/4      sum 5/8   P = 0, 3/5, 2/5
    //   r6 t (30, 10, 0), chose A:        1/8, 3/2, 1           sum 21/8  P = 1/21, 4/7, 8/21
    // LL = ln(2/9 · 1/2 · 12/13 · 1/5 · 2/5 · 1/21) = ln(48 / 122850) = ln(8 / 20475).
    // ∂LL/∂asc.B = Σ ([chose B] − P_B) = −1/3 + 1/2 + 1/13 − 3/5 − 3/5 − 4/7.
    // ∂LL/∂time = Σ (t_chosen − Σ_j P_j t_j):
    //   r1 10 − (20/9 + 20/3) = 10/9;  r2 10 − (5 + 5/3) = 10/3;  r3 0 − 20/13;  r4 0;
    //   r5 20 − (18 + 8) = −6;  r6 30 − (30/21 + 120/21) = 160/7.
    const auto d = hand_worked();
    Eigen::VectorXd beta(2);
    beta << std::log(3.0), -std::log(2.0) / 10;
    Eigen::VectorXd g;
    const double ll = choice::log_likelihood(d, beta, choice::NestStructure::mnl(3), &g);
    CHECK(std::abs(ll - std::log(8.0 / 20475.0)) < 1e-9);
    CHECK(std::abs(g[0] - (-1.0 / 3 + 1.0 / 2 + 1.0 / 13 - 3.0 / 5 - 3.0 / 5 - 4.0 / 7)) < 1e-9);
    CHECK(std::abs(g[1] - (10.0 / 9 + 10.0 / 3 - 20.0 / 13 + 0 - 6 + 160.0 / 7)) < 1e-9);
    // LL(0): ln(1/3) for the four records with three alternatives, ln(1/2) for the two with two.
    CHECK(std::abs(choice::null_log_likelihood(d) - (-4 * std::log(3.0) - 2 * std::log(2.0))) < 1e-12);

    // The maximum is where the gradient vanishes, and its value is above LL at the hand-worked β.
    const auto res = choice::estimate(d, choice::ModelSpec::free(d, choice::NestStructure::mnl(3)));
    CHECK(res.converged);
    CHECK(res.ll > ll);
    Eigen::VectorXd g_hat;
    choice::log_likelihood(d, res.beta, choice::NestStructure::mnl(3), &g_hat);
    CHECK(g_hat.norm() < 1e-5);
    CHECK(res.parameters.size() == 2);
    CHECK(res.parameters[0].std_err > 0);
}

TEST_CASE("fixed parameters stay at their values and have no standard errors") {
    const auto d = hand_worked();
    auto spec = choice::ModelSpec::free(d, choice::NestStructure::mnl(3));
    spec.beta[1] = -0.05;
    spec.beta_fixed = {false, true};
    const auto res = choice::estimate(d, spec);
    CHECK(res.converged);
    CHECK(res.beta[1] == -0.05);
    CHECK(res.parameters[1].fixed);
    CHECK(std::isnan(res.parameters[1].std_err));
    CHECK(res.free_parameters == 1);
}

TEST_CASE("a weight of 2 is the record twice") {
    // The six records with weights 2, 1, 1, 2, 1, 1 against the data with records 1 and 4 doubled.
    const auto d = hand_worked();
    auto weighted = d;
    weighted.weight.resize(6);
    weighted.weight << 2, 1, 1, 2, 1, 1;
    choice::ChoiceData doubled = d;
    doubled.x.conservativeResize(24, 2);
    doubled.x.middleRows(18, 3) = d.x.middleRows(0, 3);
    doubled.x.middleRows(21, 3) = d.x.middleRows(9, 3);
    doubled.available.conservativeResize(8, 3);
    doubled.available.row(6) = d.available.row(0);
    doubled.available.row(7) = d.available.row(3);
    doubled.chosen.push_back(d.chosen[0]);
    doubled.chosen.push_back(d.chosen[3]);
    const auto a = choice::estimate(weighted, choice::ModelSpec::free(weighted, choice::NestStructure::mnl(3)));
    const auto b = choice::estimate(doubled, choice::ModelSpec::free(doubled, choice::NestStructure::mnl(3)));
    REQUIRE(a.converged);
    REQUIRE(b.converged);
    CHECK(a.weight_sum == 8);
    CHECK(a.ll == doctest::Approx(b.ll).epsilon(1e-10));
    CHECK(a.ll_null == doctest::Approx(b.ll_null).epsilon(1e-12));
    CHECK(a.ll_constants == doctest::Approx(b.ll_constants).epsilon(1e-10));
    for (int k = 0; k < 2; ++k) {
        CHECK(a.beta[k] == doctest::Approx(b.beta[k]).epsilon(1e-6));
        CHECK(a.parameters[static_cast<std::size_t>(k)].std_err ==
              doctest::Approx(b.parameters[static_cast<std::size_t>(k)].std_err).epsilon(1e-6));
    }
}

TEST_CASE("a parameter the data cannot identify is named") {
    auto d = hand_worked();
    d.x.col(1).setZero();
    CHECK_THROWS_WITH_AS(choice::estimate(d, choice::ModelSpec::free(d, choice::NestStructure::mnl(3))),
                         doctest::Contains("'beta.time' multiplies a feature that is 0 in every record"),
                         std::invalid_argument);
}

namespace {

// The true model of the recovery test: the default term catalogue, nest active = {walk, bike}.
Eigen::VectorXd true_beta(const std::vector<choice::Term>& terms) {
    const auto& v = choice::synthetic_coefficients();
    Eigen::VectorXd b(static_cast<Eigen::Index>(terms.size()));
    for (std::size_t k = 0; k < terms.size(); ++k) b[static_cast<Eigen::Index>(k)] = v.at(terms[k].name);
    return b;
}

}  // namespace

TEST_CASE("estimation recovers a known nested logit from 20,000 simulated records") {
    const std::vector<std::string> modes = {"walk", "bike", "transit", "car"};
    const auto terms = choice::default_terms();
    const auto truth = true_beta(terms);
    const double true_scale = 0.5;
    const auto nests = choice::parse_nests("car;transit;active=walk,bike", modes, true_scale);
    // With 18 parameters, "every estimate within 2 standard errors" holds for about half of all
    // seeds even for an unbiased estimator (18 correlated 95 % intervals). Over seeds 1 to 40 the
    // standardised errors (estimate − truth) / robust standard error had a mean between −0.24
    // and +0.33 and a standard deviation between 0.79 and 1.12 for every parameter, and all 18
    // were within 2 for 19 of the 40 seeds; seed 2 is one of them (largest |z| 1.3), so a
    // change that biases any estimate by a standard error or more fails here.
    const std::uint64_t seed = 2;
    auto d = choice::choice_data(choice::synthetic_survey(20000, seed), terms);
    d.chosen = choice::simulate_choices(d, truth, nests, seed);

    const auto start = choice::parse_nests("car;transit;active=walk,bike", modes, 1.0);
    const auto res = choice::estimate(d, choice::ModelSpec::free(d, start));
    REQUIRE(res.converged);
    CHECK(res.message.empty());
    CHECK(res.ll > res.ll_constants);
    CHECK(res.ll_constants > res.ll_null);
    CHECK(res.rho2_null > 0);
    REQUIRE(res.parameters.size() == terms.size() + 1);
    for (std::size_t k = 0; k < res.parameters.size(); ++k) {
        const auto& e = res.parameters[k];
        const double expected = k < terms.size() ? truth[static_cast<Eigen::Index>(k)] : true_scale;
        CAPTURE(e.name);
        CAPTURE(e.value);
        CAPTURE(expected);
        CAPTURE(e.robust_std_err);
        CHECK(std::isfinite(e.std_err));
        CHECK(std::abs(e.value - expected) < 2 * e.robust_std_err);
    }
    // The nest is identified: its scale is many standard errors away from 1.
    const auto& scale = res.parameters.back();
    CHECK(scale.name == "nests.active.scale");
    CHECK(std::abs(scale.value - 1) > 5 * scale.robust_std_err);
    CHECK(std::abs(scale.robust_t) > 5);

    SUBCASE("the same bits at any thread count") {
        choice::EstimationResult one;
        {
            tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
            one = choice::estimate(d, choice::ModelSpec::free(d, start));
        }
        CHECK(one.ll == res.ll);
        CHECK(one.iterations == res.iterations);
        for (std::size_t k = 0; k < res.parameters.size(); ++k) {
            CHECK(one.parameters[k].value == res.parameters[k].value);
            CHECK(one.parameters[k].robust_std_err == res.parameters[k].robust_std_err);
        }
    }
}

TEST_CASE("survey tables: read back, and errors at file:line:column") {
    const auto dir = flemsim::test::scratch("survey");
    std::filesystem::create_directories(dir);
    const auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir / name) << text;
        return dir / name;
    };
    const std::string header =
        "id,chosen,walk_time_min,bike_time_min,car_time_min,car_access_min,car_cost_sek,transit_in_vehicle_min,"
        "transit_wait_min,transit_access_egress_min,transit_transfers,transit_cost_sek,distance_km";

    SUBCASE("a synthetic survey survives the round trip") {
        auto s = choice::synthetic_survey(50, 4);
        s.weight.assign(50, 1.5);
        const auto path = write("round.csv", choice::survey_csv(s));
        const auto back = choice::read_survey(path);
        REQUIRE(back.size() == 50);
        CHECK(back.available == s.available);
        CHECK(back.weight == s.weight);
        for (std::size_t f = 0; f < choice::los_field_count; ++f) CHECK(back.los[f] == s.los[f]);
    }
    SUBCASE("missing availability columns mean available; empty level of service where unavailable") {
        const auto path = write("ok.csv", header +
                                              ",available_car\n"
                                              "1,walk,12,5,4,3,20,10,5,6,0,39,1.0,0\n"
                                              "2,bike,12,5,,,,10,5,6,0,39,1.0,0\n");
        const auto s = choice::read_survey(path);
        CHECK(s.available[0] == 0b0111);
        CHECK(s.los[static_cast<std::size_t>(choice::LosField::car_time_min)][1] == 0);
    }
    SUBCASE("a chosen alternative that is unavailable") {
        const auto path = write("bad.csv", header +
                                               ",available_car\n"
                                               "1,walk,12,5,4,3,20,10,5,6,0,39,1.0,1\n"
                                               "2,car,12,5,4,3,20,10,5,6,0,39,1.0,0\n");
        CHECK_THROWS_WITH_AS(choice::read_survey(path),
                             doctest::Contains("bad.csv:3:3: chosen: the chosen alternative 'car' is not available"),
                             core::InputError);
    }
    SUBCASE("bad cells name their column") {
        CHECK_THROWS_WITH_AS(choice::read_survey(write("neg.csv", header + "\n1,walk,-12,5,4,3,20,10,5,6,0,39,1.0\n")),
                             doctest::Contains("neg.csv:2:8: walk_time_min: must not be negative"), core::InputError);
        CHECK_THROWS_WITH_AS(choice::read_survey(write("mode.csv", header + "\n1,wlak,12,5,4,3,20,10,5,6,0,39,1.0\n")),
                             doctest::Contains("did you mean 'walk'"), core::InputError);
        CHECK_THROWS_WITH_AS(choice::read_survey(write("empty.csv", header + "\n1,walk,12,5,,3,20,10,5,6,0,39,1.0\n")),
                             doctest::Contains("car_time_min: must not be empty while car is available"),
                             core::InputError);
        CHECK_THROWS_WITH_AS(choice::read_survey(write(
                                 "avail.csv", header + ",available_bike\n1,walk,12,5,4,3,20,10,5,6,0,39,1.0,yes\n")),
                             doctest::Contains("available_bike: expected 0 or 1"), core::InputError);
        CHECK_THROWS_WITH_AS(choice::read_survey(write("col.csv", "id,chosen\n1,walk\n")),
                             doctest::Contains("missing column 'walk_time_min'"), core::InputError);
    }
    std::filesystem::remove_all(dir);
}
