#pragma once
// "Check these": what in a run's results a planner should look at before trusting its numbers
// (transit trips that waited over an hour, lines that carried nobody, links at capacity all day,
// a day-to-day loop that did not converge). Computed from the trip log's tables alone.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/core/json.hpp"
#include "sim/core/records.hpp"

namespace flemsim::report {

// A link direction at 95 % of its capacity or more for many hours of the day.
struct LinkAtCapacity {
    std::string link;            // link id
    std::uint8_t direction = 0;  // 0 as authored, 1 reversed
    int hours = 0;
};

// A study zone that a mode cannot reach from some of the other study zones, or leave for them,
// at 08:00 (walk, bike and car over the network; transit by the timetable, walking to stops).
struct ZoneUnreachable {
    std::string zone;  // zone id
    std::string mode;
    int zones = 0;  // the other study zones it has no path with, either way
};

struct CheckThese {
    bool simulated = false;
    std::uint64_t transit_waited_over_60 = 0;        // transit trips that waited over an hour in all
    std::vector<std::string> lines_without_riders;   // names, in line order
    std::vector<LinkAtCapacity> links_at_capacity;   // most hours first, then link order
    std::vector<ZoneUnreachable> zones_unreachable;  // zone order, then mode order
    // The loop's last day (simulated runs): not converged, after `loop_days` with this gap.
    bool loop_not_converged = false;
    std::size_t loop_days = 0;
    double loop_gap = 0;
    bool empty() const {
        return transit_waited_over_60 == 0 && lines_without_riders.empty() && links_at_capacity.empty() &&
               zones_unreachable.empty() && !loop_not_converged;
    }
};

// How many hours at 95 % of capacity or more make a link "at capacity all day".
inline constexpr int capacity_hours_flagged = 12;
inline constexpr double capacity_share_flagged = 0.95;

struct CheckInputs {
    const std::vector<core::TripRecord>& trips;
    const std::vector<std::string>& line_names;  // /lookup/lines, in line order
    std::uint64_t transit_waited_over_60 = 0;    // ModalSplit::transit_wait_over_60
    // A simulated day (null for a static run): its transit loads, link volumes, links and loop.
    const std::vector<core::TransitLoadRecord>* transit_load = nullptr;
    const std::vector<core::LinkVolumeRecord>* link_volumes = nullptr;
    const std::vector<std::string>* link_ids = nullptr;  // /lookup/links ids
    const std::vector<double>* link_capacity = nullptr;  // veh/h per direction, 0 without cars
    const std::vector<core::IterationRecord>* iterations = nullptr;
    // Found by the run from its level of service (null when not known, e.g. an older trip log).
    const std::vector<ZoneUnreachable>* zones_unreachable = nullptr;
};

// The zones unreachable as lines "zone mode zones" (the trip log's attribute), and back.
std::vector<std::string> unreachable_lines(const std::vector<ZoneUnreachable>& zones);
std::vector<ZoneUnreachable> parse_unreachable_lines(const std::vector<std::string>& lines);

// A line carried nobody: in a simulated day no boarding on any of its vehicles; in a static run
// no transit trip's first or last line. A link is at capacity all day when its cars and buses in
// one direction reach 95 % of its hourly capacity in 12 or more hours (a sample's volumes are
// compared with the network's capacities, so a run of a sample flags none).
CheckThese check_these(const CheckInputs& in);

// "Check these" and one line per finding, or a line saying nothing was found.
std::string format_check_these(const CheckThese& c);
// The same as a JSON object under key "check_these".
void write_check_these(core::JsonWriter& json, const CheckThese& c);

}  // namespace flemsim::report
