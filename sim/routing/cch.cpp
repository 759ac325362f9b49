#include "sim/routing/cch.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include "sim/core/simd.hpp"
#include "sim/core/types.hpp"

namespace flemsim::routing {

namespace {

using core::invalid_index;

constexpr double infinity = std::numeric_limits<double>::infinity();
// In a *_via entry: the rest is the upward arc from a triangle's middle node z to the
// shortcut's lower end x (z's arc to the upper end y follows among z's arcs), not an original arc.
constexpr std::uint32_t shortcut_bit = std::uint32_t{1} << 31;
// Ids must stay below shortcut_bit (and below invalid_index in every CSR offset).
constexpr std::size_t max_ids = shortcut_bit;
// A shortcut's second arc zy after its first, z's arc to the lower end in `middle` (the via).
constexpr std::uint16_t second_offset(std::uint32_t middle, std::uint32_t zy) {
    const std::uint32_t offset = zy - (middle & ~shortcut_bit);
    return offset < CchMetric::far_offset ? static_cast<std::uint16_t>(offset) : CchMetric::far_offset;
}

// A node with more upward arcs than this is customized as several tasks of chunk_arcs arcs: the
// top separators are one node per level, and their arcs carry a large share of the triangles.
constexpr std::uint32_t split_arcs = 256;
constexpr std::uint32_t chunk_arcs = 128;
// A run of a lower neighbour's arcs at least this long is customized eight arcs at a time.
constexpr std::uint32_t dense_min_arcs = 8;
// An arc whose tail has more arcs than this above it gets the perfect customization's triangles
// eight at a time (one vector or less is left to the scalar loop; other values not measured).
constexpr std::uint32_t perfect_vector_min_arcs = 8;

// Customization fetches a node's lower neighbours' arcs this many neighbours ahead.
constexpr std::uint32_t prefetch_ahead = 8;

// The longest chain of the elimination tree customized as one (cch_chains()).
constexpr std::uint32_t chain_nodes = 32;
// Chains of nodes with fewer upward arcs are not taken together (set_cch_chains()); a chain's top
// node's arcs are split in slices of chain_slice heads (parallel tasks).
std::uint32_t chain_min_width = cch_chain_min_arcs;
std::uint32_t chain_slice = cch_chain_slice_arcs;

// The street graph as an undirected simple graph: no self loops, no parallels, neighbours sorted.
struct Adjacency {
    std::vector<std::uint32_t> first;
    std::vector<std::uint32_t> neighbour;
};

Adjacency symmetric_adjacency(const StreetGraph& g) {
    const std::size_t n = g.node_count();
    Adjacency adj;
    adj.first.assign(n + 1, 0);
    for (std::size_t a = 0; a < g.arc_count(); ++a) {
        if (g.tail[a] == g.head[a]) continue;
        ++adj.first[g.tail[a] + 1];
        ++adj.first[g.head[a] + 1];
    }
    for (std::size_t v = 0; v < n; ++v) adj.first[v + 1] += adj.first[v];
    std::vector<std::uint32_t> fill(adj.first.begin(), adj.first.end() - 1);
    adj.neighbour.resize(adj.first[n]);
    for (std::size_t a = 0; a < g.arc_count(); ++a) {
        const std::uint32_t t = g.tail[a], h = g.head[a];
        if (t == h) continue;
        adj.neighbour[fill[t]++] = h;
        adj.neighbour[fill[h]++] = t;
    }
    // Sort and deduplicate each list, compacting in place (a list only moves to the left).
    std::uint32_t out = 0;
    for (std::size_t v = 0; v < n; ++v) {
        const std::uint32_t begin = adj.first[v], end = adj.first[v + 1];
        std::sort(adj.neighbour.begin() + begin, adj.neighbour.begin() + end);
        adj.first[v] = out;
        for (std::uint32_t i = begin; i < end; ++i)
            if (i == begin || adj.neighbour[i] != adj.neighbour[i - 1]) adj.neighbour[out++] = adj.neighbour[i];
    }
    adj.first[n] = out;
    adj.neighbour.resize(out);
    return adj;
}

// Nested dissection by coordinate sweeps. Every direction keeps its own array of all nodes sorted
// by projection; a cell is a range [begin, end) holding the same nodes in each array, and splitting
// a cell partitions each range stably, so no cell is ever sorted again: a level of the recursion
// costs linear time.
class Dissection {
public:
    static constexpr int direction_count = 4;
    // Each side of a cut holds at least this share of the cell.
    static constexpr double min_side = 0.2;

    Dissection(const Adjacency& adj, std::span<const double> x, std::span<const double> y)
        : m_adj(adj),
          m_n(static_cast<std::uint32_t>(x.size())),
          m_order(m_n),
          m_cell_of(m_n, 0),
          m_position(m_n),
          m_label(m_n),
          m_buffer(m_n) {
        std::vector<double> key(m_n);
        for (int d = 0; d < direction_count; ++d) {
            for (std::uint32_t v = 0; v < m_n; ++v)
                key[v] = d == 0 ? x[v] : d == 1 ? y[v] : d == 2 ? x[v] + y[v] : x[v] - y[v];
            auto& along = m_along[static_cast<std::size_t>(d)];
            along.resize(m_n);
            auto& s = m_sorted[static_cast<std::size_t>(d)];
            s.resize(m_n);
            std::iota(s.begin(), s.end(), 0u);
            // Ties by node id: the order does not depend on the sort's internals. NaN coordinates
            // would break the strict weak order, so they compare as +inf.
            const auto k = [&key](std::uint32_t v) { return std::isnan(key[v]) ? infinity : key[v]; };
            std::sort(s.begin(), s.end(),
                      [&k](std::uint32_t a, std::uint32_t b) { return k(a) < k(b) || (k(a) == k(b) && a < b); });
            for (std::uint32_t i = 0; i < m_n; ++i) along[s[i]] = i;
        }
        m_queue.reserve(m_n);
    }

    std::vector<std::uint32_t> run() {
        m_next_rank = m_n;
        if (m_n > 0) m_cells.push_back({0, m_n, 0});
        while (!m_cells.empty()) {
            const Cell cell = m_cells.back();
            m_cells.pop_back();
            process(cell);
        }
        assert(m_next_rank == 0);
        return std::move(m_order);
    }

private:
    struct Cell {
        std::uint32_t begin, end, id;
    };
    static constexpr std::uint32_t done = invalid_index;  // m_cell_of of a ranked node

    bool in_cell(std::uint32_t v, std::uint32_t id) const { return m_cell_of[v] == id; }

    void give_rank(std::uint32_t v) {
        m_order[--m_next_rank] = v;
        m_cell_of[v] = done;
    }

    void process(const Cell& cell) {
        const std::uint32_t size = cell.end - cell.begin;
        if (size == 1) {
            give_rank(m_sorted[0][cell.begin]);
            return;
        }
        const std::uint32_t components = label_components(cell);
        if (components > 1) {
            split(cell, components);
            return;
        }
        cut(cell);
    }

    // m_label of every node of the cell = its connected component within the cell.
    std::uint32_t label_components(const Cell& cell) {
        const auto& nodes = m_sorted[0];
        for (std::uint32_t i = cell.begin; i < cell.end; ++i) m_label[nodes[i]] = invalid_index;
        std::uint32_t count = 0;
        for (std::uint32_t i = cell.begin; i < cell.end; ++i) {
            const std::uint32_t s = nodes[i];
            if (m_label[s] != invalid_index) continue;
            m_label[s] = count;
            m_queue.clear();
            m_queue.push_back(s);
            for (std::size_t q = 0; q < m_queue.size(); ++q) {
                const std::uint32_t u = m_queue[q];
                for (std::uint32_t e = m_adj.first[u]; e < m_adj.first[u + 1]; ++e) {
                    const std::uint32_t v = m_adj.neighbour[e];
                    if (in_cell(v, cell.id) && m_label[v] == invalid_index) {
                        m_label[v] = count;
                        m_queue.push_back(v);
                    }
                }
            }
            ++count;
        }
        return count;
    }

    // Splits the cell by m_label into cells 0..count-1; nodes labelled `count` (a separator) are
    // dropped. Children of one node are ranked at once.
    void split(const Cell& cell, std::uint32_t count) {
        m_bucket.assign(count + 2, 0);
        for (std::uint32_t i = cell.begin; i < cell.end; ++i) ++m_bucket[m_label[m_sorted[0][i]] + 1];
        for (std::uint32_t c = 0; c <= count; ++c) m_bucket[c + 1] += m_bucket[c];
        for (auto& s : m_sorted) {
            m_fill.assign(m_bucket.begin(), m_bucket.end() - 1);
            for (std::uint32_t i = cell.begin; i < cell.end; ++i) m_buffer[m_fill[m_label[s[i]]]++] = s[i];
            std::copy(m_buffer.begin(), m_buffer.begin() + (cell.end - cell.begin), s.begin() + cell.begin);
        }
        // Pushed in reverse so that the first component is processed first (any order is valid).
        for (std::uint32_t c = count; c-- > 0;) {
            const std::uint32_t begin = cell.begin + m_bucket[c], end = cell.begin + m_bucket[c + 1];
            if (begin == end) continue;  // a side that was all separator
            if (end - begin == 1) {
                give_rank(m_sorted[0][begin]);
                continue;
            }
            const std::uint32_t id = ++m_last_id;
            for (std::uint32_t i = begin; i < end; ++i) m_cell_of[m_sorted[0][i]] = id;
            m_cells.push_back({begin, end, id});
        }
    }

    // A connected cell of >= 2 nodes: the sweep cut with the fewest crossing edges, its smaller
    // boundary side ranked on top, the two rest sides as new cells.
    void cut(const Cell& cell) {
        const std::uint32_t size = cell.end - cell.begin;
        const std::uint32_t lo = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(min_side * size));
        const std::uint32_t hi = size - lo;
        std::int64_t best_cut = std::numeric_limits<std::int64_t>::max();
        std::uint32_t best_imbalance = 0, best_direction = 0, best_left = lo;
        for (std::uint32_t d = 0; d < direction_count; ++d) {
            const std::uint32_t* s = m_sorted[d].data() + cell.begin;
            for (std::uint32_t i = 0; i < size; ++i) m_position[s[i]] = i;
            // Crossing edges between positions [0, i] and the rest, updated as node i moves left.
            std::int64_t crossing = 0;
            for (std::uint32_t i = 0; i + 1 < size && i < hi; ++i) {
                const std::uint32_t u = s[i];
                for (std::uint32_t e = m_adj.first[u]; e < m_adj.first[u + 1]; ++e) {
                    const std::uint32_t v = m_adj.neighbour[e];
                    if (in_cell(v, cell.id)) crossing += m_position[v] > i ? 1 : -1;
                }
                const std::uint32_t left = i + 1;
                if (left < lo) continue;
                const std::uint32_t imbalance = left * 2 > size ? left * 2 - size : size - left * 2;
                if (crossing < best_cut || (crossing == best_cut && imbalance < best_imbalance)) {
                    best_cut = crossing;
                    best_imbalance = imbalance;
                    best_direction = d;
                    best_left = left;
                }
            }
        }
        const std::uint32_t* s = m_sorted[best_direction].data() + cell.begin;
        for (std::uint32_t i = 0; i < size; ++i) m_label[s[i]] = i < best_left ? 0 : 1;
        // Boundary nodes of each side: either set covers every crossing edge.
        std::array<std::uint32_t, 2> boundary{0, 0};
        for (std::uint32_t i = 0; i < size; ++i) boundary[m_label[s[i]]] += crosses(s[i], cell.id) ? 1 : 0;
        const std::uint32_t side = boundary[1] < boundary[0] ? 1 : 0;
        // Collect first, relabel after: relabelling must not change what crosses() sees.
        m_queue.clear();
        for (std::uint32_t i = 0; i < size; ++i)
            if (m_label[s[i]] == side && crosses(s[i], cell.id)) m_queue.push_back(s[i]);
        for (const auto v : m_queue) m_label[v] = 2;
        // The separator ranked along the cut (in the order of the perpendicular direction: x and y,
        // x + y and x - y are pairs): a cell below borders a stretch of it, whose nodes then have
        // consecutive ranks, so a lower node's arcs into it are consecutive arcs of the nodes above
        // (customization reads them as runs).
        const auto& along = m_along[best_direction ^ 1u];
        std::sort(m_queue.begin(), m_queue.end(),
                  [&along](std::uint32_t a, std::uint32_t b) { return along[a] < along[b]; });
        for (const auto v : m_queue) give_rank(v);
        split(cell, 2);
    }

    // Whether v has a neighbour in the cell on the other side (labels 0 and 1).
    bool crosses(std::uint32_t v, std::uint32_t id) const {
        for (std::uint32_t e = m_adj.first[v]; e < m_adj.first[v + 1]; ++e) {
            const std::uint32_t w = m_adj.neighbour[e];
            if (in_cell(w, id) && m_label[w] <= 1 && m_label[w] != m_label[v]) return true;
        }
        return false;
    }

    const Adjacency& m_adj;
    std::uint32_t m_n;
    std::vector<std::uint32_t> m_order;
    std::array<std::vector<std::uint32_t>, direction_count> m_sorted;
    // Each node's position in each direction's sorted order (the separators' order along a cut).
    std::array<std::vector<std::uint32_t>, direction_count> m_along;
    std::vector<std::uint32_t> m_cell_of;
    std::vector<std::uint32_t> m_position;
    std::vector<std::uint32_t> m_label;
    std::vector<std::uint32_t> m_buffer;
    std::vector<std::uint32_t> m_bucket;
    std::vector<std::uint32_t> m_fill;
    std::vector<std::uint32_t> m_queue;
    std::vector<Cell> m_cells;
    std::uint32_t m_next_rank = 0;
    std::uint32_t m_last_id = 0;
};

}  // namespace

std::vector<std::uint32_t> nested_dissection_order(const StreetGraph& graph, std::span<const double> x,
                                                   std::span<const double> y) {
    const std::size_t n = graph.node_count();
    if (x.size() != n || y.size() != n)
        throw std::invalid_argument("nested_dissection_order: " + std::to_string(n) + " nodes but " +
                                    std::to_string(x.size()) + " x and " + std::to_string(y.size()) + " y coordinates");
    if (n >= max_ids) throw std::invalid_argument("nested_dissection_order: too many nodes");
    const Adjacency adj = symmetric_adjacency(graph);
    return Dissection(adj, x, y).run();
}

Cch::Cch(const StreetGraph& graph, std::span<const double> x, std::span<const double> y)
    : Cch(graph, nested_dissection_order(graph, x, y)) {}

