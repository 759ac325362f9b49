#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "sim/network/network.hpp"
#include "sim/routing/batch.hpp"
#include "sim/scenario/scenario.hpp"

using namespace flemsim;

TEST_CASE("batch route queries on the tiny network") {
    const auto s = scenario::load_scenario(std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml");
    const auto net = network::load_network(s.network);
    const auto ctx = routing::build_routing(net, s);
    const auto at = [&](const char* node) {
        return net.to_lat_lon(net.node_x_m[net.find_node(node)], net.node_y_m[net.find_node(node)]);
    };
    const auto [a0_lat, a0_lon] = at("a0");
    const auto [a4_lat, a4_lon] = at("a4");
    const auto [gw_lat, gw_lon] = at("gw");
    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-batch";
    std::filesystem::create_directories(dir);
    {
        std::ofstream q(dir / "q.csv");
        q.precision(10);
        q << "id,from_lat,from_lon,to_lat,to_lon,mode,departure\n";
        q << "w1," << a0_lat << ',' << a0_lon << ',' << a4_lat << ',' << a4_lon << ",walk,08:00:00\n";
        q << "c1," << a0_lat << ',' << a0_lon << ',' << gw_lat << ',' << gw_lon << ",car,08:00:00\n";
        // 10 m off node a0: snaps to it.
        q << "b1," << a0_lat + 10 / 110574.0 << ',' << a0_lon << ',' << a4_lat << ',' << a4_lon << ",bike,08:00:00\n";
        q << "t1," << a0_lat << ',' << a0_lon << ',' << gw_lat << ',' << gw_lon << ",transit,08:00:00\n";
        q << "t2," << a0_lat << ',' << a0_lon << ',' << gw_lat << ',' << gw_lon << ",transit,03:00:00\n";
    }
    const auto queries = routing::read_route_queries(dir / "q.csv");
    REQUIRE(queries.size() == 5);
    const auto a = routing::answer_route_queries(ctx, queries);
    CHECK(a[0].found);
    CHECK(a[0].time_s == doctest::Approx(800 / 1.3));
    CHECK(a[0].distance_m == doctest::Approx(800));
    CHECK(a[1].time_s == doctest::Approx(80 + 210));  // 800 m at 36 km/h, 4,200 m at 72 km/h
    CHECK(a[2].snap_from_m == doctest::Approx(10).epsilon(0.01));
    CHECK(a[2].time_s == doctest::Approx(800 / 4.2));
    CHECK(a[3].found);
    CHECK(a[3].transit.wait_s == doctest::Approx(300));  // half the 600 s headway
    CHECK(a[3].lines == "r1");
    CHECK(a[3].stops == "st_west>st_city");
    CHECK_FALSE(a[4].found);  // no train at 03:00
    routing::write_route_answers(dir / "a.csv", queries, a);
    std::ifstream in(dir / "a.csv");
    std::string header, first;
    std::getline(in, header);
    std::getline(in, first);
    CHECK(header.rfind("id,mode,found,travel_time_s", 0) == 0);
    CHECK(first.rfind("w1,walk,1,615.4,800.0", 0) == 0);

    SUBCASE("bad queries name the line and column") {
        std::ofstream(dir / "bad.csv")
            << "id,from_lat,from_lon,to_lat,to_lon,mode,departure\nx,59.2,17.9,59.2,17.9,boat,08:00:00\n";
        CHECK_THROWS_WITH_AS(routing::read_route_queries(dir / "bad.csv"),
                             doctest::Contains("bad.csv:2:23: mode: expected walk, bike, car or transit, got 'boat'"),
                             core::InputError);
        std::ofstream(dir / "bad2.csv")
            << "id,from_lat,from_lon,to_lat,to_lon,mode,departure\nx,59.2,17.9,91,17.9,walk,08:00:00\n";
        CHECK_THROWS_WITH_AS(routing::read_route_queries(dir / "bad2.csv"),
                             doctest::Contains("to_lat: latitude out of range"), core::InputError);
    }
}

TEST_CASE("route queries far from the network are not found, with the reason") {
    const auto s = scenario::load_scenario(std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml");
    const auto net = network::load_network(s.network);
    const auto ctx = routing::build_routing(net, s);
    const auto [a4_lat, a4_lon] = net.to_lat_lon(net.node_x_m[net.find_node("a4")], net.node_y_m[net.find_node("a4")]);
    std::vector<routing::RouteQuery> q(3);
    q[0].id = "far-origin", q[0].from_lat = 0, q[0].from_lon = 0, q[0].to_lat = a4_lat, q[0].to_lon = a4_lon;
    q[1].id = "far-destination", q[1].from_lat = a4_lat, q[1].from_lon = a4_lon, q[1].to_lat = a4_lat + 0.01;
    q[1].to_lon = a4_lon;  // 1.1 km north of a4
    q[2].id = "near", q[2].from_lat = a4_lat, q[2].from_lon = a4_lon, q[2].to_lat = a4_lat + 0.001;
    q[2].to_lon = a4_lon;  // 111 m north of a4: snaps
    for (auto& x : q) x.mode = core::Mode::walk, x.departure_s = 8 * 3600;
    const auto a = routing::answer_route_queries(ctx, q);
    CHECK_FALSE(a[0].found);
    CHECK(a[0].time_s == 0);
    CHECK(a[0].reason.rfind("origin ", 0) == 0);
    CHECK(a[0].reason.find(" m from the network (more than 500 m)") != std::string::npos);
    CHECK_FALSE(a[1].found);
    CHECK(a[1].reason.rfind("destination 11", 0) == 0);
    CHECK(a[2].found);
    CHECK(a[2].reason.empty());
    // A larger limit snaps the destination again.
    CHECK(routing::answer_route_queries(ctx, q, 2000)[1].found);

    const auto dir = std::filesystem::temp_directory_path() / "flemsim-test-batch";
    std::filesystem::create_directories(dir);
    routing::write_route_answers(dir / "far.csv", q, a);
    std::ifstream in(dir / "far.csv");
    std::string header, first;
    std::getline(in, header);
    std::getline(in, first);
    CHECK(header.ends_with(",snap_to_m,reason"));
    CHECK(first.rfind("far-origin,walk,0,0.0,", 0) == 0);
    CHECK(first.find(",origin ") != std::string::npos);

    // NaN coordinates are refused at their line and column.
    std::ofstream(dir / "nan.csv")
        << "id,from_lat,from_lon,to_lat,to_lon,mode,departure\nx,nan,17.9,59.2,17.9,walk,08:00:00\n";
    CHECK_THROWS_WITH_AS(routing::read_route_queries(dir / "nan.csv"), doctest::Contains("nan.csv:2:3: from_lat"),
                         core::InputError);
}
