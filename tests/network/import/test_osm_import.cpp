#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <geodesic.h>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/io/any_output.hpp>

#include "sim/core/error.hpp"
#include "sim/core/types.hpp"
#include "sim/network/import/osm_import.hpp"
#include "sim/network/write.hpp"
#include "tests/scratch.hpp"
#include "tests/shared_data.hpp"

using namespace flemsim;
using network::Network;
using network::import::import_osm;
using network::import::OsmOptions;
using network::import::OsmReport;

namespace {

const std::filesystem::path osm_dir = std::filesystem::path(FLEMSIM_TEST_DATA) / "osm";

// Every test file has bounds 59.99..60.01 N, 17.99..18.01 E: the origin is (60 N, 18 E), where
// cos(60 deg) = 0.5, so 0.001 deg of longitude is 55.66 m and 0.001 deg of latitude 110.574 m.
Network load(const std::string& file, OsmReport& report, const OsmOptions& options = {}) {
    Network net;
    import_osm(osm_dir / file, options, net, report);
    return net;
}

Network load(const std::string& file) {
    OsmReport report;
    return load(file, report);
}

std::uint32_t link(const Network& net, const std::string& id) {
    auto it = std::find(net.link_ids.begin(), net.link_ids.end(), id);
    REQUIRE_MESSAGE(it != net.link_ids.end(), "no link " << id);
    return static_cast<std::uint32_t>(it - net.link_ids.begin());
}

bool has_link(const Network& net, const std::string& id) {
    return std::find(net.link_ids.begin(), net.link_ids.end(), id) != net.link_ids.end();
}

std::string from_id(const Network& net, std::uint32_t l) {
    return net.node_ids[net.link_from[l]];
}
std::string to_id(const Network& net, std::uint32_t l) {
    return net.node_ids[net.link_to[l]];
}

constexpr std::uint8_t all_modes = network::walk_bit | network::bike_bit | network::car_bit;

}  // namespace

TEST_CASE("osm import: a oneway street is car and bike from->to, walk both ways") {
    const Network net = load("oneway.osm");
    CHECK(net.name == "OpenStreetMap oneway.osm");
    CHECK(net.origin_lat == doctest::Approx(60.0));
    CHECK(net.origin_lon == doctest::Approx(18.0));
    // Node 3 is folded into way 11's link: n1, n2 remain, sorted by OSM id.
    REQUIRE(net.node_ids == std::vector<std::string>{"n1", "n2"});
    CHECK(net.node_x_m[1] == doctest::Approx(55.7));  // 55.66 rounded to 0.1 m
    CHECK(net.node_y_m[1] == doctest::Approx(0.0));
    CHECK(net.node_zone[0] == core::invalid_index);
    REQUIRE(net.link_ids == std::vector<std::string>{"w10_0", "w11_0"});
    const auto l = link(net, "w10_0");
    CHECK(from_id(net, l) == "n1");
    CHECK(to_id(net, l) == "n2");
    CHECK(net.link_modes[l] == all_modes);  // walk stays; the format lets walk use it both ways
    CHECK(net.link_oneway[l] == 1);
    CHECK(net.link_type[l] == "residential");
    CHECK(net.link_name[l] == "Storgatan");
    CHECK(net.link_length_m[l] == doctest::Approx(55.7));
    CHECK(net.link_car_speed_mps[l] == doctest::Approx(30.0 / 3.6));
    CHECK(net.link_lanes[l] == doctest::Approx(1.0));
    CHECK(net.link_capacity_veh_per_h[l] == doctest::Approx(600.0));
    CHECK(net.link_oneway[link(net, "w11_0")] == 0);
}

TEST_CASE("osm import: a footway is walk only, without car fields") {
    const Network net = load("footway.osm");
    const auto l = link(net, "w20_0");
    CHECK(net.link_modes[l] == network::walk_bit);
    CHECK(net.link_type[l] == "footway");
    CHECK(net.link_car_speed_mps[l] == 0.0);
    CHECK(net.link_lanes[l] == 0.0);
    CHECK(net.link_capacity_veh_per_h[l] == 0.0);
    CHECK(net.link_modes[link(net, "w21_0")] == all_modes);
}

