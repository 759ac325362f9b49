#include "sim/routing/transit.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <map>

#include "sim/core/types.hpp"
#include "sim/routing/dijkstra.hpp"

namespace flemsim::routing {

using core::invalid_index;
using network::Network;

TransitModel::TransitModel(const Network& net, const StreetGraph& walk, const TransitParams& params)
    : m_net(net), m_walk(walk), m_params(params) {
    // Periods: every break of any headway interval starts one.
    m_period_start.push_back(0);
    for (std::size_t i = 0; i < net.headway_s.size(); ++i) {
        m_period_start.push_back(net.headway_from_s[i]);
        m_period_start.push_back(net.headway_to_s[i]);
    }
    std::sort(m_period_start.begin(), m_period_start.end());
    m_period_start.erase(std::unique(m_period_start.begin(), m_period_start.end()), m_period_start.end());
    const std::size_t periods = m_period_start.size();

    // Route nodes, direction 0 (as authored) then direction 1 (reversed) for each line.
    std::vector<std::vector<std::uint32_t>> board_at(net.stop_count());
    for (std::uint32_t l = 0; l < net.line_count(); ++l) {
        m_line_first_rn.push_back(static_cast<std::uint32_t>(m_rn_line.size()));
        const std::uint32_t b = net.line_first_stop[l], e = net.line_first_stop[l + 1];
        const std::uint32_t n = e - b;
        for (std::uint8_t dir = 0; dir < 2; ++dir) {
            for (std::uint32_t k = 0; k < n; ++k) {
                const std::uint32_t i = dir == 0 ? b + k : e - 1 - k;  // index into line_stop
                const auto rn = static_cast<std::uint32_t>(m_rn_line.size());
                m_rn_line.push_back(l);
                m_rn_dir.push_back(dir);
                m_rn_pos.push_back(static_cast<std::uint16_t>(k));
                m_rn_stop.push_back(net.line_stop[i]);
                if (k + 1 < n) {
                    const std::uint32_t next = dir == 0 ? i + 1 : i - 1;
                    // Run time between i and next is stored at the later stop of direction 0.
                    const double run = net.line_run_time_s[dir == 0 ? next : i];
                    const double dwell = k > 0 ? net.line_dwell_s[i] : 0.0;
                    m_rn_sched_ride_s.push_back(run + dwell);
                    const auto a = net.stop_node[net.line_stop[i]], c = net.stop_node[net.line_stop[next]];
                    m_rn_ride_m.push_back(
                        std::hypot(net.node_x_m[a] - net.node_x_m[c], net.node_y_m[a] - net.node_y_m[c]));
                    // A one-way line keeps its reversed route nodes (numbering stays regular)
                    // but nobody can board them.
                    if (dir == 0 || l >= net.line_both_ways.size() || net.line_both_ways[l])
                        board_at[net.line_stop[i]].push_back(rn);
                } else {
                    m_rn_sched_ride_s.push_back(-1);
                    m_rn_ride_m.push_back(-1);
                }
            }
        }
    }
    m_stop_first_board.push_back(0);
    for (const auto& v : board_at) {
        m_board_rn.insert(m_board_rn.end(), v.begin(), v.end());
        m_stop_first_board.push_back(static_cast<std::uint32_t>(m_board_rn.size()));
    }

    const std::size_t rns = m_rn_line.size();
    m_ride_s.assign(rns * periods, -1.0);
    m_sched_wait_s.assign(rns * periods, -1.0);
    for (std::uint32_t rn = 0; rn < rns; ++rn)
        for (std::size_t p = 0; p < periods; ++p) {
            m_ride_s[rn * periods + p] = m_rn_sched_ride_s[rn];
            const auto h = net.headway_at(m_rn_line[rn], m_period_start[p]);
            if (h > 0 && m_rn_sched_ride_s[rn] >= 0)
                m_sched_wait_s[rn * periods + p] = std::min(params.wait_factor * h, params.max_wait_s);
        }
    m_wait_s = m_sched_wait_s;

    // The reverse of every walk arc (walk links are usable both ways).
    {
        std::map<std::tuple<std::uint32_t, std::uint32_t, std::uint32_t>, std::uint32_t> by_ends;
        for (std::uint32_t u = 0; u < walk.node_count(); ++u)
            for (std::uint32_t a = walk.first_out[u]; a < walk.first_out[u + 1]; ++a)
                by_ends.emplace(std::make_tuple(u, walk.head[a], walk.link[a]), a);
        m_reverse_arc.assign(walk.arc_count(), invalid_index);
        for (std::uint32_t u = 0; u < walk.node_count(); ++u)
            for (std::uint32_t a = walk.first_out[u]; a < walk.first_out[u + 1]; ++a) {
                const auto it = by_ends.find(std::make_tuple(walk.head[a], u, walk.link[a]));
                if (it != by_ends.end()) m_reverse_arc[a] = it->second;
            }
    }

    // Walk trees from every stop: transfers, near stops of every node, paths.
    std::vector<std::vector<NearStop>> near(net.node_count());
    ShortestPathTree tree(walk);
    m_stop_parent.assign(net.stop_count() * net.node_count(), invalid_index);
    m_stop_first_transfer.push_back(0);
    for (std::uint32_t s = 0; s < net.stop_count(); ++s) {
        tree.run(net.stop_node[s]);
        for (std::uint32_t t = 0; t < net.stop_count(); ++t) {
            const auto node = net.stop_node[t];
            if (!tree.reached(node) || tree.length_m(node) > params.max_transfer_walk_m) continue;
            m_transfer_to.push_back(t);
            m_transfer_s.push_back(tree.time_s(node));
            m_transfer_m.push_back(tree.length_m(node));
        }
        m_stop_first_transfer.push_back(static_cast<std::uint32_t>(m_transfer_to.size()));
        for (std::uint32_t n = 0; n < net.node_count(); ++n) {
            if (!tree.reached(n)) continue;
            m_stop_parent[static_cast<std::size_t>(s) * net.node_count() + n] = tree.parent_arc(n);
            if (tree.length_m(n) <= params.max_access_walk_m) near[n].push_back({s, tree.time_s(n), tree.length_m(n)});
        }
    }
    m_node_first_near.push_back(0);
    for (const auto& v : near) {
        m_near.insert(m_near.end(), v.begin(), v.end());
        m_node_first_near.push_back(static_cast<std::uint32_t>(m_near.size()));
    }
}

std::size_t TransitModel::period_of(std::int32_t time_s) const {
    const auto it = std::upper_bound(m_period_start.begin(), m_period_start.end(), time_s);
    return it == m_period_start.begin() ? 0 : static_cast<std::size_t>(it - m_period_start.begin()) - 1;
}

std::uint32_t TransitModel::first_route_node(std::uint32_t line, int direction) const {
    const std::uint32_t n = m_net.line_first_stop[line + 1] - m_net.line_first_stop[line];
    return m_line_first_rn[line] + (direction == 0 ? 0 : n);
}

void TransitModel::set_experienced(const std::vector<double>& ride_s, const std::vector<double>& wait_s) {
    assert(ride_s.size() == m_ride_s.size() && wait_s.size() == m_wait_s.size());
    for (std::size_t i = 0; i < m_ride_s.size(); ++i) {
        if (m_rn_sched_ride_s[i / period_count()] >= 0) m_ride_s[i] = ride_s[i];
        if (m_sched_wait_s[i] >= 0) m_wait_s[i] = wait_s[i];
    }
}

bool TransitModel::walk_path_from_stop(std::uint32_t stop, std::uint32_t node, std::vector<std::uint32_t>& arcs) const {
    const std::uint32_t* parent = m_stop_parent.data() + static_cast<std::size_t>(stop) * m_net.node_count();
    const std::uint32_t root = m_net.stop_node[stop];
    const std::size_t begin = arcs.size();
    for (std::uint32_t n = node; n != root;) {
        const std::uint32_t a = parent[n];
        if (a == invalid_index) {
            arcs.resize(begin);
            return false;
        }
        arcs.push_back(a);
        n = m_walk.tail[a];
    }
    std::reverse(arcs.begin() + static_cast<std::ptrdiff_t>(begin), arcs.end());
    return true;
}

bool TransitModel::walk_path_to_stop(std::uint32_t node, std::uint32_t stop, std::vector<std::uint32_t>& arcs) const {
    const std::size_t begin = arcs.size();
    if (!walk_path_from_stop(stop, node, arcs)) return false;
    // Reverse the path and each arc.
    std::reverse(arcs.begin() + static_cast<std::ptrdiff_t>(begin), arcs.end());
    for (std::size_t i = begin; i < arcs.size(); ++i) arcs[i] = m_reverse_arc[arcs[i]];
    return true;
}

TransitQuery::TransitQuery(const TransitModel& model) : m_model(model), m_route_nodes(model.m_rn_line.size()) {
    const std::size_t n = m_route_nodes + model.m_net.stop_count();
    m_cost.resize(n);
    m_parent.resize(n);
    m_via.resize(n);
    m_via_walk_s.resize(n);
    m_via_walk_m.resize(n);
    m_via_stop.resize(n);
}

void TransitQuery::run(std::uint32_t origin_node, std::size_t period) {
    if (origin_node == m_origin && period == m_period) return;
    const TransitModel& m = m_model;
    const TransitParams& p = m.m_params;
    m_period = period;
    m_origin = origin_node;
    std::fill(m_cost.begin(), m_cost.end(), std::numeric_limits<double>::infinity());
    std::fill(m_via.begin(), m_via.end(), Via::none);
    m_heap.clear();
    const auto later = [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second > b.second);
    };
    const auto relax = [&](std::uint32_t v, double cost, std::uint32_t parent, Via via, double walk_s, double walk_m,
                           std::uint32_t stop) {
        if (!(cost < m_cost[v])) return;
        m_cost[v] = cost;
        m_parent[v] = parent;
        m_via[v] = via;
        m_via_walk_s[v] = walk_s;
        m_via_walk_m[v] = walk_m;
        m_via_stop[v] = stop;
        m_heap.emplace_back(cost, v);
        std::push_heap(m_heap.begin(), m_heap.end(), later);
    };

