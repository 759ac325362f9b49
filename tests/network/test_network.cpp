#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/network/check.hpp"
#include "sim/network/network.hpp"
#include "sim/network/write.hpp"
#include "tests/scratch.hpp"

#include <fmt/format.h>

using namespace flemsim;

namespace {
const std::filesystem::path tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny";

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A copy of the tiny network with `file` replaced by `text`.
std::filesystem::path broken(const std::string& case_name, const std::string& file, const std::string& text) {
    const auto dir = flemsim::test::scratch("network") / case_name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    for (const auto& e : std::filesystem::directory_iterator(tiny))
        std::filesystem::copy_file(e.path(), dir / e.path().filename());
    std::ofstream(dir / file) << text;
    return dir;
}

// The tiny network's `file` with `from` replaced by `to` (which must occur).
std::filesystem::path edited(const std::string& case_name, const std::string& file, const std::string& from,
                             const std::string& to) {
    std::string text = read(tiny / file);
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return broken(case_name, file, text);
}

std::string error_of(const std::filesystem::path& dir) {
    try {
        network::load_network(dir);
    } catch (const core::InputError& e) {
        return e.what();
    }
    return "(no error)";
}
}  // namespace

TEST_CASE("the tiny network loads") {
    const auto net = network::load_network(tiny);
    CHECK(net.name == "Tiny");
    CHECK(net.node_count() == 7);
    CHECK(net.link_count() == 6);
    CHECK(net.zone_count() == 3);
    CHECK(net.stop_count() == 3);
    CHECK(net.line_count() == 1);
    CHECK(net.link_car_speed_mps[0] == doctest::Approx(10.0));
    CHECK(net.link_modes[5] == network::walk_bit);
    // Zone nodes: west = a0, a1; the gateway has its centroid.
    const auto west = net.find_zone("west");
    CHECK(net.zone_first_node[west + 1] - net.zone_first_node[west] == 2);
    const auto city = net.find_zone("city");
    CHECK(net.zone_nodes[net.zone_first_node[city]] == net.find_node("gw"));
    CHECK(net.zone_modes[city] == (network::car_bit | network::transit_bit));
    // Headways by time of day.
    CHECK(net.headway_at(0, 4 * 3600) == 0);
    CHECK(net.headway_at(0, 5 * 3600) == 600);
    CHECK(net.headway_at(0, 24 * 3600) == 0);
    // Projection round trip of the origin.
    const auto [lat, lon] = net.to_lat_lon(0, 0);
    CHECK(lat == doctest::Approx(59.2180));
    CHECK(lon == doctest::Approx(17.9457));
    CHECK(net.file_hashes.size() == 9);
}

