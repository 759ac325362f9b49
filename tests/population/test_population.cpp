#include <doctest/doctest.h>

#include <tbb/global_control.h>

#include <cmath>
#include <filesystem>
#include <map>

#include "../mobsim/mobsim_fixture.hpp"
#include "sim/network/network.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/scenario.hpp"

using namespace flemsim;

namespace {
const std::filesystem::path data = FLEMSIM_TEST_DATA;

struct Fixture {
    scenario::Scenario s = scenario::load_scenario(data / "tiny.yaml");
    network::Network net = network::load_network(s.network);
    population::ZoneData zones = population::resolve_zone_data(s, net);
    population::ZoneImpedance imp;
    Fixture() {
        const auto ctx = routing::build_routing(net, s);
        imp = routing::compute_zone_impedance(ctx, 8 * 3600);
    }
};
}  // namespace

TEST_CASE("gravity weights") {
    CHECK(population::gravity_weight(100, -0.1, 10) == doctest::Approx(100 * std::exp(-1.0)));
    CHECK(population::gravity_weight(0, -0.1, 10) == 0);
    CHECK(population::gravity_weight(100, -0.1, std::numeric_limits<double>::infinity()) == 0);
}

TEST_CASE("synthesis fills every job and study place exactly") {
    Fixture f;
    population::SynthesisSummary sum;
    const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp, &sum);
    const auto west = f.net.find_zone("west"), east = f.net.find_zone("east"), city = f.net.find_zone("city");
    CHECK(sum.residents == 400);
    std::map<std::uint32_t, int> workers_at, students_at, residents_of;
    for (std::size_t p = 0; p < pop.person_count(); ++p) {
        if (pop.work_zone[p] != core::invalid_index) ++workers_at[pop.work_zone[p]];
        if (pop.study_zone[p] != core::invalid_index) ++students_at[pop.study_zone[p]];
        if (core::is_resident(pop.group[p])) {
            ++residents_of[pop.home_zone[p]];
            CHECK(f.net.node_zone[pop.home_node[p]] == pop.home_zone[p]);
        } else {
            // In-commuters live at the gateway (its one node here) and work or study in the study area.
            CHECK(pop.home_zone[p] == city);
            CHECK(pop.home_node[p] == f.net.zone_centroid[city]);
            const auto place = pop.group[p] == core::Group::worker ? pop.work_zone[p] : pop.study_zone[p];
            CHECK(f.net.zone_kind[place] == network::ZoneKind::study);
        }
        if (pop.group[p] == core::Group::resident) {
            CHECK(pop.work_zone[p] == core::invalid_index);
            CHECK(pop.study_zone[p] == core::invalid_index);
        }
    }
    CHECK(residents_of[west] == 300);
    CHECK(residents_of[east] == 100);
    CHECK(workers_at[west] == 20);
    CHECK(workers_at[east] == 150);
    CHECK(students_at[west] == 0);
    CHECK(students_at[east] == 200);
    // Residents also work outside (the gateway has jobs).
    CHECK(workers_at[city] > 0);
    CHECK(sum.in_commuting_workers + (sum.resident_workers - workers_at[city]) == 170);
}

TEST_CASE("in-commuters live at every node of their gateway in equal shares") {
    // The gateway 'city' gets a second node (its stop node 'gws', standing for a station's access
    // point): the in-commuters' homes are drawn over both, so each holds half of them, within
    // 3 % for the 5,000 or so in-commuters (a binomial share has a standard deviation of 0.7 %).
    Fixture f;
    const auto city = f.net.find_zone("city"), east = f.net.find_zone("east");
    const auto hub = f.net.zone_centroid[city], access = f.net.find_node("gws");
    f.net.node_zone[access] = city;
    f.net.zone_nodes.clear();
    f.net.zone_first_node.assign(1, 0);
    for (std::uint32_t z = 0; z < f.net.zone_count(); ++z) {
        for (std::uint32_t n = 0; n < f.net.node_count(); ++n)
            if (f.net.node_zone[n] == z) f.net.zone_nodes.push_back(n);
        f.net.zone_first_node.push_back(static_cast<std::uint32_t>(f.net.zone_nodes.size()));
    }
    f.zones.jobs[east] = 5000;  // places for many in-commuting workers
    const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp);
    std::map<std::uint32_t, double> homes;
    double in_commuters = 0;
    for (std::size_t p = 0; p < pop.person_count(); ++p) {
        if (core::is_resident(pop.group[p])) continue;
        CHECK(pop.home_zone[p] == city);
        ++homes[pop.home_node[p]];
        ++in_commuters;
    }
    REQUIRE(in_commuters > 4000);
    CHECK(homes.size() == 2);
    CHECK(homes[hub] / in_commuters == doctest::Approx(0.5).epsilon(0.06));
    CHECK(homes[access] / in_commuters == doctest::Approx(0.5).epsilon(0.06));
    // Work and other destinations in the gateway use both nodes too.
    std::map<std::uint32_t, int> gateway_places;
    for (std::size_t p = 0; p < pop.person_count(); ++p)
        if (pop.work_zone[p] == city) ++gateway_places[pop.work_node[p]];
    CHECK(gateway_places.size() == 2);
    // The same persons at the same nodes on another run and with one thread.
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    const auto again = population::synthesize(f.s, f.net, f.zones, f.imp);
    CHECK(again.home_node == pop.home_node);
}

