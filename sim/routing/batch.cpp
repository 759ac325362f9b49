#include "sim/routing/batch.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "sim/core/atomic_file.hpp"
#include "sim/core/csv.hpp"
#include "sim/core/text.hpp"
#include "sim/routing/cch.hpp"
#include "sim/routing/dijkstra.hpp"
#include "sim/routing/street_cch.hpp"

namespace flemsim::routing {

using core::invalid_index;
using core::Mode;

namespace {

// Nearest node with an arc of a graph, through a uniform grid.
class NodeGrid {
public:
    NodeGrid(const network::Network& net, const StreetGraph& g) : m_net(net) {
        for (std::uint32_t n = 0; n < g.node_count(); ++n)
            if (g.first_out[n + 1] > g.first_out[n]) m_nodes.push_back(n);
        if (m_nodes.empty()) return;
        m_min_x = m_min_y = std::numeric_limits<double>::infinity();
        double max_x = -m_min_x, max_y = -m_min_y;
        for (const auto n : m_nodes) {
            m_min_x = std::min(m_min_x, net.node_x_m[n]), max_x = std::max(max_x, net.node_x_m[n]);
            m_min_y = std::min(m_min_y, net.node_y_m[n]), max_y = std::max(max_y, net.node_y_m[n]);
        }
        m_cols = static_cast<int>((max_x - m_min_x) / m_cell) + 1;
        m_rows = static_cast<int>((max_y - m_min_y) / m_cell) + 1;
        m_bucket.resize(static_cast<std::size_t>(m_cols) * m_rows);
        for (const auto n : m_nodes) m_bucket[index(net.node_x_m[n], net.node_y_m[n])].push_back(n);
    }

