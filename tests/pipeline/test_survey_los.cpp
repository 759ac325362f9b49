// Survey records given by zone pair and departure: their level of service computed on the tiny
// scenario's network, checked against the batch router's answers for the same points.
#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "sim/choice/estimation.hpp"
#include "sim/choice/survey.hpp"
#include "sim/choice/utility_terms.hpp"
#include "sim/core/error.hpp"
#include "sim/core/rng.hpp"
#include "sim/network/patch.hpp"
#include "sim/pipeline/survey_los.hpp"
#include "sim/routing/batch.hpp"
#include "sim/scenario/params.hpp"
#include "sim/scenario/scenario.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;
using choice::LosField;
using core::Mode;

namespace {

const std::filesystem::path data = FLEMSIM_TEST_DATA;

struct Tiny {
    scenario::Scenario s = scenario::load_scenario(data / "tiny.yaml", {});
    network::Network net = network::load_scenario_network(s);
    routing::RoutingContext ctx = routing::build_routing(net, s);
};

double cell(const choice::Survey& s, std::size_t r, LosField f) {
    return s.los[static_cast<std::size_t>(f)][r];
}

// The batch router's answer between two zones' centroids, asked independently of the filling.
routing::RouteAnswer answer(const Tiny& t, const std::string& from, const std::string& to, Mode m,
                            std::int32_t departure_s) {
    const auto o = t.net.zone_centroid[t.net.find_zone(from)];
    const auto d = t.net.zone_centroid[t.net.find_zone(to)];
    routing::RouteQuery q;
    std::tie(q.from_lat, q.from_lon) = t.net.to_lat_lon(t.net.node_x_m[o], t.net.node_y_m[o]);
    std::tie(q.to_lat, q.to_lon) = t.net.to_lat_lon(t.net.node_x_m[d], t.net.node_y_m[d]);
    q.mode = m;
    q.departure_s = departure_s;
    return routing::answer_route_queries(t.ctx, {q}).rows.at(0);
}

struct Files {
    std::filesystem::path dir = flemsim::test::scratch("survey-los");
    Files() { std::filesystem::create_directories(dir); }
    ~Files() { std::filesystem::remove_all(dir); }
    std::filesystem::path write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name) << text;
        return dir / name;
    }
};

// The 1-based character column of field `field` (0-based) on a line of comma-separated text.
int column_of(const std::string& line, std::size_t field) {
    std::size_t at = 0;
    for (std::size_t f = 0; f < field; ++f) at = line.find(',', at) + 1;
    return static_cast<int>(at) + 1;
}

choice::Survey read_and_fill(const Tiny& t, const std::filesystem::path& file) {
    auto survey = choice::read_survey(file);
    choice::apply_availability_rules(survey, scenario::Params::from(t.s).choice.availability);
    pipeline::fill_survey_los(survey, t.s, t.net, t.ctx);
    return survey;
}

}  // namespace