TEST_CASE("osm import: oneway=-1 reverses the way") {
    const Network net = load("reverse.osm");
    const auto l = link(net, "w30_0");
    CHECK(from_id(net, l) == "n2");
    CHECK(to_id(net, l) == "n1");
    CHECK(net.link_oneway[l] == 1);
    CHECK(net.link_modes[l] == all_modes);
}

TEST_CASE("osm import: a oneway street open to bikes both ways becomes two links") {
    const Network net = load("contraflow.osm");
    const auto car = link(net, "w40_0");
    const auto bike = link(net, "w40_1");
    CHECK(net.link_modes[car] == network::car_bit);
    CHECK(net.link_oneway[car] == 1);
    CHECK(net.link_car_speed_mps[car] > 0);
    CHECK(net.link_modes[bike] == (network::walk_bit | network::bike_bit));
    CHECK(net.link_oneway[bike] == 0);
    CHECK(net.link_car_speed_mps[bike] == 0.0);
    CHECK(net.link_lanes[bike] == 0.0);
    CHECK(from_id(net, car) == from_id(net, bike));
    CHECK(to_id(net, car) == to_id(net, bike));
    CHECK(net.link_length_m[car] == net.link_length_m[bike]);
}

TEST_CASE("osm import: degree-2 nodes are folded while the attributes agree") {
    OsmReport report;
    const Network net = load("chain.osm", report);
    // Projected and rounded: n1 (0, 0), n2 (111.3, 0), n3 (111.3, 110.6), n4 (222.6, 110.6),
    // n5 (222.6, 221.1), n6 (334.0, 221.1): 111.3 + 110.6 + 111.3 + 110.5 + 111.4 = 555.1 m.
    // n2..n5 are folded (n3 joins two ways with equal tags); n6 stays, the name changes there.
    CHECK(report.collapsed_nodes == 4);
    REQUIRE(net.node_ids == std::vector<std::string>{"n1", "n6", "n7"});
    REQUIRE(net.link_ids == std::vector<std::string>{"w50_0", "w52_0"});
    const auto l = link(net, "w50_0");
    CHECK(from_id(net, l) == "n1");
    CHECK(to_id(net, l) == "n6");
    CHECK(net.link_length_m[l] == doctest::Approx(555.1).epsilon(1e-9));
    CHECK(net.link_name[l] == "Långgatan");
    CHECK(net.node_x_m[1] == doctest::Approx(334.0));
    CHECK(net.node_y_m[1] == doctest::Approx(221.1));
    CHECK(report.nodes == 3);
    CHECK(report.links == 2);
    // The folded nodes are the link's shape, in order from n1 to n6; the other link has none.
    REQUIRE(net.link_first_point.size() == 3);
    REQUIRE(net.link_first_point[l + 1] - net.link_first_point[l] == 4);
    const auto p0 = net.link_first_point[l];
    CHECK(net.point_x_m[p0] == doctest::Approx(111.3));
    CHECK(net.point_y_m[p0] == doctest::Approx(0.0));
    CHECK(net.point_x_m[p0 + 1] == doctest::Approx(111.3));
    CHECK(net.point_y_m[p0 + 1] == doctest::Approx(110.6));
    CHECK(net.point_x_m[p0 + 3] == doctest::Approx(222.6));
    CHECK(net.point_y_m[p0 + 3] == doctest::Approx(221.1));
    const auto other = link(net, "w52_0");
    CHECK(net.link_first_point[other + 1] == net.link_first_point[other]);
    // Written and read back, the shape stays.
    const auto dir = flemsim::test::scratch("osm-shapes");
    std::filesystem::remove_all(dir);
    network::Network zoned = net;
    zoned.zone_first_node = {0};
    network::write_network(zoned, dir);
    CHECK(std::filesystem::exists(dir / "link_shapes.csv"));
}