    // Nearest node and its distance; invalid_index when the graph has no arc.
    std::pair<std::uint32_t, double> nearest(double x, double y) const {
        std::uint32_t best = invalid_index;
        double best_d = std::numeric_limits<double>::infinity();
        if (m_nodes.empty()) return {best, best_d};
        const int c0 = std::clamp(static_cast<int>(std::floor((x - m_min_x) / m_cell)), 0, m_cols - 1);
        const int r0 = std::clamp(static_cast<int>(std::floor((y - m_min_y) / m_cell)), 0, m_rows - 1);
        for (int ring = 0; ring <= std::max(m_cols, m_rows); ++ring) {
            if (std::isfinite(best_d) && (ring - 1) * m_cell > best_d) break;
            for (int r = r0 - ring; r <= r0 + ring; ++r)
                for (int c = c0 - ring; c <= c0 + ring; ++c) {
                    if (r < 0 || c < 0 || r >= m_rows || c >= m_cols) continue;
                    if (std::max(std::abs(r - r0), std::abs(c - c0)) != ring) continue;
                    for (const auto n : m_bucket[static_cast<std::size_t>(r) * m_cols + c]) {
                        const double d = std::hypot(x - m_net.node_x_m[n], y - m_net.node_y_m[n]);
                        if (d < best_d || (d == best_d && n < best)) best_d = d, best = n;
                    }
                }
        }
        return {best, best_d};
    }

private:
    std::size_t index(double x, double y) const {
        const int c = std::clamp(static_cast<int>(std::floor((x - m_min_x) / m_cell)), 0, m_cols - 1);
        const int r = std::clamp(static_cast<int>(std::floor((y - m_min_y) / m_cell)), 0, m_rows - 1);
        return static_cast<std::size_t>(r) * m_cols + c;
    }
    const network::Network& m_net;
    std::vector<std::uint32_t> m_nodes;
    std::vector<std::vector<std::uint32_t>> m_bucket;
    double m_cell = 200, m_min_x = 0, m_min_y = 0;
    int m_cols = 1, m_rows = 1;
};

// Rows and legs as one thread answers them; assembled in query order afterwards, so the
// output does not depend on which thread answered what.
struct Scratch : RoutingScratch {
    TransitItinerary itinerary;
    Raptor raptor;  // profiles over a departure window
    std::vector<StopTime> access, egress;
    std::vector<Journey> journeys;
    std::vector<RouteAnswer> rows;
    RouteLegs legs;
    std::vector<double> times;
    std::vector<std::uint8_t> dominated;
    std::array<std::optional<StreetPathQuery>, core::mode_count> cch_query;  // by street mode, when it has a CCH
    Scratch(const RoutingContext& c, const std::array<const CchMetric*, core::mode_count>& metrics)
        : RoutingScratch(c), raptor(c.transit->schedule(), RaptorParams{c.transit->params().max_rides}) {
        for (std::size_t m = 0; m < core::mode_count; ++m)
            if (metrics[m]) cch_query[m].emplace(*metrics[m]);
    }
};

void push_leg(RouteLegs& legs, RouteLegKind kind, std::uint32_t line, std::uint32_t trip, std::uint32_t from_stop,
              std::uint32_t to_stop, std::int32_t depart_s, std::int32_t arrive_s, std::int32_t walk_s,
              std::int32_t wait_s) {
    legs.kind.push_back(kind);
    legs.line.push_back(line);
    legs.trip.push_back(trip);
    legs.from_stop.push_back(from_stop);
    legs.to_stop.push_back(to_stop);
    legs.depart_s.push_back(depart_s);
    legs.arrive_s.push_back(arrive_s);
    legs.walk_s.push_back(walk_s);
    legs.wait_s.push_back(wait_s);
}

// When to leave the origin for a journey: just in time for its first ride. A journey's
// depart_s is the search's leaving time that found it, which can be earlier (a departure of
// another route from another stop), with the difference spent waiting at the first stop.
std::int32_t leaving_s(const Journey& j, std::int32_t access_s) {
    return j.rides.front().board_s - access_s;
}

// The legs of a journey: the access walk (always listed, 0 s when the origin is at the stop),
// each ride, a walk between rides at different stops, and the egress walk.
void journey_legs(const Schedule& sc, const Journey& j, std::int32_t access_s, std::int32_t egress_s, RouteLegs& legs) {
    const Ride& first = j.rides.front();
    const std::int32_t leave = leaving_s(j, access_s);
    push_leg(legs, RouteLegKind::walk, invalid_index, invalid_index, invalid_index,
             sc.stop_at(first.trip, first.board_pos), leave, leave + access_s, access_s, 0);
    std::int32_t ready = leave + access_s;  // at the boarding stop
    for (std::size_t k = 0; k < j.rides.size(); ++k) {
        const Ride& r = j.rides[k];
        const std::uint32_t from = sc.stop_at(r.trip, r.board_pos);
        if (k > 0 && !r.seated) {
            const Ride& prev = j.rides[k - 1];
            const std::int32_t walk = k - 1 < j.transfer_walk_s.size() ? j.transfer_walk_s[k - 1] : 0;
            const std::uint32_t at = sc.stop_at(prev.trip, prev.alight_pos);
            if (at != from)
                push_leg(legs, RouteLegKind::walk, invalid_index, invalid_index, at, from, prev.alight_s,
                         prev.alight_s + walk, walk, 0);
            ready = prev.alight_s + walk;
        } else if (k > 0) {
            ready = r.board_s;  // on board while the vehicle turns
        }
        push_leg(legs, r.seated ? RouteLegKind::seated : RouteLegKind::ride, sc.trip_line(r.trip),
                 sc.trip_source[r.trip], from, sc.stop_at(r.trip, r.alight_pos), r.board_s, r.alight_s, 0,
                 std::max(0, r.board_s - ready));
    }
    const Ride& last = j.rides.back();
    push_leg(legs, RouteLegKind::walk, invalid_index, invalid_index, sc.stop_at(last.trip, last.alight_pos),
             invalid_index, last.alight_s, last.alight_s + egress_s, egress_s, 0);
}

// Lines and stops of the rides, as the answers' lines and stops columns list them.
void ride_names(const network::Network& net, const Schedule& sc, const Journey& j, RouteAnswer& a) {
    for (const Ride& r : j.rides) {
        a.lines += (a.lines.empty() ? "" : "|") + net.line_ids[sc.trip_line(r.trip)];
        a.stops += (a.stops.empty() ? "" : "|") + net.stop_ids[sc.stop_at(r.trip, r.board_pos)] + ">" +
                   net.stop_ids[sc.stop_at(r.trip, r.alight_pos)];
    }
}

// Components of a journey of a profile, as TransitQuery::path_to counts them but from leaving
// just in time (leaving_s): the waits are those at transfers.
TransitComponents profile_components(const TransitModel& tm, const Journey& j, std::int32_t access_s,
                                     std::int32_t egress_s, double& distance_m) {
    const Schedule& sc = tm.schedule();
    TransitComponents t;
    t.access_s = access_s;
    t.egress_s = egress_s;
    for (std::size_t k = 0; k < j.rides.size(); ++k) {
        const Ride& r = j.rides[k];
        if (k > 0) {
            const double gap = static_cast<double>(r.board_s) - j.rides[k - 1].alight_s;
            if (r.seated) {
                t.in_vehicle_s += gap;
            } else {
                const double walk = k - 1 < j.transfer_walk_s.size() ? j.transfer_walk_s[k - 1] : 0;
                t.transfer_walk_s += walk;
                t.wait_s += gap - walk;
                distance_m += walk * tm.walk_speed_mps();
            }
        }
        t.in_vehicle_s += r.alight_s - r.board_s;
        const std::uint32_t rn0 = sc.route_first_rn[sc.trip_route[r.trip]];
        for (std::uint16_t q = r.board_pos; q < r.alight_pos; ++q) distance_m += tm.rn_ride_m(rn0 + q);
    }
    t.transfers = j.transfers();
    return t;
}

double median_of(std::vector<double>& v) {
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n == 0 ? 0.0 : n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

}  // namespace

const char* leg_kind_name(RouteLegKind k) {
    switch (k) {
        case RouteLegKind::walk:
            return "walk";
        case RouteLegKind::bike:
            return "bike";
        case RouteLegKind::car:
            return "car";
        case RouteLegKind::ride:
            return "ride";
        case RouteLegKind::seated:
            return "seated";
    }
    return "?";
}

std::vector<RouteQuery> read_route_queries(const std::filesystem::path& file) {
    core::CsvReader r(file, {"id", "from_lat", "from_lon", "to_lat", "to_lon", "mode", "departure"});
    std::vector<RouteQuery> out;
    // Answers are matched to queries by id, so an id may appear once.
    std::unordered_map<std::string, int> lines;
    while (r.next()) {
        RouteQuery q;
        q.id = std::string(r.required_text(0));
        if (const auto [it, fresh] = lines.emplace(q.id, r.line()); !fresh)
            r.fail(0, "duplicate query id '" + q.id + "' (first on line " + std::to_string(it->second) + ")");
        q.from_lat = r.number(1);
        q.from_lon = r.number(2);
        q.to_lat = r.number(3);
        q.to_lon = r.number(4);
        for (std::size_t c : {1, 3})
            if (std::abs(r.number(c)) > 90) r.fail(c, "latitude out of range");
        for (std::size_t c : {2, 4})
            if (std::abs(r.number(c)) > 180) r.fail(c, "longitude out of range");
        const auto mode = core::enum_from_name<Mode>(core::mode_names, r.required_text(5));
        if (!mode) r.fail(5, "expected walk, bike, car or transit, got '" + std::string(r.text(5)) + "'");
        q.mode = *mode;
        q.departure_s = r.clock(6);
        out.push_back(q);
    }
    if (out.empty()) throw core::InputError({r.file(), r.line(), 0}, "no route queries (the table has no rows)");
    return out;
}

std::optional<std::int32_t> parse_departure_window(std::string_view text) {
    // Digits alone are seconds; otherwise whole numbers each followed by h, m or s, in that
    // order, each unit at most once ("1h30m", "45m", "90s").
    if (text.empty()) return std::nullopt;
    std::int64_t total = 0;
    if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (text.size() > 9) return std::nullopt;
        total = std::stoll(std::string(text));
    } else {
        const std::string_view units = "hms";
        std::size_t next_unit = 0, pos = 0;
        while (pos < text.size()) {
            std::size_t digits = 0;
            std::int64_t value = 0;
            while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9' && digits < 9) {
                value = value * 10 + (text[pos] - '0');
                ++pos, ++digits;
            }
            if (digits == 0 || pos == text.size()) return std::nullopt;
            const std::size_t u = units.find(text[pos], next_unit);
            if (u == std::string_view::npos) return std::nullopt;
            total += value * (u == 0 ? 3600 : u == 1 ? 60 : 1);
            next_unit = u + 1;
            ++pos;
        }
    }
    if (total <= 0 || total > max_departure_window_s) return std::nullopt;
    return static_cast<std::int32_t>(total);
}