Cch::Cch(const StreetGraph& graph, std::span<const std::uint32_t> order) {
    const std::size_t n = graph.node_count();
    if (order.size() != n) throw std::invalid_argument("Cch: the order does not have one entry per node");
    if (n >= max_ids || graph.arc_count() >= max_ids) throw std::invalid_argument("Cch: graph too large");
    m_order.assign(order.begin(), order.end());
    m_rank.assign(n, invalid_index);
    for (std::uint32_t r = 0; r < n; ++r) {
        if (m_order[r] >= n || m_rank[m_order[r]] != invalid_index)
            throw std::invalid_argument("Cch: the order is not a permutation of the nodes");
        m_rank[m_order[r]] = r;
    }

    // Contraction (the elimination game): the upward neighbours of rank x, once final, form a
    // clique, which is the same as adding them to the upward neighbours of the lowest of them, its
    // parent in the elimination tree (RoutingKit's construction).
    {
        const Adjacency adj = symmetric_adjacency(graph);
        std::vector<std::vector<std::uint32_t>> up(n);
        for (std::uint32_t u = 0; u < n; ++u)
            for (std::uint32_t e = adj.first[u]; e < adj.first[u + 1]; ++e) {
                const std::uint32_t ru = m_rank[u], rv = m_rank[adj.neighbour[e]];
                if (ru < rv) up[ru].push_back(rv);
            }
        m_up_first.assign(n + 1, 0);
        m_parent.assign(n, invalid_index);
        for (std::uint32_t x = 0; x < n; ++x) {
            auto& list = up[x];
            std::sort(list.begin(), list.end());
            list.erase(std::unique(list.begin(), list.end()), list.end());
            if (m_up_head.size() + list.size() >= max_ids) throw std::invalid_argument("Cch: too many arcs");
            m_up_head.insert(m_up_head.end(), list.begin(), list.end());
            m_up_first[x + 1] = static_cast<std::uint32_t>(m_up_head.size());
            if (!list.empty()) {
                const std::uint32_t p = list.front();
                m_parent[x] = p;
                up[p].insert(up[p].end(), list.begin() + 1, list.end());
            }
            std::vector<std::uint32_t>().swap(list);
        }
    }
    const std::size_t arcs = m_up_head.size();
    m_up_tail.resize(arcs);
    for (std::uint32_t x = 0; x < n; ++x)
        for (std::uint32_t c = m_up_first[x]; c < m_up_first[x + 1]; ++c) m_up_tail[c] = x;

    m_down_first.assign(n + 1, 0);
    for (const auto h : m_up_head) ++m_down_first[h + 1];
    for (std::size_t r = 0; r < n; ++r) m_down_first[r + 1] += m_down_first[r];
    {
        std::vector<std::uint32_t> fill(m_down_first.begin(), m_down_first.end() - 1);
        m_down_arc.resize(arcs);
        for (std::uint32_t c = 0; c < arcs; ++c) m_down_arc[fill[m_up_head[c]]++] = c;  // tails ascending
    }

    m_input_arc.resize(graph.arc_count());
    m_input_arc_upward.resize(graph.arc_count());
    for (std::size_t a = 0; a < graph.arc_count(); ++a) {
        const std::uint32_t rt = m_rank[graph.tail[a]], rh = m_rank[graph.head[a]];
        m_input_arc[a] = rt == rh ? invalid_index : find_arc(std::min(rt, rh), std::max(rt, rh));
        m_input_arc_upward[a] = rt < rh ? 1 : 0;
        assert(rt == rh || m_input_arc[a] != invalid_index);
    }

    for (std::uint32_t x = 0; x < n; ++x) {
        const std::uint64_t d = m_up_first[x + 1] - m_up_first[x];
        m_triangle_count += d * (d - (d > 0 ? 1 : 0)) / 2;
    }

    // Levels: 0 for the leaves of the elimination tree, else one above the highest child. All
    // lower neighbours of a node are its descendants, so a level only reads arcs of lower levels.
    std::vector<std::uint32_t> level(n, 0);
    std::uint32_t top = 0;
    for (std::uint32_t x = 0; x < n; ++x) {
        if (m_parent[x] != invalid_index) level[m_parent[x]] = std::max(level[m_parent[x]], level[x] + 1);
        top = std::max(top, level[x]);
    }
    const std::uint32_t level_count = n == 0 ? 0 : top + 1;
    std::vector<std::uint32_t> by_level_first(level_count + 1, 0);
    for (std::uint32_t x = 0; x < n; ++x) ++by_level_first[level[x] + 1];
    for (std::uint32_t l = 0; l < level_count; ++l) by_level_first[l + 1] += by_level_first[l];
    std::vector<std::uint32_t> by_level(n);
    {
        std::vector<std::uint32_t> fill(by_level_first.begin(), by_level_first.end() - 1);
        for (std::uint32_t x = 0; x < n; ++x) by_level[fill[level[x]]++] = x;
    }
    m_level_first.assign(level_count + 1, 0);
    for (std::uint32_t l = 0; l < level_count; ++l) {
        for (std::uint32_t i = by_level_first[l]; i < by_level_first[l + 1]; ++i) {
            const std::uint32_t x = by_level[i];
            const std::uint32_t begin = m_up_first[x], end = m_up_first[x + 1];
            if (begin == end) continue;
            const std::uint32_t step = end - begin > split_arcs ? chunk_arcs : end - begin;
            for (std::uint32_t b = begin; b < end; b += step) {
                m_task_node.push_back(x);
                m_task_arc_begin.push_back(b);
                m_task_arc_end.push_back(std::min(end, b + step));
            }
        }
        m_level_first[l + 1] = static_cast<std::uint32_t>(m_task_node.size());
    }

    // Chains for the customization by chains: from the lowest rank not yet in one, up while the
    // parent is the next rank and has this node as its only child, at most chain_nodes nodes of
    // chain_min_width upward arcs or more. A chain's nodes after the first have their descendants
    // in the chain or below its first node, so the chain is customized on its first node's level.
    std::vector<std::uint32_t> children(n, 0);
    for (std::uint32_t x = 0; x < n; ++x)
        if (m_parent[x] != invalid_index) ++children[m_parent[x]];
    const auto wide = [&](std::uint32_t r) { return m_up_first[r + 1] - m_up_first[r] >= chain_min_width; };
    std::vector<std::uint32_t> chain(n, 0);  // at a chain's first rank its size, else 0
    for (std::uint32_t x = 0; x < n;) {
        std::uint32_t k = 1;
        if (wide(x))
            while (k < chain_nodes && x + k < n && m_parent[x + k - 1] == x + k && children[x + k] == 1 && wide(x + k))
                ++k;
        chain[x] = k;
        m_chain_count += k > 1 ? 1 : 0;
        x += k;
    }
    // Per chain: its lower neighbours below it, ascending, each by its first arc into the chain.
    std::vector<std::uint32_t> lower_first(n, 0), lower_end(n, 0);
    {
        std::vector<std::uint32_t> lower;
        for (std::uint32_t x = 0; x < n; ++x) {
            if (chain[x] < 2) continue;
            lower.clear();
            for (std::uint32_t r = x; r < x + chain[x]; ++r)
                for (std::uint32_t i = m_down_first[r]; i < m_down_first[r + 1]; ++i)
                    if (const std::uint32_t z = m_up_tail[m_down_arc[i]]; z < x) lower.push_back(z);
            std::sort(lower.begin(), lower.end());
            lower.erase(std::unique(lower.begin(), lower.end()), lower.end());
            lower_first[x] = static_cast<std::uint32_t>(m_chain_lower_arc.size());
            for (const std::uint32_t z : lower)
                m_chain_lower_arc.push_back(static_cast<std::uint32_t>(
                    std::lower_bound(m_up_head.begin() + m_up_first[z], m_up_head.begin() + m_up_first[z + 1], x) -
                    m_up_head.begin()));
            lower_end[x] = static_cast<std::uint32_t>(m_chain_lower_arc.size());
        }
    }
    m_chain_level_first.assign(2 * level_count + 1, 0);
    const auto add = [&](std::uint32_t first, std::uint32_t b, std::uint32_t e) {
        m_chain_first.push_back(first);
        m_chain_size.push_back(chain[first]);
        m_chain_arc_begin.push_back(b);
        m_chain_arc_end.push_back(e);
        m_chain_lower_first.push_back(lower_first[first]);
        m_chain_lower_end.push_back(lower_end[first]);
    };
    for (std::uint32_t l = 0; l < level_count; ++l) {
        for (std::uint32_t i = by_level_first[l]; i < by_level_first[l + 1]; ++i)
            if (const std::uint32_t x = by_level[i]; chain[x] > 1) add(x, 0, 0);
        m_chain_level_first[2 * l + 1] = static_cast<std::uint32_t>(m_chain_first.size());
        for (std::uint32_t i = by_level_first[l]; i < by_level_first[l + 1]; ++i) {
            const std::uint32_t x = by_level[i];
            if (chain[x] == 0) continue;
            const std::uint32_t top = x + chain[x] - 1;
            const std::uint32_t begin = m_up_first[top], end = m_up_first[top + 1];
            if (begin == end) continue;
            // A lone node as before; a chain in slices of its top node's heads, larger ones since
            // each slice reads the chain's lower neighbours anew.
            const std::uint32_t step = chain[x] > 1 ? (end - begin > chain_slice ? chain_slice : end - begin)
                                                    : (end - begin > split_arcs ? chunk_arcs : end - begin);
            for (std::uint32_t b = begin; b < end; b += step) add(x, b, std::min(end, b + step));
        }
        m_chain_level_first[2 * l + 2] = static_cast<std::uint32_t>(m_chain_first.size());
    }
}

std::uint32_t Cch::find_head(std::uint32_t begin, std::uint32_t end, std::uint32_t high) const {
    const auto first = m_up_head.begin() + begin, last = m_up_head.begin() + end;
    const auto it = std::lower_bound(first, last, high);
    return it != last && *it == high ? static_cast<std::uint32_t>(it - m_up_head.begin()) : invalid_index;
}

std::uint32_t Cch::find_arc_after(std::uint32_t arc, std::uint32_t high) const {
    return find_head(arc + 1, m_up_first[m_up_tail[arc] + 1], high);
}

std::uint32_t Cch::find_arc(std::uint32_t low, std::uint32_t high) const {
    return find_head(m_up_first[low], m_up_first[low + 1], high);
}

namespace {

#if FLEMSIM_X86_SIMD
bool has_avx512 = core::cpu_has_avx512();

// Customization's triangles of one lower neighbour z for `len` consecutive arcs of x (weights
// forward[0 .. len), backward[...], ways forward_via[...], backward_via[...], forward_offset[...],
// backward_offset[...]) whose heads are those of z's `len` consecutive arcs (z_forward[0 .. len),
// z_backward[...], the first of them `offset` arcs after z's arc to x), through z's arcs to and from x
// (x_to_z, z_to_x): eight arcs at a time, each lane the scalar loop's addition and strict
// comparison, the way (`middle`, and the lane's offset, second_offset's saturation) written where
// the weight improves. One arc per lane: the same bits as the scalar loop.
__attribute__((target("avx512f,avx512vl"))) void relax_triangles_avx512(
    double x_to_z, double z_to_x, const double* z_forward, const double* z_backward, double* forward, double* backward,
    std::uint32_t* forward_via, std::uint32_t* backward_via, std::uint16_t* forward_offset,
    std::uint16_t* backward_offset, std::uint32_t len, std::uint32_t middle, std::uint32_t offset) {
    const __m512d xz = _mm512_set1_pd(x_to_z), zx = _mm512_set1_pd(z_to_x);
    const __m256i via = _mm256_set1_epi32(static_cast<int>(middle));
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (std::uint32_t j = 0; j < len; j += 8) {
        // Offsets of 0xFFFF and more saturate to far_offset (unsigned).
        const __m256i at = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(offset + j)), lane);
        const __mmask8 lanes = len - j >= 8 ? __mmask8(0xFF) : static_cast<__mmask8>((1u << (len - j)) - 1);
        const __m512d f = _mm512_add_pd(xz, _mm512_maskz_loadu_pd(lanes, z_forward + j));
        const __mmask8 better_f =
            _mm512_mask_cmp_pd_mask(lanes, f, _mm512_maskz_loadu_pd(lanes, forward + j), _CMP_LT_OQ);
        if (better_f) {
            _mm512_mask_storeu_pd(forward + j, better_f, f);
            _mm256_mask_storeu_epi32(forward_via + j, better_f, via);
            _mm256_mask_cvtusepi32_storeu_epi16(forward_offset + j, better_f, at);
        }
        const __m512d b = _mm512_add_pd(_mm512_maskz_loadu_pd(lanes, z_backward + j), zx);
        const __mmask8 better_b =
            _mm512_mask_cmp_pd_mask(lanes, b, _mm512_maskz_loadu_pd(lanes, backward + j), _CMP_LT_OQ);
        if (better_b) {
            _mm512_mask_storeu_pd(backward + j, better_b, b);
            _mm256_mask_storeu_epi32(backward_via + j, better_b, via);
            _mm256_mask_cvtusepi32_storeu_epi16(backward_offset + j, better_b, at);
        }
    }
}
#endif
bool by_chains = true;

}  // namespace

bool cch_simd() {
#if FLEMSIM_X86_SIMD
    return has_avx512;
#else
    return false;
#endif
}

bool set_cch_simd(bool on) {
#if FLEMSIM_X86_SIMD
    has_avx512 = on && core::cpu_has_avx512();
#else
    (void)on;
#endif
    return cch_simd();
}

bool cch_chains() {
    return by_chains;
}

bool set_cch_chains(bool on, std::uint32_t min_arcs, std::uint32_t slice_arcs) {
    by_chains = on;
    chain_min_width = std::max<std::uint32_t>(1, min_arcs);
    chain_slice = std::max<std::uint32_t>(1, slice_arcs);
    return by_chains;
}

double weight_quantum(std::span<const double> arc_weight) {
    double total = 0;
    for (const double w : arc_weight)
        if (w >= 0 && w < infinity) total += w;
    if (!(total > 0)) return 0;
    // total < 2^e (with a margin for the rounding of the sum above): q = 2^(e - 52) leaves every
    // path's cost at most 2^52 q and the sum of two such at most 2^53 q, whole numbers of q that a
    // double holds exactly.
    int e = 0;
    std::frexp(total * (1 + 1e-9), &e);
    return std::ldexp(1.0, e - 52);
}

CchMetric::CchMetric(const Cch& cch)
    : m_cch(&cch),
      m_forward(cch.arc_count(), infinity),
      m_backward(cch.arc_count(), infinity),
      m_forward_via(cch.arc_count(), invalid_index),
      m_backward_via(cch.arc_count(), invalid_index),
      m_forward_offset(cch.arc_count(), 0),
      m_backward_offset(cch.arc_count(), 0) {}

CchMetric::CchMetric(const Cch& cch, std::span<const double> arc_weight) : CchMetric(cch) {
    customize(arc_weight);
}

