#include <doctest/doctest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "sim/network/import/zones.hpp"
#include "sim/network/network.hpp"
#include "sim/network/write.hpp"
#include "tests/scratch.hpp"

using namespace flemsim;
namespace imp = network::import;

namespace {
const std::filesystem::path tiny = std::filesystem::path(FLEMSIM_TEST_DATA) / "tiny";

network::Network streets_only() {
    auto net = network::load_network(tiny);
    net.zone_ids.clear();
    net.zone_names.clear();
    net.zone_kind.clear();
    net.zone_centroid.clear();
    net.zone_modes.clear();
    net.zone_line.clear();
    return net;
}
}  // namespace

TEST_CASE("zones from a file and from a grid") {
    const auto dir = flemsim::test::scratch("zones");
    std::filesystem::create_directories(dir);
    auto net = streets_only();
    const auto [w_lat, w_lon] = net.to_lat_lon(0, 0);
    const auto [e_lat, e_lon] = net.to_lat_lon(800, 0);
    {
        std::ofstream f(dir / "z.csv");
        f.precision(10);
        f << "id,name,lat,lon,residents,jobs\nwest,West," << w_lat << ',' << w_lon << ",100,5\neast,East," << e_lat
          << ',' << e_lon << ",,300\nfar,Far," << w_lat + 1 << ',' << w_lon << ",0,0\n";
    }
    const auto zones = imp::read_zone_file(dir / "z.csv");
    REQUIRE(zones.size() == 3);
    CHECK(zones[0].residents == 100);
    CHECK(zones[1].residents == 0);
    CHECK(zones[1].jobs == 300);
    std::vector<std::string> notes;
    imp::add_zones(net, zones, notes);
    // a0, a1 (x 0, 200) are nearer West; a2 (400) ties and goes to the first; a3, a4 East. The
    // gateway's centroid (5 km east, car only) and its stop node (walk only) get no zone. "Far"
    // is nearest to no node: left out, said so.
    REQUIRE(net.zone_count() == 2);
    CHECK(net.node_zone[net.find_node("a1")] == 0);
    CHECK(net.node_zone[net.find_node("a3")] == 1);
    CHECK(net.node_zone[net.find_node("gw")] == core::invalid_index);
    CHECK(net.zone_centroid[0] == net.find_node("a0"));
    CHECK(net.zone_centroid[1] == net.find_node("a4"));
    CHECK(net.zone_modes[0] == (network::walk_bit | network::bike_bit | network::car_bit | network::transit_bit));
    REQUIRE(notes.size() == 1);
    CHECK(notes[0].find("1 of 3 zones hold no street node") != std::string::npos);
    CHECK(notes[0].find("left out: far") != std::string::npos);

    SUBCASE("GeoJSON") {
        std::ofstream g(dir / "z.geojson");
        g.precision(10);
        g << R"({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [)"
          << w_lon << ", " << w_lat << R"(]}, "properties": {"id": "w", "name": "West", "jobs": 12}}]})";
        g.close();
        const auto z = imp::read_zone_file(dir / "z.geojson");
        REQUIRE(z.size() == 1);
        CHECK(z[0].id == "w");
        CHECK(z[0].jobs == 12);
        CHECK(z[0].lat == doctest::Approx(w_lat));
    }
    SUBCASE("a grid") {
        auto n2 = streets_only();
        const auto grid = imp::grid_zones(n2, 1000);
        // Nodes span 5,000 m by 400 m: 5 columns, 1 row.
        CHECK(grid.size() == 5);
        std::vector<std::string> grid_notes;
        imp::add_zones(n2, grid, grid_notes);
        CHECK(n2.zone_count() == 1);      // only the first cell holds nodes with all three modes
        REQUIRE(grid_notes.size() == 1);  // one line: how many, and their ids
        CHECK(grid_notes[0].find("4 of 5 zones") == 0);
        CHECK(grid_notes[0].find("left out: g0_1, g0_2, g0_3, g0_4") != std::string::npos);
    }
    SUBCASE("bad files") {
        std::ofstream(dir / "bad.csv") << "id,name,lat,lon\nx y,Bad,59,18\n";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "bad.csv"), doctest::Contains("bad.csv:2:1: id: ids may hold"),
                             core::InputError);
        std::ofstream(dir / "dup.csv") << "id,name,lat,lon\nx,A,59,18\nx,B,59,18\n";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "dup.csv"), doctest::Contains("zone id 'x' appears twice"),
                             core::InputError);
        std::ofstream(dir / "line.geojson") << R"({"type": "FeatureCollection", "features": [{"type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [[17.9, 59.2], [17.91, 59.21]]}, "properties": {"id": "a"}}]})";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "line.geojson"), doctest::Contains("expected a Point"),
                             core::InputError);
    }
}

