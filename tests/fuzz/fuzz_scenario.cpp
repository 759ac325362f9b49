// Fuzz target: a scenario file through load_scenario (YAML, extends, include, --set, strict
// validation). The input is the scenario text; its first lines of the form `#= key.path=value`
// (YAML comments, so the rest still parses) become --set overrides. The tiny test scenario
// and its network lie beside it, so `extends: tiny.yaml`, `include:` and `network: tiny` reach
// past the first file.
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace fs = std::filesystem;
using namespace flemsim;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    const fs::path data = fuzz::source_dir() / "tests/data";
    fs::copy_file(data / "tiny.yaml", fuzz::scratch() / "tiny.yaml", fs::copy_options::overwrite_existing);
    fs::copy(data / "tiny", fuzz::scratch() / "tiny",
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = fuzz::as_text(data, size);
    scenario::LoadOptions options;
    std::size_t at = 0;
    while (text.substr(at, 2) == "#=" && options.overrides.size() < 8) {
        const auto end = text.find('\n', at);
        options.overrides.emplace_back(text.substr(at + 2, end == std::string_view::npos ? end : end - at - 2));
        if (end == std::string_view::npos) break;
        at = end + 1;
    }
    const fs::path file = fuzz::scratch() / "fuzzed.yaml";
    fuzz::write_file(file, text);
    fuzz::expect_clean([&] { (void)scenario::load_scenario(file, options); });
    return 0;
}
