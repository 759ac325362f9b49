#include "sim/choice/estimation.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "sim/core/rng.hpp"

namespace flemsim::choice {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr double infinity = std::numeric_limits<double>::infinity();
// Records per chunk: the unit of parallel work and of the fixed summation order.
constexpr std::size_t chunk_records = 4096;
// Scales at or below this are outside the model (the line search steps back from them).
constexpr double smallest_scale = 1e-3;

std::uint32_t availability_bits(const ChoiceData& d, std::size_t r) {
    std::uint32_t bits = 0;
    for (int j = 0; j < d.alternatives; ++j)
        if (d.available(static_cast<Eigen::Index>(r), j)) bits |= 1u << j;
    return bits;
}

std::size_t chunk_count(std::size_t n) {
    return (n + chunk_records - 1) / chunk_records;
}

// Runs f(chunk, first record, record count) for every chunk, in parallel.
template <class F>
void for_each_chunk(std::size_t n, F&& f) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, chunk_count(n), 1),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                          for (std::size_t c = range.begin(); c != range.end(); ++c) {
                              const std::size_t first = c * chunk_records;
                              f(c, first, std::min(chunk_records, n - first));
                          }
                      });
}

bool is_constant_name(const std::string& name) {
    return name.rfind("asc.", 0) == 0;
}

// The log-likelihood as a function of all parameters θ = [β; λ].
class Evaluator {
public:
    Evaluator(const ChoiceData& d, NestStructure s) : m_d(d), m_structure(std::move(s)) {
        m_k = static_cast<int>(d.x.cols());
    }
    int beta_count() const { return m_k; }
    int nest_count() const { return m_structure.nests(); }
    int parameter_count() const { return m_k + nest_count(); }
    const NestStructure& structure() const { return m_structure; }

    NestStructure structure_at(const Eigen::VectorXd& theta) const {
        NestStructure s = m_structure;
        for (int k = 0; k < nest_count(); ++k) s.scale[static_cast<std::size_t>(k)] = theta[m_k + k];
        return s;
    }

