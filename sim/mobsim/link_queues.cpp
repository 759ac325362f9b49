#include "sim/mobsim/link_queues.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "sim/core/rng.hpp"
#include "sim/mobsim/radix_sort.hpp"

namespace flemsim::mobsim {

LinkQueues::LinkQueues(const MobsimContext& ctx, const routing::TripRoutes& routes, const TransitVehicles& transit,
                       DayResult& res, EventWheel& wheel)
    : m_ctx(ctx),
      m_car(ctx.routing.car),
      m_routes(routes),
      m_transit(transit),
      m_res(res),
      m_wheel(wheel),
      m_half_access(static_cast<std::int32_t>(std::lround(ctx.params.car_access_s / 2))) {
    const auto& p = ctx.params;
    const auto& net = ctx.routing.net;
    const std::size_t arcs = m_car.arc_count();
    m_link.resize(arcs);
    for (std::size_t a = 0; a < arcs; ++a) {
        const auto link = m_car.link[a];
        Link& l = m_link[a];
        l.fft = std::max<std::int32_t>(1, static_cast<std::int32_t>(std::lround(m_car.time_s[a])));
        l.rate = net.link_capacity_veh_per_h[link] * p.capacity_factor / 3600.0;
        l.tokens = l.max_tokens();
        const double storage = m_car.length_m[a] * net.link_lanes[link] * p.capacity_factor / p.vehicle_length_m;
        l.storage = static_cast<std::uint32_t>(std::max(1.0, std::floor(storage)));
    }
    m_out_first.resize(arcs);
    for (std::size_t a = 0; a < arcs; ++a) m_out_first[a] = m_car.first_out[m_car.head[a]];
    m_entry.resize(arcs);
    m_entry_head.assign(arcs, 0);
    m_entry_listed.assign(arcs, 0);
    m_entry_since.assign(arcs, -1);

    // Counted hour-major during the day (the second's moves fall in one hour: their counters
    // lie together), in DayResult's link-major order at the end (finish()).
    m_link_dir_count = net.link_count() * 2;
    m_cars = core::ZeroedArray<std::uint32_t>(m_link_dir_count * volume_hours);
    m_buses = core::ZeroedArray<std::uint32_t>(m_cars.size());
    m_times = core::ZeroedArray<std::uint64_t>(arcs * volume_hours);
    for (std::size_t a = 0; a < arcs; ++a) {
        const std::uint32_t link = m_car.link[a];
        m_link[a].link_dir = link * 2 + (m_car.tail[a] == net.link_from[link] ? 0 : 1);
    }
}

std::size_t LinkQueues::volume_index(std::uint32_t arc, std::int32_t t) const {
    return hour_of(t) * m_link_dir_count + m_link[arc].link_dir;
}

namespace {

// Prefetches of the phases' loops: each asks for the memory an item a few places on will read
// (its link's record, the head or tail of its queue, its counters, the next arc of its route),
// so that the misses of several items overlap instead of following one another. They change no
// result: a prefetch reads nothing the program sees.
constexpr std::size_t ahead = 12;
inline void prefetch(const void* p) {
    __builtin_prefetch(p, 0, 3);
}
inline void prefetch_write(const void* p) {
    __builtin_prefetch(p, 1, 3);
}

// The sources of a second in blocks of this many, in order: each block's intents are gathered in
// a buffer of its own (one block per task), then laid end to end.
constexpr std::size_t block_sources = 64;

// An intent's place in m_intents, from its key (the low half).
inline std::size_t intent_of(std::uint64_t key) {
    return static_cast<std::uint32_t>(key);
}

// An hour-major table ([hour][i]) in link-major order ([i][hour]), each value through `value`:
// blocks of slots in parallel, each writing its own entries (the same table at any thread count).
template <class T, class F = std::identity>
auto by_slot(const core::ZeroedArray<T>& by_hour, F value = {}) {
    const std::size_t slots = by_hour.size() / volume_hours;
    std::vector<std::decay_t<std::invoke_result_t<F, const T&>>> out(by_hour.size());
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, slots, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t h = 0; h < volume_hours; ++h)
            for (std::size_t i = r.begin(); i != r.end(); ++i)
                out[i * volume_hours + h] = value(by_hour[h * slots + i]);
    });
    return out;
}

}  // namespace

