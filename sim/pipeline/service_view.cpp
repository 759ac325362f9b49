#include "sim/pipeline/service_view.hpp"

#include <cmath>
#include <limits>
#include <span>
#include <vector>

#include "sim/choice/tour_choice.hpp"

namespace flemsim::pipeline {

struct ServiceLevel::Impl {
    routing::ZoneLosTable table;
    scenario::ChoiceParams params;
    std::vector<double> parking;
    choice::NestedLogit model;
    Impl(routing::ZoneLosTable t, const scenario::ChoiceParams& p, std::vector<double> park)
        : table(std::move(t)), params(p), parking(std::move(park)), model(choice::mode_model(p)) {}
    // The mode utilities of a tour from zone o to zone d by a person of `group` holding `tools`,
    // leaving home in period p_out and the activity in p_back; the modes available both ways.
    choice::Utilities utilities(core::Group group, core::Purpose purpose, std::uint8_t tools, std::uint32_t o,
                                std::uint32_t d, int p_out, int p_back, std::uint8_t& available) const {
        const choice::TourTraits who{group,
                                     purpose,
                                     (tools & population::tool_car) != 0,
                                     (tools & population::tool_bike) != 0,
                                     (tools & population::tool_pass) != 0,
                                     d};
        return choice::tour_utilities(params, parking, who, table.at(p_out, o, d), table.at(p_back, d, o), available);
    }
};

ServiceLevel::ServiceLevel(const routing::RoutingContext& ctx, const scenario::Scenario& s,
                           const scenario::ChoiceParams& params, std::vector<double> parking_sek_by_zone)
    : m_impl(std::make_unique<Impl>(
          routing::compute_zone_los_by_period(ctx, s.demand.period_min * 60, s.demand.samples_per_period), params,
          std::move(parking_sek_by_zone))) {
    make_view();
}

ServiceLevel::ServiceLevel(routing::ZoneLosTable table, const scenario::ChoiceParams& params,
                           std::vector<double> parking_sek_by_zone)
    : m_impl(std::make_unique<Impl>(std::move(table), params, std::move(parking_sek_by_zone))) {
    make_view();
}

void ServiceLevel::make_view() {
    const Impl* impl = m_impl.get();
    m_view.periods = impl->table.periods;
    m_view.period_s = impl->table.period_s;
    m_view.tour_logsum = [impl](core::Group group, core::Purpose purpose, std::uint8_t tools, std::uint32_t o,
                                std::uint32_t d, int p_out, int p_back) {
        std::uint8_t available = 0;
        const auto v = impl->utilities(group, purpose, tools, o, d, p_out, p_back, available);
        if (available == 0) return -std::numeric_limits<double>::infinity();
        return impl->model.logsum(v.data(), available);
    };
    // The utilities of every ask by mode (a column per mode), then their logsums eight at a time
    // (NestedLogit::logsums): the bits of tour_logsum, ask by ask.
    m_view.tour_logsums = [impl](core::Group group, core::Purpose purpose, std::uint8_t tools,
                                 std::span<const population::ServiceView::LogsumAsk> asks, std::span<double> out) {
        thread_local std::vector<double> v, ls;
        thread_local std::vector<std::uint32_t> bits, where;
        const std::size_t n = asks.size();
        v.resize(core::mode_count * n);
        bits.resize(n);
        where.resize(n);
        ls.resize(n);
        std::size_t used = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const auto& a = asks[i];
            std::uint8_t available = 0;
            const auto u = impl->utilities(group, purpose, tools, a.o, a.d, a.p_out, a.p_back, available);
            out[i] = -std::numeric_limits<double>::infinity();
            if (available == 0) continue;
            for (std::size_t m = 0; m < core::mode_count; ++m) v[m * n + used] = u[m];
            bits[used] = available;
            where[used++] = static_cast<std::uint32_t>(i);
        }
        impl->model.logsums(v.data(), n, bits.data(), used, ls.data());
        for (std::size_t k = 0; k < used; ++k) out[where[k]] = ls[k];
    };
    m_view.street_km = [impl](std::uint32_t o, std::uint32_t d) {
        const auto offer = impl->table.at(0, o, d);
        double km = std::numeric_limits<double>::infinity();
        for (const auto m : {core::Mode::walk, core::Mode::bike, core::Mode::car})
            if (offer.available & core::mode_bit(m)) km = std::min(km, offer.distance_m[core::mode_index(m)] / 1000.0);
        return km;
    };
}

ServiceLevel::~ServiceLevel() = default;

const routing::ZoneLosTable& ServiceLevel::table() const {
    return m_impl->table;
}

}  // namespace flemsim::pipeline