TEST_CASE("a broken network is an error with its position") {
    SUBCASE("unknown node in a link, with a suggestion") {
        const auto d = edited("unknown-node", "links.csv", "l12,a1,a2", "l12,a1,a9");
        CHECK(error_of(d) == (d / "links.csv").string() + ":3:8: to: unknown node 'a9' (did you mean 'a0'?)");
        const auto e = edited("unknown-node2", "links.csv", "l12,a1,a2", "l12,a1,aa2");
        CHECK(error_of(e) == (e / "links.csv").string() + ":3:8: to: unknown node 'aa2' (did you mean 'a2'?)");
    }
    SUBCASE("non-positive length") {
        const auto d = edited("neg-length", "links.csv", "l23,a2,a3,200", "l23,a2,a3,-5");
        CHECK(error_of(d) == (d / "links.csv").string() + ":4:11: length_m: must be > 0, got -5");
    }
    SUBCASE("zero car speed") {
        const auto d = edited("zero-speed", "links.csv", "l34,a3,a4,200,residential,walk|bike|car,no,36",
                              "l34,a3,a4,200,residential,walk|bike|car,no,0");
        CHECK(error_of(d) == (d / "links.csv").string() + ":5:44: car_speed_kph: must be > 0, got 0");
    }
    SUBCASE("unknown mode") {
        const auto d = edited("bad-mode", "links.csv", "l01,a0,a1,200,residential,walk|bike|car",
                              "l01,a0,a1,200,residential,walk|bkie|car");
        CHECK(error_of(d) ==
              (d / "links.csv").string() +
                  ":2:27: modes: unknown mode 'bkie' (modes are separated by '|') (did you mean 'bike'?)");
    }
    SUBCASE("duplicate id") {
        const auto d = edited("dup", "nodes.csv", "a1,200,0,west", "a0,200,0,west");
        CHECK(error_of(d) == (d / "nodes.csv").string() + ":4:1: id: duplicate node id 'a0'");
    }
    SUBCASE("a zone that a needed mode cannot reach") {
        // Without l23 the east zone is cut off from the west for walk and bike (car still
        // goes round through the gateway? no: the regional road ends at the gateway).
        std::string links = read(tiny / "links.csv");
        links.erase(links.find("l23"), links.find("l34") - links.find("l23"));
        const auto d = broken("cut", "links.csv", links);
        const auto msg = error_of(d);
        CHECK(msg.find("nodes.csv:") != std::string::npos);
        CHECK(msg.find("cannot be reached both ways by walk") != std::string::npos);
    }
    SUBCASE("a zone that needs transit but reaches no stop") {
        const auto d = edited("no-stop", "links.csv", "cg,gw,gws,400,connector,walk", "cg,gw,gws,400,connector,bike");
        CHECK(error_of(d).find((d / "zones.csv").string() +
                               ":4:1: zone 'city' needs transit but no stop can be reached on foot") !=
              std::string::npos);
    }
    SUBCASE("line with one stop, bad sequence, bad run time") {
        const auto d = broken("one-stop", "line_stops.csv", "line,seq,stop,run_time_s,dwell_s\nr1,1,st_west,0,0\n");
        CHECK(error_of(d).find("line 'r1' needs at least two stops") != std::string::npos);
        const auto e = edited("seq", "line_stops.csv", "r1,3,st_city", "r1,4,st_city");
        CHECK(error_of(e) == (e / "line_stops.csv").string() + ":4:4: seq: expected seq 3 for line 'r1', got 4");
        const auto f = edited("run", "line_stops.csv", "r1,2,st_east,60", "r1,2,st_east,0");
        CHECK(error_of(f) == (f / "line_stops.csv").string() + ":3:14: run_time_s: must be > 0, got 0");
    }
    SUBCASE("negative headway and overlapping intervals") {
        const auto d = edited("neg-headway", "headways.csv", "24:00:00,600", "24:00:00,-600");
        CHECK(error_of(d) == (d / "headways.csv").string() + ":2:22: headway_s: must be > 0, got -600");
        const auto e = broken("overlap", "headways.csv",
                              "line,from,to,headway_s\nr1,05:00:00,10:00:00,600\nr1,09:00:00,12:00:00,300\n");
        CHECK(error_of(e) ==
              (e / "headways.csv").string() + ":3:1: headway interval of line 'r1' overlaps the one on line 2");
        const auto f = edited("bad-time", "headways.csv", "05:00:00", "5 o'clock");
        CHECK(error_of(f).find("headways.csv:2:4: from: expected a time HH:MM:SS") != std::string::npos);
    }
    SUBCASE("a missing table") {
        const auto d = broken("missing", "nodes.csv", "");
        std::filesystem::remove(d / "stops.csv");
        CHECK(error_of(d) == (d / "stops.csv").string() + ": network table missing");
    }
    SUBCASE("car attributes on a link without car access") {
        const auto d = edited("car-attrs", "links.csv", "cg,gw,gws,400,connector,walk,no,,",
                              "cg,gw,gws,400,connector,walk,no,50,");
        CHECK(error_of(d).find("car_speed_kph: must be empty on a link without car access") != std::string::npos);
    }
}

TEST_CASE("a line serving a stop on a node without links is refused at its row") {
    const auto d = edited("stop-unlinked", "nodes.csv", "gws,5000,400,\n", "gws,5000,400,\nlonely,900,900,\n");
    std::string stops = read(d / "stops.csv");
    stops.replace(stops.find("st_east,East station,a4"), 23, "st_east,East station,lonely");
    std::ofstream(d / "stops.csv") << stops;
    CHECK(error_of(d) == (d / "line_stops.csv").string() +
                             ":3:6: stop: stop 'st_east' is on node 'lonely', which has no links (connect the node "
                             "with a link, or put the stop on a node of the network)");
}

