#pragma once
// Questions about paths that never throw. A path read from an input (an `extends:` value, a
// network folder) may be anything, e.g. longer than the system allows; std::filesystem's
// throwing forms would turn that into an exception without a position. These answer false
// (or the path as given) instead, and the caller reports the input's position.
#include <filesystem>
#include <system_error>

namespace flemsim::core {

inline bool exists(const std::filesystem::path& p) noexcept {
    std::error_code ec;
    return std::filesystem::exists(p, ec);
}

inline bool is_directory(const std::filesystem::path& p) noexcept {
    std::error_code ec;
    return std::filesystem::is_directory(p, ec);
}

// The canonical form where it can be had, else the path itself.
inline std::filesystem::path weakly_canonical(const std::filesystem::path& p) {
    std::error_code ec;
    auto c = std::filesystem::weakly_canonical(p, ec);
    return ec ? p : c;
}

}  // namespace flemsim::core
