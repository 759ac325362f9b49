#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "sim/output/trip_log.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/scenario/scenario.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;

namespace {
const std::filesystem::path data = FLEMSIM_TEST_DATA;

std::filesystem::path fresh_dir(const std::string& name) {
    const auto dir = flemsim::test::scratch("pipeline") / name;
    std::filesystem::remove_all(dir);
    return dir;
}

pipeline::RunResult run_tiny(const std::filesystem::path& out, int threads, std::vector<std::string> sets = {}) {
    scenario::LoadOptions lo;
    lo.overrides = std::move(sets);
    const auto s = scenario::load_scenario(data / "tiny.yaml", lo);
    pipeline::RunOptions o;
    o.output_dir = out;
    o.threads = threads;
    return pipeline::run(s, o);
}
}  // namespace

TEST_CASE("end to end on the tiny scenario") {
    const auto out = fresh_dir("e2e");
    const auto r = run_tiny(out, 2);
    REQUIRE(std::filesystem::exists(out / "trips.h5"));
    REQUIRE(std::filesystem::exists(out / "modal_split.json"));
    // Nothing but the two outputs and the folder's marker: no temporary files left, in the folder
    // or beside it.
    CHECK(std::distance(std::filesystem::directory_iterator(out), {}) == 3);
    CHECK(std::filesystem::exists(out / ".flemsim-output"));
    for (const auto& e : std::filesystem::directory_iterator(out.parent_path()))
        CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
    CHECK(r.trips > 0);
    CHECK(r.split.overall.total() == r.trips);

    const auto log = output::read_trip_log(out / "trips.h5");
    REQUIRE(log.trips.size() == r.trips);
    CHECK(log.meta.scenario_name == "tiny");
    CHECK(log.meta.seed == 42);
    CHECK(log.meta.scenario_yaml.find("name: tiny") != std::string::npos);
    CHECK(log.meta.input_hashes.size() >= 10);
    CHECK(log.persons.size() == r.persons);
    CHECK(log.lookups.zones.size() == 3);

    std::uint64_t previous_person = 0;
    for (std::size_t i = 0; i < log.trips.size(); ++i) {
        const auto& t = log.trips[i];
        REQUIRE(t.trip_id == i);  // rows in trip-id order
        CHECK(t.person_id >= previous_person);
        previous_person = t.person_id;
        // Components add up to the door-to-door time (rounded to whole seconds).
        const double parts = t.access_s + t.wait_s + t.in_vehicle_s + t.transfer_walk_s + t.egress_s;
        CHECK(std::abs(parts - (t.arr_time_s - t.dep_time_s)) <= 1.0);
        CHECK(t.distance_m >= 0);
        if (t.mode == static_cast<std::uint8_t>(core::Mode::transit)) {
            CHECK(t.board_stop >= 0);
            CHECK(t.first_line == 0);
        } else {
            CHECK(t.board_stop == -1);
        }
        // Every trip starts or ends in the study area.
        const bool o_study = log.lookups.zones[t.origin_zone].kind == "study";
        const bool d_study = log.lookups.zones[t.dest_zone].kind == "study";
        CHECK((o_study || d_study));
        // A person's car use is consistent with its availability (or a counted fallback).
        const auto& p = log.persons[t.person_id];
        if (r.fallback_tours == 0 && t.mode == static_cast<std::uint8_t>(core::Mode::car)) CHECK(p.car_available == 1);
    }
    // The report recomputed from the file equals the run's.
    const auto again =
        report::compute_modal_split(log.trips, log.meta.distance_bands_km, log.meta.target_sustainable_share);
    CHECK(again.overall.trips == r.split.overall.trips);
    CHECK(report::modal_split_json(again).find("\"trips\": " + std::to_string(r.trips)) != std::string::npos);
}

TEST_CASE("/trips is byte-identical with 1 and 2 threads, and differs with another seed") {
    const auto a = fresh_dir("t1"), b = fresh_dir("t2"), c = fresh_dir("seed");
    run_tiny(a, 1);
    run_tiny(b, 2);
    run_tiny(c, 2, {"seed=43"});
    const auto bytes_a = output::read_dataset_bytes(a / "trips.h5", "/trips");
    const auto bytes_b = output::read_dataset_bytes(b / "trips.h5", "/trips");
    REQUIRE(!bytes_a.empty());
    CHECK(bytes_a == bytes_b);
    CHECK(output::read_dataset_bytes(a / "trips.h5", "/persons") ==
          output::read_dataset_bytes(b / "trips.h5", "/persons"));
    CHECK(output::read_dataset_bytes(c / "trips.h5", "/trips") != bytes_a);
}

TEST_CASE("halving the fare and adding parking moves trips from car to transit") {
    const auto base = run_tiny(fresh_dir("base"), 2);
    const auto policy =
        run_tiny(fresh_dir("policy"), 2, {"modes.car.default_parking_sek=80", "modes.transit.fare_sek=0"});
    CHECK(policy.split.overall.share(core::Mode::car) < base.split.overall.share(core::Mode::car));
    CHECK(policy.split.overall.share(core::Mode::transit) > base.split.overall.share(core::Mode::transit));
    CHECK(policy.trips == base.trips);  // the population and its plans do not change
}

TEST_CASE("a run that fails on bad input writes nothing") {
    const auto out = fresh_dir("bad");
    CHECK_THROWS_AS(run_tiny(out, 2, {"land_use.nowhere={residents: 1, jobs: 0, study_places: 0, visits: 0}"}),
                    core::InputError);
    CHECK_FALSE(std::filesystem::exists(out));
}

TEST_CASE("validate checks without running") {
    const auto s = scenario::load_scenario(data / "tiny.yaml");
    const auto lines = pipeline::validate(s);
    CHECK(lines.size() >= 3);
    CHECK(lines[1].find("7 nodes") != std::string::npos);
}