TEST_CASE("a written network loads back the same") {
    const auto net = network::load_network(tiny);
    const auto dir = flemsim::test::scratch("network") / "written";
    std::filesystem::remove_all(dir);
    network::write_network(net, dir);
    const auto again = network::load_network(dir);
    CHECK(again.name == net.name);
    CHECK(again.origin_lat == doctest::Approx(net.origin_lat));
    CHECK(again.node_ids == net.node_ids);
    CHECK(again.node_x_m == net.node_x_m);
    CHECK(again.node_zone == net.node_zone);
    CHECK(again.link_from == net.link_from);
    CHECK(again.link_modes == net.link_modes);
    CHECK(again.link_length_m == net.link_length_m);
    CHECK(again.link_capacity_veh_per_h == net.link_capacity_veh_per_h);
    CHECK(again.zone_ids == net.zone_ids);
    CHECK(again.zone_modes == net.zone_modes);
    CHECK(again.stop_node == net.stop_node);
    CHECK(again.line_stop == net.line_stop);
    CHECK(again.line_run_time_s == net.line_run_time_s);
    CHECK(again.line_on_road == net.line_on_road);
    CHECK(again.headway_from_s == net.headway_from_s);
    CHECK(again.headway_s == net.headway_s);
    // Written again over the first: replaced whole, nothing left beside it.
    network::write_network(again, dir);
    CHECK(std::distance(std::filesystem::directory_iterator(dir.parent_path()), {}) >= 1);
    for (const auto& e : std::filesystem::directory_iterator(dir.parent_path()))
        CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
}

namespace {
// The tiny network with parking at two stops, timetable trips of line r1 (stops st_west,
// st_east, st_city; it runs both ways) and transfer rules.
std::filesystem::path with_timetable(const std::string& case_name) {
    const auto dir = broken(case_name, "stops.csv",
                            "id,name,node,bike_parking,car_parking\n"
                            "st_west,West station,a0,40,\n"
                            "st_east,East station,a4,,\n"
                            "st_city,City station,gws,0,120\n");
    std::ofstream(dir / "trips.csv") << "id,line,direction,block\n"
                                        "t1,r1,0,b1\n"
                                        "t2,r1,1,\n"
                                        "t0,r1,0,b1\n";
    std::ofstream(dir / "trip_times.csv") << "trip,seq,arrival,departure\n"
                                             "t1,1,6:00:00,6:00:00\n"
                                             "t1,2,06:01:00,06:01:30\n"
                                             "t1,3,6:06:30,6:06:30\n"
                                             "t2,1,24:10:00,24:10:00\n"
                                             "t2,2,24:15:00,24:15:30\n"
                                             "t2,3,24:16:30,24:17:00\n"
                                             "t0,1,-0:30:00,-0:30:00\n"
                                             "t0,2,-0:29:00,-0:28:30\n"
                                             "t0,3,0:05:00,0:05:00\n";
    std::ofstream(dir / "transfers.csv") << "from_stop,to_stop,from_line,to_line,type,min_transfer_s\n"
                                            "st_east,st_east,,,2,180\n"
                                            "st_east,st_east,r1,r1,1,\n"
                                            "st_west,st_city,,r1,3,\n";
    return dir;
}
}  // namespace