TEST_CASE("osm import: maxspeed and lanes") {
    const Network net = load("speed_lanes.osm");
    const auto tagged = link(net, "w60_0");
    const auto plain = link(net, "w61_0");
    CHECK(net.link_car_speed_mps[tagged] == doctest::Approx(30.0 / 3.6));
    CHECK(net.link_car_speed_mps[plain] == doctest::Approx(40.0 / 3.6));  // tertiary default
    CHECK(net.link_lanes[plain] == 1.0);
    CHECK(net.link_capacity_veh_per_h[plain] == doctest::Approx(700.0));
    // lanes=4 on a two-way primary: 2 per direction at 900 veh/h per lane.
    const auto four = link(net, "w62_0");
    CHECK(net.link_lanes[four] == 2.0);
    CHECK(net.link_capacity_veh_per_h[four] == doctest::Approx(1800.0));
    // 20 mph = 32.18688 km/h; lanes=3 two-way gives 1.5 per direction.
    const auto mph = link(net, "w63_0");
    CHECK(net.link_car_speed_mps[mph] == doctest::Approx(32.18688 / 3.6));
    CHECK(net.link_lanes[mph] == 1.5);
    CHECK(net.link_capacity_veh_per_h[mph] == doctest::Approx(1350.0));
    for (std::size_t i = 0; i < net.link_count(); ++i) CHECK(net.link_oneway[i] == 0);
}

TEST_CASE("osm import: access=private closes a street to cars") {
    OsmReport report;
    const Network net = load("private.osm", report);
    CHECK(net.link_modes[link(net, "w70_0")] == network::walk_bit);  // foot=yes re-opens it to walkers
    CHECK(net.link_car_speed_mps[link(net, "w70_0")] == 0.0);
    CHECK_FALSE(has_link(net, "w73_0"));  // private service road: no mode left
    CHECK(std::find(net.node_ids.begin(), net.node_ids.end(), "n4") == net.node_ids.end());
    CHECK(report.highway_ways == 4);
}

TEST_CASE("osm import: a street island is dropped for car and bike and reported") {
    OsmReport report;
    const Network net = load("island.osm", report);
    const auto island = link(net, "w83_0");
    CHECK(net.link_modes[island] == network::walk_bit);  // reached on foot through the footway
    CHECK(net.link_car_speed_mps[island] == 0.0);
    CHECK(report.dropped_nodes == std::array<std::size_t, 3>{0, 2, 2});
    CHECK(report.dropped_links == std::array<std::size_t, 3>{0, 1, 1});
    // n1 joins ways 80 and 82, which have equal tags: it is folded, w80_0 runs n3 -> n1 -> n2.
    CHECK(net.node_ids == std::vector<std::string>{"n2", "n3", "n4", "n5"});
    CHECK_FALSE(has_link(net, "w82_0"));
    CHECK(net.link_modes[link(net, "w80_0")] == all_modes);
    const bool noted = std::any_of(report.notes.begin(), report.notes.end(), [](const std::string& s) {
        return s.find("car: 2 nodes and 1 links") != std::string::npos;
    });
    CHECK(noted);
}

TEST_CASE("osm import: an area cuts ways at its edge") {
    SUBCASE("without an area, the whole street") {
        const Network net = load("area.osm");
        REQUIRE(net.link_count() == 1);
        CHECK(to_id(net, 0) == "n4");
        CHECK(net.link_length_m[0] == doctest::Approx(167.0).epsilon(0.002));
    }
    SUBCASE("an area from 17.9985 to 18.0025 E leaves out node 4") {
        OsmReport report;
        OsmOptions options;
        options.area = network::import::Area{59.999, 17.9985, 60.001, 18.0025};
        const Network net = load("area.osm", report, options);
        CHECK(report.nodes_in_area == 3);
        CHECK(net.origin_lat == doctest::Approx(60.0));
        CHECK(net.origin_lon == doctest::Approx(18.0005));
        REQUIRE(net.node_ids == std::vector<std::string>{"n1", "n3"});
        REQUIRE(net.link_count() == 1);
        CHECK(net.link_ids[0] == "w90_0");
        // Origin 18.0005 E: n1 at -0.0005 deg (-27.83 m), n3 at +0.0015 deg (83.49 m).
        CHECK(net.node_x_m[0] == doctest::Approx(-27.8));
        CHECK(net.node_x_m[1] == doctest::Approx(83.5));
        CHECK(net.link_length_m[0] == doctest::Approx(111.3));
    }
    SUBCASE("an area without streets is an input error") {
        OsmReport report;
        OsmOptions options;
        options.area = network::import::Area{50.0, 10.0, 50.1, 10.1};
        CHECK_THROWS_AS(load("area.osm", report, options), core::InputError);
    }
    SUBCASE("area_from_center") {
        const auto a = network::import::area_from_center(60.0, 18.0, 1.0);
        CHECK(a.max_lat - 60.0 == doctest::Approx(1000.0 / 110574.0));
        CHECK(60.0 - a.min_lat == doctest::Approx(1000.0 / 110574.0));
        CHECK(a.max_lon - 18.0 == doctest::Approx(1000.0 / 55660.0));
        CHECK(18.0 - a.min_lon == doctest::Approx(1000.0 / 55660.0));
    }
}

