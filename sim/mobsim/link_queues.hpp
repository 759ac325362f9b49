#pragma once
// LinkQueues: cars and buses on the car links (arcs of the car graph), a queue model per
// link. A vehicle enters a link through its waiting list (from its origin, or a bus from its
// stop), spends at least the free-flow time on it, and leaves from the head of its queue as
// the link's flow capacity (tokens refilled at the capacity rate) and the next link's free
// storage allow; a full link spills back. A vehicle blocked for the stuck time enters the
// next link anyway. The verbs of one second, each a phase (phases.hpp): enter,
// collect_intents, accept, release, apply.
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/core/zeroed.hpp"
#include "sim/mobsim/engine.hpp"
#include "sim/mobsim/event_wheel.hpp"
#include "sim/mobsim/mobsim.hpp"
#include "sim/mobsim/transit_vehicles.hpp"

namespace flemsim::mobsim {

class LinkQueues {
public:
    // Target of a vehicle leaving its last link.
    static constexpr std::uint32_t arrive = core::invalid_index;

    // Where a move comes from: a link's queue, or a link's waiting list (ordered by kind, then
    // link, for sorting; a target takes from its sources in a random order weighted by capacity).
    struct Source {
        enum class Kind : std::uint8_t { link, waiting_list };
        Kind kind;
        std::uint32_t link;
        friend auto operator<=>(const Source&, const Source&) = default;
    };

    // Sizes the car and bus columns of `res`. Buses read their segment from `transit`.
    LinkQueues(const MobsimContext& ctx, const routing::TripRoutes& routes, const TransitVehicles& transit,
               DayResult& res, EventWheel& wheel);

    // Phase::link_entries: vehicles ready at t join their first link's waiting list, in the
    // order given (sorted: cars, then buses). A car leg without links ends at once.
    void enter(std::int32_t t, std::vector<VehicleRef>& entries);
    // Phase::link_intents: the links woken at t (sorted and made unique here) and all waiting
    // lists state their moves.
    void collect_intents(std::int32_t t, std::vector<std::uint32_t>& woken);
    // Phase::link_accept: each target takes what its free storage allows.
    void accept(std::int32_t t);
    // Phase::link_release: sources give up the prefix of their vehicles that may move.
    void release(std::int32_t t);
    // Phase::link_apply: targets take the vehicles; buses leaving the road go to
    // `bus_arrivals` (at their next stop now).
    void apply(std::int32_t t, std::vector<std::uint32_t>& bus_arrivals);

    // At the end of the day: the volumes and car times into DayResult.
    void finish();

    // Something waits to enter a link: the day cannot skip the next second.
    bool has_waiting() const { return !m_entry_links.empty(); }
    // Storage (vehicles) of a link less the vehicles on it, zero when over full.
    std::size_t free_storage(std::uint32_t link) const {
        const std::size_t occupied = on_link(link);
        return m_link[link].storage > occupied ? m_link[link].storage - occupied : 0;
    }
    std::size_t on_link(std::uint32_t link) const { return m_link[link].queue.size() - m_link[link].head; }
    std::size_t waiting(std::uint32_t link) const { return m_entry[link].size() - m_entry_head[link]; }
    std::uint32_t storage(std::uint32_t link) const { return m_link[link].storage; }

private:
    // A vehicle on a link.
    struct QueueItem {
        VehicleRef vehicle;
        std::uint32_t at, end;  // this link's position in the vehicle's arc sequence, and its end (links_of)
        std::uint32_t next;     // the link after it, or `arrive` (found on entry: the sequence's memory is
                                // cold by the time the vehicle reaches the end of the link)
        std::int32_t enter_s;
        std::int32_t exit_s;  // earliest exit (free flow)
    };
    // A vehicle waiting to enter a link, since the second it asked: that wait counts as time
    // on the link.
    struct Entry {
        VehicleRef vehicle;
        std::int32_t since_s;
        std::uint32_t at, end;  // the vehicle's links (links_of)
    };
    // A wish to move `vehicle` onto `target` (a link, or `arrive`); rank orders one
    // source's wishes.
    struct Intent {
        std::uint32_t target;
        Source source;
        std::uint32_t rank;
        VehicleRef vehicle;
        bool accepted;
    };

    std::pair<std::uint32_t, std::uint32_t> links_of(VehicleRef v) const;
    // The vehicle's first link (`begin` from links_of), and the link at position `at` after
    // `link` (a car's route is read in order: routing::TripRoutes).
    std::uint32_t first_link(VehicleRef v, std::uint32_t begin) const;
    std::uint32_t link_after(VehicleRef v, std::uint32_t at, std::uint32_t link) const;
    void refresh_tokens(std::uint32_t link, std::int32_t t);
    std::int32_t link_intents(std::uint32_t link, std::int32_t t, std::vector<Intent>& out);
    void waiting_list_intents(std::uint32_t link, std::vector<Intent>& out) const;
    std::int32_t release_link(std::uint32_t link, std::uint32_t accepted, bool refused, std::size_t first,
                              std::int32_t t);
    void release_waiting_list(std::uint32_t link, std::uint32_t accepted, bool refused, std::size_t first,
                              std::int32_t t);
    std::size_t volume_index(std::uint32_t arc, std::int32_t t) const;
    // The car times' word (m_times) of a car that entered `arc` at `enter_s`.
    std::size_t time_index(std::uint32_t arc, std::int32_t enter_s) const {
        return hour_of(enter_s) * m_car.arc_count() + arc;
    }

