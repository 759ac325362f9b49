#include "sim/routing/raptor.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <string>

#include "sim/core/error.hpp"

namespace flemsim::routing {

using core::invalid_index;

namespace {

constexpr std::uint16_t no_pos = std::numeric_limits<std::uint16_t>::max();

core::InputError schedule_error(const std::string& message) {
    return core::InputError({"trips.csv"}, message);
}

// A trip of a route before the route's trips are sorted: its first departure, its place in
// the source (network trip index, or order of expansion for headways) and where its times are.
struct Pending {
    std::int32_t first_depart_s;
    std::uint32_t order;
    std::uint32_t source;  // network trip or invalid_index
    std::int32_t headway_dep_s;
};

}  // namespace

std::int32_t Schedule::transfer_s(std::uint32_t from, std::uint32_t to, std::uint32_t from_line, std::uint32_t to_line,
                                  std::int32_t walk_s) const {
    // GTFS: a rule naming both lines beats one naming one line, which beats one naming none;
    // among rules equally specific the first row wins (the CSR keeps the rows' order).
    int best_rank = -1;
    std::uint32_t best = invalid_index;
    for (std::uint32_t i = stop_first_rule[from]; i < stop_first_rule[from + 1]; ++i) {
        if (rule_to_stop[i] != to) continue;
        if (rule_from_line[i] != invalid_index && rule_from_line[i] != from_line) continue;
        if (rule_to_line[i] != invalid_index && rule_to_line[i] != to_line) continue;
        const int rank = (rule_from_line[i] != invalid_index) + (rule_to_line[i] != invalid_index);
        if (rank > best_rank) {
            best_rank = rank;
            best = i;
        }
    }
    const std::int32_t walk = from == to ? 0 : walk_s;
    const auto type = best == invalid_index ? network::TransferType::recommended
                                            : static_cast<network::TransferType>(rule_type[best]);
    switch (type) {
        case network::TransferType::impossible:
            return no_time;
        case network::TransferType::timed:
            return walk;  // the vehicle waits, but one still walks
        case network::TransferType::minimum:
            return std::max(walk, rule_min_s[best]);
        case network::TransferType::recommended:
            break;
    }
    return from == to ? params.min_transfer_s : walk;
}

std::uint32_t Journey::transfers() const {
    std::uint32_t boardings = 0;
    for (const auto& r : rides) boardings += r.seated ? 0 : 1;
    return boardings > 0 ? boardings - 1 : 0;
}

namespace {

// What the search derives from a schedule's routes, trips, footpaths and rules: the routes
// that continue seated, the visits of each stop, the stops that line-specific rules lead to,
// the ready times by the rules that name no line, and the footpaths reversed.
void derive(Schedule& sc) {
    const auto stops = static_cast<std::uint32_t>(sc.footpaths.first.size() - 1);
    sc.route_block_next.assign(sc.route_count(), 0);
    for (std::uint32_t t = 0; t < sc.trip_count(); ++t)
        if (sc.trip_block_next[t] != invalid_index) sc.route_block_next[sc.trip_route[t]] = 1;

    // Visits: the (route, position) pairs serving each stop, for routes that run.
    sc.stop_first_visit.assign(stops + 1, 0);
    for (std::uint32_t r = 0; r < sc.route_count(); ++r)
        if (sc.route_first_trip[r + 1] > sc.route_first_trip[r])
            for (std::uint32_t i = sc.route_first_stop[r]; i < sc.route_first_stop[r + 1]; ++i)
                ++sc.stop_first_visit[sc.route_stop[i] + 1];
    std::partial_sum(sc.stop_first_visit.begin(), sc.stop_first_visit.end(), sc.stop_first_visit.begin());
    sc.visit_route.resize(sc.stop_first_visit[stops]);
    sc.visit_pos.resize(sc.stop_first_visit[stops]);
    {
        auto fill = sc.stop_first_visit;
        for (std::uint32_t r = 0; r < sc.route_count(); ++r)
            if (sc.route_first_trip[r + 1] > sc.route_first_trip[r])
                for (std::uint32_t i = sc.route_first_stop[r]; i < sc.route_first_stop[r + 1]; ++i) {
                    const auto v = fill[sc.route_stop[i]]++;
                    sc.visit_route[v] = r;
                    sc.visit_pos[v] = static_cast<std::uint16_t>(i - sc.route_first_stop[r]);
                }
    }

    sc.stop_line_rules.assign(stops, 0);
    sc.any_line_rules = false;
    for (std::uint32_t j = 0; j < sc.rule_to_stop.size(); ++j)
        if (sc.rule_from_line[j] != invalid_index || sc.rule_to_line[j] != invalid_index) {
            sc.stop_line_rules[sc.rule_to_stop[j]] = 1;
            sc.any_line_rules = true;
        }

    // Ready times by the rules that name no line, and the footpaths reversed.
    const auto& fp = sc.footpaths;
    sc.stop_same_ready_s.resize(stops);
    sc.foot_ready_s.resize(fp.to.size());
    sc.stop_first_foot_in.assign(stops + 1, 0);
    for (std::uint32_t s = 0; s < stops; ++s) {
        sc.stop_same_ready_s[s] = sc.transfer_s(s, s, invalid_index, invalid_index, 0);
        for (std::uint32_t e = fp.first[s]; e < fp.first[s + 1]; ++e) {
            if (fp.to[e] >= stops) throw std::invalid_argument("build_schedule: a footpath leads to no stop");
            sc.foot_ready_s[e] = sc.transfer_s(s, fp.to[e], invalid_index, invalid_index, fp.walk_s[e]);
            ++sc.stop_first_foot_in[fp.to[e] + 1];
        }
    }
    std::partial_sum(sc.stop_first_foot_in.begin(), sc.stop_first_foot_in.end(), sc.stop_first_foot_in.begin());
    sc.foot_in_from.resize(fp.to.size());
    sc.foot_in_walk_s.resize(fp.to.size());
    {
        auto fill = sc.stop_first_foot_in;
        for (std::uint32_t s = 0; s < stops; ++s)
            for (std::uint32_t e = fp.first[s]; e < fp.first[s + 1]; ++e) {
                const auto j = fill[fp.to[e]]++;
                sc.foot_in_from[j] = s;
                sc.foot_in_walk_s[j] = fp.walk_s[e];
            }
    }
}

// A transfer rule as given (Network::rule_*), before it is filed by its from-stop.
struct RuleRow {
    std::uint32_t from, to, from_line, to_line;
    std::uint8_t type;
    std::int32_t min_s;
};

// The rules by from-stop (CSR), rows of one from-stop in their order.
void file_rules(Schedule& sc, std::uint32_t stops, const std::vector<RuleRow>& rows) {
    const auto rules = rows.size();
    sc.stop_first_rule.assign(stops + 1, 0);
    for (const auto& r : rows) ++sc.stop_first_rule[r.from + 1];
    std::partial_sum(sc.stop_first_rule.begin(), sc.stop_first_rule.end(), sc.stop_first_rule.begin());
    sc.rule_to_stop.resize(rules);
    sc.rule_from_line.resize(rules);
    sc.rule_to_line.resize(rules);
    sc.rule_type.resize(rules);
    sc.rule_min_s.resize(rules);
    auto fill = sc.stop_first_rule;
    for (const auto& r : rows) {
        const auto j = fill[r.from]++;
        sc.rule_to_stop[j] = r.to;
        sc.rule_from_line[j] = r.from_line;
        sc.rule_to_line[j] = r.to_line;
        sc.rule_type[j] = r.type;
        sc.rule_min_s[j] = r.min_s;
    }
}

// Trip i of a route in one of a schedule and its reversal is trip tb + te - 1 - i in the other
// (tb, te: the route's range of trips, the same in both).
std::uint32_t mirrored_trip(const Schedule& sc, std::uint32_t trip) {
    const std::uint32_t r = sc.trip_route[trip];
    return sc.route_first_trip[r] + sc.route_first_trip[r + 1] - 1 - trip;
}

}  // namespace

Schedule build_schedule(const network::Network& net, Footpaths footpaths, const ScheduleParams& params) {
    Schedule sc;
    const auto stops = static_cast<std::uint32_t>(net.stop_count());
    const auto lines = static_cast<std::uint32_t>(net.line_count());

    // Routes and their stops, numbered as the transit model numbers route nodes.
    sc.route_first_stop.push_back(0);
    std::uint32_t rn = 0;
    for (std::uint32_t l = 0; l < lines; ++l) {
        const std::uint32_t b = net.line_first_stop[l], e = net.line_first_stop[l + 1];
        if (e - b > no_pos) throw schedule_error("line '" + net.line_ids[l] + "' has more than 65535 stops");
        for (std::uint8_t dir = 0; dir < 2; ++dir) {
            sc.route_line.push_back(l);
            sc.route_direction.push_back(dir);
            sc.route_first_rn.push_back(rn);
            rn += e - b;
            for (std::uint32_t k = 0; k < e - b; ++k)
                sc.route_stop.push_back(net.line_stop[dir == 0 ? b + k : e - 1 - k]);
            sc.route_first_stop.push_back(static_cast<std::uint32_t>(sc.route_stop.size()));
        }
    }

    // The network's trips by line, checked against the line's stops.
    std::vector<std::uint32_t> line_first_trip(lines + 1, 0);
    for (std::uint32_t t = 0; t < net.trip_count(); ++t) {
        const auto l = net.trip_line[t];
        if (l >= lines) throw schedule_error("trip '" + net.trip_ids[t] + "': no such line");
        if (net.trip_direction[t] > 1) throw schedule_error("trip '" + net.trip_ids[t] + "': direction must be 0 or 1");
        if (net.trip_first_time[t + 1] - net.trip_first_time[t] != net.line_first_stop[l + 1] - net.line_first_stop[l])
            throw schedule_error("trip '" + net.trip_ids[t] + "': its times do not match the stops of line '" +
                                 net.line_ids[l] + "'");
        ++line_first_trip[l + 1];
    }
    std::partial_sum(line_first_trip.begin(), line_first_trip.end(), line_first_trip.begin());
    std::vector<std::uint32_t> line_trips(net.trip_count());
    {
        auto fill = line_first_trip;
        for (std::uint32_t t = 0; t < net.trip_count(); ++t) line_trips[fill[net.trip_line[t]]++] = t;
    }

    // Trips of each route: the network's, or the headways expanded as the simulated day does
    // (dwell 0 at the first and last stop), sorted by first departure, ties in source order.
    std::vector<std::uint32_t> net_to_trip(net.trip_count(), invalid_index);
    std::vector<Pending> pending;
    std::vector<std::int32_t> run, dwell;
    sc.route_first_trip.push_back(0);
    sc.trip_first_time.push_back(0);
    for (std::uint32_t r = 0; r < sc.route_line.size(); ++r) {
        const std::uint32_t l = sc.route_line[r], dir = sc.route_direction[r];
        const std::uint32_t b = net.line_first_stop[l], e = net.line_first_stop[l + 1], n = e - b;
        pending.clear();
        if (line_first_trip[l + 1] > line_first_trip[l]) {
            for (std::uint32_t i = line_first_trip[l]; i < line_first_trip[l + 1]; ++i) {
                const auto t = line_trips[i];
                if (net.trip_direction[t] == dir)
                    pending.push_back({net.trip_depart_s[net.trip_first_time[t]], t, t, 0});
            }
        } else if (dir == 0 || l >= net.line_both_ways.size() || net.line_both_ways[l]) {
            std::uint32_t order = 0;
            for (std::uint32_t h = net.line_first_headway[l]; h < net.line_first_headway[l + 1]; ++h) {
                if (net.headway_s[h] <= 0) throw schedule_error("line '" + net.line_ids[l] + "': headway must be > 0");
                for (std::int32_t dep = net.headway_from_s[h]; dep < net.headway_to_s[h]; dep += net.headway_s[h])
                    pending.push_back({dep, order++, invalid_index, dep});
            }
            run.assign(n, 0);
            dwell.assign(n, 0);
            for (std::uint32_t k = 0; k < n; ++k) {
                const std::uint32_t i = dir == 0 ? b + k : e - 1 - k;
                dwell[k] = (k == 0 || k + 1 == n) ? 0 : net.line_dwell_s[i];
                if (k + 1 < n) run[k] = net.line_run_time_s[dir == 0 ? i + 1 : i];
            }
        }
        std::stable_sort(pending.begin(), pending.end(),
                         [](const Pending& a, const Pending& c) { return a.first_depart_s < c.first_depart_s; });
        const auto route_begin = static_cast<std::uint32_t>(sc.trip_route.size());
        for (const auto& p : pending) {
            const auto trip = static_cast<std::uint32_t>(sc.trip_route.size());
            sc.trip_route.push_back(r);
            sc.trip_source.push_back(p.source);
            if (p.source != invalid_index) {
                net_to_trip[p.source] = trip;
                const auto f = net.trip_first_time[p.source];
                sc.arrive_s.insert(sc.arrive_s.end(), net.trip_arrive_s.begin() + f, net.trip_arrive_s.begin() + f + n);
                sc.depart_s.insert(sc.depart_s.end(), net.trip_depart_s.begin() + f, net.trip_depart_s.begin() + f + n);
            } else {
                std::int32_t t = p.headway_dep_s;
                for (std::uint32_t k = 0; k < n; ++k) {
                    if (k > 0) t += run[k - 1];
                    sc.arrive_s.push_back(t);
                    t += dwell[k];
                    sc.depart_s.push_back(t);
                }
            }
            sc.trip_first_time.push_back(static_cast<std::uint32_t>(sc.arrive_s.size()));
            // No overtaking: the search takes the first trip it can catch as the first to arrive.
            // Checking each trip against the one before is enough (the order is transitive).
            if (trip > route_begin) {
                const auto prev = trip - 1;
                for (std::uint16_t k = 0; k < n; ++k)
                    if (sc.arrive(trip, k) < sc.arrive(prev, k) || sc.depart(trip, k) < sc.depart(prev, k)) {
                        auto name = [&](std::uint32_t st) {
                            return sc.trip_source[st] != invalid_index
                                       ? "'" + net.trip_ids[sc.trip_source[st]] + "'"
                                       : "departing at " + std::to_string(sc.depart(st, 0)) + " s";
                        };
                        throw schedule_error("line '" + net.line_ids[l] + "': trip " + name(trip) + " overtakes trip " +
                                             name(prev) + " at stop " + std::to_string(k + 1) + " of its direction " +
                                             std::to_string(dir) + " (its trips must keep their order at every stop)");
                    }
            }
        }
        sc.route_first_trip.push_back(static_cast<std::uint32_t>(sc.trip_route.size()));
    }

    // Blocks: a block's trips by first departure; the next one is boarded seated when it
    // starts where the previous ends, no earlier than it arrives.
    sc.trip_block_next.assign(sc.trip_count(), invalid_index);
    {
        std::vector<std::uint32_t> in_block;
        for (std::uint32_t t = 0; t < net.trip_count(); ++t)
            if (t < net.trip_block.size() && !net.trip_block[t].empty()) in_block.push_back(t);
        std::stable_sort(in_block.begin(), in_block.end(), [&](std::uint32_t a, std::uint32_t c) {
            if (net.trip_block[a] != net.trip_block[c]) return net.trip_block[a] < net.trip_block[c];
            return sc.depart(net_to_trip[a], 0) < sc.depart(net_to_trip[c], 0);
        });
        for (std::size_t i = 0; i + 1 < in_block.size(); ++i) {
            if (net.trip_block[in_block[i]] != net.trip_block[in_block[i + 1]]) continue;
            const auto a = net_to_trip[in_block[i]], c = net_to_trip[in_block[i + 1]];
            const auto last = static_cast<std::uint16_t>(sc.stop_count_of_route(sc.trip_route[a]) - 1);
            if (sc.stop_at(c, 0) == sc.stop_at(a, last) && sc.depart(c, 0) >= sc.arrive(a, last))
                sc.trip_block_next[a] = c;
        }
    }

    // Footpaths: a default-constructed set means none.
    if (footpaths.to.empty() && footpaths.first.size() <= 1) footpaths.first.assign(stops + 1, 0);
    if (footpaths.first.size() != stops + 1 || footpaths.first.back() != footpaths.to.size() ||
        footpaths.walk_s.size() != footpaths.to.size())
        throw std::invalid_argument("build_schedule: footpaths are not a CSR over the network's stops");
    sc.footpaths = std::move(footpaths);
    sc.params = params;

    // Transfer rules by from-stop, in the rows' order.
    const auto rules = static_cast<std::uint32_t>(net.rule_count());
    std::vector<RuleRow> rows;
    rows.reserve(rules);
    for (std::uint32_t i = 0; i < rules; ++i) {
        if (net.rule_from_stop[i] >= stops || net.rule_to_stop[i] >= stops)
            throw core::InputError({"transfers.csv"}, "rule " + std::to_string(i + 1) + ": no such stop");
        if ((net.rule_from_line[i] != invalid_index && net.rule_from_line[i] >= lines) ||
            (net.rule_to_line[i] != invalid_index && net.rule_to_line[i] >= lines))
            throw core::InputError({"transfers.csv"}, "rule " + std::to_string(i + 1) + ": no such line");
        if (net.rule_type[i] > 3)
            throw core::InputError({"transfers.csv"}, "rule " + std::to_string(i + 1) + ": transfer type must be 0..3");
        rows.push_back({net.rule_from_stop[i], net.rule_to_stop[i], net.rule_from_line[i], net.rule_to_line[i],
                        net.rule_type[i], net.rule_min_s[i]});
    }
    file_rules(sc, stops, rows);
    derive(sc);
    return sc;
}

Schedule reverse_schedule(const Schedule& sc) {
    Schedule rv;
    const auto stops = static_cast<std::uint32_t>(sc.stop_count());
    rv.route_line = sc.route_line;
    rv.route_direction = sc.route_direction;
    rv.route_first_rn = sc.route_first_rn;
    rv.route_first_stop = sc.route_first_stop;
    rv.route_first_trip = sc.route_first_trip;
    rv.route_stop.resize(sc.route_stop.size());
    for (std::uint32_t r = 0; r < sc.route_count(); ++r)
        std::reverse_copy(sc.route_stop.begin() + sc.route_first_stop[r],
                          sc.route_stop.begin() + sc.route_first_stop[r + 1],
                          rv.route_stop.begin() + sc.route_first_stop[r]);
    // Trips: a route's in reverse order (its last to arrive at its last stop leaves that stop
    // first backwards), each one's times from its last stop to its first, negated.
    const auto trips = static_cast<std::uint32_t>(sc.trip_count());
    rv.trip_route.resize(trips);
    rv.trip_source.resize(trips);
    rv.trip_first_time.assign(1, 0);
    rv.arrive_s.reserve(sc.arrive_s.size());
    rv.depart_s.reserve(sc.depart_s.size());
    for (std::uint32_t r = 0; r < sc.route_count(); ++r) {
        const std::uint32_t tb = sc.route_first_trip[r], te = sc.route_first_trip[r + 1];
        const std::uint16_t n = sc.stop_count_of_route(r);
        for (std::uint32_t i = tb; i < te; ++i) {
            const std::uint32_t t = tb + te - 1 - i;
            rv.trip_route[i] = r;
            rv.trip_source[i] = sc.trip_source[t];
            for (std::uint16_t q = 0; q < n; ++q) {
                const auto p = static_cast<std::uint16_t>(n - 1 - q);
                rv.arrive_s.push_back(-sc.depart(t, p));
                rv.depart_s.push_back(-sc.arrive(t, p));
            }
            rv.trip_first_time.push_back(static_cast<std::uint32_t>(rv.arrive_s.size()));
        }
    }
    // Blocks: where trip c continues trip a seated, the reversed a continues the reversed c.
    rv.trip_block_next.assign(trips, invalid_index);
    for (std::uint32_t a = 0; a < trips; ++a)
        if (sc.trip_block_next[a] != invalid_index)
            rv.trip_block_next[mirrored_trip(sc, sc.trip_block_next[a])] = mirrored_trip(sc, a);
    // Footpaths: the walks into each stop (the schedule's footpaths reversed).
    rv.footpaths.first = sc.stop_first_foot_in;
    rv.footpaths.to = sc.foot_in_from;
    rv.footpaths.walk_s = sc.foot_in_walk_s;
    rv.params = sc.params;
    // Rules from b on B to a on A, by from-stop b; rules of one stop pair keep their order.
    std::vector<RuleRow> rows;
    rows.reserve(sc.rule_to_stop.size());
    for (std::uint32_t from = 0; from < stops; ++from)
        for (std::uint32_t j = sc.stop_first_rule[from]; j < sc.stop_first_rule[from + 1]; ++j)
            rows.push_back({sc.rule_to_stop[j], from, sc.rule_to_line[j], sc.rule_from_line[j], sc.rule_type[j],
                            sc.rule_min_s[j]});
    file_rules(rv, stops, rows);
    derive(rv);
    return rv;
}

std::size_t reversed_time_index(const Schedule& sc, std::uint32_t trip, std::uint16_t pos) {
    // Trips keep their route's range of numbers and so their times' place (a route's trips
    // all have its stop count of times).
    return sc.trip_first_time[mirrored_trip(sc, trip)] + (sc.stop_count_of_route(sc.trip_route[trip]) - 1u - pos);
}

void journey_from_reversed(const Schedule& sc, const std::vector<StopTime>& egress, const Journey& rev, Journey& out) {
    out.rides.clear();
    out.transfer_walk_s.clear();
    const std::size_t m = rev.rides.size();
    for (std::size_t i = 0; i < m; ++i) {
        const Ride& b = rev.rides[m - 1 - i];
        const std::uint32_t t = mirrored_trip(sc, b.trip);
        const auto n = sc.stop_count_of_route(sc.trip_route[t]);
        const auto board = static_cast<std::uint16_t>(n - 1 - b.alight_pos);
        const auto alight = static_cast<std::uint16_t>(n - 1 - b.board_pos);
        // Seated: the reversed ride after this one (in the reversed order) continued it.
        const bool seated = i > 0 && rev.rides[m - i].seated;
        out.rides.push_back(Ride{t, board, alight, sc.depart(t, board), sc.arrive(t, alight), seated});
    }
    out.transfer_walk_s.assign(rev.transfer_walk_s.rbegin(), rev.transfer_walk_s.rend());
    out.access = rev.egress;
    out.egress = rev.access;
    out.depart_s = -rev.arrive_s;
    out.arrive_s = out.rides.empty() ? no_time : out.rides.back().alight_s + egress[out.egress].offset_s;
}

// ---------------------------------------------------------------------------------------------

Raptor::Raptor(const Schedule& schedule, const RaptorParams& params) : m_schedule(schedule), m_params(params) {
    // Labels keep their round in a byte.
    if (params.max_rides < 1 || params.max_rides > 254)
        throw std::invalid_argument("RaptorParams::max_rides must be in 1..254");
    m_rounds = static_cast<std::uint32_t>(params.max_rides) + 1;
    const std::size_t stops = schedule.stop_count();
    m_arr.assign(m_rounds * stops, no_time);
    m_arr_label.assign(m_rounds * stops, invalid_index);
    m_ready.assign(m_rounds * stops, no_time);
    m_ready_src.assign(m_rounds * stops, Source{invalid_index, invalid_index, 0});
    m_stop_last_label.assign(stops, invalid_index);
    m_changed.resize(m_rounds);
    for (auto& c : m_changed) c.reserve(stops);
    m_is_changed.assign(m_rounds * stops, 0);
    m_is_marked.assign(stops, 0);
    m_is_improved.assign(stops, 0);
    m_route_start.assign(schedule.route_count(), no_pos);
    m_marked.reserve(stops);
    m_improved.reserve(stops);
    m_routes.reserve(schedule.route_count());
}

void Raptor::reset() {
    // Only the times need clearing: a label or source is read only where its time is set.
    std::fill(m_arr.begin(), m_arr.end(), no_time);
    std::fill(m_ready.begin(), m_ready.end(), no_time);
    m_arena.clear();
    std::fill(m_stop_last_label.begin(), m_stop_last_label.end(), invalid_index);
    for (const auto s : m_marked) m_is_marked[s] = 0;
    m_marked.clear();
}

void Raptor::mark(std::uint32_t stop) {
    if (!m_is_marked[stop]) {
        m_is_marked[stop] = 1;
        m_marked.push_back(stop);
    }
}

void Raptor::touch(std::uint32_t round, std::uint32_t stop) {
    const std::size_t i = round * m_schedule.stop_count() + stop;
    if (!m_is_changed[i]) {
        m_is_changed[i] = 1;
        m_changed[round].push_back(stop);
    }
}

void Raptor::carry(std::uint32_t round) {
    // At most `round` rides includes at most round - 1: the labels that changed there in this
    // iteration are copied where better (the others were copied before, or in an iteration of
    // a later departure), so a round costs what it changes, not the number of stops.
    const std::size_t stops = m_schedule.stop_count();
    const std::size_t prev = (round - 1) * stops, cur = round * stops;
    for (const auto s : m_changed[round - 1]) {
        bool changed = false;
        if (m_arr[prev + s] < m_arr[cur + s]) {
            m_arr[cur + s] = m_arr[prev + s];
            m_arr_label[cur + s] = m_arr_label[prev + s];
            changed = true;
        }
        if (m_ready[prev + s] < m_ready[cur + s]) {
            m_ready[cur + s] = m_ready[prev + s];
            m_ready_src[cur + s] = m_ready_src[prev + s];
            changed = true;
        }
        if (changed) touch(round, s);
    }
}

void Raptor::improve_arrival(std::uint32_t round, std::uint32_t stop, const Label& label) {
    touch(round, stop);
    const std::size_t i = round * m_schedule.stop_count() + stop;
    m_arr[i] = label.arrive_s;
    const auto id = static_cast<std::uint32_t>(m_arena.size());
    m_arr_label[i] = id;
    m_arena.push_back(label);
    m_arena.back().prev_at_stop = m_stop_last_label[stop];
    m_stop_last_label[stop] = id;
    if (!m_is_improved[stop]) {
        m_is_improved[stop] = 1;
        m_improved.push_back(stop);
    }
}

std::int32_t Raptor::ready_by_line(std::uint32_t stop, std::uint32_t round, std::uint32_t line, Source& src) const {
    // At a stop with line-specific rules the generic ready label holds only the access; a
    // transfer is worked out here from each arrival with at most `round` rides at the stop
    // itself and at the stops with a footpath into it, by the line of the trip that gave it.
    const auto& sc = m_schedule;
    const std::size_t base = round * sc.stop_count();
    std::int32_t best = m_ready[base + stop];
    src = m_ready_src[base + stop];
    auto consider = [&](std::uint32_t from, std::int32_t walk) {
        const auto a = m_arr[base + from];
        if (a == no_time) return;
        const auto label = m_arr_label[base + from];
        const auto tr = sc.transfer_s(from, stop, sc.trip_line(m_arena[label].trip), line, walk);
        if (tr == no_time || a + tr >= best) return;
        best = a + tr;
        src = Source{label, invalid_index, walk};
    };
    consider(stop, 0);
    for (std::uint32_t j = sc.stop_first_foot_in[stop]; j < sc.stop_first_foot_in[stop + 1]; ++j)
        consider(sc.foot_in_from[j], sc.foot_in_walk_s[j]);
    return best;
}

void Raptor::scan_route(std::uint32_t route, std::uint16_t start, std::uint32_t round) {
    const auto& sc = m_schedule;
    const std::size_t stops = sc.stop_count();
    const std::size_t prev = (round - 1) * stops, cur = round * stops;
    const std::uint16_t n = sc.stop_count_of_route(route);
    const std::uint32_t first_stop = sc.route_first_stop[route];
    const std::uint32_t tb = sc.route_first_trip[route], te = sc.route_first_trip[route + 1];
    const std::uint32_t line = sc.route_line[route];

    std::uint32_t trip = invalid_index;
    std::uint16_t board_pos = 0;
    Source src{};
    // The latest time of leaving the origin that still makes the boarding held (`leave`): from
    // an access stop, the trip's departure there less the access time; after a ride, the first
    // boarding's. A trip held is boarded again further on where that is later, as a profile
    // search (run_range) would find it: a trip that passes the stop nearest the origin is not
    // boarded after a long walk to an earlier stop of its route. Arrivals do not change.
    std::int32_t leave = 0;
    const auto leave_from = [&](const Source& from, std::int32_t ready, std::uint32_t t, std::uint16_t p) {
        return from.parent == invalid_index ? sc.depart(t, p) - (ready - m_dep_s) : m_arena[from.parent].leave_s;
    };
    const auto boardable = [&](std::uint32_t t, std::uint16_t p) {
        return !m_no_board || !m_no_board[sc.trip_first_time[t] + p];
    };
    const auto alightable = [&](std::uint32_t t, std::uint16_t p) {
        return !m_no_alight || !m_no_alight[sc.trip_first_time[t] + p];
    };
    const auto within = [&](std::uint32_t s, std::int32_t a) { return !m_arr_bound || a <= m_arr_bound[s]; };
    for (std::uint16_t p = start; p < n; ++p) {
        const std::uint32_t s = sc.route_stop[first_stop + p];
        if (trip != invalid_index) {
            const auto a = sc.arrive(trip, p);
            if (a < m_arr[cur + s] && within(s, a) && alightable(trip, p))
                improve_arrival(round, s,
                                Label{m_dep_s, leave, a, src.walk_s, s, trip, trip, src.parent, src.access,
                                      invalid_index, board_pos, p, static_cast<std::uint8_t>(round)});
        }
        if (p + 1 == n) break;
        Source here;
        std::int32_t ready;
        if (sc.stop_line_rules[s]) {
            ready = ready_by_line(s, round - 1, line, here);
        } else {
            ready = m_ready[prev + s];
            here = m_ready_src[prev + s];
        }
        if (ready == no_time) continue;
        if (trip != invalid_index) {
            if (ready > sc.depart(trip, p)) continue;
            const auto later = leave_from(here, ready, trip, p);
            if (later > leave && boardable(trip, p)) {
                board_pos = p;
                src = here;
                leave = later;
            }
        }
        // The earliest trip departing here at or after `ready`: trips are FIFO, so it is found
        // by binary search, among the trips before the one held when there is one (and only
        // when the one just before it can be caught, which is rare after the first boarding).
        std::uint32_t lo = tb, hi = te;
        if (trip != invalid_index) {
            if (trip == tb || sc.depart(trip - 1, p) < ready) continue;
            hi = trip - 1;
        }
        while (lo < hi) {
            const std::uint32_t mid = lo + (hi - lo) / 2;
            if (sc.depart(mid, p) < ready)
                lo = mid + 1;
            else
                hi = mid;
        }
        // Departures that cannot be boarded here are passed over for the next one (never
        // beyond the trip held: staying on it is as good).
        if (m_no_board) {
            const std::uint32_t limit = trip != invalid_index ? trip : te;
            while (lo < limit && !boardable(lo, p)) ++lo;
            if (lo == limit) continue;
        }
        if (lo == te) continue;
        trip = lo;
        board_pos = p;
        src = here;
        leave = leave_from(here, ready, trip, p);
    }
    if (trip == invalid_index || !sc.route_block_next[route]) return;
    // Staying seated: a block's next trip carries the rider on in the same round. Any later
    // trip of the route could have been boarded too; those whose riders reach the last stop
    // before one off the trip held could change there are followed as well (later ones are
    // as well reached by changing, in the next round).
    const std::uint16_t last = n - 1;
    const std::uint32_t last_stop = sc.route_stop[first_stop + last];
    const std::int32_t change_s = sc.stop_line_rules[last_stop] ? no_time : sc.stop_same_ready_s[last_stop];
    const std::int32_t held_arrive = sc.arrive(trip, last);
    for (std::uint32_t t = trip; t < te; ++t) {
        if (t > trip && change_s != no_time && sc.arrive(t, last) >= held_arrive + change_s) break;
        for (std::uint32_t next = sc.trip_block_next[t]; next != invalid_index; next = sc.trip_block_next[next]) {
            const std::uint16_t n2 = sc.stop_count_of_route(sc.trip_route[next]);
            for (std::uint16_t p = 1; p < n2; ++p) {
                const auto s = sc.stop_at(next, p);
                const auto a = sc.arrive(next, p);
                if (a < m_arr[cur + s] && within(s, a) && alightable(next, p))
                    improve_arrival(round, s,
                                    Label{m_dep_s, leave, a, src.walk_s, s, next, t, src.parent, src.access,
                                          invalid_index, board_pos, p, static_cast<std::uint8_t>(round)});
            }
        }
    }
}

void Raptor::iterate(const std::vector<StopTime>& access, std::int32_t dep_s) {
    const auto& sc = m_schedule;
    const std::size_t stops = sc.stop_count();
    m_dep_s = dep_s;
    for (std::uint32_t i = 0; i < access.size(); ++i) {
        const auto s = access[i].stop;
        const auto t = dep_s + access[i].offset_s;
        if (t < m_ready[s] && (!m_ready_bound || t <= m_ready_bound[s])) {
            m_ready[s] = t;
            m_ready_src[s] = Source{invalid_index, i, 0};
            touch(0, s);
            mark(s);
        }
    }
    std::uint32_t k = 1;
    for (; k < m_rounds && !m_marked.empty(); ++k) {
        const std::size_t cur = k * stops;
        carry(k);
        // Routes through the marked stops, each from its first marked position.
        for (const auto s : m_marked) {
            m_is_marked[s] = 0;
            for (std::uint32_t v = sc.stop_first_visit[s]; v < sc.stop_first_visit[s + 1]; ++v) {
                const auto r = sc.visit_route[v];
                if (m_route_start[r] == no_pos) m_routes.push_back(r);
                m_route_start[r] = std::min(m_route_start[r], sc.visit_pos[v]);
            }
        }
        m_marked.clear();
        // In route order, so that ties between routes resolve the same way whatever the marks.
        std::sort(m_routes.begin(), m_routes.end());
        for (const auto r : m_routes) {
            scan_route(r, m_route_start[r], k);
            m_route_start[r] = no_pos;
        }
        m_routes.clear();
        // Transfers from the stops reached in this round: the stop itself and its footpaths.
        for (const auto x : m_improved) {
            m_is_improved[x] = 0;
            const auto a = m_arr[cur + x];
            const auto label = m_arr_label[cur + x];
            auto relax = [&](std::uint32_t y, std::int32_t tr, std::int32_t walk) {
                if (sc.stop_line_rules[y]) {
                    mark(y);  // its ready time depends on the line boarded (ready_by_line)
                    return;
                }
                if (tr == no_time || a + tr >= m_ready[cur + y]) return;
                if (m_ready_bound && a + tr > m_ready_bound[y]) return;
                m_ready[cur + y] = a + tr;
                m_ready_src[cur + y] = Source{label, invalid_index, walk};
                touch(k, y);
                mark(y);
            };
            relax(x, sc.stop_same_ready_s[x], 0);
            for (std::uint32_t e = sc.footpaths.first[x]; e < sc.footpaths.first[x + 1]; ++e)
                relax(sc.footpaths.to[e], sc.foot_ready_s[e], sc.footpaths.walk_s[e]);
        }
        m_improved.clear();
    }
    // The rounds not run still take what this iteration found, so that every round holds at
    // most its number of rides for the next iteration and for arrival().
    for (; k < m_rounds; ++k) carry(k);
    for (std::uint32_t r = 0; r < m_rounds; ++r) {
        for (const auto s : m_changed[r]) m_is_changed[r * stops + s] = 0;
        m_changed[r].clear();
    }
    for (const auto s : m_marked) m_is_marked[s] = 0;
    m_marked.clear();
}

void Raptor::run(const std::vector<StopTime>& access, std::int32_t dep_s) {
    reset();
    iterate(access, dep_s);
}

void Raptor::iterate_all(const std::vector<StopTime>& access) {
    auto& deps = m_departures;
    std::sort(deps.begin(), deps.end(), std::greater<>());
    deps.erase(std::unique(deps.begin(), deps.end()), deps.end());
    for (const auto d : deps) iterate(access, d);
}

void Raptor::run_at(const std::vector<StopTime>& access, const std::vector<std::int32_t>& times) {
    reset();
    m_departures.assign(times.begin(), times.end());
    iterate_all(access);
}

void Raptor::run_range(const std::vector<StopTime>& access, std::int32_t from_s, std::int32_t to_s) {
    reset();
    // The leaving times that catch a trip exactly at an access stop, latest first; labels are
    // kept from one to the next, so an earlier departure only records what it improves.
    const auto& sc = m_schedule;
    std::vector<std::int32_t>& deps = m_departures;
    deps.clear();
    for (const auto& a : access)
        for (std::uint32_t v = sc.stop_first_visit[a.stop]; v < sc.stop_first_visit[a.stop + 1]; ++v) {
            const auto r = sc.visit_route[v];
            const auto p = sc.visit_pos[v];
            if (p + 1 == sc.stop_count_of_route(r)) continue;
            for (std::uint32_t t = sc.route_first_trip[r]; t < sc.route_first_trip[r + 1]; ++t) {
                const auto d = sc.depart(t, p) - a.offset_s;
                if (d >= from_s && d < to_s) deps.push_back(d);
            }
        }
    iterate_all(access);
}

std::int32_t Raptor::arrival(std::uint32_t stop, int rides) const {
    if (rides < 0) return no_time;
    // Every round holds at most its number of rides (iterate carries them up to the last).
    const auto k = std::min(static_cast<std::uint32_t>(rides), m_rounds - 1);
    return m_arr[k * m_schedule.stop_count() + stop];
}

bool Raptor::reversed_bounds(std::vector<std::int32_t>& arrive, std::vector<std::int32_t>& ready) const {
    if (m_schedule.any_line_rules) return false;
    // The last round holds the earliest of all (every round carries its arrivals up).
    const std::size_t stops = m_schedule.stop_count();
    const std::size_t last = (m_rounds - 1) * stops;
    constexpr auto none = std::numeric_limits<std::int32_t>::min();
    arrive.resize(stops);
    ready.resize(stops);
    for (std::size_t s = 0; s < stops; ++s) {
        arrive[s] = m_ready[last + s] == no_time ? none : -m_ready[last + s];
        ready[s] = m_arr[last + s] == no_time ? none : -m_arr[last + s];
    }
    return true;
}

void pareto_journeys(const std::vector<JourneyCandidate>& cands, std::vector<std::uint64_t>& keys,
                     std::vector<std::int32_t>& best_depart, std::vector<JourneyCandidate>& kept) {
    kept.clear();
    const std::size_t n = cands.size();
    if (n == 0) return;
    // Anchors, per number of transfers (up to 15): the candidate arriving first (of those, the
    // one leaving latest) and the one leaving latest (of those, the one arriving first). A
    // candidate that an anchor with no more transfers beats on arrival and matches on leaving
    // comes after the anchor in the order and is dominated by it, so it is not kept; without it
    // every other candidate is kept or not as before (what it dominates, the anchor dominates
    // too). Only the others are sorted, whichever way below.
    constexpr std::uint32_t anchored = 16;
    struct Anchor {
        std::int32_t arrive_s = std::numeric_limits<std::int32_t>::max();
        std::int32_t depart_s = std::numeric_limits<std::int32_t>::min();
    };
    std::array<Anchor, anchored> first_in{}, last_out{};
    std::int64_t min_arrive = cands[0].arrive_s, max_arrive = min_arrive;
    std::int64_t min_depart = cands[0].depart_s, max_depart = min_depart;
    std::uint32_t max_transfers = 0;
    for (const auto& c : cands) {
        min_arrive = std::min<std::int64_t>(min_arrive, c.arrive_s);
        max_arrive = std::max<std::int64_t>(max_arrive, c.arrive_s);
        min_depart = std::min<std::int64_t>(min_depart, c.depart_s);
        max_depart = std::max<std::int64_t>(max_depart, c.depart_s);
        max_transfers = std::max(max_transfers, c.transfers);
        if (c.transfers >= anchored) continue;
        auto& a = first_in[c.transfers];
        if (c.arrive_s < a.arrive_s || (c.arrive_s == a.arrive_s && c.depart_s > a.depart_s))
            a = {c.arrive_s, c.depart_s};
        auto& b = last_out[c.transfers];
        if (c.depart_s > b.depart_s || (c.depart_s == b.depart_s && c.arrive_s < b.arrive_s))
            b = {c.arrive_s, c.depart_s};
    }
    const auto beaten = [&](const JourneyCandidate& c) {
        for (std::uint32_t t = 0; t <= std::min(c.transfers, anchored - 1); ++t)
            if ((first_in[t].depart_s >= c.depart_s && first_in[t].arrive_s < c.arrive_s) ||
                (last_out[t].depart_s >= c.depart_s && last_out[t].arrive_s < c.arrive_s))
                return true;
        return false;
    };
    // The order as 64-bit keys, where the fields fit (they do for a day's seconds): arrival
    // (20 bits, from the least), transfers (4), leaving latest first (20), the candidate's
    // position (20); keys equal but for the position are ordered by label and egress after
    // the sort. The same order as the comparator below, with cheaper comparisons.
    constexpr std::int64_t field = std::int64_t{1} << 20;
    constexpr std::uint64_t position_mask = (std::uint64_t{1} << 20) - 1;
    const auto label_egress = [](const JourneyCandidate& a, const JourneyCandidate& b) {
        return a.label != b.label ? a.label < b.label : a.egress < b.egress;
    };
    keys.clear();
    for (std::size_t i = 0; i < n; ++i)
        if (!beaten(cands[i])) keys.push_back(i);
    const std::size_t m = keys.size();
    if (m <= position_mask && max_arrive - min_arrive < field && max_depart - min_depart < field &&
        max_transfers < anchored) {
        for (auto& k : keys) {
            const auto& c = cands[k];
            k |= static_cast<std::uint64_t>(c.arrive_s - min_arrive) << 44 |
                 static_cast<std::uint64_t>(c.transfers) << 40 |
                 static_cast<std::uint64_t>(max_depart - c.depart_s) << 20;
        }
        std::sort(keys.begin(), keys.end());
        for (std::size_t i = 0; i < m;) {
            std::size_t j = i + 1;
            while (j < m && keys[j] >> 20 == keys[i] >> 20) ++j;
            if (j - i > 1)
                std::sort(keys.begin() + static_cast<std::ptrdiff_t>(i), keys.begin() + static_cast<std::ptrdiff_t>(j),
                          [&](std::uint64_t a, std::uint64_t b) {
                              return label_egress(cands[a & position_mask], cands[b & position_mask]);
                          });
            i = j;
        }
        for (auto& k : keys) k &= position_mask;
    } else {
        std::sort(keys.begin(), keys.end(), [&](std::uint64_t x, std::uint64_t y) {
            const auto& a = cands[x];
            const auto& b = cands[y];
            if (a.arrive_s != b.arrive_s) return a.arrive_s < b.arrive_s;
            if (a.transfers != b.transfers) return a.transfers < b.transfers;
            if (a.depart_s != b.depart_s) return a.depart_s > b.depart_s;
            return label_egress(a, b);
        });
    }
    // Each kept one comes before the next candidate: that one is dominated when a kept one with
    // no more transfers leaves no earlier, i.e. when the latest leaving of those kept with at
    // most its transfers (best_depart, by transfers) is no earlier than its own.
    best_depart.assign(static_cast<std::size_t>(max_transfers) + 1, std::numeric_limits<std::int32_t>::min());
    for (const auto k : keys) {
        const auto& c = cands[k];
        if (best_depart[c.transfers] >= c.depart_s) continue;
        kept.push_back(c);
        for (std::size_t t = c.transfers; t < best_depart.size(); ++t)
            best_depart[t] = std::max(best_depart[t], c.depart_s);
    }
}

void Raptor::journeys(const std::vector<StopTime>& egress, std::int32_t earliest_s, std::int32_t latest_s,
                      std::vector<Journey>& out) const {
    const auto& sc = m_schedule;
    // Every label at an egress stop leaving in the window is a candidate.
    auto& cands = m_candidates;
    cands.clear();
    // A stop's labels, newest first, leave no earlier than the ones after them (a profile's
    // iterations run from the latest departure to the earliest): past latest_s the rest do too.
    for (std::uint32_t e = 0; e < egress.size(); ++e)
        for (auto i = m_stop_last_label[egress[e].stop]; i != invalid_index; i = m_arena[i].prev_at_stop) {
            const auto& L = m_arena[i];
            if (L.dep_s > latest_s) break;
            if (L.dep_s >= earliest_s) cands.push_back({L.dep_s, L.arrive_s + egress[e].offset_s, L.round - 1u, i, e});
        }
    auto& kept = m_kept;
    pareto_journeys(cands, m_candidate_keys, m_best_depart, kept);
    // The journeys of `out` are reused (their vectors keep their capacity).
    out.resize(kept.size());
    auto& chain = m_chain;
    for (std::size_t k = 0; k < kept.size(); ++k) {
        const auto& c = kept[k];
        Journey& j = out[k];
        j.depart_s = c.depart_s;
        j.arrive_s = c.arrive_s;
        j.egress = c.egress;
        j.rides.clear();
        j.transfer_walk_s.clear();
        // Back from the last label: each label's rides (a chain of seated trips from its
        // boarding), then the walk to its boarding from the label before.
        for (std::uint32_t i = c.label;;) {
            const auto& L = m_arena[i];
            chain.clear();
            for (auto t = L.board_trip; t != L.trip; t = sc.trip_block_next[t]) chain.push_back(t);
            chain.push_back(L.trip);
            for (std::size_t q = chain.size(); q-- > 0;) {
                const auto t = chain[q];
                const auto b = q == 0 ? L.board_pos : std::uint16_t{0};
                const auto a = q + 1 == chain.size()
                                   ? L.alight_pos
                                   : static_cast<std::uint16_t>(sc.stop_count_of_route(sc.trip_route[t]) - 1);
                j.rides.push_back(Ride{t, b, a, sc.depart(t, b), sc.arrive(t, a), q > 0});
                if (q > 0) j.transfer_walk_s.push_back(0);
            }
            if (L.parent == invalid_index) {
                j.access = L.access;
                break;
            }
            j.transfer_walk_s.push_back(L.walk_s);
            i = L.parent;
        }
        std::reverse(j.rides.begin(), j.rides.end());
        std::reverse(j.transfer_walk_s.begin(), j.transfer_walk_s.end());
    }
}

}  // namespace flemsim::routing