void CchMetric::customize(std::span<const double> arc_weight) {
    const Cch& g = *m_cch;
    if (arc_weight.size() != g.input_arc_count())
        throw std::invalid_argument("CchMetric: " + std::to_string(arc_weight.size()) + " weights for " +
                                    std::to_string(g.input_arc_count()) + " arcs");
    // No query graph (its memory kept for the next prune_for_queries).
    for (auto* q : {&m_query_forward, &m_query_backward}) {
        q->first.clear();
        q->head.clear();
        q->arc.clear();
        q->weight.clear();
    }
    // The six columns (28 bytes an arc: about 100 MB on the 100,000-node grid) reset by blocks of
    // arcs in parallel: one thread's stores alone would leave the others idle for each hour's
    // customization of the day loop.
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, m_forward.size(), std::size_t{1} << 16),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          const auto b = static_cast<std::ptrdiff_t>(r.begin()),
                                     e = static_cast<std::ptrdiff_t>(r.end());
                          std::fill(m_forward.begin() + b, m_forward.begin() + e, infinity);
                          std::fill(m_backward.begin() + b, m_backward.begin() + e, infinity);
                          std::fill(m_forward_via.begin() + b, m_forward_via.begin() + e, invalid_index);
                          std::fill(m_backward_via.begin() + b, m_backward_via.begin() + e, invalid_index);
                          std::fill(m_forward_offset.begin() + b, m_forward_offset.begin() + e, 0);
                          std::fill(m_backward_offset.begin() + b, m_backward_offset.begin() + e, 0);
                      });
    // A number of its own: unpackings cached from an earlier customization are not this one's.
    static std::atomic<std::uint64_t> generations{0};
    m_generation = ++generations;
    m_quantum = weight_quantum(arc_weight);
    for (std::uint32_t a = 0; a < arc_weight.size(); ++a) {
        const double w = on_grid(arc_weight[a], m_quantum);
        if (!(w >= 0))
            throw std::invalid_argument("CchMetric: arc " + std::to_string(a) + " has weight " +
                                        std::to_string(arc_weight[a]));
        const std::uint32_t c = g.m_input_arc[a];
        if (c == invalid_index) continue;
        // Strict: of equal parallel arcs the lowest id stays.
        auto& weight = g.m_input_arc_upward[a] ? m_forward : m_backward;
        auto& via = g.m_input_arc_upward[a] ? m_forward_via : m_backward_via;
        if (w < weight[c]) weight[c] = w, via[c] = a;
    }

    // Lower triangles {z, x, y}, z < x < y: the arc x-y may go through z. Task t owns the arcs
    // [begin, end) of its node x and reads only arcs of lower ranks z, final since their level is
    // lower. Every arc takes the minimum over its triangles, in the order of z, whatever the thread.
    const std::uint32_t* head = g.m_up_head.data();
    const std::uint32_t* up_first = g.m_up_first.data();
    const std::uint32_t* tail = g.m_up_tail.data();
    double* forward = m_forward.data();
    double* backward = m_backward.data();
    std::uint32_t* forward_via = m_forward_via.data();
    std::uint32_t* backward_via = m_backward_via.data();
    std::uint16_t* forward_offset = m_forward_offset.data();
    std::uint16_t* backward_offset = m_backward_offset.data();
    const std::size_t n = g.node_count();
    // Per thread: the arc from the task's node to each of its upward neighbours (by chains: the
    // position of each head among the task's heads), and the chains' tables.
    struct Scratch {
        std::vector<std::uint32_t> arc_of;
        std::vector<std::uint32_t> table;  // chain node j, head position p -> arc, or invalid
        std::vector<std::uint32_t> at;     // a lower neighbour's arcs: positions of their heads
        std::vector<std::uint32_t> run;    // where each run of consecutive positions in `at` starts
    };
    tbb::enumerable_thread_specific<Scratch> scratch([n] {
        return Scratch{std::vector<std::uint32_t>(n, invalid_index), {}, {}, {}};
    });
    // The lower neighbours' arcs lie anywhere in memory: while the i-th of a list of lower
    // neighbours' arcs `arcs` [.., end) is at work, the weights, head and tail of a later one are
    // fetched, and the end of the arcs of one between them.
    const auto fetch_ahead = [&](const std::uint32_t* arcs, std::uint32_t i, std::uint32_t end) {
        if (i + prefetch_ahead < end) {
            const std::uint32_t ahead = arcs[i + prefetch_ahead];
            __builtin_prefetch(forward + ahead);
            __builtin_prefetch(backward + ahead);
            __builtin_prefetch(head + ahead);
            __builtin_prefetch(tail + ahead);
        }
        if (i + prefetch_ahead / 2 < end) __builtin_prefetch(up_first + tail[arcs[i + prefetch_ahead / 2]] + 1);
    };
    // The arcs [begin, end) of node x, each through every triangle of a lower neighbour z, in the
    // order of z.
    const auto run_arcs = [&](std::uint32_t x, std::uint32_t begin, std::uint32_t end,
                              std::vector<std::uint32_t>& arc_of) {
        for (std::uint32_t c = begin; c < end; ++c) arc_of[head[c]] = c;
        const std::uint32_t first_head = head[begin], last_head = head[end - 1];
        const std::uint32_t down_end = g.m_down_first[x + 1];
        for (std::uint32_t i = g.m_down_first[x]; i < down_end; ++i) {
            fetch_ahead(g.m_down_arc.data(), i, down_end);
            const std::uint32_t zx = g.m_down_arc[i];
            const double x_to_z = backward[zx], z_to_x = forward[zx];
            if (x_to_z == infinity && z_to_x == infinity) continue;
            // The upward neighbours of z above x: all are upward neighbours of x (chordality).
            const std::uint32_t z_end = up_first[tail[zx] + 1];
            std::uint32_t zy = zx + 1;
            if (zy < z_end && head[zy] < first_head)
                zy = static_cast<std::uint32_t>(std::lower_bound(head + zy, head + z_end, first_head) - head);
            const std::uint32_t middle = shortcut_bit | zx;
            // Runs of z's arcs whose heads are consecutive heads of x (x's arcs to them consecutive
            // too): eight at a time where long enough, else one by one.
            while (zy < z_end && head[zy] <= last_head) {
                const std::uint32_t xy0 = arc_of[head[zy]];
                std::uint32_t len = 1;
                while (zy + len < z_end && head[zy + len] <= last_head && arc_of[head[zy + len]] == xy0 + len) ++len;
#if FLEMSIM_X86_SIMD
                if (has_avx512 && len >= dense_min_arcs) {
                    relax_triangles_avx512(x_to_z, z_to_x, forward + zy, backward + zy, forward + xy0, backward + xy0,
                                           forward_via + xy0, backward_via + xy0, forward_offset + xy0,
                                           backward_offset + xy0, len, middle, zy - zx);
                    zy += len;
                    continue;
                }
#endif
                // Branches rather than conditional moves: improvements are rare once an arc has
                // seen a few triangles, and unconditional stores of weight and via measured 20%
                // slower.
                for (std::uint32_t xy = xy0; xy < xy0 + len; ++xy, ++zy) {
                    const double f = x_to_z + forward[zy];
                    if (f < forward[xy])
                        forward[xy] = f, forward_via[xy] = middle, forward_offset[xy] = second_offset(middle, zy);
                    const double b = backward[zy] + z_to_x;
                    if (b < backward[xy])
                        backward[xy] = b, backward_via[xy] = middle, backward_offset[xy] = second_offset(middle, zy);
                }
            }
        }
    };
    const auto run_task = [&](std::uint32_t t, std::vector<std::uint32_t>& arc_of) {
        run_arcs(g.m_task_node[t], g.m_task_arc_begin[t], g.m_task_arc_end[t], arc_of);
    };
    const auto first_at_or_above = [&](std::uint32_t x, std::uint32_t h) {
        return static_cast<std::uint32_t>(std::lower_bound(head + up_first[x], head + up_first[x + 1], h) - head);
    };
    // Every lower neighbour below chain task t, in order, through offer(z, z's first arc into the
    // chain), fetched ahead.
    const auto offer_lower = [&](std::uint32_t t, const auto& offer) {
        const std::uint32_t end = g.m_chain_lower_end[t];
        for (std::uint32_t i = g.m_chain_lower_first[t]; i < end; ++i) {
            fetch_ahead(g.m_chain_lower_arc.data(), i, end);
            offer(tail[g.m_chain_lower_arc[i]], g.m_chain_lower_arc[i]);
        }
    };
    // The triangles of a lower neighbour z for the arcs of x in `row` (x's arc by a head's
    // position, or invalid_index): z's arcs zc + [from, count), their heads' positions `at`, cut at
    // `run` (the starts of the runs of consecutive positions, then count).
    const auto relax_row = [&](double x_to_z, double z_to_x, std::uint32_t zc, const std::uint32_t* at,
                               const std::vector<std::uint32_t>& run, std::uint32_t from, const std::uint32_t* row,
                               std::uint32_t middle) {
        for (std::size_t r = 0; r + 1 < run.size(); ++r) {
            if (run[r + 1] <= from) continue;
            const std::uint32_t i = std::max(run[r], from), len = run[r + 1] - i;
#if FLEMSIM_X86_SIMD
            // The run's heads are upward neighbours of x (chordality): x's arcs to them are
            // consecutive when the first and last are len - 1 apart.
            const std::uint32_t xy0 = row[at[i]];
            if (has_avx512 && len >= dense_min_arcs && row[at[i + len - 1]] == xy0 + len - 1) {
                relax_triangles_avx512(x_to_z, z_to_x, forward + zc + i, backward + zc + i, forward + xy0,
                                       backward + xy0, forward_via + xy0, backward_via + xy0, forward_offset + xy0,
                                       backward_offset + xy0, len, middle, zc + i - (middle & ~shortcut_bit));
                continue;
            }
#endif
            // Branches rather than conditional moves: improvements are rare once an arc has seen a
            // few triangles, and unconditional stores of weight and via measured 20% slower.
            for (std::uint32_t c = zc + i; c < zc + i + len; ++c) {
                const std::uint32_t xy = row[at[c - zc]];
                const double f = x_to_z + forward[c];
                if (f < forward[xy])
                    forward[xy] = f, forward_via[xy] = middle, forward_offset[xy] = second_offset(middle, c);
                const double b = backward[c] + z_to_x;
                if (b < backward[xy])
                    backward[xy] = b, backward_via[xy] = middle, backward_offset[xy] = second_offset(middle, c);
            }
        }
    };
    // Positions `at` of arcs [c, c + count) and the runs of consecutive positions (relax_row).
    const auto cut_runs = [](std::vector<std::uint32_t>& at, std::vector<std::uint32_t>& run) {
        run.clear();
        const auto count = static_cast<std::uint32_t>(at.size());
        for (std::uint32_t i = 0; i < count;) {
            std::uint32_t j = i + 1;
            while (j < count && at[j] == at[j - 1] + 1) ++j;
            run.push_back(i);
            i = j;
        }
        run.push_back(count);
    };
    // A chain's arcs among its own nodes, as the arcs above it (run_chain): each lower neighbour z
    // below the chain, in order, then the chain's own nodes, in order, offers its triangles to
    // every pair of chain nodes it neighbours. A chain node's arcs to the nodes above it in the
    // chain are final before its turn (every lower neighbour below it came first).
    const auto run_chain_inside = [&](std::uint32_t t, Scratch& s) {
        const std::uint32_t first = g.m_chain_first[t], k = g.m_chain_size[t], top = first + k - 1;
        s.table.assign(static_cast<std::size_t>(k) * k, invalid_index);
        for (std::uint32_t j = 0; j < k; ++j)
            for (std::uint32_t c = up_first[first + j]; c < up_first[first + j + 1] && head[c] <= top; ++c)
                s.table[static_cast<std::size_t>(j) * k + (head[c] - first)] = c;
        const std::uint32_t* table = s.table.data();
        const auto offer = [&](std::uint32_t z, std::uint32_t zx) {
            const std::uint32_t z_end = up_first[z + 1];
            std::uint32_t zx_end = zx;
            while (zx_end < z_end && head[zx_end] <= top) ++zx_end;
            if (zx_end - zx < 2) return;
            s.at.resize(zx_end - zx);
            for (std::uint32_t c = zx; c < zx_end; ++c) s.at[c - zx] = head[c] - first;
            cut_runs(s.at, s.run);
            const std::uint32_t* at = s.at.data();
            for (std::uint32_t a = zx; a + 1 < zx_end; ++a) {
                const double x_to_z = backward[a], z_to_x = forward[a];
                if (x_to_z == infinity && z_to_x == infinity) continue;
                relax_row(x_to_z, z_to_x, zx, at, s.run, a - zx + 1, table + static_cast<std::size_t>(at[a - zx]) * k,
                          shortcut_bit | a);
            }
        };
        offer_lower(t, offer);
        for (std::uint32_t z = first; z < top; ++z) offer(z, up_first[z]);
    };
    // The arcs of every node of the chain [first, first + k) to the heads of its top node's arcs
    // [begin, end). Each lower neighbour z below the chain, in order, offers its triangles to
    // every chain node it neighbours while its arcs are at hand; then the chain's own nodes, in
    // order. An arc x-y sees its triangles in the order of z, as node by node.
    const auto run_chain = [&](std::uint32_t t, Scratch& s) {
        const std::uint32_t first = g.m_chain_first[t], k = g.m_chain_size[t];
        const std::uint32_t begin = g.m_chain_arc_begin[t], end = g.m_chain_arc_end[t];
        const std::uint32_t top = first + k - 1, width = end - begin;
        const std::uint32_t first_head = head[begin], last_head = head[end - 1];
        std::uint32_t* pos = s.arc_of.data();
        for (std::uint32_t c = begin; c < end; ++c) pos[head[c]] = c - begin;
        s.table.assign(static_cast<std::size_t>(k) * width, invalid_index);
        for (std::uint32_t j = 0; j < k; ++j) {
            const std::uint32_t x = first + j;
            std::uint32_t* row = s.table.data() + static_cast<std::size_t>(j) * width;
            for (std::uint32_t c = first_at_or_above(x, first_head); c < up_first[x + 1] && head[c] <= last_head; ++c)
                row[pos[head[c]]] = c;
        }
        const std::uint32_t* table = s.table.data();
        // z's triangles for the arcs of the chain's nodes above it: z's arcs into the chain from
        // zx on (heads up to top), each with z's arcs in the task's heads.
        const auto offer = [&](std::uint32_t z, std::uint32_t zx) {
            const std::uint32_t z_end = up_first[z + 1];
            std::uint32_t zx_end = zx;
            while (zx_end < z_end && head[zx_end] <= top) ++zx_end;
            std::uint32_t zy = zx_end;
            if (zy < z_end && head[zy] < first_head)
                zy = static_cast<std::uint32_t>(std::lower_bound(head + zy, head + z_end, first_head) - head);
            std::uint32_t zy_end = zy;
            while (zy_end < z_end && head[zy_end] <= last_head) ++zy_end;
            if (zy == zy_end) return;
            // z's arcs in the task's heads, by position among them: looked up once for the chain,
            // and cut into runs of consecutive positions (the separators are ranked along their
            // cuts, so a lower neighbour's heads are mostly stretches of the heads above).
            const std::uint32_t count = zy_end - zy;
            s.at.resize(count);
            for (std::uint32_t c = zy; c < zy_end; ++c) s.at[c - zy] = pos[head[c]];
            const std::uint32_t* at = s.at.data();
            cut_runs(s.at, s.run);
            for (; zx < zx_end; ++zx) {
                const double x_to_z = backward[zx], z_to_x = forward[zx];
                if (x_to_z == infinity && z_to_x == infinity) continue;
                const std::uint32_t* row = table + static_cast<std::size_t>(head[zx] - first) * width;
                relax_row(x_to_z, z_to_x, zy, at, s.run, 0, row, shortcut_bit | zx);
            }
        };
        // The lower neighbours below the chain, then the chain's own nodes (an arc x-y of the
        // chain's node x through its node z < x: x-z is final from the step before, z-y from
        // z's own turn here).
        offer_lower(t, offer);
        for (std::uint32_t z = first; z < top; ++z) offer(z, up_first[z]);
    };
    if (by_chains) {
        const auto& level_first = g.m_chain_level_first;
        for (std::size_t step = 0; step + 1 < level_first.size(); ++step) {
            const std::uint32_t begin = level_first[step], end = level_first[step + 1];
            const bool inside = step % 2 == 0;
            const auto run = [&](std::uint32_t t, Scratch& s) {
                const std::uint32_t first = g.m_chain_first[t], k = g.m_chain_size[t];
                if (inside)
                    run_chain_inside(t, s);
                else if (k == 1)
                    run_arcs(first, g.m_chain_arc_begin[t], g.m_chain_arc_end[t], s.arc_of);
                else
                    run_chain(t, s);
            };
            if (end - begin <= 1) {
                for (std::uint32_t t = begin; t < end; ++t) run(t, scratch.local());
                continue;
            }
            tbb::parallel_for(tbb::blocked_range<std::uint32_t>(begin, end),
                              [&](const tbb::blocked_range<std::uint32_t>& r) {
                                  auto& s = scratch.local();
                                  for (std::uint32_t t = r.begin(); t < r.end(); ++t) run(t, s);
                              });
        }
        return;
    }
    for (std::size_t l = 0; l + 1 < g.m_level_first.size(); ++l) {
        const std::uint32_t begin = g.m_level_first[l], end = g.m_level_first[l + 1];
        if (end - begin <= 1) {
            for (std::uint32_t t = begin; t < end; ++t) run_task(t, scratch.local().arc_of);
            continue;
        }
        tbb::parallel_for(tbb::blocked_range<std::uint32_t>(begin, end),
                          [&](const tbb::blocked_range<std::uint32_t>& r) {
                              auto& arc_of = scratch.local().arc_of;
                              for (std::uint32_t t = r.begin(); t < r.end(); ++t) run_task(t, arc_of);
                          });
    }
}

