#pragma once
// Tour-based mode choice: one mode for both trips of a tour (a car or bike taken out comes
// back). The utility of a mode is its constant plus the sum of both trips' travel terms.
#include <array>
#include <cstdint>
#include <vector>

#include "sim/choice/logit.hpp"
#include "sim/choice/nested_logit.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/params.hpp"
#include "sim/scenario/scenario.hpp"

namespace flemsim::choice {

struct ChoiceInputs {
    const scenario::ChoiceParams& params;
    const network::Network& net;
    const population::Population& pop;
    const routing::TripLos& los;
    std::vector<double> parking_sek_by_zone;  // charged once per tour at a non-home destination
};

// Parking charge per network zone from modes.car (default_parking_sek, parking_sek by zone).
std::vector<double> parking_by_zone(const scenario::Scenario& s, const network::Network& net);

// What the modes offer one trip: availability bits (1 << mode), door-to-door times and
// distances, and the components the utility weighs differently.
// (The same record as a zone pair's offer in a period, routing::PairOffer.)
using TripOffer = routing::PairOffer;
TripOffer offer_of(const routing::TripLos& los, std::size_t trip);

// The shortest street distance of a trip (walk, bike, car, whichever reach; else transit's; else
// 0): the distance of its band. A tour's band is its trip out's (mode_choice.asc_by_distance_band).
double street_distance_m(const TripOffer& offer);

// The nested logit over the four modes (mode_choice.nests; the multinomial logit without nests).
NestedLogit mode_model(const scenario::ChoiceParams& params);

// A transit trip's fare (a pass holder's pass per trip) and, for park-and-ride (access_kind
// routing::TransitAccess::car), the car's running cost of the drive of ride_m to the car park.
double transit_cost_sek(const scenario::ChoiceParams& params, bool pass_holder, std::uint8_t access_kind,
                        double ride_m);

// What the utilities need of a tour's person and the tour itself, whoever asks: the simulation
// (from the population) or the demand models (zone to zone, for a kind of person).
struct TourTraits {
    core::Group group = core::Group::resident;
    core::Purpose purpose = core::Purpose::other;
    bool car = false, bike = false, pass = false;  // car available, bike owned, transit pass held
    std::uint32_t dest_zone = 0;                   // parking is paid there, on the trip out
};
TourTraits traits_of(const population::Population& pop, std::size_t tour);

// Out-of-pocket cost of a trip by mode m (fare, car running cost, parking on the outbound trip).
double trip_cost_sek(const scenario::ChoiceParams& params, const std::vector<double>& parking_sek_by_zone,
                     const TourTraits& who, bool outbound, const TripOffer& offer, core::Mode m);
double trip_cost_sek(const ChoiceInputs& in, std::size_t trip, const TripOffer& offer, core::Mode m);
double trip_cost_sek(const ChoiceInputs& in, std::size_t trip, core::Mode m);

// Utilities of a tour's modes (both trips) for its person; the mask of available modes.
// The tour's distance band (mode_choice.asc_by_distance_band) is that of `band_distance_m`
// where given (not negative), else street_distance_m(out).
Utilities tour_utilities(const ChoiceInputs& in, std::size_t tour, std::uint8_t& available);
Utilities tour_utilities(const ChoiceInputs& in, std::size_t tour, const TripOffer& out, const TripOffer& back,
                         std::uint8_t& available, double band_distance_m = -1.0);
Utilities tour_utilities(const scenario::ChoiceParams& params, const std::vector<double>& parking_sek_by_zone,
                         const TourTraits& who, const TripOffer& out, const TripOffer& back, std::uint8_t& available,
                         double band_distance_m = -1.0);

struct ChoiceSummary {
    std::uint64_t tours = 0;
    std::uint64_t fallback_tours = 0;  // no mode available by the rules: the fallback was used
};

// Chosen mode of every tour, drawn from the person's own stream (seed, mode_choice,
// person, tour index within the day). Parallel and deterministic.
std::vector<core::Mode> choose_modes(const ChoiceInputs& in, ChoiceSummary* summary = nullptr);

}  // namespace flemsim::choice
