// Packages that stack: options combined with `combine:` give the network of both, an option
// that extends another adds its patch to the other's, and two files that change one element
// in different ways are an error naming both.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "sim/core/error.hpp"
#include "sim/network/network.hpp"
#include "sim/network/patch.hpp"
#include "sim/scenario/scenario.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;

namespace {
const std::filesystem::path tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny.yaml";

std::filesystem::path dir() {
    return flemsim::test::scratch("packages");
}

std::filesystem::path write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories(dir() / "options");
    std::ofstream(dir() / name) << text;
    return dir() / name;
}

// An option over the tiny scenario (written in options/, extending ../base.yaml).
std::filesystem::path option(const std::string& name, const std::string& text) {
    return write("options/" + name, "extends: ../base.yaml\nname: " + name.substr(0, name.size() - 5) + "\n" + text);
}

std::size_t find_link(const network::Network& net, const std::string& id) {
    const auto it = std::find(net.link_ids.begin(), net.link_ids.end(), id);
    return it == net.link_ids.end() ? core::invalid_index : static_cast<std::size_t>(it - net.link_ids.begin());
}

std::string error_of(const std::filesystem::path& p) {
    try {
        network::load_scenario_network(scenario::load_scenario(p));
    } catch (const core::InputError& e) {
        return e.what();
    }
    return "(no error)";
}

void write_base(const std::string& own = "") {
    write("base.yaml", "extends: " + tiny.string() + "\n" + own);
}

const std::string bridge = R"(description: a footbridge
network_patch:
  add_links:
    - {id: bridge, from: a1, to: a3, length_m: 300, modes: walk|bike, type: cycleway}
  change_links:
    l12: {capacity_veh_per_h: 900}
)";
const std::string trains = R"(description: more trains
network_patch:
  add_nodes:
    - {id: b0, x_m: 0, y_m: 300}
  add_links:
    - {id: spur, from: a0, to: b0, modes: walk}
  change_links:
    l12: {lanes: 2}
  change_headways:
    r1: [{from: "05:00:00", to: "24:00:00", headway_s: 300}]
modes:
  car:
    parking_sek: {west: 30}
)";
}  // namespace

TEST_CASE("two options combined give the network of both") {
    write_base();
    option("bridge.yaml", bridge);
    option("trains.yaml", trains);
    const auto package = write("options/package.yaml", "combine: [bridge.yaml, trains.yaml]\n");
    const auto s = scenario::load_scenario(package);
    CHECK(s.name == "bridge+trains");
    CHECK(s.description == "combines: a footbridge; more trains");
    CHECK(s.packages == std::vector<std::string>{"bridge", "trains"});
    const auto net = network::load_scenario_network(s);
    // The tiny network: 7 nodes and 6 links; the bridge adds a link, the trains a node and a link.
    CHECK(net.node_count() == 7 + 1);
    CHECK(net.link_count() == 6 + 2);
    CHECK(find_link(net, "bridge") != core::invalid_index);
    CHECK(find_link(net, "spur") != core::invalid_index);
    // Different attributes of one link from the two options both hold.
    const auto l12 = find_link(net, "l12");
    CHECK(net.link_capacity_veh_per_h[l12] == 900);
    CHECK(net.link_lanes[l12] == 2);
    const auto r1 = net.find_line("r1");
    CHECK(net.headway_s[net.line_first_headway[r1]] == 300);
    // The trains option's parking charge holds whichever order the package lists the options in:
    // the bridge option carries only the base's value.
    CHECK(s.modes.car.parking_sek.at("west") == 30);
    const auto reversed =
        scenario::load_scenario(write("options/reversed.yaml", "combine: [trains.yaml, bridge.yaml]\n"));
    CHECK(reversed.modes.car.parking_sek.at("west") == 30);
    CHECK(network::load_scenario_network(reversed).link_count() == 8);
    // The package's own keys win and name it.
    const auto named = scenario::load_scenario(
        write("options/named.yaml", "combine: [bridge.yaml, trains.yaml]\nname: both\ndescription: Both options\n"));
    CHECK(named.name == "both");
    CHECK(named.description == "Both options");
}

TEST_CASE("the base's own patch is counted once in a package, and a child's patch adds to its base's") {
    write_base(R"(network_patch:
  add_links:
    - {id: base_link, from: a0, to: a2, modes: walk}
)");
    option("bridge.yaml", bridge);
    option("trains.yaml", trains);
    const auto s = scenario::load_scenario(write("options/package.yaml", "combine: [bridge.yaml, trains.yaml]\n"));
    CHECK(network::load_scenario_network(s).link_count() == 6 + 1 + 2);
    // An option that extends another: its patch adds to the other's (not replaces it).
    const auto more = write("options/more.yaml", R"(extends: bridge.yaml
name: more
network_patch:
  add_links:
    - {id: bridge2, from: a2, to: a4, length_m: 300, modes: walk}
  change_links:
    l12: {capacity_veh_per_h: 1200}
)");
    const auto net = network::load_scenario_network(scenario::load_scenario(more));
    CHECK(net.link_count() == 6 + 1 + 2);                               // base_link, bridge, bridge2
    CHECK(net.link_capacity_veh_per_h[find_link(net, "l12")] == 1200);  // a child changes again what its base did
}

