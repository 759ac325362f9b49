#pragma once
// The vocabulary every stage shares: modes, purposes, person groups, activities.
// The numeric values are written to the trip log (HDF5 enums): append only.
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace flemsim::core {

// Dense indices into the columns of a stage are plain std::uint32_t; this one means "none"
// (a node outside every zone, an unreached node, a trip without a boarding stop).
inline constexpr std::uint32_t invalid_index = std::numeric_limits<std::uint32_t>::max();

enum class Mode : std::uint8_t { walk = 0, bike = 1, transit = 2, car = 3 };
inline constexpr std::size_t mode_count = 4;
inline constexpr std::array<std::string_view, mode_count> mode_names = {"walk", "bike", "transit", "car"};
// A mode as an array index, and as its bit in a set of available modes (1 << mode).
constexpr std::size_t mode_index(Mode m) {
    return static_cast<std::size_t>(m);
}
constexpr std::uint8_t mode_bit(Mode m) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(m));
}

// Purpose of the tour a trip belongs to.
enum class Purpose : std::uint8_t { work = 0, study = 1, other = 2 };
inline constexpr std::size_t purpose_count = 3;
inline constexpr std::array<std::string_view, purpose_count> purpose_names = {"work", "study", "other"};

// Activity at the end of a trip.
enum class Activity : std::uint8_t { home = 0, work = 1, study = 2, other = 3 };
inline constexpr std::size_t activity_count = 4;
inline constexpr std::array<std::string_view, activity_count> activity_names = {"home", "work", "study", "other"};

// Person groups, mutually exclusive. Residents live in a study zone; in-commuters live
// in a gateway zone and work or study in the study area.
enum class Group : std::uint8_t {
    resident = 0,          // lives in the study area, neither works nor studies
    resident_worker = 1,   // lives in the study area and works (anywhere)
    resident_student = 2,  // lives in the study area and studies (anywhere)
    worker = 3,            // in-commuter who works in the study area
    student = 4,           // in-commuter who studies in the study area
};
inline constexpr std::size_t group_count = 5;
inline constexpr std::array<std::string_view, group_count> group_names = {"resident", "resident_worker",
                                                                          "resident_student", "worker", "student"};

template <class E, std::size_t N>
std::optional<E> enum_from_name(const std::array<std::string_view, N>& names, std::string_view s) {
    for (std::size_t i = 0; i < N; ++i)
        if (names[i] == s) return static_cast<E>(i);
    return std::nullopt;
}

inline constexpr std::string_view name_of(Mode m) {
    return mode_names[static_cast<std::size_t>(m)];
}
inline constexpr std::string_view name_of(Purpose p) {
    return purpose_names[static_cast<std::size_t>(p)];
}
inline constexpr std::string_view name_of(Activity a) {
    return activity_names[static_cast<std::size_t>(a)];
}
inline constexpr std::string_view name_of(Group g) {
    return group_names[static_cast<std::size_t>(g)];
}

inline constexpr bool is_resident(Group g) {
    return g <= Group::resident_student;
}

}  // namespace flemsim::core
