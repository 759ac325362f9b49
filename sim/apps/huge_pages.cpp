// Large blocks on transparent huge pages, and kept for reuse (flemsim's executable only).
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
// In a virtual machine whose freed memory goes back to its host (a virtio balloon with free page
// reporting, VIRTIO_BALLOON_F_REPORTING) the host drops the pages the guest freed, and fresh
// 2 MiB pages are faulted in by the host as well. On the machine of benchmarks/RESULTS.md
// (2026-12-06), 2 GB touched again after a 3 s pause took 2.6-9.7 s in 2 MiB pages and 0.8-2.8 s
// in 4 KiB pages (0.2 s where the pages were kept), and a day of a million agents, whose big
// blocks add up to 8.7 GB though its peak is 2.9 GB, spent 21.6-24.7 s of system time with the
// advice and 5.3-7.0 s without (72.7-83.1 s against 63.9-68.0 s in all), when every freed block
// went back at once. With large blocks kept (below) a block's huge pages are faulted in once and
// serve the requests after it: there the same day with the advice had 0.41 million page faults
// against 1.41-1.44 million, no more system time, and was faster in four of five alternated
// pairs. So there the advice is given while blocks are kept, and not when FLEMSIM_KEEP_BLOCKS=0.
// FLEMSIM_HUGE_PAGES=1 advises there in any case.
//
// Blocks of 1 MiB and more are also kept when freed, for the next large request (BlockCache
// below): on that machine a million agents' day faulted in about 6.6 GB of fresh pages for a peak
// of 2.8 GB. Kept: 1.41 million page faults against 1.62-1.70 million, the day 2.6-4.7 s faster
// in three alternated pairs, the peak in the same range (benchmarks/RESULTS.md).
// FLEMSIM_KEEP_BLOCKS=0 in the environment gives every block back at once (each is then malloc's,
// as the small ones).
//
// Not with the sanitizers, whose runtimes replace operator new themselves (huge_pages.hpp).
#include "sim/apps/huge_pages.hpp"

#if FLEMSIM_HUGE_PAGES_ADVISED

#include <fcntl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

