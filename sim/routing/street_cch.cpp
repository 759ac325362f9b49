#include "sim/routing/street_cch.hpp"

#include <tbb/task_arena.h>

#include <array>
#include <limits>
#include <mutex>
#include <optional>
#include <span>

#include "sim/network/network.hpp"
#include "sim/routing/los.hpp"

namespace flemsim::routing {

struct StreetCchs::Impl {
    std::array<std::once_flag, core::mode_count> built;
    std::array<std::optional<Cch>, core::mode_count> cch;
    std::array<std::optional<CchMetric>, core::mode_count> metric;
    std::array<std::once_flag, core::mode_count> zone_built;
    std::array<ZoneTable, core::mode_count> zone;
    std::mutex car_labels_mutex;
    std::unique_ptr<CchLabels> car_labels;
};

StreetCchs::StreetCchs() : m_impl(std::make_unique<Impl>()) {}
StreetCchs::~StreetCchs() = default;

const Cch& StreetCchs::hierarchy(const network::Network& net, const StreetGraph& graph, core::Mode mode) {
    return free_flow(net, graph, mode).cch();
}

const CchMetric& StreetCchs::free_flow(const network::Network& net, const StreetGraph& graph, core::Mode mode) {
    const auto m = core::mode_index(mode);
    // The customization runs TBB tasks: isolated, so that a thread waiting in it never picks up
    // an outer task that would wait on this same once_flag (were the first use inside a parallel
    // loop).
    std::call_once(m_impl->built[m], [&] {
        tbb::this_task_arena::isolate([&] {
            const std::size_t n = graph.node_count();
            m_impl->cch[m].emplace(graph, std::span<const double>(net.node_x_m.data(), n),
                                   std::span<const double>(net.node_y_m.data(), n));
            m_impl->metric[m].emplace(*m_impl->cch[m], graph.time_s);
            // Used for many queries: they relax only the arcs on shortest paths.
            m_impl->metric[m]->prune_for_queries();
        });
    });
    return *m_impl->metric[m];
}

const StreetCchs::ZoneTable& StreetCchs::zone_table(core::Mode mode, const std::function<ZoneTable()>& make) {
    const auto m = core::mode_index(mode);
    std::call_once(m_impl->zone_built[m], [&] { tbb::this_task_arena::isolate([&] { m_impl->zone[m] = make(); }); });
    return m_impl->zone[m];
}

void StreetCchs::keep_car_labels(std::unique_ptr<CchLabels> labels) {
    const std::lock_guard lock(m_impl->car_labels_mutex);
    m_impl->car_labels = std::move(labels);
}

std::unique_ptr<CchLabels> StreetCchs::take_car_labels() {
    const std::lock_guard lock(m_impl->car_labels_mutex);
    return std::move(m_impl->car_labels);
}

bool StreetPathQuery::run(const StreetGraph& graph, std::uint32_t from, std::uint32_t to, double& time_s,
                          double& length_m, const double* arc_time_s) {
    return measure(graph, m_query.run(from, to), time_s, length_m, arc_time_s);
}

bool StreetPathQuery::to(const StreetGraph& graph, std::uint32_t to, double& time_s, double& length_m,
                         const double* arc_time_s) {
    return measure(graph, m_query.to(to), time_s, length_m, arc_time_s);
}

bool StreetPathQuery::to_within(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s,
                                double& length_m, const double* arc_time_s) {
    const double cost = m_query.to(to, bound);
    return measure(graph, cost <= bound ? cost : std::numeric_limits<double>::infinity(), time_s, length_m, arc_time_s);
}

bool StreetPathQuery::run_within(const CchMetric& metric, const StreetGraph& graph, std::uint32_t from,
                                 std::uint32_t to, double bound, double& time_s, double& length_m,
                                 const double* arc_time_s) {
    m_query.set_metric(metric);
    const double cost = m_query.run(from, to, bound);
    return measure(graph, cost <= bound ? cost : std::numeric_limits<double>::infinity(), time_s, length_m, arc_time_s);
}

bool StreetPathQuery::to_whole_within(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s,
                                      double& length_m) {
    const double cost = m_query.to_whole(to, bound);
    return measure(graph, cost <= bound ? cost : std::numeric_limits<double>::infinity(), time_s, length_m, nullptr);
}

bool StreetPathQuery::run_bounded(const CchMetric& metric, const StreetGraph& graph, std::uint32_t from,
                                  std::uint32_t to, double bound, double& time_s, double& length_m,
                                  const double* arc_time_s) {
    if (bound < std::numeric_limits<double>::infinity() &&
        run_within(metric, graph, from, to, bound, time_s, length_m, arc_time_s)) {
        ++m_within;
        return true;
    }
    return run(metric, graph, from, to, time_s, length_m, arc_time_s);
}

void StreetPathQuery::unbound_source() {
    if (m_source_bound < std::numeric_limits<double>::infinity()) from(m_from);
}

bool StreetPathQuery::to_bounded(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s,
                                 double& length_m, const double* arc_time_s) {
    if (bound < std::numeric_limits<double>::infinity() && bound <= m_source_bound &&
        to_within(graph, to, bound, time_s, length_m, arc_time_s)) {
        ++m_within;
        return true;
    }
    unbound_source();
    return this->to(graph, to, time_s, length_m, arc_time_s);
}

bool StreetPathQuery::to_whole_bounded(const StreetGraph& graph, std::uint32_t to, double bound, double& time_s,
                                       double& length_m) {
    if (bound < std::numeric_limits<double>::infinity() && bound <= m_source_bound &&
        to_whole_within(graph, to, bound, time_s, length_m)) {
        ++m_within;
        return true;
    }
    unbound_source();
    return to_whole_within(graph, to, std::numeric_limits<double>::infinity(), time_s, length_m);
}

bool StreetPathQuery::measure(const StreetGraph& graph, double cost, double& time_s, double& length_m,
                              const double* arc_time_s) {
    m_arcs.clear();
    if (!(cost < std::numeric_limits<double>::infinity())) return false;
    m_query.path(m_arcs);
    const double* times = arc_time_s ? arc_time_s : graph.time_s.data();
    time_s = 0, length_m = 0;
    for (const auto arc : m_arcs) time_s += times[arc], length_m += graph.length_m[arc];
    return true;
}

bool street_legs_by_cch(const RoutingContext& ctx, const StreetGraph& graph) {
    return ctx.force_street_legs_by_cch || graph.node_count() >= 50000;
}

bool trip_labels_pay(const RoutingContext& ctx, core::Mode mode, std::size_t trips, bool lengths) {
    return ctx.force_trip_labels || use_trip_labels(street_graph(ctx, mode), trips, lengths,
                                                    [&] { return CchLabels::entry_count(street_cch(ctx, mode)); });
}

const StreetGraph& street_graph(const RoutingContext& ctx, core::Mode mode) {
    return mode == core::Mode::walk ? ctx.walk : mode == core::Mode::bike ? ctx.bike : ctx.car;
}

const Cch& street_cch(const RoutingContext& ctx, core::Mode mode) {
    return ctx.cchs->hierarchy(ctx.net, street_graph(ctx, mode), mode);
}

const CchMetric& street_metric(const RoutingContext& ctx, core::Mode mode) {
    return ctx.cchs->free_flow(ctx.net, street_graph(ctx, mode), mode);
}

}  // namespace flemsim::routing