#if FLEMSIM_X86_SIMD
namespace {

// y's arcs' weights (pf, pb) for the heads of x's arcs xz .. xz + 7 in `lanes` (y's arc to head z
// is arc_of[z]): plain loads where y's arcs are consecutive (the heads ascend, so when the first's
// and the eighth's are seven apart), else gathers; +inf in the other lanes.
__attribute__((target("avx512f,avx512vl"))) inline void load_yz(const double* pf, const double* pb,
                                                                const std::uint32_t* head, const std::uint32_t* arc_of,
                                                                __mmask8 lanes, std::uint32_t xz, __m512d& fyz,
                                                                __m512d& byz) {
    const std::uint32_t yz0 = arc_of[head[xz]];
    if (lanes == 0xFF && arc_of[head[xz + 7]] == yz0 + 7) {
        fyz = _mm512_loadu_pd(pf + yz0);
        byz = _mm512_loadu_pd(pb + yz0);
        return;
    }
    const __m512d inf = _mm512_set1_pd(infinity);
    const __m256i z = _mm256_maskz_loadu_epi32(lanes, head + xz);
    const __m256i yz = _mm256_mmask_i32gather_epi32(_mm256_setzero_si256(), lanes, z, arc_of, 4);
    fyz = _mm512_mask_i32gather_pd(inf, lanes, yz, pf, 8);
    byz = _mm512_mask_i32gather_pd(inf, lanes, yz, pb, 8);
}

// The perfect customization's triangles of arc x-y (`xy`) with x's arcs above it, xy + 1 ..
// x_end (their heads z, upward neighbours of y too; y's arc to z is arc_of[z]), eight arcs at a
// time in two passes: first x-y through every z (x -> z -> y and y -> z -> x), then every x-z
// through y (x -> y -> z and z -> y -> x) with x-y as the first pass left it. The first keeps y's
// weights that it loaded in yz_f and yz_b (room for x_end - xy - 1 rounded up to eight) for the
// second: y's arcs are final, nothing here writes them. The scalar loop
// interleaves the two, so an x-z there may see x-y before all of its ways through z are known;
// here it sees it after. Both write only path costs, never below the true ones, and both leave
// every arc at its true cost (prune_for_queries); the sums of a cost may round apart in the last
// bit, far inside the query graph's relative margin of 1e-9.
__attribute__((target("avx512f,avx512vl"))) void perfect_triangles_avx512(double* pf, double* pb,
                                                                          const std::uint32_t* head,
                                                                          const std::uint32_t* arc_of, std::uint32_t xy,
                                                                          std::uint32_t x_end, double* yz_f,
                                                                          double* yz_b) {
    const __m512d inf = _mm512_set1_pd(infinity);
    __m512d best_f = inf, best_b = inf;
    for (std::uint32_t xz = xy + 1; xz < x_end; xz += 8) {
        const __mmask8 lanes = x_end - xz >= 8 ? __mmask8(0xFF) : static_cast<__mmask8>((1u << (x_end - xz)) - 1);
        __m512d fyz, byz;
        load_yz(pf, pb, head, arc_of, lanes, xz, fyz, byz);
        _mm512_storeu_pd(yz_f + (xz - xy - 1), fyz);
        _mm512_storeu_pd(yz_b + (xz - xy - 1), byz);
        const __m512d fxz = _mm512_mask_loadu_pd(inf, lanes, pf + xz);
        const __m512d bxz = _mm512_mask_loadu_pd(inf, lanes, pb + xz);
        best_f = _mm512_mask_min_pd(best_f, lanes, best_f, _mm512_add_pd(fxz, byz));  // x -> z -> y
        best_b = _mm512_mask_min_pd(best_b, lanes, best_b, _mm512_add_pd(fyz, bxz));  // y -> z -> x
    }
    alignas(64) double lane_f[8], lane_b[8];
    _mm512_store_pd(lane_f, best_f);
    _mm512_store_pd(lane_b, best_b);
    for (int k = 0; k < 8; ++k) {
        if (lane_f[k] < pf[xy]) pf[xy] = lane_f[k];
        if (lane_b[k] < pb[xy]) pb[xy] = lane_b[k];
    }
    const __m512d fxy = _mm512_set1_pd(pf[xy]), bxy = _mm512_set1_pd(pb[xy]);
    for (std::uint32_t xz = xy + 1; xz < x_end; xz += 8) {
        const __mmask8 lanes = x_end - xz >= 8 ? __mmask8(0xFF) : static_cast<__mmask8>((1u << (x_end - xz)) - 1);
        const __m512d f_via = _mm512_add_pd(fxy, _mm512_loadu_pd(yz_f + (xz - xy - 1)));  // x -> y -> z
        const __m512d b_via = _mm512_add_pd(_mm512_loadu_pd(yz_b + (xz - xy - 1)), bxy);  // z -> y -> x
        const __mmask8 better_f =
            _mm512_mask_cmp_pd_mask(lanes, f_via, _mm512_maskz_loadu_pd(lanes, pf + xz), _CMP_LT_OQ);
        const __mmask8 better_b =
            _mm512_mask_cmp_pd_mask(lanes, b_via, _mm512_maskz_loadu_pd(lanes, pb + xz), _CMP_LT_OQ);
        if (better_f) _mm512_mask_storeu_pd(pf + xz, better_f, f_via);
        if (better_b) _mm512_mask_storeu_pd(pb + xz, better_b, b_via);
    }
}

}  // namespace
#endif

void CchMetric::prune_for_queries(PruneScratch* kept) {
    const Cch& g = *m_cch;
    const std::size_t n = g.node_count();
    PruneScratch fresh;
    PruneScratch& truth = kept ? *kept : fresh;
    truth.forward.assign(m_forward.begin(), m_forward.end());  // become the true costs
    truth.backward.assign(m_backward.begin(), m_backward.end());
    std::vector<double>& forward = truth.forward;
    std::vector<double>& backward = truth.backward;
    const std::uint32_t* head = g.m_up_head.data();
    const std::uint32_t* up_first = g.m_up_first.data();
    double* pf = forward.data();
    double* pb = backward.data();
    // For an arc x-y (x < y) the shortest path leaves x by some upward arc x-z: z = y, or another
    // upward neighbour of x with z-y at its true cost. So, with the arcs of y final, every
    // triangle x < y < z (x a lower neighbour of y, z an upward neighbour of both) offers x-y the
    // way through z (intermediate) and x-z the way through y (upper). Nodes y from the top level
    // down: the arcs of y are written only while its upward neighbours, on higher levels, are
    // processed, so they are final when y is reached. The nodes of a level write the arcs of
    // their lower neighbours, and a node's upward neighbours are on distinct levels, so the
    // items of a level (a node and a slice of its lower neighbours) run in parallel. Every
    // candidate is a path's cost, so the order of the updates within an item does not change the
    // true cost (and the order is fixed anyway).
    // Per thread: y's arc by head (arc_of), and the vector loop's y weights (yz_f, yz_b).
    struct Scratch {
        std::vector<std::uint32_t> arc_of;
        std::vector<double> yz_f, yz_b;
    };
    tbb::enumerable_thread_specific<Scratch> scratch([n] {
        return Scratch{std::vector<std::uint32_t>(n, invalid_index), {}, {}};
    });
    struct Item {
        std::uint32_t y, begin, end;  // a slice [begin, end) of y's lower neighbours (m_down_arc)
    };
    const auto run_item = [&](const Item& item, Scratch& sc) {
        auto& arc_of = sc.arc_of;
        const std::uint32_t y = item.y;
        for (std::uint32_t c = up_first[y]; c < up_first[y + 1]; ++c) arc_of[head[c]] = c;
        for (std::uint32_t i = item.begin; i < item.end; ++i) {
            const std::uint32_t xy = g.m_down_arc[i];
            // The upward neighbours z of x above y: all are upward neighbours of y (chordality).
            const std::uint32_t x_end = up_first[g.m_up_tail[xy] + 1];
#if FLEMSIM_X86_SIMD
            if (has_avx512 && x_end - (xy + 1) > perfect_vector_min_arcs) {
                const std::size_t room = (x_end - xy + 7) / 8 * 8;
                if (sc.yz_f.size() < room) sc.yz_f.resize(room), sc.yz_b.resize(room);
                perfect_triangles_avx512(pf, pb, head, arc_of.data(), xy, x_end, sc.yz_f.data(), sc.yz_b.data());
                continue;
            }
#endif
            for (std::uint32_t xz = xy + 1; xz < x_end; ++xz) {
                const std::uint32_t yz = arc_of[head[xz]];
                // Branches, as in customize(): improvements are rare.
                const double fyz = pf[yz], byz = pb[yz];
                if (pf[xz] + byz < pf[xy]) pf[xy] = pf[xz] + byz;  // x -> z -> y
                if (fyz + pb[xz] < pb[xy]) pb[xy] = fyz + pb[xz];  // y -> z -> x
                if (pf[xy] + fyz < pf[xz]) pf[xz] = pf[xy] + fyz;  // x -> y -> z
                if (byz + pb[xy] < pb[xz]) pb[xz] = byz + pb[xy];  // z -> y -> x
            }
        }
        for (std::uint32_t c = up_first[y]; c < up_first[y + 1]; ++c) arc_of[head[c]] = invalid_index;
    };
    constexpr std::uint32_t slice = 512;
    std::vector<Item> items;
    for (std::size_t l = g.m_level_first.size(); l-- > 1;) {
        items.clear();
        for (std::uint32_t t = g.m_level_first[l - 1]; t < g.m_level_first[l]; ++t) {
            const std::uint32_t y = g.m_task_node[t];
            if (t > g.m_level_first[l - 1] && g.m_task_node[t - 1] == y) continue;  // a node's tasks are consecutive
            for (std::uint32_t b = g.m_down_first[y]; b < g.m_down_first[y + 1]; b += slice)
                items.push_back({y, b, std::min(b + slice, g.m_down_first[y + 1])});
        }
        if (items.size() == 1) {
            run_item(items[0], scratch.local());
            continue;
        }
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, items.size()),
                          [&](const tbb::blocked_range<std::size_t>& r) {
                              auto& own = scratch.local();
                              for (std::size_t i = r.begin(); i < r.end(); ++i) run_item(items[i], own);
                          });
    }
    // The query graph of a direction: the kept arcs counted per rank, then written in place, both
    // in parallel over ranks (the same arrays as one pass in rank order).
    const auto keep = [&](const std::vector<double>& weight, const std::vector<double>& cost, QueryArcs& out) {
        const auto kept = [&](std::uint32_t c) {
            const double w = weight[c];
            return w != infinity && !(cost[c] < w - 1e-9 * w);
        };
        out.first.assign(n + 1, 0);
        tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, static_cast<std::uint32_t>(n), 4096),
                          [&](const tbb::blocked_range<std::uint32_t>& r) {
                              for (std::uint32_t x = r.begin(); x < r.end(); ++x) {
                                  std::uint32_t k = 0;
                                  for (std::uint32_t c = up_first[x]; c < up_first[x + 1]; ++c) k += kept(c);
                                  out.first[x + 1] = k;
                              }
                          });
        for (std::size_t x = 0; x < n; ++x) out.first[x + 1] += out.first[x];
        out.head.resize(out.first[n]);
        out.arc.resize(out.first[n]);
        out.weight.resize(out.first[n]);
        tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, static_cast<std::uint32_t>(n), 4096),
                          [&](const tbb::blocked_range<std::uint32_t>& r) {
                              for (std::uint32_t x = r.begin(); x < r.end(); ++x) {
                                  std::uint32_t at = out.first[x];
                                  for (std::uint32_t c = up_first[x]; c < up_first[x + 1]; ++c)
                                      if (kept(c))
                                          out.head[at] = head[c], out.arc[at] = c, out.weight[at++] = weight[c];
                              }
                          });
    };
    tbb::parallel_invoke([&] { keep(m_forward, forward, m_query_forward); },
                         [&] { keep(m_backward, backward, m_query_backward); });
}

CchMetric::ArcView CchMetric::query_arcs(bool forward) const {
    const QueryArcs& q = forward ? m_query_forward : m_query_backward;
    if (q.first.empty())
        return {m_cch->m_up_first.data(), m_cch->m_up_head.data(), (forward ? m_forward : m_backward).data(), nullptr};
    return {q.first.data(), q.head.data(), q.weight.data(), q.arc.data()};
}

std::size_t CchMetric::query_arc_count(bool forward) const {
    const QueryArcs& q = forward ? m_query_forward : m_query_backward;
    return q.first.empty() ? m_cch->arc_count() : q.head.size();
}

std::uint32_t CchMetric::second_arc(std::uint32_t arc, bool forward) const {
    return second_arc(arc, forward, (forward ? m_forward_via[arc] : m_backward_via[arc]) & ~shortcut_bit);
}

std::uint32_t CchMetric::second_arc(std::uint32_t arc, bool forward, std::uint32_t zx) const {
    const std::uint16_t offset = forward ? m_forward_offset[arc] : m_backward_offset[arc];
    return offset != far_offset ? zx + offset : m_cch->find_arc_after(zx, m_cch->m_up_head[arc]);
}

bool CchMetric::halves(std::uint32_t entry, std::array<std::uint32_t, 2>& half) const {
    const std::uint32_t c = entry / 2;
    const bool up = (entry & 1) != 0;
    const std::uint32_t via = up ? m_forward_via[c] : m_backward_via[c];
    assert(via != invalid_index);
    if (!(via & shortcut_bit)) {
        half[0] = via;
        return false;
    }
    // x -> z -> y upward, y -> z -> x downward: the second half goes up, its way fetched while
    // the first unpacks.
    const std::uint32_t zx = via & ~shortcut_bit, zy = second_arc(c, up, zx);
    half = up ? std::array<std::uint32_t, 2>{zx * 2, zy * 2 + 1} : std::array<std::uint32_t, 2>{zy * 2, zx * 2 + 1};
    __builtin_prefetch(&m_forward_via[half[1] / 2]);
    __builtin_prefetch(&m_forward_offset[half[1] / 2]);
    return true;
}

void CchMetric::unpack(std::uint32_t arc, bool upward, std::vector<std::uint32_t>& arcs,
                       std::vector<std::uint32_t>& stack) const {
    // Entries are arc * 2 + upward; the second half of a shortcut is pushed first.
    stack.clear();
    stack.push_back(arc * 2 + (upward ? 1 : 0));
    std::array<std::uint32_t, 2> half{};
    while (!stack.empty()) {
        const std::uint32_t entry = stack.back();
        stack.pop_back();
        if (!halves(entry, half)) {
            arcs.push_back(half[0]);
            continue;
        }
        stack.push_back(half[1]);
        stack.push_back(half[0]);
    }
}

void CchMetric::unpack(std::uint32_t arc, bool upward, std::vector<std::uint32_t>& arcs, CchUnpackCache& cache) const {
    if (cache.m_generation != m_generation || cache.m_slot.empty()) {
        cache.m_slot.assign(std::size_t{1} << CchUnpackCache::slot_bits, {});
        cache.m_arena.clear();
        cache.m_generation = m_generation;
    }
    unpack_entry(arc * 2 + (upward ? 1 : 0), arcs, cache);
}

