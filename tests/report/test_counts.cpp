// Counts against a simulated day (sim/report/counts.hpp): GEH by hand, the three file formats,
// and the matching of links, directions, hours and stops.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "sim/report/counts.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;
using report::CountKind;

namespace {
// The test's files, in the test process's own folder (tests/scratch.hpp).
struct CountFiles {
    std::filesystem::path dir = flemsim::test::scratch("counts");
    CountFiles() { std::filesystem::create_directories(dir); }
};
const CountFiles files;

std::filesystem::path write(const std::string& name, const std::string& text) {
    std::ofstream(files.dir / name) << text;
    return files.dir / name;
}

std::string error_of(const std::filesystem::path& p) {
    try {
        report::read_counts(p);
    } catch (const core::InputError& e) {
        return e.what();
    }
    return "(no error)";
}

// Two links (l0, l1) and two stops (s0, s1); volumes and boardings by hand.
report::ModelCounts model() {
    report::ModelCounts m;
    m.link_ids = {"l0", "l1"};
    m.stop_ids = {"s0", "s1"};
    // l0: 1,100 vehicles forward and 200 backward at 08:00; l1: 50 at 08:00 and 70 at 17:00.
    m.link_volumes = {
        {0, 0, 8, 1000, 100, 5, 5}, {0, 1, 8, 200, 0, 0, 0}, {1, 0, 8, 50, 0, 0, 0}, {1, 0, 17, 70, 0, 0, 0}};
    m.boardings.assign(2 * report::ModelCounts::hours, 0.0);
    m.alightings.assign(2 * report::ModelCounts::hours, 0.0);
    m.boardings[0 * 48 + 7] = 300;
    m.alightings[0 * 48 + 7] = 100;
    m.boardings[1 * 48 + 18] = 40;
    return m;
}
}  // namespace

TEST_CASE("GEH by hand") {
    // V = 1,100, C = 1,000: sqrt(2 x 100^2 / 2,100) = 3.086.
    CHECK(report::geh(1100, 1000) == doctest::Approx(3.0861).epsilon(1e-4));
    CHECK(report::geh(1000, 1000) == 0);
    CHECK(report::geh(0, 0) == 0);
    CHECK(report::geh(0, 50) == doctest::Approx(10.0));
}

TEST_CASE("counts from CSV, matched by link, direction, hour and stop") {
    const auto p = write("c.csv",
                         "# a comment\n"
                         "kind,id,hour,count,direction\n"
                         "link,l0,8,1000,forward\n"       // model 1,100 (cars and buses): GEH 3.09
                         "link,l0,8,1000,\n"              // both directions: 1,300, GEH 8.85
                         "link,l1,day,2400,both\n"        // the day: 120 against 2,400
                         "boardings,s0,7,300,\n"          // exact
                         "passengers,s0+s1,day,480,\n");  // 300 + 100 + 40 = 440
    const auto obs = report::read_counts(p);
    REQUIRE(obs.size() == 5);
    CHECK(obs[0].direction == report::CountDirection::forward);
    CHECK(obs[2].hour == -1);
    CHECK(obs[4].ids == std::vector<std::string>{"s0", "s1"});
    CHECK(obs[4].pos.line == 7);
    const auto r = report::compare_counts(obs, model());
    CHECK(r.rows[0].modelled == 1100);
    CHECK(r.rows[0].geh == doctest::Approx(3.0861).epsilon(1e-4));
    CHECK(r.rows[1].modelled == 1300);
    CHECK(r.rows[1].geh == doctest::Approx(std::sqrt(2.0 * 300 * 300 / 2300)));
    CHECK(r.rows[2].modelled == 120);
    // A daily count compares hourly averages: 5 against 100.
    CHECK(r.rows[2].geh == doctest::Approx(std::sqrt(2.0 * 95 * 95 / 105)));
    CHECK(r.rows[3].modelled == 300);
    CHECK(r.rows[3].geh == 0);
    CHECK(r.rows[4].modelled == 440);
    CHECK(r.under_geh5 == 3);  // rows 0, 3 and 4 (40 / 24 apart on the hourly scale)
    CHECK(r.share_under_geh5 == doctest::Approx(0.6));
    const double mape = (0.1 + 0.3 + 0.95 + 0 + 40.0 / 480) / 5;
    CHECK(r.mape == doctest::Approx(mape));
    CHECK(report::counts_table(r).find("3 with GEH under 5 (60.0 %") != std::string::npos);
    CHECK(report::counts_csv(r).find("link,l0,08,forward,1000,1100,3.0861") != std::string::npos);
    CHECK(report::counts_json(r).find("\"share_under_geh5\": 0.6") != std::string::npos);
    const auto svg = report::counts_scatter_svg(r);
    CHECK(svg.rfind("<svg", 0) == 0);
    CHECK(svg.find("<circle") != std::string::npos);
}

