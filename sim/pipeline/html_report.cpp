#include "sim/pipeline/html_report.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include <fmt/format.h>

#include "sim/core/fs.hpp"
#include "sim/core/types.hpp"
#include "sim/network/patch.hpp"
#include "sim/output/exports.hpp"
#include "sim/report/modal_split.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::pipeline {

namespace {

constexpr std::array<const char*, core::mode_count> colour{"#4daf4a", "#377eb8", "#ff7f00", "#7f7f7f"};

// The page is assembled in one buffer; each piece is formatted into it.
using Page = fmt::memory_buffer;

template <typename... Args>
void put(Page& o, fmt::format_string<Args...> f, Args&&... args) {
    fmt::format_to(std::back_inserter(o), f, std::forward<Args>(args)...);
}

std::string pct(double v) {
    return fmt::format("{:.1f}", 100 * v);
}
std::string num0(double v) {
    return fmt::format("{:.0f}", v);
}

// A row of 100 % stacked mode shares, with the target line.
void stacked_rows(Page& o, const std::vector<report::SplitRow>& rows, double target) {
    const int label_w = 130, bar_w = 520, row_h = 24, h = static_cast<int>(rows.size()) * row_h + 48;
    put(o, R"(<svg class="chart" width="{}" height="{}" role="img">)", label_w + bar_w + 80, h);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& r = rows[i];
        const int y = static_cast<int>(i) * row_h + 4;
        put(o, R"(<text x="{}" y="{}" text-anchor="end">{}</text>)", label_w - 6, y + 15, html_escape(r.name));
        double x = label_w;
        for (std::size_t m = 0; m < core::mode_count; ++m) {
            const double w = bar_w * r.share(static_cast<core::Mode>(m));
            if (w <= 0) continue;
            put(o, R"(<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}"><title>{}, {}: {} %</title></rect>)",
                x, y, w, row_h - 6, colour[m], html_escape(r.name), core::mode_names[m],
                pct(r.share(static_cast<core::Mode>(m))));
            x += w;
        }
        put(o, R"(<text x="{}" y="{}">{} %</text>)", label_w + bar_w + 6, y + 15, pct(r.sustainable_share()));
    }
    const double tx = label_w + bar_w * target;
    put(o,
        R"(<line x1="{0:g}" x2="{0:g}" y1="0" y2="{1}" stroke="#d00" stroke-dasharray="4 3"/>)"
        R"(<text x="{0:g}" y="{2}" text-anchor="middle" fill="#d00">target {3} %</text>)",
        tx, h - 40, h - 26, pct(target));
    // The axis: 0, 50 and 100 % of the row's trips.
    for (const int p : {0, 50, 100})
        put(o, R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)", label_w + bar_w * p / 100.0, h - 26 + 14,
            p);
    put(o, R"(<text x="{}" y="{}" text-anchor="middle">share of the row's trips by mode (%)</text></svg>)",
        label_w + bar_w / 2, h - 2);
}

void legend(Page& o,
            const char* what = "walk, bike and transit are the sustainable modes; the dashed line is the target") {
    put(o, R"(<p class="legend">)");
    for (std::size_t m = 0; m < core::mode_count; ++m)
        put(o, R"(<span><i style="background:{}"></i>{}</span>)", colour[m], core::mode_names[m]);
    put(o, " {}</p>", what);
}

void split_table(Page& o, const std::vector<report::SplitRow>& rows, const char* head) {
    put(o, "<table><tr><th>{}</th><th>trips</th>", head);
    for (auto m : core::mode_names) put(o, "<th>{} %</th>", m);
    put(o, "<th>sustainable %</th></tr>");
    for (const auto& r : rows) {
        put(o, "<tr><td>{}</td><td>{}</td>", html_escape(r.name), r.total());
        for (std::size_t m = 0; m < core::mode_count; ++m)
            put(o, "<td>{}</td>", pct(r.share(static_cast<core::Mode>(m))));
        put(o, "<td>{}</td></tr>", pct(r.sustainable_share()));
    }
    put(o, "</table>");
}

void departure_profile(Page& o, const std::vector<core::TripRecord>& trips) {
    std::array<std::array<double, 30>, core::mode_count> n{};
    double top = 1;
    for (const auto& t : trips) {
        const int h = std::clamp(t.dep_time_s / 3600, 0, 29);
        top = std::max(top, ++n[t.mode][static_cast<std::size_t>(h)]);
    }
    const int w = 720, h = 280, left = 50, bottom = 48;
    put(o, R"(<svg class="chart" width="{}" height="{}" role="img">)", w, h);
    for (int hr = 0; hr <= 28; hr += 2) {
        const double x = left + (w - left - 10) * hr / 29.0;
        put(o, R"(<text x="{:.1f}" y="{}" text-anchor="middle">{}</text>)", x, h - bottom + 16, hr);
    }
    put(o, R"(<text x="4" y="14">{}</text><text x="4" y="{}">0</text>)", num0(top), h - bottom);
    put(o,
        R"(<text x="{}" y="{}" text-anchor="middle">hour of departure (hours after midnight)</text>)"
        R"~(<text transform="translate(12,{}) rotate(-90)" text-anchor="middle">trips per hour</text>)~",
        left + (w - left) / 2, h - 6, (h - bottom) / 2);
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        put(o, R"(<polyline fill="none" stroke-width="2" stroke="{}" points=")", colour[m]);
        for (int hr = 0; hr < 30; ++hr) {
            const double x = left + (w - left - 10) * (hr + 0.5) / 29.0;
            const double y = (h - bottom) - (h - bottom - 10) * n[m][static_cast<std::size_t>(hr)] / top;
            put(o, "{:.1f},{:.1f} ", x, y);
        }
        put(o, R"("><title>{}</title></polyline>)", core::mode_names[m]);
    }
    put(o, R"(</svg>)");
    legend(o, "one line per mode");
}

