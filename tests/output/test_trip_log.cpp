#include <doctest/doctest.h>
#include <fmt/format.h>
#include <hdf5.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/types.hpp"
#include "sim/network/network.hpp"
#include "sim/output/exports.hpp"
#include "sim/output/trip_log.hpp"
#include "tests/scratch.hpp"

namespace fs = std::filesystem;
using flemsim::core::InputError;
using flemsim::core::IoError;
using flemsim::core::IterationRecord;
using flemsim::core::LegRecord;
using flemsim::core::LinkVolumeRecord;
using flemsim::core::PersonRecord;
using flemsim::core::TransitLoadRecord;
using flemsim::core::TripRecord;
namespace output = flemsim::output;

namespace {

// A fresh folder per test case, removed afterwards.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& name) : m_path(flemsim::test::scratch("output-" + name)) {
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const fs::path& path() const { return m_path; }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(m_path)) names.push_back(e.path().filename().string());
        return names;
    }

private:
    fs::path m_path;
};

output::TripLogMeta sample_meta() {
    output::TripLogMeta meta;
    meta.program_version = "0.1.0";
    meta.scenario_name = "base";
    meta.seed = 0xfedcba9876543210ULL;  // above 2^63: the full uint64 range survives
    meta.scenario_yaml = "name: base\nseed: 42\nmodes:\n  bike: {speed_mps: 4.5}\n";
    meta.input_hashes = {{"networks/flemingsberg/nodes.csv", std::string(64, 'a')},
                         {"a file with spaces.csv", std::string(64, 'b')}};
    meta.created_utc = "2024-05-01T12:00:00Z";
    meta.overrides = {"modes.car.parking_sek.campus=40", "population.scale=0.5"};
    meta.target_sustainable_share = 0.7;
    meta.distance_bands_km = {1, 3, 5, 10, 20};
    return meta;
}

output::Lookups sample_lookups() {
    output::Lookups lookups;
    lookups.zones = {{"z1", "Flemingsberg centrum", "study", 100.5, 200.25, 59.2195, 17.9466},
                     {"g_e4", "Gateway E4 norr", "gateway", -1500, 3000, 59.25, 17.9}};
    lookups.stops = {{"s1", "Flemingsberg station", 110, 210, 59.2194, 17.9465},
                     {"s2", "Huddinge sjukhus — Södertörn", 400, 50, 59.221, 17.938}};
    lookups.lines = {{"L1", "Pendeltåg 40", "rail"}};
    return lookups;
}

std::vector<TripRecord> sample_trips() {
    TripRecord walk{};
    walk.trip_id = 0;
    walk.person_id = 0;
    walk.trip_index = 0;
    walk.tour_index = 0;
    walk.group = static_cast<std::uint8_t>(flemsim::core::Group::resident_student);
    walk.purpose = static_cast<std::uint8_t>(flemsim::core::Purpose::study);
    walk.mode = static_cast<std::uint8_t>(flemsim::core::Mode::walk);
    walk.dest_activity = static_cast<std::uint8_t>(flemsim::core::Activity::study);
    walk.origin_zone = 0;
    walk.dest_zone = 1;
    walk.origin_node = 1003;
    walk.dest_node = 1004;
    walk.dep_time_s = 28800;
    walk.arr_time_s = 29400;
    walk.distance_m = 812.5f;
    walk.in_vehicle_s = 0;
    walk.wait_s = 0;
    walk.access_s = 600;
    walk.egress_s = 0;
    walk.transfer_walk_s = 0;
    walk.transfers = 0;
    walk.board_stop = -1;
    walk.alight_stop = -1;
    walk.first_line = -1;
    walk.last_line = -1;
    walk.cost_sek = 0;

    TripRecord transit = walk;
    transit.trip_id = 1;
    transit.trip_index = 1;
    transit.tour_index = 1;
    transit.group = static_cast<std::uint8_t>(flemsim::core::Group::worker);
    transit.purpose = static_cast<std::uint8_t>(flemsim::core::Purpose::work);
    transit.mode = static_cast<std::uint8_t>(flemsim::core::Mode::transit);
    transit.dest_activity = static_cast<std::uint8_t>(flemsim::core::Activity::work);
    transit.dep_time_s = 90000;  // past midnight of the simulated day
    transit.arr_time_s = 92000;
    transit.distance_m = 12345.25f;
    transit.in_vehicle_s = 1200;
    transit.wait_s = 300;
    transit.access_s = 240;
    transit.egress_s = 160;
    transit.transfer_walk_s = 100;
    transit.transfers = 1;
    transit.board_stop = 0;
    transit.alight_stop = 1;
    transit.first_line = 0;
    transit.last_line = 0;
    transit.cost_sek = 42.5f;
    transit.denied_boardings = 65535;
    transit.stuck = 1;
    transit.gave_up = 1;
    transit.transit_access = 2;  // park-and-ride

    TripRecord car = walk;
    car.trip_id = 2;
    car.person_id = 1;
    car.trip_index = 0;
    car.group = static_cast<std::uint8_t>(flemsim::core::Group::resident);
    car.purpose = static_cast<std::uint8_t>(flemsim::core::Purpose::other);
    car.mode = static_cast<std::uint8_t>(flemsim::core::Mode::car);
    car.dest_activity = static_cast<std::uint8_t>(flemsim::core::Activity::home);
    car.dep_time_s = 0;
    car.arr_time_s = 900;
    car.distance_m = 7000;
    car.in_vehicle_s = 785;
    car.access_s = 60;
    car.egress_s = 60;
    car.cost_sek = 18.75f;
    car.stuck = 1;
    return {walk, transit, car};
}

// Links of a simulated day's network, with text outside ASCII and a link without car access.
std::vector<output::LinkLookup> sample_links() {
    return {{"l1", "n1", "n2", "primary", "Hälsovägen", 412.5, 1800}, {"l2", "n2", "n3", "footway", "", 88.25, 0}};
}

