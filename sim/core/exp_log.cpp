// Compiled with -ffp-contract=off (sim/core/CMakeLists.txt): each product and sum below is
// rounded on its own, in the scalar and in the vector form alike.
#include "sim/core/exp_log.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace flemsim::core {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();
constexpr double quiet_nan = std::numeric_limits<double>::quiet_NaN();

// exp: beyond these exp(x) overflows to +inf, or rounds to 0.
constexpr double exp_over = 7.09782712893383973096e+02;
constexpr double exp_under = -7.45133219101941108420e+02;
constexpr double inv_ln2 = 1.44269504088896338700e+00;
// ln 2 in two parts: k · ln2_hi is exact for |k| < 2^20 (ln2_hi has 32 significant bits).
constexpr double ln2_hi = 6.93147180369123816490e-01;
constexpr double ln2_lo = 1.90821492927058770002e-10;
// exp(r) = 1 + r + r·c / (2 − c), c = r − r²(P1 + r²(P2 + ...)) on |r| <= ln 2 / 2.
constexpr double P1 = 1.66666666666666019037e-01;
constexpr double P2 = -2.77777777770155933842e-03;
constexpr double P3 = 6.61375632143793436117e-05;
constexpr double P4 = -1.65339022054652515390e-06;
constexpr double P5 = 4.13813679705723846039e-08;

// log(1 + f) = f − (f²/2 − s·(f²/2 + R)), s = f / (2 + f), R a polynomial in s² on
// |s| <= 0.1716 (1 + f in [√2 / 2, √2)).
constexpr double Lg1 = 6.666666666666735130e-01;
constexpr double Lg2 = 3.999999999940941908e-01;
constexpr double Lg3 = 2.857142874366239149e-01;
constexpr double Lg4 = 2.222219843214978396e-01;
constexpr double Lg5 = 1.818357216161805012e-01;
constexpr double Lg6 = 1.531383769920937332e-01;
constexpr double Lg7 = 1.479819860511658591e-01;
// A mantissa m in [1, 2) at or above this (the first 20 bits of √2's, rounded down) becomes m / 2.
constexpr double sqrt2_cut = 0x1.6a09cp+0;
constexpr double smallest_normal = 0x1p-1022;
constexpr double two54 = 0x1p54;
constexpr std::uint64_t mantissa_bits = (std::uint64_t{1} << 52) - 1;
constexpr std::uint64_t one_bits = std::uint64_t{1023} << 52;

// 2^k for k in [-1022, 1023].
double two_to(std::int64_t k) {
    return std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

// exp of x in [exp_under, exp_over].
double exp_core(double x) {
    const double kd = std::nearbyint(x * inv_ln2);
    const double hi = x - kd * ln2_hi, lo = kd * ln2_lo;
    const double r = hi - lo;
    const double t = r * r;
    const double c = r - t * (P1 + t * (P2 + t * (P3 + t * (P4 + t * P5))));
    const double y = 1.0 - ((lo - (r * c) / (2.0 - c)) - hi);
    // 2^k in two factors, each a normal number for k in [-1075, 1024].
    const auto k = static_cast<std::int64_t>(kd);
    const std::int64_t k1 = k >> 1, k2 = k - k1;
    return (y * two_to(k1)) * two_to(k2);
}

// log of a positive finite x.
double log_core(double x) {
    std::int64_t k = 0;
    if (x < smallest_normal) {
        x *= two54;
        k = -54;
    }
    const auto u = std::bit_cast<std::uint64_t>(x);
    k += static_cast<std::int64_t>(u >> 52) - 1023;
    double m = std::bit_cast<double>((u & mantissa_bits) | one_bits);
    if (m >= sqrt2_cut) {
        m *= 0.5;
        k += 1;
    }
    const double f = m - 1.0;
    const double s = f / (2.0 + f);
    const double dk = static_cast<double>(k);
    const double z = s * s, w = z * z;
    const double t1 = w * (Lg2 + w * (Lg4 + w * Lg6));
    const double t2 = z * (Lg1 + w * (Lg3 + w * (Lg5 + w * Lg7)));
    const double R = t2 + t1;
    const double hfsq = 0.5 * f * f;
    return dk * ln2_hi - ((hfsq - (s * (hfsq + R) + dk * ln2_lo)) - f);
}

}  // namespace

double exp_same_bits(double x) {
    if (x != x) return x + x;
    if (x > exp_over) return infinity;
    if (x < exp_under) return 0.0;
    return exp_core(x);
}

