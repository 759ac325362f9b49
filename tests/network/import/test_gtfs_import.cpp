// GTFS import on hand-made feeds (tests/data/gtfs). The street network is three nodes a, b, c
// in a row with walk links, plus a car-only node "decoy" right where stop B is. The projection
// origin is 60 N 10 E, where cos(60) = 0.5: 0.01 degrees of longitude is 556.6 m.
//   stop A (60.00, 10.00) ->   0.0 m east: node a (0, 0)
//   stop B (60.00, 10.01) -> 556.6 m east: node b (560, 30), 30.2 m away; decoy (556.6, 0) has no walk link
//   stop C (60.00, 10.02) -> 1113.2 m east: node c (1113.2, 0)
//   stop D (60.00, 10.04) -> 2226.4 m east: 1113.2 m from c, beyond max_stop_link_m = 300
#include <doctest/doctest.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "sim/core/types.hpp"
#include "sim/network/import/gtfs_csv.hpp"
#include "sim/network/import/gtfs_import.hpp"
#include "sim/network/import/osm_import.hpp"
#include "sim/network/import/zones.hpp"
#include "sim/network/write.hpp"
#include "tests/scratch.hpp"
#include "tests/shared_data.hpp"

using namespace flemsim;
using network::import::GtfsOptions;
using network::import::GtfsReport;
using network::import::GtfsTable;
using network::import::import_gtfs;

namespace {

const std::filesystem::path gtfs_data = std::filesystem::path(FLEMSIM_TEST_DATA) / "gtfs";

void add_node(network::Network& net, const std::string& id, double x, double y) {
    net.node_ids.push_back(id);
    net.node_x_m.push_back(x);
    net.node_y_m.push_back(y);
    net.node_zone.push_back(core::invalid_index);
    net.node_line.push_back(static_cast<int>(net.node_ids.size()) + 1);
}

void add_link(network::Network& net, std::uint32_t from, std::uint32_t to, std::uint8_t modes) {
    net.link_ids.push_back("l" + std::to_string(net.link_ids.size() + 1));
    net.link_from.push_back(from);
    net.link_to.push_back(to);
    net.link_length_m.push_back(
        std::hypot(net.node_x_m[to] - net.node_x_m[from], net.node_y_m[to] - net.node_y_m[from]));
    const bool car = (modes & network::car_bit) != 0;
    net.link_type.push_back(car ? "residential" : "footway");
    net.link_modes.push_back(modes);
    net.link_oneway.push_back(0);
    net.link_car_speed_mps.push_back(car ? 30 / 3.6 : 0);
    net.link_lanes.push_back(car ? 1 : 0);
    net.link_capacity_veh_per_h.push_back(car ? 500 : 0);
    net.link_name.push_back("");
}

network::Network streets() {
    network::Network net;
    net.name = "test streets";
    net.origin_lat = 60;
    net.origin_lon = 10;
    add_node(net, "a", 0, 0);          // 0
    add_node(net, "b", 560, 30);       // 1
    add_node(net, "c", 1113.2, 0);     // 2
    add_node(net, "decoy", 556.6, 0);  // 3
    add_link(net, 0, 1, network::walk_bit | network::bike_bit | network::car_bit);
    add_link(net, 1, 2, network::walk_bit);
    add_link(net, 3, 2, network::car_bit);
    return net;
}

struct Imported {
    network::Network net;
    GtfsReport report;
};

Imported run(const std::filesystem::path& feed, const std::string& date) {
    Imported r{streets(), {}};
    import_gtfs(feed, GtfsOptions{date}, r.net, r.report);
    return r;
}

template <class F>
std::optional<core::InputError> input_error(F&& f) {
    try {
        f();
    } catch (const core::InputError& e) {
        return e;
    }
    return std::nullopt;
}

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A copy of feed `from` in a fresh temporary folder.
std::filesystem::path copy_feed(const std::string& case_name, const std::string& from = "bus_line") {
    const auto dir = flemsim::test::scratch("gtfs") / case_name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const auto& e : std::filesystem::directory_iterator(gtfs_data / from))
        std::filesystem::copy_file(e.path(), dir / e.path().filename());
    return dir;
}

// A copy of bus_line with `from` replaced by `to` in `file` (`from` must occur).
std::filesystem::path edited(const std::string& case_name, const std::string& file, const std::string& from,
                             const std::string& to) {
    const auto dir = copy_feed(case_name);
    std::string text = read(dir / file);
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    std::ofstream(dir / file, std::ios::binary) << text;
    return dir;
}

bool has_note(const GtfsReport& report, const std::string& part) {
    return std::any_of(report.notes.begin(), report.notes.end(),
                       [&](const std::string& n) { return n.find(part) != std::string::npos; });
}

// The bus_line result, checked in full (also for its zipped and quoted copies).
void check_bus_line(const Imported& r) {
    const auto& net = r.net;
    CHECK(r.report.agencies == 1);
    CHECK(r.report.routes == 1);
    CHECK(r.report.trips_on_date == 12);
    CHECK(r.report.lines == 1);
    CHECK(r.report.stops == 3);
    CHECK(r.report.stops_unlinked == 0);
    CHECK(r.report.vehicles == 1);
    CHECK(net.stop_ids == std::vector<std::string>{"A", "B", "C"});  // station ST is not a stop
    CHECK(net.stop_node == std::vector<std::uint32_t>{0, 1, 2});     // B: node b, not the car-only decoy
    REQUIRE(net.line_count() == 1);
    CHECK(net.line_ids[0] == "R1_0_1");
    CHECK(net.line_mode[0] == network::LineMode::bus);
    CHECK(net.line_on_road[0] == 1);
    CHECK(net.vehicle_ids == std::vector<std::string>{"gtfs_bus"});
    CHECK(net.vehicle_seated == std::vector<std::uint32_t>{40});
    CHECK(net.vehicle_standing == std::vector<std::uint32_t>{50});
    CHECK(net.line_vehicle == std::vector<std::uint32_t>{0});
    CHECK(net.line_first_stop == std::vector<std::uint32_t>{0, 3});
    CHECK(net.line_stop == std::vector<std::uint32_t>{0, 1, 2});
    // A -> B takes 240 s in 11 trips and 300 s in one: the median is 240 s.
    CHECK(net.line_run_time_s == std::vector<std::int32_t>{0, 240, 270});
    CHECK(net.line_dwell_s == std::vector<std::int32_t>{0, 30, 0});
    // Six departures in each of the hours 7 and 8: 3600 / 6 = 600 s, merged into one interval.
    CHECK(net.line_first_headway == std::vector<std::uint32_t>{0, 1});
    CHECK(net.headway_from_s == std::vector<std::int32_t>{7 * 3600});
    CHECK(net.headway_to_s == std::vector<std::int32_t>{9 * 3600});
    CHECK(net.headway_s == std::vector<std::int32_t>{600});
    CHECK(net.headway_at(0, 8 * 3600 + 1800) == 600);
    CHECK(net.headway_at(0, 9 * 3600) == 0);
    REQUIRE(net.line_both_ways.size() == 1);
    CHECK(net.line_both_ways[0] == 0);  // one GTFS direction: one way only
}