    // LL at θ; −inf when a scale is outside the model. Gradient over θ and per-record scores
    // (weighted) when asked.
    double operator()(const Eigen::VectorXd& theta, Eigen::VectorXd* gradient, Eigen::MatrixXd* scores) const {
        for (int k = 0; k < nest_count(); ++k)
            if (!(theta[m_k + k] > smallest_scale) || !std::isfinite(theta[m_k + k])) return -infinity;
        const NestStructure s = structure_at(theta);
        const NestedLogit nl(s);
        const Eigen::VectorXd beta = theta.head(m_k);
        const int J = m_d.alternatives;
        const int K = nest_count();
        const std::size_t n = m_d.records();
        std::vector<double> ll_part(chunk_count(n), 0.0);
        std::vector<Eigen::VectorXd> gradient_part(gradient ? chunk_count(n) : 0);
        if (scores) scores->setZero(static_cast<Eigen::Index>(n), parameter_count());
        for_each_chunk(n, [&](std::size_t c, std::size_t first, std::size_t count) {
            const auto rows = static_cast<Eigen::Index>(count) * J;
            const auto x = m_d.x.middleRows(static_cast<Eigen::Index>(first) * J, rows);
            const Eigen::VectorXd v = x * beta;
            Eigen::VectorXd dv;
            Eigen::VectorXd dnest = Eigen::VectorXd::Zero(K);
            const bool derivatives = gradient || scores;
            if (derivatives) dv.resize(rows);
            RecordState st;
            double ll = 0;
            for (std::size_t i = 0; i < count; ++i) {
                const std::size_t r = first + i;
                const double* vr = v.data() + static_cast<Eigen::Index>(i) * J;
                nl.evaluate(vr, availability_bits(m_d, r), st);
                const int chosen = m_d.chosen[r];
                const int k = s.nest_of[static_cast<std::size_t>(chosen)];
                const double w = m_d.weight_of(r);
                const double lk = k < 0 ? 1.0 : s.scale[static_cast<std::size_t>(k)];
                // ln P = V_i/λ_k − I_k + λ_k I_k − L (for no nest: V_i − L), without forming P.
                const double lnp = k < 0 ? vr[chosen] - st.logsum
                                         : vr[chosen] / lk - st.inclusive[k] + lk * st.inclusive[k] - st.logsum;
                ll += w * lnp;
                if (!derivatives) continue;
                // ∂lnP_i/∂V_j = [j = i]/λ_k − [j in k] (1 − λ_k)/λ_k · P(j | k) − P_j.
                for (int j = 0; j < J; ++j) {
                    double dj = -st.p[j];
                    if (k >= 0 && s.nest_of[static_cast<std::size_t>(j)] == k) dj -= (1 - lk) / lk * st.conditional[j];
                    if (j == chosen) dj += 1 / lk;
                    dv[static_cast<Eigen::Index>(i) * J + j] = w * dj;
                }
                // ∂lnP_i/∂λ_m, with A_m = Σ_{j in m} P(j | m) V_j and ∂(λ_m I_m)/∂λ_m = I_m − A_m/λ_m:
                //   −P_m (I_m − A_m/λ_m)                                    for every nest m,
                //   + (A_k − V_i)/λ_k² + I_k − A_k/λ_k                       for the chosen one's nest k.
                for (int m = 0; m < K; ++m) {
                    if (!(st.nest_p[m] > 0)) continue;
                    const double lm = s.scale[static_cast<std::size_t>(m)];
                    double a = 0;
                    for (int j = 0; j < J; ++j)
                        if (s.nest_of[static_cast<std::size_t>(j)] == m) a += st.conditional[j] * vr[j];
                    const double upper = st.inclusive[m] - a / lm;
                    double g = -st.nest_p[m] * upper;
                    if (m == k) g += (a - vr[chosen]) / (lm * lm) + upper;
                    dnest[m] += w * g;
                    if (scores) (*scores)(static_cast<Eigen::Index>(r), m_k + m) = w * g;
                }
                if (scores)
                    scores->row(static_cast<Eigen::Index>(r)).head(m_k) =
                        (x.middleRows(static_cast<Eigen::Index>(i) * J, J).transpose() *
                         dv.segment(static_cast<Eigen::Index>(i) * J, J))
                            .transpose();
            }
            ll_part[c] = ll;
            if (gradient) {
                Eigen::VectorXd g(parameter_count());
                g.head(m_k) = x.transpose() * dv;
                g.tail(K) = dnest;
                gradient_part[c] = std::move(g);
            }
        });
        // Chunk order, whatever the threads did.
        double ll = 0;
        for (const double part : ll_part) ll += part;
        if (gradient) {
            gradient->setZero(parameter_count());
            for (const auto& part : gradient_part) *gradient += part;
        }
        return ll;
    }

    // Hessian of the multinomial logit's LL in β (analytic): −Σ_r w_r Σ_j P_j (x_j − x̄_r)(x_j − x̄_r)ᵀ.
    Eigen::MatrixXd mnl_hessian(const Eigen::VectorXd& beta) const {
        const NestedLogit nl(NestStructure::mnl(m_d.alternatives));
        const int J = m_d.alternatives;
        const std::size_t n = m_d.records();
        std::vector<Eigen::MatrixXd> part(chunk_count(n));
        for_each_chunk(n, [&](std::size_t c, std::size_t first, std::size_t count) {
            const auto rows = static_cast<Eigen::Index>(count) * J;
            const auto x = m_d.x.middleRows(static_cast<Eigen::Index>(first) * J, rows);
            const Eigen::VectorXd v = x * beta;
            Eigen::MatrixXd z(rows, m_k);
            RecordState st;
            for (std::size_t i = 0; i < count; ++i) {
                const auto row0 = static_cast<Eigen::Index>(i) * J;
                nl.evaluate(v.data() + row0, availability_bits(m_d, first + i), st);
                Eigen::RowVectorXd mean = Eigen::RowVectorXd::Zero(m_k);
                for (int j = 0; j < J; ++j) mean += st.p[j] * x.row(row0 + j);
                const double w = m_d.weight_of(first + i);
                for (int j = 0; j < J; ++j) z.row(row0 + j) = std::sqrt(w * st.p[j]) * (x.row(row0 + j) - mean);
            }
            part[c] = -(z.transpose() * z);
        });
        Eigen::MatrixXd h = Eigen::MatrixXd::Zero(m_k, m_k);
        for (const auto& p : part) h += p;
        return h;
    }

private:
    const ChoiceData& m_d;
    NestStructure m_structure;
    int m_k = 0;
};