TEST_CASE("survey by zone pair: the level of service is the batch router's, mapped to the survey's columns") {
    const Tiny t;
    const Files files;
    const auto survey = read_and_fill(t, files.write("zones.csv",
                                                     "id,chosen,origin_zone,destination_zone,departure,transit_pass\n"
                                                     "1,walk,west,east,08:00,0\n"
                                                     "2,transit,east,west,17:30:00,1\n"
                                                     "3,car,west,city,07:10,\n"));
    REQUIRE(survey.size() == 3);
    for (std::size_t r = 0; r < 3; ++r) CHECK(!choice::needs_level_of_service(survey, r));
    CHECK_NOTHROW(choice::require_level_of_service(survey));
    const std::string from[] = {"west", "east", "west"}, to[] = {"east", "west", "city"};
    const std::int32_t when[] = {8 * 3600, 17 * 3600 + 1800, 7 * 3600 + 600};
    for (std::size_t r = 0; r < 3; ++r) {
        CAPTURE(r);
        const auto walk = answer(t, from[r], to[r], Mode::walk, when[r]);
        const auto bike = answer(t, from[r], to[r], Mode::bike, when[r]);
        const auto car = answer(t, from[r], to[r], Mode::car, when[r]);
        const auto pt = answer(t, from[r], to[r], Mode::transit, when[r]);
        REQUIRE(car.found);
        REQUIRE(pt.found);
        // tiny.yaml: walking up to 6 km, cycling up to 25 km, cars 2 SEK/km with 2 minutes'
        // access and 20 SEK parking in east only, a 40 SEK fare and no pass fare.
        const bool walkable = walk.found && walk.distance_m <= 6000;
        CHECK(bool(survey.available[r] & core::mode_bit(Mode::walk)) == walkable);
        if (walkable) CHECK(cell(survey, r, LosField::walk_time_min) == doctest::Approx(walk.time_s / 60.0));
        if (bike.found) CHECK(cell(survey, r, LosField::bike_time_min) == doctest::Approx(bike.time_s / 60.0));
        CHECK(cell(survey, r, LosField::car_time_min) == doctest::Approx(car.time_s / 60.0));
        CHECK(cell(survey, r, LosField::car_access_min) == doctest::Approx(2.0));
        CHECK(cell(survey, r, LosField::car_cost_sek) ==
              doctest::Approx(2.0 * car.distance_m / 1000.0 + (to[r] == "east" ? 20.0 : 0.0)));
        CHECK(cell(survey, r, LosField::transit_in_vehicle_min) == doctest::Approx(pt.transit.in_vehicle_s / 60.0));
        CHECK(cell(survey, r, LosField::transit_wait_min) == doctest::Approx(pt.transit.wait_s / 60.0));
        CHECK(cell(survey, r, LosField::transit_access_egress_min) ==
              doctest::Approx((pt.transit.access_s + pt.transit.egress_s + pt.transit.transfer_walk_s) / 60.0));
        CHECK(cell(survey, r, LosField::transit_transfers) == pt.transit.transfers);
        CHECK(cell(survey, r, LosField::transit_cost_sek) == (r == 1 ? 0.0 : 40.0));  // a pass: its 0 per trip
        CHECK(cell(survey, r, LosField::distance_km) ==
              doctest::Approx((walk.found ? walk.distance_m : car.distance_m) / 1000.0));
    }
    // West to east is 800 m of street: a walk of about ten minutes, a short drive, a ride.
    CHECK(cell(survey, 0, LosField::distance_km) == doctest::Approx(0.8));
    CHECK(cell(survey, 0, LosField::walk_time_min) == doctest::Approx(800 / 1.3 / 60.0));
    CHECK(cell(survey, 0, LosField::car_cost_sek) == doctest::Approx(2.0 * 0.8 + 20));
    CHECK(cell(survey, 0, LosField::transit_in_vehicle_min) > 0);
}

