#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "sim/pipeline/compare.hpp"

using namespace flemsim;

TEST_CASE("intervals from known numbers") {
    // {0.60, 0.62, 0.64}: mean 0.62, sd 0.02, t(0.975; 2) = 4.303: half-width 4.303 * 0.02 / sqrt(3).
    const auto e = pipeline::estimate({0.60, 0.62, 0.64});
    CHECK(e.n == 3);
    CHECK(e.mean == doctest::Approx(0.62));
    CHECK(e.half_width == doctest::Approx(4.303 * 0.02 / std::sqrt(3.0)));
    CHECK(e.low() == doctest::Approx(0.62 - 0.049687).epsilon(1e-5));
    // One value: a mean, no interval.
    const auto one = pipeline::estimate({0.5});
    CHECK(one.mean == 0.5);
    CHECK(std::isnan(one.half_width));
    // Student's t against tables: 12.706 (1), 3.182 (3), 2.042 (30), 2.021 (40), 1.984 (100).
    CHECK(pipeline::t_quantile_975(1) == doctest::Approx(12.706));
    CHECK(pipeline::t_quantile_975(3) == doctest::Approx(3.182));
    CHECK(pipeline::t_quantile_975(30) == doctest::Approx(2.042));
    CHECK(pipeline::t_quantile_975(40) == doctest::Approx(2.021).epsilon(2e-4));
    CHECK(pipeline::t_quantile_975(100) == doctest::Approx(1.984).epsilon(2e-4));
    // The table is decreasing, and continues smoothly past 30.
    for (std::size_t df = 1; df < 60; ++df) CHECK(pipeline::t_quantile_975(df) > pipeline::t_quantile_975(df + 1));
}

TEST_CASE("differences are paired by seed") {
    // The option is the base plus 0.05 on every seed, with seed-to-seed noise common to both:
    // the paired difference is exactly 0.05 with no spread, although each mean has a wide interval.
    using Run = std::vector<std::pair<std::string, double>>;
    const std::vector<double> base{0.50, 0.60, 0.70, 0.55};
    std::vector<std::vector<Run>> values(2);
    for (double b : base) {
        values[0].push_back({{"sustainable_share", b}, {"car_km", 1000 * b}});
        values[1].push_back({{"sustainable_share", b + 0.05}, {"car_km", 1000 * b - 30}});
    }
    const auto c = pipeline::compare_values({"base", "option"}, values, 0.7);
    const auto* b = c.find("base", "sustainable_share");
    const auto* o = c.find("option", "sustainable_share");
    REQUIRE(b);
    REQUIRE(o);
    CHECK(b->difference.n == 0);
    CHECK(o->value.mean == doctest::Approx(0.6375));
    CHECK(o->value.half_width > 0.05);
    CHECK(o->difference.n == 4);
    CHECK(o->difference.mean == doctest::Approx(0.05));
    CHECK(o->difference.half_width == doctest::Approx(0).epsilon(1e-9));
    CHECK(c.find("option", "car_km")->difference.mean == doctest::Approx(-30));
    // The report says the option misses the 70 % on average but its interval spans it.
    const auto text = pipeline::format_comparison(c);
    CHECK(text.find("misses on average (interval spans it)") != std::string::npos);
    CHECK(text.find("mean ± half-width of the 95 % interval") != std::string::npos);
    CHECK(text.find("no intervals") == std::string::npos);
    const auto csv = pipeline::comparison_csv(c);
    CHECK(csv.find("option,sustainable_share,4,0.6375,") != std::string::npos);
    const auto json = pipeline::comparison_json(c);
    CHECK(json.find("\"reaches_target_on_average\": false") != std::string::npos);
}

TEST_CASE("one seed: no interval columns, and the report says intervals need two or more seeds") {
    using Run = std::vector<std::pair<std::string, double>>;
    std::vector<std::vector<Run>> values(2);
    values[0].push_back({{"sustainable_share", 0.60}});
    values[1].push_back({{"sustainable_share", 0.62}});
    const auto c = pipeline::compare_values({"base", "option"}, values, 0.7);
    const auto text = pipeline::format_comparison(c);
    INFO(text);
    CHECK(text.find("no intervals: they need two or more seeds") != std::string::npos);
    CHECK(text.find("half-width") == std::string::npos);
    CHECK(text.find("±") == std::string::npos);
    CHECK(text.find("+2.0") != std::string::npos);  // the difference on the one seed, in points
}
