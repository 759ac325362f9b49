#pragma once
// Maximum-likelihood estimation of multinomial and nested logit models with utilities linear in
// the parameters, V_rj = x_rj · β, on Eigen.
//
// Data layout: X is one matrix of (N·J) rows × K columns, row r·J + j holding the K features of
// alternative j in record r (a feature that does not concern an alternative is 0 there), so the
// utilities of all records are one product X·β and the gradient one product Xᵀ·∂lnL/∂V.
//
// Parameters are β (one per column of X, by name) followed by the scale λ_k of every nest
// (sim/choice/nested_logit.hpp for the convention), named "nests.<name>.scale"; any of them may be
// fixed at its given value. The log-likelihood Σ_r w_r ln P_r(chosen) has an analytic gradient in
// β and in the scales. A multinomial logit (no nests) is fitted by Newton's method with its
// analytic Hessian; a nested logit by BFGS with a backtracking line search, started from the
// multinomial estimates with the inverse of a finite-difference Hessian (of the analytic
// gradient). Convergence is on the relative gradient, max_k |g_k|·max(|θ_k|, 1) / max(|LL|, 1),
// as in Biogeme. Standard errors come from the inverse Hessian at the optimum (analytic for MNL,
// central differences of the analytic gradient for NL); robust ones from the sandwich
// H⁻¹ (Σ_r s_r s_rᵀ) H⁻¹ with s_r the score of record r.
//
// Records are processed in fixed chunks in parallel (TBB) and the chunks' sums added in chunk
// order, so results are the same bits at any thread count.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/choice/nested_logit.hpp"

namespace flemsim::choice {

struct ChoiceData {
    int alternatives = 0;
    std::vector<std::string> names;  // K: the parameter of each column of x
    Eigen::MatrixXd x;               // (N·J) × K, row r·J + j
    Availability available;          // N × J
    std::vector<int> chosen;         // N: index of the chosen alternative
    Eigen::VectorXd weight;          // N; empty: every record weighs 1

    std::size_t records() const { return chosen.size(); }
    double weight_of(std::size_t r) const { return weight.size() ? weight[static_cast<Eigen::Index>(r)] : 1.0; }
    // Throws std::invalid_argument on inconsistent sizes, a chosen index out of range, a chosen
    // alternative that is unavailable, a weight that is not positive, or non-finite features.
    void check() const;
};

// The model to fit: start values (or the values of fixed parameters) and what is fixed.
struct ModelSpec {
    Eigen::VectorXd beta;           // K
    std::vector<bool> beta_fixed;   // K; empty: none fixed
    NestStructure nests;            // the scales are start values (or fixed values)
    std::vector<bool> scale_fixed;  // per nest; empty: none fixed

    // Every β 0 and free, the given nests with their scales free.
    static ModelSpec free(const ChoiceData& d, const NestStructure& nests);
};

struct EstimationOptions {
    double tolerance = 1e-6;  // on the relative gradient (above)
    int max_iterations = 1000;
};

struct ParameterEstimate {
    std::string name;
    bool is_scale = false;  // a nest scale: its t-statistics are against 1, not 0
    bool fixed = false;     // not estimated: no standard errors (NaN)
    double value = 0;
    double std_err = 0, t = 0, p = 0;                       // from the inverse Hessian
    double robust_std_err = 0, robust_t = 0, robust_p = 0;  // sandwich
};

struct EstimationResult {
    std::vector<ParameterEstimate> parameters;  // β in column order, then the nest scales
    Eigen::VectorXd beta;                       // K, fixed ones included
    NestStructure nests;                        // with the estimated scales
    std::size_t records = 0;
    double weight_sum = 0;
    int free_parameters = 0;
    int free_constants = 0;                            // free parameters named asc.*: the constants-only model's
    double ll = 0;                                     // LL(β̂)
    double ll_null = 0;                                // LL(0): equal shares among the available alternatives
    double ll_constants = 0;                           // LL(c): the alternative-specific constants only (MNL)
    double rho2_null = 0, rho2bar_null = 0;            // 1 − LL/LL(0); 1 − (LL − K)/LL(0)
    double rho2_constants = 0, rho2bar_constants = 0;  // 1 − LL/LL(c); 1 − (LL − K)/(LL(c) − K_c)
    int iterations = 0;                                // of the final model's optimiser
    bool converged = false;
    std::string message;  // why it did not converge, or warnings (e.g. a scale above 1)
    double relative_gradient = 0;
    Eigen::MatrixXd covariance, robust_covariance;  // over the free parameters, in order
};

// Log-likelihood at β and the nests' scales; with `gradient`, its gradient over β then the
// scales (K + nests values). `scores` (N × (K + nests)), when given, receives each record's
// weighted gradient.
double log_likelihood(const ChoiceData& d, const Eigen::VectorXd& beta, const NestStructure& nests,
                      Eigen::VectorXd* gradient = nullptr, Eigen::MatrixXd* scores = nullptr);

// LL of equal shares among each record's available alternatives.
double null_log_likelihood(const ChoiceData& d);

// Fits `spec` to `d`. Throws std::invalid_argument on bad data or a spec that does not match it;
// a model that does not converge is returned with converged = false and the reason.
EstimationResult estimate(const ChoiceData& d, const ModelSpec& spec, const EstimationOptions& options = {});

// Chosen alternatives drawn from the model (β, nests) for every record of `d`, each from its own
// counter-based stream (seed, mode_choice, record): for tests, benchmarks and recovery checks.
std::vector<int> simulate_choices(const ChoiceData& d, const Eigen::VectorXd& beta, const NestStructure& nests,
                                  std::uint64_t seed);

// Two-sided p-value of a t-statistic (standard normal).
double two_sided_p(double t);

}  // namespace flemsim::choice
