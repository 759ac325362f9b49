#pragma once
// The mobsim's per-second sorts (the links woken in a second, the moves by target) on their
// 32-bit keys: a least-significant-digit radix sort, three passes of 11, 11 and 10 bits, each
// stable, where a pass whose digit all keys share is skipped. Below `radix_sort_min` items the
// comparison sort is cheaper. Each second sorts a few hundred to some thousands of keys, while
// the other threads wait: in a million agents' day the comparison sorts took about a tenth of
// the mobsim's wall time.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace flemsim::mobsim {

inline constexpr std::size_t radix_sort_min = 256;

// Sorts `v` by key(x) (a std::uint32_t), stably: items of equal key keep their order. `scratch`
// is working memory, kept by the caller between calls (its contents are not kept).
template <class T, class Key>
void radix_sort_by(std::vector<T>& v, std::vector<T>& scratch, Key&& key) {
    const std::size_t n = v.size();
    if (n < 2) return;
    constexpr std::uint32_t digit = 2048;  // 11 bits; the last pass 10
    std::array<std::array<std::uint32_t, digit>, 3> count{};
    for (const auto& x : v) {
        const std::uint32_t k = key(x);
        ++count[0][k & (digit - 1)];
        ++count[1][(k >> 11) & (digit - 1)];
        ++count[2][k >> 22];
    }
    scratch.resize(n);
    T* from = v.data();
    T* to = scratch.data();
    for (int pass = 0; pass < 3; ++pass) {
        const int shift = 11 * pass;
        auto& c = count[static_cast<std::size_t>(pass)];
        if (c[(key(from[0]) >> shift) & (digit - 1)] == n) continue;  // one digit for all
        std::uint32_t sum = 0;
        for (auto& x : c) {
            const std::uint32_t k = x;
            x = sum;
            sum += k;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const T x = from[i];
            to[c[(key(x) >> shift) & (digit - 1)]++] = x;
        }
        std::swap(from, to);
    }
    if (from != v.data()) v.swap(scratch);
}

// Sorts 32-bit values ascending: the same result as std::sort.
inline void sort_keys(std::vector<std::uint32_t>& v, std::vector<std::uint32_t>& scratch) {
    if (v.size() < radix_sort_min) {
        std::sort(v.begin(), v.end());
        return;
    }
    radix_sort_by(v, scratch, [](std::uint32_t x) { return x; });
}

// Sorts 64-bit values ascending whose low halves already ascend in `v` (an index, unique): by
// their high halves, stably, which is then the same result as std::sort.
inline void sort_indexed_keys(std::vector<std::uint64_t>& v, std::vector<std::uint64_t>& scratch) {
    if (v.size() < radix_sort_min) {
        std::sort(v.begin(), v.end());
        return;
    }
    radix_sort_by(v, scratch, [](std::uint64_t x) { return static_cast<std::uint32_t>(x >> 32); });
}

}  // namespace flemsim::mobsim