TEST_CASE("MATSim counts, version 1 and version 2") {
    const auto v1 = write("v1.xml",
                          "<?xml version=\"1.0\"?>\n<counts name=\"test\" year=\"2017\">\n"
                          "  <count loc_id=\"l0\" cs_id=\"station 1\">\n"
                          "    <volume h=\"9\" val=\"1000\"/>\n"  // h = 9: 08:00-09:00
                          "  </count>\n</counts>\n");
    const auto a = report::read_counts(v1);
    REQUIRE(a.size() == 1);
    CHECK(a[0].kind == CountKind::link);
    CHECK(a[0].hour == 8);
    CHECK(a[0].count == 1000);
    CHECK(report::compare_counts(a, model()).rows[0].modelled == 1300);
    const auto v2 = write("v2.xml",
                          "<counts source=\"x\" name=\"y\" year=\"2017\">\n"
                          "  <measurementLocation refId=\"l1\" name=\"a\">\n"
                          "    <measurable type=\"volumes\" networkMode=\"car\" interval=\"3600\">\n"
                          "      <value t=\"61200\" val=\"80\"/>\n"  // 17:00
                          "    </measurable>\n"
                          "    <measurable type=\"velocities\" networkMode=\"car\" interval=\"3600\">\n"
                          "      <value t=\"61200\" val=\"40\"/>\n"
                          "    </measurable>\n"
                          "    <measurable type=\"volumes\" networkMode=\"car\" interval=\"86400\">\n"
                          "      <value t=\"0\" val=\"150\"/>\n"
                          "    </measurable>\n"
                          "  </measurementLocation>\n</counts>\n");
    const auto b = report::read_counts(v2);
    REQUIRE(b.size() == 2);  // velocities are not counts
    CHECK(b[0].hour == 17);
    CHECK(b[1].hour == -1);
    const auto r = report::compare_counts(b, model());
    CHECK(r.rows[0].modelled == 70);
    CHECK(r.rows[1].modelled == 120);
}

TEST_CASE("bad counts are errors at their line") {
    CHECK(
        error_of(write("b1.csv", "kind,id,hour,count\nlane,l0,8,10\n")).find("b1.csv:2:1: kind: unknown kind 'lane'") !=
        std::string::npos);
    CHECK(error_of(write("b2.csv", "kind,id,hour,count\nlink,l0,25,10\n")).find("an hour is 0 to 23") !=
          std::string::npos);
    CHECK(error_of(write("b3.csv", "kind,id,hour,count\nlink,l0,8,-3\n")).find("cannot be negative") !=
          std::string::npos);
    CHECK(error_of(write("b4.xml", "<counts>\n<count loc_id=\"l0\">\n<volume h=\"0\" val=\"1\"/>\n</count></counts>"))
              .find("b4.xml:3:") != std::string::npos);
    CHECK(error_of(write("b5.xml", "<counts>\n<count loc_id=\"l0\">\n</counts>")).find("XML syntax error") !=
          std::string::npos);
    CHECK(error_of(write("b6.xml", "<counts/>")).find("no counts") != std::string::npos);
    // Numbers beyond int (found by fuzzing): a measurable that is not of volumes may give any
    // interval, skipped with it; a value's t beyond the day is an error at its line.
    const auto huge = report::read_counts(
        write("b8.xml",
              "<counts><measurementLocation refId=\"l2\">\n"
              "<measurable type=\"velocities\" interval=\"36006666666666666666\"><value t=\"3600\" "
              "val=\"5\"/></measurable>\n"
              "<measurable type=\"volumes\" interval=\"3600\"><value t=\"7200\" val=\"9\"/></measurable>\n"
              "</measurementLocation></counts>\n"));
    REQUIRE(huge.size() == 1);
    CHECK(huge[0].hour == 2);
    CHECK(error_of(write("b9.xml",
                         "<counts><measurementLocation refId=\"l2\">\n<measurable type=\"volumes\" "
                         "interval=\"3600\">\n<value t=\"1e30\" val=\"5\"/></measurable>"
                         "</measurementLocation></counts>\n"))
              .find("b9.xml:3:") != std::string::npos);
    // An id the network does not know, at the observation's line.
    const auto obs = report::read_counts(write("b7.csv", "kind,id,hour,count\nlink,l9,8,10\n"));
    CHECK_THROWS_WITH_AS(report::compare_counts(obs, model()), doctest::Contains("b7.csv:2:1: no link 'l9'"),
                         core::InputError);
}