    const MobsimContext& m_ctx;
    const routing::StreetGraph& m_car;
    const routing::TripRoutes& m_routes;
    const TransitVehicles& m_transit;
    DayResult& m_res;
    EventWheel& m_wheel;
    std::int32_t m_half_access;  // walk from the car at the end, seconds

    // Counters of the day, hour-major ([hour][link * 2 + direction], [hour][arc]); finish()
    // hands them to DayResult in its order. Zero without being written (core::ZeroedArray): the
    // hours no vehicle drove in, and the buses' where none drives, take no memory (on a million
    // agents' day, beside the walk and bike paths traced with the mobsim).
    core::ZeroedArray<std::uint32_t> m_cars, m_buses;
    // The car times on an arc in an hour: the cars that left it (the top 24 bits) and their whole
    // seconds on it (the low time_sum_bits), one word, so that a car leaving touches one place.
    core::ZeroedArray<std::uint64_t> m_times;
    static constexpr unsigned time_sum_bits = 40;
    static constexpr std::uint64_t time_sum_mask = (std::uint64_t{1} << time_sum_bits) - 1;
    static constexpr std::uint64_t time_count_max = (std::uint64_t{1} << (64 - time_sum_bits)) - 1;
    std::size_t m_link_dir_count = 0;  // links x 2: a row of the volume counters

    // Per link, the state every phase of a second reads and writes together, in one record of a
    // cache line rather than columns: a link that sends or takes a vehicle touches nearly all of
    // it, at random places in memory (benchmarks/RESULTS.md: the million agents' mobsim).
    struct alignas(64) Link {
        std::vector<QueueItem> queue;  // vehicles on the link, from `head` on
        double rate = 0;               // flow capacity, vehicles a second
        double tokens = 0;             // flow capacity not yet used, at most max(1, rate)
        std::int32_t token_time = 0;   // the second `tokens` was refreshed
        std::int32_t fft = 1;          // free-flow time, whole seconds, at least 1
        std::uint32_t storage = 1;     // vehicles the link holds
        std::uint32_t head = 0;        // first vehicle still on the link
        std::int32_t blocked_since = -1;
        std::uint32_t link_dir = 0;  // link * 2 + direction: its column of the volume counters
        double max_tokens() const { return rate > 1.0 ? rate : 1.0; }
    };
    static_assert(sizeof(Link) == 64);
    std::vector<Link> m_link;
    // Per arc, the first out-arc of the node it leads to (the car graph's first_out[head[arc]]):
    // a car's next link from its route's rank there, one read where the graph takes two
    // dependent ones (the apply phase's largest stall on a million agents' day).
    std::vector<std::uint32_t> m_out_first;
    // Per link's waiting list; m_entry_links: the links with one, listed once.
    std::vector<std::vector<Entry>> m_entry;
    std::vector<std::uint32_t> m_entry_head;
    std::vector<std::uint8_t> m_entry_listed;
    std::vector<std::int32_t> m_entry_since;
    std::vector<std::uint32_t> m_entry_links;

    // The second's moves, from collect_intents to apply.
    std::vector<std::vector<Intent>> m_block_intents;  // per block of sources (collect_intents)
    std::vector<std::size_t> m_block_first;            // per block: its first intent
    std::vector<std::int32_t> m_rewake;                // per source: when to wake its link again (-1: not)
    std::vector<Intent> m_intents;
    std::vector<std::size_t> m_source_first;  // per source of the second: its first intent
    std::vector<std::size_t> m_group_start;
    // Intents by target, source and rank: (target << 32) | the intent's place in m_intents.
    std::vector<std::uint64_t> m_by_target;
    // The target of accept's and apply's group g (of m_group_start), from its first key.
    std::uint32_t group_target(std::size_t g) const {
        return static_cast<std::uint32_t>(m_by_target[m_group_start[g]] >> 32);
    }
    // Per target group of apply: the link to wake (it was empty), or arrive, and when.
    std::vector<std::pair<std::uint32_t, std::int32_t>> m_wake_target;
    std::vector<std::uint32_t> m_moved_at, m_moved_end;
    std::vector<std::int32_t> m_moved_enter;
    // Working memory of the per-second sorts (radix_sort.hpp).
    std::vector<std::uint32_t> m_sort_scratch;
    std::vector<std::uint64_t> m_sort_scratch64;
};

}  // namespace flemsim::mobsim