// The four tables side by side, each made in parallel: each new table's pages are faulted in
// and zeroed by the thread that makes it (on a million agents' day four tables of 19 million
// entries, 1.2 s on one thread before).
void LinkQueues::finish() {
    tbb::parallel_invoke(
        [&] { m_res.cars = by_slot(m_cars); }, [&] { m_res.buses = by_slot(m_buses); },
        [&] {
            // The seconds, whole numbers far below 2^53, are the same as summed in
            // a double.
            m_res.car_time_sum =
                by_slot(m_times, [](std::uint64_t v) { return static_cast<double>(v & time_sum_mask); });
        },
        [&] {
            m_res.car_time_count =
                by_slot(m_times, [](std::uint64_t v) { return static_cast<std::uint32_t>(v >> time_sum_bits); });
        });
}

// A car follows its leg's links; a bus the car path of the segment it drives. Both as a range
// [first, end) of positions in an arc sequence (the routes' arcs for a car, the bus routes'
// for a bus).
std::pair<std::uint32_t, std::uint32_t> LinkQueues::links_of(VehicleRef v) const {
    if (v.is_bus()) {
        const auto rn = m_transit.route_node_left(v.index);
        return {m_ctx.bus_routes.rn_first_arc[rn], m_ctx.bus_routes.rn_first_arc[rn + 1]};
    }
    return {m_routes.leg_first_arc[v.index], m_routes.leg_first_arc[v.index + 1]};
}

std::uint32_t LinkQueues::first_link(VehicleRef v, std::uint32_t begin) const {
    return v.is_bus() ? m_ctx.bus_routes.arcs[begin] : m_routes.first_arc(v.index);
}

std::uint32_t LinkQueues::link_after(VehicleRef v, std::uint32_t at, std::uint32_t link) const {
    return v.is_bus() ? m_ctx.bus_routes.arcs[at] : m_routes.arc_after_from(at, m_out_first[link]);
}

void LinkQueues::refresh_tokens(std::uint32_t link, std::int32_t t) {
    Link& l = m_link[link];
    if (l.token_time == t) return;
    // A link held by the link it merges into keeps the capacity it could not use, up to one
    // vehicle more: when the merge lets it go, it has not lost its turn (so under saturation the
    // links into a merge move in proportion to their capacities, as the weighted order intends).
    const double cap = l.max_tokens() + (l.blocked_since >= 0 ? 1.0 : 0.0);
    l.tokens = std::min(cap, l.tokens + (t - l.token_time) * l.rate);
    l.token_time = t;
}

void LinkQueues::enter(std::int32_t t, std::vector<VehicleRef>& entries) {
    std::sort(entries.begin(), entries.end());
    for (const auto v : entries) {
        const auto [begin, end] = links_of(v);
        if (!v.is_bus() && begin == end) {
            // Origin and destination at the same node: the car is parked again.
            m_res.leg_board_s[v.index] = t;
            m_wheel.schedule(t + std::max(1, m_half_access), EventKind::leg_end, v.index);
            continue;
        }
        const std::uint32_t first = first_link(v, begin);
        m_entry[first].push_back({v, t, begin, end});
        if (!m_entry_listed[first]) {
            m_entry_listed[first] = 1;
            m_entry_links.push_back(first);
        }
    }
}