// A simulated day worked by hand: one transit trip (walk, bus, walk), two link-hours, two
// bus segments and two iterations, the second converged.
output::SimulationTables sample_simulation() {
    using flemsim::core::Mode;
    output::SimulationTables sim;
    LegRecord access{};
    access.trip_id = 1;
    access.person_id = 0;
    access.leg_index = 0;
    access.mode = static_cast<std::uint8_t>(Mode::walk);
    access.line = access.vehicle_trip = access.board_stop = access.alight_stop = -1;
    access.start_s = access.board_s = 90000;
    access.end_s = 90240;
    access.distance_m = 300.5f;
    LegRecord ride = access;
    ride.leg_index = 1;
    ride.mode = static_cast<std::uint8_t>(Mode::transit);
    ride.line = 0;
    ride.vehicle_trip = 2147483647;
    ride.board_stop = 0;
    ride.alight_stop = 1;
    ride.start_s = 90240;
    ride.board_s = 90540;
    ride.end_s = 91740;
    ride.distance_m = 11800.75f;
    ride.denied_boardings = 65535;
    LegRecord egress = access;
    egress.leg_index = 2;
    egress.start_s = egress.board_s = 91740;
    egress.end_s = 92000;
    egress.distance_m = 244.25f;
    sim.legs = {access, ride, egress};

    sim.link_volumes = {{0, 0, 8, 120, 6, 40, 25}, {1, 1, 47, 4294967295u, 0, 1, 0}};

    TransitLoadRecord first{};
    first.vehicle_trip = 0;
    first.line = 0;
    first.direction = 1;
    first.segment = 0;
    first.from_stop = 0;
    first.to_stop = 1;
    first.depart_s = 90540;
    first.arrive_s = 91740;
    first.scheduled_depart_s = 90480;
    first.boardings = 60;
    first.alightings = 0;
    first.denied = 5;
    first.onboard = 60;
    first.seated = 40;
    first.capacity = 60;
    first.gave_up = 4;
    TransitLoadRecord second = first;
    second.vehicle_trip = 4294967295u;
    second.line = 0;
    second.direction = 0;
    second.segment = 65535;
    second.from_stop = 1;
    second.to_stop = 0;
    second.boardings = 3;
    second.alightings = 58;
    second.denied = 0;
    second.gave_up = 0;
    second.onboard = 5;
    sim.transit_load = {first, second};

    IterationRecord it0{};
    it0.iteration = 0;
    it0.trips = 10000000000ULL;
    it0.share_walk = 0.25;
    it0.share_bike = 0.125;
    it0.share_transit = 0.3;
    it0.share_car = 0.325;
    it0.sustainable_share = 0.675;
    it0.mean_min_walk = 12.5;
    it0.mean_min_bike = std::numeric_limits<double>::quiet_NaN();  // a mode without trips
    it0.mean_min_transit = 41.0;
    it0.mean_min_car = 18.75;
    it0.replanning_share = 0.1;
    it0.switched_share = 0.35;
    it0.gap_util = 0.42;
    it0.relative_gap = 0.0123;
    it0.denied_boardings = 17;
    it0.stuck_trips = 2;
    it0.converged = 0;
    it0.gave_up_trips = 3;
    it0.travel_time_gap = 0.0625;
    it0.share_change = 0;
    IterationRecord it1 = it0;
    it1.iteration = 65535;
    it1.mean_min_bike = 9.5;
    it1.gap_util = 0.001;
    it1.relative_gap = 1e-5;
    it1.denied_boardings = 18446744073709551615ULL;
    it1.stuck_trips = 0;
    it1.converged = 1;
    it1.gave_up_trips = 18446744073709551615ULL;
    it1.travel_time_gap = 0.015;
    it1.share_change = 0.00125;
    sim.iterations = {it0, it1};
    // A bike park at stop 0 never full, a car park at stop 1 full from 08:00 with 15 cars over.
    sim.lots = {{0, 1, 30, 12, 9, 0, -1}, {1, 2, 40, 4294967295u, 55, 15, 28800}};
    return sim;
}

std::vector<PersonRecord> sample_persons() {
    PersonRecord a{};
    a.person_id = 0;
    a.group = static_cast<std::uint8_t>(flemsim::core::Group::resident_student);
    a.car_available = 0;
    a.bike_owner = 1;
    a.transit_pass = 1;
    a.home_zone = 0;
    a.home_node = 1003;
    a.work_zone = -1;
    a.study_zone = 1;
    a.trip_count = 2;
    PersonRecord b = a;
    b.person_id = 1;
    b.group = static_cast<std::uint8_t>(flemsim::core::Group::student);
    b.car_available = 1;
    b.bike_owner = 0;
    b.transit_pass = 0;
    b.home_zone = 1;
    b.home_node = 2000;
    b.work_zone = 0;
    b.study_zone = -1;
    b.trip_count = 1;
    return {a, b};
}

// Iteration 0 of the sample has a NaN mean (a mode without trips), which == never matches:
// the rows are compared with NaN as a value no sample field holds.
IterationRecord nan_as_value(IterationRecord r) {
    for (double* x : {&r.share_walk, &r.share_bike, &r.share_transit, &r.share_car, &r.sustainable_share,
                      &r.mean_min_walk, &r.mean_min_bike, &r.mean_min_transit, &r.mean_min_car, &r.replanning_share,
                      &r.switched_share, &r.gap_util, &r.relative_gap})
        if (std::isnan(*x)) *x = -12345.0;
    return r;
}

template <class Row>
void check_same_rows(const std::vector<Row>& a, const std::vector<Row>& b) {
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CAPTURE(i);
        if constexpr (std::is_same_v<Row, IterationRecord>)
            CHECK(nan_as_value(a[i]) == nan_as_value(b[i]));
        else
            CHECK(a[i] == b[i]);
    }
}

void check_same(const output::SimulationTables& a, const output::SimulationTables& b) {
    check_same_rows(a.legs, b.legs);
    check_same_rows(a.link_volumes, b.link_volumes);
    check_same_rows(a.transit_load, b.transit_load);
    check_same_rows(a.iterations, b.iterations);
    check_same_rows(a.lots, b.lots);
}

void write_sample(const fs::path& path, const output::WriteOptions& options = {}) {
    output::write_trip_log(path, sample_meta(), sample_lookups(), sample_trips(), sample_persons(), options);
}

output::Lookups simulated_lookups() {
    output::Lookups lookups = sample_lookups();
    lookups.links = sample_links();
    return lookups;
}

// A simulated day: the static sample plus links and the four tables.
void write_simulated_sample(const fs::path& path, const output::WriteOptions& options = {}) {
    const output::SimulationTables sim = sample_simulation();
    output::write_trip_log(path, sample_meta(), simulated_lookups(), sample_trips(), sample_persons(), options, &sim);
}

bool has_link(const fs::path& path, const char* name) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const bool found = H5Lexists(file, name, H5P_DEFAULT) > 0;
    H5Fclose(file);
    return found;
}

std::string root_string(hid_t file, const char* name) {
    const hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    const hid_t type = H5Aget_type(attr);
    char* text = nullptr;
    REQUIRE(H5Aread(attr, type, &text) >= 0);
    std::string out(text);
    H5free_memory(text);
    H5Tclose(type);
    H5Aclose(attr);
    return out;
}

// Rewrites the root attribute 'run' (a variable-length UTF-8 string).
void set_run_kind(const fs::path& path, const char* run) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t attr = H5Aopen(file, "run", H5P_DEFAULT);
    const hid_t type = H5Aget_type(attr);
    REQUIRE(H5Awrite(attr, type, &run) >= 0);
    H5Tclose(type);
    H5Aclose(attr);
    H5Fclose(file);
}

void set_schema_version(const fs::path& path, int version) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t attr = H5Aopen(file, "schema_version", H5P_DEFAULT);
    REQUIRE(H5Awrite(attr, H5T_NATIVE_INT, &version) >= 0);
    H5Aclose(attr);
    H5Fclose(file);
}

void delete_link(const fs::path& path, const char* name) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    REQUIRE(H5Ldelete(file, name, H5P_DEFAULT) >= 0);
    H5Fclose(file);
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no exception)";
}

std::vector<char> file_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The labels of enum member `field` of the compound type of dataset `dataset`, by value.
std::vector<std::string> enum_labels(hid_t file, const char* dataset, const char* field) {
    const hid_t dset = H5Dopen2(file, dataset, H5P_DEFAULT);
    REQUIRE(dset >= 0);
    const hid_t type = H5Dget_type(dset);
    const int index = H5Tget_member_index(type, field);
    REQUIRE(index >= 0);
    const hid_t member = H5Tget_member_type(type, static_cast<unsigned>(index));
    CHECK(H5Tget_class(member) == H5T_ENUM);
    CHECK(H5Tget_size(member) == 1);
    std::vector<std::string> labels;
    for (std::uint8_t v = 0; v < H5Tget_nmembers(member); ++v) {
        char name[64];
        REQUIRE(H5Tenum_nameof(member, &v, name, sizeof name) >= 0);
        labels.emplace_back(name);
    }
    H5Tclose(member);
    H5Tclose(type);
    H5Dclose(dset);
    return labels;
}

std::vector<std::string> as_strings(const auto& names) {
    return {names.begin(), names.end()};
}

