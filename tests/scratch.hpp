#pragma once
// Where the tests write their files: a folder of the test process's own under the system's
// temporary folder (TMPDIR), flemsim-test-XXXXXX, made on first use. Two test runs at once (two
// CI jobs on one machine, a developer's run beside them) never write into each other's files,
// and nothing gathers in the temporary folder: the test runner (test_main.cpp) removes the folder
// when every test passed, and keeps it, saying where, when one failed, for a look at the outputs.
#include <stdlib.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <system_error>

namespace flemsim::test {

// A new folder `prefix`XXXXXX under the system's temporary folder (mkdtemp): this process's
// scratch_root(), and the fuzz targets' scratch folder (tests/fuzz/fuzz_common.hpp).
inline std::filesystem::path make_temp_folder(const std::string& prefix) {
    std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (!::mkdtemp(pattern.data()))
        throw std::filesystem::filesystem_error("cannot make a temporary folder", pattern,
                                                std::error_code(errno, std::generic_category()));
    return pattern;
}

// This process's folder, made on first use (any thread).
const std::filesystem::path& scratch_root();

// A path in it: scratch("batch") is a folder or file of that name (not made here).
inline std::filesystem::path scratch(const std::string& name) {
    return scratch_root() / name;
}

}  // namespace flemsim::test
