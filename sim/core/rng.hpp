#pragma once
// Counter-based random streams. Every draw comes from a generator keyed by
// (seed, stream, who, what), so results do not depend on thread count or order.
// Uniform and normal transforms are our own: std:: distributions differ between
// standard libraries.
#include <cmath>
#include <cstdint>

namespace flemsim::core {

// Purposes of random draws. Values are part of the reproducibility contract:
// never renumber, only append.
enum class Stream : std::uint64_t {
    person_attributes = 1,
    home_location = 2,
    work_location = 3,
    study_location = 4,
    day_plan = 5,
    other_destination = 6,
    mode_choice = 7,
    activity_node = 8,
    zone_assignment = 9,
    replanning = 10,
    walk_bike_speed = 11,
    journey_choice = 12,
    household = 13,           // household sizes of a zone's residents
    mobility_tools = 14,      // cars of a household, a person's pass and bike (the demand models)
    stay_home = 15,           // whether a person makes no tour on the day
    departure_period = 16,    // the period a tour leaves in (the demand models)
    destination_sample = 17,  // sampling of destination alternatives
    merge = 18,               // the order in which a link takes vehicles from its incoming links
    reroute = 19,             // car trips routed anew after a day besides the replanning persons'
    gap_sample = 20,          // car trips whose travel-time gap the loop measures
    last_day_gap = 21,        // replanners whose utility gap the loop measures on a day known to be the last
};

constexpr std::uint64_t mix64(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

class Rng {
public:
    Rng(std::uint64_t seed, Stream stream, std::uint64_t who, std::uint64_t what = 0)
        : m_state(mix64(seed ^ mix64(static_cast<std::uint64_t>(stream) * 0x9e3779b97f4a7c15ULL ^
                                     mix64(who + 0x632be59bd9b4e019ULL * (what + 1))))) {}

    std::uint64_t next_u64() {
        m_state += 0x9e3779b97f4a7c15ULL;  // splitmix64
        return mix64(m_state);
    }
    // Uniform in [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
    // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias < 2^-32 for n < 2^32).
    std::uint32_t below(std::uint32_t n) {
        return static_cast<std::uint32_t>(((next_u64() >> 32) * static_cast<std::uint64_t>(n)) >> 32);
    }
    bool bernoulli(double p) { return uniform() < p; }
    // Standard normal by Box-Muller (one value per call; the second is discarded for simplicity).
    double normal() {
        double u1 = uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    std::uint64_t m_state;
};

}  // namespace flemsim::core
