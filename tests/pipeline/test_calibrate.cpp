#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "sim/pipeline/calibrate.hpp"
#include "sim/pipeline/run.hpp"

using namespace flemsim;

TEST_CASE("calibration recovers the shares of known constants") {
    const auto tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";
    // Targets that the model can reach: the shares it gives with other constants.
    scenario::LoadOptions lo;
    lo.overrides = {"simulation.enabled=false", "mode_choice.asc.transit=-1.2", "mode_choice.asc.bike=0.5"};
    pipeline::RunOptions ro;
    ro.write_outputs = false;
    const auto reference = pipeline::run(scenario::load_scenario(tiny, lo), ro);
    std::array<double, 4> target{};
    for (std::size_t m = 0; m < 4; ++m) target[m] = reference.split.overall.share(static_cast<core::Mode>(m));
    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-calibrate";
    std::filesystem::create_directories(dir);
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        "extends: %s\nname: tiny-calibration\nsimulation: {enabled: false}\ncalibration:\n"
        "  targets: {walk: %.6f, bike: %.6f, transit: %.6f, car: %.6f}\n  tolerance: 0.005\n  max_rounds: 10\n",
        tiny.c_str(), target[0], target[1], target[2], 1.0 - target[0] - target[1] - target[2]);
    std::ofstream(dir / "cal.yaml") << buf;

    const auto result = pipeline::calibrate(dir / "cal.yaml", {}, 0, {});
    REQUIRE(result.reached);
    CHECK(result.rounds.size() > 1);  // the defaults start off the targets
    CHECK(result.rounds.back().worst <= 0.005);
    CHECK(result.rounds.front().worst > 0.005);
    // The fragment, included, reproduces the shares.
    std::ofstream(dir / "frag.yaml") << result.fragment;
    std::ofstream(dir / "calibrated.yaml") << "extends: cal.yaml\ninclude: [frag.yaml]\nname: tiny-calibrated\n";
    const auto again = pipeline::run(scenario::load_scenario(dir / "calibrated.yaml"), ro);
    for (std::size_t m = 0; m < 4; ++m)
        CHECK(std::abs(again.split.overall.share(static_cast<core::Mode>(m)) - target[m]) <= 0.005);
}

TEST_CASE("calibration needs targets that add up to one") {
    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-calibrate";
    std::filesystem::create_directories(dir);
    const auto tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";
    std::ofstream(dir / "bad.yaml") << "extends: " << tiny.string()
                                    << "\ncalibration:\n  targets: {walk: 0.5, bike: 0.5, transit: 0.5, car: 0.5}\n";
    CHECK_THROWS_WITH_AS(scenario::load_scenario(dir / "bad.yaml"),
                         doctest::Contains("calibration.targets: the shares must add up to 1"), core::InputError);
    CHECK_THROWS_WITH_AS(pipeline::calibrate(tiny, {}, 0, {}), doctest::Contains("calibration: no targets"),
                         core::InputError);
}