TEST_CASE("timetable trips, parking and transfer rules load") {
    const auto net = network::load_network(with_timetable("timetable"));
    CHECK(net.stop_bike_parking == std::vector<std::uint32_t>{40, 0, 0});
    CHECK(net.stop_car_parking == std::vector<std::uint32_t>{0, 0, 120});
    CHECK(net.trip_ids == std::vector<std::string>{"t1", "t2", "t0"});
    CHECK(net.trip_line == std::vector<std::uint32_t>{0, 0, 0});
    CHECK(net.trip_direction == std::vector<std::uint8_t>{0, 1, 0});
    CHECK(net.trip_block == std::vector<std::string>{"b1", "", "b1"});
    CHECK(net.trip_first_time == std::vector<std::uint32_t>{0, 3, 6, 9});
    // 24:10:00 is 87000 s; -0:30:00 is 1800 s before midnight.
    CHECK(net.trip_arrive_s == std::vector<std::int32_t>{21600, 21660, 21990, 87000, 87300, 87390, -1800, -1740, 300});
    CHECK(net.trip_depart_s == std::vector<std::int32_t>{21600, 21690, 21990, 87000, 87330, 87420, -1800, -1710, 300});
    const auto inv = core::invalid_index;
    CHECK(net.rule_from_stop == std::vector<std::uint32_t>{1, 1, 0});
    CHECK(net.rule_to_stop == std::vector<std::uint32_t>{1, 1, 2});
    CHECK(net.rule_from_line == std::vector<std::uint32_t>{inv, 0, inv});
    CHECK(net.rule_to_line == std::vector<std::uint32_t>{inv, 0, 0});
    CHECK(net.rule_type == std::vector<std::uint8_t>{2, 1, 3});
    CHECK(net.rule_min_s == std::vector<std::int32_t>{180, 0, 0});
    CHECK(net.file_hashes.size() == 12);

    SUBCASE("written and loaded back exactly") {
        const auto dir = flemsim::test::scratch("network") / "timetable-written";
        network::write_network(net, dir);
        const auto again = network::load_network(dir);
        CHECK(again.stop_bike_parking == net.stop_bike_parking);
        CHECK(again.stop_car_parking == net.stop_car_parking);
        CHECK(again.trip_ids == net.trip_ids);
        CHECK(again.trip_line == net.trip_line);
        CHECK(again.trip_direction == net.trip_direction);
        CHECK(again.trip_block == net.trip_block);
        CHECK(again.trip_first_time == net.trip_first_time);
        CHECK(again.trip_arrive_s == net.trip_arrive_s);
        CHECK(again.trip_depart_s == net.trip_depart_s);
        CHECK(again.rule_from_stop == net.rule_from_stop);
        CHECK(again.rule_to_stop == net.rule_to_stop);
        CHECK(again.rule_from_line == net.rule_from_line);
        CHECK(again.rule_to_line == net.rule_to_line);
        CHECK(again.rule_type == net.rule_type);
        CHECK(again.rule_min_s == net.rule_min_s);
        CHECK(read(dir / "trip_times.csv").find("t0,1,-00:30:00,-00:30:00\n") != std::string::npos);
        CHECK(read(dir / "stops.csv")
                  .starts_with("id,name,node,bike_parking,car_parking\nst_west,West station,a0,40,0\n"));
    }
    SUBCASE("a network without them reads zeros and writes none") {
        const auto tiny_net = network::load_network(tiny);
        CHECK(tiny_net.stop_bike_parking == std::vector<std::uint32_t>{0, 0, 0});
        CHECK(tiny_net.trip_count() == 0);
        CHECK(tiny_net.trip_first_time == std::vector<std::uint32_t>{0});
        CHECK(tiny_net.rule_count() == 0);
        const auto dir = flemsim::test::scratch("network") / "plain-written";
        network::write_network(tiny_net, dir);
        CHECK(read(dir / "stops.csv").starts_with("id,name,node\n"));
        CHECK(!std::filesystem::exists(dir / "trips.csv"));
        CHECK(!std::filesystem::exists(dir / "transfers.csv"));
    }
}