// Dataset `table` read whole and unlinked from its file, which stays open for put_table.
struct TakenTable {
    hid_t file = -1;
    hid_t type = -1;  // the dataset's file type
    hsize_t rows = 0;
    std::vector<unsigned char> bytes;
};

TakenTable take_table(const fs::path& path, const char* table) {
    TakenTable t;
    t.file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(t.file >= 0);
    const hid_t dset = H5Dopen2(t.file, table, H5P_DEFAULT);
    t.type = H5Dget_type(dset);
    const hid_t space = H5Dget_space(dset);
    t.rows = static_cast<hsize_t>(H5Sget_simple_extent_npoints(space));
    t.bytes.resize(t.rows * H5Tget_size(t.type));
    if (t.rows > 0) REQUIRE(H5Dread(dset, t.type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()) >= 0);
    H5Sclose(space);
    H5Dclose(dset);
    REQUIRE(H5Ldelete(t.file, table, H5P_DEFAULT) >= 0);
    return t;
}

// Writes the taken rows back as dataset `table` of type `disk`, converting from `mem` (the
// bytes' layout), and closes the file.
void put_table(TakenTable& t, const char* table, hid_t disk, hid_t mem) {
    const hsize_t dims[1] = {t.rows};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t out = H5Dcreate2(t.file, table, disk, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(out >= 0);
    if (t.rows > 0) REQUIRE(H5Dwrite(out, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.bytes.data()) >= 0);
    H5Dclose(out);
    H5Sclose(space);
    H5Tclose(t.type);
    H5Fclose(t.file);
}

// Replaces /trips by a copy with the members of its compound type in reverse order, or,
// with `mode_type`, in the same order but with that type for 'mode' (same size, so the
// stored bytes carry over unconverted).
void rewrite_trips(const fs::path& path, bool reverse, hid_t mode_type = -1) {
    TakenTable t = take_table(path, "trips");
    const hid_t new_type = H5Tcreate(H5T_COMPOUND, H5Tget_size(t.type));
    const int members = H5Tget_nmembers(t.type);
    std::size_t offset = 0;
    for (int k = 0; k < members; ++k) {
        const auto j = static_cast<unsigned>(reverse ? members - 1 - k : k);
        char* name = H5Tget_member_name(t.type, j);
        hid_t member = H5Tget_member_type(t.type, j);
        if (mode_type >= 0 && std::strcmp(name, "main_mode") == 0) {
            H5Tclose(member);
            member = H5Tcopy(mode_type);
        }
        REQUIRE(H5Tinsert(new_type, name, offset, member) >= 0);
        offset += H5Tget_size(member);
        H5Tclose(member);
        H5free_memory(name);
    }
    // Reversed: converted by member name. Relabelled: same layout, written as is.
    put_table(t, "trips", new_type, reverse ? t.type : new_type);
    H5Tclose(new_type);
}

// Replaces dataset `table` by a copy without the fields `drop`: the table of an older schema.
// The rows are converted by field name. Returns the size of the row left.
std::size_t drop_fields(const fs::path& path, const char* table, std::initializer_list<std::string_view> drop) {
    TakenTable t = take_table(path, table);
    const hid_t v1_type = H5Tcreate(H5T_COMPOUND, H5Tget_size(t.type));
    std::size_t offset = 0;
    for (unsigned j = 0; j < static_cast<unsigned>(H5Tget_nmembers(t.type)); ++j) {
        char* name = H5Tget_member_name(t.type, j);
        if (std::find(drop.begin(), drop.end(), std::string_view(name)) == drop.end()) {
            const hid_t member = H5Tget_member_type(t.type, j);
            REQUIRE(H5Tinsert(v1_type, name, offset, member) >= 0);
            offset += H5Tget_size(member);
            H5Tclose(member);
        }
        H5free_memory(name);
    }
    REQUIRE(H5Tpack(v1_type) >= 0);
    const std::size_t row_size = H5Tget_size(v1_type);
    put_table(t, table, v1_type, t.type);
    H5Tclose(v1_type);
    return row_size;
}

// Renames a field of dataset `table` (same layout, the bytes carry over).
void rename_field(const fs::path& path, const char* table, const char* from, const char* to) {
    TakenTable t = take_table(path, table);
    const hid_t new_type = H5Tcreate(H5T_COMPOUND, H5Tget_size(t.type));
    bool renamed = false;
    for (unsigned j = 0; j < static_cast<unsigned>(H5Tget_nmembers(t.type)); ++j) {
        char* name = H5Tget_member_name(t.type, j);
        const hid_t member = H5Tget_member_type(t.type, j);
        const bool hit = std::strcmp(name, from) == 0;
        renamed = renamed || hit;
        REQUIRE(H5Tinsert(new_type, hit ? to : name, H5Tget_member_offset(t.type, j), member) >= 0);
        H5Tclose(member);
        H5free_memory(name);
    }
    CHECK(renamed);
    put_table(t, table, new_type, new_type);
    H5Tclose(new_type);
}

// The mode columns as files before schema 6 name them: "mode" in /trips and /legs.
void old_mode_names(const fs::path& path) {
    rename_field(path, "trips", "main_mode", "mode");
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const bool legs = H5Lexists(file, "legs", H5P_DEFAULT) > 0;
    H5Fclose(file);
    if (legs) rename_field(path, "legs", "leg_mode", "mode");
}

// Replaces /trips by a copy without the fields appended in schemas 2 (denied_boardings,
// stuck), 3 (gave_up) and 4 (transit_access): the /trips of a version-1 file.
void drop_schema2_trip_fields(const fs::path& path) {
    CHECK(drop_fields(path, "trips", {"denied_boardings", "stuck", "gave_up", "transit_access"}) ==
          90);  // the version-1 row
}

}  // namespace

TEST_CASE("trip log: a round trip keeps every field") {
    const ScratchDir dir("round_trip");
    const fs::path path = dir.path() / "trips.h5";
    write_sample(path, {.compression_level = 6, .chunk_rows = 2});  // two chunks for three trips
    const output::TripLog log = output::read_trip_log(path);

    CHECK(log.meta == sample_meta());
    CHECK(log.meta.schema_version == output::trip_log_schema_version);
    CHECK(log.lookups == sample_lookups());
    const auto trips = sample_trips();
    check_same_rows(log.trips, trips);
    const auto persons = sample_persons();
    check_same_rows(log.persons, persons);

    SUBCASE("the temporary file is gone after success") {
        CHECK(dir.entries() == std::vector<std::string>{"trips.h5"});
    }
}