struct MapFrame {
    double min_x = 0, min_y = 0, scale = 1;
    int w = 900, h = 700;
    double x(double v) const { return (v - min_x) * scale; }
    double y(double v) const { return h - (v - min_y) * scale; }
};

MapFrame frame_of(const network::Network& net) {
    MapFrame f;
    // The study area: the nodes of study zones and those near them, leaving far gateways out.
    std::vector<double> xs, ys;
    for (std::size_t z = 0; z < net.zone_count(); ++z)
        if (net.zone_kind[z] == network::ZoneKind::study) {
            xs.push_back(net.node_x_m[net.zone_centroid[z]]);
            ys.push_back(net.node_y_m[net.zone_centroid[z]]);
        }
    if (xs.empty())
        for (std::size_t n = 0; n < net.node_count(); ++n) xs.push_back(net.node_x_m[n]), ys.push_back(net.node_y_m[n]);
    const auto [x0, x1] = std::minmax_element(xs.begin(), xs.end());
    const auto [y0, y1] = std::minmax_element(ys.begin(), ys.end());
    const double pad = 600;
    f.min_x = *x0 - pad;
    f.min_y = *y0 - pad;
    const double span_x = std::max(1.0, *x1 - *x0 + 2 * pad), span_y = std::max(1.0, *y1 - *y0 + 2 * pad);
    f.scale = std::min(f.w / span_x, f.h / span_y);
    f.h = static_cast<int>(std::ceil(span_y * f.scale));
    return f;
}

// One <path> of many segments.
struct PathBuilder {
    std::string d;
    void segment(double x0, double y0, double x1, double y1) {
        fmt::format_to(std::back_inserter(d), "M{:.1f} {:.1f}L{:.1f} {:.1f}", x0, y0, x1, y1);
    }
};

// Every link of the network as one path.
PathBuilder all_links(const network::Network& net, const MapFrame& f) {
    PathBuilder p;
    for (std::size_t l = 0; l < net.link_count(); ++l)
        p.segment(f.x(net.node_x_m[net.link_from[l]]), f.y(net.node_y_m[net.link_from[l]]),
                  f.x(net.node_x_m[net.link_to[l]]), f.y(net.node_y_m[net.link_to[l]]));
    return p;
}

// A scale bar of a round length in the map's lower left corner.
void scale_bar(Page& o, const MapFrame& f) {
    double metres = 100;
    for (const double m : {200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0})
        if (m * f.scale <= f.w / 5.0) metres = m;
    const double px = metres * f.scale;
    put(o,
        R"(<g class="scale"><line x1="10" x2="{0:.1f}" y1="{1}" y2="{1}" stroke="#333" stroke-width="2"/>)"
        R"(<text x="10" y="{2}">{3}</text></g>)",
        10 + px, f.h - 12, f.h - 18,
        metres >= 1000 ? fmt::format("{:g} km", metres / 1000) : fmt::format("{:g} m", metres));
}

