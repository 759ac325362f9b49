// Large blocks on transparent huge pages (flemsim's executable only).
//
// A run's big columns (the routes' arcs, the hierarchies' arcs and labels, the links' states,
// the population's columns) are read at random, so with 4 KiB pages most reads of a cold cache
// line also miss the TLB and walk the page tables. Where the kernel gives transparent huge pages
// on request (/sys/kernel/mm/transparent_hugepage/enabled: madvise, Debian's default, or
// always), a block of 2 MiB or more asked of operator new is marked MADV_HUGEPAGE before its
// first use, so its 2 MiB-aligned interior faults in as 2 MiB pages (benchmarks/RESULTS.md: a
// million agents' day). Allocation and release stay malloc's and free's, as by default (the
// default operator delete frees what this operator new returns): only the advice is added, and
// no result depends on it. Where the kernel has no transparent huge pages, or they are off
// ("never"), the advice fails or does nothing and the block is used as it is. FLEMSIM_HUGE_PAGES=0
// in the environment leaves every block unadvised (a machine where the kernel's compaction of
// memory for huge pages would stall other work).
//
// Not with the sanitizers, whose runtimes replace operator new themselves (huge_pages.hpp).
#include "sim/apps/huge_pages.hpp"

#if FLEMSIM_HUGE_PAGES_ADVISED

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;

// The 2 MiB pages that lie wholly inside [p, p + size), if any, marked for huge pages. A block
// of malloc's this large is mostly fresh memory (its own mapping, or the heap's new top), not yet
// faulted in; where part of it was in use before, those pages stay as they are.
void advise_huge(void* p, std::size_t size) {
    if (size < huge_page) return;
    static const bool wanted = [] {
        const char* v = std::getenv("FLEMSIM_HUGE_PAGES");
        return v == nullptr || std::strcmp(v, "0") != 0;
    }();
    if (!wanted) return;
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t begin = (at + huge_page - 1) & ~(huge_page - 1), end = (at + size) & ~(huge_page - 1);
    if (begin < end) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// `allocate` until it gives a block, calling the new-handler while it fails, as the default
// allocation functions do.
template <class Allocate>
void* allocate_advised(std::size_t size, Allocate&& allocate) {
    if (size == 0) size = 1;
    for (;;) {
        if (void* p = allocate(size)) {
            advise_huge(p, size);
            return p;
        }
        const std::new_handler handler = std::get_new_handler();
        if (!handler) throw std::bad_alloc();
        handler();
    }
}

}  // namespace

// The replaceable allocation functions ([new.delete.single]), plain and over-aligned (records
// of a cache line): malloc and aligned_alloc, as libstdc++'s defaults, whose operator delete
// frees both. The array and nothrow forms of the library call these.
void* operator new(std::size_t size) {
    return allocate_advised(size, [](std::size_t n) { return std::malloc(n); });
}

void* operator new(std::size_t size, std::align_val_t alignment) {
    const auto align = static_cast<std::size_t>(alignment);
    return allocate_advised(size, [align](std::size_t n) {
        // aligned_alloc wants a multiple of the alignment (a power of two); a size that rounds
        // past the largest cannot be met (rounded, it would wrap to a small block).
        if (n > SIZE_MAX - (align - 1)) return static_cast<void*>(nullptr);
        return std::aligned_alloc(align, (n + align - 1) & ~(align - 1));
    });
}

#endif
