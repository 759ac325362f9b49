#pragma once
// Shared by the fuzz targets: a scratch folder per process, writing the input to a file, and
// the rule for outcomes. A parser may reject an input only with the project's documented
// errors (core::InputError, core::IoError; ParseError is internal and must have become an
// InputError with a position before it leaves a parser). Anything else escapes the target and
// libFuzzer reports it as a finding, as it does crashes, sanitizer reports, leaks and hangs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include "sim/core/error.hpp"
#include "tests/scratch.hpp"

namespace flemsim::fuzz {

// A fresh folder under TMPDIR for this process; removed at exit. The path is never destroyed: a
// static path would be, before the handler that removes the folder ran (registered while the
// path was being made, the handler runs after its destructor), and the folder stayed.
inline const std::filesystem::path& scratch() {
    static const std::filesystem::path* const dir = [] {
        const auto* made = new std::filesystem::path(test::make_temp_folder("flemsim-fuzz-"));
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch(), ec);
        });
        return made;
    }();
    return *dir;
}

inline void write_file(const std::filesystem::path& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) std::abort();  // the scratch folder itself failed: not a finding in the parser
}

// A file's bytes, or nothing when it does not exist. Read once at start-up: the targets
// restore a table after each input from memory, with the same plain writes as the input's,
// because fs::copy_file's sendfile can fail with EINTR when libFuzzer's timer signal lands.
inline std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) std::abort();
    return bytes;
}

// Puts a table back as it was read: its bytes, or no file.
inline void restore_file(const std::filesystem::path& path, const std::optional<std::string>& bytes) {
    if (bytes) {
        write_file(path, *bytes);
    } else {
        std::error_code ec;
        std::filesystem::remove(path, ec);
        if (ec && std::filesystem::exists(path)) std::abort();
    }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The source tree (for the test data the targets start from).
inline std::filesystem::path source_dir() {
    return FLEMSIM_SOURCE_DIR;
}

// Runs `parse`; the documented rejections are expected outcomes. An InputError must say
// where: at least the file.
template <class F>
void expect_clean(F&& parse) {
    try {
        parse();
    } catch (const core::InputError& e) {
        if (e.pos().file.empty()) std::abort();
    } catch (const core::IoError&) {
    }
}

}  // namespace flemsim::fuzz
