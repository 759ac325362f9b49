#include "sim/report/check_these.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

namespace flemsim::report {

std::vector<std::string> unreachable_lines(const std::vector<ZoneUnreachable>& zones) {
    std::vector<std::string> out;
    for (const auto& z : zones) out.push_back(fmt::format("{} {} {}", z.zone, z.mode, z.zones));
    return out;
}

std::vector<ZoneUnreachable> parse_unreachable_lines(const std::vector<std::string>& lines) {
    std::vector<ZoneUnreachable> out;
    for (const auto& line : lines) {
        const auto a = line.find(' '), b = line.rfind(' ');
        if (a == std::string::npos || b == a) continue;
        ZoneUnreachable z;
        z.zone = line.substr(0, a);
        z.mode = line.substr(a + 1, b - a - 1);
        z.zones = std::atoi(line.c_str() + b + 1);
        out.push_back(z);
    }
    return out;
}

CheckThese check_these(const CheckInputs& in) {
    CheckThese c;
    if (in.zones_unreachable) c.zones_unreachable = *in.zones_unreachable;
    c.simulated = in.transit_load != nullptr;
    c.transit_waited_over_60 = in.transit_waited_over_60;

    std::vector<std::uint64_t> riders(in.line_names.size(), 0);
    if (in.transit_load) {
        for (const auto& r : *in.transit_load)
            if (r.line >= 0 && static_cast<std::size_t>(r.line) < riders.size()) riders[r.line] += r.boardings;
    } else {
        for (const auto& t : in.trips)
            for (const auto line : {t.first_line, t.last_line})
                if (line >= 0 && static_cast<std::size_t>(line) < riders.size()) ++riders[line];
    }
    for (std::size_t l = 0; l < riders.size(); ++l)
        if (riders[l] == 0) c.lines_without_riders.push_back(in.line_names[l]);

    if (in.link_volumes && in.link_ids && in.link_capacity) {
        std::map<std::pair<std::uint32_t, std::uint8_t>, int> hours;
        for (const auto& v : *in.link_volumes) {
            if (v.link >= in.link_capacity->size() || v.hour >= 24) continue;
            const double cap = (*in.link_capacity)[v.link];
            if (cap > 0 && v.cars + v.buses >= capacity_share_flagged * cap) ++hours[{v.link, v.direction}];
        }
        for (const auto& [key, h] : hours)
            if (h >= capacity_hours_flagged) c.links_at_capacity.push_back({(*in.link_ids)[key.first], key.second, h});
        std::stable_sort(c.links_at_capacity.begin(), c.links_at_capacity.end(),
                         [](const LinkAtCapacity& a, const LinkAtCapacity& b) { return a.hours > b.hours; });
    }
    if (in.iterations && !in.iterations->empty() && in.iterations->back().converged != 1) {
        c.loop_not_converged = true;
        c.loop_days = in.iterations->size();
        c.loop_gap = in.iterations->back().travel_time_gap;
    }
    return c;
}

namespace {

std::string listed(const std::vector<std::string>& names, std::size_t most) {
    std::string out;
    for (std::size_t k = 0; k < names.size() && k < most; ++k) out += (k ? ", " : "") + names[k];
    if (names.size() > most) out += fmt::format(" and {} more", names.size() - most);
    return out;
}

std::string link_label(const LinkAtCapacity& l) {
    return fmt::format("{} ({}, {} h)", l.link, l.direction == 0 ? "as authored" : "reversed", l.hours);
}

}  // namespace

std::string format_check_these(const CheckThese& c) {
    std::string out = "Check these\n";
    if (c.empty()) {
        out += fmt::format(
            "  nothing found: no transit trip waited over an hour, every line carried riders, every "
            "study zone has a path by every mode{}\n",
            c.simulated ? ", no link at capacity all day, the loop converged" : "");
        return out;
    }
    if (c.transit_waited_over_60)
        out += fmt::format("  {} transit trips waited over an hour in all\n", c.transit_waited_over_60);
    if (!c.lines_without_riders.empty())
        out += fmt::format("  {} line{} carried nobody: {}\n", c.lines_without_riders.size(),
                           c.lines_without_riders.size() == 1 ? "" : "s", listed(c.lines_without_riders, 8));
    if (!c.links_at_capacity.empty()) {
        std::vector<std::string> labels;
        for (const auto& l : c.links_at_capacity) labels.push_back(link_label(l));
        out += fmt::format("  {} link direction{} at {:.0f} % of capacity or more for {} hours or more: {}\n",
                           c.links_at_capacity.size(), c.links_at_capacity.size() == 1 ? "" : "s",
                           100 * capacity_share_flagged, capacity_hours_flagged, listed(labels, 5));
    }
    if (!c.zones_unreachable.empty()) {
        std::vector<std::string> labels;
        for (const auto& z : c.zones_unreachable)
            labels.push_back(fmt::format("{} by {} ({} zone{})", z.zone, z.mode, z.zones, z.zones == 1 ? "" : "s"));
        out += fmt::format("  {} study zone{} without a path to or from other study zones at 08:00: {}\n",
                           c.zones_unreachable.size(),
                           c.zones_unreachable.size() == 1 ? " has a mode" : "s have a mode", listed(labels, 6));
    }
    if (c.loop_not_converged)
        out += fmt::format(
            "  the day-to-day loop stopped at its day limit ({} days) with travel-time gap {:.2f} %: "
            "not converged\n",
            c.loop_days, 100 * c.loop_gap);
    return out;
}

void write_check_these(core::JsonWriter& json, const CheckThese& c) {
    json.key("check_these").begin_object();
    json.key("transit_waited_over_60").value(static_cast<unsigned long long>(c.transit_waited_over_60));
    json.key("lines_without_riders").begin_array();
    for (const auto& l : c.lines_without_riders) json.value(l);
    json.end_array();
    json.key("links_at_capacity").begin_array();
    for (const auto& l : c.links_at_capacity) {
        json.begin_object();
        json.key("link").value(l.link);
        json.key("direction").value(static_cast<long long>(l.direction));
        json.key("hours").value(static_cast<long long>(l.hours));
        json.end_object();
    }
    json.end_array();
    json.key("zones_unreachable").begin_array();
    for (const auto& z : c.zones_unreachable) {
        json.begin_object();
        json.key("zone").value(z.zone);
        json.key("mode").value(z.mode);
        json.key("zones").value(static_cast<long long>(z.zones));
        json.end_object();
    }
    json.end_array();
    json.key("loop_not_converged").value(c.loop_not_converged);
    json.end_object();
}

}  // namespace flemsim::report
