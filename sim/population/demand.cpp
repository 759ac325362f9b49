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
    // Each draw is draw_index's: the first index whose running sum of the positive weights (the
    // same additions in the same order) exceeds u x total, which is one of positive weight. The
    // draws are wanted sorted, so the targets are sorted and found in one sweep of the sums.
    thread_local std::vector<double> running;
    running.resize(importance.size());
    double total = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < importance.size(); ++i) {
        if (importance[i] > 0) total += importance[i], last_positive = i;
        running[i] = total;
    }
    if (!(total > 0)) return;
    thread_local std::vector<double> target;
    target.resize(static_cast<std::size_t>(size));
    for (auto& x : target) x = rng.uniform() * total;
    std::sort(target.begin(), target.end());
    thread_local std::vector<std::uint32_t> draws;
    draws.resize(target.size());
    std::size_t at = 0;
    for (std::size_t k = 0; k < target.size(); ++k) {
        while (at < running.size() && !(target[k] < running[at])) ++at;
        draws[k] = static_cast<std::uint32_t>(at == running.size() ? last_positive : at);
    }
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
