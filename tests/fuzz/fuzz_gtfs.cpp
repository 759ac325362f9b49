// Fuzz target: one table of a GTFS feed through import_gtfs (RFC 4180 reader, calendars,
// stop times, frequencies). The first byte picks the table of the `frequencies` test feed
// (which has every table the importer reads) that the rest replaces; the streets are a
// small network around the feed's stops, as in the importer's unit test.
#include <array>
#include <cmath>

#include "sim/network/import/gtfs_import.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace fs = std::filesystem;
using namespace flemsim;

namespace {
constexpr std::array<const char*, 9> tables = {"agency.txt",         "stops.txt",       "routes.txt",
                                               "trips.txt",          "stop_times.txt",  "calendar.txt",
                                               "calendar_dates.txt", "frequencies.txt", "transfers.txt"};
fs::path feed() {
    return fuzz::scratch() / "feed";
}
fs::path original() {
    return fuzz::source_dir() / "tests/data/gtfs/frequencies";
}
// The original tables' bytes (nothing for a table the feed lacks), read once.
std::array<std::optional<std::string>, tables.size()> originals;

void add_node(network::Network& net, const char* id, double x, double y) {
    net.node_ids.emplace_back(id);
    net.node_x_m.push_back(x);
    net.node_y_m.push_back(y);
    net.node_zone.push_back(core::invalid_index);
    net.node_line.push_back(static_cast<int>(net.node_ids.size()) + 1);
}

void add_walk_link(network::Network& net, std::uint32_t from, std::uint32_t to) {
    net.link_ids.push_back("l" + std::to_string(net.link_ids.size() + 1));
    net.link_from.push_back(from);
    net.link_to.push_back(to);
    net.link_length_m.push_back(std::abs(net.node_x_m[to] - net.node_x_m[from]));
    net.link_type.emplace_back("footway");
    net.link_modes.push_back(network::walk_bit);
    net.link_oneway.push_back(0);
    net.link_car_speed_mps.push_back(0);
    net.link_lanes.push_back(0);
    net.link_capacity_veh_per_h.push_back(0);
    net.link_name.emplace_back();
}

// A street along latitude 60 from longitude 10.00 to 10.02 (the test feeds' stops).
const network::Network& streets() {
    static const network::Network net = [] {
        network::Network n;
        n.name = "fuzz streets";
        n.origin_lat = 60;
        n.origin_lon = 10;
        add_node(n, "a", 0, 0);
        add_node(n, "b", 556.6, 0);
        add_node(n, "c", 1113.2, 0);
        add_walk_link(n, 0, 1);
        add_walk_link(n, 1, 2);
        return n;
    }();
    return net;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fs::create_directories(feed());
    for (std::size_t t = 0; t < tables.size(); ++t) {
        originals[t] = fuzz::read_file(original() / tables[t]);
        fuzz::restore_file(feed() / tables[t], originals[t]);
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t t = data[0] % tables.size();
    fuzz::write_file(feed() / tables[t], fuzz::as_text(data + 1, size - 1));
    fuzz::expect_clean([&] {
        network::Network net = streets();
        network::import::GtfsReport report;
        network::import::import_gtfs(feed(), network::import::GtfsOptions{"2024-04-08"}, net, report);
    });
    fuzz::restore_file(feed() / tables[t], originals[t]);
    return 0;
}
