#include "sim/output/summary_table.hpp"

#include <algorithm>
#include <cstring>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/output/hdf5.hpp"

namespace flemsim::output {

void write_summary_table(const std::filesystem::path& path, const SummaryTable& table) {
    const hdf5::QuietErrors quiet;
    const auto tmp = core::temporary_path_for(path);
    // Declared before any handle, so the file is closed before the guard removes it.
    core::TemporaryFileGuard guard(tmp);
    const std::size_t rows = table.rows();
    const std::size_t nt = table.text_names.size(), nn = table.number_names.size(), ni = table.integer_names.size();
    // Row layout in memory: nt char pointers, then nn doubles, then ni 64-bit integers.
    const std::size_t int_at = nt * sizeof(char*) + nn * sizeof(double);
    const std::size_t row_size = int_at + ni * sizeof(std::uint64_t);
    std::vector<unsigned char> buffer(std::max<std::size_t>(1, rows * row_size));
    for (std::size_t r = 0; r < rows; ++r) {
        unsigned char* row = buffer.data() + r * row_size;
        for (std::size_t c = 0; c < nt; ++c) {
            const char* p = table.text[c][r].c_str();
            std::memcpy(row + c * sizeof(char*), &p, sizeof p);
        }
        for (std::size_t c = 0; c < nn; ++c)
            std::memcpy(row + nt * sizeof(char*) + c * sizeof(double), &table.numbers[c][r], sizeof(double));
        for (std::size_t c = 0; c < ni; ++c)
            std::memcpy(row + int_at + c * sizeof(std::uint64_t), &table.integers[c][r], sizeof(std::uint64_t));
    }
    try {
        const hdf5::Datatype str = hdf5::vlen_string_type();
        const hdf5::Datatype mem(H5Tcreate(H5T_COMPOUND, row_size), "creating the row type");
        const hdf5::Datatype disk(H5Tcreate(H5T_COMPOUND, row_size), "creating the row type");
        for (std::size_t c = 0; c < nt; ++c) {
            const std::string& name = table.text_names[c];
            hdf5::check(H5Tinsert(mem.get(), name.c_str(), c * sizeof(char*), str.get()), "adding field " + name);
            hdf5::check(H5Tinsert(disk.get(), name.c_str(), c * sizeof(char*), str.get()), "adding field " + name);
        }
        for (std::size_t c = 0; c < nn; ++c) {
            const std::string& name = table.number_names[c];
            const std::size_t off = nt * sizeof(char*) + c * sizeof(double);
            hdf5::check(H5Tinsert(mem.get(), name.c_str(), off, H5T_NATIVE_DOUBLE), "adding field " + name);
            hdf5::check(H5Tinsert(disk.get(), name.c_str(), off, H5T_IEEE_F64LE), "adding field " + name);
        }
        for (std::size_t c = 0; c < ni; ++c) {
            const std::string& name = table.integer_names[c];
            const std::size_t off = int_at + c * sizeof(std::uint64_t);
            hdf5::check(H5Tinsert(mem.get(), name.c_str(), off, H5T_NATIVE_UINT64), "adding field " + name);
            hdf5::check(H5Tinsert(disk.get(), name.c_str(), off, H5T_STD_U64LE), "adding field " + name);
        }
        hdf5::File file = hdf5::create_file(tmp);
        {
            const hsize_t dims[1] = {rows};
            const hdf5::Dataspace space = hdf5::simple_space(dims);
            const hdf5::PropertyList dcpl = hdf5::untracked_creation(H5P_DATASET_CREATE, "/summary");
            hdf5::Dataset dset(
                H5Dcreate2(file.get(), "summary", disk.get(), space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
                "creating /summary");
            if (rows > 0)
                hdf5::check(H5Dwrite(dset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()),
                            "writing /summary");
            dset.close("closing /summary");
        }
        file.close("closing (flushing) the file");
    } catch (const hdf5::Failure& e) {
        throw core::IoError("cannot write " + path.string() + ": " + e.what());
    }
    core::commit_file(tmp, path);
    guard.release();
}

}  // namespace flemsim::output
