#pragma once
// The HDF5 trip log: /trips, /persons, /lookup/{zones,stops,lines,links}, for a simulated
// day also /legs, /link_volumes, /transit_load, /iterations and /lots; root attributes with the
// schema version, program version, seed, scenario text, input hashes and creation time.
// Written under a temporary name and renamed when complete.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sim/core/records.hpp"

namespace flemsim::output {

// 2: trips gained denied_boardings and stuck; /legs, /link_volumes, /transit_load,
// /iterations and /lookup/links for simulated days. 3: trips and /transit_load gained
// gave_up, /iterations gave_up_trips. 4: trips gained transit_access; /lots for simulated
// days. 5: /iterations gained travel_time_gap and share_change. 6: the mode columns are named
// main_mode (/trips) and leg_mode (/legs), not mode (which pandas' DataFrame.mode hides); the
// root attribute packages. Every earlier version is still read.
inline constexpr int trip_log_schema_version = 6;

struct TripLogMeta {
    int schema_version = trip_log_schema_version;
    std::string program_version;
    std::string scenario_name;
    std::uint64_t seed = 0;
    std::string scenario_yaml;                                      // the effective scenario (after extends and --set)
    std::vector<std::pair<std::string, std::string>> input_hashes;  // input name, sha256
    std::string created_utc;                                        // ISO 8601
    std::vector<std::string> overrides;          // the run's --set overrides (key.path=value), one per line in the file
    std::vector<std::string> packages;           // the options a package combines (scenario names), one per line
    std::vector<std::string> zones_unreachable;  // "zone mode zones" lines of the run's check (schema 6)
    double target_sustainable_share = 0.7;
    std::vector<double> distance_bands_km;

    bool operator==(const TripLogMeta&) const = default;
};

struct ZoneLookup {
    std::string id, name, kind;  // kind: "study" or "gateway"
    double x_m = 0, y_m = 0, lat = 0, lon = 0;

    bool operator==(const ZoneLookup&) const = default;
};
struct StopLookup {
    std::string id, name;
    double x_m = 0, y_m = 0, lat = 0, lon = 0;

    bool operator==(const StopLookup&) const = default;
};
struct LineLookup {
    std::string id, name, mode;

    bool operator==(const LineLookup&) const = default;
};
struct LinkLookup {
    std::string id, from, to, type, name;  // from and to are node ids
    double length_m = 0;
    double capacity_veh_per_h = 0;  // 0 without car access

    bool operator==(const LinkLookup&) const = default;
};

struct Lookups {
    std::vector<ZoneLookup> zones;
    std::vector<StopLookup> stops;
    std::vector<LineLookup> lines;
    std::vector<LinkLookup> links;  // written as /lookup/links when not empty

    bool operator==(const Lookups&) const = default;
};

// What a simulated day adds to the trip log; absent for a static run.
struct SimulationTables {
    std::vector<core::LegRecord> legs;                  // in (trip_id, leg_index) order
    std::vector<core::LinkVolumeRecord> link_volumes;   // in (link, direction, hour) order
    std::vector<core::TransitLoadRecord> transit_load;  // in (vehicle_trip, segment) order
    std::vector<core::IterationRecord> iterations;      // in iteration order
    std::vector<core::LotRecord> lots;                  // bike parks, then car parks, each in stop order

    bool operator==(const SimulationTables&) const = default;
};

struct WriteOptions {
    int compression_level = 4;  // deflate, with shuffle
    std::uint32_t chunk_rows = 65536;
    // Tables of more than one chunk have their chunks shuffled and compressed here, several at a
    // time on the threads, and written as they are: the bytes the HDF5 library's filters give
    // (tests compare the files both ways). False: the library filters every chunk, one by one.
    bool parallel_chunks = true;
};

// Throws core::IoError; on failure nothing is left at `path` (nor a temporary file).
// Rows made on demand, a block at a time, so that a large table is never whole in memory:
// fill(first, count, out) writes rows first .. first + count - 1 to out.
template <class Row>
struct RowSource {
    std::size_t rows = 0;
    std::function<void(std::size_t first, std::size_t count, Row* out)> fill;
};

// A simulated day with its largest tables made on demand.
struct SimulationSources {
    RowSource<core::LegRecord> legs;
    std::vector<core::LinkVolumeRecord> link_volumes;
    std::vector<core::TransitLoadRecord> transit_load;
    std::vector<core::IterationRecord> iterations;
    std::vector<core::LotRecord> lots;
};

void write_trip_log(const std::filesystem::path& path, const TripLogMeta& meta, const Lookups& lookups,
                    const RowSource<core::TripRecord>& trips, const std::vector<core::PersonRecord>& persons,
                    const WriteOptions& options, const SimulationSources* simulation);

// `simulation` may be null (a static run): then /legs, /link_volumes, /transit_load,
// /iterations and /lots are not written.
void write_trip_log(const std::filesystem::path& path, const TripLogMeta& meta, const Lookups& lookups,
                    const std::vector<core::TripRecord>& trips, const std::vector<core::PersonRecord>& persons,
                    const WriteOptions& options, const SimulationTables* simulation = nullptr);

struct TripLog {
    TripLogMeta meta;
    Lookups lookups;
    std::vector<core::TripRecord> trips;
    std::vector<core::PersonRecord> persons;
    bool has_simulation = false;  // the file holds the datasets of SimulationTables
    SimulationTables simulation;
    std::filesystem::path file;  // where it was read from, for errors found later (network ids)
};

// Reads and checks a trip log: schema version, dataset shapes, enum labels, and every value
// read against the schema and the file's own lookups (ids of zones, stops, lines, links and
// persons; enums; finite, non-negative times and distances; departures before arrivals;
// each person's trip_count). Throws core::InputError naming the file, dataset, row (from 0)
// and field for a file that is not a flemsim trip log of a supported version or holds a value
// no run writes, core::IoError when it cannot be read. Node ids are checked against a network
// by check_same_network (sim/output/exports.hpp).
TripLog read_trip_log(const std::filesystem::path& path);

// The raw bytes of a dataset as stored (for determinism checks): reads `dataset` with its
// file type as memory type.
std::vector<unsigned char> read_dataset_bytes(const std::filesystem::path& path, const std::string& dataset);

}  // namespace flemsim::output