TEST_CASE("conflicting options are an error naming both files") {
    write_base();
    option("bridge.yaml", bridge);
    // The same link's capacity set to different values.
    option("wider.yaml", "network_patch:\n  change_links:\n    l12: {capacity_veh_per_h: 1500}\n");
    auto msg = error_of(write("options/p1.yaml", "combine: [bridge.yaml, wider.yaml]\n"));
    CHECK(msg.find("wider.yaml:5:") != std::string::npos);
    CHECK(msg.find("bridge.yaml:") != std::string::npos);
    CHECK(msg.find("l12.capacity_veh_per_h") != std::string::npos);
    // One link id added in two ways.
    option("other.yaml", "network_patch:\n  add_links:\n    - {id: bridge, from: a0, to: a4, modes: walk}\n");
    msg = error_of(write("options/p2.yaml", "combine: [bridge.yaml, other.yaml]\n"));
    CHECK(msg.find("other.yaml:5:") != std::string::npos);
    CHECK(msg.find("bridge.yaml:6:") != std::string::npos);
    CHECK(msg.find("'bridge' is added") != std::string::npos);
    // Added alike twice is one link.
    option("same.yaml",
           "network_patch:\n  add_links:\n    - {id: bridge, from: a1, to: a3, length_m: 300, "
           "modes: walk|bike, type: cycleway}\n");
    CHECK(network::load_scenario_network(
              scenario::load_scenario(write("options/p3.yaml", "combine: [bridge.yaml, same.yaml]\n")))
              .link_count() == 7);
    // Headways of one line in two ways.
    option("t1.yaml",
           "network_patch:\n  change_headways:\n    r1: [{from: \"05:00:00\", to: \"24:00:00\", headway_s: 300}]\n");
    option("t2.yaml",
           "network_patch:\n  change_headways:\n    r1: [{from: \"05:00:00\", to: \"24:00:00\", headway_s: 450}]\n");
    msg = error_of(write("options/p4.yaml", "combine: [t1.yaml, t2.yaml]\n"));
    CHECK(msg.find("t2.yaml:5:") != std::string::npos);
    CHECK(msg.find("t1.yaml:5:") != std::string::npos);
    // A link one option removes and another changes.
    option("rm.yaml", "network_patch:\n  remove_links: [l12]\n");
    msg = error_of(write("options/p5.yaml", "combine: [rm.yaml, wider.yaml]\n"));
    CHECK(msg.find("wider.yaml") != std::string::npos);
    CHECK(msg.find("rm.yaml:4:") != std::string::npos);
    CHECK(msg.find("removed") != std::string::npos);
    // A scenario value set differently by two options.
    option("park20.yaml", "modes: {car: {parking_sek: {east: 25}}}\n");
    option("park40.yaml", "modes: {car: {parking_sek: {east: 40}}}\n");
    msg = error_of(write("options/p6.yaml", "combine: [park20.yaml, park40.yaml]\n"));
    CHECK(msg.find("park40.yaml:3:") != std::string::npos);
    CHECK(msg.find("park20.yaml:3:") != std::string::npos);
    CHECK(msg.find("modes.car.parking_sek.east") != std::string::npos);
    // A package that also extends, a missing option, an option that is the package itself.
    CHECK(error_of(write("options/p7.yaml", "extends: ../base.yaml\ncombine: [bridge.yaml]\n"))
              .find("cannot also extend") != std::string::npos);
    CHECK(error_of(write("options/p8.yaml", "combine: [bridge.yaml, nope.yaml]\n")).find("p8.yaml:1:") !=
          std::string::npos);
    CHECK(error_of(write("options/p9.yaml", "combine: [p9.yaml]\n")).find("makes a cycle") != std::string::npos);
}

TEST_CASE("the shipped package stacks the station bridge and ten trains an hour") {
    const std::filesystem::path scenarios = std::filesystem::path(FLEMSIM_SOURCE_DIR) / "scenarios";
    const auto base = network::load_scenario_network(scenario::load_scenario(scenarios / "flemingsberg-2030.yaml"));
    const auto s = scenario::load_scenario(scenarios / "options" / "2030-package-bridge-and-trains.yaml");
    CHECK(s.packages ==
          std::vector<std::string>{"flemingsberg-2030-station-bridge", "flemingsberg-2030-ten-trains-an-hour"});
    const auto net = network::load_scenario_network(s);
    CHECK(net.link_count() == base.link_count() + 1);
    CHECK(find_link(net, "x_centrum_bridge_1") != core::invalid_index);
    const auto l = net.find_line("pendel_40_41");
    int peak = 0;
    for (auto h = net.line_first_headway[l]; h < net.line_first_headway[l + 1]; ++h)
        if (net.headway_s[h] == 360) peak += net.headway_to_s[h] - net.headway_from_s[h];
    CHECK(peak == 8 * 3600);
}
