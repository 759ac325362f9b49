#pragma once
// What a simulated day's trip log gives to compare with counts (cmd_counts.cpp): link volumes,
// and boardings and alightings per stop and hour from the transit legs.
#include "sim/output/trip_log.hpp"
#include "sim/report/counts.hpp"

namespace flemsim::apps {

report::ModelCounts model_counts(const output::TripLog& log);

}  // namespace flemsim::apps
