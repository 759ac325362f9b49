#pragma once
// Tables of counters that start at zero and are written sparsely: their memory comes from
// calloc, which hands a large block out as fresh pages that the system zeroes when each is first
// touched, where std::vector's value-initialization would write every entry at once. The entries
// never written (a table's hours after the day's end, bus counts on a network without buses)
// then take no memory. The values are the same either way: zero until written. The size is
// fixed when the table is made (no resize: a block reused would not be zero).
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <type_traits>

namespace flemsim::core {

template <class T>
class ZeroedArray {
    static_assert(std::is_arithmetic_v<T>, "all bits zero is the value zero only for arithmetic types");

public:
    ZeroedArray() = default;
    explicit ZeroedArray(std::size_t n) : m_data(static_cast<T*>(std::calloc(n == 0 ? 1 : n, sizeof(T)))), m_size(n) {
        if (!m_data) throw std::bad_alloc();
    }
    std::size_t size() const { return m_size; }
    T* data() { return m_data.get(); }
    const T* data() const { return m_data.get(); }
    T& operator[](std::size_t i) { return m_data[i]; }
    const T& operator[](std::size_t i) const { return m_data[i]; }

private:
    struct Free {
        void operator()(T* p) const { std::free(p); }
    };
    std::unique_ptr<T[], Free> m_data;
    std::size_t m_size = 0;
};

}  // namespace flemsim::core