TEST_CASE("osm import: gateways where the area's edge cuts a major road") {
    OsmReport report;
    OsmOptions options;
    options.area = network::import::Area{59.998, 17.996, 60.002, 18.004};
    options.gateways.emplace();
    const Network net = load("gateways.osm", report, options);
    for (const auto& line : report.notes) MESSAGE(line);
    // Worked by hand: road 73 is cut twice, 390 m apart (two gateways, west and east); the
    // one-way Enkelgatan only enters (left out: a car could not leave there); the E4's
    // carriageways are cut 22 m apart (one gateway).
    CHECK(report.gateway_cuts == 5);
    REQUIRE(report.gateways.size() == 3);
    CHECK(report.gateways[0].id == "gw_73_west");
    CHECK(report.gateways[0].name == "73 Storvägen (west)");
    CHECK(report.gateways[1].id == "gw_73_east");
    CHECK(report.gateways[2].id == "gw_e4");
    CHECK(report.gateways[2].name == "E4 (south)");
    CHECK(report.gateways[2].cuts == 2);
    // Into the area: a primary's one direction (2 lanes x 900), the E4's inbound carriageway
    // only (2 lanes x 2000); x 1.3 persons per car.
    CHECK(report.gateways[0].inbound_veh_per_h == 1800);
    CHECK(report.gateways[2].inbound_veh_per_h == 4000);
    CHECK(report.gateways[2].weight == doctest::Approx(5200));
    CHECK(std::any_of(report.notes.begin(), report.notes.end(), [](const std::string& n) {
        return n.find("gateway gw_enkelgatan (Enkelgatan (north)) left out") == 0;
    }));
    // The E4 gateway: a node 30 m south of its cut ends, a car connector to each along its
    // carriageway's traffic: in to n5, out from n7.
    const auto g = net.find_node("gw_e4");
    REQUIRE(g != core::invalid_index);
    CHECK(net.node_y_m[g] < net.node_y_m[net.find_node("n5")] - 29);
    const auto c1 = link(net, "c_gw_e4_1");
    const auto c2 = link(net, "c_gw_e4_2");
    CHECK(net.link_modes[c1] == network::car_bit);
    CHECK(net.link_oneway[c1] == 1);
    CHECK(net.link_oneway[c2] == 1);
    CHECK(net.link_type[c2] == "connector");
    CHECK(from_id(net, c1) == "gw_e4");
    CHECK(to_id(net, c1) == "n5");
    CHECK(from_id(net, c2) == "n7");
    CHECK(to_id(net, c2) == "gw_e4");
    // Road 73 is two-way: its connectors are too.
    CHECK(net.link_oneway[link(net, "c_gw_73_west_1")] == 0);
    // The inbound carriageway's end stays a car node (the gateway closes its loop).
    CHECK((net.link_modes[link(net, "w102_0")] & network::car_bit) != 0);
    // Without gateways the one-way carriageways are no strongly connected part: cars lose them.
    OsmReport plain_report;
    OsmOptions plain;
    plain.area = options.area;
    const Network without = load("gateways.osm", plain_report, plain);
    CHECK(!has_link(without, "w102_0"));  // a motorway: car only, so the link goes
}