RouteAnswers answer_route_queries(const RoutingContext& ctx, const std::vector<RouteQuery>& queries,
                                  const RouteOptions& options) {
    const auto& net = ctx.net;
    const double max_snap_m = options.max_snap_m;
    const std::int32_t window = options.window_s;
    const NodeGrid walk_grid(net, ctx.walk), bike_grid(net, ctx.bike), car_grid(net, ctx.car);
    const auto grid_of = [&](Mode m) -> const NodeGrid& {
        return m == Mode::bike ? bike_grid : m == Mode::car ? car_grid : walk_grid;
    };
    const std::size_t n = queries.size();
    // Snapping, and the answers of queries that go no further (their one row each).
    std::vector<RouteAnswer> snapped(n);
    std::vector<std::uint32_t> from(n), to(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto& q = queries[i];
        const auto [fx, fy] = net.to_x_y(q.from_lat, q.from_lon);
        const auto [tx, ty] = net.to_x_y(q.to_lat, q.to_lon);
        auto& a = snapped[i];
        a.query = static_cast<std::uint32_t>(i);
        std::tie(from[i], a.snap_from_m) = grid_of(q.mode).nearest(fx, fy);
        std::tie(to[i], a.snap_to_m) = grid_of(q.mode).nearest(tx, ty);
        // A point too far from the network is not on it: no node stands in for it.
        if (from[i] == invalid_index) {
            a.reason = fmt::format("the network has no {} links", core::name_of(q.mode));
        } else if (!(a.snap_from_m <= max_snap_m)) {
            a.reason = fmt::format("origin {:.0f} m from the network (more than {:g} m)", a.snap_from_m, max_snap_m);
        } else if (!(a.snap_to_m <= max_snap_m)) {
            a.reason = fmt::format("destination {:.0f} m from the network (more than {:g} m)", a.snap_to_m, max_snap_m);
        }
        if (!a.reason.empty()) from[i] = to[i] = invalid_index;
    }
    // By origin node, then mode, then departure: one search serves a group. A profile's search
    // depends on the departure itself, a single transit answer's only on its hour.
    std::vector<std::uint32_t> order(n);
    for (std::uint32_t i = 0; i < n; ++i) order[i] = i;
    const TransitModel& tm = *ctx.transit;
    const Schedule& sc = tm.schedule();
    const TransitParams& tp = tm.params();
    const auto when_of = [&](std::uint32_t i) -> std::int64_t {
        if (queries[i].mode != Mode::transit) return 0;
        return window > 0 ? queries[i].departure_s : std::max<std::int32_t>(0, queries[i].departure_s) / 3600;
    };
    const auto key = [&](std::uint32_t i) {
        return std::tuple{from[i], static_cast<std::int64_t>(queries[i].mode), when_of(i), i};
    };
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return key(a) < key(b); });
    std::vector<std::size_t> group;
    for (std::size_t k = 0; k < n; ++k)
        if (k == 0 || from[order[k]] != from[order[k - 1]]) group.push_back(k);
    group.push_back(n);
    // Where each query's rows are: the scratch that answered it and the range of its rows there.
    std::vector<const Scratch*> answered_by(n, nullptr);
    std::vector<std::uint32_t> row_begin(n, 0), row_end(n, 0);
    // Street queries of an origin with few destinations of their mode are one-to-one CCH queries
    // (street_cch.hpp: use_cch), when the mode has enough of them (worth_cch); the hierarchy is built
    // here when first needed, so its time counts in the answering time.
    std::vector<std::uint8_t> by_cch(n, 0);  // by query
    std::array<const CchMetric*, core::mode_count> metrics{};
    {
        std::array<std::size_t, core::mode_count> origins{};  // by mode, origins with few queries
        for (std::size_t g = 0; g + 1 < group.size(); ++g) {
            // A group is one origin node; its queries by mode in runs (sorted by mode).
            std::size_t k = group[g];
            while (k < group[g + 1]) {
                const Mode m = queries[order[k]].mode;
                std::size_t e = k;
                while (e < group[g + 1] && queries[order[e]].mode == m) ++e;
                if (m != Mode::transit && from[order[k]] != invalid_index && use_cch(street_graph(ctx, m), e - k)) {
                    for (std::size_t x = k; x < e; ++x) by_cch[order[x]] = 1;
                    ++origins[core::mode_index(m)];
                }
                k = e;
            }
        }
        for (const Mode m : {Mode::walk, Mode::bike, Mode::car})
            if (worth_cch(street_graph(ctx, m), origins[core::mode_index(m)]))
                metrics[core::mode_index(m)] = &street_metric(ctx, m);
        // A mode with too few such origins for a hierarchy keeps the searches.
        for (std::size_t i = 0; i < n; ++i)
            if (by_cch[i] && !metrics[core::mode_index(queries[i].mode)]) by_cch[i] = 0;
    }
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx, metrics); });
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, group.size() - 1, 4), [&](const tbb::blocked_range<std::size_t>& r) {
            Scratch& s = scratch.local();
            for (std::size_t g = r.begin(); g != r.end(); ++g) {
                // Which search the scratch holds: a transit hour (3000 + hour) or profile (1,000,000 +
                // departure), both >= 0; a street mode's search (-1 - 2 mode) or CCH origin (-2 - 2 mode).
                std::int64_t ready = std::numeric_limits<std::int64_t>::min();
                for (std::size_t k = group[g]; k < group[g + 1]; ++k) {
                    const auto i = order[k];
                    const auto& q = queries[i];
                    answered_by[i] = &s;
                    row_begin[i] = static_cast<std::uint32_t>(s.rows.size());
                    s.rows.push_back(snapped[i]);
                    row_end[i] = row_begin[i] + 1;
                    if (from[i] == invalid_index || to[i] == invalid_index) continue;
                    if (q.mode == Mode::transit) {
                        const bool no_access = tm.near_begin(from[i]) == tm.near_end(from[i]);
                        const bool no_egress = tm.near_begin(to[i]) == tm.near_end(to[i]);
                        if (no_access || no_egress) {
                            s.rows.back().reason =
                                fmt::format("no stop within {:g} m walk of the {}", tp.max_access_walk_m,
                                            no_access ? "origin" : "destination");
                            continue;
                        }
                    }
                    if (q.mode == Mode::transit && window == 0) {
                        const std::int32_t hour = std::max<std::int32_t>(0, q.departure_s) / 3600;
                        const std::int64_t want = 3000 + static_cast<std::int64_t>(hour);
                        if (ready != want) s.transit.run(from[i], hour), ready = want;
                        const auto path = s.transit.path_to(to[i], q.departure_s, &s.itinerary);
                        auto& a = s.rows.back();
                        if (!path.found) {
                            // The search reaches every journey; none leaves within the wait
                            // the scenario allows (no overnight waits), or none reaches.
                            a.reason = fmt::format("no transit journey leaves within max_wait_s ({:g} s) of {}",
                                                   tp.max_wait_s, core::format_clock(q.departure_s));
                            continue;
                        }
                        const Journey& j = s.transit.journey();
                        a.found = true;
                        a.journey = a.journeys = 1;
                        a.time_s = path.total_s();
                        a.distance_m = path.total_m();
                        a.transit = path;  // the components, without the path's stops and lines
                        a.depart_s = leaving_s(j, static_cast<std::int32_t>(path.access_s));
                        a.arrive_s = j.arrive_s;
                        a.min_time_s = a.median_time_s = a.time_s;
                        ride_names(net, sc, j, a);
                        a.first_leg = static_cast<std::uint32_t>(s.legs.size());
                        journey_legs(sc, j, static_cast<std::int32_t>(path.access_s),
                                     static_cast<std::int32_t>(path.egress_s), s.legs);
                        a.leg_count = static_cast<std::uint32_t>(s.legs.size()) - a.first_leg;
                        continue;
                    }
                    if (q.mode == Mode::transit) {
                        // A profile: range-RAPTOR over the window from the walk access stops.
                        const std::int64_t want = 1'000'000 + static_cast<std::int64_t>(q.departure_s);
                        if (ready != want) {
                            s.access.clear();
                            for (const auto* ns = tm.near_begin(from[i]); ns != tm.near_end(from[i]); ++ns)
                                s.access.push_back({ns->stop, static_cast<std::int32_t>(std::ceil(ns->walk_s))});
                            s.raptor.run_range(s.access, q.departure_s, q.departure_s + window + 1);
                            ready = want;
                        }
                        s.egress.clear();
                        for (const auto* ns = tm.near_begin(to[i]); ns != tm.near_end(to[i]); ++ns)
                            s.egress.push_back({ns->stop, static_cast<std::int32_t>(std::ceil(ns->walk_s))});
                        s.raptor.journeys(s.egress, q.departure_s, q.departure_s + window, s.journeys);
                        // Each journey leaving just in time for its first ride. One that could
                        // leave after the window is another departure's, which the search did
                        // not reach (waiting out the window's end is not a journey of it).
                        const std::int32_t last = q.departure_s + window;
                        std::erase_if(s.journeys, [&](Journey& j) {
                            if (j.rides.empty()) return true;
                            j.depart_s = leaving_s(j, s.access[j.access].offset_s);
                            return j.depart_s > last;
                        });
                        // Still Pareto-optimal with the later leaving times (flags first: the
                        // test reads the whole list).
                        s.dominated.assign(s.journeys.size(), 0);
                        for (std::size_t c = 0; c < s.journeys.size(); ++c)
                            for (const Journey& k : s.journeys) {
                                const Journey& x = s.journeys[c];
                                if (k.depart_s >= x.depart_s && k.arrive_s <= x.arrive_s &&
                                    k.transfers() <= x.transfers() &&
                                    (k.depart_s > x.depart_s || k.arrive_s < x.arrive_s ||
                                     k.transfers() < x.transfers()))
                                    s.dominated[c] = 1;
                            }
                        for (std::size_t c = s.journeys.size(); c-- > 0;)
                            if (s.dominated[c]) s.journeys.erase(s.journeys.begin() + static_cast<std::ptrdiff_t>(c));
                        std::stable_sort(s.journeys.begin(), s.journeys.end(), [](const Journey& x, const Journey& y) {
                            return std::tie(x.depart_s, x.arrive_s) < std::tie(y.depart_s, y.arrive_s);
                        });
                        const RouteAnswer base = s.rows.back();
                        s.rows.pop_back();
                        s.times.clear();
                        for (const Journey& j : s.journeys) {
                            RouteAnswer a = base;
                            a.found = true;
                            a.journey = static_cast<std::uint32_t>(s.rows.size() - row_begin[i]) + 1;
                            a.depart_s = j.depart_s;
                            a.arrive_s = j.arrive_s;
                            a.time_s = j.arrive_s - j.depart_s;
                            const std::int32_t access_s = s.access[j.access].offset_s;
                            const std::int32_t egress_s = s.egress[j.egress].offset_s;
                            a.distance_m =
                                tm.near_begin(from[i])[j.access].walk_m + tm.near_begin(to[i])[j.egress].walk_m;
                            a.transit = profile_components(tm, j, access_s, egress_s, a.distance_m);
                            ride_names(net, sc, j, a);
                            a.first_leg = static_cast<std::uint32_t>(s.legs.size());
                            journey_legs(sc, j, access_s, egress_s, s.legs);
                            a.leg_count = static_cast<std::uint32_t>(s.legs.size()) - a.first_leg;
                            s.times.push_back(a.time_s);
                            s.rows.push_back(std::move(a));
                        }
                        if (s.times.empty()) {
                            s.rows.push_back(base);
                            s.rows.back().reason = fmt::format("no transit journey leaves between {} and {}",
                                                               core::format_clock(q.departure_s),
                                                               core::format_clock(q.departure_s + window));
                        } else {
                            const double least = *std::min_element(s.times.begin(), s.times.end());
                            const double median = median_of(s.times);
                            for (std::size_t x = row_begin[i]; x < s.rows.size(); ++x) {
                                s.rows[x].journeys = static_cast<std::uint32_t>(s.times.size());
                                s.rows[x].min_time_s = least;
                                s.rows[x].median_time_s = median;
                            }
                        }
                        row_end[i] = static_cast<std::uint32_t>(s.rows.size());
                        continue;
                    }
                    auto& tree = q.mode == Mode::walk ? s.walk : q.mode == Mode::bike ? s.bike : s.car;
                    const std::int64_t want = -1 - 2 * static_cast<std::int64_t>(q.mode);
                    auto& a = s.rows.back();
                    if (by_cch[i]) {
                        // One-to-one on the CCH (the same time and length as the search's tree);
                        // a run of two queries or more of this origin and mode shares the
                        // origin's side of the search.
                        auto& cch = *s.cch_query[core::mode_index(q.mode)];
                        const bool run_of_two = (k > group[g] && queries[order[k - 1]].mode == q.mode) ||
                                                (k + 1 < group[g + 1] && queries[order[k + 1]].mode == q.mode);
                        if (run_of_two && ready != want - 1) cch.from(from[i]), ready = want - 1;
                        if (!(run_of_two ? cch.to(tree.graph(), to[i], a.time_s, a.distance_m)
                                         : cch.run(tree.graph(), from[i], to[i], a.time_s, a.distance_m)))
                            continue;
                    } else {
                        if (ready != want) {
                            // One search for the run of queries of this origin and mode, stopped
                            // once all their destinations are settled.
                            s.targets.clear();
                            for (std::size_t j = k; j < group[g + 1] && queries[order[j]].mode == q.mode; ++j)
                                if (to[order[j]] != invalid_index) s.targets.push_back(to[order[j]]);
                            tree.run_to(from[i], s.targets);
                            ready = want;
                        }
                        if (!tree.reached(to[i])) continue;
                        a.time_s = tree.time_s(to[i]);
                        a.distance_m = tree.length_m(to[i]);
                    }
                    a.found = true;
                    a.journey = a.journeys = 1;
                    a.min_time_s = a.median_time_s = a.time_s;
                    a.depart_s = q.departure_s;
                    a.arrive_s = q.departure_s + static_cast<std::int32_t>(std::lround(a.time_s));
                    a.first_leg = static_cast<std::uint32_t>(s.legs.size());
                    a.leg_count = 1;
                    const auto kind = q.mode == Mode::walk   ? RouteLegKind::walk
                                      : q.mode == Mode::bike ? RouteLegKind::bike
                                                             : RouteLegKind::car;
                    push_leg(s.legs, kind, invalid_index, invalid_index, invalid_index, invalid_index, a.depart_s,
                             a.arrive_s, kind == RouteLegKind::walk ? a.arrive_s - a.depart_s : 0, 0);
                }
            }
        });
    // In query order, each query's rows with their legs.
    RouteAnswers out;
    out.profile = window > 0;
    for (std::size_t i = 0; i < n; ++i) {
        const Scratch& s = *answered_by[i];
        for (std::uint32_t x = row_begin[i]; x < row_end[i]; ++x) {
            RouteAnswer a = s.rows[x];
            const std::uint32_t b = a.first_leg;
            a.first_leg = static_cast<std::uint32_t>(out.legs.size());
            for (std::uint32_t l = b; l < b + a.leg_count; ++l)
                push_leg(out.legs, s.legs.kind[l], s.legs.line[l], s.legs.trip[l], s.legs.from_stop[l],
                         s.legs.to_stop[l], s.legs.depart_s[l], s.legs.arrive_s[l], s.legs.walk_s[l], s.legs.wait_s[l]);
            out.rows.push_back(std::move(a));
        }
    }
    return out;
}