TEST_CASE("trip log: a simulated day keeps every field of its tables") {
    const ScratchDir dir("simulated");
    const fs::path path = dir.path() / "trips.h5";
    write_simulated_sample(path, {.compression_level = 6, .chunk_rows = 2});  // two chunks of legs
    const output::TripLog log = output::read_trip_log(path);

    CHECK(log.meta == sample_meta());
    CHECK(log.lookups == simulated_lookups());
    const auto trips = sample_trips();
    check_same_rows(log.trips, trips);
    CHECK(log.trips[1].denied_boardings == 65535);
    CHECK(log.trips[2].stuck == 1);
    CHECK(log.trips[1].gave_up == 1);
    CHECK(log.trips[1].transit_access == 2);
    CHECK(log.has_simulation);
    check_same(log.simulation, sample_simulation());
    CHECK(std::isnan(log.simulation.iterations[0].mean_min_bike));

    SUBCASE("empty simulated tables") {
        const fs::path empty = dir.path() / "empty.h5";
        const output::SimulationTables none;
        output::write_trip_log(empty, sample_meta(), {}, {}, {}, {}, &none);
        const auto read = output::read_trip_log(empty);
        CHECK(read.has_simulation);
        CHECK(read.simulation.legs.empty());
        CHECK(read.simulation.link_volumes.empty());
        CHECK(read.simulation.transit_load.empty());
        CHECK(read.simulation.iterations.empty());
        CHECK(read.simulation.lots.empty());
        CHECK(has_link(empty, "/lots"));
        CHECK_FALSE(has_link(empty, "/lookup/links"));
        CHECK(output::read_dataset_bytes(empty, "/legs").empty());
    }

    SUBCASE("the root attribute 'run' says simulated, and must agree with the tables") {
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        REQUIRE(file >= 0);
        CHECK(root_string(file, "run") == "simulated");
        H5Fclose(file);
        set_run_kind(path, "static");
        CHECK(message_of([&] { output::read_trip_log(path); }) ==
              path.string() + ": attribute 'run' says static but the file has /legs");
        set_run_kind(path, "dynamic");
        CHECK(message_of([&] { output::read_trip_log(path); }) ==
              path.string() + ": attribute 'run' is 'dynamic', not static or simulated");
    }

    SUBCASE("a /legs without the other three tables is refused") {
        delete_link(path, "iterations");
        CHECK_THROWS_AS(output::read_trip_log(path), InputError);
        CHECK(message_of([&] { output::read_trip_log(path); }) == path.string() + ": trip log has no /iterations");
    }
}

TEST_CASE("trip log: a static run has no simulated tables") {
    const ScratchDir dir("static");
    const fs::path path = dir.path() / "trips.h5";
    write_sample(path);
    for (const char* name : {"/legs", "/link_volumes", "/transit_load", "/iterations", "/lots", "/lookup/links"}) {
        CAPTURE(name);
        CHECK_FALSE(has_link(path, name));
    }
    const output::TripLog log = output::read_trip_log(path);
    CHECK(log.meta.schema_version == 6);
    CHECK_FALSE(log.has_simulation);
    CHECK(log.simulation.legs.empty());
    CHECK(log.simulation.iterations.empty());
    CHECK(log.lookups.links.empty());

    SUBCASE("links are written whenever there are some, simulated day or not") {
        output::write_trip_log(path, sample_meta(), simulated_lookups(), sample_trips(), sample_persons(), {});
        CHECK(has_link(path, "/lookup/links"));
        const output::TripLog with_links = output::read_trip_log(path);
        CHECK_FALSE(with_links.has_simulation);
        CHECK(with_links.lookups == simulated_lookups());
    }
}

TEST_CASE("trip log: version 1 files are read, with the schema-2 trip fields 0") {
    const ScratchDir dir("version1");
    const fs::path path = dir.path() / "v1.h5";
    // /persons, /lookup and the root attributes are the same in both versions; /trips lacks
    // denied_boardings and stuck in version 1.
    write_sample(path);
    drop_schema2_trip_fields(path);
    old_mode_names(path);
    set_schema_version(path, 1);

    const output::TripLog log = output::read_trip_log(path);
    CHECK(log.meta.schema_version == 1);
    CHECK_FALSE(log.has_simulation);
    auto expected = sample_trips();
    for (TripRecord& t : expected) {
        t.denied_boardings = 0;
        t.stuck = 0;
        t.gave_up = 0;
        t.transit_access = 0;
    }
    check_same_rows(log.trips, expected);
    CHECK(log.lookups == sample_lookups());
    REQUIRE(log.persons.size() == sample_persons().size());

    SUBCASE("a version-2 file needs the new fields") {
        set_schema_version(path, 2);
        CHECK_THROWS_AS(output::read_trip_log(path), InputError);
        CHECK(message_of([&] { output::read_trip_log(path); }) ==
              path.string() + ": /trips has no field 'denied_boardings'");
    }
}

TEST_CASE("trip log: version 2 files are read, with gave_up and gave_up_trips 0") {
    const ScratchDir dir("version2");
    const fs::path path = dir.path() / "v2.h5";
    write_simulated_sample(path);
    drop_fields(path, "trips", {"gave_up", "transit_access"});
    drop_fields(path, "transit_load", {"gave_up"});
    drop_fields(path, "iterations", {"gave_up_trips", "travel_time_gap", "share_change"});
    delete_link(path, "lots");
    old_mode_names(path);
    set_schema_version(path, 2);

    const output::TripLog log = output::read_trip_log(path);
    CHECK(log.meta.schema_version == 2);
    auto trips = sample_trips();
    for (TripRecord& t : trips) {
        t.gave_up = 0;
        t.transit_access = 0;
    }
    check_same_rows(log.trips, trips);
    auto simulation = sample_simulation();
    for (TransitLoadRecord& r : simulation.transit_load) r.gave_up = 0;
    for (IterationRecord& r : simulation.iterations) r.gave_up_trips = r.travel_time_gap = r.share_change = 0;
    simulation.lots.clear();
    check_same(log.simulation, simulation);

    SUBCASE("a version-3 file needs them") {
        set_schema_version(path, 3);
        CHECK(message_of([&] { output::read_trip_log(path); }) == path.string() + ": /trips has no field 'gave_up'");
    }
}

TEST_CASE("trip log: version 3 files are read, with transit_access 0 and no lots") {
    const ScratchDir dir("version3");
    const fs::path path = dir.path() / "v3.h5";
    write_simulated_sample(path);
    CHECK(drop_fields(path, "trips", {"transit_access"}) == 94);  // the version-3 row
    drop_fields(path, "iterations", {"travel_time_gap", "share_change"});
    delete_link(path, "lots");
    old_mode_names(path);
    set_schema_version(path, 3);

    const output::TripLog log = output::read_trip_log(path);
    CHECK(log.meta.schema_version == 3);
    CHECK(log.has_simulation);
    auto trips = sample_trips();
    for (TripRecord& t : trips) t.transit_access = 0;
    check_same_rows(log.trips, trips);
    auto simulation = sample_simulation();
    simulation.lots.clear();
    for (IterationRecord& r : simulation.iterations) r.travel_time_gap = r.share_change = 0;
    check_same(log.simulation, simulation);

    SUBCASE("a version-4 file needs transit_access") {
        set_schema_version(path, 4);
        CHECK(message_of([&] { output::read_trip_log(path); }) ==
              path.string() + ": /trips has no field 'transit_access'");
    }
}

TEST_CASE("trip log: version 4 files are read, with the loop's travel-time gap and share change 0") {
    const ScratchDir dir("version4");
    const fs::path path = dir.path() / "v4.h5";
    write_simulated_sample(path);
    drop_fields(path, "iterations", {"travel_time_gap", "share_change"});
    old_mode_names(path);
    set_schema_version(path, 4);

    const output::TripLog log = output::read_trip_log(path);
    CHECK(log.meta.schema_version == 4);
    check_same_rows(log.trips, sample_trips());
    auto simulation = sample_simulation();
    for (IterationRecord& r : simulation.iterations) r.travel_time_gap = r.share_change = 0;
    check_same(log.simulation, simulation);

    SUBCASE("a version-5 file needs them") {
        set_schema_version(path, 5);
        CHECK(message_of([&] { output::read_trip_log(path); }) ==
              path.string() + ": /iterations has no field 'travel_time_gap'");
    }
}

TEST_CASE("trip log: version 5 files, whose mode columns are named mode, are read") {
    const ScratchDir dir("version5");
    const fs::path path = dir.path() / "v5.h5";
    write_simulated_sample(path);
    old_mode_names(path);
    set_schema_version(path, 5);
    const output::TripLog log = output::read_trip_log(path);
    CHECK(log.meta.schema_version == 5);
    check_same_rows(log.trips, sample_trips());
    check_same(log.simulation, sample_simulation());

    SUBCASE("a version-6 file needs main_mode") {
        set_schema_version(path, 6);
        CHECK(message_of([&] { output::read_trip_log(path); }) == path.string() + ": /trips has no field 'main_mode'");
    }
}

