#include "sim/choice/nested_logit.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "sim/core/exp_log.hpp"

namespace flemsim::choice {

namespace {

constexpr double minus_infinity = -std::numeric_limits<double>::infinity();

std::string trimmed(std::string_view s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

std::vector<std::string_view> split_on(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto at = s.find(sep, start);
        out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
        if (at == std::string_view::npos) return out;
        start = at + 1;
    }
}

}  // namespace

NestStructure NestStructure::mnl(int alternatives) {
    NestStructure s;
    s.nest_of.assign(static_cast<std::size_t>(alternatives), -1);
    return s;
}

bool NestStructure::is_mnl() const {
    return std::all_of(scale.begin(), scale.end(), [](double l) { return l == 1.0; });
}

void NestStructure::validate(bool allow_above_one) const {
    if (nest_of.empty() || alternatives() > max_alternatives)
        throw std::invalid_argument("a choice model needs 1 to " + std::to_string(max_alternatives) +
                                    " alternatives, not " + std::to_string(alternatives()));
    if (nest_names.size() != scale.size()) throw std::invalid_argument("every nest needs a name and a scale");
    std::vector<int> members(scale.size(), 0);
    for (const int k : nest_of) {
        if (k < -1 || k >= nests()) throw std::invalid_argument("nest index " + std::to_string(k) + " out of range");
        if (k >= 0) ++members[static_cast<std::size_t>(k)];
    }
    for (std::size_t k = 0; k < scale.size(); ++k) {
        if (members[k] < 2)
            throw std::invalid_argument("nest '" + nest_names[k] +
                                        "' has fewer than two alternatives: its scale would not change any "
                                        "probability");
        if (!(scale[k] > 0) || !std::isfinite(scale[k]) || (!allow_above_one && scale[k] > 1))
            throw std::invalid_argument("the scale of nest '" + nest_names[k] + "' must be in (0, 1], not " +
                                        std::to_string(scale[k]));
    }
}

NestStructure parse_nests(std::string_view text, const std::vector<std::string>& alternative_names, double scale) {
    const int J = static_cast<int>(alternative_names.size());
    if (trimmed(text) == "mnl") return NestStructure::mnl(J);
    NestStructure s;
    s.nest_of.assign(static_cast<std::size_t>(J), -2);  // -2: not yet seen
    for (const auto group_text : split_on(text, ';')) {
        std::string group = trimmed(group_text);
        if (group.empty()) throw std::invalid_argument("empty nest in '" + std::string(text) + "'");
        std::string name;
        if (const auto eq = group.find('='); eq != std::string::npos) {
            name = trimmed(std::string_view(group).substr(0, eq));
            group = trimmed(std::string_view(group).substr(eq + 1));
            if (name.empty()) throw std::invalid_argument("a nest name is empty in '" + std::string(text) + "'");
        }
        std::vector<int> members;
        for (const auto member_text : split_on(group, ',')) {
            const std::string member = trimmed(member_text);
            const auto it = std::find(alternative_names.begin(), alternative_names.end(), member);
            if (it == alternative_names.end())
                throw std::invalid_argument("unknown alternative '" + member + "' in nests '" + std::string(text) +
                                            "'");
            const auto j = static_cast<std::size_t>(it - alternative_names.begin());
            if (s.nest_of[j] != -2)
                throw std::invalid_argument("alternative '" + member + "' appears twice in nests '" +
                                            std::string(text) + "'");
            s.nest_of[j] = -1;
            members.push_back(static_cast<int>(j));
        }
        if (members.size() == 1) {
            if (!name.empty())
                throw std::invalid_argument("nest '" + name +
                                            "' has one alternative: it would have no scale to speak of");
            continue;
        }
        if (name.empty())
            for (const int j : members)
                name += (name.empty() ? "" : "_") + alternative_names[static_cast<std::size_t>(j)];
        if (std::find(s.nest_names.begin(), s.nest_names.end(), name) != s.nest_names.end())
            throw std::invalid_argument("nest '" + name + "' appears twice");
        for (const int j : members) s.nest_of[static_cast<std::size_t>(j)] = s.nests();
        s.nest_names.push_back(name);
        s.scale.push_back(scale);
    }
    for (int j = 0; j < J; ++j)
        if (s.nest_of[static_cast<std::size_t>(j)] == -2)
            throw std::invalid_argument("alternative '" + alternative_names[static_cast<std::size_t>(j)] +
                                        "' is missing from nests '" + std::string(text) + "'");
    s.validate();
    return s;
}

NestedLogit::NestedLogit(const NestStructure& s) : m_structure(s) {
    s.validate(true);
    m_alternatives = s.alternatives();
    m_nests = s.nests();
    for (int k = 0; k < m_nests; ++k) {
        m_scale[k] = s.scale[static_cast<std::size_t>(k)];
        m_inverse_scale[k] = 1.0 / m_scale[k];
    }
    for (int j = 0; j < m_alternatives; ++j) {
        const int k = s.nest_of[static_cast<std::size_t>(j)];
        if (k < 0)
            m_singleton[m_singletons++] = j;
        else
            m_member[k][m_member_count[k]++] = j;
    }
}

double NestedLogit::nest_max(const double* v, std::uint32_t bits, int k) const {
    double m = minus_infinity;
    for (int i = 0; i < m_member_count[k]; ++i) {
        const int j = m_member[k][i];
        if (bits & (1u << j)) m = std::max(m, v[j] * m_inverse_scale[k]);
    }
    return m;
}

double NestedLogit::evaluate(const double* v, std::uint32_t bits, RecordState& out) const {
    double e[max_alternatives];  // exp(V_j / λ_k − max of the nest), or exp(V_j − L) for singletons
    double nest_sum[max_alternatives];
    double top_max = minus_infinity;
    // Lower level: each nest's inclusive value with its own maximum subtracted.
    for (int k = 0; k < m_nests; ++k) {
        const double m = nest_max(v, bits, k);
        out.nest_p[k] = 0;
        if (m == minus_infinity) {  // no available member: the nest drops out
            out.inclusive[k] = minus_infinity;
            nest_sum[k] = 0;
            continue;
        }
        double sum = 0;
        for (int i = 0; i < m_member_count[k]; ++i) {
            const int j = m_member[k][i];
            sum += (e[j] = (bits & (1u << j)) ? std::exp(v[j] * m_inverse_scale[k] - m) : 0.0);
        }
        nest_sum[k] = sum;
        out.inclusive[k] = m + std::log(sum);
        top_max = std::max(top_max, m_scale[k] * out.inclusive[k]);
    }
    for (int i = 0; i < m_singletons; ++i) {
        const int j = m_singleton[i];
        if (bits & (1u << j)) top_max = std::max(top_max, v[j]);
    }
    for (int j = 0; j < m_alternatives; ++j) out.p[j] = 0;
    if (top_max == minus_infinity) {  // nothing available
        for (int j = 0; j < m_alternatives; ++j) out.conditional[j] = 0;
        return out.logsum = minus_infinity;
    }
    // Upper level, with the largest term subtracted.
    double top_sum = 0;
    for (int k = 0; k < m_nests; ++k)
        if (nest_sum[k] > 0) top_sum += (out.nest_p[k] = std::exp(m_scale[k] * out.inclusive[k] - top_max));
    for (int i = 0; i < m_singletons; ++i) {
        const int j = m_singleton[i];
        out.conditional[j] = 1;
        if (bits & (1u << j)) top_sum += (e[j] = std::exp(v[j] - top_max));
    }
    const double inv_top = 1.0 / top_sum;
    for (int k = 0; k < m_nests; ++k) {
        if (nest_sum[k] == 0) {
            for (int i = 0; i < m_member_count[k]; ++i) out.conditional[m_member[k][i]] = 0;
            continue;
        }
        out.nest_p[k] *= inv_top;
        const double inv_sum = 1.0 / nest_sum[k];
        for (int i = 0; i < m_member_count[k]; ++i) {
            const int j = m_member[k][i];
            out.conditional[j] = e[j] * inv_sum;
            out.p[j] = out.nest_p[k] * out.conditional[j];
        }
    }
    for (int i = 0; i < m_singletons; ++i) {
        const int j = m_singleton[i];
        if (bits & (1u << j)) out.p[j] = e[j] * inv_top;
    }
    return out.logsum = top_max + std::log(top_sum);
}

double NestedLogit::logsum(const double* v, std::uint32_t bits) const {
    using core::exp_same_bits;
    using core::log_same_bits;
    double inclusive[max_alternatives];
    double nest_sum[max_alternatives];
    double top_max = minus_infinity;
    for (int k = 0; k < m_nests; ++k) {
        const double m = nest_max(v, bits, k);
        if (m == minus_infinity) {
            inclusive[k] = minus_infinity;
            nest_sum[k] = 0;
            continue;
        }
        double sum = 0;
        for (int i = 0; i < m_member_count[k]; ++i) {
            const int j = m_member[k][i];
            sum += (bits & (1u << j)) ? exp_same_bits(v[j] * m_inverse_scale[k] - m) : 0.0;
        }
        nest_sum[k] = sum;
        inclusive[k] = m + log_same_bits(sum);
        top_max = std::max(top_max, m_scale[k] * inclusive[k]);
    }
    for (int i = 0; i < m_singletons; ++i) {
        const int j = m_singleton[i];
        if (bits & (1u << j)) top_max = std::max(top_max, v[j]);
    }
    if (top_max == minus_infinity) return minus_infinity;
    double top_sum = 0;
    for (int k = 0; k < m_nests; ++k)
        top_sum += nest_sum[k] > 0 ? exp_same_bits(m_scale[k] * inclusive[k] - top_max) : 0.0;
    for (int i = 0; i < m_singletons; ++i) {
        const int j = m_singleton[i];
        top_sum += (bits & (1u << j)) ? exp_same_bits(v[j] - top_max) : 0.0;
    }
    return top_max + log_same_bits(top_sum);
}

#if FLEMSIM_X86_SIMD
namespace {

// logsum of eight records (lanes), step for step: an unavailable member adds 0.0, as in logsum,
// and a lane's max takes the utility where it is larger (std::max(m, x)).
__attribute__((target("avx512f,avx512vl,avx512dq"))) void logsums_avx512(
    const double* v, std::size_t stride, const std::uint32_t* bits, double* out, int alternatives, int nests,
    int singletons, const int* singleton, const int* member_count, const int (*member)[max_alternatives],
    const double* scale, const double* inverse_scale) {
    using core::exp_same_bits_avx512;
    using core::log_same_bits_avx512;
    const __m512d minus_inf = _mm512_set1_pd(minus_infinity), zero = _mm512_setzero_pd();
    // (No lambdas here: they would not take this function's target.)
    const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bits));
    __mmask8 available[max_alternatives];
    __m512d utility[max_alternatives];
    for (int j = 0; j < alternatives; ++j) {
        available[j] = _mm256_test_epi32_mask(b, _mm256_set1_epi32(static_cast<int>(1u << j)));
        utility[j] = available[j] ? _mm512_loadu_pd(v + static_cast<std::size_t>(j) * stride) : zero;
    }
    __m512d inclusive[max_alternatives], nest_sum[max_alternatives];
    __m512d top_max = minus_inf;
    for (int k = 0; k < nests; ++k) {
        const __m512d inv = _mm512_set1_pd(inverse_scale[k]);
        __m512d m = minus_inf;
        for (int i = 0; i < member_count[k]; ++i) {
            const int j = member[k][i];
            m = _mm512_mask_max_pd(m, available[j], _mm512_mul_pd(utility[j], inv), m);
        }
        const __mmask8 dropped = _mm512_cmp_pd_mask(m, minus_inf, _CMP_EQ_OQ);
        __m512d sum = zero;
        for (int i = 0; i < member_count[k]; ++i) {
            const int j = member[k][i];
            const __m512d e = exp_same_bits_avx512(_mm512_sub_pd(_mm512_mul_pd(utility[j], inv), m));
            sum = _mm512_add_pd(sum, _mm512_maskz_mov_pd(available[j], e));
        }
        nest_sum[k] = _mm512_mask_blend_pd(dropped, sum, zero);
        inclusive[k] = _mm512_mask_blend_pd(dropped, _mm512_add_pd(m, log_same_bits_avx512(sum)), minus_inf);
        top_max = _mm512_mask_max_pd(top_max, static_cast<__mmask8>(~dropped),
                                     _mm512_mul_pd(_mm512_set1_pd(scale[k]), inclusive[k]), top_max);
    }
    for (int i = 0; i < singletons; ++i) {
        const int j = singleton[i];
        top_max = _mm512_mask_max_pd(top_max, available[j], utility[j], top_max);
    }
    const __mmask8 none = _mm512_cmp_pd_mask(top_max, minus_inf, _CMP_EQ_OQ);
    __m512d top_sum = zero;
    for (int k = 0; k < nests; ++k) {
        const __mmask8 positive = _mm512_cmp_pd_mask(nest_sum[k], zero, _CMP_GT_OQ);
        const __m512d e =
            exp_same_bits_avx512(_mm512_sub_pd(_mm512_mul_pd(_mm512_set1_pd(scale[k]), inclusive[k]), top_max));
        top_sum = _mm512_add_pd(top_sum, _mm512_maskz_mov_pd(positive, e));
    }
    for (int i = 0; i < singletons; ++i) {
        const int j = singleton[i];
        top_sum = _mm512_add_pd(
            top_sum, _mm512_maskz_mov_pd(available[j], exp_same_bits_avx512(_mm512_sub_pd(utility[j], top_max))));
    }
    _mm512_storeu_pd(out, _mm512_mask_blend_pd(none, _mm512_add_pd(top_max, log_same_bits_avx512(top_sum)), minus_inf));
}

}  // namespace
#endif

