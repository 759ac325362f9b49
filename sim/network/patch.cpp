#include "sim/network/patch.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "sim/core/fs.hpp"
#include "sim/core/sha256.hpp"
#include "sim/core/text.hpp"
#include "sim/network/check.hpp"
#include "sim/scenario/config_tree.hpp"
#include "sim/scenario/reader.hpp"

namespace flemsim::network {

using scenario::ConfigNode;
using scenario::fail_at;
using scenario::MapReader;

namespace {

std::uint32_t must_find(const std::vector<std::string>& ids, const ConfigNode& n, const std::string& path,
                        const char* what) {
    const std::string id = scenario::to_string(n, path);
    const auto it = std::find(ids.begin(), ids.end(), id);
    if (it == ids.end())
        fail_at(n, path, std::string("no ") + what + " '" + id + "' in the network", core::did_you_mean(id, ids));
    return static_cast<std::uint32_t>(it - ids.begin());
}

// The same for the key of a map entry (reported at the key's position).
std::uint32_t must_find_key(const std::vector<std::string>& ids, const ConfigNode::Entry& e, const std::string& path,
                            const char* what) {
    ConfigNode key;
    key.kind = ConfigNode::Kind::scalar;
    key.scalar = e.key;
    key.pos = e.key_pos;
    return must_find(ids, key, path, what);
}

void new_id(const std::vector<std::string>& ids, const ConfigNode& n, const std::string& path, const char* what) {
    const std::string id = scenario::to_string(n, path);
    if (id.empty() || id.find_first_of(" ,\t\"") != std::string::npos) fail_at(n, path, "not a valid id");
    if (std::find(ids.begin(), ids.end(), id) != ids.end())
        fail_at(n, path, std::string(what) + " '" + id + "' exists already");
}

std::uint8_t modes_of(const ConfigNode& n, const std::string& path) {
    std::uint8_t bits = 0;
    const std::string text = scenario::to_string(n, path);  // split's views point into it
    for (auto part : core::split(text, '|')) {
        part = core::trim(part);
        const auto bit = mode_bit(part, false);
        if (!bit)
            fail_at(n, path, "unknown mode '" + std::string(part) + "'",
                    core::did_you_mean(part, {"walk", "bike", "car"}));
        bits |= bit;
    }
    return bits;
}

bool yes_no(const ConfigNode& n, const std::string& path) {
    const auto v = scenario::to_string(n, path);
    if (v != "yes" && v != "no" && v != "true" && v != "false") fail_at(n, path, "expected yes or no");
    return v == "yes" || v == "true";
}

// Car attributes of a link from a map (all three when car is among its modes).
void car_attributes(Network& net, std::size_t l, MapReader& r) {
    if (net.link_modes[l] & car_bit) {
        if (const auto* v = r.optional("car_speed_kph"))
            net.link_car_speed_mps[l] =
                scenario::to_number(*v, r.child_path("car_speed_kph"), scenario::positive) / 3.6;
        if (const auto* v = r.optional("lanes"))
            net.link_lanes[l] = scenario::to_number(*v, r.child_path("lanes"), scenario::positive);
        if (const auto* v = r.optional("capacity_veh_per_h"))
            net.link_capacity_veh_per_h[l] =
                scenario::to_number(*v, r.child_path("capacity_veh_per_h"), scenario::positive);
        if (!(net.link_car_speed_mps[l] > 0 && net.link_lanes[l] > 0 && net.link_capacity_veh_per_h[l] > 0))
            fail_at(r.node(), r.path(), "a link with car access needs car_speed_kph, lanes and capacity_veh_per_h");
    } else {
        r.optional("car_speed_kph");
        r.optional("lanes");
        r.optional("capacity_veh_per_h");
        net.link_car_speed_mps[l] = net.link_lanes[l] = net.link_capacity_veh_per_h[l] = 0;
    }
}

struct LineRows {
    std::vector<std::uint32_t> stop;
    std::vector<std::int32_t> run, dwell;
    std::vector<std::int32_t> from, to, headway;
};

std::vector<LineRows> lines_of(const Network& net) {
    std::vector<LineRows> out(net.line_count());
    for (std::size_t l = 0; l < net.line_count(); ++l) {
        for (auto k = net.line_first_stop[l]; k < net.line_first_stop[l + 1]; ++k) {
            out[l].stop.push_back(net.line_stop[k]);
            out[l].run.push_back(net.line_run_time_s[k]);
            out[l].dwell.push_back(net.line_dwell_s[k]);
        }
        for (auto h = net.line_first_headway[l]; h < net.line_first_headway[l + 1]; ++h) {
            out[l].from.push_back(net.headway_from_s[h]);
            out[l].to.push_back(net.headway_to_s[h]);
            out[l].headway.push_back(net.headway_s[h]);
        }
    }
    return out;
}

void set_lines(Network& net, const std::vector<LineRows>& lines) {
    net.line_first_stop.assign(1, 0);
    net.line_first_headway.assign(1, 0);
    net.line_stop.clear();
    net.line_run_time_s.clear();
    net.line_dwell_s.clear();
    net.headway_from_s.clear();
    net.headway_to_s.clear();
    net.headway_s.clear();
    for (const auto& l : lines) {
        net.line_stop.insert(net.line_stop.end(), l.stop.begin(), l.stop.end());
        net.line_run_time_s.insert(net.line_run_time_s.end(), l.run.begin(), l.run.end());
        net.line_dwell_s.insert(net.line_dwell_s.end(), l.dwell.begin(), l.dwell.end());
        net.line_first_stop.push_back(static_cast<std::uint32_t>(net.line_stop.size()));
        net.headway_from_s.insert(net.headway_from_s.end(), l.from.begin(), l.from.end());
        net.headway_to_s.insert(net.headway_to_s.end(), l.to.begin(), l.to.end());
        net.headway_s.insert(net.headway_s.end(), l.headway.begin(), l.headway.end());
        net.line_first_headway.push_back(static_cast<std::uint32_t>(net.headway_s.size()));
    }
}

void read_headways(const ConfigNode& list, const std::string& path, LineRows& line) {
    if (list.kind != ConfigNode::Kind::sequence || list.items.empty())
        fail_at(list, path, "expected a list of {from, to, headway_s}");
    line.from.clear();
    line.to.clear();
    line.headway.clear();
    std::vector<std::tuple<std::int32_t, std::int32_t, std::int32_t>> rows;
    for (std::size_t i = 0; i < list.items.size(); ++i) {
        MapReader h(list.items[i], path + "[" + std::to_string(i) + "]");
        std::int32_t from = 0, to = 0;
        try {
            from = core::parse_clock(h.string("from"));
            to = core::parse_clock(h.string("to"));
        } catch (const core::ParseError& e) {
            fail_at(list.items[i], h.path(), e.what());
        }
        if (to <= from) fail_at(list.items[i], h.path(), "'to' must be later than 'from'");
        const auto hw = static_cast<std::int32_t>(h.integer("headway_s", scenario::Range{1, 86400}));
        h.finish();
        rows.emplace_back(from, to, hw);
    }
    std::sort(rows.begin(), rows.end());
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (i > 0 && std::get<0>(rows[i]) < std::get<1>(rows[i - 1])) fail_at(list, path, "headway intervals overlap");
        line.from.push_back(std::get<0>(rows[i]));
        line.to.push_back(std::get<1>(rows[i]));
        line.headway.push_back(std::get<2>(rows[i]));
    }
}

// Whether a node is the end of a link (after the patch's link changes): a stop elsewhere
// could be neither reached nor left.
bool node_has_link(const Network& net, std::uint32_t node) {
    for (std::size_t l = 0; l < net.link_count(); ++l)
        if (net.link_from[l] == node || net.link_to[l] == node) return true;
    return false;
}

// A section that lists items must be a list: a scalar or a mapping there would list nothing and
// the patch would silently do less than it says.
const ConfigNode* optional_list(MapReader& p, std::string_view key) {
    const ConfigNode* n = p.optional(key);
    if (n && n->kind != ConfigNode::Kind::sequence)
        fail_at(*n, p.child_path(key), "expected a list, got " + n->kind_name());
    return n;
}

}  // namespace

