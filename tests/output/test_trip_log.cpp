#include <doctest/doctest.h>
#include <hdf5.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "sim/core/error.hpp"
#include "sim/core/types.hpp"
#include "sim/output/trip_log.hpp"

namespace fs = std::filesystem;
using flemsim::core::InputError;
using flemsim::core::IoError;
using flemsim::core::PersonRecord;
using flemsim::core::TripRecord;
namespace output = flemsim::output;

namespace {

// A fresh folder per test case, removed afterwards.
class ScratchDir {
public:
    explicit ScratchDir(const std::string& name)
        : m_path(fs::temp_directory_path() / ("flemsim_test_output_" + std::to_string(::getpid()) + "_" + name)) {
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
    walk.trip_id = 1;
    walk.person_id = 7;
    walk.trip_index = 0;
    walk.tour_index = 0;
    walk.group = static_cast<std::uint8_t>(flemsim::core::Group::resident_student);
    walk.purpose = static_cast<std::uint8_t>(flemsim::core::Purpose::study);
    walk.mode = static_cast<std::uint8_t>(flemsim::core::Mode::walk);
    walk.dest_activity = static_cast<std::uint8_t>(flemsim::core::Activity::study);
    walk.origin_zone = 3;
    walk.dest_zone = 4;
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
    transit.trip_id = 2;
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

    TripRecord car = walk;
    car.trip_id = 3;
    car.person_id = 4000000000u;
    car.trip_index = 65535;
    car.group = static_cast<std::uint8_t>(flemsim::core::Group::resident);
    car.purpose = static_cast<std::uint8_t>(flemsim::core::Purpose::other);
    car.mode = static_cast<std::uint8_t>(flemsim::core::Mode::car);
    car.dest_activity = static_cast<std::uint8_t>(flemsim::core::Activity::home);
    car.dep_time_s = -5;
    car.arr_time_s = 900;
    car.distance_m = 7000;
    car.in_vehicle_s = 785;
    car.access_s = 60;
    car.egress_s = 60;
    car.cost_sek = 18.75f;
    return {walk, transit, car};
}

std::vector<PersonRecord> sample_persons() {
    PersonRecord a{};
    a.person_id = 7;
    a.group = static_cast<std::uint8_t>(flemsim::core::Group::resident_student);
    a.car_available = 0;
    a.bike_owner = 1;
    a.transit_pass = 1;
    a.home_zone = 3;
    a.home_node = 1003;
    a.work_zone = -1;
    a.study_zone = 4;
    a.trip_count = 2;
    PersonRecord b = a;
    b.person_id = 4000000000u;
    b.group = static_cast<std::uint8_t>(flemsim::core::Group::student);
    b.car_available = 1;
    b.bike_owner = 0;
    b.transit_pass = 0;
    b.home_zone = 9;
    b.home_node = 2000;
    b.work_zone = 5;
    b.study_zone = -1;
    b.trip_count = 65535;
    return {a, b};
}

void check_same(const TripRecord& a, const TripRecord& b) {
    CHECK(a.trip_id == b.trip_id);
    CHECK(a.person_id == b.person_id);
    CHECK(a.trip_index == b.trip_index);
    CHECK(a.tour_index == b.tour_index);
    CHECK(a.group == b.group);
    CHECK(a.purpose == b.purpose);
    CHECK(a.mode == b.mode);
    CHECK(a.dest_activity == b.dest_activity);
    CHECK(a.origin_zone == b.origin_zone);
    CHECK(a.dest_zone == b.dest_zone);
    CHECK(a.origin_node == b.origin_node);
    CHECK(a.dest_node == b.dest_node);
    CHECK(a.dep_time_s == b.dep_time_s);
    CHECK(a.arr_time_s == b.arr_time_s);
    CHECK(a.distance_m == b.distance_m);
    CHECK(a.in_vehicle_s == b.in_vehicle_s);
    CHECK(a.wait_s == b.wait_s);
    CHECK(a.access_s == b.access_s);
    CHECK(a.egress_s == b.egress_s);
    CHECK(a.transfer_walk_s == b.transfer_walk_s);
    CHECK(a.transfers == b.transfers);
    CHECK(a.board_stop == b.board_stop);
    CHECK(a.alight_stop == b.alight_stop);
    CHECK(a.first_line == b.first_line);
    CHECK(a.last_line == b.last_line);
    CHECK(a.cost_sek == b.cost_sek);
}

void check_same(const PersonRecord& a, const PersonRecord& b) {
    CHECK(a.person_id == b.person_id);
    CHECK(a.group == b.group);
    CHECK(a.car_available == b.car_available);
    CHECK(a.bike_owner == b.bike_owner);
    CHECK(a.transit_pass == b.transit_pass);
    CHECK(a.home_zone == b.home_zone);
    CHECK(a.home_node == b.home_node);
    CHECK(a.work_zone == b.work_zone);
    CHECK(a.study_zone == b.study_zone);
    CHECK(a.trip_count == b.trip_count);
}

void check_same(const output::Lookups& a, const output::Lookups& b) {
    REQUIRE(a.zones.size() == b.zones.size());
    for (std::size_t i = 0; i < a.zones.size(); ++i) {
        CHECK(a.zones[i].id == b.zones[i].id);
        CHECK(a.zones[i].name == b.zones[i].name);
        CHECK(a.zones[i].kind == b.zones[i].kind);
        CHECK(a.zones[i].x_m == b.zones[i].x_m);
        CHECK(a.zones[i].y_m == b.zones[i].y_m);
        CHECK(a.zones[i].lat == b.zones[i].lat);
        CHECK(a.zones[i].lon == b.zones[i].lon);
    }
    REQUIRE(a.stops.size() == b.stops.size());
    for (std::size_t i = 0; i < a.stops.size(); ++i) {
        CHECK(a.stops[i].id == b.stops[i].id);
        CHECK(a.stops[i].name == b.stops[i].name);
        CHECK(a.stops[i].x_m == b.stops[i].x_m);
        CHECK(a.stops[i].y_m == b.stops[i].y_m);
        CHECK(a.stops[i].lat == b.stops[i].lat);
        CHECK(a.stops[i].lon == b.stops[i].lon);
    }
    REQUIRE(a.lines.size() == b.lines.size());
    for (std::size_t i = 0; i < a.lines.size(); ++i) {
        CHECK(a.lines[i].id == b.lines[i].id);
        CHECK(a.lines[i].name == b.lines[i].name);
        CHECK(a.lines[i].mode == b.lines[i].mode);
    }
}

void check_same(const output::TripLogMeta& a, const output::TripLogMeta& b) {
    CHECK(a.schema_version == b.schema_version);
    CHECK(a.program_version == b.program_version);
    CHECK(a.scenario_name == b.scenario_name);
    CHECK(a.seed == b.seed);
    CHECK(a.scenario_yaml == b.scenario_yaml);
    CHECK(a.input_hashes == b.input_hashes);
    CHECK(a.created_utc == b.created_utc);
    CHECK(a.target_sustainable_share == b.target_sustainable_share);
    CHECK(a.distance_bands_km == b.distance_bands_km);
}

void write_sample(const fs::path& path, const output::WriteOptions& options = {}) {
    output::write_trip_log(path, sample_meta(), sample_lookups(), sample_trips(), sample_persons(), options);
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

// Replaces /trips by a copy with the members of its compound type in reverse order, or,
// with `mode_type`, in the same order but with that type for 'mode' (same size, so the
// stored bytes carry over unconverted).
void rewrite_trips(const fs::path& path, bool reverse, hid_t mode_type = -1) {
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(file >= 0);
    const hid_t dset = H5Dopen2(file, "trips", H5P_DEFAULT);
    const hid_t old_type = H5Dget_type(dset);
    const hid_t old_space = H5Dget_space(dset);
    const auto rows = static_cast<hsize_t>(H5Sget_simple_extent_npoints(old_space));
    std::vector<unsigned char> bytes(rows * H5Tget_size(old_type));
    if (rows > 0) REQUIRE(H5Dread(dset, old_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0);
    H5Sclose(old_space);
    H5Dclose(dset);
    REQUIRE(H5Ldelete(file, "trips", H5P_DEFAULT) >= 0);

    const hid_t new_type = H5Tcreate(H5T_COMPOUND, H5Tget_size(old_type));
    const int members = H5Tget_nmembers(old_type);
    std::size_t offset = 0;
    for (int k = 0; k < members; ++k) {
        const auto j = static_cast<unsigned>(reverse ? members - 1 - k : k);
        char* name = H5Tget_member_name(old_type, j);
        hid_t member = H5Tget_member_type(old_type, j);
        if (mode_type >= 0 && std::strcmp(name, "mode") == 0) {
            H5Tclose(member);
            member = H5Tcopy(mode_type);
        }
        REQUIRE(H5Tinsert(new_type, name, offset, member) >= 0);
        offset += H5Tget_size(member);
        H5Tclose(member);
        H5free_memory(name);
    }
    const hsize_t dims[1] = {rows};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t out = H5Dcreate2(file, "trips", new_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(out >= 0);
    // Reversed: converted by member name. Relabelled: same layout, written as is.
    if (rows > 0)
        REQUIRE(H5Dwrite(out, reverse ? old_type : new_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) >= 0);
    H5Dclose(out);
    H5Sclose(space);
    H5Tclose(new_type);
    H5Tclose(old_type);
    H5Fclose(file);
}

}  // namespace

TEST_CASE("trip log: a round trip keeps every field") {
    const ScratchDir dir("round_trip");
    const fs::path path = dir.path() / "trips.h5";
    write_sample(path, {.compression_level = 6, .chunk_rows = 2});  // two chunks for three trips
    const output::TripLog log = output::read_trip_log(path);

    check_same(log.meta, sample_meta());
    CHECK(log.meta.schema_version == output::trip_log_schema_version);
    check_same(log.lookups, sample_lookups());
    const auto trips = sample_trips();
    REQUIRE(log.trips.size() == trips.size());
    for (std::size_t i = 0; i < trips.size(); ++i) check_same(log.trips[i], trips[i]);
    const auto persons = sample_persons();
    REQUIRE(log.persons.size() == persons.size());
    for (std::size_t i = 0; i < persons.size(); ++i) check_same(log.persons[i], persons[i]);

    SUBCASE("the temporary file is gone after success") {
        CHECK(dir.entries() == std::vector<std::string>{"trips.h5"});
    }
}

TEST_CASE("trip log: file layout") {
    const ScratchDir dir("layout");
    const fs::path path = dir.path() / "trips.h5";
    write_sample(path);
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    REQUIRE(file >= 0);

    SUBCASE("root attributes") {
        for (const char* name : {"schema_version", "program_version", "scenario_name", "seed", "scenario_yaml",
                                 "input_hashes", "created_utc", "target_sustainable_share", "distance_bands_km"}) {
            CAPTURE(name);
            CHECK(H5Aexists(file, name) > 0);
        }
        for (const char* name : {"program_version", "scenario_name", "scenario_yaml", "input_hashes", "created_utc"}) {
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
    }

    SUBCASE("enum labels are ours, in value order") {
        CHECK(enum_labels(file, "trips", "mode") == as_strings(flemsim::core::mode_names));
        CHECK(enum_labels(file, "trips", "purpose") == as_strings(flemsim::core::purpose_names));
        CHECK(enum_labels(file, "trips", "group") == as_strings(flemsim::core::group_names));
        CHECK(enum_labels(file, "trips", "dest_activity") == as_strings(flemsim::core::activity_names));
        CHECK(enum_labels(file, "persons", "group") == as_strings(flemsim::core::group_names));
    }

    SUBCASE("/trips is packed, little-endian, chunked with shuffle and deflate") {
        const hid_t dset = H5Dopen2(file, "trips", H5P_DEFAULT);
        const hid_t type = H5Dget_type(dset);
        // 8 + 4 + 2 + 2 + 4 enums of 1 + 4 * 4 + 2 * 4 + 6 * 4 + 2 + 4 * 4 + 4, no padding.
        CHECK(H5Tget_size(type) == 90);
        CHECK(H5Tget_nmembers(type) == 26);
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
    check_same(log.meta, meta);
    CHECK(output::read_dataset_bytes(path, "/trips").empty());
}

TEST_CASE("trip log: the same rows give the same bytes") {
    const ScratchDir dir("determinism");
    const fs::path a = dir.path() / "a.h5";
    const fs::path b = dir.path() / "b.h5";
    write_sample(a);
    write_sample(b);
    const auto trips = output::read_dataset_bytes(a, "/trips");
    CHECK(trips.size() == 3 * 90);
    CHECK(trips == output::read_dataset_bytes(b, "/trips"));
    CHECK(output::read_dataset_bytes(a, "/persons") == output::read_dataset_bytes(b, "/persons"));
    // No timestamps in the objects: with the same meta (created_utc included), whole files match.
    CHECK(file_bytes(a) == file_bytes(b));
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
        const fs::path path = dir.path() / "v99.h5";
        write_sample(path);
        const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
        REQUIRE(file >= 0);
        const hid_t attr = H5Aopen(file, "schema_version", H5P_DEFAULT);
        const int version = 99;
        REQUIRE(H5Awrite(attr, H5T_NATIVE_INT, &version) >= 0);
        H5Aclose(attr);
        H5Fclose(file);
        CHECK_THROWS_AS(output::read_trip_log(path), InputError);
        CHECK(message_of([&] { output::read_trip_log(path); }) ==
              path.string() + ": trip log schema version 99 is not supported (this flemsim reads 1)");
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
        REQUIRE(log.trips.size() == trips.size());
        for (std::size_t i = 0; i < trips.size(); ++i) check_same(log.trips[i], trips[i]);
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
                             ": /trips field 'mode': enum labels do not match this flemsim's (walk=0, bike=1, "
                             "transit=2, car=3)");
    }
}