namespace {

constexpr std::uintptr_t huge_page = std::uintptr_t{2} << 20;
constexpr std::size_t page = 4096;

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

// Whether large blocks are kept (FLEMSIM_KEEP_BLOCKS=0 in the environment: each is malloc's, as
// the small ones).
bool keep_blocks() {
    static const bool keep = [] {
        const char* v = std::getenv("FLEMSIM_KEEP_BLOCKS");
        return v == nullptr || std::strcmp(v, "0") != 0;
    }();
    return keep;
}

// The 2 MiB pages that lie wholly inside [p, p + size), if any, marked for huge pages. A block
// this large is mostly fresh memory (its own mapping, or the heap's new top), not yet faulted
// in; where part of it was in use before, those pages stay as they are. Where freed memory goes
// back to the host, only while large blocks are kept (their pages then go back only at the
// bound, and a block served again comes with its huge pages already in).
void advise_huge(void* p, std::size_t size) {
    if (size < huge_page) return;
    static const bool wanted = [] {
        const char* v = std::getenv("FLEMSIM_HUGE_PAGES");
        if (v != nullptr) return std::strcmp(v, "0") != 0;
        return !freed_pages_go_to_host() || keep_blocks();
    }();
    if (!wanted) return;
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    const std::uintptr_t begin = (at + huge_page - 1) & ~(huge_page - 1), end = (at + size) & ~(huge_page - 1);
    if (begin < end) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
}

// The process's resident memory in bytes (/proc/self/statm's second field, in pages), 0 where
// it cannot be read.
std::size_t resident_bytes() {
    char text[128];
    read_small_file("/proc/self/statm", text, sizeof text);
    const char* p = std::strchr(text, ' ');
    if (p == nullptr) return 0;
    return static_cast<std::size_t>(std::strtoull(p + 1, nullptr, 10)) * page;
}

// Blocks of `large_block` bytes and more: mappings of their own, kept for reuse when freed.
//
// A run frees and asks again for many large blocks (each street mode's labels, the hourly
// metrics, the routes' arcs, the mobsim's columns). Given back to the system at once, each is
// faulted in and zeroed anew page by page by the next; in a virtual machine whose freed memory
// goes back to its host, the host faults it in again as well. Kept, a freed block serves a later
// large request: the smallest kept block that holds it (the rest kept apart when it is a large
// block itself), else the largest kept block grown to the size (mremap: its pages move with it,
// only the rest is new).
//
// The memory held stays within what it would be without keeping blocks:
// - a freed block keeps only its pages up to the last one in memory (a block is mostly written
//   from its start; the pages never touched after it go back at once), so that what is kept is
//   in memory, and a block served from it adds none;
// - before new memory is mapped, kept blocks of at least as many bytes go back (the smallest
//   first), so that a large request never adds to the memory held while blocks are kept;
// - the memory in use besides the kept blocks (resident less kept) is followed, and its most so
//   far: whenever the resident memory passes that most (small blocks, or the pages of a block
//   written for the first time, adding to it), kept blocks go back, the smallest first, until it
//   is within it. Checked at every large request and free and, while blocks are kept, every 2 ms
//   of allocations (every 256th asks the clock).
// Each block begins with a header (its mapping's size, and two words that mark it as one of
// these); the block's bytes follow on the next cache line, 64 bytes into a page.
constexpr std::size_t large_block = std::size_t{1} << 20;
constexpr std::size_t header_bytes = 64;
constexpr std::uint64_t block_mark = 0x666c656d426c6f6bULL;

struct Header {
    std::uint64_t mark;
    std::uint64_t bytes;  // the mapping's, header included (whole pages)
    std::uint64_t check;  // the complement of the block's address
};

class BlockCache {
public:
    // A mapping of `bytes` (whole pages) for a block, kept or new, with its header; the block's
    // address, or null where no memory can be had.
    void* take(std::size_t bytes) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        bound(observe());
        // The smallest kept block that holds it (those that do first, then by size).
        const auto holds = [bytes](const Kept& k) { return k.bytes >= bytes; };
        const auto best = std::min_element(kept(), kept() + m_count, [&](const Kept& a, const Kept& b) {
            return holds(a) != holds(b) ? holds(a) : a.bytes < b.bytes;
        });
        if (best != kept() + m_count && holds(*best)) {
            Kept k = *best;
            remove(best);
            if (k.bytes - bytes >= large_block) {
                put(k.at + bytes, k.bytes - bytes);
                k.bytes = bytes;
            }
            return start(k.at, k.bytes);
        }
        // Else the largest (none holds it), grown.
        Kept g{0, 0};
        if (m_count > 0) {
            const auto largest = std::max_element(kept(), kept() + m_count, by_size);
            g = *largest;
            remove(largest);
        }
        release(bytes - g.bytes);
        if (g.bytes > 0) {
            void* moved = mremap(reinterpret_cast<void*>(g.at), g.bytes, bytes, MREMAP_MAYMOVE);
            if (moved != MAP_FAILED) return start(reinterpret_cast<std::uintptr_t>(moved), bytes);
            munmap(reinterpret_cast<void*>(g.at), g.bytes);
        }
        void* fresh = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (fresh == MAP_FAILED) return nullptr;
        return start(reinterpret_cast<std::uintptr_t>(fresh), bytes);
    }