double log_same_bits(double x) {
    if (x != x) return x + x;
    if (x < 0) return quiet_nan;
    if (x == 0) return -infinity;
    if (x == infinity) return infinity;
    return log_core(x);
}

bool cpu_has_avx512dq() {
#if FLEMSIM_X86_SIMD
    static const bool has = [] {
        __builtin_cpu_init();
        return cpu_has_avx512() && __builtin_cpu_supports("avx512dq");
    }();
    return has;
#else
    return false;
#endif
}

#if FLEMSIM_X86_SIMD

namespace {

// Every lane: the masked forms of the shifts and the rounding, whose unmasked forms start from an
// undefined vector (GCC 12 then warns of an uninitialized value).
constexpr __mmask8 all = 0xFF;

__attribute__((target("avx512f,avx512vl,avx512dq"))) inline __m512d set(double v) {
    return _mm512_set1_pd(v);
}

// 2^k for k in [-1022, 1023], lane by lane.
__attribute__((target("avx512f,avx512vl,avx512dq"))) inline __m512d two_to_avx512(__m512i k) {
    return _mm512_castsi512_pd(_mm512_maskz_slli_epi64(all, _mm512_add_epi64(k, _mm512_set1_epi64(1023)), 52));
}

}  // namespace

__attribute__((target("avx512f,avx512vl,avx512dq"))) __m512d exp_same_bits_avx512(__m512d x) {
    const __mmask8 nan = _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
    const __mmask8 over = _mm512_cmp_pd_mask(x, set(exp_over), _CMP_GT_OQ);
    const __mmask8 under = _mm512_cmp_pd_mask(x, set(exp_under), _CMP_LT_OQ);
    // The special lanes go through the core with 0, then take their own values.
    const __m512d xc = _mm512_mask_blend_pd(static_cast<__mmask8>(nan | over | under), x, _mm512_setzero_pd());
    const __m512d kd =
        _mm512_maskz_roundscale_pd(all, _mm512_mul_pd(xc, set(inv_ln2)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m512d hi = _mm512_sub_pd(xc, _mm512_mul_pd(kd, set(ln2_hi)));
    const __m512d lo = _mm512_mul_pd(kd, set(ln2_lo));
    const __m512d r = _mm512_sub_pd(hi, lo);
    const __m512d t = _mm512_mul_pd(r, r);
    __m512d p = _mm512_add_pd(set(P4), _mm512_mul_pd(t, set(P5)));
    p = _mm512_add_pd(set(P3), _mm512_mul_pd(t, p));
    p = _mm512_add_pd(set(P2), _mm512_mul_pd(t, p));
    p = _mm512_add_pd(set(P1), _mm512_mul_pd(t, p));
    const __m512d c = _mm512_sub_pd(r, _mm512_mul_pd(t, p));
    const __m512d q = _mm512_div_pd(_mm512_mul_pd(r, c), _mm512_sub_pd(set(2.0), c));
    const __m512d y = _mm512_sub_pd(set(1.0), _mm512_sub_pd(_mm512_sub_pd(lo, q), hi));
    const __m512i k = _mm512_cvtpd_epi64(kd);
    const __m512i k1 = _mm512_maskz_srai_epi64(all, k, 1), k2 = _mm512_sub_epi64(k, k1);
    __m512d out = _mm512_mul_pd(_mm512_mul_pd(y, two_to_avx512(k1)), two_to_avx512(k2));
    out = _mm512_mask_blend_pd(under, out, _mm512_setzero_pd());
    out = _mm512_mask_blend_pd(over, out, set(infinity));
    return _mm512_mask_blend_pd(nan, out, _mm512_add_pd(x, x));
}

__attribute__((target("avx512f,avx512vl,avx512dq"))) __m512d log_same_bits_avx512(__m512d x) {
    const __mmask8 nan = _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q);
    const __mmask8 negative = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_LT_OQ);
    const __mmask8 zero = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ);
    const __mmask8 inf = _mm512_cmp_pd_mask(x, set(infinity), _CMP_EQ_OQ);
    __m512d xc = _mm512_mask_blend_pd(static_cast<__mmask8>(nan | negative | zero | inf), x, set(1.0));
    const __mmask8 small = _mm512_cmp_pd_mask(xc, set(smallest_normal), _CMP_LT_OQ);
    xc = _mm512_mask_mul_pd(xc, small, xc, set(two54));
    __m512i k = _mm512_mask_blend_epi64(small, _mm512_setzero_si512(), _mm512_set1_epi64(-54));
    const __m512i u = _mm512_castpd_si512(xc);
    k = _mm512_add_epi64(k, _mm512_sub_epi64(_mm512_maskz_srli_epi64(all, u, 52), _mm512_set1_epi64(1023)));
    __m512d m = _mm512_castsi512_pd(_mm512_or_si512(_mm512_and_si512(u, _mm512_set1_epi64(mantissa_bits)),
                                                    _mm512_set1_epi64(static_cast<std::int64_t>(one_bits))));
    const __mmask8 big = _mm512_cmp_pd_mask(m, set(sqrt2_cut), _CMP_GE_OQ);
    m = _mm512_mask_mul_pd(m, big, m, set(0.5));
    k = _mm512_mask_add_epi64(k, big, k, _mm512_set1_epi64(1));
    const __m512d f = _mm512_sub_pd(m, set(1.0));
    const __m512d s = _mm512_div_pd(f, _mm512_add_pd(set(2.0), f));
    const __m512d dk = _mm512_cvtepi64_pd(k);
    const __m512d z = _mm512_mul_pd(s, s), w = _mm512_mul_pd(z, z);
    __m512d t1 = _mm512_add_pd(set(Lg4), _mm512_mul_pd(w, set(Lg6)));
    t1 = _mm512_mul_pd(w, _mm512_add_pd(set(Lg2), _mm512_mul_pd(w, t1)));
    __m512d t2 = _mm512_add_pd(set(Lg5), _mm512_mul_pd(w, set(Lg7)));
    t2 = _mm512_add_pd(set(Lg3), _mm512_mul_pd(w, t2));
    t2 = _mm512_mul_pd(z, _mm512_add_pd(set(Lg1), _mm512_mul_pd(w, t2)));
    const __m512d R = _mm512_add_pd(t2, t1);
    const __m512d hfsq = _mm512_mul_pd(_mm512_mul_pd(set(0.5), f), f);
    const __m512d inner = _mm512_add_pd(_mm512_mul_pd(s, _mm512_add_pd(hfsq, R)), _mm512_mul_pd(dk, set(ln2_lo)));
    __m512d out = _mm512_sub_pd(_mm512_mul_pd(dk, set(ln2_hi)), _mm512_sub_pd(_mm512_sub_pd(hfsq, inner), f));
    out = _mm512_mask_blend_pd(inf, out, set(infinity));
    out = _mm512_mask_blend_pd(zero, out, set(-infinity));
    out = _mm512_mask_blend_pd(negative, out, set(quiet_nan));
    return _mm512_mask_blend_pd(nan, out, _mm512_add_pd(x, x));
}

