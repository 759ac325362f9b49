#include "sim/pipeline/service_view.hpp"

#include <cmath>
#include <limits>

#include "sim/choice/tour_choice.hpp"

namespace flemsim::pipeline {

struct ServiceLevel::Impl {
    routing::ZoneLosTable table;
    scenario::ChoiceParams params;
    std::vector<double> parking;
    choice::NestedLogit model;
    Impl(routing::ZoneLosTable t, const scenario::ChoiceParams& p, std::vector<double> park)
        : table(std::move(t)), params(p), parking(std::move(park)), model(choice::mode_model(p)) {}
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
        const choice::TourTraits who{group,
                                     purpose,
                                     (tools & population::tool_car) != 0,
                                     (tools & population::tool_bike) != 0,
                                     (tools & population::tool_pass) != 0,
                                     d};
        std::uint8_t available = 0;
        const auto v = choice::tour_utilities(impl->params, impl->parking, who, impl->table.at(p_out, o, d),
                                              impl->table.at(p_back, d, o), available);
        if (available == 0) return -std::numeric_limits<double>::infinity();
        choice::RecordState st;
        return impl->model.evaluate(v.data(), available, st);
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
