#include "sim/output/hdf5.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

namespace flemsim::output::hdf5 {

namespace {

// Identifiers of the files being written; HDF5 is not used concurrently (see hdf5.hpp).
std::vector<hid_t>& written_files() {
    static std::vector<hid_t> files;
    return files;
}

bool g_close_failed = false;

void shut_down_library() {
    if (!g_close_failed) H5close();
}

// Before main, so before HDF5 initialises itself (and would register its own handler).
const bool g_shutdown_registered = [] {
    if (H5dont_atexit() >= 0) std::atexit(shut_down_library);
    return true;
}();

}  // namespace

void close_failed() noexcept {
    g_close_failed = true;
}

void track_written_file(hid_t file) {
    written_files().push_back(file);
}

void forget_written_file(hid_t file) {
    auto& files = written_files();
    files.erase(std::remove(files.begin(), files.end(), file), files.end());
}

void discard_writes() {
    for (const hid_t file : written_files()) {
        void* handle = nullptr;
        // The POSIX (sec2) driver, HDF5's default, hands out a pointer to its descriptor.
        if (H5Iis_valid(file) <= 0 || H5Fget_vfd_handle(file, H5P_DEFAULT, &handle) < 0 || handle == nullptr) {
            H5Eclear2(H5E_DEFAULT);
            continue;
        }
        const int fd = *static_cast<int*>(handle);
        const int sink = ::memfd_create("flemsim-discarded", MFD_CLOEXEC);
        if (sink < 0) continue;
        // dup2 closes the file's own descriptor: its name stays for the owner to remove.
        ::dup2(sink, fd);
        ::close(sink);
    }
    written_files().clear();
}

std::string take_detail() {
    std::string detail;
    const auto innermost = [](unsigned n, const H5E_error2_t* err, void* data) -> herr_t {
        if (n == 0 && err->desc != nullptr) *static_cast<std::string*>(data) = err->desc;
        return 0;
    };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &detail);
    H5Eclear2(H5E_DEFAULT);
    // A failed read or write of the POSIX driver says "file write failed: time = ...,
    // filename = ..., errno = 28, error message = 'No space left on device', buf = ...":
    // the system's message is the part a user needs.
    const std::string_view key = "error message = '";
    if (const auto begin = detail.find(key); begin != std::string::npos) {
        const auto text = begin + key.size();
        if (const auto end = detail.find('\'', text); end != std::string::npos) {
            const auto colon = detail.find(':');
            const std::string action = colon != std::string::npos && colon < begin ? detail.substr(0, colon) : "";
            detail = (action.empty() ? "" : action + ": ") + detail.substr(text, end - text);
        }
    }
    return detail;
}

void fail(std::string_view what) {
    std::string message(what);
    const std::string detail = take_detail();
    if (!detail.empty()) message += " (" + detail + ")";
    discard_writes();
    throw Failure(message);
}

QuietErrors::QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &m_func, &m_data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

QuietErrors::~QuietErrors() {
    H5Eset_auto2(H5E_DEFAULT, m_func, m_data);
}

PropertyList untracked_creation(hid_t cls, std::string_view what) {
    PropertyList plist(H5Pcreate(cls), std::string("creating the creation properties of ").append(what));
    check(H5Pset_obj_track_times(plist.get(), false), std::string("turning off time tracking of ").append(what));
    return plist;
}

File create_file(const std::filesystem::path& path, hid_t fapl) {
    const PropertyList fcpl = untracked_creation(H5P_FILE_CREATE, "the root group");
    File file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl), "creating " + path.string());
    track_written_file(file.get());
    return file;
}

File open_file_read(const std::filesystem::path& path) {
    return File(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "opening the file");
}

Dataspace simple_space(std::span<const hsize_t> dims, std::span<const hsize_t> max_dims) {
    return Dataspace(
        H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.empty() ? nullptr : max_dims.data()),
        "creating a dataspace");
}

Dataspace scalar_space() {
    return Dataspace(H5Screate(H5S_SCALAR), "creating a scalar dataspace");
}

Datatype vlen_string_type() {
    Datatype t(H5Tcopy(H5T_C_S1), "copying the string type");
    check(H5Tset_size(t.get(), H5T_VARIABLE), "making a variable-length string type");
    check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "setting UTF-8 on the string type");
    return t;
}

Datatype fixed_string_type(std::size_t size) {
    Datatype t(H5Tcopy(H5T_C_S1), "copying the string type");
    check(H5Tset_size(t.get(), size), "setting the size of a string type");
    return t;
}

