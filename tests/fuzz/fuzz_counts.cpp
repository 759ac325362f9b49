// Fuzz target: a counts file (CSV or MATSim XML, as the first byte decides), then its matching
// against a small model, as flemsim counts does.
#include "sim/report/counts.hpp"
#include "tests/fuzz/fuzz_common.hpp"

using namespace flemsim;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto file = fuzz::scratch() / "counts.txt";
    fuzz::write_file(file, fuzz::as_text(data, size));
    fuzz::expect_clean([&] {
        const auto observations = report::read_counts(file);
        report::ModelCounts model;
        model.link_ids = {"l0", "l1"};
        model.stop_ids = {"s0"};
        model.link_volumes = {{0, 0, 8, 100, 2, 0, 0}, {1, 1, 47, 5, 0, 0, 0}};
        model.boardings.assign(report::ModelCounts::hours, 1.0);
        model.alightings.assign(report::ModelCounts::hours, 1.0);
        const auto r = report::compare_counts(observations, model);
        (void)report::counts_table(r);
        (void)report::counts_json(r);
        (void)report::counts_scatter_svg(r);
    });
    return 0;
}
