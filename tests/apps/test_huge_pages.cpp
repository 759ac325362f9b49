// flemsim's operator new (sim/apps/huge_pages.cpp, compiled into this test as into flemsim):
// blocks of 2 MiB and more are advised for transparent huge pages (the kernel's VM_HUGEPAGE,
// "hg" among a mapping's VmFlags in /proc/self/smaps), plain and over-aligned alike, and stay
// ordinary memory to write, read and free; a failing allocation calls the new-handler, then
// throws std::bad_alloc. Run again with FLEMSIM_HUGE_PAGES=0 (ctest's huge_pages_off): no
// block is advised; with FLEMSIM_HUGE_PAGES=1 (huge_pages_on): every one, also in a virtual
// machine that reports freed memory to its host, where by default they are only while large
// blocks are kept (not in huge_pages_unkept below).
// Blocks of 1 MiB and more are kept when freed: the next large request of the same size gets the
// same block; kept blocks go back when other memory grows past the most in use before; and no
// block overlaps another, whatever the sequence of sizes, frees and threads (a random sequence
// whose blocks carry their own patterns). Run once more with FLEMSIM_KEEP_BLOCKS=0
// (huge_pages_unkept): the same sequences with every block malloc's.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "sim/apps/huge_pages.hpp"

namespace {

// Why the replacement cannot be seen here, or "" when it can.
std::string skip_reason() {
#if !FLEMSIM_HUGE_PAGES_ADVISED
    return "not compiled in (not Linux, or a sanitizer's runtime replaces operator new)";
#else
    if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled"))
        return "this kernel has no transparent huge pages";
    if (!std::filesystem::exists("/proc/self/smaps")) return "no /proc/self/smaps";
    return "";
#endif
}

// The VmFlags of the mapping that holds `p`, from /proc/self/smaps ("" if none holds it).
std::string vm_flags(const void* p) {
    const auto at = reinterpret_cast<std::uintptr_t>(p);
    std::ifstream in("/proc/self/smaps");
    std::string line;
    bool inside = false;
    while (std::getline(in, line)) {
        const auto dash = line.find('-'), space = line.find(' ');
        const bool header = dash != std::string::npos && space != std::string::npos && dash < space &&
                            line.find_first_not_of("0123456789abcdef") == dash;
        if (header) {
            const auto begin = std::stoull(line.substr(0, dash), nullptr, 16);
            const auto end = std::stoull(line.substr(dash + 1, space - dash - 1), nullptr, 16);
            inside = begin <= at && at < end;
        } else if (inside && line.rfind("VmFlags:", 0) == 0) {
            return line.substr(8);
        }
    }
    return "";
}

// Whether a virtio balloon here reports freed pages to the host (device type 0x0005, feature
// bit 5 set in sysfs's one-character-per-bit list), read here with the standard library.
bool balloon_reports_free_pages() {
    const std::filesystem::path root("/sys/bus/virtio/devices");
    std::error_code ec;
    if (!std::filesystem::is_directory(root, ec)) return false;
    for (const auto& dev : std::filesystem::directory_iterator(root, ec)) {
        std::string type, features;
        std::ifstream(dev.path() / "device") >> type;
        std::ifstream(dev.path() / "features") >> features;
        if (type == "0x0005" && features.size() > 5 && features[5] == '1') return true;
    }
    return false;
}

bool blocks_kept() {
    const char* v = std::getenv("FLEMSIM_KEEP_BLOCKS");
    return v == nullptr || std::string(v) != "0";
}

// Whether flemsim advises big blocks here: FLEMSIM_HUGE_PAGES=0 never, =1 always, else unless
// freed pages go back to a host while large blocks are not kept.
bool advice_expected() {
    const char* v = std::getenv("FLEMSIM_HUGE_PAGES");
    if (v) return std::string(v) != "0";
    return !balloon_reports_free_pages() || blocks_kept();
}

bool advised(const void* p) {
    std::istringstream flags(vm_flags(p));
    std::string flag;
    while (flags >> flag)
        if (flag == "hg") return true;
    return false;
}

// True, saying why, when the replacement cannot be seen here.
bool skipped() {
    const std::string reason = skip_reason();
    if (!reason.empty()) MESSAGE("skipped: " << reason);
    return !reason.empty();
}

struct alignas(64) Record {
    std::uint8_t bytes[64];
};

// The resident memory of this process in bytes (/proc/self/statm), 0 where it cannot be read.
std::size_t resident() {
    std::ifstream in("/proc/self/statm");
    std::size_t size = 0, pages = 0;
    if (!(in >> size >> pages)) return 0;
    return pages * 4096;
}

constexpr std::size_t mib = std::size_t{1} << 20;

}  // namespace

