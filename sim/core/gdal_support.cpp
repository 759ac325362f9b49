#include "sim/core/gdal_support.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_priv.h>

#include <mutex>

namespace flemsim::core {

void register_gdal() {
    static std::once_flag once;
    std::call_once(once, [] {
        GDALAllRegister();
        // GDAL's messages become our errors, not lines on stderr.
        CPLSetErrorHandler(CPLQuietErrorHandler);
    });
}

std::string gdal_message() {
    const char* m = CPLGetLastErrorMsg();
    return m && *m ? m : "no message from GDAL";
}

}  // namespace flemsim::core
