#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "sim/choice/estimation.hpp"
#include "sim/choice/logit.hpp"
#include "sim/choice/nested_logit.hpp"
#include "sim/core/rng.hpp"

using namespace flemsim;
using choice::NestedLogit;
using choice::NestStructure;

namespace {

// Alternatives car (0), walk (1), bike (2); nest active = {walk, bike} with λ = 0.5.
NestStructure car_and_active(double scale) {
    NestStructure s;
    s.nest_of = {-1, 0, 0};
    s.nest_names = {"active"};
    s.scale = {scale};
    return s;
}

}  // namespace

TEST_CASE("nested logit probabilities by hand") {
    const NestedLogit nl(car_and_active(0.5));
    choice::RecordArray v(3), p;
    SUBCASE("all available") {
        // V = (0, 0.5 ln 3, 0), λ = 0.5:
        //   nest: exp(V_walk/λ) = exp(ln 3) = 3, exp(V_bike/λ) = 1, sum 4, I = ln 4, λI = ln 2;
        //   top: exp(V_car) = 1 and exp(λI) = 2, sum 3, L = ln 3;
        //   P(car) = 1/3, P(active) = 2/3, P(walk) = 2/3 · 3/4 = 1/2, P(bike) = 2/3 · 1/4 = 1/6.
        v << 0, 0.5 * std::log(3.0), 0;
        const double l = nl.record_probabilities(v, 0b111, p);
        CHECK(p[0] == doctest::Approx(1.0 / 3).epsilon(1e-14));
        CHECK(p[1] == doctest::Approx(0.5).epsilon(1e-14));
        CHECK(p[2] == doctest::Approx(1.0 / 6).epsilon(1e-14));
        CHECK(l == doctest::Approx(std::log(3.0)).epsilon(1e-14));
        choice::RecordState st;
        nl.evaluate(v.data(), 0b111, st);
        CHECK(st.inclusive[0] == doctest::Approx(std::log(4.0)).epsilon(1e-14));
        CHECK(st.nest_p[0] == doctest::Approx(2.0 / 3).epsilon(1e-14));
        CHECK(st.conditional[1] == doctest::Approx(0.75).epsilon(1e-14));
    }
    SUBCASE("bike unavailable") {
        // Nest sum 3, I = ln 3, λI = ln √3; P(car) = 1/(1 + √3), P(walk) = √3/(1 + √3), P(bike) = 0.
        v << 0, 0.5 * std::log(3.0), 0;
        nl.record_probabilities(v, 0b011, p);
        const double r3 = std::sqrt(3.0);
        CHECK(p[0] == doctest::Approx(1 / (1 + r3)).epsilon(1e-14));
        CHECK(p[1] == doctest::Approx(r3 / (1 + r3)).epsilon(1e-14));
        CHECK(p[2] == 0);
    }
    SUBCASE("a nest with no available member drops out") {
        v << -3, 1, 2;
        const double l = nl.record_probabilities(v, 0b001, p);
        CHECK(p[0] == 1);
        CHECK(p[1] == 0);
        CHECK(p[2] == 0);
        CHECK(l == doctest::Approx(-3));
        choice::RecordState st;
        nl.evaluate(v.data(), 0b001, st);
        CHECK(st.inclusive[0] == -std::numeric_limits<double>::infinity());
        CHECK(st.nest_p[0] == 0);
    }
    SUBCASE("nothing available") {
        v << 0, 0, 0;
        const double l = nl.record_probabilities(v, 0, p);
        CHECK(p.sum() == 0);
        CHECK(l == -std::numeric_limits<double>::infinity());
    }
    SUBCASE("large utilities neither overflow nor underflow") {
        v << 1000, 1000 + 0.5 * std::log(3.0), 1000;
        nl.record_probabilities(v, 0b111, p);
        CHECK(p[1] == doctest::Approx(0.5).epsilon(1e-12));
        v << -1000, -1000 + 0.5 * std::log(3.0), -1000;
        nl.record_probabilities(v, 0b111, p);
        CHECK(p[2] == doctest::Approx(1.0 / 6).epsilon(1e-12));
    }
}

