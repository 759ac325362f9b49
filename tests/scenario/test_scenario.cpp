#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "sim/scenario/params.hpp"
#include "sim/scenario/scenario.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;
using scenario::load_scenario;

namespace {
const std::filesystem::path tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";

std::filesystem::path write(const std::string& name, const std::string& text) {
    const auto dir = flemsim::test::scratch("scenario");
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

TEST_CASE("extends: !replace takes the child's mapping whole instead of merging it") {
    // Merged: the base's east stays beside the child's west.
    const auto merged =
        variant("r0.yaml", "land_use:\n  west: {residents: 700, jobs: 0, study_places: 0, visits: 0}\n");
    CHECK(load_scenario(merged).land_use.size() == 2);
    // Replaced: only the child's zones.
    const auto p =
        variant("r1.yaml", "land_use: !replace\n  west: {residents: 700, jobs: 5, study_places: 0, visits: 0}\n");
    const auto s = load_scenario(p);
    REQUIRE(s.land_use.size() == 1);
    CHECK(s.land_use[0].zone == "west");
    CHECK(s.land_use[0].residents == 700);
    CHECK(s.land_use[0].jobs == 5);
    // A grandchild merges into the replaced mapping again (the tag is the child's, not its heirs').
    const auto g = write("r2.yaml",
                         "extends: r1.yaml\nland_use:\n  east: {residents: 9, jobs: 0, study_places: 0, "
                         "visits: 0}\n");
    const auto sg = load_scenario(g);
    REQUIRE(sg.land_use.size() == 2);
    CHECK(sg.land_use[0].residents == 700);
    CHECK(sg.land_use[1].residents == 9);
    // Deeper down too: a replaced mapping loses the base's keys, so a required one is missing.
    const auto m = variant("r3.yaml", "modes:\n  bike: !replace {speed_mps: 5.0}\n");
    CHECK(error_of(m).find("modes.bike") != std::string::npos);
    CHECK(load_scenario(variant("r4.yaml", "modes:\n  bike: {speed_mps: 5.0}\n")).modes.bike.max_trip_m == 25000);
    // A tag of our own that is not !replace is a typo, at its line and column.
    const auto t = variant("r5.yaml", "land_use: !replcae\n  west: {residents: 1}\n");
    CHECK(error_of(t) == t.string() +
                             ":2:11: unknown tag '!replcae' (the one tag a scenario knows is !replace, "
                             "for a mapping that replaces the base's instead of merging into it)");
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
        // The extends line that closes the cycle is the error's place.
        CHECK(error_of(a).find("cb.yaml:1:10: extends: '") != std::string::npos);
        CHECK(error_of(a).find("ca.yaml' makes a cycle") != std::string::npos);
    }
    SUBCASE("extends naming a folder") {
        const auto p = write("e17.yaml", "extends: .\n");
        CHECK(error_of(p).find("is a folder, not a file") != std::string::npos);
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
        // The loop's gap: optional, off by default; when given, in (0, 1], as its sample share.
        CHECK(load_scenario(tiny).iterations.travel_time_gap < 0);
        CHECK(load_scenario(tiny).iterations.travel_time_gap_sample == 1.0);
        CHECK(load_scenario(tiny).iterations.reroute_share == 0.0);
        const auto g = variant("e17.yaml",
                               "iterations:\n  travel_time_gap: 0.02\n  reroute_share: 0.5\n"
                               "  travel_time_gap_sample: 0.1\n");
        const auto gs = load_scenario(g);
        CHECK(gs.iterations.travel_time_gap == 0.02);
        CHECK(gs.iterations.reroute_share == 0.5);
        CHECK(gs.iterations.travel_time_gap_sample == 0.1);
        // The last day's measured replanners: optional (0, all of them), a count >= 0.
        CHECK(load_scenario(tiny).iterations.last_day_gap_persons == 0);
        CHECK(load_scenario(variant("e17b.yaml", "iterations:\n  last_day_gap_persons: 500\n"))
                  .iterations.last_day_gap_persons == 500);
        const auto gn = variant("e17c.yaml", "iterations:\n  last_day_gap_persons: -1\n");
        CHECK(error_of(gn).find("iterations.last_day_gap_persons: must be") != std::string::npos);
        const auto g0 = variant("e18.yaml", "iterations:\n  travel_time_gap: 0\n");
        CHECK(error_of(g0) == g0.string() + ":3:20: iterations.travel_time_gap: must be > 0, got 0");
        const auto g1 = variant("e19.yaml", "iterations:\n  reroute_share: 1.5\n");
        CHECK(error_of(g1).find("iterations.reroute_share: must be") != std::string::npos);
        // The route step: its decay defaults to the replanning's; routes on the averaged times
        // unless said.
        const auto tiny_s = load_scenario(tiny);
        CHECK(scenario::Params::from(tiny_s).loop.reroute_decay == tiny_s.iterations.replanning_decay);
        CHECK_FALSE(tiny_s.iterations.route_on_last_day);
        const auto r1 = variant("e20.yaml", "iterations:\n  reroute_decay: 1\n  route_times: last_day\n");
        const auto rs = load_scenario(r1);
        CHECK(rs.iterations.reroute_decay == 1.0);
        CHECK(rs.iterations.route_on_last_day);
        const auto r2 = variant("e21.yaml", "iterations:\n  route_times: yesterday\n");
        CHECK(error_of(r2) ==
              r2.string() + ":3:16: iterations.route_times: expected 'averaged' or 'last_day', got 'yesterday'");
        const auto r4 = variant("e23.yaml", "iterations:\n  reroute_decay: 2\n");
        CHECK(error_of(r4).find("iterations.reroute_decay: must be") != std::string::npos);
    }
    SUBCASE("employment and student rates above one in total") {
        const auto p = variant("e10.yaml", "population:\n  employment_rate: 0.7\n  student_rate: 0.4\n");
        CHECK(error_of(p).find("employment_rate + student_rate must not exceed 1") != std::string::npos);
    }
}

TEST_CASE("YAML: nested aliases are refused before they are copied out, at the alias") {
    // Nine aliases of nine aliases, nine levels deep: a few hundred bytes, 9^9 values expanded.
    std::string text = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i <= 9; ++i) {
        const auto prev = "*a" + std::to_string(i - 1);
        text += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
        for (int k = 0; k < 9; ++k) text += (k ? ", " : "") + prev;
        text += "]\n";
    }
    CHECK(text.size() < 700);
    const auto msg = error_of(write("bomb.yaml", text));
    INFO(msg);
    // a6 (line 7) is the first level past 1,000,000 values: its first alias of a5 (597,871
    // values expanded) joins the 672,000 of the levels before.
    CHECK(std::regex_search(msg, std::regex(R"(bomb\.yaml:7:10: this alias makes the document larger)")));
    // A small alias is ordinary YAML and stays allowed.
    const auto ok = write("alias-ok.yaml", "extends: " + tiny.string() + "\ndescription: &d shared\nname: *d\n");
    CHECK(load_scenario(ok).name == "shared");
}

