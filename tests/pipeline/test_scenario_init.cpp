#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "sim/network/network.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/pipeline/scenario_init.hpp"
#include "sim/scenario/scenario.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;

namespace {
const std::filesystem::path data = FLEMSIM_TEST_DATA;

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line) != std::string::npos;
}
}  // namespace

TEST_CASE("scenario init: land use from a file, from the network, by default; gateways; it runs as written") {
    auto net = network::load_network(data / "tiny");
    pipeline::ScenarioInitOptions o;
    o.name = "tiny-init";
    o.year = 2031;
    o.network_reference = "tiny";
    o.network_zones_file = "tiny/zones.csv";
    pipeline::ScenarioInitReport report;

    SUBCASE("no data: the default rule by street nodes (west a0, a1; east a3, a4)") {
        const auto text = pipeline::scenario_init_text(net, o, report);
        CHECK(has_line(text,
                       "  west: {residents: 20, jobs: 10, study_places: 0, visits: 10}   # default: 10, 5, 0, 5 "
                       "per street node of the zone (2)"));
        CHECK(report.zones_by_default == 2);
        CHECK(report.totals[0] == 40);
        // The gateway with default weights; in-commuters fill the places residents leave.
        CHECK(has_line(text,
                       "  city: {workers: 10000, students: 2000, jobs: 10000, study_places: 1000, visits: 2000}   "
                       "# default: one alike for each gateway (City)"));
        CHECK(text.find("    workers: fill") != std::string::npos);
        CHECK(has_line(text, "year: 2031"));
    }
    SUBCASE("a zone file for west, the network's own land use for east") {
        net.zone_land_use = {{1, 2, 3, 4}, {100, 200, 0, 50}};
        o.land_use["west"] = {{300, 20, 0, 50}, "z.gpkg:bef,arb,-,-"};
        o.land_use["elsewhere"] = {{1, 1, 1, 1}, "z.gpkg:bef,arb,-,-"};
        o.land_use_file = "z.gpkg";
        const auto text = pipeline::scenario_init_text(net, o, report);
        CHECK(has_line(text,
                       "  west: {residents: 300, jobs: 20, study_places: 0, visits: 50}   # from z.gpkg:bef,arb,-,-"));
        CHECK(has_line(text,
                       "  east: {residents: 100, jobs: 200, study_places: 0, visits: 50}   # from "
                       "tiny/zones.csv:residents,jobs,study_places,visits"));
        CHECK(report.zones_from_file == 1);
        // A gateway with the import's weight takes it for every weight.
        net.zone_weight = {0, 0, 1170};
        const auto weighted = pipeline::scenario_init_text(net, o, report);
        CHECK(has_line(weighted,
                       "  city: {workers: 1170, students: 1170, jobs: 1170, study_places: 1170, visits: 1170}   "
                       "# from tiny/zones.csv:weight (City)"));
        CHECK(report.gateways_weighted == 1);
        net.zone_weight.clear();
        pipeline::scenario_init_text(net, o, report);
        CHECK(report.zones_from_network == 1);
        REQUIRE(report.notes.size() == 1);
        CHECK(report.notes[0] == "1 zones of z.gpkg are not study zones of the network: not used");
    }

    // Whatever the source, the text is a scenario that loads with every check and runs.
    net.zone_land_use.clear();
    o.network_reference = std::filesystem::absolute(data / "tiny");
    const auto text = pipeline::scenario_init_text(net, o, report);
    const auto dir = flemsim::test::scratch("scenario-init");
    std::filesystem::create_directories(dir);
    const auto file = dir / "tiny-init.yaml";
    std::ofstream(file) << text;
    scenario::LoadOptions lo;
    lo.overrides = {"population.scale=0.5", "iterations.max=2", "iterations.min=1"};
    const auto s = scenario::load_scenario(file, lo);
    CHECK(s.name == "tiny-init");
    CHECK(s.land_use.size() == 2);
    CHECK(s.gateways.size() == 1);
    pipeline::RunOptions ro;
    ro.output_dir = dir / "out";
    ro.threads = 2;
    ro.force = true;
    const auto r = pipeline::run(s, ro);
    CHECK(r.trips > 0);
    CHECK(std::filesystem::exists(ro.output_dir / "trips.h5"));
}
