#include "sim/routing/transit.hpp"

#include <algorithm>
#include <cmath>
#include <functional>

#include "sim/core/ids.hpp"
#include "sim/routing/dijkstra.hpp"

namespace flemsim::routing {

using core::invalid_index;
using network::Network;

TransitModel::TransitModel(const Network& net, const StreetGraph& walk, const TransitParams& params)
    : m_net(net), m_params(params) {
    // Periods: every break of any headway interval starts one.
    m_period_start.push_back(0);
    for (std::size_t i = 0; i < net.headway_s.size(); ++i) {
        m_period_start.push_back(net.headway_from_s[i]);
        m_period_start.push_back(net.headway_to_s[i]);
    }
    std::sort(m_period_start.begin(), m_period_start.end());
    m_period_start.erase(std::unique(m_period_start.begin(), m_period_start.end()), m_period_start.end());

    // Route nodes, direction 0 (as authored) then direction 1 (reversed) for each line.
    std::vector<std::vector<std::uint32_t>> board_at(net.stop_count());
    for (std::uint32_t l = 0; l < net.line_count(); ++l) {
        const std::uint32_t b = net.line_first_stop[l], e = net.line_first_stop[l + 1];
        const std::uint32_t n = e - b;
        for (int dir = 0; dir < 2; ++dir) {
            for (std::uint32_t k = 0; k < n; ++k) {
                const std::uint32_t i = dir == 0 ? b + k : e - 1 - k;  // index into line_stop
                const auto rn = static_cast<std::uint32_t>(m_rn_line.size());
                m_rn_line.push_back(l);
                m_rn_stop.push_back(net.line_stop[i]);
                if (k + 1 < n) {
                    const std::uint32_t next = dir == 0 ? i + 1 : i - 1;
                    // Run time between i and next is stored at the later stop of direction 0.
                    const double run = net.line_run_time_s[dir == 0 ? next : i];
                    const double dwell = k > 0 ? net.line_dwell_s[i] : 0.0;
                    m_rn_ride_s.push_back(run + dwell);
                    const auto a = net.stop_node[net.line_stop[i]], c = net.stop_node[net.line_stop[next]];
                    m_rn_ride_m.push_back(
                        std::hypot(net.node_x_m[a] - net.node_x_m[c], net.node_y_m[a] - net.node_y_m[c]));
                    board_at[net.line_stop[i]].push_back(rn);
                } else {
                    m_rn_ride_s.push_back(-1);
                    m_rn_ride_m.push_back(0);
                }
            }
        }
    }
    m_stop_first_board.push_back(0);
    for (const auto& v : board_at) {
        m_board_rn.insert(m_board_rn.end(), v.begin(), v.end());
        m_stop_first_board.push_back(static_cast<std::uint32_t>(m_board_rn.size()));
    }

    m_wait_s.assign(net.line_count() * m_period_start.size(), -1.0);
    for (std::uint32_t l = 0; l < net.line_count(); ++l)
        for (std::size_t p = 0; p < m_period_start.size(); ++p) {
            const auto h = net.headway_at(l, m_period_start[p]);
            if (h > 0) m_wait_s[l * m_period_start.size() + p] = std::min(params.wait_factor * h, params.max_wait_s);
        }

    // Walk trees from every stop: transfers and near stops of every node.
    std::vector<std::vector<NearStop>> near(net.node_count());
    ShortestPathTree tree(walk);
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
        for (std::uint32_t n = 0; n < net.node_count(); ++n)
            if (tree.reached(n) && tree.length_m(n) <= params.max_access_walk_m)
                near[n].push_back({s, tree.time_s(n), tree.length_m(n)});
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
    const TransitModel& m = m_model;
    const TransitParams& p = m.m_params;
    const std::size_t periods = m.m_period_start.size();
    m_period = period;
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
    const auto wait_of = [&](std::uint32_t rn) { return m.m_wait_s[m.m_rn_line[rn] * periods + period]; };

    for (const auto* ns = m.near_begin(origin_node); ns != m.near_end(origin_node); ++ns) {
        for (std::uint32_t i = m.m_stop_first_board[ns->stop]; i < m.m_stop_first_board[ns->stop + 1]; ++i) {
            const auto rn = m.m_board_rn[i];
            const double w = wait_of(rn);
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
            if (m.m_rn_ride_s[u] >= 0) relax(u + 1, cost + p.w_in_vehicle * m.m_rn_ride_s[u], u, Via::ride, 0, 0, 0);
            const auto alight = static_cast<std::uint32_t>(m_route_nodes + m.m_rn_stop[u]);
            relax(alight, cost, u, Via::alight, 0, 0, 0);
        } else {
            const auto stop = static_cast<std::uint32_t>(u - m_route_nodes);
            for (std::uint32_t t = m.m_stop_first_transfer[stop]; t < m.m_stop_first_transfer[stop + 1]; ++t) {
                const auto to = m.m_transfer_to[t];
                const double walk_s = std::max(m.m_transfer_s[t], p.min_transfer_s);
                for (std::uint32_t i = m.m_stop_first_board[to]; i < m.m_stop_first_board[to + 1]; ++i) {
                    const auto rn = m.m_board_rn[i];
                    const double w = wait_of(rn);
                    if (w < 0) continue;
                    relax(rn, cost + p.w_walk * walk_s + p.w_wait * w + p.transfer_penalty, u, Via::transfer, walk_s,
                          m.m_transfer_m[t], to);
                }
            }
        }
    }
}

TransitPath TransitQuery::path_to(std::uint32_t dest_node) const {
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
    const std::size_t periods = m.m_period_start.size();
    // Walk back from the alight node to the access label.
    std::uint32_t u = static_cast<std::uint32_t>(m_route_nodes + best_stop);
    bool last_line_set = false;
    std::uint32_t boardings = 0;
    while (true) {
        const Via via = m_via[u];
        if (u < m_route_nodes && !last_line_set) {
            best.last_line = m.m_rn_line[u];
            last_line_set = true;
        }
        if (via == Via::ride) {
            best.in_vehicle_s += m.m_rn_ride_s[u - 1];
            best.in_vehicle_m += m.m_rn_ride_m[u - 1];
        } else if (via == Via::access || via == Via::transfer) {
            ++boardings;
            best.wait_s += m.m_wait_s[m.m_rn_line[u] * periods + m_period];
            best.first_line = m.m_rn_line[u];
            best.first_stop = m.m_rn_stop[u];
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
    best.transfers = boardings - 1;
    return best;
}

}  // namespace flemsim::routing