TEST_CASE("osm import: in a UTM zone, lengths across 50 km agree with geodesics within 0.1 %") {
    // A street along 60.2 N, 50 km long, at the north edge of an area 45 km tall (a second
    // street at 59.8 N): far from the centre, where a flat plane's fixed degree length errs.
    const auto dir = flemsim::test::scratch("osm-utm");
    std::filesystem::create_directories(dir);
    const auto file = dir / "wide.osm";
    std::ofstream(file) << R"(<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
 <node id="1" lat="60.2" lon="17.6"/>
 <node id="2" lat="60.2" lon="18.0"/>
 <node id="3" lat="60.2" lon="18.5"/>
 <node id="4" lat="59.8" lon="17.6"/>
 <node id="5" lat="59.8" lon="18.5"/>
 <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="footway"/></way>
 <way id="2"><nd ref="4"/><nd ref="5"/><tag k="highway" v="footway"/></way>
</osm>
)";
    // The reference: geodesic distances on the WGS84 ellipsoid (Karney's algorithm, PROJ's geodesic.h).
    geod_geodesic g;
    geod_init(&g, 6378137.0, 1 / 298.257223563);
    double s12 = 0, s23 = 0;
    geod_inverse(&g, 60.2, 17.6, 60.2, 18.0, &s12, nullptr, nullptr);
    geod_inverse(&g, 60.2, 18.0, 60.2, 18.5, &s23, nullptr, nullptr);
    const double geodesic = s12 + s23;
    CHECK(geodesic == doctest::Approx(49950).epsilon(0.01));
    const auto length_of_street = [&](const std::string& crs) {
        OsmOptions o;
        o.crs = crs;
        OsmReport report;
        Network net;
        import_osm(file, o, net, report);
        CHECK(net.crs == (crs == "utm" ? "EPSG:32634" : crs));  // 18.05 E: zone 34 (18-24 E)
        return net.link_length_m[link(net, "w1_0")];
    };
    const double utm = length_of_street("utm");
    CHECK(std::abs(utm / geodesic - 1) < 0.001);
    const double sweref = length_of_street("EPSG:3006");
    CHECK(std::abs(sweref / geodesic - 1) < 0.001);
    // The flat plane around the centre (the import without a CRS) is 0.6 % long up here.
    OsmReport report;
    Network flat;
    import_osm(file, {}, flat, report);
    CHECK(flat.link_length_m[link(flat, "w1_0")] / geodesic - 1 > 0.003);
    MESSAGE("geodesic " << geodesic << " m, UTM " << utm << " m, SWEREF 99 TM " << sweref << " m, flat "
                        << flat.link_length_m[link(flat, "w1_0")] << " m");
    // A CRS PROJ does not know, or one not in metres, is an input error naming the file.
    OsmOptions bad;
    bad.crs = "EPSG:4326";
    Network n2;
    CHECK_THROWS_WITH_AS(import_osm(file, bad, n2, report), doctest::Contains("--crs 'EPSG:4326'"), core::InputError);
}

namespace {
// Car distance between two nodes by Boost's Dijkstra over the network's car links (two-way
// unless oneway): the reference, independent of flemsim's router.
double car_distance(const Network& net, const std::string& from, const std::string& to) {
    using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property,
                                        boost::property<boost::edge_weight_t, double>>;
    Graph g(net.node_count());
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        if (!(net.link_modes[l] & network::car_bit)) continue;
        boost::add_edge(net.link_from[l], net.link_to[l], net.link_length_m[l], g);
        if (!net.link_oneway[l]) boost::add_edge(net.link_to[l], net.link_from[l], net.link_length_m[l], g);
    }
    std::vector<double> d(net.node_count());
    boost::dijkstra_shortest_paths(g, net.find_node(from), boost::distance_map(d.data()));
    return d[net.find_node(to)];
}
}  // namespace