TEST_CASE("trip log: a simulated day of version 4 or later needs /lots") {
    const ScratchDir dir("no_lots");
    const fs::path path = dir.path() / "trips.h5";
    write_simulated_sample(path);
    delete_link(path, "lots");
    CHECK(message_of([&] { output::read_trip_log(path); }) == path.string() + ": trip log has no /lots");
}

TEST_CASE("trip log: file layout") {
    const ScratchDir dir("layout");
    const fs::path path = dir.path() / "trips.h5";
    write_sample(path);
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);

    SUBCASE("root attributes") {
        for (const char* name : {"schema_version", "program_version", "scenario_name", "seed", "scenario_yaml",
                                 "input_hashes", "created_utc", "overrides", "packages", "zones_unreachable", "run",
                                 "target_sustainable_share", "distance_bands_km"}) {
            CAPTURE(name);
            CHECK(H5Aexists(file, name) > 0);
        }
        for (const char* name :
             {"program_version", "scenario_name", "scenario_yaml", "input_hashes", "created_utc", "overrides", "run"}) {
            CAPTURE(name);
            const hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
            const hid_t type = H5Aget_type(attr);
            CHECK(H5Tis_variable_str(type) > 0);
            CHECK(H5Tget_cset(type) == H5T_CSET_UTF8);
            H5Tclose(type);
            H5Aclose(attr);
        }
        const hid_t attr = H5Aopen(file, "input_hashes", H5P_DEFAULT);
        const hid_t type = H5Aget_type(attr);
        char* text = nullptr;
        REQUIRE(H5Aread(attr, type, &text) >= 0);
        CHECK(std::string(text) == "networks/flemingsberg/nodes.csv " + std::string(64, 'a') +
                                       "\na file with spaces.csv " + std::string(64, 'b'));
        H5free_memory(text);
        H5Tclose(type);
        H5Aclose(attr);
        CHECK(root_string(file, "run") == "static");  // write_sample has no simulated day
        CHECK(root_string(file, "overrides") == "modes.car.parking_sek.campus=40\npopulation.scale=0.5");
    }

    SUBCASE("enum labels are ours, in value order") {
        CHECK(enum_labels(file, "trips", "main_mode") == as_strings(flemsim::core::mode_names));
        CHECK(enum_labels(file, "trips", "purpose") == as_strings(flemsim::core::purpose_names));
        CHECK(enum_labels(file, "trips", "group") == as_strings(flemsim::core::group_names));
        CHECK(enum_labels(file, "trips", "dest_activity") == as_strings(flemsim::core::activity_names));
        CHECK(enum_labels(file, "persons", "group") == as_strings(flemsim::core::group_names));
    }

    SUBCASE("/trips is packed, little-endian, chunked with shuffle and deflate") {
        const hid_t dset = H5Dopen2(file, "trips", H5P_DEFAULT);
        const hid_t type = H5Dget_type(dset);
        // 8 + 4 + 2 + 2 + 4 enums of 1 + 4 * 4 + 2 * 4 + 6 * 4 + 2 + 4 * 4 + 4, then 2 + 1 in
        // schema 2, 1 in schema 3 and 1 in schema 4, no padding.
        CHECK(H5Tget_size(type) == 95);
        CHECK(H5Tget_nmembers(type) == 30);
        const hid_t trip_id = H5Tget_member_type(type, static_cast<unsigned>(H5Tget_member_index(type, "trip_id")));
        CHECK(H5Tequal(trip_id, H5T_STD_U64LE) > 0);
        const hid_t cost = H5Tget_member_type(type, static_cast<unsigned>(H5Tget_member_index(type, "cost_sek")));
        CHECK(H5Tequal(cost, H5T_IEEE_F32LE) > 0);
        const hid_t dcpl = H5Dget_create_plist(dset);
        CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
        hsize_t chunk[1] = {0};
        CHECK(H5Pget_chunk(dcpl, 1, chunk) == 1);
        CHECK(chunk[0] == 3);  // min(chunk_rows, rows)
        REQUIRE(H5Pget_nfilters(dcpl) == 2);
        CHECK(H5Pget_filter2(dcpl, 0, nullptr, nullptr, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_SHUFFLE);
        CHECK(H5Pget_filter2(dcpl, 1, nullptr, nullptr, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_DEFLATE);
        H5Pclose(dcpl);
        H5Tclose(cost);
        H5Tclose(trip_id);
        H5Tclose(type);
        H5Dclose(dset);
    }

    SUBCASE("/lookup/modes lists the mode names in value order") {
        const hid_t dset = H5Dopen2(file, "lookup/modes", H5P_DEFAULT);
        REQUIRE(dset >= 0);
        const hid_t type = H5Dget_type(dset);
        const hid_t space = H5Dget_space(dset);
        std::vector<char*> names(flemsim::core::mode_count);
        REQUIRE(H5Sget_simple_extent_npoints(space) == static_cast<hssize_t>(names.size()));
        REQUIRE(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()) >= 0);
        CHECK(std::vector<std::string>(names.begin(), names.end()) == as_strings(flemsim::core::mode_names));
        H5Dvlen_reclaim(type, space, H5P_DEFAULT, names.data());
        H5Sclose(space);
        H5Tclose(type);
        H5Dclose(dset);
        for (const char* name : {"lookup/purposes", "lookup/groups", "lookup/activities"}) {
            CAPTURE(name);
            CHECK(H5Lexists(file, name, H5P_DEFAULT) > 0);
        }
    }
    H5Fclose(file);
}

TEST_CASE("trip log: layout of the simulated tables") {
    const ScratchDir dir("simulated_layout");
    const fs::path path = dir.path() / "trips.h5";
    write_simulated_sample(path);
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);

    SUBCASE("/legs has our mode enum; direction stays a plain integer") {
        CHECK(enum_labels(file, "legs", "leg_mode") == as_strings(flemsim::core::mode_names));
        for (const char* table : {"link_volumes", "transit_load"}) {
            CAPTURE(table);
            const hid_t dset = H5Dopen2(file, table, H5P_DEFAULT);
            const hid_t type = H5Dget_type(dset);
            const hid_t direction =
                H5Tget_member_type(type, static_cast<unsigned>(H5Tget_member_index(type, "direction")));
            CHECK(H5Tequal(direction, H5T_STD_U8LE) > 0);
            H5Tclose(direction);
            H5Tclose(type);
            H5Dclose(dset);
        }
    }

    SUBCASE("packed rows with every field, chunked with shuffle and deflate") {
        struct Expected {
            const char* name;
            std::size_t row_size;
            int fields;
            hsize_t rows;
        };
        // legs: 8 + 4 + 2 + 1 + 7 * 4 + 4 + 2; link_volumes: 4 + 1 + 2 + 4 * 4;
        // transit_load: 4 + 4 + 1 + 2 + 12 * 4; iterations: 2 + 8 + 13 * 8 + 8 + 8 + 1 + 8 + 8 + 8;
        // lots: 4 + 1 + 4 * 4 + 4;
        // /lookup/links: 5 strings and 2 doubles (row size not checked: it holds string references).
        const Expected tables[] = {{"legs", 49, 13, 3},        {"link_volumes", 23, 7, 2}, {"transit_load", 59, 16, 2},
                                   {"iterations", 155, 21, 2}, {"lots", 25, 7, 2},         {"lookup/links", 0, 7, 2}};
        for (const Expected& e : tables) {
            CAPTURE(e.name);
            const hid_t dset = H5Dopen2(file, e.name, H5P_DEFAULT);
            REQUIRE(dset >= 0);
            const hid_t type = H5Dget_type(dset);
            CHECK(H5Tget_class(type) == H5T_COMPOUND);
            if (e.row_size != 0) CHECK(H5Tget_size(type) == e.row_size);
            CHECK(H5Tget_nmembers(type) == e.fields);
            const hid_t space = H5Dget_space(dset);
            CHECK(H5Sget_simple_extent_npoints(space) == static_cast<hssize_t>(e.rows));
            const hid_t dcpl = H5Dget_create_plist(dset);
            CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
            REQUIRE(H5Pget_nfilters(dcpl) == 2);
            CHECK(H5Pget_filter2(dcpl, 0, nullptr, nullptr, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_SHUFFLE);
            CHECK(H5Pget_filter2(dcpl, 1, nullptr, nullptr, nullptr, 0, nullptr, nullptr) == H5Z_FILTER_DEFLATE);
            H5Pclose(dcpl);
            H5Sclose(space);
            H5Tclose(type);
            H5Dclose(dset);
        }
    }
    H5Fclose(file);
}