void network_map(Page& o, const output::TripLog* log, const network::Network& net) {
    const auto f = frame_of(net);
    const auto base = all_links(net, f);  // thin and grey under the volumes
    const bool volumes = log && log->has_simulation && !log->simulation.link_volumes.empty();
    const char* layers[] = {"car", "bike", "walk", "transit"};
    put(o, R"(<div class="switch" id="map-switch">)");
    for (const char* l : layers) put(o, R"(<button data-layer="{0}">{0}</button>)", l);
    put(o,
        R"(</div><svg id="map" class="map" width="{}" height="{}" role="img">)"
        R"(<path d="{}" stroke="#ccc" stroke-width="0.6" fill="none"/>)",
        f.w, f.h, base.d);
    double top_volume = 0;
    if (volumes) {
        // Per link and layer: vehicles or persons over the day, both directions.
        std::vector<std::array<double, 3>> v(net.link_count(), {0, 0, 0});
        for (const auto& r : log->simulation.link_volumes) {
            if (r.link >= net.link_count()) continue;
            v[r.link][0] += r.cars + r.buses;
            v[r.link][1] += r.cyclists;
            v[r.link][2] += r.walkers;
        }
        const char* layer_colour[] = {colour[3], colour[1], colour[0]};
        for (int k = 0; k < 3; ++k) {
            double top = 0;
            for (const auto& a : v) top = std::max(top, a[static_cast<std::size_t>(k)]);
            top_volume = std::max(top_volume, top);
            put(o, R"(<g class="layer" data-layer="{}">)", layers[k]);
            // Six width classes by the square root of the volume.
            std::array<PathBuilder, 6> cls;
            for (std::size_t l = 0; l < net.link_count(); ++l) {
                const double x = v[l][static_cast<std::size_t>(k)];
                if (x <= 0 || top <= 0) continue;
                const auto c = std::min<std::size_t>(5, static_cast<std::size_t>(6 * std::sqrt(x / top)));
                cls[c].segment(f.x(net.node_x_m[net.link_from[l]]), f.y(net.node_y_m[net.link_from[l]]),
                               f.x(net.node_x_m[net.link_to[l]]), f.y(net.node_y_m[net.link_to[l]]));
            }
            for (std::size_t c = 0; c < cls.size(); ++c)
                if (!cls[c].d.empty())
                    put(o, R"(<path d="{}" stroke="{}" stroke-width="{:.1f}" fill="none" stroke-linecap="round"/>)",
                        cls[c].d, layer_colour[k], 0.8 + 1.2 * static_cast<double>(c));
            put(o, R"(<text x="10" y="20">{}: width by {} a day, up to {} on a link</text></g>)", layers[k],
                k == 0 ? "vehicles" : "persons", num0(top));
        }
        // Transit: passengers on board summed over the day per pair of stops.
        std::map<std::pair<std::int32_t, std::int32_t>, double> load;
        for (const auto& r : log->simulation.transit_load)
            load[{std::min(r.from_stop, r.to_stop), std::max(r.from_stop, r.to_stop)}] += r.onboard;
        double top = 0;
        for (const auto& [k, x] : load) top = std::max(top, x);
        put(o, R"(<g class="layer" data-layer="transit">)");
        for (const auto& [k, x] : load) {
            if (k.first < 0 || k.second < 0 || static_cast<std::size_t>(k.second) >= net.stop_count()) continue;
            const auto a = net.stop_node[static_cast<std::size_t>(k.first)],
                       b = net.stop_node[static_cast<std::size_t>(k.second)];
            put(o,
                R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-opacity="0.8" )"
                R"(stroke-width="{:.1f}"><title>{} – {}: {} passengers a day</title></line>)",
                f.x(net.node_x_m[a]), f.y(net.node_y_m[a]), f.x(net.node_x_m[b]), f.y(net.node_y_m[b]), colour[2],
                top > 0 ? 1 + 9 * std::sqrt(x / top) : 1.0,
                html_escape(net.stop_names[static_cast<std::size_t>(k.first)]),
                html_escape(net.stop_names[static_cast<std::size_t>(k.second)]), num0(x));
        }
        put(o,
            R"(<text x="10" y="20">transit: width by passengers on board a day, up to {} between two stops</text></g>)",
            num0(top));
    }
    // Nodes with their ids on hover (for network patches), stops and zone names on top.
    put(o, R"(<g class="nodes">)");
    for (std::size_t n = 0; n < net.node_count(); ++n)
        put(o, R"(<circle cx="{:.1f}" cy="{:.1f}" r="2"><title>node {}</title></circle>)", f.x(net.node_x_m[n]),
            f.y(net.node_y_m[n]), html_escape(net.node_ids[n]));
    put(o, "</g>");
    scale_bar(o, f);
    for (std::size_t s = 0; s < net.stop_count(); ++s) {
        const auto n = net.stop_node[s];
        put(o, R"(<circle cx="{:.1f}" cy="{:.1f}" r="2.5" fill="#fff" stroke="#333"><title>{}</title></circle>)",
            f.x(net.node_x_m[n]), f.y(net.node_y_m[n]), html_escape(net.stop_names[s]));
    }
    for (std::size_t z = 0; z < net.zone_count(); ++z) {
        if (net.zone_kind[z] != network::ZoneKind::study) continue;
        const auto n = net.zone_centroid[z];
        put(o, R"(<text class="zone" x="{:.1f}" y="{:.1f}">{}</text>)", f.x(net.node_x_m[n]), f.y(net.node_y_m[n]),
            html_escape(net.zone_names[z]));
    }
    put(o, "</svg>");
    if (!volumes)
        put(o, R"(<p class="note">A static run has no link volumes: the map shows the network only (run with )"
               R"(simulation.enabled for volumes).</p>)");
}

void accessibility_map(Page& o, const Accessibility& acc, const network::Network& net) {
    const auto f = frame_of(net);
    const auto base = all_links(net, f);
    double top = 1;
    for (const auto& r : acc.rows) top = std::max(top, r.jobs_30);
    put(o, R"(<div class="switch" id="acc-switch">)");
    for (auto m : core::mode_names) put(o, R"(<button data-layer="{0}">{0}</button>)", m);
    put(o,
        R"(</div><svg id="acc" class="map" width="{}" height="{}" role="img">)"
        R"(<path d="{}" stroke="#ddd" stroke-width="0.6" fill="none"/>)",
        f.w, f.h, base.d);
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        put(o, R"(<g class="layer" data-layer="{}">)", core::mode_names[m]);
        for (const auto& r : acc.rows) {
            if (r.mode != core::mode_names[m]) continue;
            const auto z = net.find_zone(r.zone);
            if (z == core::invalid_index) continue;
            const auto n = net.zone_centroid[z];
            put(o,
                R"(<circle cx="{:.1f}" cy="{:.1f}" r="{:.1f}" fill="{}" fill-opacity="0.55" stroke="#333">)"
                R"(<title>{}: {} jobs within 30 minutes by {}</title></circle>)",
                f.x(net.node_x_m[n]), f.y(net.node_y_m[n]), 3 + 27 * std::sqrt(r.jobs_30 / top), colour[m],
                html_escape(r.name), num0(r.jobs_30), r.mode);
        }
        put(o, R"(<text x="10" y="20">jobs within 30 minutes by {} (area by count, up to {})</text></g>)",
            core::mode_names[m], num0(top));
    }
    scale_bar(o, f);
    put(o,
        "</svg><p class=\"legend\">Circles at the zones' centroids, area by the jobs within 30 minutes' travel by the "
        "mode chosen above.</p><table><tr><th>zone</th><th>mode</th><th>jobs 30 min</th><th>jobs 45 min</th><th>study "
        "places 30 "
        "min</th><th>study places 45 min</th></tr>");
    for (const auto& r : acc.rows)
        put(o, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", html_escape(r.name),
            r.mode, num0(r.jobs_30), num0(r.jobs_45), num0(r.study_places_30), num0(r.study_places_45));
    put(o, "</table><p>Residents within 30 minutes of {}:", html_escape(acc.centre));
    for (const auto& [mode, n] : acc.residents_within_30_of_centre) put(o, " {} {};", html_escape(mode), num0(n));
    put(o, "</p>");
}