TEST_CASE("osm import: a turn restriction changes the car route as worked by hand") {
    // Without the rule: n4 -> n5 -> n2, 2 x 99.5 m. With no_straight_on from way 10 over n5 into
    // way 11: n4 -> n5 -> n6 -> n3 -> n2, 99.5 + 100.2 + 99.5 + 100.2 = 399.4 m, and the 1 m turn
    // link across n5.
    OsmReport report;
    const Network net = load("turns.osm", report);
    for (const auto& line : report.notes) MESSAGE(line);
    CHECK(report.turn_restrictions_read == 1);
    CHECK(report.turn_restrictions_applied == 1);
    CHECK(report.turns_forbidden == 1);
    CHECK(report.turn_restrictions_via_way == 1);
    CHECK(car_distance(net, "n4", "n2") == doctest::Approx(400.4).epsilon(0.002));
    // The other way round is not restricted: n2 -> n5 -> n4, 2 x 99.5 m and the turn link.
    CHECK(car_distance(net, "n2", "n4") == doctest::Approx(200.0).epsilon(0.002));
    // n5 is split for cars: per car link an arrival node (n5_<k>i) and a departure node
    // (n5_<k>o), joined by 1 m one-way turn links for every turn but the forbidden one (way 10,
    // arm 1, into way 11, arm 2); walk and bike keep n5, unrestricted.
    CHECK(net.find_node("n5") != core::invalid_index);
    CHECK(net.find_node("n5_1i") != core::invalid_index);
    CHECK(!has_link(net, "t5_1_2"));
    const auto turn = link(net, "t5_1_3");
    CHECK(net.link_type[turn] == "turn");
    CHECK(net.link_length_m[turn] == 1.0);
    CHECK(net.link_oneway[turn] == 1);
    CHECK(from_id(net, turn) == "n5_1i");
    CHECK(to_id(net, turn) == "n5_3o");
    CHECK(has_link(net, "t5_2_1"));  // from way 11 into way 10: allowed
    CHECK(net.link_modes[link(net, "w10_0")] == (network::walk_bit | network::bike_bit));
    CHECK(net.link_modes[link(net, "w10_0_c")] == network::car_bit);
    // Two turns cannot be chained: no turn link leaves a departure node.
    for (std::size_t l = 0; l < net.link_count(); ++l)
        if (net.link_type[l] == "turn") CHECK(net.node_ids[net.link_from[l]].back() == 'i');
}

TEST_CASE("osm import: bad files are input errors naming the file") {
    SUBCASE("malformed XML, with the line") {
        OsmReport report;
        try {
            load("malformed.osm", report);
            FAIL("no error");
        } catch (const core::InputError& e) {
            CHECK(e.pos().file.find("malformed.osm") != std::string::npos);
            // `</osm>` closes the unclosed <way>; expat stops at its name, column 3 counted from 1.
            CHECK(e.pos().line == 8);
            CHECK(e.pos().column == 3);
            CHECK(std::string(e.what()).find("malformed.osm:8:3") != std::string::npos);
            CHECK(e.message().find("mismatched tag") != std::string::npos);
        }
    }
    SUBCASE("a node with a latitude beyond 90, at the node's line") {
        const auto dir = flemsim::test::scratch("osm-bad-node");
        std::filesystem::create_directories(dir);
        std::ifstream in(osm_dir / "chain.osm");
        std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const auto at = text.find("<node id=\"3\" version=\"1\" lat=\"60.0010000\"");
        REQUIRE(at != std::string::npos);
        text.replace(text.find("60.0010000", at), 10, "91.0010000");
        std::ofstream(dir / "bad-lat.osm") << text;
        OsmReport report;
        Network net;
        try {
            import_osm(dir / "bad-lat.osm", {}, net, report);
            FAIL("no error");
        } catch (const core::InputError& e) {
            CHECK(e.pos().line == 7);
            CHECK(e.pos().column == 2);
            CHECK(e.message().find("node 3 has no valid location") != std::string::npos);
        }
        // A word for a coordinate: libosmium names only the text; the scan finds its attribute.
        text.replace(text.find("91.0010000"), 10, "north");
        std::ofstream(dir / "word-lat.osm") << text;
        try {
            import_osm(dir / "word-lat.osm", {}, net, report);
            FAIL("no error");
        } catch (const core::InputError& e) {
            CHECK(e.pos().line == 7);
            CHECK(e.pos().column == 27);
            CHECK(e.message().find("'north'") != std::string::npos);
        }
    }
    SUBCASE("a missing file") {
        OsmReport report;
        try {
            load("missing.osm", report);
            FAIL("no error");
        } catch (const core::InputError& e) {
            CHECK(e.pos().file.find("missing.osm") != std::string::npos);
            CHECK(e.message().find("not found") != std::string::npos);
        }
    }
    SUBCASE("an unknown extension") {
        OsmReport report;
        CHECK_THROWS_AS(load("oneway.txt", report), core::InputError);
    }
}

