#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "sim/pipeline/calibrate.hpp"
#include "sim/pipeline/run.hpp"
#include "tests/scratch.hpp"

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
    const auto dir = flemsim::test::scratch("calibrate");
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
    const auto dir = flemsim::test::scratch("calibrate");
    std::filesystem::create_directories(dir);
    const auto tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";
    std::ofstream(dir / "bad.yaml") << "extends: " << tiny.string()
                                    << "\ncalibration:\n  targets: {walk: 0.5, bike: 0.5, transit: 0.5, car: 0.5}\n";
    CHECK_THROWS_WITH_AS(scenario::load_scenario(dir / "bad.yaml"),
                         doctest::Contains("calibration.targets: the shares must add up to 1"), core::InputError);
    CHECK_THROWS_WITH_AS(pipeline::calibrate(tiny, {}, 0, {}), doctest::Contains("calibration: no targets"),
                         core::InputError);
}

TEST_CASE("calibration by distance band reaches the shares of known band constants, cell by cell") {
    const auto tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";
    const auto dir = flemsim::test::scratch("calibrate-bands");
    std::filesystem::create_directories(dir);
    // The reference: constants by band (under 5 km, 5 km and more) that move transit against car
    // one way in the first band and the other way in the second.
    std::ofstream(dir / "reference.yaml")
        << "extends: " << tiny.string()
        << "\nname: tiny-bands\nsimulation: {enabled: false}\nreport: {distance_bands_km: [5]}\n"
           "mode_choice:\n  asc_by_distance_band: {bands_km: [5], walk: [0.4, 0], transit: [-0.9, 0.7]}\n";
    pipeline::RunOptions ro;
    ro.write_outputs = false;
    const auto reference = pipeline::run(scenario::load_scenario(dir / "reference.yaml"), ro);
    // Shares by the band of the tour (the street distance of its trip out), which the band
    // constants act on.
    REQUIRE(reference.by_tour_distance.size() == 2);
    std::string columns[4];
    for (std::size_t m = 0; m < 4; ++m) {
        const auto mode = static_cast<core::Mode>(m);
        REQUIRE(reference.by_tour_distance[0].total() > 100);
        REQUIRE(reference.by_tour_distance[1].total() > 100);
        columns[m] = fmt::format("[{:.6f}, {:.6f}]", reference.by_tour_distance[0].share(mode),
                                 reference.by_tour_distance[1].share(mode));
    }
    // Targets by band only: the calibration starts from no band constants.
    std::ofstream(dir / "cal.yaml") << "extends: " << tiny.string()
                                    << "\nname: tiny-bands-calibration\nsimulation: {enabled: false}\n"
                                       "calibration:\n  by_distance_band:\n    bands_km: [5]\n    walk: "
                                    << columns[0] << "\n    bike: " << columns[1] << "\n    transit: " << columns[2]
                                    << "\n    car: " << columns[3] << "\n  tolerance: 0.001\n  max_rounds: 30\n";
    const auto result = pipeline::calibrate(dir / "cal.yaml", {}, 0, {});
    REQUIRE(result.reached);
    CHECK(result.rounds.front().worst > 0.05);  // the band constants matter
    // One cell per band and mode, every one within the tolerance; no overall cell.
    REQUIRE(result.rounds.back().cells.size() == 8);
    CHECK(result.rounds.back().cells[0].segment == "0-5 km");
    CHECK(result.rounds.back().cells[4].segment == "5+ km");
    for (const auto& c : result.rounds.back().cells) CHECK(std::abs(c.share - c.target) <= 0.005);
    // The table prints every cell; the fragment carries it as comments and, included,
    // reproduces the shares of both bands.
    CHECK(pipeline::fit_table(result.rounds.back()).find("5+ km") != std::string::npos);
    CHECK(result.fragment.find("#   5+ km") != std::string::npos);
    std::ofstream(dir / "frag.yaml") << result.fragment;
    std::ofstream(dir / "calibrated.yaml")
        << "extends: cal.yaml\ninclude: [frag.yaml]\nname: tiny-bands-calibrated\nreport: {distance_bands_km: [5]}\n";
    const auto again = pipeline::run(scenario::load_scenario(dir / "calibrated.yaml"), ro);
    for (std::size_t b = 0; b < 2; ++b)
        for (std::size_t m = 0; m < 4; ++m) {
            const auto mode = static_cast<core::Mode>(m);
            CHECK(std::abs(again.by_tour_distance[b].share(mode) - reference.by_tour_distance[b].share(mode)) <= 0.005);
        }
    // Transit, with shares far from 0 and 1 in both bands, gets its constants back.
    const auto& found = result.asc_by_distance_band.rows;
    CHECK(std::abs(found[0][2] - -0.9) < 0.06);
    CHECK(std::abs(found[1][2] - 0.7) < 0.06);
    // Overall targets and targets by band together are refused: the bands make the overall split.
    std::ofstream(dir / "both.yaml") << "extends: cal.yaml\ncalibration:\n  targets: {walk: 0.2, bike: 0.1, "
                                        "transit: 0.3, car: 0.4}\n";
    CHECK_THROWS_WITH_AS(pipeline::calibrate(dir / "both.yaml", {}, 0, {}),
                         doctest::Contains("either targets or by_distance_band"), core::InputError);
}

TEST_CASE("targets by distance band must have a value per band and add up to one in each") {
    const auto tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";
    const auto dir = flemsim::test::scratch("calibrate-bands");
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "short.yaml") << "extends: " << tiny.string()
                                      << "\ncalibration:\n  by_distance_band:\n    bands_km: [1, 3]\n"
                                         "    walk: [0.5, 0.2]\n";
    CHECK_THROWS_WITH_AS(scenario::load_scenario(dir / "short.yaml"),
                         doctest::Contains("calibration.by_distance_band.walk: expected 3 values"), core::InputError);
    std::ofstream(dir / "sum.yaml") << "extends: " << tiny.string()
                                    << "\ncalibration:\n  by_distance_band:\n    bands_km: [1]\n"
                                       "    walk: [0.5, 0.2]\n    car: [0.5, 0.7]\n";
    CHECK_THROWS_WITH_AS(scenario::load_scenario(dir / "sum.yaml"),
                         doctest::Contains("the shares of band 1+ km must add up to 1"), core::InputError);
}