TEST_CASE("survey by zone pair: given cells are kept, rows may mix, and the person's columns count") {
    const Tiny t;
    const Files files;
    const std::string header =
        "id,chosen,walk_time_min,bike_time_min,car_time_min,car_access_min,car_cost_sek,transit_in_vehicle_min,"
        "transit_wait_min,transit_access_egress_min,transit_transfers,transit_cost_sek,distance_km,"
        "origin_zone,destination_zone,departure,car_available,bike_owner";
    const std::string rows =
        "1,walk,12,5,4,3,20,10,5,6,0,39,1.0,,,,,\n"                  // no zones: as before
        "2,car,,,,,99,,,,,,,west,east,08:00,1,\n"                    // zones, one cell given
        "3,walk,7,,,,,,,,,,,west,east,08:00,0,0\n"                   // no car, no bike
        "4,bike,12,5,4,3,20,10,5,6,0,39,1.0,west,east,09:00,1,1\n";  // zones, every cell given
    const auto survey = read_and_fill(t, files.write("mixed.csv", header + "\n" + rows));
    REQUIRE(survey.size() == 4);
    // A row without zones, and a row with every cell given, are as written.
    for (const std::size_t r : {std::size_t{0}, std::size_t{3}}) {
        CHECK(cell(survey, r, LosField::walk_time_min) == 12);
        CHECK(cell(survey, r, LosField::car_cost_sek) == 20);
        CHECK(cell(survey, r, LosField::transit_cost_sek) == 39);
        CHECK(cell(survey, r, LosField::distance_km) == 1.0);
        CHECK(survey.available[r] == 0xF);
    }
    // A given cell of a computed row is kept (its car cost), the rest computed.
    const auto car = answer(t, "west", "east", Mode::car, 8 * 3600);
    CHECK(cell(survey, 1, LosField::car_cost_sek) == 99);
    CHECK(cell(survey, 1, LosField::car_time_min) == doctest::Approx(car.time_s / 60.0));
    CHECK(cell(survey, 1, LosField::distance_km) == doctest::Approx(0.8));
    CHECK(cell(survey, 1, LosField::transit_cost_sek) == 40);
    // No car and no bike of one's own: neither is an alternative, and the walk is the survey's.
    CHECK(survey.available[2] == (core::mode_bit(Mode::walk) | core::mode_bit(Mode::transit)));
    CHECK(cell(survey, 2, LosField::walk_time_min) == 7);

    // Choice data of the filled survey are complete: every available alternative has its features.
    const auto d = choice::choice_data(survey, choice::default_terms());
    CHECK_NOTHROW(d.check());
}

TEST_CASE("survey by zone pair: errors name file:line:column and the column") {
    const Tiny t;
    const Files files;
    const std::string header = "id,chosen,origin_zone,destination_zone,departure,car_available";

    SUBCASE("an unknown zone") {
        const std::string bad = "2,walk,west,nowhere,08:00,1";
        const auto file = files.write("unknown.csv", header + "\n1,walk,west,east,08:00,1\n" + bad + "\n");
        const auto expected = fmt::format("unknown.csv:3:{}: destination_zone: no zone 'nowhere'", column_of(bad, 3));
        CHECK_THROWS_WITH_AS(read_and_fill(t, file), doctest::Contains(expected.c_str()), core::InputError);
    }
    SUBCASE("zone rows without a scenario") {
        const auto file = files.write("noscenario.csv", header + "\n1,walk,west,east,08:00,1\n");
        auto survey = choice::read_survey(file);
        CHECK(choice::needs_level_of_service(survey, 0));
        CHECK_THROWS_WITH_AS(
            choice::require_level_of_service(survey),
            doctest::Contains("noscenario.csv:2:8: origin_zone: the table has no column walk_time_min"),
            core::InputError);
        CHECK_THROWS_WITH_AS(choice::require_level_of_service(survey), doctest::Contains("--scenario"),
                             core::InputError);
        const std::string with_los = "id,chosen,walk_time_min,origin_zone,destination_zone,departure";
        const auto file2 = files.write("noscenario2.csv", with_los + "\n1,walk,,west,east,08:00\n");
        CHECK_THROWS_WITH_AS(choice::require_level_of_service(choice::read_survey(file2)),
                             doctest::Contains("noscenario2.csv:2:8: walk_time_min: empty"), core::InputError);
    }
    SUBCASE("a chosen alternative that the network does not offer then") {
        // The trains of tiny run from 05:00; at 03:00 none leaves within max_wait_s.
        const auto file = files.write("night.csv", header + "\n1,transit,west,east,03:00,1\n");
        CHECK_THROWS_WITH_AS(read_and_fill(t, file),
                             doctest::Contains("night.csv:2:3: chosen: the chosen alternative 'transit' is not "
                                               "available from zone 'west' to 'east' at 03:00:00: no transit journey "
                                               "leaves within max_wait_s"),
                             core::InputError);
        // Not chosen, it is only unavailable.
        const auto ok = read_and_fill(t, files.write("night2.csv", header + "\n1,walk,west,east,03:00,1\n"));
        CHECK(!(ok.available[0] & core::mode_bit(Mode::transit)));
    }
    SUBCASE("a chosen car without one") {
        const auto file = files.write("nocar.csv", header + "\n1,car,west,east,08:00,0\n");
        CHECK_THROWS_WITH_AS(read_and_fill(t, file),
                             doctest::Contains("nocar.csv:2:3: chosen: the chosen alternative 'car' is not available "
                                               "(car_available is 0"),
                             core::InputError);
    }
    SUBCASE("bad cells of the new columns") {
        CHECK_THROWS_WITH_AS(choice::read_survey(files.write("time.csv", header + "\n1,walk,west,east,8h,1\n")),
                             doctest::Contains("time.csv:2:18: departure: expected a time"), core::InputError);
        CHECK_THROWS_WITH_AS(choice::read_survey(files.write("pair.csv", header + "\n1,walk,west,,08:00,1\n")),
                             doctest::Contains("pair.csv:2:13: destination_zone: must not be empty"), core::InputError);
        CHECK_THROWS_WITH_AS(choice::read_survey(files.write("flag.csv", header + "\n1,walk,west,east,08:00,yes\n")),
                             doctest::Contains("car_available: expected 0 or 1"), core::InputError);
        CHECK_THROWS_WITH_AS(choice::read_survey(files.write("half.csv", "id,chosen,origin_zone\n1,walk,west\n")),
                             doctest::Contains("missing column 'destination_zone'"), core::InputError);
    }
}