void write_zip(const std::filesystem::path& zip_path, const std::filesystem::path& folder, const std::string& prefix) {
    std::filesystem::remove(zip_path);
    int code = 0;
    zip_t* z = zip_open(zip_path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
    REQUIRE(z != nullptr);
    std::vector<std::string> contents;  // libzip reads the buffers at zip_close
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(folder)) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    contents.reserve(files.size());
    for (const auto& f : files) {
        contents.push_back(read(f));
        zip_source_t* src = zip_source_buffer(z, contents.back().data(), contents.back().size(), 0);
        REQUIRE(src != nullptr);
        REQUIRE(zip_file_add(z, (prefix + f.filename().string()).c_str(), src, ZIP_FL_ENC_UTF_8) >= 0);
    }
    REQUIRE(zip_close(z) == 0);
}

}  // namespace

TEST_CASE("gtfs csv: quoting, line ends, byte-order mark, positions") {
    SUBCASE("quoted fields, CRLF and a BOM") {
        GtfsTable t("t.txt", "\xEF\xBB\xBFid,name,n\r\n\"x\",\"a, \"\"b\"\" c\",1\r\n\"y\r\nz\",,2\r\nw,\"\",3\r\n");
        CHECK(t.column("id") == 0);  // the BOM is not part of the first name
        CHECK(t.column("other") == GtfsTable::absent);
        REQUIRE(t.next());
        CHECK(t.line() == 2);
        CHECK(t.text(0) == "x");
        CHECK(t.text(1) == "a, \"b\" c");
        CHECK(t.integer(2) == 1);
        REQUIRE(t.next());
        CHECK(t.line() == 3);
        CHECK(t.text(0) == "y\r\nz");
        CHECK(t.text(1).empty());
        REQUIRE(t.next());
        CHECK(t.line() == 5);  // the quoted line break counts
        CHECK(t.text(0) == "w");
        CHECK(t.text(1).empty());
        CHECK(t.text(GtfsTable::absent).empty());
        CHECK_FALSE(t.next());
    }
    SUBCASE("a short row reads the missing fields as empty; blank lines are skipped") {
        GtfsTable t("t.txt", "a,b,c\n\n1\n");
        REQUIRE(t.next());
        CHECK(t.line() == 3);
        CHECK(t.text(2).empty());
    }
    SUBCASE("errors name file, line, column and column name") {
        GtfsTable t("t.txt", "a,b\n1,x\n");
        REQUIRE(t.next());
        const auto e = input_error([&] { (void)t.integer(1); });
        REQUIRE(e);
        CHECK(e->pos().str() == "t.txt:2:3");
        CHECK(e->message().starts_with("b: "));
        const auto m = input_error([&] { (void)t.required_column("c"); });
        REQUIRE(m);
        CHECK(m->pos().line == 1);
        CHECK(m->message() == "missing required column 'c'");
    }
    SUBCASE("syntax errors") {
        auto e = input_error([] {
            GtfsTable t("t.txt", "a\n\"abc\n");
            while (t.next()) {
            }
        });
        REQUIRE(e);
        CHECK(e->pos().str() == "t.txt:2:1");
        CHECK(e->message() == "a quoted field is not closed");
        e = input_error([] {
            GtfsTable t("t.txt", "a\nab\"c\n");
            while (t.next()) {
            }
        });
        REQUIRE(e);
        CHECK(e->pos().str() == "t.txt:2:3");
        e = input_error([] {
            GtfsTable t("t.txt", "a,b\n1,2,3\n");
            while (t.next()) {
            }
        });
        REQUIRE(e);
        CHECK(e->pos().str() == "t.txt:2:5");
        CHECK(e->message() == "the row has 3 fields but the header has 2");
        e = input_error([] { GtfsTable t("t.txt", ""); });
        REQUIRE(e);
        CHECK(e->message() == "the file is empty");
    }
    SUBCASE("times and dates") {
        GtfsTable t("t.txt", "t\n25:30:00\n7:05:09\n07:5:00\n07:60:00\n20240229\n20230229\n");
        REQUIRE(t.next());
        CHECK(t.time(0) == 25 * 3600 + 30 * 60);
        REQUIRE(t.next());
        CHECK(t.time(0) == 7 * 3600 + 5 * 60 + 9);
        REQUIRE(t.next());
        CHECK_THROWS_AS((void)t.time(0), core::InputError);
        REQUIRE(t.next());
        CHECK_THROWS_AS((void)t.time(0), core::InputError);
        REQUIRE(t.next());
        CHECK(t.date(0) == 20240229);
        REQUIRE(t.next());
        CHECK_THROWS_AS((void)t.date(0), core::InputError);
    }
}

TEST_CASE("gtfs import: one bus line every 10 minutes") {
    SUBCASE("a weekday") {
        check_bus_line(run(gtfs_data / "bus_line", "2024-04-08"));
    }
    SUBCASE("a Saturday: no service, nothing added") {
        const auto r = run(gtfs_data / "bus_line", "2024-04-13");
        CHECK(r.report.trips_on_date == 0);
        CHECK(r.report.lines == 0);
        CHECK(r.net.stop_count() == 0);
        CHECK(r.net.line_count() == 0);
        CHECK(r.net.vehicle_ids.empty());
    }
}

