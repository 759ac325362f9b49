#pragma once
// A network's coordinates in a stated CRS (network.yaml `crs:`, e.g. EPSG:3006, SWEREF 99 TM):
// conversions to and from WGS84 through PROJ. A network without one keeps the local plane of
// its `projection:` (see Network::to_lat_lon).
#include <memory>
#include <string>
#include <utility>

namespace flemsim::network {

class Projection {
public:
    // Throws core::IoError naming `crs` when PROJ does not know it or it is not projected in
    // metres.
    explicit Projection(const std::string& crs);
    ~Projection();
    Projection(const Projection&) = delete;
    Projection& operator=(const Projection&) = delete;

    // Easting, northing (metres) of a WGS84 point, and back. Safe to call from many threads.
    std::pair<double, double> to_x_y(double lat, double lon) const;
    std::pair<double, double> to_lat_lon(double x, double y) const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace flemsim::network
