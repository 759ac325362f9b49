#pragma once
// Dense 32-bit ids wrapped in tag types so that two kinds of id cannot be mixed up.
// External string ids (CSV, scenario names) are mapped once at import.
#include <cstdint>
#include <functional>
#include <limits>

namespace flemsim::core {

template <class Tag>
struct Id {
    std::uint32_t value = std::numeric_limits<std::uint32_t>::max();

    constexpr Id() = default;
    constexpr explicit Id(std::uint32_t v) : value(v) {}
    constexpr bool valid() const { return value != std::numeric_limits<std::uint32_t>::max(); }
    constexpr friend bool operator==(Id a, Id b) = default;
    constexpr friend auto operator<=>(Id a, Id b) = default;
};

using NodeId = Id<struct NodeTag>;
using LinkId = Id<struct LinkTag>;
using ZoneId = Id<struct ZoneTag>;
using StopId = Id<struct StopTag>;
using LineId = Id<struct LineTag>;
using PersonId = Id<struct PersonTag>;

constexpr std::uint32_t invalid_index = std::numeric_limits<std::uint32_t>::max();

}  // namespace flemsim::core
