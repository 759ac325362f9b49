#include "sim/population/demand.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace flemsim::population::demand {

double logistic(double v) {
    if (v >= 0) return 1.0 / (1.0 + std::exp(-v));
    const double e = std::exp(v);
    return e / (1.0 + e);
}

double log_sum_exp(std::span<const double> v) {
    double top = -std::numeric_limits<double>::infinity();
    for (const double x : v) top = std::max(top, x);
    if (!std::isfinite(top)) return top;
    double sum = 0;
    for (const double x : v) sum += std::exp(x - top);
    return top + std::log(sum);
}

std::vector<double> logit_shares(std::span<const double> v) {
    std::vector<double> p(v.size(), 0.0);
    const double l = log_sum_exp(v);
    if (!std::isfinite(l)) return p;
    for (std::size_t i = 0; i < v.size(); ++i) p[i] = std::exp(v[i] - l);
    return p;
}

ShadowPrices shadow_prices(std::span<const double> counts, std::span<const std::vector<float>> utilities,
                           std::span<const double> capacity, int max_rounds, double tolerance) {
    const std::size_t nz = capacity.size();
    ShadowPrices r;
    r.price.assign(nz, 0.0);
    std::vector<double> v(nz);
    const auto expected = [&] {
        r.demand.assign(nz, 0.0);
        for (std::size_t c = 0; c < counts.size(); ++c) {
            if (counts[c] <= 0) continue;
            for (std::size_t j = 0; j < nz; ++j) v[j] = utilities[c][j] + r.price[j];
            const auto p = logit_shares(v);
            for (std::size_t j = 0; j < nz; ++j) r.demand[j] += counts[c] * p[j];
        }
        r.max_excess = 0;
        for (std::size_t j = 0; j < nz; ++j)
            if (capacity[j] >= 0 && r.demand[j] > capacity[j])
                r.max_excess = capacity[j] > 0 ? std::max(r.max_excess, (r.demand[j] - capacity[j]) / capacity[j])
                                               : std::numeric_limits<double>::infinity();
    };
    expected();
    while (r.rounds < max_rounds && r.max_excess > tolerance) {
        ++r.rounds;
        for (std::size_t j = 0; j < nz; ++j) {
            if (capacity[j] < 0 || r.demand[j] <= 0) continue;
            if (capacity[j] <= 0) {
                r.price[j] = -std::numeric_limits<double>::infinity();
                continue;
            }
            r.price[j] = std::min(0.0, r.price[j] + std::log(capacity[j] / r.demand[j]));
        }
        expected();
    }
    return r;
}

std::size_t draw_index(std::span<const double> weights, double total, double u) {
    const double target = u * total;
    double acc = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        if (weights[i] <= 0) continue;
        acc += weights[i];
        last_positive = i;
        if (target < acc) return i;
    }
    return last_positive;  // rounding at the very end
}

void sample_alternatives(std::span<const double> importance, int size, core::Rng& rng, Sample& out) {
    out.zone.clear();
    out.correction.clear();
    if (size <= 0) return;
    // Each draw is draw_index's, found by bisection on the running sums of the positive weights
    // (the same additions in the same order): the first index whose running sum exceeds
    // u x total is one of positive weight.
    thread_local std::vector<double> running;
    running.resize(importance.size());
    double total = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < importance.size(); ++i) {
        if (importance[i] > 0) total += importance[i], last_positive = i;
        running[i] = total;
    }
    if (!(total > 0)) return;
    std::vector<std::uint32_t> draws(static_cast<std::size_t>(size));
    for (auto& d : draws) {
        const auto it = std::upper_bound(running.begin(), running.end(), rng.uniform() * total);
        d = static_cast<std::uint32_t>(it == running.end() ? last_positive : it - running.begin());
    }
    std::sort(draws.begin(), draws.end());
    for (std::size_t i = 0; i < draws.size();) {
        std::size_t k = i;
        while (k < draws.size() && draws[k] == draws[i]) ++k;
        const double q = importance[draws[i]] / total;
        out.zone.push_back(draws[i]);
        out.correction.push_back(std::log(static_cast<double>(k - i) / (size * q)));
        i = k;
    }
}

}  // namespace flemsim::population::demand
