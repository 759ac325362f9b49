// The mobsim's radix sorts against std::sort: the same sequence for every size, key range and
// duplicate pattern, both above and below the size where the comparison sort takes over.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "sim/core/rng.hpp"
#include "sim/mobsim/radix_sort.hpp"

using namespace flemsim;

namespace {

// `n` keys below `range` (0: any 32-bit value, the largest among them), from stream `seed`.
std::vector<std::uint32_t> keys(std::size_t n, std::uint64_t range, std::uint64_t seed) {
    core::Rng rng(seed, core::Stream::merge, n, range);
    std::vector<std::uint32_t> v(n);
    for (auto& x : v) x = static_cast<std::uint32_t>(range ? rng.next_u64() % range : rng.next_u64());
    if (range == 0 && n > 0) v[n / 2] = 0xffffffffu;  // the mobsim's `arrive` target
    return v;
}

}  // namespace

TEST_CASE("sort_keys: the same as std::sort, duplicates, one digit shared by all, every size") {
    std::vector<std::uint32_t> scratch;
    for (const std::size_t n : {0, 1, 2, 255, 256, 257, 1000, 5000, 100000})
        for (const std::uint64_t range : {1u, 7u, 2048u, 2049u, 400000u, 0u}) {
            INFO("n ", n, " range ", range);
            auto v = keys(n, range, 1);
            auto expected = v;
            std::sort(expected.begin(), expected.end());
            mobsim::sort_keys(v, scratch);
            CHECK(v == expected);
        }
    // Keys that differ only in the top digit, only in the middle one: the passes that move.
    for (const std::uint32_t shift : {0u, 11u, 22u}) {
        std::vector<std::uint32_t> v;
        for (std::uint32_t i = 0; i < 600; ++i) v.push_back(((599 - i) % 1024) << shift | 5u);
        auto expected = v;
        std::sort(expected.begin(), expected.end());
        mobsim::sort_keys(v, scratch);
        CHECK(v == expected);
    }
}

TEST_CASE("sort_indexed_keys: (key, index) pairs in index order sort as std::sort sorts them") {
    std::vector<std::uint64_t> scratch;
    for (const std::size_t n : {0, 1, 100, 256, 3000, 70000})
        for (const std::uint64_t range : {1u, 50u, 400000u, 0u}) {
            INFO("n ", n, " range ", range);
            const auto k = keys(n, range, 2);
            std::vector<std::uint64_t> v(n);
            for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint64_t>(k[i]) << 32 | i;
            auto expected = v;
            std::sort(expected.begin(), expected.end());
            mobsim::sort_indexed_keys(v, scratch);
            CHECK(v == expected);
        }
}

TEST_CASE("radix_sort_by is stable: equal keys keep their order") {
    struct Item {
        std::uint32_t key, order;
    };
    std::vector<Item> v, scratch;
    const auto k = keys(4000, 37, 3);
    for (std::uint32_t i = 0; i < k.size(); ++i) v.push_back({k[i], i});
    mobsim::radix_sort_by(v, scratch, [](const Item& x) { return x.key; });
    for (std::size_t i = 1; i < v.size(); ++i) {
        CHECK(v[i - 1].key <= v[i].key);
        if (v[i - 1].key == v[i].key) CHECK(v[i - 1].order < v[i].order);
    }
}