void NestedLogit::logsums(const double* v, std::size_t stride, const std::uint32_t* bits, std::size_t n,
                          double* out) const {
    std::size_t i = 0;
#if FLEMSIM_X86_SIMD
    if (core::cpu_has_avx512dq())
        for (; i + 8 <= n; i += 8)
            logsums_avx512(v + i, stride, bits + i, out + i, m_alternatives, m_nests, m_singletons, m_singleton,
                           m_member_count, m_member, m_scale, m_inverse_scale);
#endif
    double record[max_alternatives];
    for (; i < n; ++i) {
        for (int j = 0; j < m_alternatives; ++j) record[j] = v[static_cast<std::size_t>(j) * stride + i];
        out[i] = logsum(record, bits[i]);
    }
}

double NestedLogit::record_probabilities(const RecordArray& v, std::uint32_t bits, RecordArray& p) const {
    RecordState st;
    const double l = evaluate(v.data(), bits, st);
    p.resize(m_alternatives);
    for (int j = 0; j < m_alternatives; ++j) p[j] = st.p[j];
    return l;
}

Probabilities NestedLogit::probabilities(const Utilities& v, std::uint8_t bits) const {
    assert(m_alternatives == static_cast<int>(core::mode_count));
    RecordState st;
    evaluate(v.data(), bits, st);
    Probabilities p{};
    for (std::size_t m = 0; m < core::mode_count; ++m) p[m] = st.p[m];
    return p;
}