    // A block's mapping [at, at + bytes) back: kept up to its last page in memory, joined to a
    // kept neighbour where they touch.
    void give(std::uintptr_t at, std::size_t bytes) {
        const std::lock_guard<std::mutex> lock(m_mutex);
        // Measured with the block in use still (its pages count among the memory in use); keeping
        // it below changes no page in memory.
        const std::size_t resident = observe();
        const std::size_t used = resident_prefix(at, bytes);
        if (used < large_block) {
            munmap(reinterpret_cast<void*>(at), bytes);
            return;
        }
        if (used < bytes) munmap(reinterpret_cast<void*>(at + used), bytes - used);
        bytes = used;
        for (Kept* k = kept(); k != kept() + m_count;) {
            if (k->at + k->bytes == at) {
                at = k->at;
                bytes += k->bytes;
                remove(k);
            } else if (at + bytes == k->at) {
                bytes += k->bytes;
                remove(k);
            } else {
                ++k;
            }
        }
        if (m_count == capacity) release(1);  // room for one more: the smallest goes
        put(at, bytes);
        bound(resident);
    }

    // bound(), while blocks are kept, at most every 2 ms.
    void check() {
        if (m_kept_now.load(std::memory_order_relaxed) == 0) return;
        timespec ts{};
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        const std::int64_t ms = static_cast<std::int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
        if (ms - m_checked_ms.load(std::memory_order_relaxed) < 2) return;
        const std::lock_guard<std::mutex> lock(m_mutex);
        m_checked_ms.store(ms, std::memory_order_relaxed);
        bound(observe());
    }

private:
    struct Kept {
        std::uintptr_t at;
        std::size_t bytes;
    };
    static constexpr std::size_t capacity = 256;
    static bool by_size(const Kept& a, const Kept& b) { return a.bytes < b.bytes; }
    Kept* kept() { return m_kept; }

    // The block handed out from [at, at + bytes): advised for huge pages as a whole, as a new
    // block of malloc's is (a kept block, or a grown one, may have been advised in parts), with
    // its header.
    void* start(std::uintptr_t at, std::size_t bytes) {
        advise_huge(reinterpret_cast<void*>(at), bytes);
        auto* h = reinterpret_cast<Header*>(at);
        h->mark = block_mark;
        h->bytes = bytes;
        h->check = ~(at + header_bytes);
        return reinterpret_cast<void*>(at + header_bytes);
    }
    void put(std::uintptr_t at, std::size_t bytes) {
        m_kept[m_count++] = {at, bytes};
        m_kept_bytes += bytes;
        m_kept_now.store(m_count, std::memory_order_relaxed);
    }
    // (The last kept block takes its place.)
    void remove(Kept* k) {
        m_kept_bytes -= k->bytes;
        *k = m_kept[--m_count];
        m_kept_now.store(m_count, std::memory_order_relaxed);
    }
    // Kept blocks of `bytes` or more in all back to the system, the smallest first (all of them
    // where they hold less).
    void release(std::size_t bytes) {
        std::size_t freed = 0;
        while (freed < bytes && m_count > 0) {
            Kept* smallest = std::min_element(kept(), kept() + m_count, by_size);
            munmap(reinterpret_cast<void*>(smallest->at), smallest->bytes);
            freed += smallest->bytes;
            remove(smallest);
        }
    }
    // The resident memory (`resident`, as observe() measured it) within the most the memory in
    // use besides the kept blocks has been, kept blocks going back until it is; all of them where
    // the resident memory cannot be read.
    void bound(std::size_t resident) {
        if (resident == 0) {
            release(m_kept_bytes);
            return;
        }
        if (resident > m_most_in_use) release(resident - m_most_in_use);
    }
    // The resident memory (0 where it cannot be read), the memory in use besides the kept blocks
    // followed.
    std::size_t observe() {
        const std::size_t resident = resident_bytes();
        const std::size_t in_use = resident > m_kept_bytes ? resident - m_kept_bytes : 0;
        if (in_use > m_most_in_use) m_most_in_use = in_use;
        return resident;
    }
    // The bytes of [at, at + bytes) up to the end of its last page in memory (mincore, by chunks
    // from the end); all of them where that cannot be told.
    std::size_t resident_prefix(std::uintptr_t at, std::size_t bytes) {
        const std::size_t pages = bytes / page;
        for (std::size_t end = pages; end > 0;) {
            const std::size_t begin = end > chunk_pages ? end - chunk_pages : 0;
            if (mincore(reinterpret_cast<void*>(at + begin * page), (end - begin) * page, m_in_core) != 0) return bytes;
            for (std::size_t k = end - begin; k > 0; --k)
                if (m_in_core[k - 1] & 1) return (begin + k) * page;
            end = begin;
        }
        return 0;
    }

