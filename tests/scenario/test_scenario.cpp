#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "sim/scenario/scenario.hpp"

using namespace flemsim;
using scenario::load_scenario;

namespace {
const std::filesystem::path tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";

std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-scenario";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / name) << text;
    return dir / name;
}

// A variant of the tiny scenario with `text` as its own keys.
std::filesystem::path variant(const std::string& name, const std::string& text) {
    return write(name, "extends: " + tiny.string() + "\n" + text);
}

std::string error_of(const std::filesystem::path& p, const scenario::LoadOptions& o = {}) {
    try {
        load_scenario(p, o);
    } catch (const core::InputError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST_CASE("the tiny scenario loads with every value") {
    const auto s = load_scenario(tiny);
    CHECK(s.name == "tiny");
    CHECK(s.year == 2020);
    CHECK(s.seed == 42);
    CHECK(s.network == tiny.parent_path() / "tiny");
    CHECK(s.land_use.size() == 2);
    CHECK(s.land_use[1].zone == "east");
    CHECK(s.land_use[1].study_places == 200);
    CHECK(s.gateways.at(0).workers == 100000);
    CHECK(s.modes.walk.speed_mps == 1.3);
    CHECK(s.modes.car.parking_sek.at("east") == 20);
    CHECK(s.activities[0].departure_profile[7] == 10);
    CHECK(s.report.distance_bands_km == std::vector<double>{1, 3, 5, 10, 20});
    CHECK(s.simulation.enabled);
    CHECK(s.simulation.end_time == 36 * 3600);
    CHECK(s.iterations.max == 4);
    CHECK(s.iterations.min == 2);
    CHECK(s.iterations.replanning_decay == 0.5);
    CHECK(s.iterations.departure_window_s == 1800);
    CHECK(s.modes.walk.speed_cv == doctest::Approx(0.1));
    // Constants add up by group and purpose.
    const auto t = s.mode_choice.terms(core::Group::student, core::Purpose::other);
    CHECK(t.asc[static_cast<int>(core::Mode::car)] == doctest::Approx(-1.5));
    CHECK(t.asc[static_cast<int>(core::Mode::walk)] == doctest::Approx(0.3));
    CHECK(s.mode_choice.terms(core::Group::resident, core::Purpose::work).asc[3] == doctest::Approx(-0.5));
}

TEST_CASE("extends merges maps key by key and the variant wins") {
    const auto p = variant("v1.yaml",
                           "name: tiny-variant\nmodes:\n  bike: {speed_mps: 5.0}\nland_use:\n  west: {residents: 1000, "
                           "jobs: 0, study_places: 0, visits: 0}\n");
    const auto s = load_scenario(p);
    CHECK(s.name == "tiny-variant");
    CHECK(s.modes.bike.speed_mps == 5.0);
    CHECK(s.modes.bike.max_trip_m == 25000);  // kept from the base
    CHECK(s.modes.walk.speed_mps == 1.3);
    CHECK(s.land_use[0].residents == 1000);
    CHECK(s.land_use[1].residents == 100);
    CHECK(s.chain.size() == 2);
    // The network path stays relative to the file that named it.
    CHECK(s.network == tiny.parent_path() / "tiny");
}

TEST_CASE("--set overrides") {
    scenario::LoadOptions o;
    o.overrides = {"seed=7", "modes.walk.speed_mps=1.1", "report.distance_bands_km=[2, 4]"};
    const auto s = load_scenario(tiny, o);
    CHECK(s.seed == 7);
    CHECK(s.modes.walk.speed_mps == doctest::Approx(1.1));
    CHECK(s.report.distance_bands_km == std::vector<double>{2, 4});
    o.overrides = {"seed=18446744073709551615"};  // the largest seed
    CHECK(load_scenario(tiny, o).seed == 18446744073709551615ULL);
    o.overrides = {"seed=18446744073709551616"};
    CHECK(error_of(tiny, o).find("seed: expected a whole number from 0 to 18446744073709551615") != std::string::npos);
    o.overrides = {"modes.walk.sped_mps=1.1"};
    CHECK(error_of(tiny, o) ==
          "--set modes.walk.sped_mps=1.1: modes.walk.sped_mps: unknown key (did you mean 'speed_mps'?)");
    o.overrides = {"modes.walk.speed_mps=-1"};
    CHECK(error_of(tiny, o).find("modes.walk.speed_mps: must be > 0, got -1") != std::string::npos);
    o.overrides = {"no_equals_sign"};
    CHECK(error_of(tiny, o).find("expected key.path=value") != std::string::npos);
}

TEST_CASE("every input error names file:line:column and the key") {
    SUBCASE("unknown key with a suggestion") {
        const auto p = variant("e1.yaml", "modes:\n  transit:\n    headway_s: 300\n    fare_sk: 30\n");
        CHECK(error_of(p) == p.string() + ":4:5: modes.transit.headway_s: unknown key");
    }
    SUBCASE("near miss") {
        const auto p = variant("e2.yaml", "modes:\n  transit:\n    fare_sk: 30\n");
        CHECK(error_of(p) == p.string() + ":4:5: modes.transit.fare_sk: unknown key (did you mean 'fare_sek'?)");
    }
    SUBCASE("wrong type") {
        const auto p = variant("e3.yaml", "seed: many\n");
        CHECK(error_of(p) ==
              p.string() + ":2:7: seed: expected a whole number from 0 to 18446744073709551615, got 'many'");
        const auto q = variant("e3b.yaml", "modes:\n  walk: fast\n");
        CHECK(error_of(q) == q.string() + ":3:9: modes.walk: expected a mapping of keys, got a value");
    }
    SUBCASE("out of range") {
        const auto p = variant("e4.yaml", "population:\n  employment_rate: 1.5\n");
        CHECK(error_of(p) == p.string() + ":3:20: population.employment_rate: must be <= 1, got 1.5");
        const auto q = variant("e4b.yaml", "mode_choice:\n  beta:\n    cost_per_sek: 0.1\n");
        CHECK(error_of(q) == q.string() + ":4:19: mode_choice.beta.cost_per_sek: must be <= 0, got 0.1");
    }
    SUBCASE("missing key") {
        const auto p = write("e5.yaml", "name: x\nyear: 2020\n");
        CHECK(error_of(p) == p.string() + ":1:1: network: required key is missing");
    }
    SUBCASE("a profile of the wrong length") {
        const auto p = variant("e6.yaml", "activities:\n  work:\n    departure_profile: [1, 2, 3]\n");
        CHECK(error_of(p) ==
              p.string() + ":4:24: activities.work.departure_profile: expected 24 hourly weights, got 3");
    }
    SUBCASE("YAML syntax error") {
        const auto p = write("e7.yaml", "name: x\nmodes: {walk: [1, 2}\n");
        CHECK(error_of(p).rfind(p.string() + ":2:", 0) == 0);
        CHECK(error_of(p).find("YAML syntax error") != std::string::npos);
    }
    SUBCASE("duplicate key") {
        const auto p = write("e8.yaml", "name: x\nname: y\n");
        CHECK(error_of(p) == p.string() + ":2:1: key 'name' appears twice in the same mapping");
    }
    SUBCASE("extends: missing file and cycle") {
        const auto p = write("e9.yaml", "extends: nowhere.yaml\n");
        CHECK(error_of(p) ==
              p.string() + ":1:10: extends: no such file '" + (p.parent_path() / "nowhere.yaml").string() + "'");
        const auto a = write("ca.yaml", "extends: cb.yaml\n");
        write("cb.yaml", "extends: ca.yaml\n");
        CHECK(error_of(a).find("'extends' makes a cycle") != std::string::npos);
    }
    SUBCASE("a missing file") {
        CHECK(error_of("/nonexistent/scenario.yaml") ==
              "/nonexistent/scenario.yaml: cannot open file (does it exist?)");
    }
    SUBCASE("the simulated day and the day-to-day loop") {
        const auto p = variant("e11.yaml", "simulation:\n  enabled: maybe\n");
        CHECK(error_of(p) == p.string() + ":3:12: simulation.enabled: expected true or false, got 'maybe'");
        const auto q = variant("e12.yaml", "simulation:\n  end_time: \"20:00:00\"\n");
        CHECK(error_of(q) == q.string() + ":3:13: simulation.end_time: must be at least 24:00:00");
        const auto r = variant("e13.yaml", "simulation:\n  end_time: noon\n");
        CHECK(error_of(r).find("simulation.end_time: expected a time HH:MM:SS, got 'noon'") != std::string::npos);
        const auto u = variant("e14.yaml", "iterations:\n  min: 9\n");
        CHECK(error_of(u) == u.string() + ":3:8: iterations.min: must not exceed iterations.max");
        const auto v = variant("e15.yaml", "iterations:\n  shift_per_hour: 0.5\n");
        CHECK(error_of(v) == v.string() + ":3:19: iterations.shift_per_hour: must be <= 0, got 0.5");
        const auto x = variant("e16.yaml", "simulation:\n  capacity_factor: 0\n");
        CHECK(error_of(x) == x.string() + ":3:20: simulation.capacity_factor: must be > 0, got 0");
    }
    SUBCASE("employment and student rates above one in total") {
        const auto p = variant("e10.yaml", "population:\n  employment_rate: 0.7\n  student_rate: 0.4\n");
        CHECK(error_of(p).find("employment_rate + student_rate must not exceed 1") != std::string::npos);
    }
}
