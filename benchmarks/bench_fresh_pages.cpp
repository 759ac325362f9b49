// What fresh memory costs on this machine: a block of MiB mebibytes mapped, every page written
// once, unmapped, ROUNDS times, in 4 KiB pages and in transparent huge pages (MADV_HUGEPAGE),
// each with no pause between rounds and with a pause of PAUSE seconds. Where a virtual machine
// gives freed memory back to its host (free page reporting), the pause lets the host drop the
// pages, and the next round's are faulted in by the host too; flemsim's big blocks are advised
// for huge pages only where that is not so (sim/apps/huge_pages.cpp, FLEMSIM_HUGE_PAGES).
//
//   bench_fresh_pages [MiB] [--pause S] [--rounds R]     (defaults 2048, 3, 4)
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

// Seconds to map `bytes`, write a byte of every 4 KiB page, and unmap them; negative if the
// mapping fails.
double touch_once(std::size_t bytes, bool huge) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return -1;
    if (huge) madvise(p, bytes, MADV_HUGEPAGE);
    auto* bytes_at = static_cast<volatile unsigned char*>(p);
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < bytes; i += 4096) bytes_at[i] = 1;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    munmap(p, bytes);
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    std::size_t mib = 2048;
    double pause = 3;
    int rounds = 4;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--pause" && i + 1 < argc) {
            pause = std::atof(argv[++i]);
        } else if (a == "--rounds" && i + 1 < argc) {
            rounds = std::atoi(argv[++i]);
        } else if (a == "--help" || a == "-h") {
            std::puts("usage: bench_fresh_pages [MiB] [--pause S] [--rounds R]   (defaults 2048, 3, 4)");
            return 0;
        } else if (!a.empty() && a[0] != '-') {
            mib = static_cast<std::size_t>(std::atol(a.c_str()));
        } else {
            std::fprintf(stderr, "bench_fresh_pages: unknown argument %s (--help)\n", a.c_str());
            return 2;
        }
    }
    if (mib == 0 || rounds <= 0 || !(pause >= 0)) {
        std::fprintf(stderr, "bench_fresh_pages: MiB and rounds must be positive, the pause not negative\n");
        return 2;
    }
    const std::size_t bytes = mib << 20;
    std::printf("%zu MiB written page by page, %d rounds each (GB/s; first round, then the others)\n", mib, rounds);
    for (const bool huge : {false, true})
        for (const double wait : {0.0, pause}) {
            std::printf("%-22s pause %4.1f s:", huge ? "transparent huge pages" : "4 KiB pages", wait);
            for (int r = 0; r < rounds; ++r) {
                const double s = touch_once(bytes, huge);
                if (s < 0) {
                    std::printf(" (mapping failed)\n");
                    return 1;
                }
                std::printf(" %6.2f", static_cast<double>(bytes) / s / 1e9);
                std::fflush(stdout);
                if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
            }
            std::printf("\n");
        }
    return 0;
}
