#include "sim/population/demand.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/core/exp_log.hpp"
#include "sim/core/simd.hpp"

namespace flemsim::population::demand {

double logistic(double v) {
    if (v >= 0) return 1.0 / (1.0 + std::exp(-v));
    const double e = std::exp(v);
    return e / (1.0 + e);
}

// The exponentials by core::exp_same_bits, eight at a time where the processor has AVX-512, and the
// log by core::log_same_bits: the same bits on any processor (the choices of the destinations,
// departures and shadow prices take hundreds of millions).
double log_sum_exp(std::span<const double> v) {
    double top = -std::numeric_limits<double>::infinity();
    for (const double x : v) top = std::max(top, x);
    if (!std::isfinite(top)) return top;
    thread_local std::vector<double> e;
    e.resize(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) e[i] = v[i] - top;
    core::exp_same_bits(e.data(), e.data(), e.size());
    double sum = 0;
    for (const double x : e) sum += x;
    return top + core::log_same_bits(sum);
}

std::vector<double> logit_shares(std::span<const double> v) {
    std::vector<double> p(v.size(), 0.0);
    const double l = log_sum_exp(v);
    if (!std::isfinite(l)) return p;
    for (std::size_t i = 0; i < v.size(); ++i) p[i] = v[i] - l;
    core::exp_same_bits(p.data(), p.data(), p.size());
    return p;
}

ShadowPrices shadow_prices(std::span<const double> counts, std::span<const std::vector<float>> utilities,
                           std::span<const double> capacity, int max_rounds, double tolerance) {
    const std::size_t nz = capacity.size();
    ShadowPrices r;
    r.price.assign(nz, 0.0);
    // The cells' shares (each cell's own exponentials: most of the work) in parallel, a batch of
    // cells at a time, then added up cell by cell in order: the same sums as one cell after the
    // other, at any thread count.
    constexpr std::size_t batch = 256;
    std::vector<std::vector<double>> shares(std::min(batch, counts.size()));
    tbb::enumerable_thread_specific<std::vector<double>> scratch;
    const auto expected = [&] {
        r.demand.assign(nz, 0.0);
        for (std::size_t c0 = 0; c0 < counts.size(); c0 += batch) {
            const std::size_t c1 = std::min(counts.size(), c0 + batch);
            tbb::parallel_for(tbb::blocked_range<std::size_t>(c0, c1, 8),
                              [&](const tbb::blocked_range<std::size_t>& b) {
                                  auto& v = scratch.local();
                                  v.resize(nz);
                                  for (std::size_t c = b.begin(); c != b.end(); ++c) {
                                      if (counts[c] <= 0) continue;
                                      for (std::size_t j = 0; j < nz; ++j) v[j] = utilities[c][j] + r.price[j];
                                      shares[c - c0] = logit_shares(v);
                                  }
                              });
            for (std::size_t c = c0; c < c1; ++c) {
                if (counts[c] <= 0) continue;
                const auto& p = shares[c - c0];
                for (std::size_t j = 0; j < nz; ++j) r.demand[j] += counts[c] * p[j];
            }
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

namespace {

// Sorts values drawn in [0, total) ascending: a bucket each (floor(x / total * n), which keeps
// the order of the values), then insertion sort within the buckets. The same sequence as
// std::sort, in linear expected time.
void sort_uniform(std::vector<double>& x, double total) {
    const std::size_t n = x.size();
    if (n < 16) {
        std::sort(x.begin(), x.end());
        return;
    }
    thread_local std::vector<std::uint32_t> first;
    thread_local std::vector<double> out;
    first.assign(n + 1, 0);
    const double scale = static_cast<double>(n) / total;
    const auto bucket = [&](double v) {
        const double b = v * scale;
        return b < static_cast<double>(n) ? static_cast<std::size_t>(b) : n - 1;  // b >= 0
    };
    for (const double v : x) ++first[bucket(v) + 1];
    for (std::size_t b = 0; b < n; ++b) first[b + 1] += first[b];
    out.resize(n);
    for (const double v : x) out[first[bucket(v)]++] = v;  // first[b] ends at bucket b + 1's start
    for (std::size_t i = 1; i < n; ++i) {
        const double v = out[i];
        std::size_t j = i;
        for (; j > 0 && v < out[j - 1]; --j) out[j] = out[j - 1];
        out[j] = v;
    }
    x.swap(out);
}

// The first index i >= at with x < running[i] (running.size() if none): running is ascending, so
// eight sums at a time where the processor has AVX-512, the same index as one at a time.
#if FLEMSIM_X86_SIMD
__attribute__((target("avx512f"))) std::size_t first_above_avx512(const double* running, std::size_t n, std::size_t at,
                                                                  double x) {
    const __m512d vx = _mm512_set1_pd(x);
    for (; at + 8 <= n; at += 8)
        if (const __mmask8 above = _mm512_cmp_pd_mask(vx, _mm512_loadu_pd(running + at), _CMP_LT_OQ))
            return at + static_cast<std::size_t>(__builtin_ctz(above));
    while (at < n && !(x < running[at])) ++at;
    return at;
}
#endif
inline std::size_t first_above(std::span<const double> running, std::size_t at, double x) {
#if FLEMSIM_X86_SIMD
    if (core::cpu_has_avx512()) return first_above_avx512(running.data(), running.size(), at, x);
#endif
    while (at < running.size() && !(x < running[at])) ++at;
    return at;
}

}  // namespace

Cumulative cumulate_positive(std::span<const double> importance, std::span<double> running) {
    // Adding 0 to a positive sum leaves it as it is: the loop needs no branch on the weights.
    Cumulative c;
    for (std::size_t i = 0; i < importance.size(); ++i) {
        const bool positive = importance[i] > 0;
        c.total += positive ? importance[i] : 0.0;
        c.last_positive = positive ? i : c.last_positive;
        running[i] = c.total;
    }
    return c;
}

void sample_from_running(std::span<const double> running, Cumulative c, const double* weight, const double* factor,
                         int size, core::Rng& rng, Sample& out) {
    out.zone.clear();
    out.correction.clear();
    if (size <= 0 || !(c.total > 0)) return;
    // Each draw is draw_index's: the first index whose running sum exceeds u x total, which is one
    // of positive weight. The draws are wanted sorted, so the targets are sorted and found in one
    // sweep of the sums.
    thread_local std::vector<double> target;
    target.resize(static_cast<std::size_t>(size));
    for (auto& x : target) x = rng.uniform() * c.total;
    sort_uniform(target, c.total);
    thread_local std::vector<std::uint32_t> draws;
    draws.resize(target.size());
    std::size_t at = 0;
    for (std::size_t k = 0; k < target.size(); ++k) {
        at = first_above(running, at, target[k]);
        draws[k] = static_cast<std::uint32_t>(at == running.size() ? c.last_positive : at);
    }
    for (std::size_t i = 0; i < draws.size();) {
        std::size_t k = i;
        while (k < draws.size() && draws[k] == draws[i]) ++k;
        const std::uint32_t z = draws[i];
        const double q = sampling_weight(weight, factor, z) / c.total;
        out.zone.push_back(z);
        out.correction.push_back(static_cast<double>(k - i) / (size * q));
        i = k;
    }
    // ln(times drawn / expected), eight at a time (core::log_same_bits).
    core::log_same_bits(out.correction.data(), out.correction.data(), out.correction.size());
}

void sample_alternatives(std::span<const double> importance, int size, core::Rng& rng, Sample& out) {
    out.zone.clear();
    out.correction.clear();
    if (size <= 0) return;
    thread_local std::vector<double> running;
    running.resize(importance.size());
    const auto c = cumulate_positive(importance, running);
    sample_from_running(running, c, importance.data(), nullptr, size, rng, out);
}

}  // namespace flemsim::population::demand
