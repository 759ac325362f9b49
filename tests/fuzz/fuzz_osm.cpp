// Fuzz target: an OpenStreetMap XML extract through import_osm (libosmium's XML parser, tags,
// way splitting, folding of degree-2 nodes, the largest connected part per mode).
#include "sim/network/import/osm_import.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace flemsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = fuzz::scratch() / "fuzzed.osm";
    fuzz::write_file(file, fuzz::as_text(data, size));
    fuzz::expect_clean([&] {
        network::Network net;
        network::import::OsmReport report;
        network::import::import_osm(file, network::import::OsmOptions{}, net, report);
    });
    return 0;
}
