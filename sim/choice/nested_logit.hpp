#pragma once
// Two-level nested logit on Eigen arrays.
//
// Convention (used everywhere: here, in `flemsim estimate`, its tables and in the scenario key
// `mode_choice.nests.<nest>.scale`): every nest k has a *scale* λ_k in (0, 1], the coefficient of
// the nest's log-sum at the upper level (the log-sum coefficient of Ben-Akiva & Lerman, the
// dissimilarity parameter of Train, Larch's `mu`). λ_k = 1 for every nest is the multinomial
// logit; smaller λ_k means the alternatives of the nest are closer substitutes. Biogeme writes
// the same model with mu_k = 1 / λ_k >= 1.
//
//   I_k  = ln Σ_{j in k, available} exp(V_j / λ_k)             inclusive value of nest k
//   L    = ln ( Σ_k exp(λ_k I_k) + Σ_{j in no nest} exp(V_j) )   expected maximum utility
//   P_j  = exp(λ_k I_k − L) · exp(V_j / λ_k − I_k)               for j in nest k
//   P_j  = exp(V_j − L)                                          for j in no nest
//
// An alternative in no nest is its own degenerate nest (λ = 1). Unavailable alternatives have
// probability exactly 0, a nest with no available member drops out (its I_k is −inf), and a
// record with nothing available has every probability 0 and L = −inf. Maxima are subtracted in
// each nest and at the top, so utilities of any size neither overflow nor underflow to 0/0.
//
// Up to `max_alternatives` alternatives (mode choice has four): the single-record path works on
// fixed-capacity arrays on the stack, so the simulation can call it for millions of tours
// without allocating.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/choice/logit.hpp"

namespace flemsim::choice {

inline constexpr int max_alternatives = 8;

// Utilities or probabilities of one record: a column of at most max_alternatives values (no heap).
using RecordArray = Eigen::Array<double, Eigen::Dynamic, 1, Eigen::ColMajor, max_alternatives, 1>;
// Availability of N records × J alternatives: nonzero = available.
using Availability = Eigen::Array<std::uint8_t, Eigen::Dynamic, Eigen::Dynamic>;

struct NestStructure {
    std::vector<int> nest_of;             // per alternative: its nest, or -1 (its own degenerate nest)
    std::vector<std::string> nest_names;  // per nest
    std::vector<double> scale;            // per nest: λ_k in (0, 1]

    int alternatives() const { return static_cast<int>(nest_of.size()); }
    int nests() const { return static_cast<int>(scale.size()); }
    // The multinomial logit over `alternatives`: no nests.
    static NestStructure mnl(int alternatives);
    // True when the model is a multinomial logit (no nest, or every scale 1).
    bool is_mnl() const;
    // Throws std::invalid_argument unless 1..max_alternatives alternatives, every nest has at
    // least two members and a name, the nest indices are in range and every scale is > 0
    // (and <= 1 unless `allow_above_one`: an estimate may wander there and must be reported).
    void validate(bool allow_above_one = false) const;
};

// A nest structure from text: nests separated by ';', the members of a nest by ','; a nest of
// one alternative is degenerate (no nest); a nest of several may be named "name=a,b" and is
// otherwise named by its members joined with '_'. Every alternative must appear exactly once.
// "mnl" is the multinomial logit. E.g. "car;transit;active=walk,bike". Scales start at
// `scale`. Throws std::invalid_argument with a message that names the offending part.
NestStructure parse_nests(std::string_view text, const std::vector<std::string>& alternative_names, double scale = 1.0);

// What one record's evaluation leaves behind: enough for the probabilities, the log-sums and
// the gradient of the log-likelihood (sim/choice/estimation.cpp). Fixed size, on the stack.
struct RecordState {
    double p[max_alternatives];            // P_j
    double conditional[max_alternatives];  // P(j | its nest); 1 for an alternative in no nest
    double nest_p[max_alternatives];       // P(nest k); 0 for a nest that dropped out
    double inclusive[max_alternatives];    // I_k; −inf for a nest that dropped out
    double logsum = 0;                     // L; −inf when nothing is available
};

// The structure prepared for evaluation: member lists per nest, 1/λ.
class NestedLogit {
public:
    explicit NestedLogit(const NestStructure& s);  // validates (scales above 1 allowed)

    int alternatives() const { return m_alternatives; }
    int nests() const { return m_nests; }
    const NestStructure& structure() const { return m_structure; }

    // One record: `v` holds J utilities, bit j of `available_bits` says alternative j is available.
    // No allocation. Returns L, the expected maximum utility.
    double evaluate(const double* v, std::uint32_t available_bits, RecordState& out) const;
    // One record into `p` (resized to J; no heap): returns L.
    double record_probabilities(const RecordArray& v, std::uint32_t available_bits, RecordArray& p) const;
    // The four modes in core::Mode order, as logit_probabilities (logit.hpp) takes and gives them,
    // for the simulation's tours: requires a structure over the four modes.
    Probabilities probabilities(const Utilities& v, std::uint8_t available_bits) const;
    // The expected maximum utility L of one record, as evaluate computes it but with
    // core::exp_same_bits and core::log_same_bits (sim/core/exp_log.hpp): the bits that logsums
    // gives the record, one at a time or eight at a time.
    double logsum(const double* v, std::uint32_t available_bits) const;
    // L of n records: alternative j's utility of record i at v[j * stride + i], its availability
    // bits[i], L into out[i]. Eight records at a time where the processor has AVX-512, each with
    // the bits of logsum (the demand models' destination and departure choices ask millions).
    void logsums(const double* v, std::size_t stride, const std::uint32_t* bits, std::size_t n, double* out) const;

    // N × J utilities and availability: probabilities (N × J), inclusive values I_k (N × nests,
    // −inf where a nest dropped out) and the expected maximum utility L (N).
    Eigen::ArrayXXd probabilities(const Eigen::ArrayXXd& v, const Availability& available) const;
    Eigen::ArrayXXd inclusive_values(const Eigen::ArrayXXd& v, const Availability& available) const;
    Eigen::ArrayXd logsums(const Eigen::ArrayXXd& v, const Availability& available) const;

private:
    // The largest V_j / λ_k over nest k's available members (−inf: none).
    double nest_max(const double* v, std::uint32_t bits, int k) const;

    NestStructure m_structure;
    int m_alternatives = 0;
    int m_nests = 0;
    int m_singletons = 0;
    int m_singleton[max_alternatives]{};     // alternatives in no nest
    int m_member_count[max_alternatives]{};  // per nest
    int m_member[max_alternatives][max_alternatives]{};
    double m_scale[max_alternatives]{};
    double m_inverse_scale[max_alternatives]{};
};

}  // namespace flemsim::choice
