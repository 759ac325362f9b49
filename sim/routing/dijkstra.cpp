#include "sim/routing/dijkstra.hpp"

#include <algorithm>

#include "sim/core/types.hpp"

namespace flemsim::routing {

ShortestPathTree::ShortestPathTree(const StreetGraph& graph)
    : m_graph(graph),
      m_time(graph.node_count(), unreachable),
      m_length(graph.node_count(), unreachable),
      m_parent(graph.node_count(), core::invalid_index),
      m_stamp(graph.node_count(), 0) {}

bool ShortestPathTree::path_to(std::uint32_t node, std::vector<std::uint32_t>& arcs) const {
    if (!reached(node)) return false;
    const std::size_t begin = arcs.size();
    for (std::uint32_t a = m_parent[node]; a != core::invalid_index; a = m_parent[m_graph.tail[a]]) arcs.push_back(a);
    std::reverse(arcs.begin() + static_cast<std::ptrdiff_t>(begin), arcs.end());
    return true;
}

std::uint32_t ShortestPathTree::parent_arc(std::uint32_t node) const {
    return m_stamp[node] == m_round ? m_parent[node] : core::invalid_index;
}

void ShortestPathTree::run_to(std::uint32_t source, const std::vector<std::uint32_t>& targets, const double* arc_time_s,
                              double max_time_s) {
    if (m_target_stamp.size() != m_stamp.size()) m_target_stamp.assign(m_stamp.size(), 0);
    // The round run() is about to start: targets are marked with it.
    const std::uint32_t round = m_round + 1 == 0 ? 1 : m_round + 1;
    std::size_t left = 0;
    for (const auto t : targets)
        if (m_target_stamp[t] != round) m_target_stamp[t] = round, ++left;
    run(source, max_time_s, arc_time_s, left);
}

void ShortestPathTree::run(std::uint32_t source, double max_time_s, const double* arc_time_s,
                           std::size_t targets_left) {
    if (++m_round == 0) {  // timestamp wrapped: clear once every 2^32 runs
        std::fill(m_stamp.begin(), m_stamp.end(), 0);
        std::fill(m_target_stamp.begin(), m_target_stamp.end(), 0);
        m_round = 1;
    }
    // Min-heap on (time, node): equal times settle in node order, so results do not depend
    // on heap internals.
    const auto later = [](const HeapItem& a, const HeapItem& b) {
        return a.time > b.time || (a.time == b.time && a.node > b.node);
    };
    m_heap.clear();
    m_touched.clear();
    if (m_keep_touched) m_touched.push_back(source);
    m_stamp[source] = m_round;
    m_time[source] = 0;
    m_length[source] = 0;
    m_parent[source] = core::invalid_index;
    m_heap.push_back({0.0, source});
    const auto& first_out = m_graph.first_out;
    const auto& head = m_graph.head;
    const double* arc_time = arc_time_s ? arc_time_s : m_graph.time_s.data();
    const auto& arc_len = m_graph.length_m;
    while (!m_heap.empty()) {
        std::pop_heap(m_heap.begin(), m_heap.end(), later);
        const HeapItem top = m_heap.back();
        m_heap.pop_back();
        const std::uint32_t u = top.node;
        if (top.time > m_time[u]) continue;  // stale entry
        if (top.time > max_time_s) break;
        if (targets_left > 0 && m_target_stamp[u] == m_round) {
            m_target_stamp[u] = 0;
            if (--targets_left == 0) break;
        }
        for (std::uint32_t a = first_out[u]; a < first_out[u + 1]; ++a) {
            const std::uint32_t v = head[a];
            const double t = top.time + arc_time[a];
            if (m_stamp[v] != m_round) {
                m_stamp[v] = m_round;
                m_time[v] = unreachable;
                if (m_keep_touched) m_touched.push_back(v);
            }
            if (t < m_time[v]) {
                m_time[v] = t;
                m_length[v] = m_length[u] + arc_len[a];
                m_parent[v] = a;
                m_heap.push_back({t, v});
                std::push_heap(m_heap.begin(), m_heap.end(), later);
            }
        }
    }
}

}  // namespace flemsim::routing