// Minimisation of f(φ) = −LL(θ(φ)) / W over the free parameters φ.
class Problem {
public:
    Problem(const Evaluator& ev, Eigen::VectorXd theta0, std::vector<int> free, double weight_sum)
        : m_ev(ev), m_theta0(std::move(theta0)), m_free(std::move(free)), m_w(weight_sum) {}

    Eigen::Index size() const { return static_cast<Eigen::Index>(m_free.size()); }
    const std::vector<int>& free() const { return m_free; }
    double weight_sum() const { return m_w; }
    const Evaluator& evaluator() const { return m_ev; }

    Eigen::VectorXd theta(const Eigen::VectorXd& phi) const {
        Eigen::VectorXd t = m_theta0;
        for (Eigen::Index i = 0; i < size(); ++i) t[m_free[static_cast<std::size_t>(i)]] = phi[i];
        return t;
    }
    Eigen::VectorXd phi(const Eigen::VectorXd& theta) const {
        Eigen::VectorXd p(size());
        for (Eigen::Index i = 0; i < size(); ++i) p[i] = theta[m_free[static_cast<std::size_t>(i)]];
        return p;
    }
    // f and its gradient; +inf outside the model.
    double f(const Eigen::VectorXd& phi, Eigen::VectorXd* g) const {
        Eigen::VectorXd full;
        const double ll = m_ev(theta(phi), g ? &full : nullptr, nullptr);
        if (!std::isfinite(ll)) return infinity;
        if (g) *g = -phi_of_gradient(full) / m_w;
        return -ll / m_w;
    }
    Eigen::VectorXd phi_of_gradient(const Eigen::VectorXd& full) const {
        Eigen::VectorXd p(size());
        for (Eigen::Index i = 0; i < size(); ++i) p[i] = full[m_free[static_cast<std::size_t>(i)]];
        return p;
    }
    // Biogeme's relative gradient on the total log-likelihood.
    double relative_gradient(const Eigen::VectorXd& phi, double f, const Eigen::VectorXd& g) const {
        double worst = 0;
        for (Eigen::Index i = 0; i < size(); ++i)
            worst = std::max(worst,
                             std::abs(g[i] * m_w) * std::max(std::abs(phi[i]), 1.0) / std::max(std::abs(f * m_w), 1.0));
        return worst;
    }
    // Hessian of f by central differences of the analytic gradient, symmetrised.
    Eigen::MatrixXd numerical_hessian(const Eigen::VectorXd& phi) const {
        const Eigen::Index n = size();
        Eigen::MatrixXd h(n, n);
        Eigen::VectorXd gp, gm;
        for (Eigen::Index i = 0; i < n; ++i) {
            const double step = 1e-5 * std::max(1.0, std::abs(phi[i]));
            Eigen::VectorXd a = phi, b = phi;
            a[i] += step;
            b[i] -= step;
            if (!std::isfinite(f(a, &gp)) || !std::isfinite(f(b, &gm))) return Eigen::MatrixXd::Constant(n, n, nan);
            h.col(i) = (gp - gm) / (2 * step);
        }
        return (h + h.transpose()) / 2;
    }

private:
    const Evaluator& m_ev;
    Eigen::VectorXd m_theta0;
    std::vector<int> m_free;
    double m_w;
};

struct Optimum {
    Eigen::VectorXd phi;
    double f = 0;
    double relative_gradient = 0;
    int iterations = 0;
    bool converged = false;
    std::string message;
};

// Backtracking (Armijo) along `direction` from φ; false when no step decreases f enough.
bool line_search(const Problem& p, Eigen::VectorXd& phi, double& f, Eigen::VectorXd& g,
                 const Eigen::VectorXd& direction) {
    const double slope = g.dot(direction);
    double t = 1;
    Eigen::VectorXd trial_g;
    for (int halvings = 0; halvings < 60; ++halvings, t /= 2) {
        const Eigen::VectorXd trial = phi + t * direction;
        const double ft = p.f(trial, &trial_g);
        if (std::isfinite(ft) && ft <= f + 1e-4 * t * slope) {
            phi = trial;
            f = ft;
            g = trial_g;
            return true;
        }
    }
    return false;
}

