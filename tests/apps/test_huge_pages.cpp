// flemsim's operator new (sim/apps/huge_pages.cpp, compiled into this test as into flemsim):
// blocks of 2 MiB and more are advised for transparent huge pages (the kernel's VM_HUGEPAGE,
// "hg" among a mapping's VmFlags in /proc/self/smaps), plain and over-aligned alike, and stay
// ordinary memory to write, read and free; a failing allocation calls the new-handler, then
// throws std::bad_alloc. Run again with FLEMSIM_HUGE_PAGES=0 (ctest's huge_pages_off): no
// block is advised; with FLEMSIM_HUGE_PAGES=1 (huge_pages_on): every one, also in a virtual
// machine that reports freed memory to its host, where by default none is.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>
#include <sstream>
#include <string>
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

// Whether flemsim advises big blocks here: FLEMSIM_HUGE_PAGES=0 never, =1 always, else unless
// freed pages go back to a host.
bool advice_expected() {
    const char* v = std::getenv("FLEMSIM_HUGE_PAGES");
    if (v) return std::string(v) != "0";
    return !balloon_reports_free_pages();
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

}  // namespace

TEST_CASE("blocks of 2 MiB and more are advised for huge pages, plain and over-aligned") {
    if (skipped()) return;
    constexpr std::size_t mib = std::size_t{1} << 20;
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
