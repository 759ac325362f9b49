#include "sim/output/summary_table.hpp"

#include <hdf5.h>

#include <cstring>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"

namespace flemsim::output {

void write_summary_table(const std::filesystem::path& path, const SummaryTable& table) {
    const auto tmp = core::temporary_path_for(path);
    core::TemporaryFileGuard guard(tmp);
    const std::size_t rows = table.rows();
    const std::size_t nt = table.text_names.size(), nn = table.number_names.size();
    // Row layout in memory: nt char pointers, then nn doubles.
    const std::size_t row_size = nt * sizeof(char*) + nn * sizeof(double);
    std::vector<unsigned char> buffer(std::max<std::size_t>(1, rows * row_size));
    for (std::size_t r = 0; r < rows; ++r) {
        unsigned char* row = buffer.data() + r * row_size;
        for (std::size_t c = 0; c < nt; ++c) {
            const char* p = table.text[c][r].c_str();
            std::memcpy(row + c * sizeof(char*), &p, sizeof p);
        }
        for (std::size_t c = 0; c < nn; ++c)
            std::memcpy(row + nt * sizeof(char*) + c * sizeof(double), &table.numbers[c][r], sizeof(double));
    }
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    bool ok = true;
    const hid_t str = H5Tcopy(H5T_C_S1);
    ok = ok && str >= 0 && H5Tset_size(str, H5T_VARIABLE) >= 0 && H5Tset_cset(str, H5T_CSET_UTF8) >= 0;
    const hid_t mem = H5Tcreate(H5T_COMPOUND, row_size);
    const hid_t disk = H5Tcreate(H5T_COMPOUND, row_size);
    for (std::size_t c = 0; c < nt; ++c) {
        ok = ok && H5Tinsert(mem, table.text_names[c].c_str(), c * sizeof(char*), str) >= 0;
        ok = ok && H5Tinsert(disk, table.text_names[c].c_str(), c * sizeof(char*), str) >= 0;
    }
    for (std::size_t c = 0; c < nn; ++c) {
        const std::size_t off = nt * sizeof(char*) + c * sizeof(double);
        ok = ok && H5Tinsert(mem, table.number_names[c].c_str(), off, H5T_NATIVE_DOUBLE) >= 0;
        ok = ok && H5Tinsert(disk, table.number_names[c].c_str(), off, H5T_IEEE_F64LE) >= 0;
    }
    const hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    ok = ok && H5Pset_obj_track_times(fcpl, false) >= 0;
    const hid_t file = H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    const hsize_t dims[1] = {rows};
    const hid_t space = H5Screate_simple(1, dims, nullptr);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    ok = ok && H5Pset_obj_track_times(dcpl, false) >= 0;
    const hid_t dset = file >= 0 ? H5Dcreate2(file, "summary", disk, space, H5P_DEFAULT, dcpl, H5P_DEFAULT) : -1;
    ok = ok && dset >= 0;
    if (ok && rows > 0) ok = H5Dwrite(dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) >= 0;
    for (const hid_t h : {dset})
        if (h >= 0) H5Dclose(h);
    for (const hid_t h : {dcpl, fcpl})
        if (h >= 0) H5Pclose(h);
    if (space >= 0) H5Sclose(space);
    for (const hid_t h : {mem, disk, str})
        if (h >= 0) H5Tclose(h);
    if (file >= 0) ok = H5Fclose(file) >= 0 && ok;
    if (!ok) throw core::IoError("cannot write " + path.string());
    core::commit_file(tmp, path);
    guard.release();
}

}  // namespace flemsim::output