void LinkQueues::collect_intents(std::int32_t t, std::vector<std::uint32_t>& woken) {
    m_intents.clear();
    m_by_target.clear();
    sort_keys(woken, m_sort_scratch);
    woken.erase(std::unique(woken.begin(), woken.end()), woken.end());
    sort_keys(m_entry_links, m_sort_scratch);
    if (woken.empty() && m_entry_links.empty()) {
        m_source_first.assign(1, 0);
        return;
    }

    // The sources in blocks of `block_sources`, in order, each block's intents appended to its own
    // buffer (a source's own, one after another: m_source_first holds its first within the block
    // until the blocks are laid end to end below), its links' rewakes in m_rewake.
    const std::size_t n_woken = woken.size(), n_sources = n_woken + m_entry_links.size();
    const std::size_t blocks = (n_sources + block_sources - 1) / block_sources;
    if (m_block_intents.size() < blocks) m_block_intents.resize(blocks);
    m_block_first.resize(blocks + 1);
    m_source_first.resize(n_sources + 1);
    m_rewake.resize(n_woken);
    // f(j) for each block, in parallel where the sources are as many as for_each_index's threshold.
    const auto each_block = [&](const auto& f) {
        for_each_range(blocks, n_sources >= m_ctx.params.parallel_threshold, 1,
                       [&](std::size_t begin, std::size_t end) {
                           for (std::size_t j = begin; j != end; ++j) f(j);
                       });
    };
    const auto intents_of_block = [&](std::size_t j) {
        auto& out = m_block_intents[j];
        out.clear();
        const std::size_t end = std::min(n_sources, (j + 1) * block_sources);
        for (std::size_t i = j * block_sources; i < end; ++i) {
            // `ahead` items on, the link's record; half as far on, the queue head of a link whose
            // record was asked for earlier (this phase writes only the links' tokens).
            if (i + ahead < n_woken) prefetch(&m_link[woken[i + ahead]]);
            if (i + ahead / 2 < n_woken) {
                const Link& l = m_link[woken[i + ahead / 2]];
                if (l.head < l.queue.size()) prefetch(&l.queue[l.head].exit_s);
            }
            m_source_first[i] = out.size();
            if (i < n_woken)
                m_rewake[i] = link_intents(woken[i], t, out);
            else
                waiting_list_intents(m_entry_links[i - n_woken], out);
        }
    };
    each_block(intents_of_block);
    for (std::size_t i = 0; i < n_woken; ++i)
        if (m_rewake[i] >= 0) m_wheel.schedule(m_rewake[i], EventKind::link_wake, woken[i]);
    // In source order (woken links ascending, then waiting lists ascending: the order of
    // Source), each source's intents by rank, with their (target, intent) keys; then by target
    // (then source and rank): one sort of the keys, whose high halves then give each intent's
    // target and low halves its place in m_intents.
    m_block_first[0] = 0;
    for (std::size_t j = 0; j < blocks; ++j) m_block_first[j + 1] = m_block_first[j] + m_block_intents[j].size();
    m_source_first[n_sources] = m_block_first[blocks];
    m_intents.resize(m_block_first[blocks]);
    m_by_target.resize(m_intents.size());
    each_block([&](std::size_t j) {
        const std::size_t base = m_block_first[j], end = std::min(n_sources, (j + 1) * block_sources);
        for (std::size_t i = j * block_sources; i < end; ++i) m_source_first[i] += base;
        const auto& from = m_block_intents[j];
        std::copy(from.begin(), from.end(), m_intents.begin() + static_cast<std::ptrdiff_t>(base));
        for (std::size_t k = 0; k < from.size(); ++k)
            m_by_target[base + k] = (static_cast<std::uint64_t>(from[k].target) << 32) | (base + k);
    });
    sort_indexed_keys(m_by_target, m_sort_scratch64);
}

// The vehicles at the head of a link that reached its end, as many as its tokens allow. A
// link that moves nothing (its head not yet at the end, or the flow capacity not yet
// recovered) returns when to wake it again (-1: empty).
std::int32_t LinkQueues::link_intents(std::uint32_t a, std::int32_t t, std::vector<Intent>& out) {
    refresh_tokens(a, t);
    const Link& l = m_link[a];
    const auto& q = l.queue;
    const auto allowed = static_cast<std::uint32_t>(std::floor(l.tokens + 1e-9));
    std::uint32_t k = 0;
    for (std::uint32_t j = l.head; k < allowed && j < q.size() && q[j].exit_s <= t; ++k, ++j) {
        out.push_back({q[j].next, {Source::Kind::link, a}, k, q[j].vehicle, false});
        // For the release phase, should it leave: its car counter (prefetch).
        prefetch_write(&m_times[time_index(a, q[j].enter_s)]);
    }
    if (k > 0 || l.head == q.size()) return -1;
    std::int32_t when = std::max(q[l.head].exit_s, t + 1);
    if (allowed == 0 && l.rate > 0)
        when = std::max(when, t + static_cast<std::int32_t>(std::ceil((1.0 - l.tokens) / l.rate - 1e-9)));
    return when;
}

// A waiting list asks for at most one more than the link's storage (the last for a stuck
// squeeze).
void LinkQueues::waiting_list_intents(std::uint32_t b, std::vector<Intent>& out) const {
    const auto& w = m_entry[b];
    const std::uint32_t limit = m_link[b].storage + 1;
    for (std::uint32_t k = 0, j = m_entry_head[b]; k < limit && j < w.size(); ++k, ++j)
        out.push_back({b, {Source::Kind::waiting_list, b}, k, w[j].vehicle, false});
}

