#pragma once
// The sub-steps of one second of the simulated day, in the order they run. This list is the
// only place that sets the order: Day::run walks `step_order`, and each phase belongs to one
// engine (mobsim.hpp says who owns what). A phase reads what the earlier ones of the same
// second left and writes only its engine's columns, plus events on the wheel for later.
#include <array>
#include <cstdint>

namespace flemsim::mobsim {

enum class Phase : std::uint8_t {
    // Travellers: trip starts, leg starts and walk or bike leg ends due now, in rounds (one
    // may cause another within the second). Car legs ready now and ride legs come out.
    people,
    // TransitVehicles: travellers who started a ride leg join the queue of their stop, in
    // the order they started (leg order within a round): that is the boarding order.
    stop_queues,
    // LinkQueues: cars and buses due on the road join the waiting list of their first link,
    // cars before buses, each by id. A car whose leg has no link is parked again at once.
    link_entries,
    // LinkQueues: every woken link with a vehicle ready at its head, and every waiting list,
    // states where its vehicles want to go (as far as tokens and storage allow).
    link_intents,
    // LinkQueues: each target link accepts, in the order of source ids (links before waiting
    // lists), as many as it has free storage at the start of the second; a vehicle blocked
    // for the stuck time squeezes in anyway.
    link_accept,
    // LinkQueues: a source moves only a prefix of its vehicles (after a refusal the rest
    // stay); sources give up what moves, spend tokens, record car times, wake again.
    link_release,
    // LinkQueues: targets take the moving vehicles in acceptance order; cars leaving their
    // last link are parked (a leg end later), buses reach their next stop now.
    link_apply,
    // TransitVehicles: vehicles at stops (on their timetable, or buses just off the road),
    // stop by stop, at one stop in trip order: passengers alight, those waiting for one of
    // the vehicle's route nodes board in arrival order while there is room, the vehicle
    // leaves after its dwell. Riders denied the limit number of times leave the stop.
    transit_stops,
    // Travellers: the riders who gave up at this second go on from their stop on foot (or by
    // taxi beyond the walk range), in the order transit_stops handed them over.
    give_ups,
};

inline constexpr std::array<Phase, 9> step_order{Phase::people,       Phase::stop_queues,   Phase::link_entries,
                                                 Phase::link_intents, Phase::link_accept,   Phase::link_release,
                                                 Phase::link_apply,   Phase::transit_stops, Phase::give_ups};

}  // namespace flemsim::mobsim
