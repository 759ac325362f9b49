#include "sim/output/omx.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "sim/core/atomic_file.hpp"
#include "sim/core/error.hpp"
#include "sim/output/hdf5.hpp"

namespace flemsim::output {

void write_omx(const std::filesystem::path& path, const std::vector<std::string>& zone_ids,
               const std::vector<std::string>& names, const std::vector<std::vector<double>>& values) {
    const hdf5::QuietErrors quiet;
    const auto tmp = core::temporary_path_for(path);
    // Declared before any handle, so the file is closed before the guard removes it.
    core::TemporaryFileGuard guard(tmp);
    const hsize_t n = zone_ids.size();
    try {
        hdf5::File file = hdf5::create_file(tmp);
        // OMX_VERSION: a fixed-length string, as the format asks.
        hdf5::write_fixed_string_attribute(file.get(), "OMX_VERSION", "0.2");
        {
            const hsize_t two[1] = {2};
            const hdf5::Dataspace space = hdf5::simple_space(two);
            const std::int32_t shape[2] = {static_cast<std::int32_t>(n), static_cast<std::int32_t>(n)};
            hdf5::write_attribute(file.get(), "SHAPE", H5T_STD_I32LE, H5T_NATIVE_INT32, space.get(), shape);
        }
        {
            hdf5::Group data(H5Gcreate2(file.get(), "data", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                             "creating group /data");
            const hsize_t dims[2] = {n, n};
            const hdf5::Dataspace space = hdf5::simple_space(dims);
            const hsize_t chunk[2] = {std::max<hsize_t>(1, std::min<hsize_t>(n, 256)),
                                      std::max<hsize_t>(1, std::min<hsize_t>(n, 256))};
            const hdf5::PropertyList dcpl = hdf5::compressed_chunks(chunk, 4, "/data");
            for (std::size_t m = 0; m < names.size(); ++m) {
                hdf5::Dataset ds(H5Dcreate2(data.get(), names[m].c_str(), H5T_IEEE_F64LE, space.get(), H5P_DEFAULT,
                                            dcpl.get(), H5P_DEFAULT),
                                 "creating matrix " + names[m]);
                if (n > 0)
                    hdf5::check(H5Dwrite(ds.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values[m].data()),
                                "writing matrix " + names[m]);
                ds.close("closing matrix " + names[m]);
            }
            data.close("closing group /data");
        }
        {
            hdf5::Group lookup(H5Gcreate2(file.get(), "lookup", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                               "creating group /lookup");
            std::size_t width = 1;
            for (const auto& z : zone_ids) width = std::max(width, z.size());
            std::vector<char> text(std::max<std::size_t>(1, n * width), '\0');
            for (std::size_t i = 0; i < n; ++i)
                std::memcpy(text.data() + i * width, zone_ids[i].data(), zone_ids[i].size());
            const hdf5::Datatype ttype = hdf5::fixed_string_type(width);
            const hsize_t len[1] = {n};
            const hdf5::Dataspace s1 = hdf5::simple_space(len);
            {
                hdf5::Dataset zs(
                    H5Dcreate2(lookup.get(), "zones", ttype.get(), s1.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                    "creating /lookup/zones");
                if (n > 0)
                    hdf5::check(H5Dwrite(zs.get(), ttype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, text.data()),
                                "writing /lookup/zones");
                zs.close("closing /lookup/zones");
            }
            std::vector<std::int32_t> numbers(n);
            for (std::size_t i = 0; i < n; ++i) numbers[i] = static_cast<std::int32_t>(i + 1);
            hdf5::Dataset zn(
                H5Dcreate2(lookup.get(), "zone_number", H5T_STD_I32LE, s1.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                "creating /lookup/zone_number");
            if (n > 0)
                hdf5::check(H5Dwrite(zn.get(), H5T_NATIVE_INT32, H5S_ALL, H5S_ALL, H5P_DEFAULT, numbers.data()),
                            "writing /lookup/zone_number");
            zn.close("closing /lookup/zone_number");
            lookup.close("closing group /lookup");
        }
        file.close("closing (flushing) the file");
    } catch (const hdf5::Failure& e) {
        throw core::IoError("cannot write " + path.string() + ": " + e.what());
    }
    core::commit_file(tmp, path);
    guard.release();
}

}  // namespace flemsim::output
