#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "sim/core/exp_log.hpp"
#include "sim/core/rng.hpp"

using namespace flemsim::core;

namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

// Distance in units in the last place between two finite doubles of the same sign (or zeros).
std::uint64_t ulps(double a, double b) {
    if (a == b) return 0;
    const auto key = [](double x) {
        const auto u = std::bit_cast<std::int64_t>(x);
        return u < 0 ? std::numeric_limits<std::int64_t>::min() - u : u;
    };
    const std::int64_t ka = key(a), kb = key(b);
    return static_cast<std::uint64_t>(ka > kb ? ka - kb : kb - ka);
}

// Arguments over [lo, hi], uniform, from a stream of their own.
std::vector<double> uniform(double lo, double hi, std::size_t n, std::uint64_t key) {
    Rng rng(5, Stream::mode_choice, key, 0);
    std::vector<double> x(n);
    for (auto& v : x) v = lo + (hi - lo) * rng.uniform();
    return x;
}

// log-uniform over [2^lo, 2^hi].
std::vector<double> log_uniform(double lo, double hi, std::size_t n, std::uint64_t key) {
    auto x = uniform(lo, hi, n, key);
    for (auto& v : x) v = std::exp2(v);
    return x;
}

#if FLEMSIM_X86_SIMD
// f8 over x eight at a time, lane for lane equal in bits to f.
template <class F, class F8>
bool vector_bits_equal(const std::vector<double>& x, F f, F8 f8) {
    for (std::size_t i = 0; i + 8 <= x.size(); i += 8) {
        double out[8];
        f8(x.data() + i, out);
        for (int k = 0; k < 8; ++k)
            if (std::bit_cast<std::uint64_t>(out[k]) != std::bit_cast<std::uint64_t>(f(x[i + k]))) return false;
    }
    return true;
}
__attribute__((target("avx512f,avx512vl,avx512dq"))) void exp8(const double* x, double* out) {
    _mm512_storeu_pd(out, exp_same_bits_avx512(_mm512_loadu_pd(x)));
}
__attribute__((target("avx512f,avx512vl,avx512dq"))) void log8(const double* x, double* out) {
    _mm512_storeu_pd(out, log_same_bits_avx512(_mm512_loadu_pd(x)));
}
#endif

}  // namespace

TEST_CASE("exp_same_bits is within one ulp of the C library's exp") {
    std::vector<double> x = uniform(-745.1, 709.7, 200000, 1);
    for (const auto& part : {uniform(-1, 1, 200000, 2), uniform(-40, 0, 200000, 3), uniform(-1e-9, 1e-9, 1000, 4)})
        x.insert(x.end(), part.begin(), part.end());
    std::uint64_t worst = 0;
    for (const double v : x) worst = std::max(worst, ulps(exp_same_bits(v), std::exp(v)));
    CHECK(worst <= 1);
    // Exact where the value is: e^0 = 1; a power of two's neighbourhood; subnormal results.
    CHECK(exp_same_bits(0.0) == 1.0);
    CHECK(exp_same_bits(-0.0) == 1.0);
    CHECK(ulps(exp_same_bits(std::log(2.0)), 2.0) <= 1);
    CHECK(exp_same_bits(-740.0) > 0);
    CHECK(ulps(exp_same_bits(-740.0), std::exp(-740.0)) <= 1);
    CHECK(exp_same_bits(709.78) == std::exp(709.78));
    // Special values as std::exp's.
    CHECK(exp_same_bits(inf) == inf);
    CHECK(exp_same_bits(-inf) == 0.0);
    CHECK(exp_same_bits(710.0) == inf);
    CHECK(exp_same_bits(-746.0) == 0.0);
    CHECK(std::isnan(exp_same_bits(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("log_same_bits is within one ulp of the C library's log") {
    std::vector<double> x = log_uniform(-1074, 1023.9, 200000, 5);
    for (const auto& part :
         {uniform(0.5, 2, 200000, 6), uniform(1, 8, 200000, 7), uniform(1 - 1e-6, 1 + 1e-6, 1000, 8)})
        x.insert(x.end(), part.begin(), part.end());
    std::uint64_t worst = 0;
    for (const double v : x) worst = std::max(worst, ulps(log_same_bits(v), std::log(v)));
    CHECK(worst <= 1);
    CHECK(log_same_bits(1.0) == 0.0);
    CHECK(log_same_bits(std::exp2(-1074.0)) == std::log(std::exp2(-1074.0)));  // the least subnormal
    CHECK(ulps(log_same_bits(2.0), std::log(2.0)) <= 1);
    CHECK(log_same_bits(0.0) == -inf);
    CHECK(log_same_bits(-0.0) == -inf);
    CHECK(log_same_bits(inf) == inf);
    CHECK(std::isnan(log_same_bits(-1.0)));
    CHECK(std::isnan(log_same_bits(-inf)));
    CHECK(std::isnan(log_same_bits(std::numeric_limits<double>::quiet_NaN())));
}

TEST_CASE("exp_same_bits and log_same_bits eight at a time give the scalar bits") {
#if FLEMSIM_X86_SIMD
    if (!cpu_has_avx512dq()) {
        MESSAGE("skipped: this processor has no AVX-512 F, VL and DQ (the scalar forms run instead)");
        return;
    }
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> e = uniform(-750, 712, 100000, 9), l = log_uniform(-1074, 1023.9, 100000, 10);
    // Special values among ordinary ones in one vector.
    for (const double v : {0.0, -0.0, inf, -inf, nan, 709.78, -745.13, 1e-300, -1.0, 1.0, 0.5, 2.0, 5e-324,
                           2.2250738585072014e-308, 1.7976931348623157e308, -1e-320})
        e.push_back(v), l.push_back(v);
    while (e.size() % 8) e.push_back(1.5), l.push_back(1.5);
    CHECK(vector_bits_equal(
        e, [](double v) { return exp_same_bits(v); }, exp8));
    CHECK(vector_bits_equal(
        l, [](double v) { return log_same_bits(v); }, log8));
#else
    MESSAGE("skipped: no x86-64 vector forms on this compiler");
#endif
}

TEST_CASE("exp_same_bits and log_same_bits over arrays: each value's own bits, in place too") {
    std::vector<double> x = uniform(-40, 1, 1003, 11);
    std::vector<double> out(x.size());
    exp_same_bits(x.data(), out.data(), x.size());
    bool same = true;
    for (std::size_t i = 0; i < x.size(); ++i)
        same = same && std::bit_cast<std::uint64_t>(out[i]) == std::bit_cast<std::uint64_t>(exp_same_bits(x[i]));
    CHECK(same);
    exp_same_bits(x.data(), x.data(), x.size());
    CHECK(x == out);
    std::vector<double> y = log_uniform(-1074, 1023, 1003, 12), logs(y.size());
    log_same_bits(y.data(), logs.data(), y.size());
    same = true;
    for (std::size_t i = 0; i < y.size(); ++i)
        same = same && std::bit_cast<std::uint64_t>(logs[i]) == std::bit_cast<std::uint64_t>(log_same_bits(y[i]));
    CHECK(same);
}