TEST_CASE("day plans: tours in order, separated, within the profiles") {
    Fixture f;
    const auto pop = population::synthesize(f.s, f.net, f.zones, f.imp);
    REQUIRE(pop.tour_count() > 0);
    std::size_t work_tours = 0;
    for (std::size_t p = 0; p < pop.person_count(); ++p) {
        for (auto t = pop.person_first_tour[p]; t < pop.person_first_tour[p + 1]; ++t) {
            CHECK(pop.person_of_tour(t) == p);
            CHECK(pop.tour_return_s[t] > pop.tour_depart_s[t]);
            if (t > pop.person_first_tour[p]) CHECK(pop.tour_depart_s[t] >= pop.tour_return_s[t - 1] + 1800);
            if (pop.tour_purpose[t] == core::Purpose::work) {
                ++work_tours;
                CHECK(pop.tour_zone[t] == pop.work_zone[p]);
                CHECK(pop.tour_node[t] == pop.work_node[p]);
                // The tiny work profile has no departures before 05:00 (a tour may be
                // pushed later by an earlier one, never earlier).
                CHECK(pop.tour_depart_s[t] >= 5 * 3600);
                CHECK(pop.tour_return_s[t] - pop.tour_depart_s[t] >= 2 * 3600);
            }
        }
    }
    CHECK(work_tours > 0);
}

TEST_CASE("synthesis is the same with 1 and 2 threads") {
    Fixture f;
    population::Population a, b;
    {
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        a = population::synthesize(f.s, f.net, f.zones, f.imp);
    }
    {
        tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
        b = population::synthesize(f.s, f.net, f.zones, f.imp);
    }
    CHECK(a.home_node == b.home_node);
    CHECK(a.work_zone == b.work_zone);
    CHECK(a.study_node == b.study_node);
    CHECK(a.car_available == b.car_available);
    CHECK(a.person_first_tour == b.person_first_tour);
    CHECK(a.tour_node == b.tour_node);
    CHECK(a.tour_depart_s == b.tour_depart_s);
    // Another seed gives another population.
    f.s.seed = 43;
    const auto c = population::synthesize(f.s, f.net, f.zones, f.imp);
    CHECK(c.home_node != a.home_node);
}

TEST_CASE("land use naming zones the network lacks is an error at the scenario line") {
    Fixture f;
    f.s.land_use[0].zone = "wset";
    CHECK_THROWS_WITH_AS(
        population::resolve_zone_data(f.s, f.net),
        doctest::Contains("land_use.wset: no such study zone in network 'Tiny' (did you mean 'west'?)"),
        core::InputError);
    f.s.land_use[0].zone = "city";
    CHECK_THROWS_WITH_AS(population::resolve_zone_data(f.s, f.net), doctest::Contains("is a gateway zone"),
                         core::InputError);
}

TEST_CASE("a study area without gateways has no in-commuters and its free places stay empty") {
    auto w = flemsim::testing::make_world({"a", "b"}, {{0, 0}, {500, 0}}, {{"a", "b", 500, 36, 600, 1}});
    population::ZoneData zones;
    for (auto* v : {&zones.residents, &zones.jobs, &zones.study_places, &zones.visits, &zones.gw_workers,
                    &zones.gw_students, &zones.gw_jobs, &zones.gw_study_places, &zones.gw_visits})
        v->assign(1, 0.0);
    zones.residents[0] = 100;
    zones.jobs[0] = 500;
    zones.study_places[0] = 50;
    zones.visits[0] = 10;
    population::ZoneImpedance imp{1, {1.0}};
    population::SynthesisSummary sum;
    const auto pop = population::synthesize(w.scenario, w.net, zones, imp, &sum);
    CHECK(sum.residents == 100);
    CHECK(sum.in_commuting_workers == 0);
    CHECK(sum.in_commuting_students == 0);
    CHECK(pop.person_count() == 100);
    for (std::size_t p = 0; p < pop.person_count(); ++p) CHECK(core::is_resident(pop.group[p]));
}