void apply_patch(Network& net, const ConfigNode& patch) {
    MapReader p(patch, "network_patch");
    if (const auto* nodes = optional_list(p, "add_nodes")) {
        for (std::size_t i = 0; i < nodes->items.size(); ++i) {
            MapReader n(nodes->items[i], "network_patch.add_nodes[" + std::to_string(i) + "]");
            new_id(net.node_ids, n.required("id"), n.child_path("id"), "node");
            net.node_ids.push_back(n.string("id"));
            net.node_x_m.push_back(n.number("x_m"));
            net.node_y_m.push_back(n.number("y_m"));
            net.node_zone.push_back(core::invalid_index);
            net.node_line.push_back(0);
            n.finish();
        }
    }
    if (const auto* removes = optional_list(p, "remove_links")) {
        std::vector<char> drop(net.link_count(), 0);
        for (std::size_t i = 0; i < removes->items.size(); ++i)
            drop[must_find(net.link_ids, removes->items[i], "network_patch.remove_links[" + std::to_string(i) + "]",
                           "link")] = 1;
        std::size_t keep = 0;
        for (std::size_t l = 0; l < net.link_count(); ++l) {
            if (drop[l]) continue;
            net.link_ids[keep] = net.link_ids[l];
            net.link_from[keep] = net.link_from[l];
            net.link_to[keep] = net.link_to[l];
            net.link_length_m[keep] = net.link_length_m[l];
            net.link_type[keep] = net.link_type[l];
            net.link_modes[keep] = net.link_modes[l];
            net.link_oneway[keep] = net.link_oneway[l];
            net.link_car_speed_mps[keep] = net.link_car_speed_mps[l];
            net.link_lanes[keep] = net.link_lanes[l];
            net.link_capacity_veh_per_h[keep] = net.link_capacity_veh_per_h[l];
            net.link_name[keep] = net.link_name[l];
            ++keep;
        }
        for (auto* v : {&net.link_ids, &net.link_type, &net.link_name}) v->resize(keep);
        for (auto* v : {&net.link_from, &net.link_to}) v->resize(keep);
        for (auto* v : {&net.link_length_m, &net.link_car_speed_mps, &net.link_lanes, &net.link_capacity_veh_per_h})
            v->resize(keep);
        for (auto* v : {&net.link_modes, &net.link_oneway}) v->resize(keep);
        // Shapes are dropped with any removal (they are for drawing only).
        net.link_first_point.clear();
        net.point_x_m.clear();
        net.point_y_m.clear();
    }
    if (const auto* changes = p.optional("change_links")) {
        MapReader all(*changes, "network_patch.change_links");
        for (const auto& e : changes->entries) {
            all.optional(e.key);
            const auto l = must_find_key(net.link_ids, e, all.child_path(e.key), "link");
            MapReader c(e.value, all.child_path(e.key));
            if (const auto* v = c.optional("length_m"))
                net.link_length_m[l] = scenario::to_number(*v, c.child_path("length_m"), scenario::positive);
            if (const auto* v = c.optional("modes")) net.link_modes[l] = modes_of(*v, c.child_path("modes"));
            if (const auto* v = c.optional("oneway")) net.link_oneway[l] = yes_no(*v, c.child_path("oneway"));
            if (const auto* v = c.optional("name")) net.link_name[l] = scenario::to_string(*v, c.child_path("name"));
            car_attributes(net, l, c);
            c.finish();
        }
    }
    if (const auto* adds = optional_list(p, "add_links")) {
        for (std::size_t i = 0; i < adds->items.size(); ++i) {
            MapReader a(adds->items[i], "network_patch.add_links[" + std::to_string(i) + "]");
            new_id(net.link_ids, a.required("id"), a.child_path("id"), "link");
            const auto from = must_find(net.node_ids, a.required("from"), a.child_path("from"), "node");
            const auto to = must_find(net.node_ids, a.required("to"), a.child_path("to"), "node");
            if (from == to) fail_at(adds->items[i], a.path(), "a link must join two different nodes");
            const double straight =
                std::hypot(net.node_x_m[from] - net.node_x_m[to], net.node_y_m[from] - net.node_y_m[to]);
            net.link_ids.push_back(a.string("id"));
            net.link_from.push_back(from);
            net.link_to.push_back(to);
            net.link_length_m.push_back(a.number_or("length_m", std::max(0.1, straight), scenario::positive));
            net.link_type.push_back(a.optional("type") ? scenario::to_string(*a.optional("type"), a.child_path("type"))
                                                       : "added");
            net.link_modes.push_back(modes_of(a.required("modes"), a.child_path("modes")));
            net.link_oneway.push_back(a.optional("oneway") ? yes_no(*a.optional("oneway"), a.child_path("oneway")) : 0);
            net.link_name.push_back(a.optional("name") ? scenario::to_string(*a.optional("name"), a.child_path("name"))
                                                       : "");
            net.link_car_speed_mps.push_back(0);
            net.link_lanes.push_back(0);
            net.link_capacity_veh_per_h.push_back(0);
            car_attributes(net, net.link_count() - 1, a);
            a.finish();
            if (!net.link_first_point.empty()) net.link_first_point.push_back(net.link_first_point.back());
        }
    }
    if (const auto* stops = optional_list(p, "add_stops")) {
        for (std::size_t i = 0; i < stops->items.size(); ++i) {
            MapReader s(stops->items[i], "network_patch.add_stops[" + std::to_string(i) + "]");
            new_id(net.stop_ids, s.required("id"), s.child_path("id"), "stop");
            net.stop_ids.push_back(s.string("id"));
            net.stop_names.push_back(s.string("name"));
            net.stop_node.push_back(must_find(net.node_ids, s.required("node"), s.child_path("node"), "node"));
            // The parking columns stay one entry per stop: a patched stop has none.
            net.stop_bike_parking.push_back(0);
            net.stop_car_parking.push_back(0);
            s.finish();
        }
    }
    if (const auto* vehicles = optional_list(p, "add_vehicles")) {
        for (std::size_t i = 0; i < vehicles->items.size(); ++i) {
            MapReader v(vehicles->items[i], "network_patch.add_vehicles[" + std::to_string(i) + "]");
            new_id(net.vehicle_ids, v.required("id"), v.child_path("id"), "vehicle");
            net.vehicle_ids.push_back(v.string("id"));
            net.vehicle_names.push_back(v.string("name"));
            net.vehicle_seated.push_back(static_cast<std::uint32_t>(v.integer("seated", scenario::Range{0, 10000})));
            net.vehicle_standing.push_back(
                static_cast<std::uint32_t>(v.integer("standing", scenario::Range{0, 10000})));
            v.finish();
        }
    }
    auto lines = lines_of(net);
    if (const auto* adds = optional_list(p, "add_lines")) {
        for (std::size_t i = 0; i < adds->items.size(); ++i) {
            MapReader a(adds->items[i], "network_patch.add_lines[" + std::to_string(i) + "]");
            new_id(net.line_ids, a.required("id"), a.child_path("id"), "line");
            net.line_ids.push_back(a.string("id"));
            net.line_names.push_back(a.string("name"));
            LineMode mode{};
            if (!parse_line_mode(a.string("mode"), mode))
                fail_at(*a.optional("mode"), a.child_path("mode"), "expected rail, bus or tram");
            net.line_mode.push_back(mode);
            net.line_vehicle.push_back(
                must_find(net.vehicle_ids, a.required("vehicle"), a.child_path("vehicle"), "vehicle"));
            net.line_on_road.push_back(a.optional("road") ? yes_no(*a.optional("road"), a.child_path("road"))
                                                          : net.line_mode.back() == LineMode::bus);
            net.line_both_ways.push_back(1);
            LineRows row;
            const auto& st = a.required("stops");
            if (st.kind != ConfigNode::Kind::sequence || st.items.size() < 2)
                fail_at(st, a.child_path("stops"), "a line needs at least two stops");
            for (std::size_t k = 0; k < st.items.size(); ++k) {
                MapReader sk(st.items[k], a.child_path("stops") + "[" + std::to_string(k) + "]");
                row.stop.push_back(must_find(net.stop_ids, sk.required("stop"), sk.child_path("stop"), "stop"));
                if (!node_has_link(net, net.stop_node[row.stop.back()]))
                    fail_at(*sk.optional("stop"), sk.child_path("stop"),
                            "stop '" + net.stop_ids[row.stop.back()] + "' is on node '" +
                                net.node_ids[net.stop_node[row.stop.back()]] + "', which has no links");
                row.run.push_back(
                    k == 0 ? 0 : static_cast<std::int32_t>(sk.integer("run_time_s", scenario::Range{1, 86400})));
                if (k == 0) sk.optional("run_time_s");
                row.dwell.push_back(static_cast<std::int32_t>(sk.number_or("dwell_s", 0, scenario::Range{0, 3600})));
                sk.finish();
            }
            read_headways(a.required("headways"), a.child_path("headways"), row);
            a.finish();
            lines.push_back(row);
        }
    }
    if (const auto* changes = p.optional("change_headways")) {
        MapReader all(*changes, "network_patch.change_headways");
        for (const auto& e : changes->entries) {
            all.optional(e.key);
            const auto l = must_find_key(net.line_ids, e, all.child_path(e.key), "line");
            read_headways(e.value, all.child_path(e.key), lines[l]);
        }
    }
    set_lines(net, lines);
    p.finish();
    // The base network passed these checks when it was loaded, so what fails now is the patch's
    // doing: the error points at the patch in the scenario and keeps the zone and node it names.
    try {
        check_network(net);
    } catch (const core::InputError& e) {
        throw core::InputError(patch.pos, "network_patch: after the patch, " + e.message() + " (" + e.pos().str() + ")",
                               e.hint());
    }
    // A patched network is another network than its folder's: trip logs record the patch's hash
    // beside the files', and exports compare both.
    net.file_hashes.emplace_back("network_patch", core::sha256_hex(scenario::to_yaml(patch)));
}

Network load_scenario_network(const scenario::Scenario& s) {
    // A folder that is not there is the scenario's error: name the place of its `network` key.
    if (!core::is_directory(s.network))
        throw core::InputError(s.network_pos, "network: folder '" + s.network.string() + "' not found");
    Network net = load_network(s.network);
    if (const auto* patch = s.tree.find("network_patch")) apply_patch(net, *patch);
    return net;
}

}  // namespace flemsim::network