TEST_CASE("YAML: a node that contains itself, and nesting past 64 levels, are refused at their position") {
    // yaml-cpp names an anchor as its mapping opens: the alias inside is the mapping itself.
    const auto cyc = error_of(variant("cycle.yaml", "report: &r\n  again: *r\n"));
    INFO(cyc);
    CHECK(std::regex_search(
        cyc, std::regex(R"(cycle\.yaml:3:10: this alias refers to a mapping or sequence that contains it)")));
    // An alias of a finished sibling is not a cycle.
    CHECK(error_of(variant("sibling.yaml", "description: &d [1]\ntags: *d\n")).find("contains it") ==
          std::string::npos);
    // 64 levels pass the reader (the scenario's rules then speak); the 65th opening is refused.
    const auto nest = [](int depth) {
        return "x: " + std::string(depth - 1, '[') + std::string(depth - 1, ']') + "\n";
    };
    CHECK(error_of(write("deep64.yaml", nest(64))).find("nested more than") == std::string::npos);
    const auto deep = error_of(write("deep65.yaml", nest(65)));
    INFO(deep);
    CHECK(
        std::regex_search(deep, std::regex(R"(deep65\.yaml:1:67: mappings and sequences nested more than 64 levels)")));
    // Ten thousand levels, where the recursion used to run out of stack.
    CHECK(error_of(write("deep10k.yaml", nest(10000))).find("nested more than 64 levels") != std::string::npos);
    // Aliases nest as deep as their values written out: a0's value is 32 levels; in a1 under the
    // root mapping and 32 sequences it makes 65 (refused at the alias, line 2 column 4 + 32 + 1),
    // under 31 it makes 64.
    const auto chain = [](int outer) {
        return "a0: &a0 " + std::string(32, '[') + std::string(32, ']') + "\na1: " + std::string(outer, '[') + "*a0" +
               std::string(outer, ']') + "\n";
    };
    CHECK(error_of(write("chain64.yaml", chain(31))).find("levels deep") == std::string::npos);
    const auto chained = error_of(write("chain65.yaml", chain(32)));
    INFO(chained);
    CHECK(std::regex_search(chained,
                            std::regex(R"(chain65\.yaml:2:37: this alias nests mappings and sequences more than 64)")));
}