// First, while this process has used little memory: a kept block goes back once other memory
// grows past the most that was in use before.
TEST_CASE("a kept block goes back when other memory grows past the most in use before") {
    if (skipped()) return;
    if (resident() == 0) {
        MESSAGE("skipped: /proc/self/statm cannot be read");
        return;
    }
    auto* big = static_cast<std::uint8_t*>(::operator new(64 * mib));
    std::memset(big, 1, 64 * mib);
    ::operator delete(big);  // kept (in memory still)
    const std::size_t r0 = resident();
    // Memory of malloc's (not the cache's), more than this process had in use before.
    auto* other = static_cast<std::uint8_t*>(std::malloc(256 * mib));
    REQUIRE(other != nullptr);
    std::memset(other, 2, 256 * mib);
    const std::size_t r1 = resident();
    CHECK(r1 >= r0 + 200 * mib);
    void* trigger = ::operator new(mib);  // a large request checks the bound first
    const std::size_t r2 = resident();
    if (blocks_kept())
        CHECK(r2 + 48 * mib < r1);  // the 64 MiB kept went back
    else
        CHECK(r2 <= r1 + 2 * mib);  // nothing was kept
    ::operator delete(trigger);
    std::free(other);
}

TEST_CASE("a freed large block serves the next large request of its size") {
    if (skipped()) return;
    // A size no other block of these tests has (whole pages with the header), touched throughout.
    const std::size_t size = 9 * mib + 12345;
    auto* a = static_cast<std::uint8_t*>(::operator new(size));
    for (std::size_t i = 0; i < size; i += 4096) a[i] = 7;
    a[size - 1] = 7;
    ::operator delete(a);
    auto* b = static_cast<std::uint8_t*>(::operator new(size));
    if (blocks_kept()) CHECK(b == a);
    b[0] = b[size - 1] = 9;  // ordinary memory
    CHECK(b[0] + b[size - 1] == 18);
    ::operator delete(b);
    // Over-aligned records from the cache keep their alignment.
    std::vector<Record> records(3 * mib / sizeof(Record));
    CHECK(reinterpret_cast<std::uintptr_t>(records.data()) % alignof(Record) == 0);
}

namespace {

// A random sequence of allocations and frees of blocks from 4 KiB to 24 MiB (small and large,
// plain and over-aligned), each filled with words of its own number and checked when freed and at
// the end: a block that overlapped another, or lost its contents, would show a foreign word.
// The number of words found wrong.
std::size_t churn(std::uint64_t seed, int steps) {
    struct Live {
        std::uint64_t* words;
        std::size_t count;
        std::uint64_t id;
        bool aligned;
    };
    std::vector<Live> live;
    std::uint64_t state = seed, next_id = seed << 32;
    const auto draw = [&](std::uint64_t n) {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return (state >> 33) % n;
    };
    std::size_t wrong = 0;
    const auto check_free = [&](const Live& l) {
        // Every word where the block is small, else every 509th and the last.
        const std::size_t step = l.count < 4096 ? 1 : 509;
        for (std::size_t i = 0; i < l.count; i += step) wrong += l.words[i] != l.id + i;
        wrong += l.words[l.count - 1] != l.id + l.count - 1;
        if (l.aligned)
            ::operator delete (l.words, std::align_val_t{64});
        else
            ::operator delete(l.words);
    };
    for (int s = 0; s < steps; ++s) {
        if (!live.empty() && (live.size() >= 12 || draw(3) == 0)) {
            const std::size_t k = draw(live.size());
            check_free(live[k]);
            live[k] = live.back();
            live.pop_back();
            continue;
        }
        // Sizes spread over the scales: 4 KiB to 24 MiB, log-uniform-ish.
        const std::size_t bytes = (std::size_t{4096} << draw(13)) + draw(mib) * 8;
        const std::size_t count = bytes / 8;
        const bool aligned = draw(2) == 0;
        auto* words =
            static_cast<std::uint64_t*>(aligned ? ::operator new (bytes, std::align_val_t{64}) : ::operator new(bytes));
        wrong += aligned && reinterpret_cast<std::uintptr_t>(words) % 64 != 0;
        const std::uint64_t id = (next_id += std::uint64_t{1} << 40);
        for (std::size_t i = 0; i < count; ++i) words[i] = id + i;
        live.push_back({words, count, id, aligned});
    }
    for (const auto& l : live) check_free(l);
    return wrong;
}

}  // namespace

