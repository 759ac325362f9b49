#pragma once
// Open Matrix (OMX 0.2) files: HDF5 with the root attributes OMX_VERSION (a fixed-length
// string) and SHAPE (two int32), matrices in /data (chunked, compressed), and zone lookups in
// /lookup. Read by openmatrix (Python), TransCAD, Cube, Emme, Visum.
#include <filesystem>
#include <string>
#include <vector>

namespace flemsim::output {

// `values[m]` is the row-major n x n matrix named `names[m]`; /lookup/zones holds the zone
// ids (fixed-length strings) and /lookup/zone_number 1..n. Written through a temporary file.
void write_omx(const std::filesystem::path& path, const std::vector<std::string>& zone_ids,
               const std::vector<std::string>& names, const std::vector<std::vector<double>>& values);

}  // namespace flemsim::output
