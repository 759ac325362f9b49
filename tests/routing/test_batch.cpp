#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include <tbb/global_control.h>

#include "sim/network/import/osm_import.hpp"
#include "sim/network/network.hpp"
#include "sim/routing/batch.hpp"
#include "sim/scenario/scenario.hpp"
#include "tests/scratch.hpp"
#include "tests/shared_data.hpp"

using namespace flemsim;

namespace {

// The tiny scenario's network and routing, and the position of a node as latitude, longitude.
struct TinyRig {
    scenario::Scenario s = scenario::load_scenario(std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml");
    network::Network net = network::load_network(s.network);
    routing::RoutingContext ctx = routing::build_routing(net, s);
    std::pair<double, double> at(const char* node) const {
        return net.to_lat_lon(net.node_x_m[net.find_node(node)], net.node_y_m[net.find_node(node)]);
    }
};

}  // namespace

TEST_CASE("batch route queries on the tiny network") {
    const TinyRig rig;
    const auto& net = rig.net;
    const auto& ctx = rig.ctx;
    const auto at = [&](const char* node) { return rig.at(node); };
    const auto [a0_lat, a0_lon] = at("a0");
    const auto [a1_lat, a1_lon] = at("a1");
    const auto [a4_lat, a4_lon] = at("a4");
    const auto [gw_lat, gw_lon] = at("gw");
    const auto dir = flemsim::test::scratch("batch");
    std::filesystem::create_directories(dir);
    {
        std::ofstream q(dir / "q.csv");
        q.precision(10);
        q << "id,from_lat,from_lon,to_lat,to_lon,mode,departure\n";
        q << "w1," << a0_lat << ',' << a0_lon << ',' << a4_lat << ',' << a4_lon << ",walk,08:00:00\n";
        q << "c1," << a0_lat << ',' << a0_lon << ',' << gw_lat << ',' << gw_lon << ",car,08:00:00\n";
        // 10 m off node a0: snaps to it.
        q << "b1," << a0_lat + 10 / 110574.0 << ',' << a0_lon << ',' << a4_lat << ',' << a4_lon << ",bike,08:00:00\n";
        // 10 m off a1, 200 m east of West station.
        q << "t1," << a1_lat + 10 / 110574.0 << ',' << a1_lon << ',' << gw_lat << ',' << gw_lon
          << ",transit,08:00:00\n";
        q << "t2," << a1_lat << ',' << a1_lon << ',' << gw_lat << ',' << gw_lon << ",transit,04:00:00\n";
    }
    const auto queries = routing::read_route_queries(dir / "q.csv");
    REQUIRE(queries.size() == 5);
    const auto answers = routing::answer_route_queries(ctx, queries);
    CHECK_FALSE(answers.profile);
    REQUIRE(answers.rows.size() == 5);  // one row per query
    const auto& a = answers.rows;
    for (std::uint32_t i = 0; i < 5; ++i) CHECK(a[i].query == i);
    CHECK(a[0].found);
    CHECK(a[0].time_s == doctest::Approx(800 / 1.3));
    CHECK(a[0].distance_m == doctest::Approx(800));
    CHECK(a[0].depart_s == 8 * 3600);
    CHECK(a[0].arrive_s == 8 * 3600 + 615);           // 615.4 s to the second
    CHECK(a[1].time_s == doctest::Approx(80 + 210));  // 800 m at 36 km/h, 4,200 m at 72 km/h
    CHECK(a[2].snap_from_m == doctest::Approx(10).epsilon(0.01));
    CHECK(a[2].time_s == doctest::Approx(800 / 4.2));
    // Transit on r1's timetable (every 600 s from 05:00; West to City 60 s, 30 s dwell at
    // East, 300 s): walk 200 m to West station (154 s), the 08:10 train, at City station
    // 08:16:30, walk 400 m to gw (308 s). Leaving at 08:07:26, the walk ends as the train leaves.
    REQUIRE(a[3].found);
    CHECK(a[3].depart_s == 8 * 3600 + 446);
    CHECK(a[3].arrive_s == 8 * 3600 + 21 * 60 + 38);
    CHECK(a[3].time_s == 600 + 390 + 308);  // from 08:00, the wait included
    CHECK(a[3].transit.wait_s == 600 - 154);
    CHECK(a[3].lines == "r1");
    CHECK(a[3].stops == "st_west>st_city");
    // Its legs: the walk to West, the ride, the walk from City.
    REQUIRE(a[3].leg_count == 3);
    const auto& L = answers.legs;
    const auto st_west = net.find_stop("st_west"), st_city = net.find_stop("st_city");
    const std::uint32_t l0 = a[3].first_leg;
    CHECK(L.kind[l0] == routing::RouteLegKind::walk);
    CHECK(L.from_stop[l0] == core::invalid_index);
    CHECK(L.to_stop[l0] == st_west);
    CHECK(L.depart_s[l0] == 8 * 3600 + 446);
    CHECK(L.arrive_s[l0] == 8 * 3600 + 600);
    CHECK(L.walk_s[l0] == 154);
    CHECK(L.kind[l0 + 1] == routing::RouteLegKind::ride);
    CHECK(L.line[l0 + 1] == net.find_line("r1"));
    CHECK(L.trip[l0 + 1] == core::invalid_index);  // a headway departure, not a network trip
    CHECK(L.from_stop[l0 + 1] == st_west);
    CHECK(L.depart_s[l0 + 1] == 8 * 3600 + 600);
    CHECK(L.to_stop[l0 + 1] == st_city);
    CHECK(L.arrive_s[l0 + 1] == 8 * 3600 + 16 * 60 + 30);
    CHECK(L.wait_s[l0 + 1] == 0);
    CHECK(L.kind[l0 + 2] == routing::RouteLegKind::walk);
    CHECK(L.from_stop[l0 + 2] == st_city);
    CHECK(L.to_stop[l0 + 2] == core::invalid_index);
    CHECK(L.arrive_s[l0 + 2] == a[3].arrive_s);
    CHECK(L.walk_s[l0 + 2] == 308);
    // At 04:00 the first train (05:00) is more than max_wait_s (1800 s) away: unavailable,
    // not a wait of an hour.
    CHECK_FALSE(a[4].found);
    CHECK(a[4].leg_count == 0);
    CHECK(a[4].reason == "no transit journey leaves within max_wait_s (1800 s) of 04:00:00");

    routing::write_route_answers(dir / "a.csv", queries, answers);
    routing::write_route_legs(dir / "a.legs.csv", queries, answers, net);
    {
        std::ifstream in(dir / "a.csv");
        std::string header, first, line;
        std::getline(in, header);
        std::getline(in, first);
        CHECK(header ==
              "id,mode,found,depart,arrive,travel_time_s,distance_m,access_s,wait_s,in_vehicle_s,egress_s,"
              "transfers,lines,stops,snap_from_m,snap_to_m,reason");
        CHECK(first.rfind("w1,walk,1,08:00:00,08:10:15,615.4,800.0", 0) == 0);
        std::string t1, t2;
        while (std::getline(in, line)) {
            if (line.rfind("t1,", 0) == 0) t1 = line;
            if (line.rfind("t2,", 0) == 0) t2 = line;
        }
        CHECK(t1.rfind("t1,transit,1,08:07:26,08:21:38,1298.0,", 0) == 0);
        CHECK(t1.find(",r1,st_west>st_city,") != std::string::npos);
        CHECK(t2.rfind("t2,transit,0,,,0.0,", 0) == 0);
        CHECK(t2.ends_with(",no transit journey leaves within max_wait_s (1800 s) of 04:00:00"));
    }
    {
        std::ifstream in(dir / "a.legs.csv");
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        REQUIRE(lines.size() == 1 + 3 + 3);  // header, one leg for each street answer, three for t1
        CHECK(lines[0] == "id,journey,leg,kind,line,trip,from_stop,departure,to_stop,arrival,walk_s,wait_s");
        CHECK(lines[1] == "w1,1,1,walk,,,,08:00:00,,08:10:15,615,0");
        CHECK(lines[4] == "t1,1,1,walk,,,,08:07:26,st_west,08:10:00,154,0");
        CHECK(lines[5] == "t1,1,2,ride,r1,,st_west,08:10:00,st_city,08:16:30,0,0");
        CHECK(lines[6] == "t1,1,3,walk,,,st_city,08:16:30,,08:21:38,308,0");
    }

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

TEST_CASE("a car query after a transit query of the same origin at midnight is searched anew") {
    // An origin's queries share their searches by a key of what the scratch holds; transit in
    // the hour from 00:00 and the car search once had the same key, so the car answers took a
    // search that was never run (found 0).
    const TinyRig rig;
    const auto [a1_lat, a1_lon] = rig.at("a1");
    const auto [gw_lat, gw_lon] = rig.at("gw");
    const auto [a4_lat, a4_lon] = rig.at("a4");
    const auto dir = flemsim::test::scratch("batch-keys");
    std::filesystem::create_directories(dir);
    const auto write = [&](const char* name, bool with_transit) {
        std::ofstream q(dir / name);
        q.precision(10);
        q << "id,from_lat,from_lon,to_lat,to_lon,mode,departure\n";
        if (with_transit)
            q << "t0," << a1_lat << ',' << a1_lon << ',' << gw_lat << ',' << gw_lon << ",transit,00:30:00\n";
        // Two car queries of one origin: one search serves both (no hierarchy).
        q << "c0," << a1_lat << ',' << a1_lon << ',' << gw_lat << ',' << gw_lon << ",car,08:00:00\n";
        q << "c1," << a1_lat << ',' << a1_lon << ',' << a4_lat << ',' << a4_lon << ",car,08:00:00\n";
    };
    write("both.csv", true);
    write("car.csv", false);
    const auto both = routing::answer_route_queries(rig.ctx, routing::read_route_queries(dir / "both.csv"));
    const auto car = routing::answer_route_queries(rig.ctx, routing::read_route_queries(dir / "car.csv"));
    REQUIRE(both.rows.size() == 3);
    REQUIRE(car.rows.size() == 2);
    for (std::size_t k = 0; k < 2; ++k) {
        CHECK(car.rows[k].found);
        CHECK(both.rows[k + 1].found == car.rows[k].found);
        CHECK(both.rows[k + 1].time_s == car.rows[k].time_s);
        CHECK(both.rows[k + 1].distance_m == car.rows[k].distance_m);
    }
    std::filesystem::remove_all(dir);
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
    const auto answers = routing::answer_route_queries(ctx, q);
    const auto& a = answers.rows;
    REQUIRE(a.size() == 3);
    CHECK_FALSE(a[0].found);
    CHECK(a[0].time_s == 0);
    CHECK(a[0].reason.rfind("origin ", 0) == 0);
    CHECK(a[0].reason.find(" m from the network (more than 500 m)") != std::string::npos);
    CHECK_FALSE(a[1].found);
    CHECK(a[1].reason.rfind("destination 11", 0) == 0);
    CHECK(a[2].found);
    CHECK(a[2].reason.empty());
    // A larger limit snaps the destination again.
    routing::RouteOptions wider;
    wider.max_snap_m = 2000;
    CHECK(routing::answer_route_queries(ctx, q, wider).rows[1].found);

    const auto dir = flemsim::test::scratch("batch");
    std::filesystem::create_directories(dir);
    routing::write_route_answers(dir / "far.csv", q, answers);
    std::ifstream in(dir / "far.csv");
    std::string header, first;
    std::getline(in, header);
    std::getline(in, first);
    CHECK(header.ends_with(",snap_to_m,reason"));
    CHECK(first.rfind("far-origin,walk,0,,,0.0,", 0) == 0);
    CHECK(first.find(",origin ") != std::string::npos);

    // NaN coordinates are refused at their line and column.
    std::ofstream(dir / "nan.csv")
        << "id,from_lat,from_lon,to_lat,to_lon,mode,departure\nx,nan,17.9,59.2,17.9,walk,08:00:00\n";
    CHECK_THROWS_WITH_AS(routing::read_route_queries(dir / "nan.csv"), doctest::Contains("nan.csv:2:3: from_lat"),
                         core::InputError);
}

TEST_CASE("route profiles over a departure window list every journey leaving in it") {
    const TinyRig rig;
    const auto& net = rig.net;
    const auto& ctx = rig.ctx;
    const auto at = [&](const char* node) { return rig.at(node); };
    const auto [a0_lat, a0_lon] = at("a0");
    const auto [a1_lat, a1_lon] = at("a1");
    const auto [a4_lat, a4_lon] = at("a4");
    const auto [gw_lat, gw_lon] = at("gw");
    std::vector<routing::RouteQuery> q(4);
    for (auto& x : q)
        x.from_lat = a1_lat, x.from_lon = a1_lon, x.to_lat = gw_lat, x.to_lon = gw_lon, x.mode = core::Mode::transit;
    q[0].id = "morning", q[0].departure_s = 8 * 3600;
    q[1].id = "early", q[1].departure_s = 4 * 3600;
    q[2].id = "walk", q[2].mode = core::Mode::walk, q[2].departure_s = 8 * 3600;
    q[2].from_lat = a0_lat, q[2].from_lon = a0_lon, q[2].to_lat = a4_lat, q[2].to_lon = a4_lon;
    // Leaving at 08:07:26 exactly: the 08:10 train's journey leaves then.
    q[3].id = "on-time", q[3].departure_s = 8 * 3600 + 446;
    routing::RouteOptions o;
    o.window_s = 30 * 60;
    const auto answers = routing::answer_route_queries(ctx, q, o);
    CHECK(answers.profile);
    const auto rows_of = [&](std::uint32_t query) {
        std::vector<routing::RouteAnswer> v;
        for (const auto& a : answers.rows)
            if (a.query == query) v.push_back(a);
        return v;
    };
    // Window [08:00:00, 08:30:00] on leaving the origin: the trains that leave West at 08:10,
    // 08:20 and 08:30 (leaving a1 at 08:07:26, 08:17:26, 08:27:26); the 08:40 one would mean
    // leaving at 08:37:26, after the window. Boarding at East instead means leaving earlier for
    // the same arrival: not Pareto-optimal.
    const auto morning = rows_of(0);
    REQUIRE(morning.size() == 3);
    for (std::size_t k = 0; k < 3; ++k) {
        const auto& a = morning[k];
        const std::int32_t train = 8 * 3600 + 600 * static_cast<std::int32_t>(k + 1);
        CHECK(a.found);
        CHECK(a.journey == k + 1);
        CHECK(a.journeys == 3);
        CHECK(a.depart_s == train - 154);
        CHECK(a.arrive_s == train + 390 + 308);
        CHECK(a.time_s == 154 + 390 + 308);  // from leaving: no wait
        CHECK(a.transit.wait_s == 0);
        CHECK(a.transit.transfers == 0);
        CHECK(a.min_time_s == 852);
        CHECK(a.median_time_s == 852);
        REQUIRE(a.leg_count == 3);
        CHECK(answers.legs.depart_s[a.first_leg + 1] == train);
        CHECK(answers.legs.from_stop[a.first_leg + 1] == net.find_stop("st_west"));
    }
    // Before the first train, nothing leaves in the window: one row, not found, with the reason.
    const auto early = rows_of(1);
    REQUIRE(early.size() == 1);
    CHECK_FALSE(early[0].found);
    CHECK(early[0].journey == 0);
    CHECK(early[0].journeys == 0);
    CHECK(early[0].reason == "no transit journey leaves between 04:00:00 and 04:30:00");
    // A walk does not depend on the hour: one row.
    const auto walk = rows_of(2);
    REQUIRE(walk.size() == 1);
    CHECK(walk[0].journeys == 1);
    CHECK(walk[0].time_s == doctest::Approx(800 / 1.3));
    // Both ends of the window are in it: [08:07:26, 08:37:26] holds four journeys.
    const auto on_time = rows_of(3);
    REQUIRE(on_time.size() == 4);
    CHECK(on_time.front().depart_s == 8 * 3600 + 446);
    CHECK(on_time.back().depart_s == 8 * 3600 + 446 + 1800);
    // One second shorter from 08:00, the 08:30 train's journey (leaving 08:27:26) falls out.
    o.window_s = 27 * 60 + 25;
    CHECK(routing::answer_route_queries(ctx, q, o).rows.size() == 2 + 1 + 1 + 3);
    o.window_s = 27 * 60 + 26;
    CHECK(routing::answer_route_queries(ctx, q, o).rows.size() == 3 + 1 + 1 + 3);

    // The same rows, in the same order, at one thread as at several.
    {
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        o.window_s = 30 * 60;
        const auto serial = routing::answer_route_queries(ctx, q, o);
        REQUIRE(serial.rows.size() == answers.rows.size());
        for (std::size_t i = 0; i < serial.rows.size(); ++i) {
            CHECK(serial.rows[i].query == answers.rows[i].query);
            CHECK(serial.rows[i].depart_s == answers.rows[i].depart_s);
            CHECK(serial.rows[i].first_leg == answers.rows[i].first_leg);
        }
        CHECK(serial.legs.depart_s == answers.legs.depart_s);
    }

    const auto dir = flemsim::test::scratch("batch");
    std::filesystem::create_directories(dir);
    routing::write_route_answers(dir / "profile.csv", q, answers);
    routing::write_route_legs(dir / "profile.legs.csv", q, answers, net);
    std::ifstream in(dir / "profile.csv");
    std::string header, first;
    std::getline(in, header);
    std::getline(in, first);
    CHECK(header ==
          "id,mode,found,journey,journeys,depart,arrive,travel_time_s,distance_m,access_s,wait_s,"
          "in_vehicle_s,egress_s,transfers,lines,stops,min_travel_time_s,median_travel_time_s,snap_from_m,"
          "snap_to_m,reason");
    CHECK(first.rfind("morning,transit,1,1,3,08:07:26,08:21:38,852.0,", 0) == 0);
    CHECK(first.find(",r1,st_west>st_city,852.0,852.0,") != std::string::npos);
    std::ifstream legs(dir / "profile.legs.csv");
    std::string line;
    std::getline(legs, line);
    std::vector<std::string> rides;
    while (std::getline(legs, line))
        if (line.find(",ride,") != std::string::npos && line.rfind("morning,", 0) == 0) rides.push_back(line);
    REQUIRE(rides.size() == 3);
    CHECK(rides[0] == "morning,1,2,ride,r1,,st_west,08:10:00,st_city,08:16:30,0,0");
    CHECK(rides[1] == "morning,2,2,ride,r1,,st_west,08:20:00,st_city,08:26:30,0,0");
    CHECK(rides[2] == "morning,3,2,ride,r1,,st_west,08:30:00,st_city,08:36:30,0,0");
}

TEST_CASE("departure windows are durations with a unit, or seconds") {
    using routing::parse_departure_window;
    CHECK(parse_departure_window("3600") == 3600);
    CHECK(parse_departure_window("1h") == 3600);
    CHECK(parse_departure_window("30m") == 1800);
    CHECK(parse_departure_window("90s") == 90);
    CHECK(parse_departure_window("1h30m") == 5400);
    CHECK(parse_departure_window("2h0m15s") == 7215);
    CHECK(parse_departure_window("24h") == 86400);
    CHECK(parse_departure_window("1") == 1);  // one second is a (short) window
    for (const char* bad : {"", "0", "0m", "-5", "+5", "1x", "h", "30m1h", "1h1h", "1.5h", " 1h", "1h ", "25h", "86401",
                            "99999999999", "1 h", "m30"})
        CHECK_MESSAGE(!parse_departure_window(bad), bad);
}

namespace {

// Every street query of `net` between random node pairs answered twice: once with one query
// per origin (the CCH's one-to-one queries) and once with each origin asked 20 times (one
// Dijkstra search per origin); the answers must be the same to the bit, since both sum the
// arcs' times and lengths along the path in its order and the paths' costs are equal.
void check_cch_equals_dijkstra(const network::Network& net, const routing::RoutingContext& ctx, std::uint32_t seed) {
    std::vector<routing::RouteQuery> single, repeated;
    std::uint64_t state = seed;
    const auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::uint32_t>(state >> 33);
    };
    const auto n = static_cast<std::uint32_t>(net.node_count());
    for (const auto mode : {core::Mode::walk, core::Mode::bike, core::Mode::car})
        for (int k = 0; k < 60; ++k) {
            const auto a = next() % n, b = next() % n;
            routing::RouteQuery q;
            q.id = std::to_string(single.size());
            q.mode = mode;
            q.departure_s = 8 * 3600;
            std::tie(q.from_lat, q.from_lon) = net.to_lat_lon(net.node_x_m[a], net.node_y_m[a]);
            std::tie(q.to_lat, q.to_lon) = net.to_lat_lon(net.node_x_m[b], net.node_y_m[b]);
            single.push_back(q);
            for (int r = 0; r < 20; ++r) repeated.push_back(q);
        }
    const auto one = routing::answer_route_queries(ctx, single);
    const auto many = routing::answer_route_queries(ctx, repeated);
    REQUIRE(one.rows.size() == single.size());
    REQUIRE(many.rows.size() == repeated.size());
    std::size_t found = 0;
    for (std::size_t i = 0; i < single.size(); ++i) {
        const auto& x = one.rows[i];
        const auto& y = many.rows[20 * i];
        CAPTURE(i);
        CHECK(x.found == y.found);
        CHECK(x.time_s == y.time_s);
        CHECK(x.distance_m == y.distance_m);
        CHECK(x.arrive_s == y.arrive_s);
        found += x.found ? 1 : 0;
    }
    CHECK(found > single.size() / 2);
}

}  // namespace

TEST_CASE("street queries on the CCH answer as the Dijkstra searches do") {
    const TinyRig rig;
    for (std::uint32_t seed = 1; seed <= 3; ++seed) check_cch_equals_dijkstra(rig.net, rig.ctx, seed);
    // A real street network: the Östermalm extract (one-way streets, turn restrictions).
    const auto shared = flemsim::test::shared_data("data/osm/stockholm-ostermalm.osm");
    if (!shared) return;
    network::Network net;
    network::import::OsmReport report;
    network::import::import_osm(*shared, {}, net, report);
    const auto ctx = routing::build_routing(net, rig.s);
    for (std::uint32_t seed = 1; seed <= 3; ++seed) check_cch_equals_dijkstra(net, ctx, seed);
}
