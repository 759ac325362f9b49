#pragma once
// GDAL/OGR set up once for the modules that read or write GIS files (sim/output's GIS layers,
// sim/network/import's zone files): drivers registered, and GDAL's messages kept for our errors
// instead of printed on stderr. No GDAL header here: only the .cpp files that use GDAL include it.
#include <string>

namespace flemsim::core {

// Registers GDAL's drivers and its quiet error handler (once per process; thread-safe).
void register_gdal();

// GDAL's last error message, or a note that it gave none.
std::string gdal_message();

}  // namespace flemsim::core
