#pragma once
// One-to-all shortest travel times on a StreetGraph. A query object owns its scratch
// (distances, timestamps, heap) and resets in O(1), so each thread keeps one and reuses it.
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/routing/street_graph.hpp"

namespace flemsim::routing {

inline constexpr double unreachable = std::numeric_limits<double>::infinity();

class ShortestPathTree {
public:
    explicit ShortestPathTree(const StreetGraph& graph);

    // Times from `source` to every node (ties broken by node id for determinism); stops
    // settling nodes beyond `max_time_s`. `arc_time_s`, when given, replaces the graph's
    // arc times (same arc numbering), e.g. with congested times of one hour.
    void run(std::uint32_t source, double max_time_s = unreachable, const double* arc_time_s = nullptr,
             std::size_t targets_left = 0);
    // As run(), but stops as soon as every node of `targets` is settled (the other times are
    // then upper bounds): what one-to-few queries need on a large network.
    // With `arc_time_s` and `max_time_s` as in run(). Every node settled before the stop has
    // the time, length and path a full run() gives it (the search is the same up to there).
    void run_to(std::uint32_t source, const std::vector<std::uint32_t>& targets, const double* arc_time_s = nullptr,
                double max_time_s = unreachable);

    // The arcs of the path to `node`, from the source, appended to `arcs`; false if unreached.
    bool path_to(std::uint32_t node, std::vector<std::uint32_t>& arcs) const;

    bool reached(std::uint32_t node) const { return m_stamp[node] == m_round && m_time[node] < unreachable; }
    double time_s(std::uint32_t node) const { return m_stamp[node] == m_round ? m_time[node] : unreachable; }
    // Length of the time-shortest path.
    double length_m(std::uint32_t node) const { return m_stamp[node] == m_round ? m_length[node] : unreachable; }
    // The arc by which `node` was reached (invalid_index at the source or when unreached).
    std::uint32_t parent_arc(std::uint32_t node) const;
    const StreetGraph& graph() const { return m_graph; }
    // With `on`, each run lists the nodes it touched (touched(): those with a time, final or
    // not, in the order first reached), so that a bounded search on a large network is read
    // back without a pass over every node. Off by default (no list kept).
    void keep_touched(bool on) {
        m_keep_touched = on;
        m_touched.clear();
    }
    const std::vector<std::uint32_t>& touched() const { return m_touched; }

private:
    struct HeapItem {
        double time;
        std::uint32_t node;
    };
    const StreetGraph& m_graph;
    std::vector<double> m_time;
    std::vector<double> m_length;
    std::vector<std::uint32_t> m_parent;
    std::vector<std::uint32_t> m_stamp;
    std::vector<std::uint32_t> m_target_stamp;  // == m_round: a target not yet settled
    std::vector<HeapItem> m_heap;
    std::vector<std::uint32_t> m_touched;  // keep_touched
    std::uint32_t m_round = 0;
    bool m_keep_touched = false;
};

}  // namespace flemsim::routing