    static constexpr std::size_t chunk_pages = 4096;
    std::mutex m_mutex;
    Kept m_kept[capacity] = {};
    std::size_t m_count = 0, m_kept_bytes = 0, m_most_in_use = 0;
    unsigned char m_in_core[chunk_pages] = {};
    std::atomic<std::size_t> m_kept_now{0};
    std::atomic<std::int64_t> m_checked_ms{0};
};

constinit BlockCache block_cache;  // constant-initialized: ready before any static constructor asks for memory

// The header of a block of the cache at p, or null for one of malloc's: at 64 bytes into a page,
// with the mark and the complement of p in the 64 bytes before it (p's own page).
const Header* header_of(void* p) {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    if (p == nullptr || (at & (page - 1)) != header_bytes) return nullptr;
    const auto* h = reinterpret_cast<const Header*>(at - header_bytes);
    return h->mark == block_mark && h->check == ~at ? h : nullptr;
}

void release_block(void* p) noexcept {
    if (const Header* h = header_of(p)) {
        const auto at = reinterpret_cast<std::uintptr_t>(p) - header_bytes;
        const std::size_t bytes = h->bytes;
        const_cast<Header*>(h)->mark = 0;  // no longer a block's (its page may be kept and read)
        block_cache.give(at, bytes);
        return;
    }
    std::free(p);
}

// A block of `size` bytes: a large one from the cache where it may come from there (`cached`:
// an alignment the cache gives), else `allocate`'s (advised for huge pages where it spans some),
// until one is had.
template <class Allocate>
void* allocate_advised(std::size_t size, Allocate&& allocate, bool cached = true) {
    if (size == 0) size = 1;
    thread_local unsigned calls = 0;
    if ((++calls & 255u) == 0) block_cache.check();
    for (;;) {
        if (cached && size >= large_block && keep_blocks()) {
            if (size <= SIZE_MAX - header_bytes - page)
                if (void* p = block_cache.take((size + header_bytes + page - 1) & ~(page - 1))) return p;
        } else if (void* p = allocate(size)) {
            advise_huge(p, size);
            return p;
        }
        // The new-handler while none is had, as the default allocation functions do.
        const std::new_handler handler = std::get_new_handler();
        if (!handler) throw std::bad_alloc();
        handler();
    }
}

}  // namespace

// The replaceable allocation functions ([new.delete.single]), plain and over-aligned (records of
// a cache line): large blocks from the cache above (aligned to 64 bytes), the others from malloc
// and aligned_alloc, as libstdc++'s defaults. The array and nothrow forms of the library call
// these. The deallocation functions give each block back where it came from (the library's
// sized, array and nothrow forms call these too).
void* operator new(std::size_t size) {
    return allocate_advised(size, [](std::size_t n) { return std::malloc(n); });
}

void* operator new(std::size_t size, std::align_val_t alignment) {
    const auto align = static_cast<std::size_t>(alignment);
    const auto aligned = [align](std::size_t n) {
        // aligned_alloc wants a multiple of the alignment (a power of two); a size that rounds
        // past the largest cannot be met (rounded, it would wrap to a small block).
        if (n > SIZE_MAX - (align - 1)) return static_cast<void*>(nullptr);
        return std::aligned_alloc(align, (n + align - 1) & ~(align - 1));
    };
    // Beyond the cache's alignment: aligned_alloc's at any size.
    return allocate_advised(size, aligned, align <= header_bytes);
}

void operator delete(void* p) noexcept {
    release_block(p);
}

void operator delete(void* p, std::size_t) noexcept {
    release_block(p);
}

void operator delete(void* p, std::align_val_t) noexcept {
    release_block(p);
}

void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    release_block(p);
}

#endif
