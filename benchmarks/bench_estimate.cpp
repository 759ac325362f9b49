// Estimation of the mode-choice model on one core: a synthetic survey of --records records × 4
// alternatives (synthetic_survey, choices drawn from a known nested logit with the default term
// catalogue: 17 coefficients and the scale of nest active = walk, bike), estimated --runs times
// as a multinomial logit and as the nested logit. Prints the median, minimum and maximum wall
// time of each (the data preparation is not timed), iterations and the final log-likelihood.
// Usage: bench_estimate [--records N] [--runs R] [--seed S]
#include <tbb/global_control.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "sim/choice/estimation.hpp"
#include "sim/choice/utility_terms.hpp"

using namespace flemsim;
using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
    std::size_t records = 100000;
    int runs = 5;
    std::uint64_t seed = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--records")
            records = std::strtoull(argv[i + 1], nullptr, 10);
        else if (a == "--runs")
            runs = std::atoi(argv[i + 1]);
        else if (a == "--seed")
            seed = std::strtoull(argv[i + 1], nullptr, 10);
        else {
            fmt::print(stderr, "usage: bench_estimate [--records N] [--runs R] [--seed S]\n");
            return 2;
        }
    }
    // One core, as the figure to reach is stated.
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);

    const std::vector<std::string> modes = {"walk", "bike", "transit", "car"};
    const auto terms = choice::default_terms();
    const auto& truth = choice::synthetic_coefficients();
    Eigen::VectorXd beta(static_cast<Eigen::Index>(terms.size()));
    for (std::size_t k = 0; k < terms.size(); ++k) beta[static_cast<Eigen::Index>(k)] = truth.at(terms[k].name);
    auto d = choice::choice_data(choice::synthetic_survey(records, seed), terms);
    d.chosen = choice::simulate_choices(d, beta, choice::parse_nests("car;transit;active=walk,bike", modes, 0.5), seed);

    fmt::print("{} records x 4 alternatives, {} coefficients, one thread, {} runs\n", records, terms.size(), runs);
    for (const char* nests : {"mnl", "car;transit;active=walk,bike"}) {
        std::vector<double> seconds;
        choice::EstimationResult res;
        for (int r = 0; r < runs; ++r) {
            const auto t0 = Clock::now();
            res = choice::estimate(d, choice::ModelSpec::free(d, choice::parse_nests(nests, modes, 1.0)));
            seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
        }
        std::sort(seconds.begin(), seconds.end());
        fmt::print("{:<30} median {:.3f} s (min {:.3f}, max {:.3f}); {} iterations, LL {:.3f}, {}{}\n", nests,
                   seconds[seconds.size() / 2], seconds.front(), seconds.back(), res.iterations, res.ll,
                   res.converged ? "converged" : "NOT converged",
                   res.nests.nests() ? fmt::format(", scale {:.4f}", res.nests.scale[0]) : std::string());
    }
    return 0;
}
