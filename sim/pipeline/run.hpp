#pragma once
// One run of a scenario, from the files to the trip log and the modal split. The stages
// hand each other plain data; this file only sequences them and times them.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sim/core/output_dir.hpp"
#include "sim/core/records.hpp"
#include "sim/network/network.hpp"
#include "sim/population/population.hpp"
#include "sim/report/check_these.hpp"
#include "sim/report/modal_split.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::routing {
struct RoutingContext;
}

namespace flemsim::pipeline {

struct RunOptions {
    std::filesystem::path output_dir;  // empty: <scenario output.dir>/<scenario name>
    int threads = -1;                  // -1: as the scenario says; 0: all cores
    bool write_outputs = true;
    // Replace the output folder even when it holds files flemsim did not write (--force).
    bool force = false;
    // Progress lines ("synthesis: 12,345 persons"), for a terminal.
    std::function<void(const std::string&)> progress;
};

struct StageTime {
    std::string stage;
    double seconds = 0;
};

struct RunResult {
    report::ModalSplit split;
    // The shares by the distance bands of report.distance_bands_km, each trip in the band of
    // the shortest street distance of its tour's trip out (walk, bike or car): the band the
    // mode choice's asc_by_distance_band takes, the same for every mode of a tour. What
    // `flemsim calibrate` fits calibration.by_distance_band to.
    std::vector<report::SplitRow> by_tour_distance;
    std::filesystem::path trips_file;
    std::filesystem::path report_file;
    std::uint64_t persons = 0;
    population::SynthesisSummary population;
    std::uint64_t trips = 0;
    std::uint64_t fallback_tours = 0;
    std::vector<StageTime> timings;
    int threads_used = 0;
    // A simulated day (scenario simulation.enabled): the day-to-day loop and crowding.
    bool simulated = false;
    std::vector<core::IterationRecord> iterations;
    report::Crowding crowding;
    report::CheckThese check;               // the report's "Check these"
    std::vector<double> iteration_seconds;  // wall time of each iteration (not written to files)
    std::vector<StageTime> day_steps;       // the loop's steps, summed over the days (likewise)
};

// The checks of `flemsim validate`: scenario, network, land use against the network,
// parking zones, routing set-up and zone-to-zone reachability. Returns lines describing
// what was checked; throws core::InputError on the first problem.
std::vector<std::string> validate(const scenario::Scenario& s);

// Writes trips.h5 and modal_split.json into a temporary folder beside the output folder and
// renames it into place when both are written (core::StagedFolder): the old result stays whole
// until the new one is. The output folder is checked before the run starts.
RunResult run(const scenario::Scenario& s, const RunOptions& options);

// The zones' impedances that population::synthesize reads: the level of service of the morning
// peak for the gravity models; none (empty) with the demand models, which read the level of
// service by period instead (on the 100,000-node grid's 1,017 zones the table is a street tree
// per zone and mode and a transit journey per pair). A run's, and so `flemsim elasticities`'.
population::ZoneImpedance synthesis_impedance(const scenario::Scenario& s, const routing::RoutingContext& ctx);

// What may be found in a run's output folder (core::check_output_folder).
core::OutputFolderRules run_output_rules();

// UTC now as ISO 8601, or SOURCE_DATE_EPOCH when set (reproducible builds convention).
std::string creation_time_utc();

}  // namespace flemsim::pipeline
