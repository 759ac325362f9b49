#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "sim/network/import/zones.hpp"
#include "sim/network/network.hpp"

using namespace flemsim;
namespace imp = network::import;

namespace {
const std::filesystem::path tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny";

network::Network streets_only() {
    auto net = network::load_network(tiny);
    net.zone_ids.clear();
    net.zone_names.clear();
    net.zone_kind.clear();
    net.zone_centroid.clear();
    net.zone_modes.clear();
    net.zone_line.clear();
    return net;
}
}  // namespace

TEST_CASE("zones from a file and from a grid") {
    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-zones";
    std::filesystem::create_directories(dir);
    auto net = streets_only();
    const auto [w_lat, w_lon] = net.to_lat_lon(0, 0);
    const auto [e_lat, e_lon] = net.to_lat_lon(800, 0);
    {
        std::ofstream f(dir / "z.csv");
        f.precision(10);
        f << "id,name,lat,lon,residents,jobs\nwest,West," << w_lat << ',' << w_lon << ",100,5\neast,East," << e_lat
          << ',' << e_lon << ",,300\nfar,Far," << w_lat + 1 << ',' << w_lon << ",0,0\n";
    }
    const auto zones = imp::read_zone_file(dir / "z.csv");
    REQUIRE(zones.size() == 3);
    CHECK(zones[0].residents == 100);
    CHECK(zones[1].residents == 0);
    CHECK(zones[1].jobs == 300);
    std::vector<std::string> notes;
    imp::add_zones(net, zones, notes);
    // a0, a1 (x 0, 200) are nearer West; a2 (400) ties and goes to the first; a3, a4 East. The
    // gateway's centroid (5 km east, car only) and its stop node (walk only) get no zone. "Far"
    // is nearest to no node: left out, said so.
    REQUIRE(net.zone_count() == 2);
    CHECK(net.node_zone[net.find_node("a1")] == 0);
    CHECK(net.node_zone[net.find_node("a3")] == 1);
    CHECK(net.node_zone[net.find_node("gw")] == core::invalid_index);
    CHECK(net.zone_centroid[0] == net.find_node("a0"));
    CHECK(net.zone_centroid[1] == net.find_node("a4"));
    CHECK(net.zone_modes[0] == (network::walk_bit | network::bike_bit | network::car_bit | network::transit_bit));
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].find("'far'") != std::string::npos);

    SUBCASE("GeoJSON") {
        std::ofstream g(dir / "z.geojson");
        g.precision(10);
        g << R"({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [)"
          << w_lon << ", " << w_lat << R"(]}, "properties": {"id": "w", "name": "West", "jobs": 12}}]})";
        g.close();
        const auto z = imp::read_zone_file(dir / "z.geojson");
        REQUIRE(z.size() == 1);
        CHECK(z[0].id == "w");
        CHECK(z[0].jobs == 12);
        CHECK(z[0].lat == doctest::Approx(w_lat));
    }
    SUBCASE("a grid") {
        auto n2 = streets_only();
        const auto grid = imp::grid_zones(n2, 1000);
        // Nodes span 5,000 m by 400 m: 5 columns, 1 row.
        CHECK(grid.size() == 5);
        std::vector<std::string> grid_notes;
        imp::add_zones(n2, grid, grid_notes);
        CHECK(n2.zone_count() == 1);  // only the first cell holds nodes with all three modes
        CHECK(grid_notes.size() == 4);
    }
    SUBCASE("bad files") {
        std::ofstream(dir / "bad.csv") << "id,name,lat,lon\nx y,Bad,59,18\n";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "bad.csv"), doctest::Contains("bad.csv:2:1: id: ids may hold"),
                             core::InputError);
        std::ofstream(dir / "dup.csv") << "id,name,lat,lon\nx,A,59,18\nx,B,59,18\n";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "dup.csv"), doctest::Contains("zone id 'x' appears twice"),
                             core::InputError);
        std::ofstream(dir / "line.geojson")
            << R"({"features": [{"geometry": {"type": "LineString", "coordinates": []}, "properties": {"id": "a"}}]})";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "line.geojson"), doctest::Contains("expected a Point"),
                             core::InputError);
    }
}