TEST_CASE("broken timetable tables are errors with their position") {
    const auto with = [](const std::string& name, const std::string& file, const std::string& from,
                         const std::string& to) {
        const auto dir = with_timetable(name);
        std::string text = read(dir / file);
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), to);
        std::ofstream(dir / file) << text;
        return dir;
    };
    SUBCASE("negative parking") {
        const auto d = with("parking", "stops.csv", "a0,40,", "a0,-4,");
        CHECK(error_of(d) ==
              (d / "stops.csv").string() + ":2:25: bike_parking: expected a number of spaces 0..1000000, got -4");
    }
    SUBCASE("trip_times.csv without trips.csv") {
        const auto d = with_timetable("no-trips");
        std::filesystem::remove(d / "trips.csv");
        CHECK(error_of(d) == (d / "trips.csv").string() + ": network table missing (trip_times.csv needs it)");
    }
    SUBCASE("an unknown line, a bad direction") {
        const auto d = with("trip-line", "trips.csv", "t2,r1,1", "t2,r2,1");
        CHECK(error_of(d) == (d / "trips.csv").string() + ":3:4: line: unknown line 'r2' (did you mean 'r1'?)");
        const auto e = with("trip-dir", "trips.csv", "t2,r1,1", "t2,r1,2");
        CHECK(error_of(e) == (e / "trips.csv").string() + ":3:7: direction: expected 0 or 1, got 2");
    }
    SUBCASE("direction 1 on a line that runs one way") {
        const auto d = with("one-way", "trips.csv", "t2,r1,1", "t2,r1,1");
        std::ofstream(d / "lines.csv") << "id,name,mode,vehicle,road,directions\nr1,Rail 1,rail,train,no,forward\n";
        CHECK(error_of(d) == (d / "trips.csv").string() +
                                 ":3:7: direction: line 'r1' runs one way only (lines.csv directions forward) (use "
                                 "direction 0, or let the line run both ways)");
    }
    SUBCASE("bad times") {
        const auto d = with("bad-time", "trip_times.csv", "t1,2,06:01:00", "t1,2,6h01");
        CHECK(error_of(d) == (d / "trip_times.csv").string() +
                                 ":3:6: arrival: expected a time H:MM:SS or HH:MM:SS (a leading '-' for the day "
                                 "before), got '6h01'");
        const auto e = with("minutes", "trip_times.csv", "t1,2,06:01:00", "t1,2,06:61:00");
        CHECK(error_of(e) ==
              (e / "trip_times.csv").string() + ":3:6: arrival: minutes and seconds must be < 60, got '06:61:00'");
        const auto f = with("dwell", "trip_times.csv", "t1,2,06:01:00,06:01:30", "t1,2,06:01:00,06:00:30");
        CHECK(error_of(f) == (f / "trip_times.csv").string() +
                                 ":3:15: departure: trip 't1' departs at 06:00:30, before it arrives at 06:01:00");
        const auto g = with("backwards", "trip_times.csv", "t1,3,6:06:30", "t1,3,6:01:10");
        CHECK(error_of(g) == (g / "trip_times.csv").string() +
                                 ":4:6: arrival: trip 't1' arrives at 06:01:10, before it left the previous stop at "
                                 "06:01:30");
    }
    SUBCASE("a trip with a stop missing or too many") {
        const auto d = with("short", "trip_times.csv", "t1,3,6:06:30,6:06:30\n", "");
        CHECK(error_of(d) == (d / "trips.csv").string() +
                                 ":2:1: trip 't1' has 2 rows in trip_times.csv, but line 'r1' has 3 stops (one row "
                                 "per stop of the line, in the trip's direction)");
        const auto e =
            with("long", "trip_times.csv", "t1,3,6:06:30,6:06:30\n", "t1,3,6:06:30,6:06:30\nt1,4,6:07:00,6:07:00\n");
        CHECK(error_of(e) ==
              (e / "trip_times.csv").string() + ":5:4: seq: trip 't1' has more times than line 'r1' has stops (3)");
        const auto f = with("seq", "trip_times.csv", "t1,2,", "t1,3,");
        CHECK(error_of(f) == (f / "trip_times.csv").string() + ":3:4: seq: expected seq 2 for trip 't1', got 3");
    }
    SUBCASE("trips of a line that overtake one another") {
        // t0 leaves st_west before t1 but reaches st_city after it.
        const auto d = with("overtake", "trip_times.csv", "t0,3,0:05:00,0:05:00", "t0,3,6:07:00,6:07:00");
        CHECK(error_of(d) == (d / "trips.csv").string() +
                                 ":4:1: trips 't0' and 't1' of line 'r1' overtake one another at stop 'st_city' (the "
                                 "trips of a line keep their order at every stop: put one of them on a line of its "
                                 "own)");
    }
    SUBCASE("transfer rules") {
        const auto d = with("rule-min", "transfers.csv", "st_east,st_east,,,2,180", "st_east,st_east,,,2,");
        CHECK(error_of(d) == (d / "transfers.csv").string() + ":2:21: min_transfer_s: must not be empty");
        const auto e = with("rule-type", "transfers.csv", "r1,r1,1,", "r1,r1,4,");
        CHECK(error_of(e).starts_with((e / "transfers.csv").string() + ":3:23: type: expected 0 (recommended)"));
        const auto f = with("rule-extra", "transfers.csv", "r1,r1,1,", "r1,r1,1,60");
        CHECK(error_of(f) == (f / "transfers.csv").string() +
                                 ":3:25: min_transfer_s: only a rule of type 2 (minimum time) has a minimum time "
                                 "(leave it empty)");
        const auto g = with("rule-dup", "transfers.csv", "st_west,st_city,,r1,3,", "st_east,st_east,,,3,");
        CHECK(error_of(g) ==
              (g / "transfers.csv").string() +
                  ":4:1: from_stop: a second rule for the same stops and lines (the first is on line 2)");
        const auto h = with("rule-stop", "transfers.csv", "st_west,st_city", "st_west,st_cty");
        CHECK(error_of(h) ==
              (h / "transfers.csv").string() + ":4:9: to_stop: unknown stop 'st_cty' (did you mean 'st_city'?)");
    }
}

