#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <stdlib.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>

#include "tests/scratch.hpp"

namespace {
// The folder once made (never destroyed: read at the end of main, after the tests).
std::atomic<const std::filesystem::path*> made{nullptr};
}  // namespace

const std::filesystem::path& flemsim::test::scratch_root() {
    static const std::filesystem::path* const root = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "flemsim-test-XXXXXX").string();
        if (!::mkdtemp(pattern.data()))
            throw std::filesystem::filesystem_error("cannot make a test folder", pattern,
                                                    std::error_code(errno, std::generic_category()));
        const auto* p = new std::filesystem::path(pattern);
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