namespace {

// Two rectangles in the tiny network's metres: west holds a0 and a1 (x 0, 200), east holds a2,
// a3 and a4 (x 400..800); "lake" lies 30 km north, over no street.
struct Rect {
    const char* id;
    const char* name;
    double x0, y0, x1, y1;
    double bef, arb;
};
constexpr Rect rects[] = {{"west", "Väst", -100, -100, 300, 100, 120, 7},
                          {"east", "Öst", 300, -100, 900, 100, 80.5, 300},
                          {"lake", "Sjön", 0, 30000, 500, 30500, 0, 0}};

// Writes the rectangles with GDAL in `crs` (EPSG code; 0: a shapefile without .prj, its
// coordinates in SWEREF 99 TM), layer `layer`, a second layer when `two_layers`.
void write_rects(const network::Network& net, const std::filesystem::path& file, const char* driver, int crs,
                 bool two_layers = false) {
    GDALAllRegister();
    std::filesystem::remove_all(file);
    GDALDriver* d = GetGDALDriverManager()->GetDriverByName(driver);
    REQUIRE(d != nullptr);
    std::unique_ptr<GDALDataset> ds(d->Create(file.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    REQUIRE(ds != nullptr);
    OGRSpatialReference wgs84, target;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    target.importFromEPSG(crs == 0 ? 3006 : crs);
    target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&wgs84, &target));
    for (int layer_no = 0; layer_no < (two_layers ? 2 : 1); ++layer_no) {
        OGRLayer* layer =
            ds->CreateLayer(layer_no == 0 ? "zones" : "other", crs == 0 ? nullptr : &target, wkbPolygon, nullptr);
        REQUIRE(layer != nullptr);
        for (const auto* f : {"code", "namn", "bef", "arb"}) {
            OGRFieldDefn def(f, f[0] == 'b' || f[0] == 'a' ? OFTReal : OFTString);
            REQUIRE(layer->CreateField(&def) == OGRERR_NONE);
        }
        for (const auto& r : rects) {
            OGRLinearRing ring;
            for (const auto& [x, y] : {std::pair{r.x0, r.y0}, {r.x1, r.y0}, {r.x1, r.y1}, {r.x0, r.y1}, {r.x0, r.y0}}) {
                const auto [lat, lon] = net.to_lat_lon(x, y);
                double px = lon, py = lat;
                REQUIRE(ct->Transform(1, &px, &py));
                ring.addPoint(px, py);
            }
            OGRPolygon poly;
            poly.addRing(&ring);
            OGRFeature* f = OGRFeature::CreateFeature(layer->GetLayerDefn());
            f->SetField("code", r.id);
            f->SetField("namn", r.name);
            f->SetField("bef", r.bef);
            f->SetField("arb", r.arb);
            f->SetGeometry(&poly);
            REQUIRE(layer->CreateFeature(f) == OGRERR_NONE);
            OGRFeature::DestroyFeature(f);
        }
    }
}

}  // namespace