std::string not_converged(const Optimum& o, double tolerance, const std::string& why) {
    return fmt::format("{} after {} iterations: relative gradient {:.3g} (tolerance {:.3g})", why, o.iterations,
                       o.relative_gradient, tolerance);
}

// Newton's method with the analytic Hessian (multinomial logit).
Optimum newton(const Problem& p, Eigen::VectorXd phi, const EstimationOptions& o) {
    Optimum out;
    Eigen::VectorXd g;
    double f = p.f(phi, &g);
    if (!std::isfinite(f)) {
        out.message = "the log-likelihood is not finite at the start values";
        return out;
    }
    for (;;) {
        out.relative_gradient = p.relative_gradient(phi, f, g);
        if (out.relative_gradient <= o.tolerance) {
            out.converged = true;
            break;
        }
        if (out.iterations >= o.max_iterations) {
            out.message = not_converged(out, o.tolerance, "no convergence");
            break;
        }
        const Eigen::MatrixXd full = p.evaluator().mnl_hessian(p.theta(phi).head(p.evaluator().beta_count()));
        Eigen::MatrixXd h(p.size(), p.size());
        for (Eigen::Index i = 0; i < p.size(); ++i)
            for (Eigen::Index j = 0; j < p.size(); ++j)
                h(i, j) = -full(p.free()[static_cast<std::size_t>(i)], p.free()[static_cast<std::size_t>(j)]) /
                          p.weight_sum();
        Eigen::VectorXd direction;
        const Eigen::LLT<Eigen::MatrixXd> llt(h);
        if (llt.info() == Eigen::Success) direction = llt.solve(-g);
        if (direction.size() == 0 || !direction.allFinite() || g.dot(direction) >= 0) direction = -g;
        ++out.iterations;
        if (!line_search(p, phi, f, g, direction)) {
            out.relative_gradient = p.relative_gradient(phi, f, g);
            // Rounding can stop the search just short of the tolerance; 10 times it still
            // leaves the estimates well inside their standard errors.
            out.converged = out.relative_gradient <= 10 * o.tolerance;
            if (!out.converged) out.message = not_converged(out, o.tolerance, "the line search found no better point");
            break;
        }
    }
    out.phi = phi;
    out.f = f;
    return out;
}

// BFGS on the inverse Hessian, started from the inverse of a finite-difference Hessian.
Optimum bfgs(const Problem& p, Eigen::VectorXd phi, const EstimationOptions& o) {
    Optimum out;
    Eigen::VectorXd g;
    double f = p.f(phi, &g);
    if (!std::isfinite(f)) {
        out.message = "the log-likelihood is not finite at the start values";
        return out;
    }
    const Eigen::Index n = p.size();
    Eigen::MatrixXd hinv = Eigen::MatrixXd::Identity(n, n);
    {
        const Eigen::MatrixXd h = p.numerical_hessian(phi);
        const Eigen::LLT<Eigen::MatrixXd> llt(h);
        if (h.allFinite() && llt.info() == Eigen::Success)
            hinv = llt.solve(Eigen::MatrixXd::Identity(n, n));
        else
            for (Eigen::Index i = 0; i < n; ++i)
                hinv(i, i) = h.allFinite() && std::abs(h(i, i)) > 1e-12 ? 1 / std::abs(h(i, i)) : 1.0;
    }
    for (;;) {
        out.relative_gradient = p.relative_gradient(phi, f, g);
        if (out.relative_gradient <= o.tolerance) {
            out.converged = true;
            break;
        }
        if (out.iterations >= o.max_iterations) {
            out.message = not_converged(out, o.tolerance, "no convergence");
            break;
        }
        Eigen::VectorXd direction = -hinv * g;
        if (g.dot(direction) >= 0) {  // lost positive definiteness: start again from steepest descent
            hinv.setIdentity();
            direction = -g;
        }
        ++out.iterations;
        const Eigen::VectorXd old_phi = phi, old_g = g;
        if (!line_search(p, phi, f, g, direction)) {
            out.relative_gradient = p.relative_gradient(phi, f, g);
            out.converged = out.relative_gradient <= 10 * o.tolerance;
            if (!out.converged) out.message = not_converged(out, o.tolerance, "the line search found no better point");
            break;
        }
        const Eigen::VectorXd s = phi - old_phi, y = g - old_g;
        const double sy = s.dot(y);
        if (sy > 1e-12 * s.norm() * y.norm()) {
            const double rho = 1 / sy;
            const Eigen::MatrixXd a = Eigen::MatrixXd::Identity(n, n) - rho * s * y.transpose();
            hinv = a * hinv * a.transpose() + rho * s * s.transpose();
        }
    }
    out.phi = phi;
    out.f = f;
    return out;
}

