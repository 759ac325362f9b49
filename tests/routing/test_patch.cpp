#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "sim/core/error.hpp"
#include "sim/network/network.hpp"
#include "sim/network/patch.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/transit.hpp"
#include "sim/scenario/config_tree.hpp"
#include "sim/scenario/scenario.hpp"

using namespace flemsim;
using routing::ShortestPathTree;

namespace {
const std::filesystem::path data = FLEMSIM_TEST_DATA;

// The tiny network (a straight street a0..a4, 200 m apart) with the patch in `yaml`.
network::Network patched(const std::string& yaml) {
    auto net = network::load_network(data / "tiny");
    const auto root = scenario::parse_yaml(yaml, "patch.yaml");
    REQUIRE(root.find("network_patch") != nullptr);
    network::apply_patch(net, *root.find("network_patch"));
    return net;
}

std::string error_of(const std::string& yaml) {
    try {
        patched(yaml);
    } catch (const core::InputError& e) {
        return e.what();
    }
    return "(no error)";
}

double walk_m(const network::Network& net, const char* from, const char* to) {
    const auto g = routing::build_street_graph(net, core::Mode::walk, 1.25);
    ShortestPathTree t(g);
    t.run(net.find_node(from));
    return t.reached(net.find_node(to)) ? t.length_m(net.find_node(to)) : -1;
}
}  // namespace

TEST_CASE("a bridge shortens a known walk by the hand-computed amount") {
    CHECK(walk_m(network::load_network(data / "tiny"), "a0", "a4") == doctest::Approx(800));
    // A footbridge from a1 to a3 of 300 m (say, over a railway in a curve) beside the
    // 400 m street: the walk a0 -> a4 becomes 200 + 300 + 200 = 700 m, 100 m shorter.
    const auto net = patched(R"(
network_patch:
  add_links:
    - {id: bridge, from: a1, to: a3, length_m: 300, modes: walk|bike, type: cycleway}
)");
    CHECK(net.link_count() == 7);
    CHECK(walk_m(net, "a0", "a4") == doctest::Approx(700));
    // Without a length the bridge is the straight line: 400 m, no shorter than the street.
    CHECK(walk_m(patched(R"(
network_patch:
  add_links: [{id: bridge, from: a1, to: a3, modes: walk}]
)"),
                 "a0", "a4") == doctest::Approx(800));
}

TEST_CASE("removing and changing links") {
    // Without l12 the street is cut; a new node and two links go round: 200 + 2 * hypot(100, 150).
    const auto net = patched(R"(
network_patch:
  remove_links: [l12]
  add_nodes: [{id: detour, x_m: 300, y_m: 150}]
  add_links:
    - {id: d1, from: a1, to: detour, modes: walk|bike|car, car_speed_kph: 36, lanes: 1, capacity_veh_per_h: 600}
    - {id: d2, from: detour, to: a2, modes: walk|bike|car, car_speed_kph: 36, lanes: 1, capacity_veh_per_h: 600}
)");
    CHECK(net.link_count() == 7);
    CHECK(net.find_node("detour") == 7);
    CHECK(walk_m(net, "a0", "a2") == doctest::Approx(200 + 2 * std::hypot(100.0, 150.0)));
    // Bikes allowed on the regional road: the gateway is 5,000 m by bike from a0.
    const auto bike_too = patched(R"(
network_patch:
  change_links:
    r4g: {modes: car|bike}
)");
    const auto bike = routing::build_street_graph(bike_too, core::Mode::bike, 5);
    ShortestPathTree b(bike);
    b.run(bike_too.find_node("a0"));
    CHECK(b.length_m(bike_too.find_node("gw")) == doctest::Approx(5000));
    CHECK(bike_too.link_capacity_veh_per_h[4] == 1800);  // r4g keeps its car attributes
    // A slower street: 36 -> 18 km/h on l01 adds 20 s to the car's 290 s to the gateway.
    const auto slow = patched(R"(
network_patch:
  change_links:
    l01: {car_speed_kph: 18}
)");
    const auto g = routing::build_street_graph(slow, core::Mode::car, 0);
    ShortestPathTree s(g);
    s.run(slow.find_node("a0"));
    CHECK(s.time_s(slow.find_node("gw")) == doctest::Approx(80 + 210 + 20));
}

TEST_CASE("a changed headway and a new line change the waits as stated") {
    routing::TransitParams p;
    p.max_access_walk_m = 1200;
    p.max_wait_s = 1800;
    p.w_in_vehicle = 0.03 / 60;
    p.w_wait = 0.05 / 60;
    p.w_walk = 0.06 / 60;
    const auto wait_from_a1 = [&](const network::Network& net) {
        const auto walk = routing::build_street_graph(net, core::Mode::walk, 1.3);
        routing::TransitModel model(net, walk, p);
        routing::TransitQuery q(model);
        q.run(net.find_node("a1"), 8);
        const auto path = q.path_to(net.find_node("gw"), 8 * 3600);
        REQUIRE(path.found);
        return path.wait_s;
    };
    // Leaving a1 at 08:00, 154 s to West station: the 08:10 train.
    CHECK(wait_from_a1(network::load_network(data / "tiny")) == 600 - 154);
    const auto faster = patched(R"(
network_patch:
  change_headways:
    r1:
      - {from: "05:00:00", to: "24:00:00", headway_s: 240}
)");
    // Every 240 s from 05:00: 08:00:00, then 08:04:00.
    CHECK(wait_from_a1(faster) == 240 - 154);
    // An express from a new stop at a1 straight to the city, every 2 minutes from 06:00:
    // one leaves at 08:00:00 as the traveller arrives.
    const auto express = patched(R"(
network_patch:
  add_vehicles: [{id: tram, name: Tram, seated: 70, standing: 150}]
  add_stops: [{id: st_a1, name: A1, node: a1}]
  add_lines:
    - id: x1
      name: Express
      mode: tram
      vehicle: tram
      stops: [{stop: st_a1}, {stop: st_city, run_time_s: 300}]
      headways: [{from: "06:00:00", to: "20:00:00", headway_s: 120}]
)");
    CHECK(express.line_count() == 2);
    CHECK(express.stop_count() == 4);
    CHECK(wait_from_a1(express) == 0);
}