TEST_CASE("trip log: a 200 KB scenario text survives") {
    const ScratchDir dir("long_yaml");
    const fs::path path = dir.path() / "trips.h5";
    auto meta = sample_meta();
    meta.scenario_yaml.clear();
    for (int i = 0; meta.scenario_yaml.size() < 200 * 1024; ++i)
        meta.scenario_yaml += "zone_" + std::to_string(i) + ": {jobs: " + std::to_string(i * 7 % 1000) + "}\n";
    output::write_trip_log(path, meta, sample_lookups(), sample_trips(), sample_persons(), {});
    CHECK(output::read_trip_log(path).meta.scenario_yaml == meta.scenario_yaml);
}

TEST_CASE("trip log: empty tables") {
    const ScratchDir dir("empty");
    const fs::path path = dir.path() / "trips.h5";
    auto meta = sample_meta();
    meta.distance_bands_km.clear();
    meta.input_hashes.clear();
    output::write_trip_log(path, meta, {}, {}, {}, {});
    const auto log = output::read_trip_log(path);
    CHECK(log.trips.empty());
    CHECK(log.persons.empty());
    CHECK(log.lookups.zones.empty());
    CHECK(log.lookups.stops.empty());
    CHECK(log.lookups.lines.empty());
    CHECK(log.meta == meta);
    CHECK(output::read_dataset_bytes(path, "/trips").empty());
}

TEST_CASE("trip log: the same rows give the same bytes") {
    const ScratchDir dir("determinism");
    const fs::path a = dir.path() / "a.h5";
    const fs::path b = dir.path() / "b.h5";
    write_sample(a);
    write_sample(b);
    const auto trips = output::read_dataset_bytes(a, "/trips");
    CHECK(trips.size() == 3 * 95);
    CHECK(trips == output::read_dataset_bytes(b, "/trips"));
    CHECK(output::read_dataset_bytes(a, "/persons") == output::read_dataset_bytes(b, "/persons"));
    // No timestamps in the objects: with the same meta (created_utc included), whole files match.
    CHECK(file_bytes(a) == file_bytes(b));

    SUBCASE("a simulated day too") {
        const fs::path c = dir.path() / "c.h5";
        const fs::path d = dir.path() / "d.h5";
        write_simulated_sample(c);
        write_simulated_sample(d);
        CHECK(output::read_dataset_bytes(c, "/legs").size() == 3 * 49);
        CHECK(output::read_dataset_bytes(c, "/iterations").size() == 2 * 155);
        for (const char* table : {"/trips", "/legs", "/link_volumes", "/transit_load", "/iterations", "/lots"}) {
            CAPTURE(table);
            CHECK(output::read_dataset_bytes(c, table) == output::read_dataset_bytes(d, table));
        }
        CHECK(file_bytes(c) == file_bytes(d));
    }
}

TEST_CASE("trip log: chunks compressed in parallel hold the library's rows, the same file at any thread count") {
    // Tables of several chunks (the last one partly past the rows, filled with zeros) are shuffled
    // and compressed here (libdeflate, in zlib's format), a batch of chunks at a time (one per
    // thread: with one thread, the three chunks of a one-row chunk size in three batches; with
    // four, in one). The library's own filters (zlib) make other compressed bytes, but the library
    // must read back from both the same bytes of every table, and the file must not depend on the
    // thread count.
    const ScratchDir dir("parallel_chunks");
    const char* tables[] = {"/trips", "/legs", "/link_volumes", "/transit_load", "/iterations", "/lots"};
    for (const std::uint32_t chunk_rows : {1u, 2u}) {
        CAPTURE(chunk_rows);
        const fs::path library = dir.path() / "library.h5";
        write_simulated_sample(library, {.compression_level = 6, .chunk_rows = chunk_rows, .parallel_chunks = false});
        std::vector<std::vector<char>> files;
        for (const int threads : {1, 4}) {
            CAPTURE(threads);
            const fs::path own = dir.path() / ("own" + std::to_string(threads) + ".h5");
            tbb::task_arena arena(threads);
            arena.execute([&] { write_simulated_sample(own, {.compression_level = 6, .chunk_rows = chunk_rows}); });
            for (const char* table : tables) {
                CAPTURE(table);
                CHECK(output::read_dataset_bytes(own, table) == output::read_dataset_bytes(library, table));
            }
            const output::TripLog log = output::read_trip_log(own);
            check_same_rows(log.trips, sample_trips());
            check_same(log.simulation, sample_simulation());
            files.push_back(file_bytes(own));
        }
        CHECK(files[0] == files[1]);
        // Compressed: the chunks are not stored as they are (the sample's tables repeat their
        // bytes), and they are not the library's bytes (libdeflate's deflate, not zlib's) --
        // which would mean the parallel path was not taken.
        CHECK(files[0] != file_bytes(library));
    }
}

TEST_CASE("trip log: write failures") {
    const ScratchDir dir("write_failure");
    const fs::path path = dir.path() / "missing_folder" / "trips.h5";
    const std::string message = message_of([&] { write_sample(path); });
    CHECK_THROWS_AS(write_sample(path), IoError);
    CHECK(message.find(path.string()) != std::string::npos);
    CHECK(message.find("cannot write trip log") != std::string::npos);
    CHECK(dir.entries().empty());

    const fs::path ok = dir.path() / "trips.h5";
    CHECK_THROWS_AS(write_sample(ok, {.compression_level = 12, .chunk_rows = 100}), IoError);
    CHECK(message_of([&] {
              write_sample(ok, {.compression_level = 12, .chunk_rows = 100});
          }).find("deflate level 12") != std::string::npos);
    CHECK(dir.entries().empty());  // neither the log nor its temporary file
}

