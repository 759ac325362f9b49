#include "sim/output/exports.hpp"

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

void write_matsim_trips(const std::filesystem::path& file, const TripLog& log, const network::Network& net) {
    check_same_network(log, net);
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
        const auto number = t.trip_index + 1;
        const auto stop_id = [&](std::int32_t stop) {
            return stop >= 0 && static_cast<std::size_t>(stop) < log.lookups.stops.size()
                       ? std::string_view(log.lookups.stops[static_cast<std::size_t>(stop)].id)
                       : std::string_view();
        };
        fmt::format_to(std::back_inserter(out),
                       "{};{};{}_{};{};{};{};{};{};{};{};{};{};{};;;{:.1f};{:.1f};;;{:.1f};{:.1f};{};{}\n", t.person_id,
                       number, t.person_id, number, clock(t.dep_time_s), clock(t.arr_time_s - t.dep_time_s),
                       clock(t.wait_s), std::lround(t.distance_m), std::lround(std::hypot(ex - sx, ey - sy)),
                       matsim_mode(t.mode), matsim_mode(t.mode),
                       modes[i].empty() ? std::string_view(matsim_mode(t.mode)) : std::string_view(modes[i]), start_act,
                       end_act, sx, sy, ex, ey, stop_id(t.board_stop), stop_id(t.alight_stop));
    }
    core::write_file_atomically(file, fmt::to_string(out));
}

void write_link_volumes_geojson(const std::filesystem::path& file, const TripLog& log, const network::Network& net) {
    check_same_network(log, net);
    if (!log.has_simulation)
        throw core::InputError({file.string(), 0, 0}, "the trip log has no simulated day: no link volumes");
    struct Totals {
        std::array<std::uint64_t, 2> cars{}, buses{}, walkers{}, cyclists{};
        std::array<std::uint32_t, 2> peak_cars{};
        bool any = false;
    };
    std::vector<Totals> totals(net.link_count());
    for (const auto& v : log.simulation.link_volumes) {
        if (v.link >= totals.size() || v.direction > 1) continue;
        auto& t = totals[v.link];
        t.cars[v.direction] += v.cars;
        t.buses[v.direction] += v.buses;
        t.walkers[v.direction] += v.walkers;
        t.cyclists[v.direction] += v.cyclists;
        t.peak_cars[v.direction] = std::max(t.peak_cars[v.direction], v.cars);
        t.any = true;
    }
    core::JsonWriter w;
    w.begin_object().key("type").value("FeatureCollection").key("features").begin_array();
    for (std::size_t l = 0; l < net.link_count(); ++l) {
        const auto& t = totals[l];
        if (!t.any) continue;
        w.begin_object().key("type").value("Feature").key("geometry").begin_object();
        w.key("type").value("LineString").key("coordinates").begin_array();
        const auto point = [&](double x, double y) {
            const auto [lat, lon] = net.to_lat_lon(x, y);
            w.begin_array().value(std::round(lon * 1e7) / 1e7).value(std::round(lat * 1e7) / 1e7).end_array();
        };
        point(net.node_x_m[net.link_from[l]], net.node_y_m[net.link_from[l]]);
        if (!net.link_first_point.empty())
            for (auto p = net.link_first_point[l]; p < net.link_first_point[l + 1]; ++p)
                point(net.point_x_m[p], net.point_y_m[p]);
        point(net.node_x_m[net.link_to[l]], net.node_y_m[net.link_to[l]]);
        w.end_array().end_object();
        w.key("properties").begin_object();
        w.key("id").value(net.link_ids[l]).key("name").value(net.link_name[l]).key("type").value(net.link_type[l]);
        w.key("capacity_veh_per_h").value(net.link_capacity_veh_per_h[l]);
        const char* dir[2] = {"ab", "ba"};
        for (int d = 0; d < 2; ++d) {
            w.key(std::string("cars_") + dir[d]).value(static_cast<unsigned long long>(t.cars[d]));
            w.key(std::string("buses_") + dir[d]).value(static_cast<unsigned long long>(t.buses[d]));
            w.key(std::string("walkers_") + dir[d]).value(static_cast<unsigned long long>(t.walkers[d]));
            w.key(std::string("cyclists_") + dir[d]).value(static_cast<unsigned long long>(t.cyclists[d]));
            w.key(std::string("peak_hour_cars_") + dir[d]).value(static_cast<unsigned long long>(t.peak_cars[d]));
        }
        w.end_object().end_object();
    }
    w.end_array().end_object();
    core::write_file_atomically(file, w.str() + "\n");
}

}  // namespace flemsim::output
