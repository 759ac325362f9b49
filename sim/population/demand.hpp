#pragma once
// The demand models that see the level of service (the scenario's section `demand`): the pieces
// with worked answers of their own, used by the synthesis (synth.cpp).
//
//   mobility tools   households of sizes from the scenario; cars per household (0, 1, 2+) by a
//                    logit on household size, workers, home parking and the accessibility a car
//                    adds; then a transit pass and a bike per person by binary logits on the
//                    accessibility each adds (the logsum gain of holding it)
//   trip making      a share of each group stays home; the share falls with the home's
//                    accessibility above a reference when the scenario gives a coefficient
//   destinations     work and study places and "other" destinations by a logit over zones:
//                    ln(size) + θ · mode-choice logsum + γ · km (+ shadow price for places),
//                    with sampling of alternatives and its correction when zones are many
//   in-commuters     the gateway of origin of each job or study place residents leave, by a
//                    logit on ln(gateway size) + θ · logsum
//   departure time   the period of a tour's start by ln(profile weight) + θ · the tour's logsum
//                    with the period's level of service out and back (no period without a mode)
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "sim/core/rng.hpp"

namespace flemsim::population::demand {

// 1 / (1 + exp(-v)), without overflow.
double logistic(double v);

// Logit shares of utilities; an entry of -inf has share 0. All -inf: every share 0.
std::vector<double> logit_shares(std::span<const double> v);

// ln Σ exp(v), -inf when every entry is -inf.
double log_sum_exp(std::span<const double> v);

// Shadow prices of zones with a capacity (capacity < 0: unlimited, price 0): chooser cells
// (a count of persons and their utilities per zone) choose by logit over utility + price; each
// round lowers the price of every zone whose expected demand exceeds its capacity by
// ln(capacity / demand) (prices never rise above 0: places residents leave are taken by
// in-commuters), until no zone is over by more than `tolerance` (relative) or after `max_rounds`.
struct ShadowPrices {
    std::vector<double> price;   // per zone
    std::vector<double> demand;  // expected, with the final prices
    int rounds = 0;
    double max_excess = 0;  // max over zones with capacity of (demand - capacity) / capacity, >= 0
};
ShadowPrices shadow_prices(std::span<const double> counts, std::span<const std::vector<float>> utilities,
                           std::span<const double> capacity, int max_rounds, double tolerance);

// Sampling of alternatives (McFadden 1978; as ActivitySim's location choice): `size` draws with
// replacement in proportion to `importance`; each distinct zone drawn comes with the correction
// ln(k_j / (size · q_j)), k_j its draws and q_j its probability, which is added to its utility so
// that the choice among the sample estimates the choice among all zones without bias.
struct Sample {
    std::vector<std::uint32_t> zone;
    std::vector<double> correction;
};
void sample_alternatives(std::span<const double> importance, int size, core::Rng& rng, Sample& out);

// Zone z's weight in the two-step sampling below (the sums, the draws and whoever checks a zone's
// weight must take it alike, to the bit): weight[z] x factor[z], or weight[z] x 1 without factor.
inline double sampling_weight(const double* weight, const double* factor, std::size_t z) {
    return weight[z] * (factor ? factor[z] : 1.0);
}

// sample_alternatives in two steps, for choosers who share their importance weights. First the
// running sums of the positive weights (added in order: running[i] is the sum up to i) with their
// total and the last zone of positive weight; then the draws from those sums, zone z weighing
// sampling_weight(weight, factor, z), as the sums took it. The same zones and corrections as
// sample_alternatives, to the bit.
struct Cumulative {
    double total = 0.0;
    std::size_t last_positive = 0;
};
Cumulative cumulate_positive(std::span<const double> importance, std::span<double> running);
void sample_from_running(std::span<const double> running, Cumulative c, const double* weight, const double* factor,
                         int size, core::Rng& rng, Sample& out);

// Index drawn from non-negative weights with u in [0, 1) (weights summing to `total` > 0).
std::size_t draw_index(std::span<const double> weights, double total, double u);

}  // namespace flemsim::population::demand
