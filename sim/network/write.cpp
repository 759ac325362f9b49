#include "sim/network/write.hpp"

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/fs.hpp"
#include "sim/core/text.hpp"

namespace flemsim::network {

namespace {

std::string number(double v, int decimals) {
    std::string s = fmt::format("{:.{}f}", v, decimals);
    // Trailing zeros say nothing.
    if (s.find('.') != std::string::npos) {
        while (!s.empty() && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
    }
    return s == "-0" ? "0" : s;
}

// Names must not hold commas (the format has no quoting) nor line breaks.
std::string clean(std::string s) {
    for (char& c : s)
        if (c == ',' || c == '\n' || c == '\r' || c == '"') c = ' ';
    return std::string(core::trim(s));
}

void write_text(const std::filesystem::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw core::IoError("cannot write " + path.string());
    out << text;
    if (!out.flush()) throw core::IoError("cannot write " + path.string());
}

std::string yaml_quoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

}  // namespace

void write_network(const Network& net, const std::filesystem::path& folder) {
    const auto parent = folder.parent_path().empty() ? std::filesystem::path(".") : folder.parent_path();
    const auto tmp = parent / ("." + folder.filename().string() + ".tmp-" + std::to_string(::getpid()));
    std::error_code ec;
    std::filesystem::remove_all(tmp, ec);
    std::filesystem::create_directories(tmp, ec);
    if (ec) throw core::IoError("cannot create " + tmp.string() + ": " + ec.message());
    try {
        write_text(
            tmp / "network.yaml",
            fmt::format("format: 1\nname: {}\ndescription: {}\n", yaml_quoted(net.name), yaml_quoted(net.description)) +
                (net.crs.empty() ? fmt::format("projection:\n  origin_lat: {}\n  origin_lon: {}\n",
                                               number(net.origin_lat, 7), number(net.origin_lon, 7))
                                 : fmt::format("crs: {}\n", yaml_quoted(net.crs))));

        fmt::memory_buffer n;
        fmt::format_to(std::back_inserter(n), "id,x_m,y_m,zone\n");
        for (std::size_t i = 0; i < net.node_count(); ++i)
            fmt::format_to(std::back_inserter(n), "{},{},{},{}\n", net.node_ids[i], number(net.node_x_m[i], 1),
                           number(net.node_y_m[i], 1),
                           net.node_zone[i] == core::invalid_index ? std::string_view()
                                                                   : std::string_view(net.zone_ids[net.node_zone[i]]));
        write_text(tmp / "nodes.csv", fmt::to_string(n));

        fmt::memory_buffer l;
        fmt::format_to(std::back_inserter(l),
                       "id,from,to,length_m,type,modes,oneway,car_speed_kph,lanes,capacity_veh_per_h,name\n");
        for (std::size_t i = 0; i < net.link_count(); ++i) {
            const bool car = net.link_modes[i] & car_bit;
            fmt::format_to(std::back_inserter(l), "{},{},{},{},{},{},{},{},{},{},{}\n", net.link_ids[i],
                           net.node_ids[net.link_from[i]], net.node_ids[net.link_to[i]],
                           number(std::max(0.1, net.link_length_m[i]), 1), clean(net.link_type[i]),
                           modes_text(net.link_modes[i]), net.link_oneway[i] ? "yes" : "no",
                           car ? number(net.link_car_speed_mps[i] * 3.6, 1) : "",
                           car ? number(net.link_lanes[i], 1) : "",
                           car ? number(net.link_capacity_veh_per_h[i], 0) : "", clean(net.link_name[i]));
        }
        write_text(tmp / "links.csv", fmt::to_string(l));
        if (!net.point_x_m.empty()) {
            fmt::memory_buffer sh;
            fmt::format_to(std::back_inserter(sh), "link,seq,x_m,y_m\n");
            for (std::size_t i = 0; i < net.link_count(); ++i)
                for (auto p = net.link_first_point[i]; p < net.link_first_point[i + 1]; ++p)
                    fmt::format_to(std::back_inserter(sh), "{},{},{},{}\n", net.link_ids[i],
                                   p - net.link_first_point[i] + 1, number(net.point_x_m[p], 1),
                                   number(net.point_y_m[p], 1));
            write_text(tmp / "link_shapes.csv", fmt::to_string(sh));
        }

        fmt::memory_buffer z;
        // Land-use columns only when the zones have them (an import's zone file), so that
        // networks without stay as they were.
        const bool land_use = !net.zone_land_use.empty();
        const bool weight = !net.zone_weight.empty();
        fmt::format_to(std::back_inserter(z), "id,name,kind,centroid_node,modes{}{}\n",
                       land_use ? ",residents,jobs,study_places,visits" : "", weight ? ",weight" : "");
        for (std::size_t i = 0; i < net.zone_count(); ++i) {
            fmt::format_to(std::back_inserter(z), "{},{},{},{},{}", net.zone_ids[i], clean(net.zone_names[i]),
                           net.zone_kind[i] == ZoneKind::study ? "study" : "gateway",
                           net.node_ids[net.zone_centroid[i]], modes_text(net.zone_modes[i]));
            if (land_use)
                for (const double v : net.zone_land_use[i]) fmt::format_to(std::back_inserter(z), ",{}", number(v, 3));
            if (weight) fmt::format_to(std::back_inserter(z), ",{}", number(net.zone_weight[i], 1));
            fmt::format_to(std::back_inserter(z), "\n");
        }
        write_text(tmp / "zones.csv", fmt::to_string(z));

        // Parking columns only when a stop has parking, so that networks without stay as they were.
        const auto spaces = [](const std::vector<std::uint32_t>& v, std::size_t i) { return i < v.size() ? v[i] : 0u; };
        bool parking = false;
        for (std::size_t i = 0; i < net.stop_count(); ++i)
            parking = parking || spaces(net.stop_bike_parking, i) > 0 || spaces(net.stop_car_parking, i) > 0;
        fmt::memory_buffer s;
        fmt::format_to(std::back_inserter(s), "{}\n",
                       parking ? "id,name,node,bike_parking,car_parking" : "id,name,node");
        for (std::size_t i = 0; i < net.stop_count(); ++i) {
            fmt::format_to(std::back_inserter(s), "{},{},{}", net.stop_ids[i], clean(net.stop_names[i]),
                           net.node_ids[net.stop_node[i]]);
            if (parking)
                fmt::format_to(std::back_inserter(s), ",{},{}", spaces(net.stop_bike_parking, i),
                               spaces(net.stop_car_parking, i));
            s.push_back('\n');
        }
        write_text(tmp / "stops.csv", fmt::to_string(s));

        fmt::memory_buffer v;
        fmt::format_to(std::back_inserter(v), "id,name,seated,standing\n");
        for (std::size_t i = 0; i < net.vehicle_ids.size(); ++i)
            fmt::format_to(std::back_inserter(v), "{},{},{},{}\n", net.vehicle_ids[i], clean(net.vehicle_names[i]),
                           net.vehicle_seated[i], net.vehicle_standing[i]);
        write_text(tmp / "vehicles.csv", fmt::to_string(v));

        fmt::memory_buffer ln, ls, hw;
        fmt::format_to(std::back_inserter(ln), "id,name,mode,vehicle,road,directions\n");
        fmt::format_to(std::back_inserter(ls), "line,seq,stop,run_time_s,dwell_s\n");
        fmt::format_to(std::back_inserter(hw), "line,from,to,headway_s\n");
        for (std::size_t i = 0; i < net.line_count(); ++i) {
            fmt::format_to(std::back_inserter(ln), "{},{},{},{},{},{}\n", net.line_ids[i], clean(net.line_names[i]),
                           line_mode_name(net.line_mode[i]), net.vehicle_ids[net.line_vehicle[i]],
                           i < net.line_on_road.size() && net.line_on_road[i] ? "yes" : "no",
                           i < net.line_both_ways.size() && !net.line_both_ways[i] ? "forward" : "both");
            for (auto k = net.line_first_stop[i]; k < net.line_first_stop[i + 1]; ++k)
                fmt::format_to(std::back_inserter(ls), "{},{},{},{},{}\n", net.line_ids[i],
                               k - net.line_first_stop[i] + 1, net.stop_ids[net.line_stop[k]], net.line_run_time_s[k],
                               net.line_dwell_s[k]);
            for (auto h = net.line_first_headway[i]; h < net.line_first_headway[i + 1]; ++h)
                fmt::format_to(std::back_inserter(hw), "{},{},{},{}\n", net.line_ids[i],
                               core::format_clock(net.headway_from_s[h]), core::format_clock(net.headway_to_s[h]),
                               net.headway_s[h]);
        }
        write_text(tmp / "lines.csv", fmt::to_string(ln));
        write_text(tmp / "line_stops.csv", fmt::to_string(ls));
        write_text(tmp / "headways.csv", fmt::to_string(hw));

        // Timetable trips and transfer rules: written only when the network has them.
        if (net.trip_count() > 0) {
            fmt::memory_buffer tr, tt;
            fmt::format_to(std::back_inserter(tr), "id,line,direction,block\n");
            fmt::format_to(std::back_inserter(tt), "trip,seq,arrival,departure\n");
            for (std::size_t t = 0; t < net.trip_count(); ++t) {
                fmt::format_to(std::back_inserter(tr), "{},{},{},{}\n", net.trip_ids[t], net.line_ids[net.trip_line[t]],
                               net.trip_direction[t], net.trip_block[t]);
                for (auto k = net.trip_first_time[t]; k < net.trip_first_time[t + 1]; ++k)
                    fmt::format_to(std::back_inserter(tt), "{},{},{},{}\n", net.trip_ids[t],
                                   k - net.trip_first_time[t] + 1, core::format_clock(net.trip_arrive_s[k]),
                                   core::format_clock(net.trip_depart_s[k]));
            }
            write_text(tmp / "trips.csv", fmt::to_string(tr));
            write_text(tmp / "trip_times.csv", fmt::to_string(tt));
        }
        if (net.rule_count() > 0) {
            fmt::memory_buffer ru;
            fmt::format_to(std::back_inserter(ru), "from_stop,to_stop,from_line,to_line,type,min_transfer_s\n");
            const auto line = [&](std::uint32_t l) {
                return l == core::invalid_index ? std::string_view() : std::string_view(net.line_ids[l]);
            };
            for (std::size_t i = 0; i < net.rule_count(); ++i) {
                const bool minimum = net.rule_type[i] == static_cast<std::uint8_t>(TransferType::minimum);
                fmt::format_to(std::back_inserter(ru), "{},{},{},{},{},{}\n", net.stop_ids[net.rule_from_stop[i]],
                               net.stop_ids[net.rule_to_stop[i]], line(net.rule_from_line[i]),
                               line(net.rule_to_line[i]), net.rule_type[i],
                               minimum ? std::to_string(net.rule_min_s[i]) : std::string());
            }
            write_text(tmp / "transfers.csv", fmt::to_string(ru));
        }

        // Into place: the old folder goes only once the new one is complete.
        const auto old = parent / ("." + folder.filename().string() + ".old-" + std::to_string(::getpid()));
        const bool existed = core::exists(folder);
        if (existed) std::filesystem::rename(folder, old);
        std::filesystem::rename(tmp, folder);
        if (existed) std::filesystem::remove_all(old);
    } catch (const std::filesystem::filesystem_error& e) {
        std::filesystem::remove_all(tmp, ec);
        throw core::IoError("cannot write network " + folder.string() + ": " + e.what());
    } catch (...) {
        std::filesystem::remove_all(tmp, ec);
        throw;
    }
}

}  // namespace flemsim::network