TEST_CASE("gtfs import: service days from calendar and calendar_dates") {
    const auto feed = gtfs_data / "mondays";
    SUBCASE("a Monday") {
        const auto r = run(feed, "2024-04-08");
        CHECK(r.report.trips_on_date == 1);
        REQUIRE(r.net.line_count() == 1);
        CHECK(r.net.line_ids[0] == "R1_0_1");
        CHECK(r.net.line_names[0] == "Monday Express");       // no short name: the long name
        CHECK(r.net.line_mode[0] == network::LineMode::bus);  // extended type 700
        // One departure at 09:00: [09:00, 10:00) every 3600 s.
        CHECK(r.net.headway_from_s == std::vector<std::int32_t>{9 * 3600});
        CHECK(r.net.headway_to_s == std::vector<std::int32_t>{10 * 3600});
        CHECK(r.net.headway_s == std::vector<std::int32_t>{3600});
    }
    SUBCASE("a Tuesday") {
        const auto r = run(feed, "2024-04-09");
        CHECK(r.report.trips_on_date == 0);
        CHECK(r.net.line_count() == 0);
    }
    SUBCASE("a Monday removed by calendar_dates") {
        const auto r = run(feed, "2024-04-15");
        CHECK(r.report.trips_on_date == 0);
        CHECK(r.net.line_count() == 0);
    }
    SUBCASE("a Wednesday added by calendar_dates") {
        const auto r = run(feed, "2024-04-10");
        CHECK(r.report.trips_on_date == 1);
        CHECK(r.net.line_count() == 1);
    }
}

TEST_CASE("gtfs import: frequencies") {
    const auto r = run(gtfs_data / "frequencies", "2024-04-08");
    const auto& net = r.net;
    REQUIRE(net.line_count() == 1);
    CHECK(net.line_ids[0] == "TR_1_1");
    CHECK(net.line_names[0] == "T1");
    CHECK(net.line_mode[0] == network::LineMode::tram);  // extended type 900
    CHECK(net.line_on_road[0] == 0);
    CHECK(net.vehicle_ids == std::vector<std::string>{"gtfs_tram"});
    CHECK(net.vehicle_seated == std::vector<std::uint32_t>{80});
    CHECK(net.vehicle_standing == std::vector<std::uint32_t>{170});
    // Stops as authored in direction 1: C, B, A (stop_sequence 10, 20, 30).
    CHECK(net.stop_ids == std::vector<std::string>{"A", "B", "C"});
    CHECK(net.line_stop == std::vector<std::uint32_t>{2, 1, 0});
    CHECK(net.line_run_time_s == std::vector<std::int32_t>{0, 180, 160});
    CHECK(net.line_dwell_s == std::vector<std::int32_t>{0, 20, 0});
    // exact_times 0: 07:00-09:00 every 600 s; exact_times 1: 09:00-10:00 every 1200 s.
    CHECK(net.headway_from_s == std::vector<std::int32_t>{7 * 3600, 9 * 3600});
    CHECK(net.headway_to_s == std::vector<std::int32_t>{9 * 3600, 10 * 3600});
    CHECK(net.headway_s == std::vector<std::int32_t>{600, 1200});
    // Both entries expanded: 12 trips 07:00-08:50 and 3 trips 09:00-09:40, each with the
    // template's times from its first stop (C at 07:00, B 07:03-07:03:20, A 07:06).
    CHECK(r.report.trips == 15);
    CHECK(r.report.trips_from_frequencies == 15);
    REQUIRE(net.trip_count() == 15);
    CHECK(net.trip_ids[0] == "P_070000");
    CHECK(net.trip_ids[12] == "P_090000");
    CHECK(net.trip_ids[14] == "P_094000");
    CHECK(net.trip_block[0].empty());
    CHECK(std::vector<std::int32_t>(net.trip_depart_s.begin() + 42, net.trip_depart_s.end()) ==
          std::vector<std::int32_t>{9 * 3600 + 2400, 9 * 3600 + 2600, 9 * 3600 + 2760});
    // transfers.txt: A -> B at least 120 s, and B -> B recommended.
    CHECK(r.report.transfers == 2);
    CHECK(r.report.rules == 2);
    CHECK(net.rule_from_stop == std::vector<std::uint32_t>{0, 1});
    CHECK(net.rule_to_stop == std::vector<std::uint32_t>{1, 1});
    CHECK(net.rule_type == std::vector<std::uint8_t>{2, 0});
    CHECK(net.rule_min_s == std::vector<std::int32_t>{120, 0});
}

TEST_CASE("gtfs import: trips after midnight keep times past 24:00:00") {
    const auto r = run(gtfs_data / "midnight", "2024-06-01");
    const auto& net = r.net;
    REQUIRE(net.line_count() == 1);
    CHECK(net.line_ids[0] == "N_0_1");
    CHECK(net.line_mode[0] == network::LineMode::rail);
    CHECK(net.vehicle_ids == std::vector<std::string>{"gtfs_rail"});
    CHECK(net.line_run_time_s == std::vector<std::int32_t>{0, 900, 900});
    // The same two trips of the day before, still running after midnight, come first: late1
    // from -0:10:00 (23:50 the day before) and late2 from 0:30:00 (its 24:30:00).
    CHECK(net.trip_ids == std::vector<std::string>{"late1_prev", "late2_prev", "late1", "late2"});
    CHECK(net.trip_arrive_s ==
          std::vector<std::int32_t>{-600, 300, 1200, 1800, 2700, 3600, 85800, 86700, 87600, 88200, 89100, 90000});
    CHECK(r.report.trips_previous_day == 2);
    // Headways: the day before's two in hour 0 (1800 s); departures 23:50 and 24:30, one in hour
    // 23 and one in hour 24, both 3600 s, merged.
    CHECK(net.headway_from_s == std::vector<std::int32_t>{0, 23 * 3600});
    CHECK(net.headway_to_s == std::vector<std::int32_t>{3600, 25 * 3600});
    CHECK(net.headway_s == std::vector<std::int32_t>{1800, 3600});
}

