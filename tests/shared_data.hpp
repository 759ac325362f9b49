#pragma once
// Data that lives beside the repository in ../shared (real OSM extracts, feeds), which a
// user's checkout does not have. A test that reads it asks here: it gets the path when the
// file is there, and otherwise a message says the test skipped, and why.
#include <doctest/doctest.h>

#include <filesystem>
#include <optional>
#include <string>

namespace flemsim::test {

// `relative` is a path under ../shared, e.g. "data/osm/stockholm-ostermalm.osm".
inline std::optional<std::filesystem::path> shared_data(const char* relative) {
    const std::filesystem::path path = std::filesystem::path(FLEMSIM_SOURCE_DIR "/../shared") / relative;
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return path;
    MESSAGE("skipped: ../shared/" << std::string(relative) << " is absent (a user's checkout has no ../shared)");
    return std::nullopt;
}

}  // namespace flemsim::test
