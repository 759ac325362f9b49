#include "sim/choice/logit.hpp"

#include <cassert>
#include <cmath>
#include <limits>

namespace flemsim::choice {

Probabilities logit_probabilities(const Utilities& v, std::uint8_t available_bits) {
    Probabilities p{};
    double vmax = -std::numeric_limits<double>::infinity();
    for (std::size_t m = 0; m < core::mode_count; ++m)
        if (available_bits & (1u << m)) vmax = std::max(vmax, v[m]);
    if (!std::isfinite(vmax)) return p;
    double sum = 0;
    for (std::size_t m = 0; m < core::mode_count; ++m)
        if (available_bits & (1u << m)) sum += (p[m] = std::exp(v[m] - vmax));
    for (auto& x : p) x /= sum;
    return p;
}

core::Mode draw_mode(const Probabilities& p, std::uint8_t available_bits, double u) {
    assert(available_bits != 0);
    double acc = 0;
    std::size_t last = 0;
    for (std::size_t m = 0; m < core::mode_count; ++m) {
        if (!(available_bits & (1u << m))) continue;
        last = m;
        acc += p[m];
        if (u < acc) return static_cast<core::Mode>(m);
    }
    return static_cast<core::Mode>(last);
}

}  // namespace flemsim::choice
