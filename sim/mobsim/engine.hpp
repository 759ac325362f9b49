#pragma once
// What the engines of the day share: typed references to vehicles on the road, the hour of a
// second for the per-hour columns, and the parallel loop every phase uses.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <compare>
#include <cstdint>

#include "sim/mobsim/mobsim.hpp"

namespace flemsim::mobsim {

// A vehicle on the road: a car (index: its car leg) or a bus (index: its vehicle trip).
// Ordered by kind, then index: at one second and one link, cars join the waiting list
// before buses.
struct VehicleRef {
    enum class Kind : std::uint8_t { car, bus };
    Kind kind;
    std::uint32_t index;
    bool is_bus() const { return kind == Kind::bus; }
    friend auto operator<=>(const VehicleRef&, const VehicleRef&) = default;
};

// The hour slot of a per-hour column (the last one takes the rest of the day).
inline std::size_t hour_of(std::int32_t t) {
    return std::min<std::size_t>(volume_hours - 1, static_cast<std::size_t>(std::max(0, t) / 3600));
}

// f(begin, end) over [0, n): ranges of about `grain` items in parallel when `parallel`, else the
// whole at once on the calling thread (a range's items in order either way).
template <class F>
void for_each_range(std::size_t n, bool parallel, std::size_t grain, F&& f) {
    if (!parallel) {
        f(std::size_t{0}, n);
    } else {
        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain),
                          [&](const tbb::blocked_range<std::size_t>& r) { f(r.begin(), r.end()); });
    }
}

// Below `threshold` items a phase runs serially: same result, less overhead.
template <class F>
void for_each_index(std::size_t n, std::size_t threshold, F&& f) {
    for_each_range(n, n >= threshold, 64, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i != end; ++i) f(i);
    });
}

}  // namespace flemsim::mobsim