// The day-to-day loop: its verdict and one row per day (shares, car minutes, the car trips'
// travel-time gap, the largest share change).
void loop_section(Page& o, const std::vector<core::IterationRecord>& days) {
    if (days.empty()) return;
    const auto& last = days.back();
    put(o, "<h2>Day-to-day loop</h2><p id=\"loop\" class=\"{}\">Loop {}.</p>", last.converged == 1 ? "met" : "missed",
        html_escape(report::loop_verdict(days)));
    put(o,
        "<table><tr><th>day</th><th>walk %</th><th>bike %</th><th>transit %</th><th>car %</th>"
        "<th>mean car minutes</th><th>travel-time gap %</th><th>largest share change (points)</th></tr>");
    for (const auto& d : days)
        put(o,
            "<tr><td>{}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{:.1f}</td><td>{}</td><td>{:.2f}</td>"
            "<td>{}</td></tr>",
            d.iteration, 100 * d.share_walk, 100 * d.share_bike, 100 * d.share_transit, 100 * d.share_car,
            std::isfinite(d.mean_min_car) ? fmt::format("{:.1f}", d.mean_min_car) : "–", 100 * d.travel_time_gap,
            d.iteration == 0 ? std::string("–") : fmt::format("{:.2f}", 100 * d.share_change));
    put(o, "</table>");
}

// "Check these": the findings a planner should look at first, each a line of the box.
void check_box(Page& o, const report::CheckThese& c) {
    std::string text = report::format_check_these(c);
    put(o, R"(<div id="check" class="{}"><h2>Check these</h2><ul>)", c.empty() ? "met" : "missed");
    // The lines of the text report after its title, one item each.
    for (std::size_t at = text.find('\n') + 1; at < text.size();) {
        const std::size_t end = text.find('\n', at);
        put(o, "<li>{}</li>", html_escape(core::trim(std::string_view(text).substr(at, end - at))));
        at = end + 1;
    }
    put(o, "</ul></div>");
}

// Mean volumes over a scenario's runs, keyed by ids so that options with other networks compare.
struct MeanVolumes {
    bool simulated = false;
    std::map<std::string, double> link;                          // link id -> vehicles (cars and buses) a day
    std::map<std::pair<std::string, std::string>, double> load;  // stop ids (ordered) -> on board a day
};

MeanVolumes mean_volumes(const std::vector<std::filesystem::path>& runs) {
    MeanVolumes m;
    if (runs.empty()) return m;
    const double share = 1.0 / static_cast<double>(runs.size());
    for (const auto& dir : runs) {
        if (!core::exists(dir / "trips.h5")) return {};
        const auto log = output::read_trip_log(dir / "trips.h5");
        if (!log.has_simulation || log.lookups.links.empty()) return {};
        for (const auto& r : log.simulation.link_volumes) {
            if (r.link >= log.lookups.links.size()) continue;
            m.link[log.lookups.links[r.link].id] += share * (r.cars + r.buses);
        }
        for (const auto& r : log.simulation.transit_load) {
            if (r.from_stop < 0 || r.to_stop < 0 ||
                static_cast<std::size_t>(std::max(r.from_stop, r.to_stop)) >= log.lookups.stops.size())
                continue;
            auto a = log.lookups.stops[static_cast<std::size_t>(r.from_stop)].id,
                 b = log.lookups.stops[static_cast<std::size_t>(r.to_stop)].id;
            if (b < a) std::swap(a, b);
            m.load[{a, b}] += share * r.onboard;
        }
    }
    m.simulated = true;
    return m;
}

