#pragma once
// The modal split of a set of trips: overall, by group, by purpose and by distance band,
// and the sustainable share (walk + bike + transit) against the target.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/records.hpp"
#include "sim/core/types.hpp"

namespace flemsim::report {

struct SplitRow {
    std::string name;
    std::array<std::uint64_t, core::mode_count> trips{};
    std::uint64_t total() const;
    double share(core::Mode m) const;  // 0 when the row is empty
    double sustainable_share() const;
};

struct ModalSplit {
    std::string scenario_name;
    std::uint64_t seed = 0;
    SplitRow overall;
    std::vector<SplitRow> by_group;     // one per core::Group, then "residents (all)"
    std::vector<SplitRow> by_purpose;   // one per core::Purpose
    std::vector<SplitRow> by_distance;  // "0-1 km", "1-3 km", ..., "20+ km"
    std::array<double, core::mode_count> mean_travel_min{};  // by mode, door to door
    std::array<double, core::mode_count> mean_distance_km{};
    double target = 0.7;
    double sustainable_share() const { return overall.sustainable_share(); }
    bool target_met() const { return sustainable_share() >= target; }
};

ModalSplit compute_modal_split(const std::vector<core::TripRecord>& trips, const std::vector<double>& distance_bands_km,
                               double target);

// The console table (plain text, fixed width).
std::string format_modal_split(const ModalSplit& split);
// The same as JSON.
std::string modal_split_json(const ModalSplit& split);

}  // namespace flemsim::report
