#pragma once
// EventWheel: what is due at which second of the day, one bucket per second. The wheel keeps
// no order within a bucket: whoever takes events sorts them, so the result does not depend
// on who scheduled first, nor on the number of threads.
#include <compare>
#include <cstdint>
#include <utility>
#include <vector>

namespace flemsim::mobsim {

enum class EventKind : std::uint8_t {
    trip_start,    // Travellers, a trip
    leg_start,     // Travellers, a leg
    leg_end,       // Travellers, a leg (walked, cycled, car parked, passenger alighted)
    car_entry,     // LinkQueues, a car leg whose car is ready at its first link
    bus_entry,     // LinkQueues, a vehicle trip leaving a stop onto the road
    link_wake,     // LinkQueues, a car arc whose head may be able to leave
    stop_arrival,  // TransitVehicles, a vehicle trip at its next stop
    wait_limit,    // TransitVehicles, a ride leg whose rider has waited as long as anyone would
};

// Ordered by kind, then id (Travellers sorts a round so).
struct Event {
    EventKind kind;
    std::uint32_t id;
    friend auto operator<=>(const Event&, const Event&) = default;
};

class EventWheel {
public:
    explicit EventWheel(std::int32_t end_s) : m_end(end_s), m_buckets(static_cast<std::size_t>(end_s) + 2) {}

    std::int32_t end_s() const { return m_end; }

    // Before the day counts as its start; after its end is dropped (the trip will count
    // as stuck).
    void schedule(std::int32_t t, EventKind kind, std::uint32_t id) {
        if (t < 0) t = 0;
        if (t > m_end) return;
        m_buckets[static_cast<std::size_t>(t)].push_back({kind, id});
    }

    bool idle(std::int32_t t) const { return m_buckets[static_cast<std::size_t>(t)].empty(); }

    // Everything due at t, leaving the bucket empty and its memory freed. Events scheduled
    // for t after this are never taken: engines hand on same-second work directly.
    std::vector<Event> take(std::int32_t t) { return std::exchange(m_buckets[static_cast<std::size_t>(t)], {}); }

private:
    std::int32_t m_end;
    std::vector<std::vector<Event>> m_buckets;
};

}  // namespace flemsim::mobsim