TEST_CASE("YAML: a second document is refused with its position") {
    const auto msg = error_of(variant("multi.yaml", "name: first\n---\nname: second\n"));
    INFO(msg);
    CHECK(std::regex_search(msg, std::regex(R"(multi\.yaml:3:1: a second YAML document)")));
    // An empty second document after the marker too.
    const auto msg2 = error_of(variant("multi-empty.yaml", "name: first\n---\n"));
    INFO(msg2);
    CHECK(std::regex_search(msg2, std::regex(R"(multi-empty\.yaml:3:\d+: a second YAML document)")));
}

TEST_CASE("YAML: text that is not UTF-8 is refused at its line and column") {
    // Latin-1 'ä' (0xE4) in the name, on line 2 after "name: K".
    const auto msg = error_of(variant("latin1.yaml", "name: K\xe4rrtorp\n"));
    INFO(msg);
    CHECK(std::regex_search(msg, std::regex(R"(latin1\.yaml:2:8: not UTF-8 text \(byte 0xE4\))")));
    // Well-formed UTF-8 passes the check (and the name rule then speaks).
    CHECK(error_of(variant("utf8.yaml", "description: K\xc3\xa4rrtorp\n")) == "(no error)");
    // Overlong forms and surrogates are not UTF-8 either.
    CHECK(error_of(variant("overlong.yaml", "description: \xc0\xaf\n")).find("overlong.yaml:2:14: not UTF-8") !=
          std::string::npos);
    CHECK(error_of(variant("surrogate.yaml", "description: \xed\xa0\x80\n")).find("not UTF-8") != std::string::npos);
    // Control characters other than tab and line breaks are not YAML text.
    const auto nul = error_of(variant("nul.yaml", std::string("description: a\0b\n", 17)));
    CHECK(nul.find("nul.yaml:2:15: a control character (byte 0x00)") != std::string::npos);
    // And in --set values.
    scenario::LoadOptions o;
    o.overrides = {"description=K\xe4rrtorp"};
    const auto set_msg = error_of(tiny, o);
    INFO(set_msg);
    CHECK(set_msg.find("--set") == 0);
    CHECK(set_msg.find("not UTF-8 text (byte 0xE4) at character 14") != std::string::npos);
}

TEST_CASE("extends: a cycle is the error of the extends line that closes it") {
    const auto self = write("self.yaml", "extends: self.yaml\nname: s\n");
    const auto msg = error_of(self);
    INFO(msg);
    CHECK(std::regex_search(msg, std::regex(R"(self\.yaml:1:10: extends: .*makes a cycle)")));
    write("cycle-b.yaml", "name: b\nextends: cycle-a.yaml\n");
    const auto a = write("cycle-a.yaml", "extends: cycle-b.yaml\nname: a\n");
    const auto msg2 = error_of(a);
    INFO(msg2);
    CHECK(std::regex_search(msg2, std::regex(R"(cycle-b\.yaml:2:10: extends: .*cycle-a\.yaml' makes a cycle)")));
}

