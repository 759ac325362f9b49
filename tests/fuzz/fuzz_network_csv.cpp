// Fuzz target: one table of a network folder through load_network (CSV reader, ids,
// references, checks). The first byte picks the table of the tiny test network that the rest
// replaces; the other tables stay as they are, so the checks behind the parser are reached.
#include <array>

#include "sim/network/network.hpp"
#include "tests/fuzz/fuzz_common.hpp"

namespace fs = std::filesystem;
using namespace flemsim;

namespace {
constexpr std::array<const char*, 9> tables = {"network.yaml", "nodes.csv",      "links.csv",
                                               "zones.csv",    "stops.csv",      "vehicles.csv",
                                               "lines.csv",    "line_stops.csv", "headways.csv"};
fs::path folder() {
    return fuzz::scratch() / "net";
}
fs::path original() {
    return fuzz::source_dir() / "tests/data/tiny";
}
// The tables' bytes, read once (see fuzz::restore_file).
std::array<std::optional<std::string>, tables.size()> originals;
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    fs::copy(original(), folder(), fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    for (std::size_t t = 0; t < tables.size(); ++t) originals[t] = fuzz::read_file(original() / tables[t]);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::size_t t = data[0] % tables.size();
    fuzz::write_file(folder() / tables[t], fuzz::as_text(data + 1, size - 1));
    fuzz::expect_clean([&] { (void)network::load_network(folder()); });
    fuzz::restore_file(folder() / tables[t], originals[t]);
    return 0;
}