void CchMetric::unpack_entry(std::uint32_t entry, std::vector<std::uint32_t>& arcs, CchUnpackCache& cache) const {
    // The slot first: a hit needs nothing of the metric (an original arc is never kept).
    auto& slot = cache.m_slot[(entry * 0x9E3779B1u) >> (32 - CchUnpackCache::slot_bits)];
    if (slot.entry == entry) {
        const auto from = cache.m_arena.begin() + slot.at;
        arcs.insert(arcs.end(), from, from + slot.count);
        return;
    }
    std::array<std::uint32_t, 2> half{};
    if (!halves(entry, half)) {
        arcs.push_back(half[0]);
        return;
    }
    const std::size_t start = arcs.size();
    unpack_entry(half[0], arcs, cache);
    unpack_entry(half[1], arcs, cache);
    const std::size_t count = arcs.size() - start;
    if (count < CchUnpackCache::min_arcs || count > CchUnpackCache::arena_arcs) return;
    if (cache.m_arena.size() + count > CchUnpackCache::arena_arcs) {
        std::fill(cache.m_slot.begin(), cache.m_slot.end(), CchUnpackCache::Slot{});
        cache.m_arena.clear();
    }
    if (cache.m_arena.capacity() < CchUnpackCache::arena_arcs) cache.m_arena.reserve(CchUnpackCache::arena_arcs);
    slot = {entry, static_cast<std::uint32_t>(cache.m_arena.size()), static_cast<std::uint32_t>(count)};
    cache.m_arena.insert(cache.m_arena.end(), arcs.begin() + static_cast<std::ptrdiff_t>(start), arcs.end());
}

bool CchMetric::unpacks_mirrored(std::span<const std::uint32_t> twin) const {
    for (std::uint32_t c = 0; c < m_forward_via.size(); ++c) {
        const std::uint32_t f = m_forward_via[c], b = m_backward_via[c];
        if (f == invalid_index || b == invalid_index) {
            if (f != b) return false;
            continue;
        }
        if ((f & shortcut_bit) != (b & shortcut_bit)) return false;
        if (!(f & shortcut_bit)) {
            if (f >= twin.size() || twin[f] != b) return false;
            continue;
        }
        const std::uint32_t zx = f & ~shortcut_bit;
        if ((b & ~shortcut_bit) != zx || second_arc(c, true, zx) != second_arc(c, false, zx)) return false;
    }
    return true;
}

CchMetric::PathSums CchMetric::path_sums(std::span<const double> arc_value) const {
    const Cch& g = *m_cch;
    if (arc_value.size() != g.input_arc_count())
        throw std::invalid_argument("CchMetric::path_sums: " + std::to_string(arc_value.size()) + " values for " +
                                    std::to_string(g.input_arc_count()) + " arcs");
    PathSums out;
    out.forward.assign(g.arc_count(), infinity);
    out.backward.assign(g.arc_count(), infinity);
    // A shortcut x-y through z is made of the arcs z-x and z-y, whose tail z ranks below x: in
    // the order of the arcs (by tail) both are summed before it.
    for (std::uint32_t c = 0; c < g.arc_count(); ++c)
        for (const bool up : {true, false}) {
            const std::uint32_t via = up ? m_forward_via[c] : m_backward_via[c];
            double& sum = up ? out.forward[c] : out.backward[c];
            if (via == invalid_index) continue;
            if (!(via & shortcut_bit)) {
                sum = arc_value[via];
                continue;
            }
            const std::uint32_t zx = via & ~shortcut_bit, zy = second_arc(c, up, zx);
            sum = up ? out.backward[zx] + out.forward[zy] : out.backward[zy] + out.forward[zx];
        }
    if (pruned())
        for (const bool up : {true, false}) {
            const auto view = query_arcs(up);
            const auto& all = up ? out.forward : out.backward;
            auto& q = up ? out.query_forward : out.query_backward;
            q.resize(query_arc_count(up));
            for (std::size_t c = 0; c < q.size(); ++c) q[c] = all[view.arc[c]];
        }
    return out;
}

CchQuery::CchQuery(const CchMetric& metric)
    : m_metric(&metric),
      m_forward_dist(metric.cch().node_count(), infinity),
      m_backward_dist(metric.cch().node_count(), infinity),
      m_forward_pred(metric.cch().node_count(), invalid_index),
      m_backward_pred(metric.cch().node_count(), invalid_index) {}

void CchQuery::set_metric(const CchMetric& metric) {
    if (&metric.cch() != &m_metric->cch()) throw std::invalid_argument("CchQuery::set_metric: a metric of another Cch");
    m_metric = &metric;
    m_source_kept = false;
}

namespace {

#if FLEMSIM_X86_SIMD
// A rank with this many arcs or more relaxes them eight at a time (the rest by the scalar loop):
// on the 100,000-node grid (bench_cch) 8 against 16 took a one-to-one query 410-434 against
// 420-488 us and a destination from labels with its origin's search 5.5-5.8 against 6.9-7.2 us.
constexpr std::uint32_t vector_min_arcs = 8;

// The upward searches' loop (relax_rank's, search_up's) eight arcs at a time: a rank's heads are
// distinct, so no lane writes another's rank, and each lane does the scalar loop's addition and
// comparison: the same bits. Where a lane improves its head's cost it also writes, when asked, the
// head's sum (x's sum `sum_x` plus the arc's, by query arc or by upward arc) and predecessor, as
// the scalar loop does (x's sum does not change while x relaxes: its arcs go up).
__attribute__((target("avx512f,avx512vl"))) std::uint32_t relax_tracked_avx512(
    double d, double sum_x, const CchMetric::ArcView& arcs, const std::uint32_t* arc, const double* arc_sum,
    std::uint32_t begin, std::uint32_t end, double* dist, double* sum, std::uint32_t* pred) {
    const __m512d vd = _mm512_set1_pd(d), vs = _mm512_set1_pd(sum_x);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    std::uint32_t c = begin;
    for (; c + 8 <= end; c += 8) {
        const __m512d nd = _mm512_add_pd(vd, _mm512_loadu_pd(arcs.weight + c));
        const std::uint32_t h0 = arcs.head[c];
        // Eight consecutive heads (a stretch of a separator ranked along its cut, common since the
        // heads are ascending and distinct): plain loads and masked stores instead of gathers and
        // scatters, the same lanes' arithmetic.
        if (arcs.head[c + 7] == h0 + 7) {
            const __mmask8 better = _mm512_cmp_pd_mask(nd, _mm512_loadu_pd(dist + h0), _CMP_LT_OQ);
            if (!better) continue;
            _mm512_mask_storeu_pd(dist + h0, better, nd);
            const __m256i position = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(c)), lane);
            if (sum) {
                const __m512d add = arc ? _mm512_mask_i32gather_pd(
                                              _mm512_setzero_pd(), better,
                                              _mm256_loadu_si256(reinterpret_cast<const __m256i*>(arc + c)), arc_sum, 8)
                                        : _mm512_maskz_loadu_pd(better, arc_sum + c);
                _mm512_mask_storeu_pd(sum + h0, better, _mm512_add_pd(vs, add));
            }
            if (pred) _mm256_mask_storeu_epi32(pred + h0, better, position);
            continue;
        }
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(arcs.head + c));
        const __m512d old = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), 0xFF, h, dist, 8);
        const __mmask8 better = _mm512_cmp_pd_mask(nd, old, _CMP_LT_OQ);
        if (!better) continue;
        _mm512_mask_i32scatter_pd(dist, better, h, nd, 8);
        const __m256i position = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(c)), lane);
        if (sum) {
            const __m256i which = arc ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(arc + c)) : position;
            const __m512d add = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), better, which, arc_sum, 8);
            _mm512_mask_i32scatter_pd(sum, better, h, _mm512_add_pd(vs, add), 8);
        }
        if (pred) _mm256_mask_i32scatter_epi32(pred, better, h, position, 4);
    }
    return c;
}

// The least of f[i] + b[i] over i < n, from i = 0 up to the returned end (a multiple of 16): the
// sums as the scalar loop adds them, and their minimum (costs are never NaN, so the order does
// not change it).
__attribute__((target("avx512f,avx512vl"))) std::size_t least_sum_avx512(const double* f, const double* b,
                                                                         std::size_t n, double& best) {
    // (Masked minima: GCC 12's unmasked _mm512_min_pd warns of an uninitialized operand.)
    __m512d m0 = _mm512_set1_pd(infinity), m1 = m0;
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        m0 = _mm512_mask_min_pd(m0, 0xFF, m0, _mm512_add_pd(_mm512_loadu_pd(f + i), _mm512_loadu_pd(b + i)));
        m1 = _mm512_mask_min_pd(m1, 0xFF, m1, _mm512_add_pd(_mm512_loadu_pd(f + i + 8), _mm512_loadu_pd(b + i + 8)));
    }
    alignas(64) double lanes[8];
    _mm512_store_pd(lanes, _mm512_mask_min_pd(m0, 0xFF, m0, m1));
    for (const double v : lanes) best = std::min(best, v);
    return i;
}

// label[i] = min(label[i], from[i] + w) for i < n, eight at a time, up to the returned end (a
// multiple of 8): the scalar loop's sums and minima.
__attribute__((target("avx512f"))) std::size_t min_plus_avx512(double* label, const double* from, double w,
                                                               std::size_t n) {
    const __m512d add = _mm512_set1_pd(w);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m512d sum = _mm512_add_pd(_mm512_loadu_pd(from + i), add);
        const __m512d old = _mm512_loadu_pd(label + i);
        // The sum where it is less, else the old value (as std::min(old, sum)).
        _mm512_storeu_pd(label + i, _mm512_mask_blend_pd(_mm512_cmp_pd_mask(sum, old, _CMP_LT_OQ), old, sum));
    }
    return i;
}

// The same keeping predecessors: (label[i], pred[i]) takes (from[i] + w, from_pred[i]) where that
// costs less, or the same with a lower predecessor, eight at a time up to the returned end (a
// multiple of 8): the scalar loop's sums, comparisons and choices.
__attribute__((target("avx512f,avx512vl"))) std::size_t min_plus_tracked_avx512(double* label, std::uint32_t* pred,
                                                                                const double* from,
                                                                                const std::uint32_t* from_pred,
                                                                                double w, std::size_t n) {
    const __m512d add = _mm512_set1_pd(w);
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m512d sum = _mm512_add_pd(_mm512_loadu_pd(from + i), add);
        const __m512d old = _mm512_loadu_pd(label + i);
        const __m256i p = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(from_pred + i));
        const __m256i op = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pred + i));
        const __mmask8 less = _mm512_cmp_pd_mask(sum, old, _CMP_LT_OQ);
        const __mmask8 tie = _mm512_mask_cmp_pd_mask(_mm256_cmplt_epu32_mask(p, op), sum, old, _CMP_EQ_OQ);
        const __mmask8 take = less | tie;
        if (!take) continue;
        _mm512_mask_storeu_pd(label + i, take, sum);
        _mm256_mask_storeu_epi32(pred + i, take, p);
    }
    return i;
}
#endif

// Relaxes the upward arcs [c, end) of a rank of cost d: eight at a time where the processor can,
// the rest one by one. Where an arc improves its head's cost, the head's sum (`sum_x`, the rank's,
// plus the arc's from `arc_sum`, by query arc `arc[c]` or by position) and predecessor (the arc's
// position) follow when `sum` and `pred` are given. The same bits either way.
inline void relax_rank(double d, double sum_x, const CchMetric::ArcView& arcs, const std::uint32_t* arc,
                       const double* arc_sum, std::uint32_t c, std::uint32_t end, double* dist, double* sum,
                       std::uint32_t* pred) {
#if FLEMSIM_X86_SIMD
    if (has_avx512 && end - c >= vector_min_arcs)
        c = relax_tracked_avx512(d, sum_x, arcs, arc, sum ? arc_sum : nullptr, c, end, dist, sum, pred);
#endif
    for (; c < end; ++c) {
        const double nd = d + arcs.weight[c];
        const std::uint32_t h = arcs.head[c];
        if (nd < dist[h]) {
            dist[h] = nd;
            if (sum) sum[h] = sum_x + arc_sum[arc ? arc[c] : c];
            if (pred) pred[h] = c;
        }
    }
}

}  // namespace

void CchQuery::relax(std::uint32_t rank, const CchMetric::ArcView& arcs, std::vector<double>& dist,
                     std::vector<std::uint32_t>& pred) {
    const double d = dist[rank];
    if (d == infinity) return;
    relax_rank(d, 0.0, arcs, nullptr, nullptr, arcs.first[rank], arcs.first[rank + 1], dist.data(), nullptr,
               pred.data());
}

void CchQuery::clear() {
    const auto& parent = m_metric->cch().elimination_parent();
    // The previous run's distances live only on the two tree paths.
    if (m_dirty) {
        for (std::uint32_t x = m_source; x != invalid_index; x = parent[x]) m_forward_dist[x] = infinity;
        for (std::uint32_t x = m_target; x != invalid_index; x = parent[x]) m_backward_dist[x] = infinity;
    }
    m_dirty = true;
}

double CchQuery::run(std::uint32_t source, std::uint32_t target) {
    return run(source, target, infinity);
}

double CchQuery::run(std::uint32_t source, std::uint32_t target, double bound) {
    const Cch& g = m_metric->cch();
    clear();
    m_source_kept = false;
    m_source = g.rank(source);
    m_target = g.rank(target);
    m_forward_dist[m_source] = 0;
    m_backward_dist[m_target] = 0;
    return meet(false, bound);
}

void CchQuery::from_source(std::uint32_t source) {
    from_source(source, infinity);
}

void CchQuery::from_source(std::uint32_t source, double bound) {
    const Cch& g = m_metric->cch();
    const auto& parent = g.elimination_parent();
    clear();
    m_source_kept = true;
    m_target_whole = false;
    m_source = m_target = g.rank(source);  // no target yet: its search space is empty
    m_meeting = invalid_index;
    m_cost = infinity;
    m_forward_dist[m_source] = 0;
    const auto forward = m_metric->query_arcs(true);
    for (std::uint32_t x = m_source; x != invalid_index; x = parent[x])
        if (m_forward_dist[x] <= bound) relax(x, forward, m_forward_dist, m_forward_pred);
}

double CchQuery::to(std::uint32_t target) {
    return to(target, infinity);
}

double CchQuery::to(std::uint32_t target, double bound) {
    return to_target(target, bound, false);
}

double CchQuery::to_whole(std::uint32_t target, double bound) {
    return to_target(target, bound, true);
}

double CchQuery::to_target(std::uint32_t target, double bound, bool whole) {
    if (!m_source_kept) throw std::logic_error("CchQuery::to: no from_source() since the last run or metric");
    const Cch& g = m_metric->cch();
    const auto& parent = g.elimination_parent();
    for (std::uint32_t x = m_target; x != invalid_index; x = parent[x]) m_backward_dist[x] = infinity;
    m_target = g.rank(target);
    m_backward_dist[m_target] = 0;
    return meet(true, bound, whole);
}

double CchQuery::swap_sides() {
    if (!m_source_kept || !m_target_whole)
        throw std::logic_error("CchQuery::swap_sides: no from_source() and to_whole()");
    std::swap(m_forward_dist, m_backward_dist);
    std::swap(m_forward_pred, m_backward_pred);
    std::swap(m_source, m_target);
    // The meeting as meet() finds it, from both sides' costs as they are: up to the lowest common
    // ancestor, then the first rank of least f + b.
    const auto& parent = m_metric->cch().elimination_parent();
    std::uint32_t x = m_source, y = m_target;
    while (x != y) {
        if (x < y)
            x = parent[x];
        else
            y = parent[y];
    }
    double best = infinity;
    std::uint32_t meeting = invalid_index;
    for (; x != invalid_index; x = parent[x])
        if (m_forward_dist[x] + m_backward_dist[x] < best) best = m_forward_dist[x] + m_backward_dist[x], meeting = x;
    m_meeting = meeting;
    m_cost = best;
    return best;
}