// Per target, independently: free storage as it was at the start of the second, to the sources
// in a random order weighted by capacity; a source blocked for the stuck time
// (simulation.stuck_time_s) squeezes in over the storage.
void LinkQueues::accept(std::int32_t t) {
    // Intent at position i of the target order.
    const auto at = [&](std::size_t i) -> Intent& { return m_intents[intent_of(m_by_target[i])]; };
    m_group_start.clear();
    for (std::size_t i = 0; i < m_by_target.size(); ++i)
        if (i == 0 || (m_by_target[i] >> 32) != (m_by_target[i - 1] >> 32)) m_group_start.push_back(i);
    m_group_start.push_back(m_by_target.size());
    const std::int32_t stuck = m_ctx.params.stuck_time_s;
    const auto blocked_long = [&](Source s) {
        const std::int32_t since = s.kind == Source::Kind::link ? m_link[s.link].blocked_since : m_entry_since[s.link];
        return since >= 0 && t - since >= stuck;
    };
    for_each_index(m_group_start.size() - 1, m_ctx.params.parallel_threshold, [&](std::size_t g) {
        if (g + ahead + 1 < m_group_start.size()) {
            const auto later = group_target(g + ahead);
            if (later != arrive) prefetch(&m_link[later]);
        }
        const std::size_t b = m_group_start[g], e = m_group_start[g + 1];
        const auto target = group_target(g);
        if (target == arrive) {
            for (std::size_t i = b; i < e; ++i) at(i).accepted = true;
            return;
        }
        // Fair merges (as MATSim's queue simulation): the free storage goes vehicle by vehicle
        // to the sources in a random order weighted by their flow capacity (a waiting list by the
        // target's), drawn for this target and second from the counter-based streams, so that
        // under saturation each incoming link moves in proportion to its capacity and the result
        // is the same at any thread count. Each source's vehicles get the arrival times of a
        // Poisson process of its weight (cumulative -ln(u) / w), and the storage goes to the
        // earliest: the next vehicle comes from source k with probability w_k / sum of w, and a
        // source's own vehicles keep their order.
        // For the apply phase of this second: the target's queue tail and car counter.
        prefetch_write(m_link[target].queue.data() + m_link[target].queue.size());
        prefetch_write(&m_cars[volume_index(target, t)]);
        std::size_t free = free_storage(target);
        if (free == 0 || free >= e - b) {
            // No choice to make: every vehicle fits, or none does (but those stuck long enough).
            for (std::size_t i = b; i < e; ++i) at(i).accepted = free > 0 || blocked_long(at(i).source);
            return;
        }
        thread_local std::vector<std::pair<double, std::size_t>> order;  // (key, intent)
        order.clear();
        for (std::size_t i = b; i < e;) {
            const auto src = at(i).source;
            const double w = std::max(1e-9, m_link[src.kind == Source::Kind::link ? src.link : target].rate);
            const std::uint64_t what = (static_cast<std::uint64_t>(static_cast<std::uint32_t>(t)) << 33) |
                                       (static_cast<std::uint64_t>(src.kind == Source::Kind::link ? 0 : 1) << 32) |
                                       src.link;
            core::Rng rng(m_ctx.params.seed, core::Stream::merge, target, what);
            double key = 0;
            for (; i < e && at(i).source == src; ++i) {
                key += -std::log(std::max(rng.uniform(), 1e-300)) / w;
                order.emplace_back(key, i);
            }
        }
        std::sort(order.begin(), order.end());
        for (const auto& [key, i] : order) {
            if (free > 0) {
                at(i).accepted = true;
                --free;
            } else if (blocked_long(at(i).source)) {
                at(i).accepted = true;  // stuck: squeezes in over the storage
            }
        }
    });
}

