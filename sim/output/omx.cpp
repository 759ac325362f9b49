#include "sim/output/omx.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cstring>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"

namespace flemsim::output {

namespace {

// Closes an HDF5 handle on scope exit; ok() is false once any step failed.
struct Step {
    bool good = true;
    hid_t check(hid_t h) {
        good = good && h >= 0;
        return h;
    }
    void check(herr_t e, int) { good = good && e >= 0; }
};

}  // namespace

void write_omx(const std::filesystem::path& path, const std::vector<std::string>& zone_ids,
               const std::vector<std::string>& names, const std::vector<std::vector<double>>& values) {
    const auto tmp = core::temporary_path_for(path);
    core::TemporaryFileGuard guard(tmp);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    const hsize_t n = zone_ids.size();
    Step st;
    const hid_t fcpl = st.check(H5Pcreate(H5P_FILE_CREATE));
    st.check(H5Pset_obj_track_times(fcpl, false), 0);
    const hid_t file = st.check(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT));
    if (st.good) {
        // OMX_VERSION: a fixed-length string, as the format asks.
        const hid_t vtype = st.check(H5Tcopy(H5T_C_S1));
        st.check(H5Tset_size(vtype, 3), 0);
        const hid_t scalar = st.check(H5Screate(H5S_SCALAR));
        const hid_t va = st.check(H5Acreate2(file, "OMX_VERSION", vtype, scalar, H5P_DEFAULT, H5P_DEFAULT));
        st.check(H5Awrite(va, vtype, "0.2"), 0);
        H5Aclose(va);
        const hsize_t two = 2;
        const hid_t s2 = st.check(H5Screate_simple(1, &two, nullptr));
        const std::int32_t shape[2] = {static_cast<std::int32_t>(n), static_cast<std::int32_t>(n)};
        const hid_t sa = st.check(H5Acreate2(file, "SHAPE", H5T_STD_I32LE, s2, H5P_DEFAULT, H5P_DEFAULT));
        st.check(H5Awrite(sa, H5T_NATIVE_INT32, shape), 0);
        H5Aclose(sa);
        H5Sclose(s2);
        H5Sclose(scalar);
        H5Tclose(vtype);

        const hid_t data = st.check(H5Gcreate2(file, "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        const hsize_t dims[2] = {n, n};
        const hid_t space = st.check(H5Screate_simple(2, dims, nullptr));
        const hid_t dcpl = st.check(H5Pcreate(H5P_DATASET_CREATE));
        const hsize_t chunk[2] = {std::max<hsize_t>(1, std::min<hsize_t>(n, 256)),
                                  std::max<hsize_t>(1, std::min<hsize_t>(n, 256))};
        st.check(H5Pset_chunk(dcpl, 2, chunk), 0);
        st.check(H5Pset_shuffle(dcpl), 0);
        st.check(H5Pset_deflate(dcpl, 4), 0);
        st.check(H5Pset_obj_track_times(dcpl, false), 0);
        for (std::size_t m = 0; m < names.size() && st.good; ++m) {
            const hid_t ds =
                st.check(H5Dcreate2(data, names[m].c_str(), H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
            if (n > 0) st.check(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values[m].data()), 0);
            H5Dclose(ds);
        }
        H5Pclose(dcpl);
        H5Sclose(space);
        H5Gclose(data);

        const hid_t lookup = st.check(H5Gcreate2(file, "lookup", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        std::size_t width = 1;
        for (const auto& z : zone_ids) width = std::max(width, z.size());
        std::vector<char> text(std::max<std::size_t>(1, n * width), '\0');
        for (std::size_t i = 0; i < n; ++i)
            std::memcpy(text.data() + i * width, zone_ids[i].data(), zone_ids[i].size());
        const hid_t ttype = st.check(H5Tcopy(H5T_C_S1));
        st.check(H5Tset_size(ttype, width), 0);
        const hsize_t len = n;
        const hid_t s1 = st.check(H5Screate_simple(1, &len, nullptr));
        const hid_t zs = st.check(H5Dcreate2(lookup, "zones", ttype, s1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        if (n > 0) st.check(H5Dwrite(zs, ttype, H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()), 0);
        H5Dclose(zs);
        std::vector<std::int32_t> numbers(n);
        for (std::size_t i = 0; i < n; ++i) numbers[i] = static_cast<std::int32_t>(i + 1);
        const hid_t zn =
            st.check(H5Dcreate2(lookup, "zone_number", H5T_STD_I32LE, s1, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        if (n > 0) st.check(H5Dwrite(zn, H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, numbers.data()), 0);
        H5Dclose(zn);
        H5Sclose(s1);
        H5Tclose(ttype);
        H5Gclose(lookup);
    }
    if (file >= 0) st.check(H5Fclose(file), 0);
    if (fcpl >= 0) H5Pclose(fcpl);
    if (!st.good) throw core::IoError("cannot write " + path.string());
    core::commit_file(tmp, path);
    guard.release();
}

}  // namespace flemsim::output
