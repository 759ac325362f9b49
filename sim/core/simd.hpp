#pragma once
// The vector loops' switch: FLEMSIM_X86_SIMD is 1 where the compiler can build functions for
// AVX-512 (x86-64 with GCC or Clang, `__attribute__((target("avx512f,avx512vl")))`, the intrinsics
// of <immintrin.h> included), else 0; cpu_has_avx512() tells whether the processor running the
// program has AVX-512 F and VL, asked once. Each vector loop gives the bits of its scalar loop,
// so the choice changes no result.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define FLEMSIM_X86_SIMD 1
#include <immintrin.h>
#else
#define FLEMSIM_X86_SIMD 0
#endif

namespace flemsim::core {

inline bool cpu_has_avx512() {
#if FLEMSIM_X86_SIMD
    static const bool has = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    }();
    return has;
#else
    return false;
#endif
}

}  // namespace flemsim::core
