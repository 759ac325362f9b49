#include "sim/output/exports.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/json.hpp"
#include "sim/core/text.hpp"
#include "sim/core/types.hpp"

namespace flemsim::output {

void check_same_network(const TripLog& log, const network::Network& net) {
    // A run of a scenario with a network_patch: the patch must be the same too.
    std::string logged_patch, given_patch;
    for (const auto& [name, logged] : log.meta.input_hashes)
        if (name == "network/network_patch") logged_patch = logged;
    for (const auto& [file, hash] : net.file_hashes)
        if (file == "network_patch") given_patch = hash;
    if (logged_patch != given_patch)
        throw core::InputError(
            {net.folder.string(), 0, 0},
            logged_patch.empty() ? "the trip log was made without a network_patch, this network has one"
                                 : "the trip log was made with a patched network (network_patch), this is not the same",
            "give the scenario the run used: flemsim export TRIPS.h5 --scenario FILE");
    for (const auto& [file, hash] : net.file_hashes) {
        if (file != "nodes.csv" && file != "links.csv") continue;
        for (const auto& [name, logged] : log.meta.input_hashes)
            if (name == "network/" + file && logged != hash)
                throw core::InputError({(net.folder / file).string(), 0, 0},
                                       "not the network the trip log was made with (SHA-256 differs)",
                                       "give the network folder the scenario named");
    }
    check_network_ids(log, net);
}

void check_network_ids(const TripLog& log, const network::Network& net) {
    // The hashes above only hold a log to a network when it names one; a log without them,
    // or edited by hand, could still send the exports past the end of the network's tables.
    const core::SourcePos pos{log.file.string(), 0, 0};
    const auto refuse = [&](const char* table, std::size_t row, const char* field, std::uint64_t value,
                            const char* what, std::size_t count) {
        throw core::InputError(pos,
                               fmt::format("{} row {}, field {}: {} is not a {} of the network ({} {}s)", table, row,
                                           field, value, what, count, what),
                               "give the network folder or scenario the run used");
    };
    const std::size_t nodes = net.node_count();
    for (std::size_t i = 0; i < log.trips.size(); ++i) {
        const auto& t = log.trips[i];
        if (t.origin_node >= nodes) refuse("/trips", i, "origin_node", t.origin_node, "node", nodes);
        if (t.dest_node >= nodes) refuse("/trips", i, "dest_node", t.dest_node, "node", nodes);
    }
    for (std::size_t i = 0; i < log.persons.size(); ++i)
        if (log.persons[i].home_node >= nodes)
            refuse("/persons", i, "home_node", log.persons[i].home_node, "node", nodes);
    if (log.has_simulation)
        for (std::size_t i = 0; i < log.simulation.link_volumes.size(); ++i)
            if (log.simulation.link_volumes[i].link >= net.link_count())
                refuse("/link_volumes", i, "link", log.simulation.link_volumes[i].link, "link", net.link_count());
}

namespace {

std::string clock(double seconds) {
    return core::format_clock(static_cast<std::int64_t>(std::lround(seconds)));
}

const char* matsim_mode(std::uint8_t mode) {
    switch (static_cast<core::Mode>(mode)) {
        case core::Mode::walk:
            return "walk";
        case core::Mode::bike:
            return "bike";
        case core::Mode::transit:
            return "pt";
        case core::Mode::car:
            return "car";
    }
    return "?";
}

}  // namespace

namespace {

// The bytes of a gzip file holding `text` (zlib's deflate with the gzip wrapper).
std::string gzip(const std::string& text) {
    z_stream z{};
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw core::IoError("cannot start gzip compression");
    std::string out(deflateBound(&z, text.size()), '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&z, Z_FINISH);
    out.resize(z.total_out);
    deflateEnd(&z);
    if (rc != Z_STREAM_END) throw core::IoError("gzip compression failed");
    return out;
}

}  // namespace

void write_matsim_trips(const std::filesystem::path& file, const TripLog& log, const network::Network& net,
                        const CrsTransform* crs, bool gzipped) {
    check_same_network(log, net);
    const int decimals = crs && crs->geographic() ? 7 : 1;
    const auto place = [&](double x, double y) {
        if (crs && !crs->apply(x, y)) throw core::IoError("cannot transform a point of the trips to the CRS");
        return std::pair{x, y};
    };
    // The legs of each trip, when the log has them (for "modes").
    std::vector<std::string> modes(log.trips.size());
    if (log.has_simulation) {
        for (const auto& leg : log.simulation.legs) {
            if (leg.trip_id >= modes.size()) continue;
            auto& m = modes[leg.trip_id];
            m += (m.empty() ? "" : "-") + std::string(matsim_mode(leg.mode));
        }
    }
    fmt::memory_buffer out;
    fmt::format_to(
        std::back_inserter(out),
        "person;trip_number;trip_id;dep_time;trav_time;wait_time;traveled_distance;euclidean_distance;main_mode;"
        "longest_distance_mode;modes;start_activity_type;end_activity_type;start_facility_id;start_link;start_x;"
        "start_y;end_facility_id;end_link;end_x;end_y;first_pt_boarding_stop;last_pt_egress_stop\n");
    for (std::size_t i = 0; i < log.trips.size(); ++i) {
        const auto& t = log.trips[i];
        const bool home_first = t.dest_activity != static_cast<std::uint8_t>(core::Activity::home);
        const std::string purpose(core::purpose_names[t.purpose]);
        const std::string start_act = home_first ? "home" : purpose;
        const std::string end_act = home_first ? purpose : "home";
        const double sx = net.node_x_m[t.origin_node], sy = net.node_y_m[t.origin_node];
        const double ex = net.node_x_m[t.dest_node], ey = net.node_y_m[t.dest_node];
        const auto [psx, psy] = place(sx, sy);
        const auto [pex, pey] = place(ex, ey);
        const auto number = t.trip_index + 1;
        const auto stop_id = [&](std::int32_t stop) {
            return stop >= 0 && static_cast<std::size_t>(stop) < log.lookups.stops.size()
                       ? std::string_view(log.lookups.stops[static_cast<std::size_t>(stop)].id)
                       : std::string_view();
        };
        fmt::format_to(std::back_inserter(out),
                       "{};{};{}_{};{};{};{};{};{};{};{};{};{};{};;;{:.{}f};{:.{}f};;;{:.{}f};{:.{}f};{};{}\n",
                       t.person_id, number, t.person_id, number, clock(t.dep_time_s),
                       clock(t.arr_time_s - t.dep_time_s), clock(t.wait_s), std::lround(t.distance_m),
                       std::lround(std::hypot(ex - sx, ey - sy)), matsim_mode(t.mode), matsim_mode(t.mode),
                       modes[i].empty() ? std::string_view(matsim_mode(t.mode)) : std::string_view(modes[i]), start_act,
                       end_act, psx, decimals, psy, decimals, pex, decimals, pey, decimals, stop_id(t.board_stop),
                       stop_id(t.alight_stop));
    }
    core::write_file_atomically(file, gzipped ? gzip(fmt::to_string(out)) : fmt::to_string(out));
}

}  // namespace flemsim::output
