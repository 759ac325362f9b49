#include "sim/choice/utility_terms.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace flemsim::choice {

namespace {

using core::Mode;

constexpr auto idx = core::mode_index;

Term term(TermKind kind, Mode mode, std::string name, double breakpoint = 0) {
    return {kind, mode, breakpoint, std::move(name)};
}

}  // namespace

std::string breakpoint_text(double minutes) {
    return fmt::format("{}", minutes);
}

std::vector<Term> default_terms(const TermOptions& o) {
    std::vector<Term> t;
    for (const Mode m : {Mode::walk, Mode::bike, Mode::transit})
        t.push_back(term(TermKind::asc, m, "asc." + std::string(core::name_of(m))));
    for (const Mode m : {Mode::walk, Mode::bike, Mode::transit, Mode::car})
        t.push_back(term(TermKind::time_per_min, m, "beta.time_per_min." + std::string(core::name_of(m))));
    t.push_back(term(TermKind::wait_per_min, Mode::transit, "beta.wait_per_min"));
    t.push_back(term(TermKind::access_egress_per_min, Mode::transit, "beta.access_egress_per_min"));
    t.push_back(term(TermKind::transfer, Mode::transit, "beta.transfer"));
    t.push_back(term(TermKind::cost_per_sek, Mode::transit, "beta.cost_per_sek"));
    for (const double b : o.walk_breakpoints_min)
        t.push_back(term(TermKind::walk_time_over_min, Mode::walk, "beta.walk_time_over_min." + breakpoint_text(b), b));
    for (const double b : o.bike_breakpoints_min)
        t.push_back(term(TermKind::bike_time_over_min, Mode::bike, "beta.bike_time_over_min." + breakpoint_text(b), b));
    for (const Mode m : {Mode::walk, Mode::bike})
        t.push_back(term(TermKind::log_distance_km, m, "beta.log_distance_km." + std::string(core::name_of(m))));
    return t;
}

void add_term_features(const Term& t, const LevelOfService& los, std::array<double, core::mode_count>& x) {
    switch (t.kind) {
        case TermKind::asc:
            x[idx(t.mode)] += 1;
            break;
        case TermKind::time_per_min:
            switch (t.mode) {
                case Mode::walk:
                    x[idx(Mode::walk)] += get(los, LosField::walk_time_min);
                    break;
                case Mode::bike:
                    x[idx(Mode::bike)] += get(los, LosField::bike_time_min);
                    break;
                case Mode::transit:
                    x[idx(Mode::transit)] += get(los, LosField::transit_in_vehicle_min);
                    break;
                case Mode::car:
                    x[idx(Mode::car)] += get(los, LosField::car_time_min);
                    break;
            }
            break;
        case TermKind::wait_per_min:
            x[idx(Mode::transit)] += get(los, LosField::transit_wait_min);
            break;
        case TermKind::access_egress_per_min:
            x[idx(Mode::transit)] += get(los, LosField::transit_access_egress_min);
            x[idx(Mode::car)] += get(los, LosField::car_access_min);
            break;
        case TermKind::transfer:
            x[idx(Mode::transit)] += get(los, LosField::transit_transfers);
            break;
        case TermKind::cost_per_sek:
            x[idx(Mode::transit)] += get(los, LosField::transit_cost_sek);
            x[idx(Mode::car)] += get(los, LosField::car_cost_sek);
            break;
        case TermKind::walk_time_over_min:
            x[idx(Mode::walk)] += std::max(0.0, get(los, LosField::walk_time_min) - t.breakpoint_min);
            break;
        case TermKind::bike_time_over_min:
            x[idx(Mode::bike)] += std::max(0.0, get(los, LosField::bike_time_min) - t.breakpoint_min);
            break;
        case TermKind::log_distance_km:
            x[idx(t.mode)] += std::log1p(get(los, LosField::distance_km));
            break;
    }
}

ChoiceData choice_data(const Survey& s, const std::vector<Term>& terms) {
    ChoiceData d;
    const auto n = static_cast<Eigen::Index>(s.size());
    constexpr auto J = static_cast<Eigen::Index>(core::mode_count);
    d.alternatives = static_cast<int>(J);
    for (const auto& t : terms) d.names.push_back(t.name);
    d.x.setZero(n * J, static_cast<Eigen::Index>(terms.size()));
    d.available.resize(n, J);
    d.chosen.resize(s.size());
    if (!s.weight.empty()) d.weight = Eigen::Map<const Eigen::VectorXd>(s.weight.data(), n);
    for (Eigen::Index r = 0; r < n; ++r) {
        const auto los = s.record(static_cast<std::size_t>(r));
        for (std::size_t k = 0; k < terms.size(); ++k) {
            std::array<double, core::mode_count> x{};
            add_term_features(terms[k], los, x);
            for (Eigen::Index j = 0; j < J; ++j)
                d.x(r * J + j, static_cast<Eigen::Index>(k)) = x[static_cast<std::size_t>(j)];
        }
        for (Eigen::Index j = 0; j < J; ++j) d.available(r, j) = (s.available[static_cast<std::size_t>(r)] >> j) & 1u;
        d.chosen[static_cast<std::size_t>(r)] = s.chosen[static_cast<std::size_t>(r)];
    }
    return d;
}

}  // namespace flemsim::choice
