// Fuzz target: a scenario's network_patch (YAML) applied to the tiny test network, then
// checked like a loaded network, as load_scenario_network does.
#include <optional>

#include "sim/network/patch.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace flemsim;

namespace {
const network::Network& tiny() {
    static const network::Network net = network::load_network(fuzz::source_dir() / "tests/data/tiny");
    return net;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto& base = tiny();
    fuzz::expect_clean([&] {
        const scenario::ConfigNode patch = scenario::parse_yaml(fuzz::as_text(data, size), "patch.yaml");
        network::Network net = base;
        network::apply_patch(net, patch);
    });
    return 0;
}