// A free column that is 0 everywhere cannot be estimated: say which, before Newton says "singular".
void check_identified(const ChoiceData& d, const std::vector<int>& free_beta) {
    for (const int k : free_beta)
        if (d.x.col(k).isZero(0))
            throw std::invalid_argument("parameter '" + d.names[static_cast<std::size_t>(k)] +
                                        "' multiplies a feature that is 0 in every record: fix it or drop its term");
}

}  // namespace

void ChoiceData::check() const {
    const auto n = static_cast<Eigen::Index>(records());
    if (alternatives < 1 || alternatives > max_alternatives)
        throw std::invalid_argument("a choice model needs 1 to " + std::to_string(max_alternatives) + " alternatives");
    if (x.rows() != n * alternatives) throw std::invalid_argument("X must have records × alternatives rows");
    if (static_cast<std::size_t>(x.cols()) != names.size())
        throw std::invalid_argument("X must have one column per name");
    if (available.rows() != n || available.cols() != alternatives)
        throw std::invalid_argument("availability must be records × alternatives");
    if (weight.size() != 0 && weight.size() != n) throw std::invalid_argument("one weight per record, or none");
    if (!x.allFinite()) throw std::invalid_argument("a feature is not finite");
    for (std::size_t r = 0; r < records(); ++r) {
        const int c = chosen[r];
        if (c < 0 || c >= alternatives)
            throw std::invalid_argument("record " + std::to_string(r) + ": chosen alternative out of range");
        if (!available(static_cast<Eigen::Index>(r), c))
            throw std::invalid_argument("record " + std::to_string(r) + ": the chosen alternative is not available");
        if (!(weight_of(r) > 0) || !std::isfinite(weight_of(r)))
            throw std::invalid_argument("record " + std::to_string(r) + ": a weight must be positive");
    }
}

ModelSpec ModelSpec::free(const ChoiceData& d, const NestStructure& nests) {
    ModelSpec s;
    s.beta = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(d.names.size()));
    s.beta_fixed.assign(d.names.size(), false);
    s.nests = nests;
    s.scale_fixed.assign(nests.scale.size(), false);
    return s;
}

double log_likelihood(const ChoiceData& d, const Eigen::VectorXd& beta, const NestStructure& nests,
                      Eigen::VectorXd* gradient, Eigen::MatrixXd* scores) {
    const Evaluator ev(d, nests);
    Eigen::VectorXd theta(ev.parameter_count());
    theta.head(ev.beta_count()) = beta;
    for (int k = 0; k < nests.nests(); ++k) theta[ev.beta_count() + k] = nests.scale[static_cast<std::size_t>(k)];
    return ev(theta, gradient, scores);
}

double null_log_likelihood(const ChoiceData& d) {
    double ll = 0;
    for (std::size_t r = 0; r < d.records(); ++r) {
        int available = 0;
        for (int j = 0; j < d.alternatives; ++j) available += d.available(static_cast<Eigen::Index>(r), j) != 0;
        ll -= d.weight_of(r) * std::log(static_cast<double>(available));
    }
    return ll;
}

double two_sided_p(double t) {
    return std::isfinite(t) ? std::erfc(std::abs(t) / std::sqrt(2.0)) : nan;
}

