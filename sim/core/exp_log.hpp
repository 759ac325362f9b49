#pragma once
// exp and log of flemsim's own, with the same bits one value at a time and eight at a time.
//
// The logit models' logsums run over millions of tours and zone pairs; eight at a time they need
// an exp and a log whose vector form gives exactly what the scalar form gives, whatever the
// processor (the C library's scalar and vector functions differ in their last bits). These follow
// the methods of fdlibm's e_exp.c and e_log.c (Sun Microsystems, 1993): argument reduction by
// ln 2 in two parts, then a rational approximation (exp) or a polynomial in s = f / (2 + f) (log),
// both within 1 ulp of the true value. Every operation is a plain IEEE addition, subtraction,
// multiplication or division (the file is compiled without contracting them into fused
// multiply-adds), in the same order in both forms: the AVX-512 form gives the scalar form's bits,
// lane for lane, and a processor without AVX-512 runs the scalar form. Special values as
// std::exp and std::log: exp(NaN) NaN, exp(+inf) +inf, exp(-inf) 0, overflow +inf, underflow 0
// or a subnormal; log(x < 0) NaN, log(±0) -inf, log(+inf) +inf.
#include <cstddef>

#include "sim/core/simd.hpp"

namespace flemsim::core {

double exp_same_bits(double x);
double log_same_bits(double x);

// out[i] = exp_same_bits(x[i]) for i < n, eight at a time where the processor has AVX-512 (the
// same bits); out may be x.
void exp_same_bits(const double* x, double* out, std::size_t n);
// out[i] = log_same_bits(x[i]) for i < n, likewise.
void log_same_bits(const double* x, double* out, std::size_t n);

// Eight at a time (a processor with AVX-512 F, VL and DQ only: cpu_has_avx512dq()), lane for
// lane the bits of exp_same_bits and log_same_bits.
#if FLEMSIM_X86_SIMD
__attribute__((target("avx512f,avx512vl,avx512dq"))) __m512d exp_same_bits_avx512(__m512d x);
__attribute__((target("avx512f,avx512vl,avx512dq"))) __m512d log_same_bits_avx512(__m512d x);
#endif

// Whether the processor has AVX-512 DQ besides F and VL (the conversions between doubles and
// 64-bit integers of the vector forms), asked once.
bool cpu_has_avx512dq();

}  // namespace flemsim::core
