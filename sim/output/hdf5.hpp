#pragma once
// The one layer over HDF5's C API that the trip log, the OMX skims and the sweep summary
// share: identifiers closed on scope exit, failures as exceptions naming the step, HDF5's
// automatic error printing off only while our code runs, and the few pieces those files
// repeat (untracked times, chunked and compressed datasets, attributes, strings).
//
// HDF5's library state (error stack, automatic error printing) is process-wide: these
// functions must not run concurrently with other HDF5 calls unless the library is built
// thread-safe.
#include <hdf5.h>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace flemsim::output::hdf5 {

// An HDF5 call failed; what() names the step and HDF5's innermost reason. Callers turn it
// into a core::IoError naming the file at their public boundary.
class Failure : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The most specific message on HDF5's error stack (e.g. the errno text of a failed open),
// then clears the stack.
std::string take_detail();

// Throws Failure with `what` and the detail from HDF5's error stack. Every file that
// create_file opened and that is still open is given up first (see discard_writes): a
// failure ends the writing of the file, and its handles must close without error.
[[noreturn]] void fail(std::string_view what);

// Why a failed write once crashed the program at exit: HDF5 (1.10) frees a dataset or file
// whose close fails (closing flushes, and a full disk fails the flush) but keeps its
// identifier, and its shutdown at exit closes that identifier again, on freed memory. So a
// dataset or file is flushed before it is closed (a failed flush frees nothing), and once
// anything failed, the files being written are turned into sinks: their descriptor is
// replaced by an anonymous in-memory file, so the writes of the closes that follow succeed
// and every identifier is released. The temporary file itself is then removed by its owner.
void discard_writes();

// A close failed all the same (HDF5 1.10 leaves its cache unable to flush after some failed
// flushes): the identifier now points to freed memory, and HDF5's own shutdown at exit
// would close it again. flemsim shuts HDF5 down itself at exit (in place of HDF5's atexit
// handler), and not at all once a close failed; the file's descriptor was already given up
// by discard_writes, and the system reclaims the rest.
void close_failed() noexcept;

// Files opened by create_file and not yet closed (for discard_writes).
void track_written_file(hid_t file);
void forget_written_file(hid_t file);

inline hid_t check_id(hid_t id, std::string_view what) {
    if (id < 0) fail(what);
    return id;
}
inline void check(herr_t status, std::string_view what) {
    if (status < 0) fail(what);
}

// What a handle holds, for what closing it must do first. (Comparing `Close` with &H5Fclose in
// an `if constexpr` is not a constant expression under AddressSanitizer's instrumentation, so
// the kind is its own template argument.)
enum class HandleKind { file, group, dataset, dataspace, datatype, attribute, property_list };

// Owns one HDF5 identifier of the kind that `Close` closes; move-only, closed on scope exit.
// Only for identifiers we opened or created (never the predefined H5T_* / H5P_DEFAULT ones).
template <herr_t (*Close)(hid_t), HandleKind Kind>
class Handle {
public:
    Handle() = default;
    Handle(hid_t id, std::string_view what) : m_id(check_id(id, what)) {}
    Handle(Handle&& other) noexcept : m_id(std::exchange(other.m_id, -1)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            m_id = std::exchange(other.m_id, -1);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }

    hid_t get() const { return m_id; }

    // Closes now and reports a failure, which the destructor cannot: closing a file or a
    // dataset flushes it, so there a failure is a failed write. The flush comes first, on
    // its own, so that a failure leaves the handle open for the destructor (see
    // discard_writes).
    void close(std::string_view what) {
        if constexpr (Kind == HandleKind::dataset) check(H5Dflush(m_id), what);
        if constexpr (Kind == HandleKind::file) check(H5Fflush(m_id, H5F_SCOPE_LOCAL), what);
        forget();
        const herr_t status = Close(m_id);
        m_id = -1;
        if (status < 0) close_failed();
        check(status, what);
    }

private:
    void reset() noexcept {
        if (m_id >= 0) {
            forget();
            if (Close(m_id) < 0) {
                close_failed();
                H5Eclear2(H5E_DEFAULT);  // a destructor has no one to tell
            }
        }
        m_id = -1;
    }

    void forget() noexcept {
        if constexpr (Kind == HandleKind::file) forget_written_file(m_id);
    }

    hid_t m_id = -1;
};

using File = Handle<H5Fclose, HandleKind::file>;
using Group = Handle<H5Gclose, HandleKind::group>;
using Dataset = Handle<H5Dclose, HandleKind::dataset>;
using Dataspace = Handle<H5Sclose, HandleKind::dataspace>;
using Datatype = Handle<H5Tclose, HandleKind::datatype>;
using Attribute = Handle<H5Aclose, HandleKind::attribute>;
using PropertyList = Handle<H5Pclose, HandleKind::property_list>;

// Turns HDF5's automatic error printing off for its lifetime (failures become exceptions)
// and restores the caller's setting afterwards, so a program embedding flemsim keeps its own.
class QuietErrors {
public:
    QuietErrors();
    ~QuietErrors();
    QuietErrors(const QuietErrors&) = delete;
    QuietErrors& operator=(const QuietErrors&) = delete;

private:
    H5E_auto2_t m_func = nullptr;
    void* m_data = nullptr;
};

// Memory that HDF5 allocated (names, variable-length strings read back), freed by HDF5.
struct FreeMemory {
    void operator()(void* p) const { H5free_memory(p); }
};
using String = std::unique_ptr<char, FreeMemory>;

// ---- creation ------------------------------------------------------------------------

// Creation properties (file, group or dataset: `cls` is H5P_FILE_CREATE, ...) that do not
// record times, so that the same content gives the same bytes.
PropertyList untracked_creation(hid_t cls, std::string_view what);

// A new file (truncating) at `path`, its root group's times untracked; `fapl` may be
// H5P_DEFAULT.
File create_file(const std::filesystem::path& path, hid_t fapl = H5P_DEFAULT);

File open_file_read(const std::filesystem::path& path);

// A simple dataspace of `dims`; `max_dims` empty for a fixed extent.
Dataspace simple_space(std::span<const hsize_t> dims, std::span<const hsize_t> max_dims = {});
Dataspace scalar_space();

// Variable-length UTF-8 strings; a fixed-length C string type of `size` bytes.
Datatype vlen_string_type();
Datatype fixed_string_type(std::size_t size);

// Dataset creation properties: chunks of `chunk`, shuffle + deflate at `level`, times untracked.
PropertyList compressed_chunks(std::span<const hsize_t> chunk, unsigned level, std::string_view what);

// ---- attributes ----------------------------------------------------------------------

void write_attribute(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, hid_t space, const void* data);
void write_scalar_attribute(hid_t loc, const char* name, hid_t file_type, hid_t mem_type, const void* data);

// A variable-length string keeps its text in the file's global heap, so the attribute
// itself stays small whatever the length (a scenario text may exceed the 64 KiB that an
// attribute stored in the object header allows). Text ends at the first NUL. `text` is a
// vlen_string_type().
void write_string_attribute(hid_t loc, const char* name, const std::string& value, hid_t text);

// A fixed-length string attribute of exactly value.size() bytes (OMX_VERSION asks for one).
void write_fixed_string_attribute(hid_t loc, const char* name, std::string_view value);

// The text of an open attribute whose type is of class H5T_STRING, variable or fixed
// length (NUL padding dropped); `what` names it in a failure.
std::string read_string_attribute(hid_t attr, std::string_view what);

}  // namespace flemsim::output::hdf5
