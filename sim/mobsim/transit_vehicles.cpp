#include "sim/mobsim/transit_vehicles.hpp"

#include <algorithm>

#include "sim/mobsim/engine.hpp"

namespace flemsim::mobsim {

TransitVehicles::TransitVehicles(const MobsimContext& ctx, const routing::TripRoutes& routes, DayResult& res,
                                 EventWheel& wheel)
    : m_ctx(ctx), m_tm(*ctx.routing.transit), m_routes(routes), m_res(res), m_wheel(wheel) {
    const auto& tt = ctx.timetable;
    m_stop_queue.resize(m_tm.route_node_count());
    m_stop_head.assign(m_tm.route_node_count(), 0);
    m_onboard.resize(tt.size());
    m_vehicle_pos.assign(tt.size(), 0);
    m_vehicle_dep.assign(tt.size(), 0);
    m_first_load.assign(tt.size() + 1, 0);
    for (std::size_t v = 0; v < tt.size(); ++v) m_first_load[v + 1] = m_first_load[v] + tt.stop_count[v] - 1;
    res.transit_load.resize(m_first_load[tt.size()]);
    for (std::uint32_t v = 0; v < tt.size(); ++v) {
        const auto rn0 = tt.first_rn[v];
        for (std::uint32_t k = 0; k + 1 < tt.stop_count[v]; ++k) {
            auto& r = res.transit_load[m_first_load[v] + k];
            r = core::TransitLoadRecord{};
            r.vehicle_trip = v;
            r.line = static_cast<std::int32_t>(m_tm.rn_line(rn0));
            r.direction = m_tm.rn_direction(rn0);
            r.segment = static_cast<std::uint16_t>(k);
            r.from_stop = static_cast<std::int32_t>(m_tm.rn_stop(rn0 + k));
            r.to_stop = static_cast<std::int32_t>(m_tm.rn_stop(rn0 + k + 1));
            r.scheduled_depart_s = tt.sched_depart_s[tt.first_time[v] + k];
            r.depart_s = r.arrive_s = -1;
            r.seated = tt.seated[v];
            r.capacity = tt.capacity[v];
        }
        if (tt.departure_s[v] <= wheel.end_s()) wheel.schedule(tt.departure_s[v], EventKind::stop_arrival, v);
    }
    const std::size_t rn_periods = m_tm.route_node_count() * m_tm.period_count();
    res.wait_sum.assign(rn_periods, 0.0);
    res.ride_sum.assign(rn_periods, 0.0);
    res.wait_count.assign(rn_periods, 0);
    res.ride_count.assign(rn_periods, 0);
}

void TransitVehicles::join(std::int32_t t, const std::vector<std::uint32_t>& riders) {
    for (const auto leg : riders) m_stop_queue[m_routes.leg_board_rn[leg]].push_back({leg, t});
}

void TransitVehicles::serve_stops(std::int32_t t, std::vector<std::uint32_t>& arrivals) {
    if (arrivals.empty()) return;
    const auto& tt = m_ctx.timetable;
    std::sort(arrivals.begin(), arrivals.end());
    arrivals.erase(std::unique(arrivals.begin(), arrivals.end()), arrivals.end());
    m_by_rn.clear();
    for (const auto vt : arrivals) m_by_rn.emplace_back(tt.first_rn[vt] + m_vehicle_pos[vt], vt);
    std::sort(m_by_rn.begin(), m_by_rn.end());
    m_group_start.clear();
    for (std::size_t i = 0; i < m_by_rn.size(); ++i)
        if (i == 0 || m_by_rn[i].first != m_by_rn[i - 1].first) m_group_start.push_back(i);
    m_group_start.push_back(m_by_rn.size());

    std::vector<Outcome> outcome(m_group_start.size() - 1);
    for_each_index(outcome.size(), m_ctx.params.parallel_threshold, [&](std::size_t g) {
        for (std::size_t i = m_group_start[g]; i < m_group_start[g + 1]; ++i)
            serve(m_by_rn[i].first, m_by_rn[i].second, t, outcome[g]);
    });
    for (const auto& out : outcome) {
        // Alighting takes the second: the next leg starts at t + 1.
        for (const auto leg : out.alighted) m_wheel.schedule(t + 1, EventKind::leg_end, leg);
        for (std::size_t j = 0; j < out.next.size(); ++j)
            m_wheel.schedule(out.next_time[j], out.next[j].kind, out.next[j].id);
    }
}

// Vehicle trip vt at route node rn, its stop k: the segment it ends, alighting, boarding,
// the segment it starts and its next event.
void TransitVehicles::serve(std::uint32_t rn, std::uint32_t vt, std::int32_t t, Outcome& out) {
    const auto& tt = m_ctx.timetable;
    const std::uint32_t k = m_vehicle_pos[vt];
    const auto times = tt.first_time[vt];
    if (k > 0) {
        m_res.transit_load[m_first_load[vt] + k - 1].arrive_s = t;
        const std::size_t slot = (rn - 1) * m_tm.period_count() + m_tm.period_of(m_vehicle_dep[vt]);
        m_res.ride_sum[slot] += t - m_vehicle_dep[vt];
        ++m_res.ride_count[slot];
    }
    const std::uint32_t alightings = alight(vt, k, out);
    if (k + 1 >= tt.stop_count[vt]) return;  // the end of the line
    const std::uint32_t boardings = board(rn, vt, k, t);
    const std::int32_t dwell = tt.sched_depart_s[times + k] - tt.sched_arrive_s[times + k];
    const std::int32_t dep = std::max(t + dwell, tt.sched_depart_s[times + k]);
    auto& load = m_res.transit_load[m_first_load[vt] + k];
    load.depart_s = dep;
    load.boardings = boardings;
    load.alightings = alightings;
    load.denied = static_cast<std::uint32_t>(m_stop_queue[rn].size() - m_stop_head[rn]);
    load.onboard = static_cast<std::uint32_t>(m_onboard[vt].size());
    auto& queue = m_stop_queue[rn];
    if (m_stop_head[rn] == queue.size()) {
        queue.clear();
        m_stop_head[rn] = 0;
    }
    m_vehicle_dep[vt] = dep;
    m_vehicle_pos[vt] = static_cast<std::uint16_t>(k + 1);
    if (m_ctx.bus_routes.rn_on_road[rn]) {
        out.next.push_back({EventKind::bus_entry, vt});
        out.next_time.push_back(std::max(dep, t + 1));
    } else {
        out.next.push_back({EventKind::stop_arrival, vt});
        out.next_time.push_back(dep + tt.sched_arrive_s[times + k + 1] - tt.sched_depart_s[times + k]);
    }
}

// Passengers for stop k leave; the others keep their order.
std::uint32_t TransitVehicles::alight(std::uint32_t vt, std::uint32_t k, Outcome& out) {
    auto& onboard = m_onboard[vt];
    std::uint32_t alightings = 0;
    std::size_t keep = 0;
    for (std::size_t j = 0; j < onboard.size(); ++j) {
        if (onboard[j].alight_pos == k) {
            out.alighted.push_back(onboard[j].leg);
            ++alightings;
        } else {
            onboard[keep++] = onboard[j];
        }
    }
    onboard.resize(keep);
    return alightings;
}

// Those waiting board in arrival order while there is room; each one left is denied once.
std::uint32_t TransitVehicles::board(std::uint32_t rn, std::uint32_t vt, std::uint32_t k, std::int32_t t) {
    const std::size_t periods = m_tm.period_count();
    auto& queue = m_stop_queue[rn];
    auto& head = m_stop_head[rn];
    auto& onboard = m_onboard[vt];
    std::uint32_t boardings = 0;
    while (head < queue.size() && onboard.size() < m_ctx.timetable.capacity[vt]) {
        const auto w = queue[head++];
        m_res.leg_board_s[w.leg] = t;
        m_res.leg_vehicle_trip[w.leg] = static_cast<std::int32_t>(vt);
        const std::size_t slot = rn * periods + m_tm.period_of(w.since_s);
        m_res.wait_sum[slot] += t - w.since_s;
        ++m_res.wait_count[slot];
        onboard.push_back({w.leg, static_cast<std::uint16_t>(k + m_routes.leg_stops[w.leg])});
        ++boardings;
    }
    for (std::size_t j = head; j < queue.size(); ++j) ++m_res.leg_denied[queue[j].leg];
    return boardings;
}

void TransitVehicles::finish() {
    for (const auto& r : m_res.transit_load) m_res.denied_boardings += r.denied;
}

}  // namespace flemsim::mobsim
