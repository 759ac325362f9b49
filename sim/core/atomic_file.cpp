#include "sim/core/atomic_file.hpp"

#include <unistd.h>

#include <fstream>

#include "sim/core/error.hpp"

namespace flemsim::core {

std::filesystem::path temporary_path_for(const std::filesystem::path& final_path) {
    return final_path.parent_path() /
           ("." + final_path.filename().string() + ".tmp-" + std::to_string(static_cast<long>(::getpid())));
}

void commit_file(const std::filesystem::path& tmp, const std::filesystem::path& final_path) {
    std::error_code ec;
    std::filesystem::rename(tmp, final_path, ec);
    if (ec) throw IoError("cannot rename " + tmp.string() + " to " + final_path.string() + ": " + ec.message());
}

void write_file_atomically(const std::filesystem::path& final_path, std::string_view text) {
    const auto tmp = temporary_path_for(final_path);
    TemporaryFileGuard guard(tmp);
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw IoError("cannot write " + tmp.string());
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.flush();
        if (!out) throw IoError("cannot write " + tmp.string());
    }
    commit_file(tmp, final_path);
    guard.release();
}

TemporaryFileGuard::~TemporaryFileGuard() {
    if (!m_path.empty()) {
        std::error_code ec;
        std::filesystem::remove(m_path, ec);
    }
}

}  // namespace flemsim::core