// Maps of option minus base: one layer per option, red where it adds, blue where it takes away.
void difference_maps(Page& o, const Comparison& c, const std::vector<std::size_t>& order) {
    put(o, R"(<h3 id="difference-maps">Difference maps: option minus base</h3>)");
    if (c.run_dirs.size() != c.scenarios.size() || c.scenarios.size() < 2) {
        put(o, R"(<p class="note">No runs to draw from.</p>)");
        return;
    }
    const auto base = mean_volumes(c.run_dirs[0]);
    if (!base.simulated) {
        put(o, R"(<p class="note">The runs are static (or their trip logs are gone): difference maps need link )"
               R"(volumes and transit loads from the simulated day.</p>)");
        return;
    }
    std::vector<network::Network> nets;
    std::vector<MeanVolumes> vols(c.scenarios.size());
    for (std::size_t i = 0; i < c.scenarios.size(); ++i) {
        nets.push_back(
            network::load_scenario_network(scenario::load_scenario(c.files[i], scenario::LoadOptions{c.overrides})));
        if (i > 0) vols[i] = mean_volumes(c.run_dirs[i]);
    }
    const auto f = frame_of(nets[0]);
    const auto grey = all_links(nets[0], f);
    for (const int kind : {0, 1}) {  // link volumes (vehicles), transit loads
        const std::string id = kind == 0 ? "diff-links" : "diff-transit";
        put(o, R"(<div class="switch" id="{}-switch">)", id);
        for (std::size_t j = 1; j < order.size(); ++j)
            put(o, R"(<button data-layer="{0}">{1}</button>)", order[j], html_escape(c.scenarios[order[j]]));
        put(o,
            R"(</div><svg id="{}" class="map" width="{}" height="{}" role="img">)"
            R"(<path d="{}" stroke="#ddd" stroke-width="0.6" fill="none"/>)",
            id, f.w, f.h, grey.d);
        for (std::size_t j = 1; j < order.size(); ++j) {
            const std::size_t i = order[j];
            const auto& net = nets[i];
            put(o, R"(<g class="layer" data-layer="{}">)", i);
            if (!vols[i].simulated) {
                put(o, R"(<text x="10" y="20">no simulated volumes for this option</text></g>)");
                continue;
            }
            // Segments with their difference.
            std::vector<std::tuple<double, double, double, double, double, std::string>> seg;
            if (kind == 0) {
                std::map<std::string, std::size_t> link_of;
                for (std::size_t l = 0; l < net.link_count(); ++l) link_of[net.link_ids[l]] = l;
                std::set<std::string> ids;
                for (const auto& [k, v] : vols[i].link) ids.insert(k);
                for (const auto& [k, v] : base.link) ids.insert(k);
                for (const auto& k : ids) {
                    const auto it = link_of.find(k);
                    if (it == link_of.end()) continue;  // a link the option removed
                    const auto a = vols[i].link.count(k) ? vols[i].link.at(k) : 0.0;
                    const auto b = base.link.count(k) ? base.link.at(k) : 0.0;
                    const auto l = it->second;
                    seg.emplace_back(net.node_x_m[net.link_from[l]], net.node_y_m[net.link_from[l]],
                                     net.node_x_m[net.link_to[l]], net.node_y_m[net.link_to[l]], a - b, k);
                }
            } else {
                std::set<std::pair<std::string, std::string>> pairs;
                for (const auto& [k, v] : vols[i].load) pairs.insert(k);
                for (const auto& [k, v] : base.load) pairs.insert(k);
                for (const auto& k : pairs) {
                    const auto s0 = net.find_stop(k.first), s1 = net.find_stop(k.second);
                    if (s0 == core::invalid_index || s1 == core::invalid_index) continue;
                    const auto a = vols[i].load.count(k) ? vols[i].load.at(k) : 0.0;
                    const auto b = base.load.count(k) ? base.load.at(k) : 0.0;
                    seg.emplace_back(net.node_x_m[net.stop_node[s0]], net.node_y_m[net.stop_node[s0]],
                                     net.node_x_m[net.stop_node[s1]], net.node_y_m[net.stop_node[s1]], a - b,
                                     net.stop_names[s0] + " – " + net.stop_names[s1]);
                }
            }
            double top = 0;
            for (const auto& s : seg) top = std::max(top, std::abs(std::get<4>(s)));
            for (const auto& [x0, y0, x1, y1, d, name] : seg) {
                if (top <= 0 || std::abs(d) < 0.02 * top) continue;  // too small to see
                put(o,
                    R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="{:.1f}" )"
                    R"(stroke-linecap="round"><title>{}: {:+.0f} {} a day</title></line>)",
                    f.x(x0), f.y(y0), f.x(x1), f.y(y1), d > 0 ? "#c0392b" : "#2471a3",
                    1 + 8 * std::sqrt(std::abs(d) / top), html_escape(name), d,
                    kind == 0 ? "vehicles" : "passengers on board");
            }
            put(o, R"(<text x="10" y="20">{}: {} minus {}; width by the difference, up to {} {} a day</text></g>)",
                html_escape(c.scenarios[i]), kind == 0 ? "vehicles per link" : "passengers on board between stops",
                html_escape(c.scenarios[0]), num0(top), kind == 0 ? "vehicles" : "passengers");
        }
        scale_bar(o, f);
        put(o, "</svg>");
        put(o,
            R"(<p class="legend"><span><i style="background:#c0392b"></i>more than in the base</span>)"
            R"(<span><i style="background:#2471a3"></i>fewer than in the base</span> {}; mean over the seeds.</p>)",
            kind == 0 ? "Cars and buses per link over the day, both directions"
                      : "Passengers on board between two stops over the day, both directions");
    }
}