double CchQuery::meet(bool source_done, double bound, bool whole) {
    const auto& parent = m_metric->cch().elimination_parent();
    const auto forward = m_metric->query_arcs(true);
    const auto backward = m_metric->query_arcs(false);
    // Below the lowest common ancestor the paths are disjoint; invalid_index compares above every
    // rank, so a finished path simply waits. A source searched whole (from_source) only walks.
    std::uint32_t x = m_source, y = m_target;
    while (x != y) {
        if (x < y) {
            if (!source_done && m_forward_dist[x] <= bound) relax(x, forward, m_forward_dist, m_forward_pred);
            x = parent[x];
        } else {
            if (m_backward_dist[y] <= bound) relax(y, backward, m_backward_dist, m_backward_pred);
            y = parent[y];
        }
    }
    // Above it, the meeting is the first rank of least f + b.
    double best = infinity;
    std::uint32_t meeting = invalid_index;
    for (; x != invalid_index; x = parent[x]) {
        const double f = m_forward_dist[x], b = m_backward_dist[x];
        if (f + b < best) best = f + b, meeting = x;
        // A search that has reached the best cost cannot improve it (weights are >= 0).
        if (!source_done && f < best && f <= bound) relax(x, forward, m_forward_dist, m_forward_pred);
        if ((whole || b < best) && b <= bound) relax(x, backward, m_backward_dist, m_backward_pred);
    }
    m_target_whole = whole;
    m_meeting = meeting;
    m_cost = best;
    return best;
}

bool CchQuery::path(std::vector<std::uint32_t>& arcs) {
    if (!m_dirty || m_meeting == invalid_index) return false;
    const auto& tail = m_metric->cch().up_tail();
    m_arcs.clear();
    // A predecessor is a position in the searched arcs (query_arcs), mapped to its upward arc here.
    const auto forward = m_metric->query_arcs(true), backward = m_metric->query_arcs(false);
    const auto upward = [](const CchMetric::ArcView& view, std::uint32_t c) { return view.arc ? view.arc[c] : c; };
    for (std::uint32_t v = m_meeting; v != m_source;) {
        const std::uint32_t a = upward(forward, m_forward_pred[v]);
        m_arcs.push_back(a);
        v = tail[a];
    }
    for (std::size_t i = m_arcs.size(); i-- > 0;) m_metric->unpack(m_arcs[i], true, arcs, m_unpack);
    for (std::uint32_t v = m_meeting; v != m_target;) {
        const std::uint32_t a = upward(backward, m_backward_pred[v]);
        m_metric->unpack(a, false, arcs, m_unpack);
        v = tail[a];
    }
    return true;
}

namespace {

// The elimination-tree search up from rank `s` (its distance set to 0 by the caller or here):
// each ancestor x in turn, once reached, relaxes its upward arcs with `weight` and is handed to
// visit(x, dist[x]). The ranks it touched are s and its ancestors (the caller resets them).
template <class Visit>
void search_up(const Cch& g, std::uint32_t s, const CchMetric::ArcView& arcs, double* dist, Visit&& visit) {
    const auto& parent = g.elimination_parent();
    const std::uint32_t* first = arcs.first;
    const std::uint32_t* head = arcs.head;
    const double* weight = arcs.weight;
    dist[s] = 0;
    for (std::uint32_t x = s; x != invalid_index; x = parent[x]) {
        const double d = dist[x];
        if (d == infinity) continue;
        std::uint32_t c = first[x];
#if FLEMSIM_X86_SIMD
        if (has_avx512 && first[x + 1] - c >= vector_min_arcs)
            c = relax_tracked_avx512(d, 0.0, arcs, nullptr, nullptr, c, first[x + 1], dist, nullptr, nullptr);
#endif
        for (; c < first[x + 1]; ++c) dist[head[c]] = std::min(dist[head[c]], d + weight[c]);
        visit(x, d);
    }
}

// search_up keeping, per rank, the arc that first gave its cost (its position in `arcs`, in
// `pred` when given) and the path sum along those arcs (`sum`, from `arc_sum` by query arc when
// `by_query_arc`, else by upward arc, when given): visit(x, dist[x], sum or 0). The costs are
// search_up's. The ranks it touched are s and its ancestors (the caller resets them).
template <class Visit>
void search_up_tracked(const Cch& g, std::uint32_t s, const CchMetric::ArcView& arcs, const double* arc_sum,
                       bool by_query_arc, double* dist, double* sum, std::uint32_t* pred, Visit&& visit) {
    const auto& parent = g.elimination_parent();
    const std::uint32_t* arc = by_query_arc ? nullptr : arcs.arc;
    dist[s] = 0;
    if (sum) sum[s] = 0;
    for (std::uint32_t x = s; x != invalid_index; x = parent[x]) {
        const double d = dist[x];
        if (d == infinity) continue;
        relax_rank(d, sum ? sum[x] : 0.0, arcs, arc, arc_sum, arcs.first[x], arcs.first[x + 1], dist, sum, pred);
        visit(x, d, sum ? sum[x] : 0.0);
    }
}

// A direction's path sums as the searches read them: by query arc where path_sums made them (a
// pruned metric), else by upward arc. `who` names the caller in the error for sums of another
// hierarchy.
const double* direction_sums(const CchMetric& metric, const CchMetric::PathSums& sums, bool forward, bool& by_query_arc,
                             const char* who) {
    const Cch& g = metric.cch();
    if (sums.forward.size() != g.arc_count() || sums.backward.size() != g.arc_count())
        throw std::invalid_argument(std::string(who) + ": path sums of another hierarchy");
    const auto& q = forward ? sums.query_forward : sums.query_backward;
    by_query_arc = metric.pruned() && q.size() == metric.query_arc_count(forward);
    return by_query_arc ? q.data() : (forward ? sums.forward : sums.backward).data();
}

// One rank's step of PHAST's downward sweep over `width` trees side by side (dist[r * width + k]):
// the minimum over the rank's arcs [first[r], first[r + 1]) (its upward arcs, the query graph's
// backward arcs) of the head's cost plus the backward weight. A rank's upward neighbours are
// higher, hence final when the sweep, from the top rank down, reaches it.
template <std::size_t width>
inline void sweep_rank(std::size_t r, const std::uint32_t* first, const std::uint32_t* head, const double* weight,
                       double* dist) {
    double d[width];
    for (std::size_t k = 0; k < width; ++k) d[k] = dist[r * width + k];
    for (std::uint32_t c = first[r]; c < first[r + 1]; ++c) {
        const double* h = dist + static_cast<std::size_t>(head[c]) * width;
        const double w = weight[c];
        for (std::size_t k = 0; k < width; ++k) d[k] = std::min(d[k], h[k] + w);
    }
    for (std::size_t k = 0; k < width; ++k) dist[r * width + k] = d[k];
}

// The same step carrying a path sum (sum[r * width + k]) along each tree: a rank takes the sum of
// the arc that first gave its least cost (the costs are the plain step's, bit for bit). An arc's
// own sum is arc_sum[arc[c]], or arc_sum[c] without `arc`.
template <std::size_t width>
inline void sweep_rank(std::size_t r, const std::uint32_t* first, const std::uint32_t* head, const double* weight,
                       const std::uint32_t* arc, const double* arc_sum, double* dist, double* sum) {
    double d[width], v[width];
    for (std::size_t k = 0; k < width; ++k) d[k] = dist[r * width + k], v[k] = sum[r * width + k];
    for (std::uint32_t c = first[r]; c < first[r + 1]; ++c) {
        const std::size_t h = static_cast<std::size_t>(head[c]) * width;
        const double w = weight[c], ws = arc_sum[arc ? arc[c] : c];
        // Without branches (the compiler makes it vector code): a strictly smaller cost takes the
        // arc's sum, as a branch would.
        for (std::size_t k = 0; k < width; ++k) {
            const double through = dist[h + k] + w;
            const bool better = through < d[k];
            v[k] = better ? sum[h + k] + ws : v[k];
            d[k] = better ? through : d[k];
        }
    }
    for (std::size_t k = 0; k < width; ++k) dist[r * width + k] = d[k], sum[r * width + k] = v[k];
}

// PHAST's downward sweep over every rank, from the top down (sweep_rank).
template <std::size_t width>
void sweep_down(const Cch& g, const CchMetric::ArcView& backward, double* dist) {
    for (std::size_t r = g.node_count(); r-- > 0;)
        sweep_rank<width>(r, backward.first, backward.head, backward.weight, dist);
}

// The same sweep carrying a path sum along each tree; `backward_sum` is by upward arc.
template <std::size_t width>
void sweep_down(const Cch& g, const CchMetric::ArcView& backward, const double* backward_sum, double* dist,
                double* sum) {
    for (std::size_t r = g.node_count(); r-- > 0;)
        sweep_rank<width>(r, backward.first, backward.head, backward.weight, backward.arc, backward_sum, dist, sum);
}

// The upward searches of a batch of trees (CchManyToAll's, CchManyToTargets'): each source's search
// (carrying `forward_sum`, by query arc or by upward arc, `with_sums`: a rank keeps the sum of the
// arc that first gave its cost), each rank x it reaches written at place(x) * width + i for source
// i, unless place(x) is invalid_index; `dist` (and `sum`) are +inf elsewhere. `up` and `up_sum`: one
// search's scratch by rank, +inf between calls. 1 to `width` sources (`who` names the caller in
// the error otherwise).
template <std::size_t width, class Place>
void search_up_batch(const CchMetric& metric, std::span<const std::uint32_t> sources, bool with_sums,
                     const double* forward_sum, bool by_query_arc, Place&& place, std::vector<double>& up,
                     std::vector<double>& up_sum, std::vector<double>& dist, std::vector<double>& sum,
                     const char* who) {
    if (sources.empty() || sources.size() > width)
        throw std::invalid_argument(std::string(who) + ": 1 to " + std::to_string(width) + " sources, not " +
                                    std::to_string(sources.size()));
    const Cch& g = metric.cch();
    const auto& parent = g.elimination_parent();
    const auto forward = metric.query_arcs(true);
    std::fill(dist.begin(), dist.end(), infinity);
    if (with_sums) std::fill(sum.begin(), sum.end(), infinity);
    for (std::size_t i = 0; i < sources.size(); ++i) {
        const std::uint32_t s = g.rank(sources[i]);
        if (!with_sums) {
            search_up(g, s, forward, up.data(), [&](std::uint32_t x, double d) {
                if (const std::uint32_t at = place(x); at != invalid_index) dist[at * width + i] = d;
            });
        } else {
            search_up_tracked(g, s, forward, forward_sum, by_query_arc, up.data(), up_sum.data(), nullptr,
                              [&](std::uint32_t x, double d, double v) {
                                  const std::uint32_t at = place(x);
                                  if (at == invalid_index) return;
                                  dist[at * width + i] = d;
                                  sum[at * width + i] = v;
                              });
        }
        for (std::uint32_t x = s; x != invalid_index; x = parent[x]) up[x] = infinity;
    }
}

}  // namespace

CchManyToMany::CchManyToMany(const CchMetric& metric)
    : m_metric(metric),
      m_dist(metric.cch().node_count(), infinity),
      m_bucket_of(metric.cch().node_count(), invalid_index) {}

void CchManyToMany::set_targets(std::span<const std::uint32_t> targets) {
    const Cch& g = m_metric.cch();
    const auto& parent = g.elimination_parent();
    const auto backward = m_metric.query_arcs(false);
    for (const auto r : m_bucket_rank) m_bucket_of[r] = invalid_index;
    m_bucket_rank.clear();
    m_raw_bucket.clear();
    m_raw_target.clear();
    m_raw_cost.clear();
    m_target_count = targets.size();
    for (std::uint32_t i = 0; i < targets.size(); ++i) {
        const std::uint32_t t = g.rank(targets[i]);
        search_up(g, t, backward, m_dist.data(), [&](std::uint32_t x, double d) {
            if (m_bucket_of[x] == invalid_index) {
                m_bucket_of[x] = static_cast<std::uint32_t>(m_bucket_rank.size());
                m_bucket_rank.push_back(x);
            }
            m_raw_bucket.push_back(m_bucket_of[x]);
            m_raw_target.push_back(i);
            m_raw_cost.push_back(d);
        });
        for (std::uint32_t x = t; x != invalid_index; x = parent[x]) m_dist[x] = infinity;
    }
    // Counting sort by bucket (stable: targets ascending within a bucket).
    m_bucket_first.assign(m_bucket_rank.size() + 1, 0);
    for (const auto b : m_raw_bucket) ++m_bucket_first[b + 1];
    for (std::size_t b = 0; b < m_bucket_rank.size(); ++b) m_bucket_first[b + 1] += m_bucket_first[b];
    m_entry_target.resize(m_raw_bucket.size());
    m_entry_cost.resize(m_raw_bucket.size());
    // m_bucket_first[b] serves as the fill position of bucket b, then is shifted back.
    for (std::size_t e = 0; e < m_raw_bucket.size(); ++e) {
        const std::uint32_t p = m_bucket_first[m_raw_bucket[e]]++;
        m_entry_target[p] = m_raw_target[e];
        m_entry_cost[p] = m_raw_cost[e];
    }
    for (std::size_t b = m_bucket_rank.size(); b > 0; --b) m_bucket_first[b] = m_bucket_first[b - 1];
    m_bucket_first[0] = 0;
}

void CchManyToMany::run(std::uint32_t source, std::span<double> out) {
    assert(out.size() == m_target_count);
    const Cch& g = m_metric.cch();
    const auto& parent = g.elimination_parent();
    std::fill(out.begin(), out.end(), infinity);
    const std::uint32_t s = g.rank(source);
    search_up(g, s, m_metric.query_arcs(true), m_dist.data(), [&](std::uint32_t x, double d) {
        const std::uint32_t b = m_bucket_of[x];
        if (b == invalid_index) return;
        for (std::uint32_t e = m_bucket_first[b]; e < m_bucket_first[b + 1]; ++e) {
            double& o = out[m_entry_target[e]];
            o = std::min(o, d + m_entry_cost[e]);
        }
    });
    for (std::uint32_t x = s; x != invalid_index; x = parent[x]) m_dist[x] = infinity;
}

void CchManyToMany::run(std::span<const std::uint32_t> sources, std::span<double> out) {
    assert(out.size() == sources.size() * m_target_count);
    for (std::size_t i = 0; i < sources.size(); ++i) run(sources[i], out.subspan(i * m_target_count, m_target_count));
}

CchOneToAll::CchOneToAll(const CchMetric& metric) : m_metric(metric), m_dist(metric.cch().node_count(), infinity) {}

void CchOneToAll::run(std::uint32_t source) {
    std::fill(m_dist.begin(), m_dist.end(), infinity);
    search_up(m_metric.cch(), m_metric.cch().rank(source), m_metric.query_arcs(true), m_dist.data(),
              [](std::uint32_t, double) {});
    sweep_down<1>(m_metric.cch(), m_metric.query_arcs(false), m_dist.data());
}

CchManyToAll::CchManyToAll(const CchMetric& metric)
    : m_metric(metric),
      m_dist(metric.cch().node_count() * batch, infinity),
      m_up(metric.cch().node_count(), infinity) {}

void CchManyToAll::start(std::span<const std::uint32_t> sources, const double* forward_sum, bool sum_by_query_arc) {
    search_up_batch<batch>(
        m_metric, sources, forward_sum != nullptr, forward_sum, sum_by_query_arc, [](std::uint32_t x) { return x; },
        m_up, m_up_sum, m_dist, m_sum, "CchManyToAll::run");
    m_count = sources.size();
}

void CchManyToAll::run(std::span<const std::uint32_t> sources) {
    start(sources, nullptr, false);
    sweep_down<batch>(m_metric.cch(), m_metric.query_arcs(false), m_dist.data());  // unused columns stay +inf
}

void CchManyToAll::run(std::span<const std::uint32_t> sources, const CchMetric::PathSums& sums) {
    // The sums in the query graph's order when path_sums made them (a pruned metric): read in
    // sequence rather than through the arcs' numbers.
    bool forward_q = false, backward_q = false;
    const double* forward_sum = direction_sums(m_metric, sums, true, forward_q, "CchManyToAll::run");
    const double* backward_sum = direction_sums(m_metric, sums, false, backward_q, "CchManyToAll::run");
    if (m_sum.empty()) m_sum.assign(m_dist.size(), infinity), m_up_sum.assign(m_up.size(), infinity);
    start(sources, forward_sum, forward_q);
    auto backward = m_metric.query_arcs(false);
    if (backward_q) backward.arc = nullptr;
    sweep_down<batch>(m_metric.cch(), backward, backward_sum, m_dist.data(), m_sum.data());
}