void LinkQueues::release(std::int32_t t) {
    const std::size_t sources = m_source_first.size() - 1;
    // Each moving vehicle's entries are written below (those that stay are not read).
    m_moved_at.resize(m_intents.size());
    m_moved_end.resize(m_intents.size());
    m_moved_enter.resize(m_intents.size());
    // Each source (m_intents is in source order, m_source_first its ranges) touches only its own
    // link's columns and its own intents: in parallel, the wakes scheduled afterwards (the wheel
    // keeps no order within a second). A source moves a prefix of its vehicles: after a refusal,
    // later ones stay too.
    m_rewake.assign(sources, -1);
    // A link source's record, null for a waiting list (or a source without intents).
    const auto link_of = [&](std::size_t s) -> const Link* {
        const std::size_t first = m_source_first[s];
        if (first == m_source_first[s + 1] || m_intents[first].source.kind != Source::Kind::link) return nullptr;
        return &m_link[m_intents[first].source.link];
    };
    const auto release_source = [&](std::size_t s) {
        const std::size_t first = m_source_first[s], end = m_source_first[s + 1];
        if (first == end) return;
        bool refused = false;
        std::uint32_t accepted = 0;
        for (std::size_t i = first; i < end; ++i) {
            auto& in = m_intents[i];
            if (refused || !in.accepted) {
                in.accepted = false;
                refused = true;
            } else {
                ++accepted;
            }
        }
        const Source source = m_intents[first].source;
        if (source.kind == Source::Kind::link)
            m_rewake[s] = release_link(source.link, accepted, refused, first, t);
        else
            release_waiting_list(source.link, accepted, refused, first, t);
    };
    // Sources [begin, end) in order, on one thread: `ahead` sources on, the link's record; half
    // as far on, its queue's head and the vehicle that becomes its head (both read here). Only
    // sources of the same range, which no other thread touches.
    const auto release_range = [&](std::size_t begin, std::size_t end) {
        for (std::size_t s = begin; s < end; ++s) {
            if (s + ahead < end)
                if (const Link* l = link_of(s + ahead)) prefetch(l);
            if (s + ahead / 2 < end)
                if (const Link* l = link_of(s + ahead / 2); l && l->head < l->queue.size()) {
                    prefetch(&l->queue[l->head]);
                    const std::size_t next =
                        l->head + (m_source_first[s + ahead / 2 + 1] - m_source_first[s + ahead / 2]);
                    if (next < l->queue.size()) prefetch(&l->queue[next].exit_s);
                }
            release_source(s);
        }
    };
    for_each_range(sources, sources >= m_ctx.params.parallel_threshold, 64, release_range);
    for (std::size_t s = 0; s < sources; ++s)
        if (m_rewake[s] >= 0)
            m_wheel.schedule(m_rewake[s], EventKind::link_wake, m_intents[m_source_first[s]].source.link);
}

// The link's first `accepted` vehicles leave (their car times recorded), spending a token
// each; a link with vehicles left returns when to wake it (when its new head may go; -1: empty).
std::int32_t LinkQueues::release_link(std::uint32_t a, std::uint32_t accepted, bool refused, std::size_t first,
                                      std::int32_t t) {
    Link& l = m_link[a];
    auto& q = l.queue;
    for (std::uint32_t c = 0; c < accepted; ++c) {
        const auto& item = q[l.head + c];
        m_moved_at[first + c] = item.at + 1;
        m_moved_end[first + c] = item.end;
        m_moved_enter[first + c] = t;
        if (!item.vehicle.is_bus()) {
            std::uint64_t& times = m_times[time_index(a, item.enter_s)];
            // 16.7 million cars out of one link in an hour, or 2^39 seconds on it, cannot happen
            // on a road; said rather than wrapped if a network's capacities ever allow it.
            if (times >> time_sum_bits == time_count_max || (times & time_sum_mask) > time_sum_mask / 2)
                throw std::runtime_error("mobsim: the car counter of link " + std::to_string(m_car.link[a]) +
                                         " in hour " + std::to_string(hour_of(item.enter_s)) + " is full");
            times += (std::uint64_t{1} << time_sum_bits) + static_cast<std::uint64_t>(t - item.enter_s);
        }
    }
    l.head += accepted;
    l.tokens -= accepted;
    // Drop the vehicles that left once they are half the vector: memory stays within twice
    // the link's occupancy, at amortised constant cost.
    if (l.head >= 8 && 2 * l.head >= q.size()) {
        q.erase(q.begin(), q.begin() + l.head);
        l.head = 0;
        if (q.capacity() > 64 && q.capacity() > 4 * q.size()) q.shrink_to_fit();
    }
    l.blocked_since = refused ? (l.blocked_since < 0 ? t : l.blocked_since) : -1;
    if (l.head == q.size()) return -1;
    std::int32_t when = std::max(q[l.head].exit_s, t + 1);
    if (!refused && l.tokens < 1.0 && l.rate > 0)
        when = std::max(when, t + static_cast<std::int32_t>(std::ceil((1.0 - l.tokens) / l.rate)));
    return when;
}

