#pragma once
// The level of service as the demand models see it (population::ServiceView): zone-to-zone
// offers of every mode by period of the day (routing::compute_zone_los_by_period), turned into
// logsums by the simulation's own mode choice (the same utilities, nests and availability
// rules), so a destination, a gateway of origin, a mobility tool or a departure period is worth
// what the modes make of it.
#include <memory>

#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::pipeline {

class ServiceLevel {
public:
    // Computes the offers (periods of demand.period_min, demand.samples_per_period transit
    // departures each); `parking_sek_by_zone` as choice::parking_by_zone gives it.
    ServiceLevel(const routing::RoutingContext& ctx, const scenario::Scenario& s, const scenario::ChoiceParams& params,
                 std::vector<double> parking_sek_by_zone);
    // From offers already computed (or made by hand, in tests).
    ServiceLevel(routing::ZoneLosTable table, const scenario::ChoiceParams& params,
                 std::vector<double> parking_sek_by_zone);
    ~ServiceLevel();
    ServiceLevel(const ServiceLevel&) = delete;
    ServiceLevel& operator=(const ServiceLevel&) = delete;

    const population::ServiceView& view() const { return m_view; }
    const routing::ZoneLosTable& table() const;

private:
    void make_view();
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    population::ServiceView m_view;
};

}  // namespace flemsim::pipeline