TEST_CASE("no block overlaps another: a random sequence of sizes and frees, on one thread and four") {
    if (skipped()) return;
    CHECK(churn(1, 400) == 0);
    std::vector<std::size_t> wrong(4, 0);
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < wrong.size(); ++k)
        threads.emplace_back([k, &wrong] { wrong[k] = churn(100 + k, 300); });
    for (auto& t : threads) t.join();
    for (const auto w : wrong) CHECK(w == 0);
}

TEST_CASE("blocks of 2 MiB and more are advised for huge pages, plain and over-aligned") {
    if (skipped()) return;
    // 8 MiB: at least three whole 2 MiB pages inside, wherever malloc puts it; the middle one is
    // advised.
    const bool wanted = advice_expected();
    const std::string verdict = wanted ? "big blocks advised here" : "big blocks not advised here";
    MESSAGE(verdict);
    std::vector<std::uint8_t> plain(8 * mib);
    CHECK(advised(plain.data() + 4 * mib) == wanted);
    std::vector<Record> records(8 * mib / sizeof(Record));
    CHECK(reinterpret_cast<std::uintptr_t>(records.data()) % alignof(Record) == 0);
    CHECK(advised(reinterpret_cast<const std::uint8_t*>(records.data()) + 4 * mib) == wanted);
    // Ordinary memory: written, read back, freed (by the default operator delete).
    for (std::size_t i = 0; i < plain.size(); i += 4093) plain[i] = static_cast<std::uint8_t>(i % 251);
    std::size_t wrong = 0;
    for (std::size_t i = 0; i < plain.size(); i += 4093) wrong += plain[i] != static_cast<std::uint8_t>(i % 251);
    CHECK(wrong == 0);
    auto array = std::make_unique<double[]>(3 * mib / sizeof(double));
    array[3 * mib / sizeof(double) - 1] = 1.5;
    CHECK(array[3 * mib / sizeof(double) - 1] == 1.5);
}

namespace {
int handler_calls = 0;
void give_up() {
    ++handler_calls;
    std::set_new_handler(nullptr);  // the next failure throws
}
}  // namespace

TEST_CASE("an allocation that cannot be met calls the new-handler, then throws bad_alloc") {
    if (skipped()) return;
    handler_calls = 0;
    std::set_new_handler(give_up);
    // More than any address space: malloc fails at once.
    const std::size_t too_much = std::size_t{1} << 62;
    CHECK_THROWS_AS((void)::operator new(too_much), std::bad_alloc);
    CHECK(handler_calls == 1);
    std::set_new_handler(give_up);
    CHECK_THROWS_AS((void)::operator new (too_much, std::align_val_t{64}), std::bad_alloc);
    CHECK(handler_calls == 2);
    // A size within an alignment of the largest: rounded up to the alignment it would wrap to a
    // few bytes, which aligned_alloc would give.
    // (Volatile: the compiler would warn of a constant size that large.)
    volatile std::size_t near_max = SIZE_MAX - 10;
    std::set_new_handler(give_up);
    CHECK_THROWS_AS((void)::operator new (near_max, std::align_val_t{64}), std::bad_alloc);
    CHECK(handler_calls == 3);
    std::set_new_handler(nullptr);
}