void comparison_section(Page& o, const Comparison& c) {
    if (c.seeds.size() >= 2)
        put(o,
            "<h2>Comparison</h2><p>{} seeds per scenario, the same for all; mean and 95 % interval over the seeds; "
            "the difference to <b>{}</b> is paired by seed.</p>",
            c.seeds.size(), html_escape(c.scenarios.front()));
    else
        put(o,
            "<h2>Comparison</h2><p id=\"one-seed\">One seed per scenario, the same for all; the difference to "
            "<b>{}</b> is on that seed. No intervals: they need two or more seeds (<code>--seeds 2</code> or "
            "more).</p>",
            html_escape(c.scenarios.front()));
    const bool intervals = c.seeds.size() >= 2;
    // The base first, then the options by their effect on the sustainable share, largest first.
    std::vector<std::size_t> order(c.scenarios.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const auto effect = [&](std::size_t i) {
        const auto* r = c.find(c.scenarios[i], "sustainable_share");
        return r && r->difference.n > 0 ? r->difference.mean : 0.0;
    };
    std::stable_sort(order.begin() + 1, order.end(),
                     [&](std::size_t a, std::size_t b) { return effect(a) > effect(b); });
    const auto* base = c.find(c.scenarios[0], "sustainable_share");
    const double gap = base ? c.target - base->value.mean : 0.0;

    // Effects, sorted, with their intervals and the gap to the target.
    put(o, R"(<h3 id="effects">Effect on the sustainable share, largest first</h3>)");
    {
        double lo = std::min(0.0, gap), hi = std::max(0.0, gap);
        for (std::size_t j = 1; j < order.size(); ++j)
            if (const auto* r = c.find(c.scenarios[order[j]], "sustainable_share"); r && r->difference.n > 0) {
                const bool hw = intervals && std::isfinite(r->difference.half_width);
                lo = std::min(lo, hw ? r->difference.low() : r->difference.mean);
                hi = std::max(hi, hw ? r->difference.high() : r->difference.mean);
            }
        const double pad = std::max(0.002, 0.08 * (hi - lo));
        lo -= pad;
        hi += pad;
        const int label_w = 300, bar_w = 520, row_h = 24, top = 10;
        const int rows = static_cast<int>(order.size()) - 1;
        const int h = top + rows * row_h + 56;
        const auto x = [&](double v) { return label_w + bar_w * (v - lo) / (hi - lo); };
        put(o, R"(<svg id="effects-chart" class="chart" width="{}" height="{}" role="img">)", label_w + bar_w + 90, h);
        // Ticks in whole percentage points (or halves, or fives).
        const double span = (hi - lo) * 100;
        const double tick = span > 40 ? 10 : span > 16 ? 5 : span > 6 ? 2 : span > 3 ? 1 : 0.5;
        for (double t = std::ceil(lo * 100 / tick) * tick; t <= hi * 100 + 1e-9; t += tick)
            put(o,
                R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" stroke="{3}"/><text x="{0:.1f}" y="{4}" )"
                R"(text-anchor="middle">{5:+g}</text>)",
                x(t / 100), top, top + rows * row_h, std::abs(t) < 1e-9 ? "#333" : "#eee", top + rows * row_h + 14,
                std::abs(t) < 1e-9 ? 0.0 : t);
        for (std::size_t j = 1; j < order.size(); ++j) {
            const auto* r = c.find(c.scenarios[order[j]], "sustainable_share");
            if (!r || r->difference.n == 0) continue;
            const int y = top + static_cast<int>(j - 1) * row_h;
            const auto& d = r->difference;
            put(o,
                R"(<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" )"
                R"(fill="{}"/>)",
                label_w - 6, y + 16, html_escape(c.scenarios[order[j]]), std::min(x(0), x(d.mean)), y + 4,
                std::abs(x(d.mean) - x(0)), row_h - 8, d.mean >= 0 ? colour[0] : "#b00");
            if (intervals && std::isfinite(d.half_width))
                put(o,
                    R"(<line x1="{0:.1f}" x2="{1:.1f}" y1="{2}" y2="{2}" stroke="#000" stroke-width="1.5"/>)"
                    R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{3}" y2="{4}" stroke="#000"/><line x1="{1:.1f}" x2="{1:.1f}" )"
                    R"(y1="{3}" y2="{4}" stroke="#000"/>)",
                    x(d.low()), x(d.high()), y + row_h / 2, y + 7, y + row_h - 7);
            put(o, R"(<text x="{}" y="{}">{}</text>)", label_w + bar_w + 4, y + 16, format_estimate(d, true, true));
        }
        put(o,
            R"(<line x1="{0:.1f}" x2="{0:.1f}" y1="{1}" y2="{2}" stroke="#d00" stroke-dasharray="5 3"/>)"
            R"(<text x="{0:.1f}" y="{3}" text-anchor="middle" fill="#d00">gap to the target: {4:+.1f} points</text>)"
            R"(<text x="{5}" y="{6}" text-anchor="middle">difference to {7}, percentage points (option minus base)</text></svg>)",
            x(gap), top, top + rows * row_h, top + rows * row_h + 30, 100 * gap, label_w + bar_w / 2, h - 6,
            html_escape(c.scenarios[0]));
        put(o,
            R"(<p class="legend">Bars: the option's effect{}; dashed red: what the base lacks to reach {} % )"
            R"(({} % now). An option whose bar reaches the line reaches the target alone.</p>)",
            intervals ? ", with its 95 % interval paired by seed" : " on the one seed", pct(c.target),
            base ? pct(base->value.mean) : "?");
    }

    const auto cell = [&](const std::string& s, const std::string& metric, bool percent, bool diff, int decimals = 1) {
        const auto* r = c.find(s, metric);
        if (!r) return std::string("<td></td>");
        const auto& e = diff ? r->difference : r->value;
        if (diff && e.n == 0) return std::string("<td></td>");
        return "<td>" + format_estimate(e, percent, diff, decimals) + "</td>";
    };
    put(o,
        "<h3>Scenarios</h3><table><tr><th>scenario</th><th>what it is</th><th>sustainable %</th><th>vs base, "
        "points</th>");
    for (auto m : core::mode_names) put(o, "<th>{} %</th>", m);
    put(o, "<th>car km</th><th>transit min</th><th>denied boardings %</th><th>against {} %</th></tr>", pct(c.target));
    for (const auto i : order) {
        const auto& s = c.scenarios[i];
        put(o, "<tr><td>{}</td><td class=\"desc\">{}</td>{}{}", html_escape(s),
            html_escape(i < c.descriptions.size() ? c.descriptions[i] : ""), cell(s, "sustainable_share", true, false),
            cell(s, "sustainable_share", true, true));
        for (auto m : core::mode_names) put(o, "{}", cell(s, "share." + std::string(m), true, false));
        put(o, "{}{}{}", cell(s, "car_km", false, false, 0), cell(s, "minutes.transit", false, false),
            cell(s, "transit.denied_share", true, false));
        const auto* r = c.find(s, "sustainable_share");
        put(o, "<td>{}</td></tr>", r ? verdict(r->value, c.target) : "");
    }
    put(o, "</table>");
    put(o,
        "<h3 id=\"by-group\">By group and distance band: sustainable share %, and the option's difference in "
        "points</h3><table><tr><th>group or band</th>");
    for (const auto i : order) put(o, "<th>{}</th>", html_escape(c.scenarios[i]));
    put(o, "</tr>");
    std::vector<std::string> metrics;
    for (const auto& r : c.rows)
        if ((r.metric.rfind("group.", 0) == 0 || r.metric.rfind("band.", 0) == 0) &&
            r.metric.ends_with(".sustainable_share") &&
            std::find(metrics.begin(), metrics.end(), r.metric) == metrics.end())
            metrics.push_back(r.metric);
    for (const auto& m : metrics) {
        put(o, "<tr><td>{}</td>", html_escape(m.substr(0, m.size() - 18)));
        for (const auto i : order) {
            const auto* r = c.find(c.scenarios[i], m);
            if (!r) {
                put(o, "<td></td>");
                continue;
            }
            put(o, "<td>{}{}</td>", format_estimate(r->value, true, false),
                r->difference.n > 0 ? " (" + format_estimate(r->difference, true, true) + ")" : "");
        }
        put(o, "</tr>");
    }
    put(o, "</table>");
    difference_maps(o, c, order);
}