CchManyToTargets::CchManyToTargets(const CchMetric& metric, std::span<const std::uint32_t> targets,
                                   const CchMetric::PathSums* sums)
    : m_metric(metric), m_with_sums(sums != nullptr) {
    const Cch& g = metric.cch();
    const std::size_t n = g.node_count();
    const auto& parent = g.elimination_parent();
    // The targets and their ancestors: up from each target until a rank already taken (whose
    // ancestors are then taken too).
    std::vector<std::uint8_t> taken(n, 0);
    for (const std::uint32_t t : targets) {
        if (t >= n)
            throw std::invalid_argument("CchManyToTargets: target " + std::to_string(t) + " of " + std::to_string(n) +
                                        " nodes");
        for (std::uint32_t x = g.rank(t); x != invalid_index && !taken[x]; x = parent[x]) taken[x] = 1;
    }
    m_local.assign(n, invalid_index);
    for (std::size_t r = n; r-- > 0;)
        if (taken[r]) {
            m_local[r] = static_cast<std::uint32_t>(m_rank.size());
            m_rank.push_back(static_cast<std::uint32_t>(r));
        }
    // Their downward arcs as the sweep reads them (the backward query arcs, in their order), the
    // upper ends as selected places; with sums, each arc's backward sum (CchManyToAll::run's).
    const double* backward_sum = nullptr;
    bool backward_by_query_arc = false;
    if (sums) {
        m_forward_sum = direction_sums(metric, *sums, true, m_forward_by_query_arc, "CchManyToTargets");
        backward_sum = direction_sums(metric, *sums, false, backward_by_query_arc, "CchManyToTargets");
    }
    const auto backward = metric.query_arcs(false);
    const std::size_t m = m_rank.size();
    m_first.assign(m + 1, 0);
    for (std::size_t i = 0; i < m; ++i)
        m_first[i + 1] = m_first[i] + (backward.first[m_rank[i] + 1] - backward.first[m_rank[i]]);
    m_head.resize(m_first[m]);
    m_weight.resize(m_first[m]);
    if (sums) m_arc_sum.resize(m_first[m]);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, m, 256), [&](const tbb::blocked_range<std::size_t>& range) {
        for (std::size_t i = range.begin(); i < range.end(); ++i) {
            std::uint32_t at = m_first[i];
            for (std::uint32_t c = backward.first[m_rank[i]]; c < backward.first[m_rank[i] + 1]; ++c, ++at) {
                assert(m_local[backward.head[c]] != invalid_index);  // an ancestor of the rank
                m_head[at] = m_local[backward.head[c]];
                m_weight[at] = backward.weight[c];
                if (sums) m_arc_sum[at] = backward_sum[backward_by_query_arc || !backward.arc ? c : backward.arc[c]];
            }
        }
    });
    m_target.reserve(targets.size());
    for (const std::uint32_t t : targets) m_target.push_back(m_local[g.rank(t)]);
}

CchManyToTargets::Sweep::Sweep(const CchManyToTargets& targets)
    : m_of(&targets),
      m_dist(targets.m_rank.size() * batch, infinity),
      m_up(targets.m_metric.cch().node_count(), infinity) {
    if (targets.m_with_sums) m_sum.assign(m_dist.size(), infinity), m_up_sum.assign(m_up.size(), infinity);
}

void CchManyToTargets::Sweep::run(std::span<const std::uint32_t> sources) {
    const CchManyToTargets& s = *m_of;
    const std::uint32_t* local = s.m_local.data();
    search_up_batch<batch>(
        s.m_metric, sources, s.m_with_sums, s.m_forward_sum, s.m_forward_by_query_arc,
        [local](std::uint32_t x) { return local[x]; }, m_up, m_up_sum, m_dist, m_sum, "CchManyToTargets::Sweep::run");
    m_count = sources.size();
    // The sweep of sweep_down over the selected ranks from the top down (sweep_rank on the compact
    // graph): the same minima (and sums) over the same arcs in the same order.
    const std::uint32_t* first = s.m_first.data();
    const std::uint32_t* head = s.m_head.data();
    const double* weight = s.m_weight.data();
    for (std::size_t r = 0; r < s.m_rank.size(); ++r)
        if (s.m_with_sums)
            sweep_rank<batch>(r, first, head, weight, nullptr, s.m_arc_sum.data(), m_dist.data(), m_sum.data());
        else
            sweep_rank<batch>(r, first, head, weight, m_dist.data());
}

std::uint64_t CchLabels::entry_count(const Cch& cch) {
    const auto& parent = cch.elimination_parent();
    std::vector<std::uint32_t> depth(cch.node_count(), 0);
    std::uint64_t total = 0;
    for (std::size_t r = cch.node_count(); r-- > 0;) {
        depth[r] = parent[r] == invalid_index ? 0 : depth[parent[r]] + 1;
        total += depth[r] + 1;
    }
    return total;
}

void CchLabels::drop_sums() {
    decltype(m_sum)().swap(m_sum);
    m_source_side = !m_forward && symmetric(*m_metric);
}

bool CchLabels::symmetric(const CchMetric& metric) {
    const std::size_t arcs = metric.query_arc_count(true);
    if (metric.query_arc_count(false) != arcs) return false;
    const auto f = metric.query_arcs(true), b = metric.query_arcs(false);
    const std::size_t n = metric.cch().node_count();
    return std::equal(f.first, f.first + n + 1, b.first) && std::equal(f.head, f.head + arcs, b.head) &&
           std::equal(f.weight, f.weight + arcs, b.weight);
}

CchLabels::CchLabels(const CchMetric& metric, bool forward, const CchMetric::PathSums* sums, Storage storage)
    : m_metric(&metric),
      m_forward(forward),
      m_source_side(!forward && !sums && symmetric(metric)),
      m_cost(std::move(storage)) {
    const Cch& g = metric.cch();
    const std::size_t n = g.node_count();
    const auto& parent = g.elimination_parent();
    // A parent ranks above its children: depths from the top down, subtree sizes from the bottom
    // up, and a preorder (each subtree a contiguous interval) from the top down.
    m_depth.assign(n, 0);
    m_subtree.assign(n, 1);
    m_preorder.assign(n, 0);
    for (std::size_t r = n; r-- > 0;) m_depth[r] = parent[r] == invalid_index ? 0 : m_depth[parent[r]] + 1;
    for (std::size_t r = 0; r < n; ++r)
        if (parent[r] != invalid_index) m_subtree[parent[r]] += m_subtree[r];
    {
        std::vector<std::uint32_t> next(n, 0);  // where a node's next child's subtree begins
        std::uint32_t roots = 0;
        for (std::size_t r = n; r-- > 0;) {
            std::uint32_t& at = parent[r] == invalid_index ? roots : next[parent[r]];
            m_preorder[r] = at;
            at += m_subtree[r];
            next[r] = m_preorder[r] + 1;
        }
    }
    m_offset.assign(n + 1, 0);
    for (std::size_t r = 0; r < n; ++r) m_offset[r + 1] = m_offset[r] + m_depth[r] + 1;
    // Uninitialised (a block passed on keeps its old values): each label is filled by its task
    // below. A block passed on that is too small goes first (its values are not copied).
    if (m_cost.capacity() < m_offset[n]) Storage().swap(m_cost);
    m_cost.resize(m_offset[n]);
    bool by_query_arc = false;
    const double* arc_sum = nullptr;
    if (sums) {
        arc_sum = direction_sums(metric, *sums, forward, by_query_arc, "CchLabels");
        m_sum.resize(m_offset[n]);
    }
    const auto arcs = metric.query_arcs(forward);
    m_in = ReverseIndex(arcs, n);
    if (sums)
        build_top_down_sums(arcs, arc_sum, by_query_arc);
    else
        build_top_down(arcs);
}

namespace {

// Rank v's label (depth + 1 entries, root first) from its query arcs' heads' labels, which are its
// ancestors, their labels the first entries of its own: label[i] = min over v's arcs (v, u) of
// weight + label(u)[i], for i <= depth(u), and 0 at v itself (entry depth(v)). The paths are those
// of the upward search (their first arc, then the head's least path), so the costs are its costs;
// each is a sum of the metric's weights, exact on their grid (CchMetric), so they are its bits
// too, however the additions are grouped. `head_label(u)` gives head u's label.
template <class HeadLabel>
void label_from_heads(double* label, std::uint32_t v, const CchMetric::ArcView& arcs,
                      const std::vector<std::uint32_t>& depth, HeadLabel&& head_label) {
    const std::uint32_t d = depth[v];
    std::fill(label, label + d, infinity);
    label[d] = 0;
    for (std::uint32_t c = arcs.first[v]; c < arcs.first[v + 1]; ++c) {
        const double w = arcs.weight[c];
        if (!(w < infinity)) continue;
        const std::uint32_t u = arcs.head[c];
        const double* from = head_label(u);
        const std::size_t count = depth[u] + 1;
        std::size_t i = 0;
#if FLEMSIM_X86_SIMD
        if (has_avx512 && count >= 8) i = min_plus_avx512(label, from, w, count);
#endif
        for (; i < count; ++i) label[i] = std::min(label[i], from[i] + w);
    }
}

// label_from_heads keeping each entry's predecessor in rank v's upward search, as its query arc
// (`pred`; invalid_index at v and where unreached): the search relaxes the ranks of v's path from
// v up, and a rank keeps the first arc that gives it its least cost, from the lowest rank p whose
// cost plus the arc's weight is its cost. That p is v where v's own arc gives the cost, else the
// lowest of the heads' predecessors over v's arcs (v, u) through which the cost is reached (a
// rank on a least-cost path from u to x lies on one from v through u, and each from v goes
// through some u). Arcs are numbered by tail rank, so the lowest rank is the lowest arc: each
// entry takes the least (cost, predecessor). `head_label(u)` gives head u's label and predecessors.
template <class HeadLabel>
void label_from_heads_tracked(double* label, std::uint32_t* pred, std::uint32_t v, const CchMetric::ArcView& arcs,
                              const std::vector<std::uint32_t>& depth, HeadLabel&& head_label) {
    const std::uint32_t d = depth[v];
    std::fill(label, label + d, infinity);
    std::fill(pred, pred + d + 1, invalid_index);
    label[d] = 0;
    for (std::uint32_t c = arcs.first[v]; c < arcs.first[v + 1]; ++c) {
        const double w = arcs.weight[c];
        if (!(w < infinity)) continue;
        const std::uint32_t u = arcs.head[c];
        const auto [from, from_pred] = head_label(u);
        const std::size_t count = depth[u];  // u's ancestors; u itself by the arc, below
        std::size_t i = 0;
#if FLEMSIM_X86_SIMD
        if (has_avx512 && count >= 8) i = min_plus_tracked_avx512(label, pred, from, from_pred, w, count);
#endif
        for (; i < count; ++i) {
            const double through = from[i] + w;
            if (through < label[i] || (through == label[i] && from_pred[i] < pred[i])) {
                label[i] = through;
                pred[i] = from_pred[i];
            }
        }
        // u by the arc: its cost from[count] (0) + w; the arc's tail, v, ranks below any other.
        const double through = from[count] + w;
        if (through < label[count] || (through == label[count] && c < pred[count])) {
            label[count] = through;
            pred[count] = c;
        }
    }
}

// Rank v's path sums (`out`, a double per entry of its label, root first) along the predecessors
// `pred` of its label `label` (label_from_heads_tracked): v's is 0, each other reached entry's its
// predecessor's (the arc's tail, deeper on v's path) plus the arc's sum, as v's upward search adds
// them (search_up_tracked): the same bits. Unreached entries get +inf.
void label_sums(const double* label, const std::uint32_t* pred, std::uint32_t v, const CchMetric::ArcView& arcs,
                const std::vector<std::uint32_t>& up_tail, const double* arc_sum, bool by_query_arc,
                const std::vector<std::uint32_t>& depth, double* out) {
    const std::uint32_t d = depth[v];
    out[d] = 0;
    for (std::size_t i = d; i-- > 0;) {
        if (!(label[i] < infinity)) {
            out[i] = infinity;
            continue;
        }
        const std::uint32_t c = pred[i];
        const std::uint32_t a = arcs.arc ? arcs.arc[c] : c;
        out[i] = out[depth[up_tail[a]]] + arc_sum[by_query_arc ? c : a];
    }
}

}  // namespace

template <class Crown, class Subtree>
void CchLabels::top_down(Crown&& crown, Subtree&& subtree) const {
    // A parent's label comes before its children's: the ranks whose subtrees are large (the
    // crown) first, then the small subtrees, each a task. The crown is a tree of chains (a
    // separator's ranks follow one another): each chain on one thread, from the top down, and
    // where a rank has several children in the crown, their parts in parallel. A label depends
    // on its ancestors' alone, so the labels are those of one rank after the other in preorder
    // (about 0.3 s a metric on one thread on the 100,000-node grid, the other idle).
    const std::size_t n = m_depth.size();
    std::vector<std::uint32_t> by_preorder(n);
    for (std::uint32_t r = 0; r < n; ++r) by_preorder[m_preorder[r]] = r;
    const std::uint32_t grain = top_down_grain();
    const auto& parent = m_metric->cch().elimination_parent();
    std::vector<std::uint32_t> subtrees;  // roots of the small subtrees, in preorder
    std::vector<std::uint32_t> crown_roots;
    std::vector<std::uint32_t> kids_first(n + 1, 0), kids;  // each crown rank's children in the crown
    for (std::uint32_t r = 0; r < n; ++r)
        if (m_subtree[r] > grain && parent[r] != invalid_index) ++kids_first[parent[r] + 1];
    for (std::size_t r = 0; r < n; ++r) kids_first[r + 1] += kids_first[r];
    kids.resize(kids_first[n]);
    {
        std::vector<std::uint32_t> at(kids_first.begin(), kids_first.end() - 1);
        for (std::uint32_t p = 0; p < n; ++p) {
            const std::uint32_t v = by_preorder[p];
            if (m_subtree[v] > grain) {
                if (parent[v] == invalid_index)
                    crown_roots.push_back(v);
                else
                    kids[at[parent[v]]++] = v;
            } else if (parent[v] == invalid_index || m_subtree[parent[v]] > grain) {
                subtrees.push_back(v);
            }
        }
    }
    const std::function<void(std::uint32_t)> chain = [&](std::uint32_t v) {
        for (;;) {
            crown(v);
            const std::uint32_t b = kids_first[v], e = kids_first[v + 1];
            if (e - b == 1) {
                v = kids[b];
                continue;
            }
            if (e > b) tbb::parallel_for(b, e, [&](std::uint32_t k) { chain(kids[k]); });
            return;
        }
    };
    tbb::parallel_for(std::size_t{0}, crown_roots.size(), [&](std::size_t k) { chain(crown_roots[k]); });
    tbb::parallel_for(std::size_t{0}, subtrees.size(), [&](std::size_t k) {
        const std::uint32_t root = subtrees[k];
        subtree(std::span<const std::uint32_t>(by_preorder.data() + m_preorder[root], m_subtree[root]));
    });
}

std::uint32_t CchLabels::deepest_rank_depth() const {
    return m_depth.empty() ? 0 : *std::max_element(m_depth.begin(), m_depth.end());
}

std::uint32_t CchLabels::top_down_grain() const {
    return std::max<std::uint32_t>(1024, static_cast<std::uint32_t>(m_depth.size() / 512));
}

void CchLabels::build_top_down(const CchMetric::ArcView& arcs) {
    const auto label = [&](std::uint32_t u) -> double* { return m_cost.data() + m_offset[u]; };
    const auto build = [&](std::uint32_t v) { label_from_heads(label(v), v, arcs, m_depth, label); };
    top_down(build, [&](std::span<const std::uint32_t> ranks) {
        for (const auto v : ranks) build(v);
    });
}

