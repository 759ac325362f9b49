#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/network/network.hpp"
#include "sim/network/write.hpp"

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
    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-network" / case_name;
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
    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-network" / "written";
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
