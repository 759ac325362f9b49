#pragma once
// Tour-based mode choice: one mode for both trips of a tour (a car or bike taken out comes
// back). The utility of a mode is its constant plus the sum of both trips' travel terms.
#include <cstdint>
#include <vector>

#include "sim/choice/logit.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::choice {

struct ChoiceInputs {
    const scenario::Scenario& scenario;
    const network::Network& net;
    const population::Population& pop;
    const routing::TripLos& los;
    std::vector<double> parking_sek_by_zone;  // charged once per tour at a non-home destination
};

std::vector<double> parking_by_zone(const scenario::Scenario& s, const network::Network& net);

// Out-of-pocket cost of trip t by mode m (fare, car running cost, parking on the outbound trip).
double trip_cost_sek(const ChoiceInputs& in, std::size_t trip, core::Mode m);

// Utilities of a tour's modes (both trips) for its person; the mask of available modes.
Utilities tour_utilities(const ChoiceInputs& in, std::size_t tour, std::uint8_t& available);

struct ChoiceSummary {
    std::uint64_t tours = 0;
    std::uint64_t fallback_tours = 0;  // no mode available by the rules: the fallback was used
};

// Chosen mode of every tour, drawn from the person's own stream (seed, mode_choice,
// person, tour index within the day). Parallel and deterministic.
std::vector<core::Mode> choose_modes(const ChoiceInputs& in, ChoiceSummary* summary = nullptr);

}  // namespace flemsim::choice