// The waiting list's first `accepted` vehicles enter, with the second they asked as their
// entry time; an emptied list gives its memory back and leaves m_entry_links (in apply).
void LinkQueues::release_waiting_list(std::uint32_t b, std::uint32_t accepted, bool refused, std::size_t first,
                                      std::int32_t t) {
    for (std::uint32_t c = 0; c < accepted; ++c) {
        const Entry& e = m_entry[b][m_entry_head[b] + c];
        m_moved_enter[first + c] = e.since_s;
        m_moved_at[first + c] = e.at;
        m_moved_end[first + c] = e.end;
    }
    m_entry_head[b] += accepted;
    m_entry_since[b] = refused ? (m_entry_since[b] < 0 ? t : m_entry_since[b]) : -1;
    if (m_entry_head[b] == m_entry[b].size()) {
        std::vector<Entry>().swap(m_entry[b]);
        m_entry_head[b] = 0;
        m_entry_listed[b] = 0;
        m_entry_since[b] = -1;
    }
}

void LinkQueues::apply(std::int32_t t, std::vector<std::uint32_t>& bus_arrivals) {
    // By target (accept's groups of m_by_target), then source and rank. A target's queue, its
    // volume counters and its vehicles' boarding times are its own: the targets in parallel,
    // their wakes scheduled afterwards. Arrivals (the last group: `arrive` sorts after every
    // link) go in order.
    const auto at = [&](std::size_t i) -> const Intent& { return m_intents[intent_of(m_by_target[i])]; };
    const std::size_t groups = m_group_start.size() - 1;
    m_wake_target.assign(groups, {arrive, 0});
    const auto& arc_rank = m_routes.arc_rank;
    const auto apply_group = [&](std::size_t g) {
        const std::size_t b = m_group_start[g], e = m_group_start[g + 1];
        const std::uint32_t target = group_target(g);
        if (target == arrive) return;
        Link& l = m_link[target];
        auto& q = l.queue;
        const bool was_empty = l.head == q.size();
        const std::size_t slot = volume_index(target, t);
        for (std::size_t k = b; k < e; ++k) {
            const auto i = intent_of(m_by_target[k]);
            const auto& in = m_intents[i];
            if (!in.accepted) continue;
            const bool bus = in.vehicle.is_bus();
            if (in.source.kind == Source::Kind::waiting_list && !bus) m_res.leg_board_s[in.vehicle.index] = t;
            const auto from = m_moved_at[i], end = m_moved_end[i];
            q.push_back({in.vehicle, from, end, from + 1 < end ? link_after(in.vehicle, from + 1, target) : arrive,
                         m_moved_enter[i], t + l.fft});
            ++(bus ? m_buses : m_cars)[slot];
        }
        if (was_empty && l.head < q.size()) m_wake_target[g] = {target, t + l.fft};
    };
    // Targets [begin, end) in order, on one thread, fetched ahead within the range (a target's
    // queue changes only in the range that holds it): `ahead` targets on, the link's record, its
    // first out-arc and its cars' next route positions; half as far on, the queue's tail.
    for_each_range(groups, groups >= m_ctx.params.parallel_threshold, 64, [&](std::size_t begin, std::size_t end) {
        for (std::size_t g = begin; g != end; ++g) {
            if (g + ahead < end) {
                const std::size_t lb = m_group_start[g + ahead], le = m_group_start[g + ahead + 1];
                const auto later = group_target(g + ahead);
                if (later != arrive) {
                    prefetch(&m_link[later]);
                    prefetch(&m_out_first[later]);
                    for (std::size_t k = lb; k < le; ++k) {
                        const auto i = intent_of(m_by_target[k]);
                        if (!m_intents[i].accepted || m_intents[i].vehicle.is_bus()) continue;  // no position written
                        const std::size_t pos = (m_moved_at[i] + 1) >> 1;
                        if (pos < arc_rank.size()) prefetch(&arc_rank[pos]);
                    }
                }
            }
            if (g + ahead / 2 < end) {
                const auto later = group_target(g + ahead / 2);
                if (later != arrive) {
                    const auto& lq = m_link[later].queue;
                    prefetch_write(lq.data() + lq.size());
                }
            }
            apply_group(g);
        }
    });
    for (const auto& [link, when] : m_wake_target)
        if (link != arrive) m_wheel.schedule(when, EventKind::link_wake, link);
    if (groups > 0 && group_target(groups - 1) == arrive)
        for (std::size_t k = m_group_start[groups - 1]; k < m_group_start[groups]; ++k) {
            const auto& in = at(k);
            if (!in.accepted) continue;
            if (in.vehicle.is_bus())
                bus_arrivals.push_back(in.vehicle.index);
            else
                m_wheel.schedule(t + std::max(1, m_half_access), EventKind::leg_end, in.vehicle.index);
        }
    std::erase_if(m_entry_links, [&](std::uint32_t b) { return !m_entry_listed[b]; });
}

}  // namespace flemsim::mobsim