TEST_CASE("trip log: files that are not trip logs are refused") {
    const ScratchDir dir("not_a_log");

    SUBCASE("missing file") {
        const fs::path path = dir.path() / "nowhere.h5";
        CHECK_THROWS_AS(output::read_trip_log(path), InputError);
        const std::string message = message_of([&] { output::read_trip_log(path); });
        CHECK(message.find(path.string() + ": cannot open trip log") == 0);
    }

    SUBCASE("text file") {
        const fs::path path = dir.path() / "trips.h5";
        std::ofstream(path) << "trip_id,mode\n1,walk\n";
        CHECK_THROWS_AS(output::read_trip_log(path), InputError);
        const std::string message = message_of([&] { output::read_trip_log(path); });
        CHECK(message == path.string() + ": not a flemsim trip log: not an HDF5 file");
    }

    SUBCASE("HDF5 file without schema_version, or without tables") {
        const fs::path path = dir.path() / "other.h5";
        const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        REQUIRE(file >= 0);
        H5Fclose(file);
        CHECK(message_of([&] { output::read_trip_log(path); }) ==
              path.string() + ": not a flemsim trip log: the root group has no attribute 'schema_version'");

        write_sample(path);
        const hid_t rw = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(H5Ldelete(rw, "persons", H5P_DEFAULT) >= 0);
        H5Fclose(rw);
        CHECK(message_of([&] { output::read_trip_log(path); }) == path.string() + ": trip log has no /persons");
    }

    SUBCASE("another schema version") {
        const fs::path path = dir.path() / "other_version.h5";
        write_sample(path);
        for (const int version : {0, 7, 99}) {
            CAPTURE(version);
            set_schema_version(path, version);
            CHECK_THROWS_AS(output::read_trip_log(path), InputError);
            CHECK(message_of([&] { output::read_trip_log(path); }) ==
                  path.string() + ": trip log schema version " + std::to_string(version) +
                      " is not supported (this flemsim reads 1 to 6)");
        }
    }
}

TEST_CASE("trip log: trips are read by field name") {
    const ScratchDir dir("field_order");
    const fs::path path = dir.path() / "trips.h5";
    write_sample(path);

    SUBCASE("fields in another order read the same") {
        rewrite_trips(path, true);
        const auto log = output::read_trip_log(path);
        const auto trips = sample_trips();
        check_same_rows(log.trips, trips);
    }

    SUBCASE("enum labels that are not ours are refused") {
        const hid_t modes = H5Tenum_create(H5T_STD_U8LE);
        for (std::uint8_t v = 0; v < 4; ++v) {
            const char* labels[] = {"walk", "bike", "bus", "car"};
            REQUIRE(H5Tenum_insert(modes, labels[v], &v) >= 0);
        }
        rewrite_trips(path, false, modes);
        H5Tclose(modes);
        const std::string message = message_of([&] { output::read_trip_log(path); });
        CHECK(message == path.string() +
                             ": /trips field 'main_mode': enum labels do not match this flemsim's (walk=0, bike=1, "
                             "transit=2, car=3)");
    }
}

namespace {

// Sets `field` of row `row` of `dataset` to `value`, bytes as stored (the file's types are
// little-endian, as this machine's), so that values HDF5 would refuse to convert (an enum
// value without a label) are written too.
template <class T>
void poke(const fs::path& path, const char* dataset, std::size_t row, const char* field, T value) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t dset = H5Dopen2(file, dataset, H5P_DEFAULT);
    REQUIRE(dset >= 0);
    const hid_t type = H5Dget_type(dset);
    const int index = H5Tget_member_index(type, field);
    REQUIRE(index >= 0);
    const hid_t member = H5Tget_member_type(type, static_cast<unsigned>(index));
    REQUIRE(H5Tget_size(member) == sizeof(T));
    H5Tclose(member);
    const std::size_t offset = H5Tget_member_offset(type, static_cast<unsigned>(index));
    const std::size_t row_size = H5Tget_size(type);
    const hid_t space = H5Dget_space(dset);
    const auto rows = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space));
    REQUIRE(row < rows);
    std::vector<unsigned char> bytes(rows * row_size);
    REQUIRE(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0);
    std::memcpy(bytes.data() + row * row_size + offset, &value, sizeof(T));
    REQUIRE(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0);
    // The strings of a table with text (the lookups) were allocated by HDF5 when read.
    H5Dvlen_reclaim(type, space, H5P_DEFAULT, bytes.data());
    H5Sclose(space);
    H5Tclose(type);
    H5Dclose(dset);
    H5Fclose(file);
}

void set_double_attribute(const fs::path& path, const char* name, double value) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t attr = H5Aopen(file, name, H5P_DEFAULT);
    REQUIRE(H5Awrite(attr, H5T_NATIVE_DOUBLE, &value) >= 0);
    H5Aclose(attr);
    H5Fclose(file);
}

// The error of reading `path`, with the file's name taken off the front.
std::string refusal(const fs::path& path) {
    std::string message;
    CHECK_THROWS_AS(output::read_trip_log(path), InputError);
    message = message_of([&] { output::read_trip_log(path); });
    const std::string prefix = path.string() + ": ";
    REQUIRE(message.rfind(prefix, 0) == 0);
    return message.substr(prefix.size());
}

}  // namespace