TEST_CASE("nested logit with every scale 1 is the multinomial logit") {
    NestStructure s;
    s.nest_of = {0, 0, 1, 1};
    s.nest_names = {"active", "motorised"};
    s.scale = {1.0, 1.0};
    CHECK(s.is_mnl());
    const NestedLogit nl(s);
    for (std::uint64_t r = 0; r < 200; ++r) {
        core::Rng rng(3, core::Stream::mode_choice, r);
        choice::Utilities u{};
        choice::RecordArray v(4), p;
        for (int j = 0; j < 4; ++j) v[j] = u[static_cast<std::size_t>(j)] = 6 * rng.uniform() - 3;
        const auto bits = static_cast<std::uint8_t>(1 + rng.below(15));
        const auto expected = choice::logit_probabilities(u, bits);
        nl.record_probabilities(v, bits, p);
        const auto by_mode = nl.probabilities(u, bits);
        for (int j = 0; j < 4; ++j) {
            CHECK(p[j] == doctest::Approx(expected[static_cast<std::size_t>(j)]).epsilon(1e-13));
            CHECK(by_mode[static_cast<std::size_t>(j)] == p[j]);
        }
    }
}

TEST_CASE("batch and single-record paths agree") {
    const NestedLogit nl(car_and_active(0.4));
    const Eigen::Index n = 50;
    Eigen::ArrayXXd v(n, 3);
    choice::Availability av(n, 3);
    for (Eigen::Index r = 0; r < n; ++r) {
        core::Rng rng(9, core::Stream::mode_choice, static_cast<std::uint64_t>(r));
        for (int j = 0; j < 3; ++j) {
            v(r, j) = 4 * rng.uniform() - 2;
            av(r, j) = rng.uniform() < 0.8;
        }
    }
    const Eigen::ArrayXXd p = nl.probabilities(v, av);
    const Eigen::ArrayXXd inc = nl.inclusive_values(v, av);
    const Eigen::ArrayXd l = nl.logsums(v, av);
    REQUIRE(inc.cols() == 1);
    for (Eigen::Index r = 0; r < n; ++r) {
        choice::RecordArray vr(3), pr;
        std::uint32_t bits = 0;
        for (int j = 0; j < 3; ++j) {
            vr[j] = v(r, j);
            if (av(r, j)) bits |= 1u << j;
        }
        const double lr = nl.record_probabilities(vr, bits, pr);
        for (int j = 0; j < 3; ++j) {
            CHECK(p(r, j) == pr[j]);
            if (!av(r, j)) CHECK(p(r, j) == 0);
        }
        CHECK(l(r) == lr);
        if (bits) CHECK(p.row(r).sum() == doctest::Approx(1.0).epsilon(1e-14));
        if (!(bits & 0b110)) CHECK(inc(r, 0) == -std::numeric_limits<double>::infinity());
    }
}