namespace {

// Runs `f(record, state)` for every record of an N × J batch (each row gathered onto the stack).
template <class F>
void for_each_record(const NestedLogit& nl, const Eigen::ArrayXXd& v, const Availability& available, F&& f) {
    const Eigen::Index n = v.rows();
    const int J = nl.alternatives();
    if (v.cols() != J || available.rows() != n || available.cols() != J)
        throw std::invalid_argument("utilities and availability must both be records × " + std::to_string(J));
    double row[max_alternatives];
    RecordState st;
    for (Eigen::Index r = 0; r < n; ++r) {
        std::uint32_t bits = 0;
        for (int j = 0; j < J; ++j) {
            row[j] = v(r, j);
            if (available(r, j)) bits |= 1u << j;
        }
        nl.evaluate(row, bits, st);
        f(r, st);
    }
}

}  // namespace

Eigen::ArrayXXd NestedLogit::probabilities(const Eigen::ArrayXXd& v, const Availability& available) const {
    Eigen::ArrayXXd p(v.rows(), m_alternatives);
    for_each_record(*this, v, available, [&](Eigen::Index r, const RecordState& st) {
        for (int j = 0; j < m_alternatives; ++j) p(r, j) = st.p[j];
    });
    return p;
}

Eigen::ArrayXXd NestedLogit::inclusive_values(const Eigen::ArrayXXd& v, const Availability& available) const {
    Eigen::ArrayXXd out(v.rows(), m_nests);
    for_each_record(*this, v, available, [&](Eigen::Index r, const RecordState& st) {
        for (int k = 0; k < m_nests; ++k) out(r, k) = st.inclusive[k];
    });
    return out;
}

Eigen::ArrayXd NestedLogit::logsums(const Eigen::ArrayXXd& v, const Availability& available) const {
    Eigen::ArrayXd out(v.rows());
    for_each_record(*this, v, available, [&](Eigen::Index r, const RecordState& st) { out(r) = st.logsum; });
    return out;
}

}  // namespace flemsim::choice