TEST_CASE("trip log: every value read is checked, the error names dataset, row and field") {
    const ScratchDir dir("range_checks");
    const fs::path path = dir.path() / "trips.h5";
    write_simulated_sample(path);
    REQUIRE_NOTHROW(output::read_trip_log(path));
    const float nan = std::numeric_limits<float>::quiet_NaN();

    SUBCASE("an enum value without a label") {
        poke<std::uint8_t>(path, "trips", 2, "main_mode", 9);
        CHECK(refusal(path) == "/trips row 2, field main_mode: 9 is not one of walk, bike, transit, car");
    }
    SUBCASE("a NaN distance") {
        poke(path, "trips", 1, "distance_m", nan);
        CHECK(refusal(path) == "/trips row 1, field distance_m: nan is not a finite, non-negative number");
    }
    SUBCASE("a negative distance") {
        poke(path, "trips", 0, "distance_m", -812.5f);
        CHECK(refusal(path) == "/trips row 0, field distance_m: -812.5 is not a finite, non-negative number");
    }
    SUBCASE("an infinite cost") {
        poke(path, "trips", 1, "cost_sek", std::numeric_limits<float>::infinity());
        CHECK(refusal(path) == "/trips row 1, field cost_sek: inf is not a finite, non-negative number");
    }
    SUBCASE("a negative time") {
        poke<std::int32_t>(path, "trips", 2, "dep_time_s", -5);
        CHECK(refusal(path) == "/trips row 2, field dep_time_s: -5 is not a finite, non-negative number");
    }
    SUBCASE("arrival before departure") {
        poke<std::int32_t>(path, "trips", 0, "arr_time_s", 28000);
        CHECK(refusal(path) == "/trips row 0, field arr_time_s: 28000 is before dep_time_s (28800)");
    }
    SUBCASE("a person id beyond /persons") {
        poke<std::uint32_t>(path, "trips", 2, "person_id", 4000000000u);
        CHECK(refusal(path) == "/trips row 2, field person_id: 4000000000 is not a row of /persons (2 in the file)");
    }
    SUBCASE("a zone beyond /lookup/zones") {
        poke<std::uint32_t>(path, "trips", 1, "dest_zone", 2);
        CHECK(refusal(path) == "/trips row 1, field dest_zone: 2 is not a zone of /lookup/zones (2 in the file)");
    }
    SUBCASE("a stop beyond /lookup/stops") {
        poke<std::int32_t>(path, "trips", 1, "board_stop", 7);
        CHECK(refusal(path) ==
              "/trips row 1, field board_stop: 7 is not a stop of /lookup/stops (2 in the file; -1 for none)");
    }
    SUBCASE("a line below -1") {
        poke<std::int32_t>(path, "trips", 1, "first_line", -2);
        CHECK(refusal(path) ==
              "/trips row 1, field first_line: -2 is not a line of /lookup/lines (1 in the file; -1 for none)");
    }
    SUBCASE("trip ids are row numbers") {
        poke<std::uint64_t>(path, "trips", 1, "trip_id", 7);
        CHECK(refusal(path) == "/trips row 1, field trip_id: 7 is not the row number");
    }
    SUBCASE("a flag that is neither 0 nor 1") {
        poke<std::uint8_t>(path, "trips", 2, "stuck", 2);
        CHECK(refusal(path) == "/trips row 2, field stuck: 2 is neither 0 nor 1");
    }
    SUBCASE("a person's trip_count that /trips does not hold") {
        poke<std::uint16_t>(path, "persons", 1, "trip_count", 3);
        CHECK(refusal(path) == "/persons row 1, field trip_count: 3 but /trips has 1 trips of this person");
    }
    SUBCASE("a trip_index beyond the person's trips") {
        poke<std::uint16_t>(path, "trips", 2, "trip_index", 1);
        CHECK(refusal(path) == "/trips row 2, field trip_index: 1 is beyond the 1 trips of person 1");
    }
    SUBCASE("a person's home zone beyond the lookups") {
        poke<std::uint32_t>(path, "persons", 0, "home_zone", 99999);
        CHECK(refusal(path) == "/persons row 0, field home_zone: 99999 is not a zone of /lookup/zones (2 in the file)");
    }
    SUBCASE("a leg of a trip that is not there") {
        poke<std::uint64_t>(path, "legs", 2, "trip_id", 3);
        CHECK(refusal(path) == "/legs row 2, field trip_id: 3 is not a row of /trips (3 in the file)");
    }
    SUBCASE("a leg that ends before it boards") {
        poke<std::int32_t>(path, "legs", 1, "end_s", 90000);
        CHECK(refusal(path) == "/legs row 1, field end_s: 90000 is before board_s (90540)");
    }
    SUBCASE("a NaN leg distance") {
        poke(path, "legs", 0, "distance_m", nan);
        CHECK(refusal(path) == "/legs row 0, field distance_m: nan is not a finite, non-negative number");
    }
    SUBCASE("a link volume of a link that is not in /lookup/links") {
        poke<std::uint32_t>(path, "link_volumes", 1, "link", 2);
        CHECK(refusal(path) == "/link_volumes row 1, field link: 2 is not a link of /lookup/links (2 in the file)");
    }
    SUBCASE("an hour beyond the second day") {
        poke<std::uint16_t>(path, "link_volumes", 0, "hour", 48);
        CHECK(refusal(path) == "/link_volumes row 0, field hour: 48 is not an hour of 0..47");
    }
    SUBCASE("a segment that arrives before it departs") {
        poke<std::int32_t>(path, "transit_load", 0, "arrive_s", 0);
        CHECK(refusal(path) == "/transit_load row 0, field arrive_s: 0 is before depart_s (90540)");
    }
    SUBCASE("a transit access that is none of walk, bike-and-ride, park-and-ride") {
        poke<std::uint8_t>(path, "trips", 1, "transit_access", 3);
        CHECK(refusal(path) ==
              "/trips row 1, field transit_access: 3 is not one of 0 (walk), 1 (bike-and-ride), 2 (park-and-ride)");
    }
    SUBCASE("park-and-ride on a trip that is not by transit") {
        poke<std::uint8_t>(path, "trips", 0, "transit_access", 2);
        CHECK(refusal(path) == "/trips row 0, field transit_access: 2 but the trip is not by transit");
    }
    SUBCASE("a lot at a stop beyond /lookup/stops") {
        poke<std::int32_t>(path, "lots", 1, "stop", 2);
        CHECK(refusal(path) == "/lots row 1, field stop: 2 is not a stop of /lookup/stops (2 in the file)");
    }
    SUBCASE("a lot of no kind") {
        poke<std::uint8_t>(path, "lots", 0, "kind", 0);
        CHECK(refusal(path) == "/lots row 0, field kind: 0 is neither 1 (bike park) nor 2 (car park)");
    }
    SUBCASE("a lot whose peak is more than its arrivals") {
        poke<std::uint32_t>(path, "lots", 0, "peak", 13);
        CHECK(refusal(path) == "/lots row 0, field peak: 13 is more than arrivals (12)");
    }
    SUBCASE("a lot full from before the day") {
        poke<std::int32_t>(path, "lots", 1, "full_from_s", -2);
        CHECK(refusal(path) == "/lots row 1, field full_from_s: -2 is neither a time of day nor -1");
    }
    SUBCASE("a share above 1") {
        poke<double>(path, "iterations", 1, "share_car", 1.5);
        CHECK(refusal(path) == "/iterations row 1, field share_car: 1.5 is not a share in [0, 1]");
    }
    SUBCASE("a lookup coordinate that is no latitude") {
        poke<double>(path, "lookup/zones", 1, "lat", 91);
        CHECK(refusal(path) == "/lookup/zones row 1, field lat: 91 is not a latitude");
    }
    SUBCASE("a NaN target") {
        set_double_attribute(path, "target_sustainable_share", std::numeric_limits<double>::quiet_NaN());
        CHECK(refusal(path) == "attribute 'target_sustainable_share': nan is not a share in [0, 1]");
    }
    SUBCASE("/lookup/modes with labels that are not ours") {
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(file >= 0);
        const hid_t dset = H5Dopen2(file, "lookup/modes", H5P_DEFAULT);
        const hid_t text = H5Tcopy(H5T_C_S1);
        REQUIRE(H5Tset_size(text, H5T_VARIABLE) >= 0);
        REQUIRE(H5Tset_cset(text, H5T_CSET_UTF8) >= 0);
        const char* labels[] = {"walk", "bike", "bus", "car"};
        REQUIRE(H5Dwrite(dset, text, H5S_ALL, H5S_ALL, H5P_DEFAULT, labels) >= 0);
        H5Tclose(text);
        H5Dclose(dset);
        H5Fclose(file);
        CHECK(refusal(path) == "/lookup/modes: labels are not this flemsim's (walk, bike, transit, car)");
    }
    SUBCASE("a file without /lookup/modes") {
        delete_link(path, "lookup/modes");
        CHECK(refusal(path) == "trip log has no /lookup/modes");
    }
}

TEST_CASE("exports: node and link ids beyond the network are refused, not followed") {
    const ScratchDir dir("network_ids");
    const fs::path path = dir.path() / "trips.h5";
    // The sample's ids come from no network in particular: its nodes 1003 and 1004 lie
    // beyond the tiny test network.
    write_simulated_sample(path);
    const auto net = flemsim::network::load_network(fs::path(FLEMSIM_TEST_DATA) / "tiny");
    REQUIRE(net.node_count() < 1003);
    const auto log = output::read_trip_log(path);
    CHECK_THROWS_AS(output::check_same_network(log, net), InputError);
    CHECK(message_of([&] { output::write_matsim_trips(dir.path() / "output_trips.csv", log, net); }) ==
          fmt::format("{}: /trips row 0, field origin_node: 1003 is not a node of the network ({} nodes) "
                      "(give the network folder or scenario the run used)",
                      path.string(), net.node_count()));
    CHECK_FALSE(fs::exists(dir.path() / "output_trips.csv"));

    SUBCASE("a home node beyond the network") {
        for (std::size_t row = 0; row < 3; ++row) {
            poke<std::uint32_t>(path, "trips", row, "origin_node", 0);
            poke<std::uint32_t>(path, "trips", row, "dest_node", 1);
        }
        poke<std::uint32_t>(path, "persons", 0, "home_node", 0);
        CHECK(message_of([&] { output::check_network_ids(output::read_trip_log(path), net); }) ==
              fmt::format("{}: /persons row 1, field home_node: 2000 is not a node of the network ({} nodes) "
                          "(give the network folder or scenario the run used)",
                          path.string(), net.node_count()));

        poke<std::uint32_t>(path, "persons", 1, "home_node", 1);
        CHECK_NOTHROW(output::check_network_ids(output::read_trip_log(path), net));
    }
}