    for (const auto* ns = m.near_begin(origin_node); ns != m.near_end(origin_node); ++ns) {
        for (std::uint32_t i = m.m_stop_first_board[ns->stop]; i < m.m_stop_first_board[ns->stop + 1]; ++i) {
            const auto rn = m.m_board_rn[i];
            const double w = m.wait_s(rn, period);
            if (w < 0) continue;
            relax(rn, p.w_walk * ns->walk_s + p.w_wait * w, invalid_index, Via::access, ns->walk_s, ns->walk_m,
                  ns->stop);
        }
    }
    while (!m_heap.empty()) {
        std::pop_heap(m_heap.begin(), m_heap.end(), later);
        const auto [cost, u] = m_heap.back();
        m_heap.pop_back();
        if (cost > m_cost[u]) continue;
        if (u < m_route_nodes) {
            if (!m.rn_is_last(u)) relax(u + 1, cost + p.w_in_vehicle * m.ride_s(u, period), u, Via::ride, 0, 0, 0);
            // Alighting only after riding: boarding and leaving at the same stop is no ride.
            if (m_via[u] == Via::ride) {
                const auto alight = static_cast<std::uint32_t>(m_route_nodes + m.m_rn_stop[u]);
                relax(alight, cost, u, Via::alight, 0, 0, 0);
            }
        } else {
            const auto stop = static_cast<std::uint32_t>(u - m_route_nodes);
            for (std::uint32_t t = m.m_stop_first_transfer[stop]; t < m.m_stop_first_transfer[stop + 1]; ++t) {
                const auto to = m.m_transfer_to[t];
                const double walk_s = std::max(m.m_transfer_s[t], p.min_transfer_s);
                for (std::uint32_t i = m.m_stop_first_board[to]; i < m.m_stop_first_board[to + 1]; ++i) {
                    const auto rn = m.m_board_rn[i];
                    const double w = m.wait_s(rn, period);
                    if (w < 0) continue;
                    relax(rn, cost + p.w_walk * walk_s + p.w_wait * w + p.transfer_penalty, u, Via::transfer, walk_s,
                          m.m_transfer_m[t], to);
                }
            }
        }
    }
}