TEST_CASE("a patch that names something the network lacks is an error at its position") {
    const auto missing = error_of("network_patch:\n  remove_links: [l12, l99]\n");
    CHECK(missing.find("patch.yaml:2:") != std::string::npos);
    CHECK(missing.find("network_patch.remove_links[1]") != std::string::npos);
    CHECK(missing.find("no link 'l99'") != std::string::npos);
    CHECK(error_of("network_patch:\n  change_headways:\n    r2: [{from: '06:00:00', to: '07:00:00', headway_s: 60}]\n")
              .find("no line 'r2'") != std::string::npos);
    CHECK(error_of("network_patch:\n  add_links: [{id: l01, from: a0, to: a1, modes: walk}]\n")
              .find("link 'l01' exists already") != std::string::npos);
    CHECK(error_of("network_patch:\n  add_links: [{id: x, from: a0, to: zz, modes: walk}]\n").find("no node 'zz'") !=
          std::string::npos);
    CHECK(error_of("network_patch:\n  add_links: [{id: x, from: a0, to: a1, modes: walk|boat}]\n")
              .find("unknown mode 'boat'") != std::string::npos);
    // The patched network is checked like a loaded one: cutting the street strands a3.
    CHECK(error_of("network_patch:\n  remove_links: [l12]\n").find("cannot be reached") != std::string::npos);
    // ... and the error is the patch's: its position in the scenario first, the zone named.
    // A new line may not serve a stop on a node without links: the error is at that stop.
    CHECK(error_of("network_patch:\n  add_nodes: [{id: lone, x_m: 900, y_m: 900}]\n"
                   "  add_stops: [{id: st_lone, name: Lone, node: lone}]\n"
                   "  add_lines:\n    - {id: x1, name: X, mode: bus, vehicle: train, stops: [{stop: st_west}, "
                   "{stop: st_lone, run_time_s: 60}],\n       headways: [{from: '06:00:00', to: '07:00:00', "
                   "headway_s: 600}]}\n")
              .find("patch.yaml:5:84: network_patch.add_lines[0].stops[1].stop: stop 'st_lone' is on node 'lone', "
                    "which has no links") != std::string::npos);
    const auto stranded = error_of("network_patch:\n  remove_links: [l12]\n");
    CHECK(stranded.rfind("patch.yaml:2:3: network_patch: after the patch, node '", 0) == 0);
    CHECK(stranded.find("' of zone '") != std::string::npos);
    CHECK(error_of("network_patch:\n  add_link: []\n").find("add_link") != std::string::npos);
    CHECK(error_of("network_patch:\n  add_links: [{id: c, from: a0, to: a1, modes: car}]\n")
              .find("needs car_speed_kph") != std::string::npos);
}

TEST_CASE("every shipped option loads and changes its base as it says") {
    const std::filesystem::path scenarios = std::filesystem::path(FLEMSIM_SOURCE_DIR) / "scenarios";
    const auto base = network::load_scenario_network(scenario::load_scenario(scenarios / "flemingsberg-2030.yaml"));
    const auto option = [&](const char* file) { return scenario::load_scenario(scenarios / "options" / file); };
    const auto bridge = network::load_scenario_network(option("2030-station-bridge.yaml"));
    CHECK(bridge.link_count() == base.link_count() + 1);
    CHECK(walk_m(bridge, "n1696", "n1811") < walk_m(base, "n1696", "n1811"));
    const auto tram = network::load_scenario_network(option("2030-sparvag-syd.yaml"));
    CHECK(tram.line_count() == base.line_count() + 1);
    CHECK(tram.line_mode[tram.find_line("sparvag_syd")] == network::LineMode::tram);
    const auto trains = network::load_scenario_network(option("2030-ten-trains-an-hour.yaml"));
    const auto l = trains.find_line("pendel_40_41");
    int peak = 0;
    for (auto h = trains.line_first_headway[l]; h < trains.line_first_headway[l + 1]; ++h)
        if (trains.headway_s[h] == 360) peak += trains.headway_to_s[h] - trains.headway_from_s[h];
    CHECK(peak == 8 * 3600);  // 06-09 and 14-19
    const auto cycle = network::load_scenario_network(option("2030-regional-cycle-route.yaml"));
    CHECK(cycle.link_count() == base.link_count() + 1);
    const auto parking = option("2030-parking-charges.yaml");
    CHECK(parking.modes.car.parking_sek.at("campus_flemingsberg") == 50);
    const auto dense = option("2030-denser-near-station.yaml");
    double before = 0, after = 0;
    for (const auto& u : scenario::load_scenario(scenarios / "flemingsberg-2030.yaml").land_use) before += u.residents;
    for (const auto& u : dense.land_use) after += u.residents;
    CHECK(after == before);
}