TEST_CASE("--set cannot add extends or include") {
    scenario::LoadOptions o;
    o.overrides = {"extends=other.yaml"};
    CHECK(error_of(tiny, o).find("extends: cannot be set with --set") != std::string::npos);
    o.overrides = {"include=[a.yaml]"};
    CHECK(error_of(tiny, o).find("include: cannot be set with --set") != std::string::npos);
}

TEST_CASE("the mode-choice model's keys: nests, availability, piecewise terms, bands") {
    SUBCASE("a complete model reads into its members") {
        const auto p = variant("mc1.yaml",
                               "mode_choice:\n"
                               "  nests:\n    active: {alternatives: [walk, bike], scale: 0.72}\n"
                               "  availability: {bike: always}\n"
                               "  beta:\n"
                               "    walk_time_over_min: {breakpoints_min: [20, 40], per_min: [-0.02, -0.04]}\n"
                               "    log_distance_km: {bike: -0.3}\n"
                               "    bike_not_owned: -2\n"
                               "  asc_by_distance_band: {bands_km: [1, 3], walk: [1, 0.5, -1]}\n"
                               "modes:\n  transit: {pass_fare_per_trip_sek: 22}\n");
        const auto s = load_scenario(p);
        const auto& mc = s.mode_choice;
        REQUIRE(mc.nests.size() == 1);
        CHECK(mc.nests[0].name == "active");
        CHECK(mc.nests[0].scale == 0.72);
        CHECK(mc.nests[0].modes == std::vector<core::Mode>{core::Mode::walk, core::Mode::bike});
        CHECK(mc.availability[1] == scenario::ModeRequirement::always);
        CHECK(mc.availability[3] == scenario::ModeRequirement::car_available);  // the default stays
        CHECK(mc.beta.walk_time_over_min.breakpoints_min == std::vector<double>{20, 40});
        CHECK(mc.beta.walk_time_over_min.per_min == std::vector<double>{-0.02, -0.04});
        CHECK(mc.beta.bike_time_over_min.breakpoints_min.empty());
        CHECK(mc.beta.log_distance_km[1] == -0.3);
        CHECK(mc.beta.bike_not_owned == -2);
        REQUIRE(mc.asc_by_distance_band.rows.size() == 3);
        CHECK(mc.asc_by_distance_band.rows[2][0] == -1);
        CHECK(mc.asc_by_distance_band.band_name(0) == "0-1 km");
        CHECK(mc.asc_by_distance_band.band_name(2) == "3+ km");
        CHECK(s.modes.transit.pass_fare_per_trip_sek == 22);
    }
    SUBCASE("the fragments of flemsim estimate are taken as they are written") {
        // The form of sim/apps/cmd_estimate.cpp's scenario_fragment: nested and multinomial.
        const std::string beta =
            "  beta:\n    time_per_min: {walk: -0.07, bike: -0.06, transit: -0.03, car: -0.04}\n"
            "    wait_per_min: -0.05\n    access_egress_per_min: -0.06\n    transfer: -0.3\n"
            "    cost_per_sek: -0.02\n"
            "    walk_time_over_min: {breakpoints_min: [15, 30], per_min: [-0.01, -0.02]}\n"
            "    bike_time_over_min: {breakpoints_min: [], per_min: []}\n"
            "    log_distance_km: {walk: -0.4, bike: 0}\n";
        write("frag-nl.yaml", "mode_choice:\n  asc: {walk: 1.2, bike: -0.5, transit: -0.3, car: 0}\n" + beta +
                                  "  nests:\n    active: {alternatives: [walk, bike], scale: 0.61}\n");
        write("frag-mnl.yaml", "mode_choice:\n  asc: {walk: 1.2, bike: -0.5, transit: -0.3, car: 0}\n" + beta +
                                   "  nests: {}   # multinomial logit\n");
        const auto nl = load_scenario(variant("mc-nl.yaml", "include: [frag-nl.yaml]\n"));
        REQUIRE(nl.mode_choice.nests.size() == 1);
        CHECK(nl.mode_choice.nests[0].scale == 0.61);
        CHECK(nl.mode_choice.asc[0] == 1.2);
        CHECK(nl.mode_choice.beta.walk_time_over_min.per_min == std::vector<double>{-0.01, -0.02});
        const auto mnl = load_scenario(variant("mc-mnl.yaml", "include: [frag-mnl.yaml]\n"));
        CHECK(mnl.mode_choice.nests.empty());
        CHECK(mnl.mode_choice.beta.log_distance_km[0] == -0.4);
    }
    SUBCASE("errors name the key") {
        const auto a = variant("mc2.yaml", "mode_choice:\n  nests:\n    active: {alternatives: [walk], scale: 0.5}\n");
        CHECK(error_of(a).find("mode_choice.nests.active.alternatives: a nest needs a list of two or more modes") !=
              std::string::npos);
        const auto b = variant("mc3.yaml",
                               "mode_choice:\n  nests:\n    a: {alternatives: [walk, bike], scale: 0.5}\n"
                               "    b: {alternatives: [bike, car], scale: 0.5}\n");
        CHECK(error_of(b).find("mode_choice.nests.b.alternatives[0]: mode 'bike' is already in a nest") !=
              std::string::npos);
        const auto c = variant("mc4.yaml", "mode_choice:\n  nests:\n    a: {alternatives: [walk, bus], scale: 0.5}\n");
        CHECK(error_of(c).find("mode_choice.nests.a.alternatives[1]: no such mode 'bus'") != std::string::npos);
        const auto d = variant("mc5.yaml", "mode_choice:\n  nests:\n    a: {alternatives: [walk, bike], scale: 1.5}\n");
        CHECK(error_of(d).find("mode_choice.nests.a.scale: must be <= 1") != std::string::npos);
        const auto e = variant("mc6.yaml", "mode_choice:\n  availability: {car: sometimes}\n");
        CHECK(error_of(e) == e.string() +
                                 ":3:23: mode_choice.availability.car: unknown requirement 'sometimes' "
                                 "(use always, car_available or bike_owner)");
        const auto f = variant("mc7.yaml",
                               "mode_choice:\n  beta:\n    walk_time_over_min: {breakpoints_min: [20, 10], "
                               "per_min: [-0.1, -0.1]}\n");
        CHECK(error_of(f).find("mode_choice.beta.walk_time_over_min.breakpoints_min: breakpoints must increase") !=
              std::string::npos);
        const auto g = variant("mc8.yaml",
                               "mode_choice:\n  beta:\n    bike_time_over_min: {breakpoints_min: [20], "
                               "per_min: [-0.1, -0.1]}\n");
        CHECK(error_of(g).find("expected one slope per breakpoint (1), got 2") != std::string::npos);
        const auto h = variant("mc9.yaml", "mode_choice:\n  asc_by_distance_band: {bands_km: [3, 1]}\n");
        CHECK(error_of(h).find("mode_choice.asc_by_distance_band.bands_km: band limits must increase") !=
              std::string::npos);
    }
}