TEST_CASE("nest structures from text") {
    const std::vector<std::string> modes = {"walk", "bike", "transit", "car"};
    const auto s = choice::parse_nests("car;transit;active=walk,bike", modes, 0.7);
    CHECK(s.nest_of == std::vector<int>{0, 0, -1, -1});
    CHECK(s.nest_names == std::vector<std::string>{"active"});
    CHECK(s.scale == std::vector<double>{0.7});
    CHECK(choice::parse_nests("car;transit;walk,bike", modes).nest_names == std::vector<std::string>{"walk_bike"});
    CHECK(choice::parse_nests("mnl", modes).nests() == 0);
    CHECK(choice::parse_nests("mnl", modes).is_mnl());
    CHECK_THROWS_WITH_AS(choice::parse_nests("car;transit;walk,bus", modes),
                         doctest::Contains("unknown alternative 'bus'"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(choice::parse_nests("car;walk,bike", modes), doctest::Contains("'transit' is missing"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(choice::parse_nests("car;transit;walk,bike,car", modes),
                         doctest::Contains("'car' appears twice"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(choice::parse_nests("pt=transit;car;walk;bike", modes), doctest::Contains("one alternative"),
                         std::invalid_argument);
    NestStructure bad = car_and_active(1.5);
    CHECK_THROWS_AS(bad.validate(), std::invalid_argument);
    CHECK_NOTHROW(bad.validate(true));
}

TEST_CASE("nested logit log-likelihood gradient against central differences") {
    // Random data: 4 alternatives, 3 features, nests {0, 1} (λ 0.6) and {2, 3} (λ 0.8), some
    // alternatives unavailable, weights.
    const int n = 300, J = 4, K = 3;
    choice::ChoiceData d;
    d.alternatives = J;
    d.names = {"a", "b", "c"};
    d.x.resize(n * J, K);
    d.available.resize(n, J);
    d.chosen.resize(n);
    d.weight.resize(n);
    for (int r = 0; r < n; ++r) {
        core::Rng rng(17, core::Stream::mode_choice, static_cast<std::uint64_t>(r));
        for (int j = 0; j < J; ++j) {
            for (int k = 0; k < K; ++k) d.x(r * J + j, k) = 4 * rng.uniform() - 2;
            d.available(r, j) = j == 0 || rng.uniform() < 0.75;
        }
        int c = static_cast<int>(rng.below(J));
        while (!d.available(r, c)) c = (c + 1) % J;
        d.chosen[static_cast<std::size_t>(r)] = c;
        d.weight[r] = 0.5 + rng.uniform();
    }
    NestStructure s;
    s.nest_of = {0, 0, 1, 1};
    s.nest_names = {"first", "second"};
    s.scale = {0.6, 0.8};
    Eigen::VectorXd beta(K);
    beta << 0.3, -0.7, 0.2;

    Eigen::VectorXd g;
    Eigen::MatrixXd scores;
    choice::log_likelihood(d, beta, s, &g, &scores);
    REQUIRE(g.size() == K + 2);
    // The scores add up to the gradient.
    for (int i = 0; i < K + 2; ++i) CHECK(scores.col(i).sum() == doctest::Approx(g[i]).epsilon(1e-10));
    const double h = 1e-6;
    for (int i = 0; i < K + 2; ++i) {
        Eigen::VectorXd bp = beta, bm = beta;
        NestStructure sp = s, sm = s;
        if (i < K) {
            bp[i] += h;
            bm[i] -= h;
        } else {
            sp.scale[static_cast<std::size_t>(i - K)] += h;
            sm.scale[static_cast<std::size_t>(i - K)] -= h;
        }
        const double fd = (choice::log_likelihood(d, bp, sp) - choice::log_likelihood(d, bm, sm)) / (2 * h);
        CAPTURE(i);
        CHECK(g[i] == doctest::Approx(fd).epsilon(1e-6));
    }
}

TEST_CASE("logsums of many records: the one-record logsum's bits, and evaluate's value") {
    // Four alternatives, walk and bike nested (λ = 0.72), car and transit alone; availability at
    // random (nests dropping out, records with nothing available); a count that is no multiple of
    // eight, so that the vector form and the scalar rest both run.
    NestStructure s;
    s.nest_of = {0, 0, -1, -1};
    s.nest_names = {"active"};
    s.scale = {0.72};
    const NestedLogit nl(s);
    const std::size_t n = 203;
    std::vector<double> v(4 * n);
    std::vector<std::uint32_t> bits(n);
    for (std::size_t r = 0; r < n; ++r) {
        core::Rng rng(11, core::Stream::mode_choice, r);
        for (std::size_t j = 0; j < 4; ++j) {
            v[j * n + r] = 30 * rng.uniform() - 25;
            if (rng.uniform() < 0.6) bits[r] |= 1u << j;
        }
    }
    bits[5] = 0;
    bits[6] = 0b0011;
    bits[7] = 0b1100;
    std::vector<double> out(n);
    nl.logsums(v.data(), n, bits.data(), n, out.data());
    for (std::size_t r = 0; r < n; ++r) {
        double record[4];
        for (std::size_t j = 0; j < 4; ++j) record[j] = v[j * n + r];
        const double one = nl.logsum(record, bits[r]);
        CHECK(std::bit_cast<std::uint64_t>(out[r]) == std::bit_cast<std::uint64_t>(one));
        choice::RecordState st;
        const double l = nl.evaluate(record, bits[r], st);
        if (bits[r] == 0) {
            CHECK(out[r] == -std::numeric_limits<double>::infinity());
        } else {
            CHECK(out[r] == doctest::Approx(l).epsilon(1e-14));
        }
    }
}