constexpr const char* style = R"(<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1000px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 8px;text-align:right}
td:first-child,th:first-child{text-align:left}
svg text{font:12px system-ui,sans-serif}.zone{font-size:9px;fill:#555}
.legend span{margin-right:12px}.legend i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px}
.switch button{margin-right:4px}.switch button.on{font-weight:bold}.note{color:#666}
td.desc{text-align:left;max-width:260px}.nodes circle{fill:#000;fill-opacity:0}.nodes circle:hover{fill-opacity:.6}
.big{font-size:28px;font-weight:bold}.missed{color:#b00}.met{color:#070}
</style>)";

// Map layer switching: one visible <g class="layer"> per map.
constexpr const char* script = R"(<script>
"use strict";
for (const sw of document.querySelectorAll(".switch")) {
  const map = document.getElementById(sw.id.replace("-switch", ""));
  const show = (name) => {
    for (const g of map.querySelectorAll("g.layer")) g.style.display = g.dataset.layer === name ? "" : "none";
    for (const b of sw.querySelectorAll("button")) b.classList.toggle("on", b.dataset.layer === name);
  };
  for (const b of sw.querySelectorAll("button")) b.addEventListener("click", () => show(b.dataset.layer));
  const first = map.querySelector("g.layer");
  if (first) show(first.dataset.layer);
}
document.documentElement.dataset.ready = "1";
</script>)";

}  // namespace

std::string html_report(const HtmlReportInputs& in) {
    Page o;
    put(o,
        R"(<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{0}</title>{1}</head><body><h1>{0}</h1>)",
        html_escape(in.title), style);
    if (in.log) {
        const auto& log = *in.log;
        const auto summary = summarise_trip_log(log);
        const auto& split = summary.split;
        put(o, "<p>Scenario <b>{}</b>, seed {}, written by flemsim {} at {}; {} trips{}.</p>",
            html_escape(log.meta.scenario_name), log.meta.seed, html_escape(log.meta.program_version),
            html_escape(log.meta.created_utc), split.overall.total(),
            log.has_simulation ? ", simulated day" : ", static level of service");
        put(o, R"(<p class="big {}" id="sustainable">Sustainable share {} % — target {} % — {}</p>)",
            split.target_met() ? "met" : "missed", pct(split.sustainable_share()), pct(split.target),
            split.target_met() ? "met" : "MISSED");
        check_box(o, summary.check);
        put(o, "<h2>Modal split</h2>");
        legend(o);
        auto overall = split.overall;
        overall.name = "all trips";
        stacked_rows(o, {overall}, split.target);
        split_table(o, {overall}, "");
        put(o, "<h2>By group</h2>");
        stacked_rows(o, split.by_group, split.target);
        split_table(o, split.by_group, "group");
        put(o, "<h2>By distance band</h2>");
        stacked_rows(o, split.by_distance, split.target);
        split_table(o, split.by_distance, "band");
        put(o,
            "<h2>Door to door</h2><table><tr><th>mode</th><th>mean minutes</th><th>median minutes</th>"
            "<th>90th percentile, minutes</th><th>mean km</th></tr>");
        const auto cell = [](double v, int decimals) {
            return std::isfinite(v) ? fmt::format("{:.{}f}", v, decimals) : std::string("–");
        };
        for (std::size_t m = 0; m < core::mode_count; ++m)
            put(o, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", core::mode_names[m],
                cell(split.mean_travel_min[m], 1), cell(split.median_travel_min[m], 1),
                cell(split.p90_travel_min[m], 1), cell(split.mean_distance_km[m], 2));
        put(o, "</table><h2>Departure time</h2>");
        departure_profile(o, log.trips);
        if (log.has_simulation) {
            const auto& crowding = summary.crowding;
            put(o,
                "<h2>Transit crowding</h2><p>{} boardings, {} denied boardings, {} riders who gave up transit "
                "after the limit of denied boardings at a stop, {} segments with standing passengers, {} full.</p>",
                crowding.boardings, crowding.denied_boardings, crowding.gave_up, crowding.segments_over_seated,
                crowding.segments_full);
            put(o,
                "<table><tr><th>line</th><th>boardings</th><th>denied boardings</th><th>gave up</th>"
                "<th>peak load</th></tr>");
            for (const auto& u : crowding.by_line)
                put(o, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} %</td></tr>", html_escape(u.line),
                    u.boardings, u.denied, u.gave_up, pct(u.peak_load_factor));
            put(o,
                "</table><h3>Most crowded lines by hour</h3><table><tr><th>line</th><th>hour</th><th>vehicle "
                "trips</th><th>segments standing</th><th>most crowded: from</th><th>to</th><th>departs</th>"
                "<th>on board</th><th>capacity</th><th>load</th></tr>");
            for (const auto& s : crowding.most_crowded)
                put(o,
                    "<tr><td>{}</td><td>{:02}:00</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                    "<td>{:02.0f}:{:02.0f}</td><td>{}</td><td>{}</td><td>{} %</td></tr>",
                    html_escape(s.line), s.hour, s.vehicle_trips, s.segments_over_seated, html_escape(s.from_stop),
                    html_escape(s.to_stop), std::floor(s.depart_s / 3600.0), std::floor((s.depart_s % 3600) / 60.0),
                    s.onboard, s.capacity, pct(s.load_factor));
            put(o,
                "</table><p class=\"note\">Each line and hour of departure once, with its most crowded segment; "
                "the most crowded first.</p>");
            if (!crowding.lots.empty()) {
                put(o,
                    "<h2>Park-and-ride and bike-and-ride</h2><table><tr><th>stop</th><th>kind</th><th>spaces</th>"
                    "<th>arrivals</th><th>peak</th><th>over capacity</th><th>full from</th></tr>");
                for (const auto& l : crowding.lots)
                    put(o, "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                        html_escape(l.stop), l.kind == core::access_park_and_ride ? "car" : "bike", l.spaces,
                        l.arrivals, l.peak, l.over_capacity,
                        l.full_from_s < 0
                            ? std::string("–")
                            : fmt::format("{:02}:{:02}", l.full_from_s / 3600, l.full_from_s % 3600 / 60));
                put(o, "</table>");
            }
            loop_section(o, log.simulation.iterations);
        }
    }
    if (in.net) {
        put(o, "<h2>Network and volumes</h2>");
        network_map(o, in.log, *in.net);
    }
    if (in.accessibility && in.net) {
        put(o, "<h2>Accessibility</h2>");
        accessibility_map(o, *in.accessibility, *in.net);
    }
    if (in.comparison) comparison_section(o, *in.comparison);
    if (in.counts)
        put(o, "<h2>Counts</h2>\n{}<pre>{}</pre>\n", report::counts_scatter_svg(*in.counts),
            html_escape(report::counts_table(*in.counts)));
    put(o, "{}</body></html>\n", script);
    return fmt::to_string(o);
}

