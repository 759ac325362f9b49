#pragma once
// Tables of counters that start at zero and are written sparsely: their memory comes from
// calloc, which hands a large block out as fresh pages that the system zeroes when each is first
// touched, where std::vector's value-initialization would write every entry at once. The entries
// never written (a table's hours after the day's end, bus counts on a network without buses)
// then take no memory. The values are the same either way: zero until written.
#include <cstddef>
#include <cstdlib>
#include <new>
#include <type_traits>
#include <vector>

namespace flemsim::core {

template <class T>
struct ZeroedAllocator {
    static_assert(std::is_arithmetic_v<T>, "all bits zero is the value zero only for arithmetic types");
    using value_type = T;
    ZeroedAllocator() = default;
    template <class U>
    ZeroedAllocator(const ZeroedAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        if (void* p = std::calloc(n == 0 ? 1 : n, sizeof(T))) return static_cast<T*>(p);
        throw std::bad_alloc();
    }
    void deallocate(T* p, std::size_t) noexcept { std::free(p); }
    // Value-initialization writes nothing: calloc's memory is zero already.
    template <class U>
    void construct(U*) noexcept {}
    template <class U, class... A>
    void construct(U* p, A&&... a) {
        ::new (static_cast<void*>(p)) U(static_cast<A&&>(a)...);
    }
    template <class U>
    bool operator==(const ZeroedAllocator<U>&) const noexcept {
        return true;
    }
};

// A vector of n zeros: ZeroedVector<T>(n), or resize(n) of an empty one.
template <class T>
using ZeroedVector = std::vector<T, ZeroedAllocator<T>>;

}  // namespace flemsim::core