TransitPath TransitQuery::path_to(std::uint32_t dest_node, TransitItinerary* itinerary) const {
    const TransitModel& m = m_model;
    const TransitParams& p = m.m_params;
    TransitPath best;
    std::uint32_t best_stop = invalid_index;
    for (const auto* ns = m.near_begin(dest_node); ns != m.near_end(dest_node); ++ns) {
        const double c = m_cost[m_route_nodes + ns->stop] + p.w_walk * ns->walk_s;
        if (c < best.cost) {
            best.cost = c;
            best.egress_s = ns->walk_s;
            best.egress_m = ns->walk_m;
            best_stop = ns->stop;
        }
    }
    if (best_stop == invalid_index) return TransitPath{};
    best.found = true;
    best.last_stop = best_stop;
    if (itinerary) itinerary->rides.clear();
    // Walk back from the alight node to the access label.
    std::uint32_t u = static_cast<std::uint32_t>(m_route_nodes + best_stop);
    std::uint32_t alight_rn = invalid_index;
    bool last_line_set = false;
    std::uint32_t boardings = 0;
    while (true) {
        const Via via = m_via[u];
        if (u < m_route_nodes && !last_line_set) {
            best.last_line = m.m_rn_line[u];
            last_line_set = true;
        }
        if (via == Via::alight) alight_rn = m_parent[u];
        if (via == Via::ride) {
            best.in_vehicle_s += m.ride_s(u - 1, m_period);
            best.in_vehicle_m += m.rn_ride_m(u - 1);
        } else if (via == Via::access || via == Via::transfer) {
            ++boardings;
            best.wait_s += m.wait_s(u, m_period);
            best.first_line = m.m_rn_line[u];
            best.first_stop = m.m_rn_stop[u];
            if (itinerary) itinerary->rides.push_back({u, static_cast<std::uint16_t>(alight_rn - u)});
            if (via == Via::access) {
                best.access_s = m_via_walk_s[u];
                best.access_m = m_via_walk_m[u];
                break;
            }
            best.transfer_walk_s += m_via_walk_s[u];
            best.transfer_walk_m += m_via_walk_m[u];
        }
        u = m_parent[u];
    }
    if (itinerary) std::reverse(itinerary->rides.begin(), itinerary->rides.end());
    best.transfers = boardings - 1;
    return best;
}

}  // namespace flemsim::routing