namespace {
// A hand-made network for the parking warnings: a road r0 - r1 (walk, bike, car), stop 'near' 100 m
// from r1 by a footpath, stop 'far' at the end of an 800 m footpath from r0, and stop 'island' on
// footpaths that reach no road.
network::Network parking_net() {
    network::Network net;
    net.folder = "parks";
    net.node_ids = {"r0", "r1", "near", "far", "island", "island2"};
    const auto link = [&net](std::uint32_t a, std::uint32_t b, double m, std::uint8_t modes) {
        net.link_ids.push_back("l" + std::to_string(net.link_ids.size()));
        net.link_from.push_back(a);
        net.link_to.push_back(b);
        net.link_length_m.push_back(m);
        net.link_modes.push_back(modes);
        net.link_oneway.push_back(0);
    };
    link(0, 1, 300, network::walk_bit | network::bike_bit | network::car_bit);
    link(1, 2, 100, network::walk_bit);
    link(0, 3, 800, network::walk_bit);
    link(4, 5, 50, network::walk_bit);
    net.stop_ids = {"near", "far", "island"};
    net.stop_node = {2, 3, 4};
    net.stop_car_parking = {50, 30, 0};
    net.stop_bike_parking = {20, 0, 10};
    return net;
}
}  // namespace

TEST_CASE("a stop with parking far from the roads is a warning, not an error") {
    auto net = parking_net();
    const auto w = network::network_warnings(net);
    REQUIRE(w.size() == 2);
    const auto file = (std::filesystem::path("parks") / "stops.csv").string();
    CHECK(w[0] == file +
                      ": stop 'far' has 30 car parking spaces, but the nearest node with car links in and out is "
                      "800 m away on foot (more than 500 m)");
    CHECK(w[1] == file +
                      ": stop 'island' has 10 bike parking spaces, but no node with bike links in and out is "
                      "within 2000 m on foot");
    SUBCASE("a one-way road can be entered at one end and left at the other only") {
        net.link_oneway[0] = 1;  // r0 -> r1: cars leave r0 and enter r1, neither both
        const auto one_way = network::network_warnings(net);
        REQUIRE(one_way.size() == 4);
        CHECK(one_way[0].find("stop 'near' has 50 car parking spaces, but no node") != std::string::npos);
        CHECK(one_way[1].find("stop 'near' has 20 bike parking spaces, but no node") != std::string::npos);
    }
    SUBCASE("within 500 m on foot there is nothing to say") {
        net.link_length_m[2] = 500;
        CHECK(network::network_warnings(net).size() == 1);
    }
}

TEST_CASE("the Flemingsberg network has a car and a bike park near every station with spaces") {
    const auto net = network::load_network(std::filesystem::path(FLEMSIM_SOURCE_DIR) / "networks" / "flemingsberg");
    CHECK(network::network_warnings(net).empty());
}

