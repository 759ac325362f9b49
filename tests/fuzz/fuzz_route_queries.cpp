// Fuzz target: a CSV of route queries (`flemsim route --queries`) through read_route_queries.
#include "sim/routing/batch.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace flemsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = fuzz::scratch() / "queries.csv";
    fuzz::write_file(file, fuzz::as_text(data, size));
    fuzz::expect_clean([&] { (void)routing::read_route_queries(file); });
    return 0;
}