TEST_CASE("gtfs import: a stop far from the streets is left out and reported") {
    const auto r = run(gtfs_data / "far_stop", "2024-06-01");
    CHECK(r.report.stops == 3);
    CHECK(r.report.stops_unlinked == 1);
    CHECK(has_note(r.report, "stop 'D' (Delta) is 1113 m from the street network: left out"));
    CHECK(r.net.stop_ids == std::vector<std::string>{"A", "B", "C"});
    CHECK(r.net.line_stop == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(r.net.line_run_time_s == std::vector<std::int32_t>{0, 240, 240});
    SUBCASE("a wider link distance keeps it") {
        Imported wide{streets(), {}};
        import_gtfs(gtfs_data / "far_stop", GtfsOptions{"2024-06-01", 1200}, wide.net, wide.report);
        CHECK(wide.report.stops_unlinked == 0);
        CHECK(wide.net.stop_ids == std::vector<std::string>{"A", "B", "C", "D"});
        CHECK(wide.net.stop_node == std::vector<std::uint32_t>{0, 1, 2, 2});
    }
}

TEST_CASE("gtfs import: the first rail station beyond the streets is kept as a gateway station") {
    // far_stop as a train (route_type 2) that runs A-B-C-D and back: D, 1,113 m from the
    // streets, is next to C along both trips.
    const auto dir = copy_feed("gateway_station", "far_stop");
    std::ofstream(dir / "routes.txt", std::ios::binary) << "route_id,route_short_name,route_type\nR4,4,2\n";
    std::ofstream(dir / "trips.txt", std::ios::binary) << "route_id,service_id,trip_id\nR4,ALL,x1\nR4,ALL,x2\n";
    std::ofstream(dir / "stop_times.txt", std::ios::binary)
        << "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
           "x1,10:00:00,10:00:00,A,1\nx1,10:04:00,10:04:00,B,2\nx1,10:08:00,10:08:00,C,3\nx1,10:12:00,10:12:00,D,4\n"
           "x2,11:00:00,11:00:00,D,1\nx2,11:04:00,11:04:00,C,2\nx2,11:08:00,11:08:00,B,3\nx2,11:12:00,11:12:00,A,4\n";
    Imported plain{streets(), {}};
    import_gtfs(dir, GtfsOptions{"2024-06-01"}, plain.net, plain.report);
    CHECK(plain.report.stops_unlinked == 1);  // without gateway stations, D is left out
    Imported r{streets(), {}};
    GtfsOptions o{"2024-06-01"};
    o.gateway_stations = true;
    const auto nodes_before = r.net.node_count();
    import_gtfs(dir, o, r.net, r.report);
    CHECK(r.report.stops_unlinked == 0);
    REQUIRE(r.report.gateway_stations.size() == 1);
    const auto& g = r.report.gateway_stations[0];
    CHECK(g.id == "gw_D");
    CHECK(g.name == "Delta");
    // One train of 370 seats and 500 standing leaves D into the area, at 11:00.
    CHECK(g.places_per_h == 870);
    // Its station node at D's place, a centroid 1 m away, a walk link between them; the stop
    // is on the station node and both trips serve it.
    CHECK(g.station_node == nodes_before);
    CHECK(g.centroid_node == nodes_before + 1);
    CHECK(r.net.node_ids[g.station_node] == "gw_D");
    CHECK(r.net.node_ids[g.centroid_node] == "gw_D_c");
    CHECK(r.net.stop_ids == std::vector<std::string>{"A", "B", "C", "D"});
    CHECK(r.net.stop_node[3] == g.station_node);
    CHECK(r.net.link_ids.back() == "c_gw_D");
    CHECK(r.net.link_modes.back() == network::walk_bit);
    CHECK(r.net.trip_count() == 2);
    // A bus stop far away is no gateway station: far_stop as it is keeps leaving D out.
    Imported bus{streets(), {}};
    import_gtfs(gtfs_data / "far_stop", o, bus.net, bus.report);
    CHECK(bus.report.gateway_stations.empty());
    CHECK(bus.report.stops_unlinked == 1);
}

TEST_CASE("gtfs import: errors name file, line and column") {
    const auto fails = [](const std::filesystem::path& feed, const std::string& date = "2024-04-08") {
        auto net = streets();
        GtfsReport report;
        auto e = input_error([&] { import_gtfs(feed, GtfsOptions{date}, net, report); });
        CHECK(net.stop_count() == 0);  // the network is not touched
        CHECK(net.line_count() == 0);
        return e;
    };
    SUBCASE("missing stop_times.txt") {
        const auto dir = copy_feed("no_stop_times");
        std::filesystem::remove(dir / "stop_times.txt");
        const auto e = fails(dir);
        REQUIRE(e);
        CHECK(e->message() == "missing required file stop_times.txt");
    }
    SUBCASE("missing calendar") {
        const auto dir = copy_feed("no_calendar");
        std::filesystem::remove(dir / "calendar.txt");
        const auto e = fails(dir);
        REQUIRE(e);
        CHECK(e->message() == "missing calendar.txt and calendar_dates.txt");
    }
    SUBCASE("missing required column") {
        const auto e = fails(edited("no_trip_id", "trips.txt", "trip_id", "tripid"));
        REQUIRE(e);
        CHECK(e->pos().file.ends_with("trips.txt"));
        CHECK(e->pos().line == 1);
        CHECK(e->message() == "missing required column 'trip_id'");
        CHECK(e->hint() == "did you mean 'tripid'?");
    }
    SUBCASE("unknown stop in stop_times.txt") {
        const auto e = fails(
            edited("unknown_stop", "stop_times.txt", "T0710,07:14:00,07:14:30,B,2", "T0710,07:14:00,07:14:30,X,2"));
        REQUIRE(e);
        CHECK(e->pos().file.ends_with("stop_times.txt"));
        CHECK(e->pos().line == 6);
        CHECK(e->pos().column == 25);
        CHECK(e->message() == "stop_id: unknown stop 'X'");
        CHECK(std::string(e->what()).find("stop_times.txt:6:25: stop_id: unknown stop 'X'") != std::string::npos);
    }
    SUBCASE("unknown service in trips.txt") {
        const auto e = fails(edited("unknown_service", "trips.txt", "R1,WD,T0720", "R1,WE,T0720"));
        REQUIRE(e);
        CHECK(e->pos().line == 4);
        CHECK(e->pos().column == 4);
        CHECK(e->message() == "service_id: unknown service 'WE'");
        CHECK(e->hint() == "did you mean 'WD'?");
    }
    SUBCASE("times going backwards") {
        const auto e =
            fails(edited("backwards", "stop_times.txt", "T0710,07:19:00,07:19:00,C,3", "T0710,07:12:00,07:12:00,C,3"));
        REQUIRE(e);
        CHECK(e->pos().line == 7);
        CHECK(e->pos().column == 7);
        CHECK(e->message().starts_with("arrival_time: times go backwards in trip 'T0710': arrives at 07:12:00"));
    }
    SUBCASE("departure before arrival") {
        const auto e =
            fails(edited("dwell", "stop_times.txt", "T0710,07:14:00,07:14:30,B,2", "T0710,07:14:00,07:13:30,B,2"));
        REQUIRE(e);
        CHECK(e->pos().line == 6);
        CHECK(e->pos().column == 16);
        CHECK(e->message().starts_with("departure_time: times go backwards in trip 'T0710'"));
    }
    SUBCASE("a bad number") {
        const auto e = fails(edited("bad_lon", "stops.txt", "B,Beta,60.0,10.01", "B,Beta,60.0,1O.01"));
        REQUIRE(e);
        CHECK(e->pos().file.ends_with("stops.txt"));
        CHECK(e->pos().line == 3);
        CHECK(e->pos().column == 13);
        CHECK(e->message().starts_with("stop_lon: "));
    }
    SUBCASE("a bad time") {
        const auto e = fails(edited("bad_time", "stop_times.txt", "T0720,07:20:00", "T0720,7h20"));
        REQUIRE(e);
        CHECK(e->pos().line == 8);
        CHECK(e->message() == "arrival_time: expected a time H:MM:SS, got '7h20'");
    }
    SUBCASE("a service date outside the feed") {
        const auto e = fails(gtfs_data / "bus_line", "2026-01-01");
        REQUIRE(e);
        CHECK(e->message() == "service date 2026-01-01 is outside the feed (calendar covers 20240101-20241231)");
    }
    SUBCASE("a malformed service date") {
        const auto e = fails(gtfs_data / "bus_line", "2024-4-8");
        REQUIRE(e);
        CHECK(e->message() == "service date: expected a date YYYY-MM-DD, got '2024-4-8'");
    }
    SUBCASE("an unknown route_type") {
        const auto e = fails(edited("route_type", "routes.txt", "Alpha - Gamma,3", "Alpha - Gamma,8"));
        REQUIRE(e);
        CHECK(e->pos().line == 2);
        CHECK(e->message() == "route_type: unknown route_type 8");
    }
}

TEST_CASE("gtfs import: quoted fields, CRLF and a byte-order mark") {
    const auto dir = copy_feed("quoted");
    std::ofstream(dir / "stops.txt", std::ios::binary)
        << "\xEF\xBB\xBFstop_id,stop_name,stop_desc,stop_lat,stop_lon\r\n"
           "A,\"Alpha, \"\"Old\"\" Square\",\"two\r\nlines\",60.0,10.0\r\n"
           "\"B\",Beta,,\"60.0\",10.01\r\n"
           "C,Gamma,,60.0,10.02\r\n";
    std::ofstream(dir / "routes.txt", std::ios::binary)
        << "\xEF\xBB\xBFroute_id,route_short_name,route_type\r\n\"R1\",\"1, fast\",3\r\n";
    const auto r = run(dir, "2024-04-08");
    check_bus_line(r);
    // Our CSV tables allow neither commas nor double quotes in names.
    CHECK(r.net.stop_names[0] == "Alpha; 'Old' Square");
    CHECK(r.net.line_names[0] == "1; fast");
}

TEST_CASE("gtfs import: ids are made valid and unique") {
    const auto dir = copy_feed("ids");
    std::ofstream(dir / "stops.txt", std::ios::binary) << "stop_id,stop_name,stop_lat,stop_lon\n"
                                                          "a:1,Alpha,60.0,10.0\n"
                                                          "a 1,Beta,60.0,10.01\n"
                                                          "C,Gamma,60.0,10.02\n";
    std::string st = read(dir / "stop_times.txt");
    for (auto at = st.find(",A,"); at != std::string::npos; at = st.find(",A,")) st.replace(at, 3, ",a:1,");
    for (auto at = st.find(",B,"); at != std::string::npos; at = st.find(",B,")) st.replace(at, 3, ",a 1,");
    std::ofstream(dir / "stop_times.txt", std::ios::binary) << st;
    const auto r = run(dir, "2024-04-08");
    CHECK(r.net.stop_ids == std::vector<std::string>{"a_1", "a_1_2", "C"});
}

TEST_CASE("gtfs import: trips with another stop sequence form another line") {
    // bus_line plus six trips A -> C (skipping B) every 10 minutes from 09:00, direction 0.
    const auto dir = copy_feed("two_lines");
    {
        std::ofstream trips(dir / "trips.txt", std::ios::app);
        std::ofstream times(dir / "stop_times.txt", std::ios::app);
        for (int k = 0; k < 6; ++k) {
            const std::string id = "X09" + std::to_string(k) + "0";
            const std::string dep = "09:" + std::to_string(k) + "0:00";
            const std::string arr = "09:" + std::to_string(k) + "7:00";
            trips << "R1,WD," << id << ",0\n";
            times << id << "," << dep << "," << dep << ",A,1\n" << id << "," << arr << "," << arr << ",C,2\n";
        }
    }
    const auto r = run(dir, "2024-04-08");
    const auto& net = r.net;
    REQUIRE(net.line_count() == 2);
    CHECK(net.line_ids == std::vector<std::string>{"R1_0_1", "R1_0_2"});  // by first departure
    CHECK(net.line_first_stop == std::vector<std::uint32_t>{0, 3, 5});
    CHECK(net.line_stop == std::vector<std::uint32_t>{0, 1, 2, 0, 2});
    CHECK(net.line_run_time_s == std::vector<std::int32_t>{0, 240, 270, 0, 420});
    // Both lines run every 600 s, 07:00-09:00 and 09:00-10:00: each keeps its own interval.
    CHECK(net.line_first_headway == std::vector<std::uint32_t>{0, 1, 2});
    CHECK(net.headway_from_s == std::vector<std::int32_t>{7 * 3600, 9 * 3600});
    CHECK(net.headway_to_s == std::vector<std::int32_t>{9 * 3600, 10 * 3600});
    CHECK(net.headway_s == std::vector<std::int32_t>{600, 600});
    CHECK(net.vehicle_ids.size() == 1);  // one vehicle type per kind
}

TEST_CASE("gtfs import: a zipped feed gives the same network as the folder") {
    const auto tmp = flemsim::test::scratch("gtfs");
    std::filesystem::create_directories(tmp);
    const auto folder = run(gtfs_data / "bus_line", "2024-04-08");
    SUBCASE("tables at the top of the archive") {
        write_zip(tmp / "bus_line.zip", gtfs_data / "bus_line", "");
        const auto zipped = run(tmp / "bus_line.zip", "2024-04-08");
        check_bus_line(zipped);
        CHECK(zipped.net.stop_ids == folder.net.stop_ids);
        CHECK(zipped.net.line_stop == folder.net.line_stop);
        CHECK(zipped.net.headway_s == folder.net.headway_s);
        CHECK(zipped.report.notes == folder.report.notes);
    }
    SUBCASE("tables in a folder inside the archive") {
        write_zip(tmp / "bus_line_nested.zip", gtfs_data / "bus_line", "bus_line/");
        check_bus_line(run(tmp / "bus_line_nested.zip", "2024-04-08"));
    }
    SUBCASE("a file that is not a zip archive") {
        std::ofstream(tmp / "not_a.zip") << "hello";
        auto net = streets();
        GtfsReport report;
        const auto e = input_error([&] { import_gtfs(tmp / "not_a.zip", GtfsOptions{"2024-04-08"}, net, report); });
        REQUIRE(e);
        CHECK(e->message().starts_with("cannot read the GTFS feed as a zip archive"));
    }
}

TEST_CASE("gtfs import: the day's timetable, the day before's late trips, blocks and transfer rules") {
    // Tuesday 2024-04-09. R1 (bus, extended type 700) runs A -> B -> C: E1 06:00, E2 06:20, S
    // 06:30 (slow: B 06:45, C 07:00), F 06:35 (fast: B 06:38, C 06:42), N 23:50 (past midnight,
    // every day), EV 22:00 (Mondays). R2 (suburban rail, 109) runs G C -> B -> A at 06:12.
    const auto r = run(gtfs_data / "timetable", "2024-04-09");
    const auto& net = r.net;
    const auto inv = core::invalid_index;
    // agency.txt repeats its agency: the first kept, reported with its position.
    CHECK(r.report.agencies == 1);
    CHECK(has_note(r.report, "agency.txt:3: duplicate agency_id 'SL': the first one kept"));
    CHECK(net.stop_ids == std::vector<std::string>{"A", "B", "C"});
    CHECK(net.stop_bike_parking == std::vector<std::uint32_t>{0, 0, 0});
    // F overtakes S (B at 06:38, before S's 06:45): F is a line of its own, R1_0_2.
    CHECK(net.line_ids == std::vector<std::string>{"R1_0_1", "R1_0_2", "R2_1_1"});
    CHECK(r.report.lines_split == 1);
    CHECK(net.line_mode ==
          std::vector<network::LineMode>{network::LineMode::bus, network::LineMode::bus, network::LineMode::rail});
    CHECK(net.vehicle_ids == std::vector<std::string>{"gtfs_rail", "gtfs_bus"});
    CHECK(net.line_stop == std::vector<std::uint32_t>{0, 1, 2, 0, 1, 2, 2, 1, 0});
    // R1_0_1 runs N of the day before, E1, E2, S and N: A -> B takes 900, 240, 240, 900, 900 s
    // (median 900), B -> C 900, 300, 270, 900, 900 s (900); dwell at B 0, 60, 30, 0, 0 s (0).
    CHECK(net.line_run_time_s == std::vector<std::int32_t>{0, 900, 900, 0, 180, 240, 0, 480, 540});
    CHECK(net.line_dwell_s == std::vector<std::int32_t>{0, 0, 0, 0, 0, 0, 0, 60, 0});
    // Every trip of the date with its own times; EV (Mondays) ran the day before and ended at
    // 22:20, so it is not there; N of the day before is, from -0:10:00.
    CHECK(net.trip_ids == std::vector<std::string>{"N_prev", "E1", "E2", "S", "N", "F", "G"});
    CHECK(net.trip_line == std::vector<std::uint32_t>{0, 0, 0, 0, 0, 1, 2});
    CHECK(net.trip_direction == std::vector<std::uint8_t>{0, 0, 0, 0, 0, 0, 0});
    CHECK(net.trip_first_time == std::vector<std::uint32_t>{0, 3, 6, 9, 12, 15, 18, 21});
    CHECK(std::vector<std::int32_t>(net.trip_arrive_s.begin(), net.trip_arrive_s.begin() + 6) ==
          std::vector<std::int32_t>{-600, 300, 1200, 21600, 21840, 22200});
    CHECK(std::vector<std::int32_t>(net.trip_depart_s.begin() + 3, net.trip_depart_s.begin() + 6) ==
          std::vector<std::int32_t>{21600, 21900, 22200});
    CHECK(std::vector<std::int32_t>(net.trip_arrive_s.begin() + 18, net.trip_arrive_s.end()) ==
          std::vector<std::int32_t>{22320, 22800, 23400});
    // Blocks: E1 and G are one vehicle's run (BL1); the day before's N is another run than today's.
    CHECK(net.trip_block == std::vector<std::string>{"NB_prev", "BL1", "", "", "NB", "", "BL1"});
    CHECK(r.report.trips == 7);
    CHECK(r.report.trips_previous_day == 1);
    // Headways summarise the trips: N of the day before in hour 0, three in hour 6, N in hour 23.
    CHECK(net.line_first_headway == std::vector<std::uint32_t>{0, 3, 4, 5});
    CHECK(net.headway_from_s == std::vector<std::int32_t>{0, 6 * 3600, 23 * 3600, 6 * 3600, 6 * 3600});
    CHECK(net.headway_s == std::vector<std::int32_t>{3600, 1200, 3600, 3600, 3600});
    // transfers.txt: B -> B at least 120 s; from R1 to R2 at B at least 300 s, one rule for each
    // line of R1; A -> C not possible; station ST (B) -> C recommended. The rule between two trips
    // is ignored, the one from D (no trips, far from the streets) dropped.
    CHECK(r.report.transfers == 6);
    CHECK(r.report.rules == 5);
    CHECK(r.report.rules_dropped == 1);
    CHECK(has_note(r.report, "1 rows between trips (from_trip_id, to_trip_id) ignored"));
    CHECK(net.rule_from_stop == std::vector<std::uint32_t>{1, 1, 1, 0, 1});
    CHECK(net.rule_to_stop == std::vector<std::uint32_t>{1, 1, 1, 2, 2});
    CHECK(net.rule_from_line == std::vector<std::uint32_t>{inv, 0, 1, inv, inv});
    CHECK(net.rule_to_line == std::vector<std::uint32_t>{inv, 2, 2, inv, inv});
    CHECK(net.rule_type == std::vector<std::uint8_t>{2, 2, 2, 3, 0});
    CHECK(net.rule_min_s == std::vector<std::int32_t>{120, 300, 300, 0, 0});

    SUBCASE("written, loaded back and checked like any network") {
        const auto dir = flemsim::test::scratch("gtfs") / "timetable-network";
        network::write_network(net, dir);
        const auto again = network::load_network(dir);
        CHECK(again.trip_ids == net.trip_ids);
        CHECK(again.trip_line == net.trip_line);
        CHECK(again.trip_block == net.trip_block);
        CHECK(again.trip_first_time == net.trip_first_time);
        CHECK(again.trip_arrive_s == net.trip_arrive_s);
        CHECK(again.trip_depart_s == net.trip_depart_s);
        CHECK(again.rule_from_line == net.rule_from_line);
        CHECK(again.rule_to_line == net.rule_to_line);
        CHECK(again.rule_min_s == net.rule_min_s);
    }
    SUBCASE("on the Monday, EV runs and N of the Sunday before") {
        const auto mon = run(gtfs_data / "timetable", "2024-04-08");
        CHECK(mon.net.trip_ids == std::vector<std::string>{"N_prev", "E1", "E2", "S", "EV", "N", "F", "G"});
    }
}

TEST_CASE("gtfs import: frequencies expanded from the template's departure at its first stop") {
    // T: A 0:28:00-0:30:00, B 0:35:00-0:37:00, C 0:49:00, as GTFS's CITY2 (its first stop leaves at
    // 0:30:00); every 1800 s 06:00-07:00 (exact_times 1) and 23:00-24:30 (exact_times 0).
    const auto r = run(gtfs_data / "freq_template", "2024-04-09");
    const auto& net = r.net;
    // The day before's 24:00:00 departure is still running after midnight (0:00 to 0:19); its
    // 23:00 and 23:30 ones ended before.
    CHECK(net.trip_ids ==
          std::vector<std::string>{"T_240000_prev", "T_060000", "T_063000", "T_230000", "T_233000", "T_240000"});
    CHECK(r.report.trips_from_frequencies == 6);
    CHECK(r.report.trips_previous_day == 1);
    // Started at 06:00: leaves A at 06:00 (arrives 05:58), B 06:05-06:07, reaches C at 06:19.
    CHECK(std::vector<std::int32_t>(net.trip_arrive_s.begin() + 3, net.trip_arrive_s.begin() + 6) ==
          std::vector<std::int32_t>{5 * 3600 + 58 * 60, 6 * 3600 + 5 * 60, 6 * 3600 + 19 * 60});
    CHECK(std::vector<std::int32_t>(net.trip_depart_s.begin() + 3, net.trip_depart_s.begin() + 6) ==
          std::vector<std::int32_t>{6 * 3600, 6 * 3600 + 7 * 60, 6 * 3600 + 19 * 60});
    CHECK(std::vector<std::int32_t>(net.trip_arrive_s.begin(), net.trip_arrive_s.begin() + 3) ==
          std::vector<std::int32_t>{-120, 300, 1140});
    // An expanded trip belongs to no block (the template's X is not a vehicle run of each one).
    CHECK(std::all_of(net.trip_block.begin(), net.trip_block.end(), [](const std::string& b) { return b.empty(); }));
    REQUIRE(net.line_count() == 1);
    CHECK(net.headway_from_s == std::vector<std::int32_t>{0, 6 * 3600, 23 * 3600});
    CHECK(net.headway_to_s == std::vector<std::int32_t>{3600, 7 * 3600, 24 * 3600 + 1800});
    CHECK(net.headway_s == std::vector<std::int32_t>{3600, 1800, 1800});
}

TEST_CASE("gtfs import: stop times without times interpolated by distance") {
    // Stops along 60 N: A at 10.000, B 10.005, C 10.020, D 10.030 E, each with a street node.
    auto streets_abcd = [] {
        network::Network net;
        net.origin_lat = 60;
        net.origin_lon = 10;
        add_node(net, "a", 0, 0);
        add_node(net, "b", 278.3, 0);
        add_node(net, "c", 1113.2, 0);
        add_node(net, "d", 1669.8, 0);
        for (std::uint32_t i = 0; i + 1 < 4; ++i) add_link(net, i, i + 1, network::walk_bit);
        return net;
    };
    Imported r{streets_abcd(), {}};
    import_gtfs(gtfs_data / "distance", GtfsOptions{"2024-04-09"}, r.net, r.report);
    const auto& net = r.net;
    REQUIRE(net.trip_ids == std::vector<std::string>{"P1", "P2"});
    // P1 gives no shape_dist_traveled: straight lines, 0.005 + 0.015 + 0.010 degrees of longitude
    // for the 600 s from A to D: B at 600 * 0.005 / 0.03 = 100 s (07:01:40), C at 600 * 0.02 / 0.03
    // = 400 s (07:06:40). By stop count they would be at 200 and 400 s.
    CHECK(std::vector<std::int32_t>(net.trip_arrive_s.begin(), net.trip_arrive_s.begin() + 4) ==
          std::vector<std::int32_t>{25200, 25300, 25600, 25800});
    // P2 gives 0, 1000, 1500, 3000 m along its shape: B at 600 * 1000 / 3000 = 200 s (08:03:20),
    // C at 300 s (08:05:00).
    CHECK(std::vector<std::int32_t>(net.trip_arrive_s.begin() + 4, net.trip_arrive_s.end()) ==
          std::vector<std::int32_t>{28800, 29000, 29100, 29400});
    CHECK(net.trip_depart_s == net.trip_arrive_s);
}

TEST_CASE("gtfs import: feeds as published") {
    SUBCASE("an empty frequencies.txt is no frequencies") {
        const auto dir = copy_feed("empty_frequencies");
        std::ofstream(dir / "frequencies.txt") << "";
        check_bus_line(run(dir, "2024-04-08"));
        std::ofstream(dir / "frequencies.txt") << "trip_id,start_time,end_time,headway_secs\n";
        check_bus_line(run(dir, "2024-04-08"));
    }
    SUBCASE("header names with blanks, short rows, no final line end") {
        const auto dir = copy_feed("ragged");
        std::string st = read(dir / "stop_times.txt");
        st.replace(0, st.find('\n'),
                   " trip_id , arrival_time,departure_time,stop_id,stop_sequence,pickup_type,drop_off_type ");
        while (!st.empty() && st.back() == '\n') st.pop_back();
        std::ofstream(dir / "stop_times.txt", std::ios::binary) << st;
        check_bus_line(run(dir, "2024-04-08"));
    }
    SUBCASE("a feed error that cannot be worked around keeps its position") {
        const auto dir = copy_feed("bad_transfer");
        std::ofstream(dir / "transfers.txt") << "from_stop_id,to_stop_id,transfer_type,min_transfer_time\nA,B,2,-5\n";
        auto net = streets();
        GtfsReport report;
        const auto e = input_error([&] { import_gtfs(dir, GtfsOptions{"2024-04-08"}, net, report); });
        REQUIRE(e);
        CHECK(e->pos().file.ends_with("transfers.txt"));
        CHECK(e->pos().line == 2);
        CHECK(e->pos().column == 7);
        CHECK(e->message() == "min_transfer_time: must be 0..86400 s, got -5");
        CHECK(net.trip_count() == 0);
        CHECK(net.rule_count() == 0);
    }
}

namespace {
// A real pair as `flemsim network build` makes it: streets, the feeds, grid zones, written and
// loaded back with the checks of any network.
struct Built {
    network::Network net;
    std::vector<GtfsReport> reports;
};
Built build_real(const std::filesystem::path& osm, const std::vector<std::filesystem::path>& feeds,
                 const std::string& date, double max_stop_link_m, const std::string& name) {
    Built b;
    network::import::OsmReport osm_report;
    network::import::import_osm(osm, {}, b.net, osm_report);
    for (const auto& feed : feeds) {
        GtfsReport report;
        import_gtfs(feed, GtfsOptions{date, max_stop_link_m}, b.net, report);
        b.reports.push_back(report);
    }
    std::vector<std::string> notes;
    network::import::add_zones(b.net, network::import::grid_zones(b.net, 500), notes);
    const auto dir = flemsim::test::scratch("gtfs") / name;
    network::write_network(b.net, dir);
    const auto again = network::load_network(dir);
    CHECK(again.trip_ids == b.net.trip_ids);
    CHECK(again.trip_arrive_s == b.net.trip_arrive_s);
    CHECK(again.trip_depart_s == b.net.trip_depart_s);
    CHECK(again.rule_type == b.net.rule_type);
    return b;
}
}  // namespace

TEST_CASE("gtfs import: real feeds") {
    SUBCASE("Terre Haute: stop times to interpolate, a header-only frequencies.txt") {
        const auto dir = flemsim::test::shared_data("data/gtfs/terre-haute");
        if (!dir) return;
        const auto b =
            build_real(*dir / "terre_haute.osm.pbf", {*dir / "terre-haute-gtfs.zip"}, "2017-10-02", 300, "terre-haute");
        CHECK(b.reports[0].trips_on_date == 144);
        CHECK(b.reports[0].trips == 144);
        CHECK(b.net.trip_count() == 144);
        CHECK(b.net.line_count() >= 11);
    }
    SUBCASE("Porto Alegre: two feeds, many stops outside the extract") {
        const auto dir = flemsim::test::shared_data("data/gtfs/porto-alegre");
        if (!dir) return;
        const auto b = build_real(*dir / "poa_osm.pbf", {*dir / "poa_eptc.zip", *dir / "poa_trensurb.zip"},
                                  "2019-05-06", 300, "porto-alegre");
        REQUIRE(b.reports.size() == 2);
        CHECK(b.reports[0].trips_on_date == 2374);
        CHECK(b.reports[0].stops_unlinked > 0);  // reported, not fatal
        CHECK(b.reports[1].stops_unlinked > 0);
        CHECK(b.reports[1].stops > 0);  // the metro's stations inside the extract
        CHECK(b.net.trip_count() == b.reports[0].trips + b.reports[1].trips);
        CHECK(b.net.trip_count() > 2000);
    }
    SUBCASE("Beatty: the GTFS reference's sample feed") {
        const auto dir = flemsim::test::shared_data("data/gtfs/beatty");
        if (!dir) return;
        // The airport, Furnace Creek and Amargosa Valley lie far outside the town's extract: a
        // link distance of 50 km keeps them, so that every trip and rule is there.
        const auto b = build_real(*dir / "beatty.osm", {*dir / "sample-feed"}, "2007-01-01", 50000, "beatty-mon");
        const auto& net = b.net;
        // CITY2 started at 06:00 reaches NANAA (its 0:49:00, 19 min after leaving EMSI at 0:30:00) at 06:19.
        const auto t = std::find(net.trip_ids.begin(), net.trip_ids.end(), "CITY2_060000") - net.trip_ids.begin();
        REQUIRE(static_cast<std::size_t>(t) < net.trip_count());
        const auto line = net.trip_line[static_cast<std::size_t>(t)];
        const auto first = net.trip_first_time[static_cast<std::size_t>(t)];
        CHECK(net.stop_ids[net.line_stop[net.line_first_stop[line] + 3]] == "NANAA");
        CHECK(net.trip_arrive_s[first + 3] == 6 * 3600 + 19 * 60);
        // Monday: no AAMV (weekends); the FUNNY_BLOCK chain but for its Saturday trip, block 3.
        const auto has = [&](const char* id) {
            return std::find(net.trip_ids.begin(), net.trip_ids.end(), id) != net.trip_ids.end();
        };
        CHECK(!has("AAMV1"));
        CHECK(has("FUNNY_BLOCK_AB1"));
        CHECK(!has("FUNNY_BLOCK_NADAVAMV1"));
        const auto block_of = [&](const char* id) {
            return net.trip_block[static_cast<std::size_t>(std::find(net.trip_ids.begin(), net.trip_ids.end(), id) -
                                                           net.trip_ids.begin())];
        };
        CHECK(block_of("AB1") == "1");
        CHECK(block_of("BFC1") == "1");
        CHECK(block_of("AB3_NO_BLOCK").empty());
        CHECK(block_of("FUNNY_BLOCK_FCAMV1") == "3");
        // STBA every 30 min 06:00-21:30, CITY1 and CITY2 by their frequencies: 32 + 2 * 52.
        CHECK(b.reports[0].trips_from_frequencies == 136);
        // transfers.txt at BEATTY_AIRPORT: 660 s in general; to route AB 0 s and from it 1200 s,
        // each for AB's two lines (one per direction).
        const auto airport = net.find_stop("BEATTY_AIRPORT");
        const auto ab0 = net.find_line("AB_0_1"), ab1 = net.find_line("AB_1_1");
        const auto inv = core::invalid_index;
        CHECK(net.rule_from_stop == std::vector<std::uint32_t>(5, airport));
        CHECK(net.rule_to_stop == std::vector<std::uint32_t>(5, airport));
        CHECK(net.rule_from_line == std::vector<std::uint32_t>{inv, inv, inv, ab0, ab1});
        CHECK(net.rule_to_line == std::vector<std::uint32_t>{inv, ab0, ab1, inv, inv});
        CHECK(net.rule_min_s == std::vector<std::int32_t>{660, 0, 0, 1200, 1200});
        // Saturday: AAMV1-4 and the Saturday FUNNY_BLOCK trip run; FUNNY_BLOCK_BFC1 (weekdays) does not.
        const auto sat = build_real(*dir / "beatty.osm", {*dir / "sample-feed"}, "2007-01-06", 50000, "beatty-sat");
        const auto has_sat = [&](const char* id) {
            return std::find(sat.net.trip_ids.begin(), sat.net.trip_ids.end(), id) != sat.net.trip_ids.end();
        };
        CHECK(has_sat("AAMV1"));
        CHECK(has_sat("AAMV4"));
        CHECK(has_sat("FUNNY_BLOCK_NADAVAMV1"));
        CHECK(!has_sat("FUNNY_BLOCK_BFC1"));
    }
}