TripLogSummary summarise_trip_log(const output::TripLog& log) {
    TripLogSummary out;
    std::vector<std::uint8_t> gateway_zone(log.lookups.zones.size(), 0);
    for (std::size_t z = 0; z < gateway_zone.size(); ++z) gateway_zone[z] = log.lookups.zones[z].kind == "gateway";
    out.split = report::compute_modal_split(log.trips, log.meta.distance_bands_km, log.meta.target_sustainable_share,
                                            gateway_zone);
    out.split.scenario_name = log.meta.scenario_name;
    out.split.overrides = log.meta.overrides;
    out.split.packages = log.meta.packages;
    out.split.seed = log.meta.seed;
    out.split.run = log.has_simulation ? "simulated" : "static";
    std::vector<std::string> line_names, link_ids;
    for (const auto& l : log.lookups.lines) line_names.push_back(l.name);
    if (log.has_simulation) {
        std::vector<std::string> stops;
        for (const auto& st : log.lookups.stops) stops.push_back(st.name);
        out.crowding = report::compute_crowding(log.simulation.transit_load, line_names, stops);
        report::count_gave_up_waiting(out.crowding, log.trips);
        report::add_lots(out.crowding, log.simulation.lots, stops);
    }
    std::vector<double> link_capacity;
    for (const auto& l : log.lookups.links) {
        link_ids.push_back(l.id);
        link_capacity.push_back(l.capacity_veh_per_h);
    }
    report::CheckInputs ci{log.trips, line_names, out.split.transit_wait_over_60};
    const auto unreachable = report::parse_unreachable_lines(log.meta.zones_unreachable);
    ci.zones_unreachable = &unreachable;
    if (log.has_simulation) {
        ci.transit_load = &log.simulation.transit_load;
        ci.link_volumes = &log.simulation.link_volumes;
        ci.link_ids = &link_ids;
        ci.link_capacity = &link_capacity;
        ci.iterations = &log.simulation.iterations;
    }
    out.check = report::check_these(ci);
    return out;
}

std::string trip_log_page(const output::TripLog& log, const std::string& scenario_file,
                          const std::filesystem::path& skims_dir, int threads, const report::CountsResult* counts) {
    HtmlReportInputs in;
    in.log = &log;
    in.counts = counts;
    in.title =
        "flemsim report: " + log.meta.scenario_name + report::title_suffix(log.meta.overrides, log.meta.packages);
    std::optional<network::Network> net;
    std::optional<Accessibility> acc;
    if (!scenario_file.empty()) {
        // The scenario as its file says: the run's overrides are not in the trip log, and the
        // network check below catches a scenario whose network is not the one the run used.
        const auto sc = scenario::load_scenario(scenario_file);
        net = network::load_scenario_network(sc);
        output::check_same_network(log, *net);
        acc = write_skims_and_accessibility(sc, skims_dir, 8 * 3600, "", threads);
        in.net = &*net;
        in.accessibility = &*acc;
    }
    return html_report(in);
}

std::string comparison_page(const Comparison& comparison) {
    HtmlReportInputs in;
    in.comparison = &comparison;
    in.title = "flemsim comparison: " + comparison.scenarios.front() + " and " +
               std::to_string(comparison.scenarios.size() - 1) + " option(s)";
    return html_report(in);
}

}  // namespace flemsim::pipeline