PropertyList compressed_chunks(std::span<const hsize_t> chunk, unsigned level, std::string_view what) {
    PropertyList dcpl = untracked_creation(H5P_DATASET_CREATE, what);
    check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
          std::string("setting the chunk size of ").append(what));
    check(H5Pset_shuffle(dcpl.get()), std::string("setting the shuffle filter of ").append(what));
    check(H5Pset_deflate(dcpl.get(), level),
          "setting deflate level " + std::to_string(level) + " on " + std::string(what));
    return dcpl;
}

void write_attribute(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, hid_t space, const void* data) {
    Attribute attr(H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                   std::string("creating attribute ") + name);
    check(H5Awrite(attr.get(), mem_type, data), std::string("writing attribute ") + name);
    attr.close(std::string("closing attribute ") + name);
}

void write_scalar_attribute(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, const void* data) {
    const Dataspace space = scalar_space();
    write_attribute(loc, name, file_type, mem_type, space.get(), data);
}

void write_string_attribute(hid_t loc, const char* name, const std::string& value, hid_t text) {
    const char* p = value.c_str();
    write_scalar_attribute(loc, name, text, text, &p);
}

void write_fixed_string_attribute(hid_t loc, const char* name, std::string_view value) {
    const Datatype type = fixed_string_type(value.size());
    const std::string text(value);
    write_scalar_attribute(loc, name, type.get(), type.get(), text.c_str());
}

namespace {

// HDF5 1.10 can loop for ever reading a variable-length string whose global heap is damaged
// (H5HG_read under H5Aread; found by fuzzing the trip-log reader). Such a read takes
// microseconds on a sound file, so one that has not returned within this time means a damaged
// file: the watchdog says so and ends the process with the data-error code. Only reads are
// guarded, so nothing half-written is left behind.
constexpr auto heap_read_limit = std::chrono::seconds(10);

class ReadWatchdog {
public:
    ReadWatchdog(std::string file, std::string what)
        : m_thread([this, file = std::move(file), what = std::move(what)] {
              std::unique_lock lock(m_mutex);
              if (m_done.wait_for(lock, heap_read_limit, [this] { return m_finished; })) return;
              std::fprintf(stderr,
                           "error: %s: reading %s did not end within %lld s: the file is damaged "
                           "(HDF5 cannot read its variable-length strings)\n",
                           file.c_str(), what.c_str(), static_cast<long long>(heap_read_limit.count()));
              std::fflush(stderr);
              std::_Exit(1);
          }) {}
    ReadWatchdog(const ReadWatchdog&) = delete;
    ReadWatchdog& operator=(const ReadWatchdog&) = delete;
    ~ReadWatchdog() {
        {
            std::lock_guard lock(m_mutex);
            m_finished = true;
        }
        m_done.notify_one();
        m_thread.join();
    }

private:
    std::mutex m_mutex;
    std::condition_variable m_done;
    bool m_finished = false;
    std::thread m_thread;  // last: starts once the members above exist
};

std::string file_of(hid_t loc) {
    const ssize_t n = H5Fget_name(loc, nullptr, 0);
    if (n <= 0) return "HDF5 file";
    std::string name(static_cast<std::size_t>(n), '\0');
    H5Fget_name(loc, name.data(), name.size() + 1);
    return name;
}

}  // namespace

std::string read_string_attribute(hid_t attr, std::string_view what) {
    const Datatype type(H5Aget_type(attr), std::string("getting the type of attribute ").append(what));
    // The memory type copies the file's character set: HDF5 does not convert between
    // ASCII and UTF-8 strings.
    const Datatype mem(H5Tcopy(type.get()), "copying a string type");
    if (H5Tis_variable_str(type.get()) > 0) {
        char* raw = nullptr;
        const ReadWatchdog watchdog(file_of(attr), std::string("attribute ").append(what));
        check(H5Aread(attr, mem.get(), &raw), std::string("reading attribute ").append(what));
        const String text(raw);
        return text ? std::string(text.get()) : std::string();
    }
    std::string text(H5Tget_size(type.get()), '\0');
    check(H5Aread(attr, mem.get(), text.data()), std::string("reading attribute ").append(what));
    text.resize(std::strlen(text.c_str()));  // fixed-size strings are NUL-padded
    return text;
}

}  // namespace flemsim::output::hdf5