TEST_CASE("the demand models' keys") {
    SUBCASE("absent: the gravity model and the group shares, as before") {
        const auto s = load_scenario(tiny);
        CHECK_FALSE(s.demand.given);
        CHECK_FALSE(s.demand.mobility_tools.given);
    }
    SUBCASE("a complete section reads into its members") {
        const auto p =
            variant("dm1.yaml",
                    "demand:\n"
                    "  period_min: 30\n  samples_per_period: 3\n"
                    "  destinations:\n"
                    "    logsum_coefficient: {work: 0.5, other: 0.7}\n"
                    "    distance_per_km: {other: -0.1}\n"
                    "    sample_size: 20\n    shadow_price_iterations: 7\n    shadow_price_tolerance: 0.02\n"
                    "  in_commuters: {workers: 1200, students: fill, logsum_coefficient: 0.4, tools: by_gateway}\n"
                    "  mobility_tools:\n"
                    "    household_size: [0.4, 0.35, 0.25]\n"
                    "    cars: {asc_one: 0.3, asc_two_plus: -2.6, per_adult_two_plus: 0.9, accessibility: 0.4,\n"
                    "           parking_per_100_sek_month: -0.1}\n"
                    "    transit_pass: {asc: {resident: 0.3, resident_student: 1.9}, accessibility: 0.5,\n"
                    "                   car_available: -1.2}\n"
                    "    bike: {asc: {resident: 0.1}}\n"
                    "  trip_making: {stay_home: {resident: 0.25, resident_worker: 0.08}, accessibility: 0.2,\n"
                    "                reference_accessibility: 3}\n"
                    "  departure_time: {logsum_coefficient: 0.5}\n"
                    "land_use:\n  west: {home_parking_sek_per_month: 400}\n"
                    "gateways:\n  city: {car_availability: 0.4}\n");
        const auto s = load_scenario(p);
        const auto& d = s.demand;
        CHECK(d.given);
        CHECK(d.period_min == 30);
        CHECK(d.samples_per_period == 3);
        CHECK(d.destinations.logsum_coefficient[0] == 0.5);
        CHECK(d.destinations.logsum_coefficient[1] == 1.0);  // the default stays
        CHECK(d.destinations.distance_per_km[2] == -0.1);
        CHECK(d.destinations.sample_size == 20);
        CHECK(d.destinations.shadow_price_iterations == 7);
        CHECK(d.in_commuters.workers == 1200);
        CHECK(d.in_commuters.students < 0);  // fill
        CHECK(d.in_commuters.logsum_coefficient == 0.4);
        CHECK_FALSE(d.in_commuters.tools_by_place);
        CHECK(d.mobility_tools.given);
        CHECK(d.mobility_tools.household_size == std::vector<double>{0.4, 0.35, 0.25});
        CHECK(d.mobility_tools.cars.asc_two_plus == -2.6);
        CHECK(d.mobility_tools.cars.per_adult_one == 0);
        CHECK(d.mobility_tools.pass.asc[2] == 1.9);
        CHECK(d.mobility_tools.pass.car_available == -1.2);
        CHECK(d.mobility_tools.bike.asc[0] == 0.1);
        CHECK(d.trip_making.stay_home[1] == 0.08);
        CHECK(d.trip_making.reference_accessibility == 3);
        CHECK(d.departure_time.logsum_coefficient == 0.5);
        CHECK(s.land_use[0].home_parking_sek_per_month == 400);
        CHECK(s.gateways[0].car_availability == 0.4);
        CHECK(s.gateways[0].transit_pass < 0);  // the group's share
    }
    SUBCASE("errors name the key") {
        const auto p = variant("dm2.yaml", "demand:\n  period_min: 50\n");
        CHECK(error_of(p) == p.string() + ":3:15: demand.period_min: must divide the day (1440 minutes) evenly");
        const auto q = variant("dm3.yaml",
                               "demand:\n  mobility_tools:\n    household_size: [0.5, 0.4]\n"
                               "    cars: {asc_one: 0, asc_two_plus: -2}\n"
                               "    transit_pass: {asc: {}}\n    bike: {asc: {}}\n");
        CHECK(error_of(q).find("demand.mobility_tools.household_size: give the shares of households of 1, 2, ... "
                               "persons, adding up to 1 (they add up to 0.9000)") != std::string::npos);
        const auto r = variant("dm4.yaml", "demand:\n  trip_making: {stay_home: {resident: 1}}\n");
        CHECK(error_of(r).find("the share of resident staying home must be below 1") != std::string::npos);
        const auto t = variant("dm5.yaml", "demand:\n  destinations: {sample_size: 1}\n");
        CHECK(error_of(t).find("a sample of one zone chooses nothing") != std::string::npos);
        const auto u = variant("dm6.yaml", "demand:\n  in_commuters: {workers: lots}\n");
        CHECK(error_of(u).find("demand.in_commuters.workers") != std::string::npos);
        const auto w = variant("dm8.yaml", "demand:\n  in_commuters: {tools: by_home}\n");
        CHECK(error_of(w) ==
              w.string() + ":3:25: demand.in_commuters.tools: unknown rule 'by_home' (use by_place or by_gateway)");
        const auto v = variant("dm7.yaml", "demand:\n  departure_tme: {}\n");
        CHECK(error_of(v).find("did you mean 'departure_time'?") != std::string::npos);
    }
}