EstimationResult estimate(const ChoiceData& d, const ModelSpec& spec, const EstimationOptions& options) {
    d.check();
    const auto K = static_cast<int>(d.names.size());
    if (spec.beta.size() != K) throw std::invalid_argument("one start value per parameter");
    if (spec.nests.alternatives() != d.alternatives)
        throw std::invalid_argument("the nest structure must cover the data's alternatives");
    spec.nests.validate(true);
    const auto beta_fixed = [&](int k) {
        return !spec.beta_fixed.empty() && spec.beta_fixed[static_cast<std::size_t>(k)];
    };
    const auto scale_fixed = [&](int k) {
        return !spec.scale_fixed.empty() && spec.scale_fixed[static_cast<std::size_t>(k)];
    };
    std::vector<int> free_beta;
    for (int k = 0; k < K; ++k)
        if (!beta_fixed(k)) free_beta.push_back(k);
    check_identified(d, free_beta);

    EstimationResult res;
    res.records = d.records();
    for (std::size_t r = 0; r < d.records(); ++r) res.weight_sum += d.weight_of(r);
    res.ll_null = null_log_likelihood(d);

    // The constants-only model: the free constants, every other parameter at 0 (fixed constants
    // at their values), multinomial logit.
    const Evaluator mnl(d, NestStructure::mnl(d.alternatives));
    {
        Eigen::VectorXd theta = Eigen::VectorXd::Zero(K);
        std::vector<int> free;
        for (int k = 0; k < K; ++k) {
            if (!is_constant_name(d.names[static_cast<std::size_t>(k)])) continue;
            if (beta_fixed(k))
                theta[k] = spec.beta[k];
            else
                free.push_back(k);
        }
        res.free_constants = static_cast<int>(free.size());
        const Problem p(mnl, theta, free, res.weight_sum);
        const Optimum o = newton(p, p.phi(theta), options);
        res.ll_constants = -o.f * res.weight_sum;
    }

    // The multinomial logit: the answer, or the start of the nested one.
    Eigen::VectorXd beta = spec.beta;
    const Problem mnl_problem(mnl, spec.beta, free_beta, res.weight_sum);
    Optimum o = newton(mnl_problem, mnl_problem.phi(spec.beta), options);
    beta = mnl_problem.theta(o.phi);

    const Evaluator ev(d, spec.nests);
    Eigen::VectorXd theta(ev.parameter_count());
    theta.head(K) = beta;
    std::vector<int> free = free_beta;
    for (int k = 0; k < ev.nest_count(); ++k) {
        theta[K + k] = spec.nests.scale[static_cast<std::size_t>(k)];
        if (!scale_fixed(k)) free.push_back(K + k);
    }
    const Problem problem(ev, theta, free, res.weight_sum);
    if (ev.nest_count() > 0) {
        // A multinomial start that stopped short is still a start; the nested fit decides.
        o = bfgs(problem, problem.phi(theta), options);
        theta = problem.theta(o.phi);
    }
    res.converged = o.converged;
    if (!o.converged) res.message = o.message;
    res.iterations = o.iterations;
    res.relative_gradient = o.relative_gradient;
    res.ll = -o.f * res.weight_sum;
    res.beta = theta.head(K);
    res.nests = ev.structure_at(theta);
    res.free_parameters = static_cast<int>(free.size());

    // Standard errors: −H⁻¹ of the log-likelihood over the free parameters.
    const auto P = static_cast<Eigen::Index>(free.size());
    Eigen::MatrixXd h_f;  // Hessian of f = −LL/W
    if (ev.nest_count() == 0) {
        const Eigen::MatrixXd full = ev.mnl_hessian(res.beta);
        h_f.resize(P, P);
        for (Eigen::Index i = 0; i < P; ++i)
            for (Eigen::Index j = 0; j < P; ++j)
                h_f(i, j) =
                    -full(free[static_cast<std::size_t>(i)], free[static_cast<std::size_t>(j)]) / res.weight_sum;
    } else {
        h_f = problem.numerical_hessian(o.phi);
    }
    res.covariance = Eigen::MatrixXd::Constant(P, P, nan);
    res.robust_covariance = Eigen::MatrixXd::Constant(P, P, nan);
    const Eigen::MatrixXd information = h_f * res.weight_sum;  // −Hessian of LL
    const Eigen::LLT<Eigen::MatrixXd> llt(information);
    if (information.allFinite() && llt.info() == Eigen::Success) {
        res.covariance = llt.solve(Eigen::MatrixXd::Identity(P, P));
        Eigen::MatrixXd scores;
        ev(theta, nullptr, &scores);
        Eigen::MatrixXd s(scores.rows(), P);
        for (Eigen::Index i = 0; i < P; ++i) s.col(i) = scores.col(free[static_cast<std::size_t>(i)]);
        const Eigen::MatrixXd b = s.transpose() * s;
        res.robust_covariance = res.covariance * b * res.covariance;
    } else {
        const std::string why =
            "the Hessian at the estimates is not negative definite: no standard errors "
            "(some parameters are not identified by the data)";
        res.message = res.message.empty() ? why : res.message + "; " + why;
    }

    // The table.
    std::size_t free_index = 0;
    const auto add = [&](const std::string& name, bool is_scale, bool fixed, double value) {
        ParameterEstimate e;
        e.name = name;
        e.is_scale = is_scale;
        e.fixed = fixed;
        e.value = value;
        const double null_value = is_scale ? 1.0 : 0.0;
        if (fixed) {
            e.std_err = e.t = e.p = e.robust_std_err = e.robust_t = e.robust_p = nan;
        } else {
            const auto i = static_cast<Eigen::Index>(free_index++);
            e.std_err = std::sqrt(res.covariance(i, i));
            e.robust_std_err = std::sqrt(res.robust_covariance(i, i));
            e.t = (value - null_value) / e.std_err;
            e.robust_t = (value - null_value) / e.robust_std_err;
            e.p = two_sided_p(e.t);
            e.robust_p = two_sided_p(e.robust_t);
        }
        res.parameters.push_back(e);
    };
    for (int k = 0; k < K; ++k) add(d.names[static_cast<std::size_t>(k)], false, beta_fixed(k), res.beta[k]);
    for (int k = 0; k < ev.nest_count(); ++k) {
        const double scale = res.nests.scale[static_cast<std::size_t>(k)];
        add("nests." + res.nests.nest_names[static_cast<std::size_t>(k)] + ".scale", true, scale_fixed(k), scale);
        if (scale > 1) {
            const std::string why = fmt::format(
                "the scale of nest '{}' is {:.3f} > 1: not consistent with random utility maximisation (fix it at 1 "
                "or change the nests)",
                res.nests.nest_names[static_cast<std::size_t>(k)], scale);
            res.message = res.message.empty() ? why : res.message + "; " + why;
        }
    }

    const double kf = res.free_parameters;
    res.rho2_null = 1 - res.ll / res.ll_null;
    res.rho2bar_null = 1 - (res.ll - kf) / res.ll_null;
    res.rho2_constants = 1 - res.ll / res.ll_constants;
    res.rho2bar_constants = 1 - (res.ll - kf) / (res.ll_constants - res.free_constants);
    return res;
}