TEST_CASE("survey by zone pair: choices drawn from known coefficients are estimated back") {
    const Tiny t;
    const Files files;
    // 600 records between the tiny scenario's zones at times of the day: the wait for the
    // 10-minute trains varies with the departure, the cost with the parking and the pass.
    const char* zones[] = {"west", "east"};
    std::string text = "id,chosen,origin_zone,destination_zone,departure,transit_pass\n";
    constexpr std::size_t n = 600;
    for (std::size_t r = 0; r < n; ++r) {
        core::Rng rng(7, core::Stream::mode_choice, r, 0);
        const auto from = rng.below(2);
        const std::int32_t dep = 6 * 3600 + static_cast<std::int32_t>(rng.below(14 * 3600));
        text += fmt::format("{},walk,{},{},{:02}:{:02}:{:02},{}\n", r + 1, zones[from], zones[1 - from], dep / 3600,
                            dep / 60 % 60, dep % 60, rng.uniform() < 0.5 ? 1 : 0);
    }
    const auto file = files.write("drawn.csv", text);
    const auto survey = read_and_fill(t, file);
    {
        // The same level of service with one thread as with all.
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        const auto serial = read_and_fill(t, file);
        CHECK(serial.available == survey.available);
        for (std::size_t f = 0; f < choice::los_field_count; ++f) CHECK(serial.los[f] == survey.los[f]);
    }
    std::vector<choice::Term> terms;
    for (const auto& term : choice::default_terms())
        if (term.name == "asc.walk" || term.name == "asc.bike" || term.name == "asc.transit" ||
            term.name == "beta.wait_per_min" || term.name == "beta.cost_per_sek")
            terms.push_back(term);
    REQUIRE(terms.size() == 5);
    auto d = choice::choice_data(survey, terms);
    Eigen::VectorXd truth(5);
    for (std::size_t k = 0; k < d.names.size(); ++k) {
        const auto& name = d.names[k];
        truth[static_cast<Eigen::Index>(k)] = name == "asc.walk"            ? 0.5
                                              : name == "asc.bike"          ? -0.5
                                              : name == "asc.transit"       ? 0.8
                                              : name == "beta.wait_per_min" ? -0.15
                                                                            : -0.04;
    }
    const auto mnl = choice::parse_nests("mnl", {"walk", "bike", "transit", "car"});
    d.chosen = choice::simulate_choices(d, truth, mnl, 11);
    const auto result = choice::estimate(d, choice::ModelSpec::free(d, mnl));
    REQUIRE(result.converged);
    for (std::size_t k = 0; k < d.names.size(); ++k) {
        CAPTURE(d.names[k]);
        const auto& e = result.parameters[k];
        CHECK(std::abs(e.value - truth[static_cast<Eigen::Index>(k)]) < 3 * e.std_err);
    }
}
