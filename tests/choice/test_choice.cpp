#include <doctest/doctest.h>

#include <cmath>

#include "sim/choice/logit.hpp"
#include "sim/core/rng.hpp"

using namespace flemsim;
using choice::logit_probabilities;

TEST_CASE("logit shares by hand") {
    SUBCASE("two modes with equal utility split evenly") {
        const auto p = logit_probabilities({-1.0, -1.0, 0, 0}, 0b0011);
        CHECK(p[0] == doctest::Approx(0.5));
        CHECK(p[1] == doctest::Approx(0.5));
        CHECK(p[2] == 0);
        CHECK(p[3] == 0);
    }
    SUBCASE("utilities 0, -1, ln 2 with car unavailable") {
        const double denom = 1 + std::exp(-1.0) + 2;
        const auto p = logit_probabilities({0.0, -1.0, std::log(2.0), 5.0}, 0b0111);
        CHECK(p[0] == doctest::Approx(1 / denom));
        CHECK(p[1] == doctest::Approx(std::exp(-1.0) / denom));
        CHECK(p[2] == doctest::Approx(2 / denom));
        CHECK(p[3] == 0);
    }
    SUBCASE("large utilities do not overflow") {
        const auto p = logit_probabilities({1000.0, 1000.0 + std::log(3.0), -1000, 0}, 0b1111);
        CHECK(p[0] == doctest::Approx(0.25));
        CHECK(p[1] == doctest::Approx(0.75));
    }
    SUBCASE("nothing available") {
        const auto p = logit_probabilities({0, 0, 0, 0}, 0);
        CHECK(p[0] + p[1] + p[2] + p[3] == 0);
    }
}

TEST_CASE("simulated shares match the analytic logit shares") {
    // 200,000 persons, each with their own stream: every share within 4 standard errors
    // (sd of a share p over n draws is sqrt(p (1 - p) / n), about 0.001 here).
    const choice::Utilities v{0.2, -0.8, 0.5, 0.1};
    const auto p = logit_probabilities(v, 0b1111);
    const int n = 200000;
    std::array<int, 4> count{};
    for (int person = 0; person < n; ++person) {
        core::Rng rng(2030, core::Stream::mode_choice, static_cast<std::uint64_t>(person), 0);
        ++count[static_cast<std::size_t>(choice::draw_mode(p, 0b1111, rng.uniform()))];
    }
    for (std::size_t m = 0; m < 4; ++m) {
        const double share = double(count[m]) / n;
        const double se = std::sqrt(p[m] * (1 - p[m]) / n);
        CHECK(std::abs(share - p[m]) < 4 * se);
    }
}

TEST_CASE("draws never pick an unavailable mode") {
    const auto p = logit_probabilities({0, 0, 0, 0}, 0b1010);
    for (double u : {0.0, 0.25, 0.4999, 0.5, 0.75, 0.999999999}) {
        const auto m = choice::draw_mode(p, 0b1010, u);
        CHECK((m == core::Mode::bike || m == core::Mode::car));
    }
    CHECK(choice::draw_mode(p, 0b1010, 0.49) == core::Mode::bike);
    CHECK(choice::draw_mode(p, 0b1010, 0.51) == core::Mode::car);
}
