#pragma once
// Outputs are written under a temporary name in the same folder and renamed into place
// when complete, so a file that looks complete always is.
#include <filesystem>
#include <string_view>

namespace flemsim::core {

// "<dir>/.<name>.tmp-<pid>" for `final_path` "<dir>/<name>".
std::filesystem::path temporary_path_for(const std::filesystem::path& final_path);

// Renames `tmp` onto `final_path` (atomic on POSIX within one file system); throws IoError.
void commit_file(const std::filesystem::path& tmp, const std::filesystem::path& final_path);

// Writes `text` to `final_path` through a temporary file.
void write_file_atomically(const std::filesystem::path& final_path, std::string_view text);

// Removes a temporary file on scope exit unless released (for error paths).
class TemporaryFileGuard {
public:
    explicit TemporaryFileGuard(std::filesystem::path p) : m_path(std::move(p)) {}
    ~TemporaryFileGuard();
    TemporaryFileGuard(const TemporaryFileGuard&) = delete;
    TemporaryFileGuard& operator=(const TemporaryFileGuard&) = delete;
    void release() { m_path.clear(); }

private:
    std::filesystem::path m_path;
};

}  // namespace flemsim::core