namespace {
// The tiny network with its coordinates in SWEREF 99 TM (EPSG:3006): node a0, at the local
// plane's origin (59.2180 N, 17.9457 E), moved to where PROJ puts that point.
constexpr double a0_easting = 668131.016031233, a0_northing = 6568041.21243061;  // gdaltransform

std::filesystem::path in_sweref(const std::string& case_name, const std::string& crs_line) {
    std::string nodes;
    std::istringstream in(read(tiny / "nodes.csv"));
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> cells;
        std::stringstream row(line);
        for (std::string c; std::getline(row, c, ',');) cells.push_back(c);
        if (line.empty() || line[0] == '#' || cells[0] == "id" || cells.size() < 3) {
            nodes += line + "\n";
            continue;
        }
        nodes += fmt::format("{},{:.3f},{:.3f},{}\n", cells[0], std::stod(cells[1]) + a0_easting,
                             std::stod(cells[2]) + a0_northing, cells.size() > 3 ? cells[3] : "");
    }
    const auto dir = broken(case_name, "nodes.csv", nodes);
    std::ofstream(dir / "network.yaml") << "format: 1\nname: tiny in SWEREF\n" << crs_line;
    return dir;
}
}  // namespace

TEST_CASE("a network whose coordinates state a CRS converts through PROJ") {
    const auto net = network::load_network(in_sweref("sweref", "crs: EPSG:3006\n"));
    CHECK(net.crs == "EPSG:3006");
    const auto a0 = net.find_node("a0");
    const auto [lat, lon] = net.to_lat_lon(net.node_x_m[a0], net.node_y_m[a0]);
    CHECK(lat == doctest::Approx(59.2180).epsilon(1e-9));
    CHECK(lon == doctest::Approx(17.9457).epsilon(1e-9));
    const auto [x, y] = net.to_x_y(lat, lon);
    CHECK(std::abs(x - net.node_x_m[a0]) < 0.001);
    CHECK(std::abs(y - net.node_y_m[a0]) < 0.001);
    // 5 km east along the easting is about 5 km on the ground: SWEREF 99 TM's scale here is
    // 0.9996 at 15 E, about 0.99995 at 17.9 E (so within 0.01 %).
    const auto gw = net.find_node("gw");
    const auto [glat, glon] = net.to_lat_lon(net.node_x_m[gw], net.node_y_m[gw]);
    // On the GRS 80 ellipsoid, over 5 km: the radii of curvature at the mean latitude (within a
    // millimetre of the geodesic at this length).
    const double a = 6378137.0, e2 = 0.00669438002290, rad = 3.14159265358979323846 / 180;
    const double phi = (lat + glat) / 2 * rad, w = std::sqrt(1 - e2 * std::sin(phi) * std::sin(phi));
    const double m = a * (1 - e2) / (w * w * w), n = a / w;
    const double ground = std::hypot(m * (glat - lat) * rad, n * std::cos(phi) * (glon - lon) * rad);
    CHECK(ground == doctest::Approx(5000.0).epsilon(0.0001));

    SUBCASE("written and read back with its CRS") {
        const auto dir = flemsim::test::scratch("network") / "sweref-written";
        std::filesystem::remove_all(dir);
        network::write_network(net, dir);
        CHECK(read(dir / "network.yaml").find("crs: \"EPSG:3006\"") != std::string::npos);
        CHECK(network::load_network(dir).crs == "EPSG:3006");
    }
    SUBCASE("a CRS PROJ does not know, a geographic one, or both keys") {
        CHECK(error_of(in_sweref("bad-crs", "crs: EPSG:999999\n")).find("network.yaml:3:6: crs:") != std::string::npos);
        CHECK(error_of(in_sweref("geographic", "crs: EPSG:4326\n")).find("not a projected CRS") != std::string::npos);
        CHECK(error_of(in_sweref("both", "crs: EPSG:3006\nprojection: {origin_lat: 59, origin_lon: 18}\n"))
                  .find("either crs or projection") != std::string::npos);
    }
}
