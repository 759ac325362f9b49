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
// Not by default in a virtual machine whose freed memory goes back to its host (a virtio
// balloon with free page reporting, VIRTIO_BALLOON_F_REPORTING): there the host drops the pages
// the guest freed, and fresh 2 MiB pages are faulted in by the host as well. On the machine of
// benchmarks/RESULTS.md (2026-12-06), 2 GB touched again after a 3 s pause took 2.6-9.7 s in
// 2 MiB pages and 0.8-2.8 s in 4 KiB pages (0.2 s where the pages were kept), and a day of a
// million agents, whose big blocks add up to 8.7 GB though its peak is 2.9 GB, spent 21.6-24.7 s
// of system time with the advice and 5.3-7.0 s without (72.7-83.1 s against 63.9-68.0 s in all).
// FLEMSIM_HUGE_PAGES=1 advises there too.
//
// Not with the sanitizers, whose runtimes replace operator new themselves (huge_pages.hpp).
#include "sim/apps/huge_pages.hpp"

#if FLEMSIM_HUGE_PAGES_ADVISED

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace {

constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;

// The first bytes of a small file (a NUL-terminated string, empty where it cannot be read), by
// system calls alone: this runs inside operator new.
void read_small_file(const char* path, char* out, std::size_t size) {
    out[0] = '\0';
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    const ssize_t n = read(fd, out, size - 1);
    close(fd);
    out[n > 0 ? n : 0] = '\0';
}

// Whether a virtio balloon of this machine reports freed memory to its host: a device of type 5
// (the balloon) whose feature bits (sysfs: one character per bit, bit 0 first) have bit 5,
// VIRTIO_BALLOON_F_REPORTING, set.
bool freed_pages_go_to_host() {
    for (int d = 0; d < 64; ++d) {
        char path[64], text[256];
        std::snprintf(path, sizeof path, "/sys/bus/virtio/devices/virtio%d/device", d);
        read_small_file(path, text, sizeof text);
        if (std::strncmp(text, "0x0005", 6) != 0) continue;
        std::snprintf(path, sizeof path, "/sys/bus/virtio/devices/virtio%d/features", d);
        read_small_file(path, text, sizeof text);
        if (std::strlen(text) > 5 && text[5] == '1') return true;
    }
    return false;
}

// The 2 MiB pages that lie wholly inside [p, p + size), if any, marked for huge pages. A block
// of malloc's this large is mostly fresh memory (its own mapping, or the heap's new top), not yet
// faulted in; where part of it was in use before, those pages stay as they are.
void advise_huge(void* p, std::size_t size) {
    if (size < huge_page) return;
    static const bool wanted = [] {
        const char* v = std::getenv("FLEMSIM_HUGE_PAGES");
        if (v != nullptr) return std::strcmp(v, "0") != 0;
        return !freed_pages_go_to_host();
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