std::vector<int> simulate_choices(const ChoiceData& d, const Eigen::VectorXd& beta, const NestStructure& nests,
                                  std::uint64_t seed) {
    const NestedLogit nl(nests);
    const int J = d.alternatives;
    const std::size_t n = static_cast<std::size_t>(d.available.rows());
    std::vector<int> chosen(n, 0);
    for_each_chunk(n, [&](std::size_t, std::size_t first, std::size_t count) {
        const auto rows = static_cast<Eigen::Index>(count) * J;
        const Eigen::VectorXd v = d.x.middleRows(static_cast<Eigen::Index>(first) * J, rows) * beta;
        RecordState st;
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t r = first + i;
            const std::uint32_t bits = availability_bits(d, r);
            nl.evaluate(v.data() + static_cast<Eigen::Index>(i) * J, bits, st);
            // Stream part 1 of the record (part 0 is its level of service in synthetic_survey).
            const double u = core::Rng(seed, core::Stream::mode_choice, r, 1).uniform();
            double acc = 0;
            int pick = -1;
            for (int j = 0; j < J; ++j) {
                if (!(bits & (1u << j))) continue;
                pick = j;
                acc += st.p[j];
                if (u < acc) break;
            }
            chosen[r] = std::max(pick, 0);
        }
    });
    return chosen;
}

}  // namespace flemsim::choice
