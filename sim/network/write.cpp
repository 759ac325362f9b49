#include "sim/network/write.hpp"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/core/text.hpp"

namespace flemsim::network {

namespace {

std::string number(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
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

std::string modes_text(std::uint8_t bits) {
    std::string out;
    for (const auto& [bit, name] : {std::pair{walk_bit, "walk"}, std::pair{bike_bit, "bike"}, std::pair{car_bit, "car"},
                                    std::pair{transit_bit, "transit"}})
        if (bits & bit) out += (out.empty() ? "" : "|") + std::string(name);
    return out;
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
        std::ostringstream y;
        y << "format: 1\nname: " << yaml_quoted(net.name) << "\ndescription: " << yaml_quoted(net.description)
          << "\nprojection:\n  origin_lat: " << number(net.origin_lat, 7)
          << "\n  origin_lon: " << number(net.origin_lon, 7) << "\n";
        write_text(tmp / "network.yaml", y.str());

        std::ostringstream n;
        n << "id,x_m,y_m,zone\n";
        for (std::size_t i = 0; i < net.node_count(); ++i)
            n << net.node_ids[i] << ',' << number(net.node_x_m[i], 1) << ',' << number(net.node_y_m[i], 1) << ','
              << (net.node_zone[i] == core::invalid_index ? std::string() : net.zone_ids[net.node_zone[i]]) << '\n';
        write_text(tmp / "nodes.csv", n.str());

        std::ostringstream l;
        l << "id,from,to,length_m,type,modes,oneway,car_speed_kph,lanes,capacity_veh_per_h,name\n";
        for (std::size_t i = 0; i < net.link_count(); ++i) {
            const bool car = net.link_modes[i] & car_bit;
            l << net.link_ids[i] << ',' << net.node_ids[net.link_from[i]] << ',' << net.node_ids[net.link_to[i]] << ','
              << number(std::max(0.1, net.link_length_m[i]), 1) << ',' << clean(net.link_type[i]) << ','
              << modes_text(net.link_modes[i]) << ',' << (net.link_oneway[i] ? "yes" : "no") << ','
              << (car ? number(net.link_car_speed_mps[i] * 3.6, 1) : "") << ','
              << (car ? number(net.link_lanes[i], 1) : "") << ','
              << (car ? number(net.link_capacity_veh_per_h[i], 0) : "") << ',' << clean(net.link_name[i]) << '\n';
        }
        write_text(tmp / "links.csv", l.str());
        if (!net.point_x_m.empty()) {
            std::ostringstream sh;
            sh << "link,seq,x_m,y_m\n";
            for (std::size_t i = 0; i < net.link_count(); ++i)
                for (auto p = net.link_first_point[i]; p < net.link_first_point[i + 1]; ++p)
                    sh << net.link_ids[i] << ',' << (p - net.link_first_point[i] + 1) << ','
                       << number(net.point_x_m[p], 1) << ',' << number(net.point_y_m[p], 1) << '\n';
            write_text(tmp / "link_shapes.csv", sh.str());
        }

        std::ostringstream z;
        z << "id,name,kind,centroid_node,modes\n";
        for (std::size_t i = 0; i < net.zone_count(); ++i)
            z << net.zone_ids[i] << ',' << clean(net.zone_names[i]) << ','
              << (net.zone_kind[i] == ZoneKind::study ? "study" : "gateway") << ','
              << net.node_ids[net.zone_centroid[i]] << ',' << modes_text(net.zone_modes[i]) << '\n';
        write_text(tmp / "zones.csv", z.str());

        std::ostringstream s;
        s << "id,name,node\n";
        for (std::size_t i = 0; i < net.stop_count(); ++i)
            s << net.stop_ids[i] << ',' << clean(net.stop_names[i]) << ',' << net.node_ids[net.stop_node[i]] << '\n';
        write_text(tmp / "stops.csv", s.str());

        std::ostringstream v;
        v << "id,name,seated,standing\n";
        for (std::size_t i = 0; i < net.vehicle_ids.size(); ++i)
            v << net.vehicle_ids[i] << ',' << clean(net.vehicle_names[i]) << ',' << net.vehicle_seated[i] << ','
              << net.vehicle_standing[i] << '\n';
        write_text(tmp / "vehicles.csv", v.str());

        std::ostringstream ln, ls, hw;
        ln << "id,name,mode,vehicle,road,directions\n";
        ls << "line,seq,stop,run_time_s,dwell_s\n";
        hw << "line,from,to,headway_s\n";
        for (std::size_t i = 0; i < net.line_count(); ++i) {
            ln << net.line_ids[i] << ',' << clean(net.line_names[i]) << ',' << line_mode_name(net.line_mode[i]) << ','
               << net.vehicle_ids[net.line_vehicle[i]] << ','
               << (i < net.line_on_road.size() && net.line_on_road[i] ? "yes" : "no") << ','
               << (i < net.line_both_ways.size() && !net.line_both_ways[i] ? "forward" : "both") << '\n';
            for (auto k = net.line_first_stop[i]; k < net.line_first_stop[i + 1]; ++k)
                ls << net.line_ids[i] << ',' << (k - net.line_first_stop[i] + 1) << ','
                   << net.stop_ids[net.line_stop[k]] << ',' << net.line_run_time_s[k] << ',' << net.line_dwell_s[k]
                   << '\n';
            for (auto h = net.line_first_headway[i]; h < net.line_first_headway[i + 1]; ++h)
                hw << net.line_ids[i] << ',' << core::format_clock(net.headway_from_s[h]) << ','
                   << core::format_clock(net.headway_to_s[h]) << ',' << net.headway_s[h] << '\n';
        }
        write_text(tmp / "lines.csv", ln.str());
        write_text(tmp / "line_stops.csv", ls.str());
        write_text(tmp / "headways.csv", hw.str());

        // Into place: the old folder goes only once the new one is complete.
        const auto old = parent / ("." + folder.filename().string() + ".old-" + std::to_string(::getpid()));
        const bool existed = std::filesystem::exists(folder);
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