namespace {

std::string clock_or_empty(const RouteAnswer& a, std::int32_t t) {
    return a.found ? core::format_clock(t) : "";
}

}  // namespace

void write_route_answers(const std::filesystem::path& file, const std::vector<RouteQuery>& queries,
                         const RouteAnswers& answers) {
    fmt::memory_buffer out;
    const bool profile = answers.profile;
    fmt::format_to(std::back_inserter(out),
                   "id,mode,found,{}depart,arrive,travel_time_s,distance_m,access_s,wait_s,"
                   "in_vehicle_s,egress_s,transfers,lines,stops,{}snap_from_m,snap_to_m,reason\n",
                   profile ? "journey,journeys," : "", profile ? "min_travel_time_s,median_travel_time_s," : "");
    for (const auto& a : answers.rows) {
        const auto& q = queries[a.query];
        fmt::format_to(std::back_inserter(out), "{},{},{},", q.id, core::name_of(q.mode), a.found ? 1 : 0);
        if (profile) fmt::format_to(std::back_inserter(out), "{},{},", a.journey, a.journeys);
        fmt::format_to(std::back_inserter(out), "{},{},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{:.1f},{},{},{},",
                       clock_or_empty(a, a.depart_s), clock_or_empty(a, a.arrive_s), a.time_s, a.distance_m,
                       a.transit.access_s, a.transit.wait_s, a.transit.in_vehicle_s,
                       a.transit.egress_s + a.transit.transfer_walk_s, a.transit.transfers, a.lines, a.stops);
        if (profile) fmt::format_to(std::back_inserter(out), "{:.1f},{:.1f},", a.min_time_s, a.median_time_s);
        fmt::format_to(std::back_inserter(out), "{:.1f},{:.1f},{}\n", a.snap_from_m, a.snap_to_m,
                       a.found            ? std::string()
                       : a.reason.empty() ? std::string("no path")
                                          : a.reason);
    }
    core::write_file_atomically(file, fmt::to_string(out));
}

