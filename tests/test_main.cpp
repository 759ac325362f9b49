#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <system_error>

#include "tests/scratch.hpp"

namespace {
// The folder once made (never destroyed: read at the end of main, after the tests).
std::atomic<const std::filesystem::path*> made{nullptr};
}  // namespace

const std::filesystem::path& flemsim::test::scratch_root() {
    static const std::filesystem::path* const root = [] {
        const auto* p = new std::filesystem::path(make_temp_folder("flemsim-test-"));
        made.store(p);
        return p;
    }();
    return *root;
}

int main(int argc, char** argv) {
    doctest::Context context(argc, argv);
    const int result = context.run();
    if (const auto* root = made.load()) {
        std::error_code ec;
        if (result == 0)
            std::filesystem::remove_all(*root, ec);
        else
            std::fprintf(stderr, "the tests' files are kept in %s\n", root->c_str());
    }
    return result;
}
