// Fuzz target: a sweep file through load_sweep (strict keys, grid and list expansion, seeds).
// The tiny test scenario lies beside it, so `scenarios: [tiny.yaml]` names a real file.
#include "sim/pipeline/sweep.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace fs = std::filesystem;
using namespace flemsim;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fs::copy_file(fuzz::source_dir() / "tests/data/tiny.yaml", fuzz::scratch() / "tiny.yaml",
                  fs::copy_options::overwrite_existing);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = fuzz::scratch() / "sweep.yaml";
    fuzz::write_file(file, fuzz::as_text(data, size));
    fuzz::expect_clean([&] { (void)pipeline::load_sweep(file); });
    return 0;
}