TEST_CASE("osm import: a PBF written from the XML gives the same network") {
    const auto dir = flemsim::test::scratch("osm-import");
    std::filesystem::create_directories(dir);
    const auto pbf = dir / "chain.osm.pbf";
    std::filesystem::remove(pbf);
    {
        osmium::io::Reader reader{(osm_dir / "chain.osm").string()};
        osmium::io::Header header = reader.header();
        osmium::io::Writer writer{pbf.string(), header, osmium::io::overwrite::allow};
        while (osmium::memory::Buffer buffer = reader.read()) writer(std::move(buffer));
        writer.close();
        reader.close();
    }
    OsmReport xml_report;
    OsmReport pbf_report;
    const Network xml = load("chain.osm", xml_report);
    Network bin;
    import_osm(pbf, {}, bin, pbf_report);
    CHECK(bin.node_ids == xml.node_ids);
    CHECK(bin.node_x_m == xml.node_x_m);
    CHECK(bin.node_y_m == xml.node_y_m);
    CHECK(bin.link_ids == xml.link_ids);
    CHECK(bin.link_from == xml.link_from);
    CHECK(bin.link_to == xml.link_to);
    CHECK(bin.link_length_m == xml.link_length_m);
    CHECK(bin.link_modes == xml.link_modes);
    CHECK(bin.link_name == xml.link_name);
    CHECK(bin.origin_lat == xml.origin_lat);
    CHECK(bin.origin_lon == xml.origin_lon);
    CHECK(pbf_report.collapsed_nodes == xml_report.collapsed_nodes);
    std::filesystem::remove_all(dir);
}

TEST_CASE("osm import: Stockholm Östermalm extract") {
    const auto shared = flemsim::test::shared_data("data/osm/stockholm-ostermalm.osm");
    if (!shared) return;
    const std::filesystem::path& file = *shared;
    Network net;
    OsmReport report;
    import_osm(file, {}, net, report);
    for (const auto& line : report.notes) MESSAGE(line);
    CHECK(report.ways_read == 1394);
    CHECK(report.nodes_in_area > 9000);
    CHECK(net.node_count() > 1000);
    CHECK(net.link_count() > 1000);
    // Bounds 59.3343-59.3422 N, 18.0602-18.0807 E around the origin (their centre), with some
    // slack for ways whose nodes lie outside the bounds.
    CHECK(net.origin_lat == doctest::Approx((59.3343 + 59.3422) / 2));
    CHECK(net.origin_lon == doctest::Approx((18.0602 + 18.0807) / 2));
    const double half_x = (18.0807 - 18.0602) / 2 * std::cos(net.origin_lat * 3.14159265358979 / 180) * 111320;
    const double half_y = (59.3422 - 59.3343) / 2 * 110574;
    std::size_t inside = 0;
    for (std::size_t n = 0; n < net.node_count(); ++n)
        if (std::abs(net.node_x_m[n]) <= half_x + 0.1 && std::abs(net.node_y_m[n]) <= half_y + 0.1) ++inside;
    CHECK(inside > net.node_count() * 8 / 10);
    std::array<std::size_t, 3> per_mode{};
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        CHECK(net.link_length_m[l] > 0);
        CHECK(net.link_from[l] != net.link_to[l]);
        for (std::size_t m = 0; m < 3; ++m)
            if (net.link_modes[l] & (1u << m)) ++per_mode[m];
        if (net.link_modes[l] & network::car_bit) {
            CHECK(net.link_car_speed_mps[l] > 0);
            CHECK(net.link_capacity_veh_per_h[l] > 0);
        }
    }
    CHECK(per_mode[0] > 100);
    CHECK(per_mode[1] > 100);
    CHECK(per_mode[2] > 100);
    // The result is a valid network in the folder format: it writes and loads back unchanged.
    const auto dir = flemsim::test::scratch("osm-import-ostermalm");
    network::write_network(net, dir);
    const Network back = network::load_network(dir);
    CHECK(back.node_ids == net.node_ids);
    CHECK(back.link_ids == net.link_ids);
    CHECK(back.link_modes == net.link_modes);
    CHECK(back.link_oneway == net.link_oneway);
    std::filesystem::remove_all(dir);
    MESSAGE("nodes " << net.node_count() << ", links " << net.link_count() << ", collapsed " << report.collapsed_nodes
                     << ", dropped nodes walk/bike/car " << report.dropped_nodes[0] << "/" << report.dropped_nodes[1]
                     << "/" << report.dropped_nodes[2] << ", dropped links " << report.dropped_links[0] << "/"
                     << report.dropped_links[1] << "/" << report.dropped_links[2] << ", links with walk/bike/car "
                     << per_mode[0] << "/" << per_mode[1] << "/" << per_mode[2]);
}
