#pragma once
// Multinomial logit over the four modes, with availability.
#include <array>
#include <cstdint>

#include "sim/core/types.hpp"

namespace flemsim::choice {

using Utilities = std::array<double, core::mode_count>;
using Probabilities = std::array<double, core::mode_count>;

// P(m) = exp(V_m) / sum over available k of exp(V_k); 0 for unavailable modes. With no
// mode available every probability is 0. Computed with the maximum subtracted (no overflow).
Probabilities logit_probabilities(const Utilities& v, std::uint8_t available_bits);

// The mode whose cumulative probability (in mode order) first exceeds u in [0, 1).
// Requires at least one available mode.
core::Mode draw_mode(const Probabilities& p, std::uint8_t available_bits, double u);

}  // namespace flemsim::choice