void write_route_legs(const std::filesystem::path& file, const std::vector<RouteQuery>& queries,
                      const RouteAnswers& answers, const network::Network& net) {
    fmt::memory_buffer out;
    fmt::format_to(std::back_inserter(out),
                   "id,journey,leg,kind,line,trip,from_stop,departure,to_stop,arrival,walk_s,wait_s\n");
    const auto id_or_empty = [](const std::vector<std::string>& ids, std::uint32_t i) -> std::string_view {
        return i == invalid_index ? std::string_view() : std::string_view(ids[i]);
    };
    const RouteLegs& L = answers.legs;
    for (const auto& a : answers.rows)
        for (std::uint32_t k = 0; k < a.leg_count; ++k) {
            const std::uint32_t l = a.first_leg + k;
            fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{},{},{},{},{},{}\n", queries[a.query].id,
                           a.journey, k + 1, leg_kind_name(L.kind[l]), id_or_empty(net.line_ids, L.line[l]),
                           id_or_empty(net.trip_ids, L.trip[l]), id_or_empty(net.stop_ids, L.from_stop[l]),
                           core::format_clock(L.depart_s[l]), id_or_empty(net.stop_ids, L.to_stop[l]),
                           core::format_clock(L.arrive_s[l]), L.walk_s[l], L.wait_s[l]);
        }
    core::write_file_atomically(file, fmt::to_string(out));
}

}  // namespace flemsim::routing
