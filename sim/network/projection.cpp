#include "sim/network/projection.hpp"

#include <proj.h>

#include <mutex>

#include "sim/core/error.hpp"

namespace flemsim::network {

// PROJ objects belong to a context used by one thread at a time: one context and one
// transformation, behind a mutex (conversions are few: lookups, imports and exports).
struct Projection::Impl {
    PJ_CONTEXT* ctx = nullptr;
    PJ* pj = nullptr;  // WGS84 (lon, lat) -> crs (easting, northing)
    std::mutex mutex;
};

Projection::Projection(const std::string& crs) : m_impl(std::make_unique<Impl>()) {
    m_impl->ctx = proj_context_create();
    proj_log_level(m_impl->ctx, PJ_LOG_NONE);
    PJ* raw = proj_create_crs_to_crs(m_impl->ctx, "EPSG:4326", crs.c_str(), nullptr);
    PJ* target = raw ? proj_create(m_impl->ctx, crs.c_str()) : nullptr;
    const bool projected = target && proj_get_type(target) == PJ_TYPE_PROJECTED_CRS;
    if (target) proj_destroy(target);
    if (!raw || !projected) {
        const std::string why = raw ? "not a projected CRS (x and y in metres)"
                                    : proj_context_errno_string(m_impl->ctx, proj_context_errno(m_impl->ctx));
        if (raw) proj_destroy(raw);
        proj_context_destroy(m_impl->ctx);
        throw core::IoError("crs '" + crs + "': " + why);
    }
    // Longitude first and easting first, whatever the authorities' axis order.
    m_impl->pj = proj_normalize_for_visualization(m_impl->ctx, raw);
    proj_destroy(raw);
    if (!m_impl->pj) {
        proj_context_destroy(m_impl->ctx);
        throw core::IoError("crs '" + crs + "': PROJ cannot normalise its axis order");
    }
}

Projection::~Projection() {
    if (m_impl) {
        proj_destroy(m_impl->pj);
        proj_context_destroy(m_impl->ctx);
    }
}

std::pair<double, double> Projection::to_x_y(double lat, double lon) const {
    const std::lock_guard lock(m_impl->mutex);
    const PJ_COORD c = proj_trans(m_impl->pj, PJ_FWD, proj_coord(lon, lat, 0, 0));
    return {c.xy.x, c.xy.y};
}

std::pair<double, double> Projection::to_lat_lon(double x, double y) const {
    const std::lock_guard lock(m_impl->mutex);
    const PJ_COORD c = proj_trans(m_impl->pj, PJ_INV, proj_coord(x, y, 0, 0));
    return {c.lp.phi, c.lp.lam};
}

}  // namespace flemsim::network