void CchLabels::build_top_down_sums(const CchMetric::ArcView& arcs, const double* arc_sum, bool by_query_arc) {
    // The predecessors first, in the sums' memory (each label's are read by the labels below it),
    // then each label's sums in their place.
    const auto label = [&](std::uint32_t u) {
        return std::pair<const double*, const std::uint32_t*>(m_cost.data() + m_offset[u], m_sum.data() + m_offset[u]);
    };
    const auto build = [&](std::uint32_t v) {
        label_from_heads_tracked(m_cost.data() + m_offset[v], m_sum.data() + m_offset[v], v, arcs, m_depth, label);
    };
    top_down(build, [&](std::span<const std::uint32_t> ranks) {
        for (const auto v : ranks) build(v);
    });
    const std::size_t n = m_depth.size();
    const auto& up_tail = m_metric->cch().up_tail();
    const std::uint32_t deepest = deepest_rank_depth();
    tbb::enumerable_thread_specific<std::vector<double>> scratch([&] { return std::vector<double>(deepest + 1); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 64), [&](const tbb::blocked_range<std::size_t>& range) {
        double* sums = scratch.local().data();
        for (std::size_t r = range.begin(); r != range.end(); ++r) {
            const auto v = static_cast<std::uint32_t>(r);
            std::uint32_t* entry = m_sum.data() + m_offset[r];
            label_sums(m_cost.data() + m_offset[r], entry, v, arcs, up_tail, arc_sum, by_query_arc, m_depth, sums);
            for (std::uint32_t i = 0; i <= m_depth[r]; ++i)
                entry[i] = std::bit_cast<std::uint32_t>(static_cast<float>(sums[i]));
        }
    });
}

void CchLabels::sweep(bool forward, std::span<const std::uint8_t> wanted,
                      const std::function<void(std::uint32_t node, const double* label)>& visit) const {
    sweep_labels<false>(forward, wanted,
                        [&](std::uint32_t node, const double* label, const std::uint32_t*) { visit(node, label); });
}

template <bool tracked, class Visit>
void CchLabels::sweep_labels(bool forward, std::span<const std::uint8_t> wanted, Visit&& visit) const {
    const Cch& g = m_metric->cch();
    const std::size_t n = m_depth.size();
    if (wanted.size() != n) throw std::invalid_argument("CchLabels::sweep: one flag per node");
    const auto arcs = m_metric->query_arcs(forward);
    const std::uint32_t grain = top_down_grain();
    const std::uint32_t deepest = deepest_rank_depth();
    // The crown's labels are kept (each by its own offset); a small subtree's ranks find their
    // ancestors there or on their task's path: the label of the path's rank at depth d lies at
    // d (d + 1) / 2 in the task's buffer, the last rank of that depth in preorder being the one
    // on the path. Tracked, the predecessors lie beside them the same way.
    constexpr auto none = std::numeric_limits<std::uint64_t>::max();
    std::vector<std::uint64_t> crown_at(n, none);
    std::uint64_t crown_size = 0;
    for (std::uint32_t r = 0; r < n; ++r)
        if (m_subtree[r] > grain) crown_at[r] = crown_size, crown_size += m_depth[r] + 1;
    std::vector<double> crown(crown_size);
    std::vector<std::uint32_t> crown_pred(tracked ? crown_size : 0);
    const auto slot = [](std::uint32_t d) { return static_cast<std::size_t>(d) * (d + 1) / 2; };
    struct Path {
        std::vector<double> cost;
        std::vector<std::uint32_t> pred;  // tracked only
    };
    tbb::enumerable_thread_specific<Path> paths([&] {
        return Path{std::vector<double>(slot(deepest + 1)),
                    std::vector<std::uint32_t>(tracked ? slot(deepest + 1) : 0)};
    });
    using Entries = std::pair<double*, std::uint32_t*>;  // a label's costs and predecessors
    // Rank v's label into `at(v)` from its heads' (`at(u)`), then handed to visit() if wanted.
    const auto make = [&](std::uint32_t v, const auto& at) {
        const auto [label, pred] = at(v);
        if constexpr (tracked)
            label_from_heads_tracked(label, pred, v, arcs, m_depth, [&](std::uint32_t u) {
                const auto [cost, p] = at(u);
                return std::pair<const double*, const std::uint32_t*>(cost, p);
            });
        else
            label_from_heads(label, v, arcs, m_depth, [&](std::uint32_t u) -> const double* { return at(u).first; });
        if (wanted[g.node_at(v)]) visit(g.node_at(v), static_cast<const double*>(label), pred);
    };
    const auto in_crown = [&](std::uint32_t u) {
        return Entries(crown.data() + crown_at[u], tracked ? crown_pred.data() + crown_at[u] : nullptr);
    };
    top_down([&](std::uint32_t v) { make(v, in_crown); },
             [&](std::span<const std::uint32_t> ranks) {
                 auto& path = paths.local();
                 const auto at = [&](std::uint32_t u) {
                     if (crown_at[u] != none) return in_crown(u);
                     return Entries(path.cost.data() + slot(m_depth[u]),
                                    tracked ? path.pred.data() + slot(m_depth[u]) : nullptr);
                 };
                 for (const auto v : ranks) make(v, at);
             });
}

CchLabels::ReverseIndex::ReverseIndex(const CchMetric::ArcView& arcs, std::size_t n) {
    // Tails taken in ascending order.
    first.assign(n + 1, 0);
    for (std::size_t c = 0; c < arcs.first[n]; ++c) ++first[arcs.head[c] + 1];
    for (std::size_t r = 0; r < n; ++r) first[r + 1] += first[r];
    tail.resize(arcs.first[n]);
    pos.resize(arcs.first[n]);
    std::vector<std::uint32_t> at(first.begin(), first.end() - 1);
    for (std::uint32_t r = 0; r < n; ++r)
        for (std::uint32_t c = arcs.first[r]; c < arcs.first[r + 1]; ++c) {
            const std::uint32_t e = at[arcs.head[c]]++;
            tail[e] = r;
            pos[e] = c;
        }
}

void CchLabels::keep_other_index() {
    if (m_other_in.first.empty())
        m_other_in = ReverseIndex(m_metric->query_arcs(!m_forward), m_metric->cch().node_count());
}

void CchLabels::down_path(std::uint32_t v, std::uint32_t a, std::vector<std::uint32_t>& up_arcs) const {
    down_path(m_forward, m_in, cost(v), v, a, up_arcs);
}

void CchLabels::other_down_path(const double* label, std::uint32_t v, std::uint32_t a,
                                std::vector<std::uint32_t>& up_arcs) const {
    if (m_other_in.first.empty()) throw std::logic_error("CchLabels::other_down_path: no keep_other_index()");
    down_path(!m_forward, m_other_in, label, v, a, up_arcs);
}

void CchLabels::down_path(bool forward, const ReverseIndex& in, const double* label, std::uint32_t v, std::uint32_t a,
                          std::vector<std::uint32_t>& up_arcs) const {
    const auto arcs = m_metric->query_arcs(forward);
    while (a != v) {
        const double at = label[m_depth[a]];
        std::uint32_t next = invalid_index;
        for (std::uint32_t e = in.first[a]; e < in.first[a + 1]; ++e) {
            const std::uint32_t b = in.tail[e], c = in.pos[e];
            if (ancestor(b, v) && label[m_depth[b]] + arcs.weight[c] == at) {
                up_arcs.push_back(arcs.arc ? arcs.arc[c] : c);
                next = b;
                break;
            }
        }
        if (next == invalid_index) throw std::logic_error("CchLabels::down_path: no predecessor (an unreached rank)");
        a = next;
    }
}

CchLabelQuery::CchLabelQuery(const CchLabels& to, const CchLabels* from, const CchMetric::PathSums* sums)
    : m_to(to), m_from(from), m_sums(sums) {
    if (to.forward()) throw std::invalid_argument("CchLabelQuery: the target's labels must be backward ones");
    if (from && &from->metric() != &to.metric()) throw std::invalid_argument("CchLabelQuery: labels of two metrics");
    if (from && from != &to && !from->forward())
        throw std::invalid_argument("CchLabelQuery: the source's labels must be forward ones");
    if (from && to.has_sums() && (from == &to || !from->has_sums()))
        throw std::invalid_argument("CchLabelQuery: path sums need the source's forward sums");
    if (!from) {
        if (to.has_sums() && !sums) throw std::invalid_argument("CchLabelQuery: path sums needed for the source");
        const std::size_t n = to.metric().cch().node_count();
        m_dist.assign(n, infinity);
        m_pred.assign(n, invalid_index);
        if (to.has_sums()) m_dist_sum.assign(n, infinity);
    }
}

void CchLabelQuery::from_source(std::uint32_t source) {
    const Cch& g = m_to.metric().cch();
    const auto& parent = g.elimination_parent();
    const std::uint32_t s = set_path(source);
    const std::size_t size = m_path.size();
    const bool sums = m_to.has_sums();
    m_by_label = false;
    if (m_from) {
        m_cost.assign(m_from->cost(s), m_from->cost(s) + size);
        if (sums) {
            m_sum.resize(size);
            for (std::size_t i = 0; i < size; ++i) m_sum[i] = m_from->sum(s, i);
        }
        return;
    }
    // The source's upward search (as CchQuery's, keeping its predecessors), carrying the sums.
    m_cost.assign(size, infinity);
    if (sums) m_sum.assign(size, infinity);
    bool by_query_arc = false;
    const double* arc_sum =
        sums ? direction_sums(m_to.metric(), *m_sums, true, by_query_arc, "CchLabelQuery") : nullptr;
    search_up_tracked(g, s, m_to.metric().query_arcs(true), arc_sum, by_query_arc, m_dist.data(),
                      sums ? m_dist_sum.data() : nullptr, m_pred.data(), [&](std::uint32_t x, double d, double value) {
                          m_cost[m_to.depth(x)] = d;
                          if (sums) m_sum[m_to.depth(x)] = value;
                      });
    for (std::uint32_t x = s; x != invalid_index; x = parent[x]) m_dist[x] = infinity;
}

std::uint32_t CchLabelQuery::set_path(std::uint32_t source) {
    const auto& parent = m_to.metric().cch().elimination_parent();
    const std::uint32_t s = m_to.metric().cch().rank(source);
    const std::size_t size = m_to.depth(s) + 1;
    m_path.resize(size);
    for (std::uint32_t x = s, i = static_cast<std::uint32_t>(size); x != invalid_index; x = parent[x]) m_path[--i] = x;
    return s;
}

void CchLabelQuery::from_label(std::uint32_t source, const double* label, const double* sums) {
    if (m_to.has_sums() != (sums != nullptr))
        throw std::logic_error("CchLabelQuery::from_label: sums go with target labels with sums, and only with them");
    set_path(source);
    m_cost.assign(label, label + m_path.size());
    if (sums) m_sum.assign(sums, sums + m_path.size());
    m_by_label = true;
}

void CchLabels::for_each_source(std::span<const std::uint8_t> wanted, const CchMetric::PathSums* sums, bool paths,
                                const std::function<void(CchLabelQuery& query, std::uint32_t node)>& visit) {
    const std::size_t n = m_depth.size();
    if (wanted.size() != n) throw std::invalid_argument("CchLabels::for_each_source: one flag per node");
    tbb::enumerable_thread_specific<CchLabelQuery> queries([&] { return CchLabelQuery(*this, source_side(), sums); });
    if (!source_side() && !has_sums()) {
        if (paths) keep_other_index();
        sweep(!m_forward, wanted, [&](std::uint32_t node, const double* label) {
            CchLabelQuery& q = queries.local();
            q.from_label(node, label);
            visit(q, node);
        });
        return;
    }
    if (has_sums()) {
        // The forward labels swept with their predecessors, each node's sums added up along them
        // (label_sums): its upward search's costs, sums and path, in a tenth of the searches' time.
        if (!sums) throw std::invalid_argument("CchLabels::for_each_source: path sums needed for the sources");
        if (paths) keep_other_index();
        bool by_query_arc = false;
        const double* arc_sum = direction_sums(*m_metric, *sums, !m_forward, by_query_arc, "CchLabels");
        const auto arcs = m_metric->query_arcs(!m_forward);
        const auto& up_tail = m_metric->cch().up_tail();
        tbb::enumerable_thread_specific<std::vector<double>> scratch;
        sweep_labels<true>(!m_forward, wanted, [&](std::uint32_t node, const double* label, const std::uint32_t* pred) {
            const std::uint32_t v = m_metric->cch().rank(node);
            auto& s = scratch.local();
            s.resize(m_depth[v] + 1);
            label_sums(label, pred, v, arcs, up_tail, arc_sum, by_query_arc, m_depth, s.data());
            CchLabelQuery& q = queries.local();
            q.from_label(node, label, s.data());
            visit(q, node);
        });
        return;
    }
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 16), [&](const tbb::blocked_range<std::size_t>& r) {
        CchLabelQuery& q = queries.local();
        for (std::size_t node = r.begin(); node != r.end(); ++node) {
            if (!wanted[node]) continue;
            q.from_source(static_cast<std::uint32_t>(node));
            visit(q, static_cast<std::uint32_t>(node));
        }
    });
}

double CchLabelQuery::to(std::uint32_t target) {
    if (m_path.empty()) throw std::logic_error("CchLabelQuery::to: no from_source()");
    const std::uint32_t t = m_to.metric().cch().rank(target);
    m_target = t;
    m_last_sum = m_last_cost = infinity;
    if (!m_to.ancestor(m_path[0], t)) return infinity;  // in another tree of the forest: no path
    // The common ancestors are a prefix of the source's path: the last one by bisection.
    std::size_t lo = 0, hi = m_path.size();
    while (hi - lo > 1) {
        const std::size_t mid = lo + (hi - lo) / 2;
        (m_to.ancestor(m_path[mid], t) ? lo : hi) = mid;
    }
    const std::size_t common = lo + 1;
    const double* f = m_cost.data();
    const double* b = m_to.cost(t);
    double best = infinity;
    std::size_t k = 0;
#if FLEMSIM_X86_SIMD
    if (has_avx512 && common >= 16) k = least_sum_avx512(f, b, common, best);
#endif
    for (; k < common; ++k) best = std::min(best, f[k] + b[k]);
    m_last_cost = best;
    if (best < infinity) {
        // The meeting: the lowest rank of least cost, the last such entry.
        std::size_t i = common;
        while (f[i - 1] + b[i - 1] != best) --i;
        m_meet = i - 1;
        if (m_to.has_sums()) m_last_sum = m_sum[m_meet] + static_cast<double>(m_to.sum(t, m_meet));
    }
    return best;
}

bool CchLabelQuery::path(std::vector<std::uint32_t>& arcs) {
    if (!(m_last_cost < infinity)) return false;
    const CchMetric& metric = m_to.metric();
    const auto& tail = metric.cch().up_tail();
    const std::uint32_t meeting = m_path[m_meet], source = m_path.back();
    // The source's side, from the meeting down to the source, unpacked upward in reverse.
    m_up.clear();
    if (m_by_label) {
        m_to.other_down_path(m_cost.data(), source, meeting, m_up);
    } else if (m_from) {
        m_from->down_path(source, meeting, m_up);
    } else {
        const auto forward = metric.query_arcs(true);
        for (std::uint32_t v = meeting; v != source;) {
            const std::uint32_t c = m_pred[v];
            const std::uint32_t a = forward.arc ? forward.arc[c] : c;
            m_up.push_back(a);
            v = tail[a];
        }
    }
    for (std::size_t i = m_up.size(); i-- > 0;) metric.unpack(m_up[i], true, arcs, m_unpack);
    m_up.clear();
    m_to.down_path(m_target, meeting, m_up);
    for (const auto a : m_up) metric.unpack(a, false, arcs, m_unpack);
    return true;
}

}  // namespace flemsim::routing