TEST_CASE("zones from polygons in any CRS, their land use carried through") {
    const auto dir = flemsim::test::scratch("zones-gis");
    std::filesystem::create_directories(dir);
    const auto base = streets_only();
    imp::ZoneFileOptions o;
    imp::set_zone_fields(o, "id=code, name=namn,residents=bef,jobs=arb");
    // The same polygons in WGS84 (GeoJSON), SWEREF 99 TM (GeoPackage) and a shapefile without
    // .prj given its CRS: the same zones, the same nodes in them.
    write_rects(base, dir / "wgs84.geojson", "GeoJSON", 4326);
    write_rects(base, dir / "sweref.gpkg", "GPKG", 3006);
    write_rects(base, dir / "noprj.shp", "ESRI Shapefile", 0);
    std::filesystem::remove(dir / "noprj.prj");
    auto o_shp = o;
    o_shp.crs = "EPSG:3006";
    std::vector<std::vector<std::uint32_t>> zone_of;
    for (const auto& file_and_options : {std::pair{dir / "wgs84.geojson", o}, std::pair{dir / "sweref.gpkg", o},
                                         std::pair{dir / "noprj.shp", o_shp}}) {
        const std::filesystem::path& file = file_and_options.first;
        const auto& opts = file_and_options.second;
        CAPTURE(file);
        const auto zones = imp::read_zone_file(file, opts);
        REQUIRE(zones.size() == 3);
        CHECK(zones[0].id == "west");
        CHECK(zones[0].name == "Väst");
        CHECK(zones[1].residents == 80.5);
        CHECK(zones[1].jobs == 300);
        REQUIRE(zones[0].polygons.size() == 1);
        CHECK(zones[0].polygons[0][0].size() == 5);
        auto net = streets_only();
        std::vector<std::string> notes;
        imp::add_zones(net, zones, notes);
        REQUIRE(net.zone_count() == 2);
        // a0, a1 in west; a2 (x 400) in east although nearer west's centre than east's (x 600):
        // the polygon decides, not the distance. gw and gws (5 km east) lie in no polygon.
        CHECK(net.node_zone[net.find_node("a1")] == 0);
        CHECK(net.node_zone[net.find_node("a2")] == 1);
        CHECK(net.node_zone[net.find_node("a4")] == 1);
        CHECK(net.node_zone[net.find_node("gw")] == core::invalid_index);
        CHECK(net.zone_centroid[1] == net.find_node("a3"));  // east's centre is x 600
        // Land use totals carried through (the lake, left out, had none).
        REQUIRE(net.zone_land_use.size() == 2);
        CHECK(net.zone_land_use[0][0] + net.zone_land_use[1][0] == doctest::Approx(200.5));
        CHECK(net.zone_land_use[0][1] + net.zone_land_use[1][1] == doctest::Approx(307));
        REQUIRE(notes.size() == 1);
        CHECK(notes[0] ==
              "1 of 3 zones hold no street node usable by walk, bike and car (outside the network's area, "
              "or without such streets): left out: lake");
        zone_of.push_back(net.node_zone);
    }
    CHECK(zone_of[0] == zone_of[1]);
    CHECK(zone_of[0] == zone_of[2]);

    SUBCASE("the land use goes into zones.csv and back") {
        auto net = streets_only();
        std::vector<std::string> notes;
        imp::add_zones(net, imp::read_zone_file(dir / "wgs84.geojson", o), notes);
        const auto folder = dir / "net";
        std::filesystem::remove_all(folder);
        network::write_network(net, folder);
        const auto back = network::load_network(folder);
        REQUIRE(back.zone_land_use.size() == 2);
        CHECK(back.zone_land_use[1] == std::array<double, 4>{80.5, 300, 0, 0});
        // A network without land use keeps the five columns.
        const auto plain = network::load_network(tiny);
        CHECK(plain.zone_land_use.empty());
    }

    SUBCASE("the file's errors") {
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "noprj.shp", o), doctest::Contains("states no CRS"),
                             core::InputError);
        auto wrong = o;
        wrong.crs = "EPSG:3857";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "sweref.gpkg", wrong),
                             doctest::Contains("states its own CRS, which is not --zones-crs 'EPSG:3857'"),
                             core::InputError);
        write_rects(base, dir / "two.gpkg", "GPKG", 3006, true);
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "two.gpkg", o), doctest::Contains("has 2 layers (zones, other)"),
                             core::InputError);
        auto layer = o;
        layer.layer = "other";
        CHECK(imp::read_zone_file(dir / "two.gpkg", layer).size() == 3);
        imp::ZoneFileOptions missing;
        imp::set_zone_fields(missing, "id=code,residents=befolkning");
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "wgs84.geojson", missing),
                             doctest::Contains("no column 'befolkning' (it has code, namn, bef, arb)"),
                             core::InputError);
        // Default names that the file lacks are 0 (no land use), but the id must be there.
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "wgs84.geojson"), doctest::Contains("no column 'id'"),
                             core::InputError);
        CHECK_THROWS_AS(imp::set_zone_fields(missing, "people=bef"), std::invalid_argument);
        CHECK_THROWS_AS(imp::set_zone_fields(missing, "residents"), std::invalid_argument);
        std::ofstream(dir / "negative.geojson") << R"({"type": "FeatureCollection", "features": [{"type": "Feature",
            "geometry": {"type": "Point", "coordinates": [17.9, 59.2]}, "properties": {"id": "a", "jobs": -3}}]})";
        CHECK_THROWS_WITH_AS(imp::read_zone_file(dir / "negative.geojson"),
                             doctest::Contains("negative.geojson: feature 1: zone 'a', column 'jobs': -3 must be >= 0"),
                             core::InputError);
    }
}