namespace {

// f of x[i] into out[i] for the whole groups of eight; returns how many were done.
template <__m512d (*f)(__m512d)>
__attribute__((target("avx512f,avx512vl,avx512dq"))) std::size_t each_eight(const double* x, double* out,
                                                                            std::size_t n) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) _mm512_storeu_pd(out + i, f(_mm512_loadu_pd(x + i)));
    return i;
}

}  // namespace

#endif

namespace {

// out[i] = one(x[i]), the whole groups of eight by eight(x, out, n) where the processor has
// AVX-512 (it returns how many it did).
template <class One, class Eight>
void each(const double* x, double* out, std::size_t n, One one, [[maybe_unused]] Eight eight) {
    std::size_t i = 0;
#if FLEMSIM_X86_SIMD
    if (cpu_has_avx512dq()) i = eight(x, out, n);
#endif
    for (; i < n; ++i) out[i] = one(x[i]);
}

constexpr auto exp_one = [](double v) { return exp_same_bits(v); };
constexpr auto log_one = [](double v) { return log_same_bits(v); };
#if FLEMSIM_X86_SIMD
constexpr auto exp_eight = each_eight<exp_same_bits_avx512>;
constexpr auto log_eight = each_eight<log_same_bits_avx512>;
#else
constexpr auto exp_eight = [](const double*, double*, std::size_t) { return std::size_t{0}; };
constexpr auto log_eight = exp_eight;
#endif

}  // namespace

void exp_same_bits(const double* x, double* out, std::size_t n) {
    each(x, out, n, exp_one, exp_eight);
}

void log_same_bits(const double* x, double* out, std::size_t n) {
    each(x, out, n, log_one, log_eight);
}

}  // namespace flemsim::core
