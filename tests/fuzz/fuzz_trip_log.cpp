// Fuzz target: a trip log (HDF5) through read_trip_log, which must refuse anything but a
// well-formed file of a known schema with an IoError or InputError. The HDF5 library itself
// is not instrumented: its own crashes still show, its coverage does not guide the search.
#include <H5Epublic.h>

#include "sim/output/trip_log.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace flemsim;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // the library's own error stack printing
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = fuzz::scratch() / "trips.h5";
    fuzz::write_file(file, fuzz::as_text(data, size));
    fuzz::expect_clean([&] { (void)output::read_trip_log(file); });
    return 0;
}
