#include "sim/mobsim/transit_vehicles.hpp"

#include <algorithm>

#include "sim/mobsim/engine.hpp"

namespace flemsim::mobsim {

TransitVehicles::TransitVehicles(const MobsimContext& ctx, const routing::TripRoutes& routes, DayResult& res,
                                 EventWheel& wheel)
    : m_ctx(ctx), m_tm(*ctx.routing.transit), m_routes(routes), m_res(res), m_wheel(wheel) {
    const auto& tt = ctx.timetable;
    m_stop_queue.resize(ctx.routing.net.stop_count());
    m_onboard.resize(tt.size());
    m_vehicle_pos.assign(tt.size(), 0);
    m_first_load.assign(tt.size() + 1, 0);
    for (std::size_t v = 0; v < tt.size(); ++v)
        m_first_load[v + 1] = m_first_load[v] + std::max<std::uint32_t>(tt.stop_count[v], 1) - 1;
    res.transit_load.resize(m_first_load[tt.size()]);
    for (std::uint32_t v = 0; v < tt.size(); ++v) {
        const auto rn0 = tt.first_rn[v];
        for (std::uint32_t k = 0; k + 1 < tt.stop_count[v]; ++k) {
            auto& r = res.transit_load[m_first_load[v] + k];
            r = core::TransitLoadRecord{};
            r.vehicle_trip = v;
            r.line = static_cast<std::int32_t>(tt.line[v]);
            r.direction = m_tm.rn_direction(rn0);
            r.segment = static_cast<std::uint16_t>(k);
            r.from_stop = static_cast<std::int32_t>(m_tm.rn_stop(rn0 + k));
            r.to_stop = static_cast<std::int32_t>(m_tm.rn_stop(rn0 + k + 1));
            r.scheduled_depart_s = tt.sched_depart_s[tt.first_time[v] + k];
            r.depart_s = r.arrive_s = -1;
            r.seated = tt.seated[v];
            r.capacity = tt.capacity[v];
        }
        if (tt.stop_count[v] > 1) wheel.schedule(tt.sched_arrive_s[tt.first_time[v]], EventKind::stop_arrival, v);
    }
    const std::size_t lines = ctx.routing.net.line_count();
    res.denied_by_line.assign(lines, 0);
    res.gave_up_by_line.assign(lines, 0);
}

void TransitVehicles::join(std::int32_t t, const std::vector<std::uint32_t>& riders,
                           std::vector<std::uint32_t>& limit_now) {
    const auto max_wait = static_cast<std::int32_t>(m_ctx.routing.params.transit.max_wait_s);
    const auto& first_leg = m_routes.trip_first_leg;
    for (const auto leg : riders) {
        m_stop_queue[m_tm.rn_stop(m_routes.leg_board_rn[leg])].push_back({leg, t});
        if (max_wait <= 0) continue;
        // The trip's waits so far (earlier rides) count against its max_wait_s in all.
        const auto trip_begin = *(std::upper_bound(first_leg.begin(), first_leg.end(), leg) - 1);
        std::int32_t waited = 0;
        for (auto l = trip_begin; l < leg; ++l)
            if (m_routes.leg_kind[l] == routing::LegKind::ride && m_res.leg_board_s[l] >= 0)
                waited += m_res.leg_board_s[l] - m_res.leg_start_s[l];
        if (waited >= max_wait)
            limit_now.push_back(leg);  // only a vehicle there this second still takes them
        else
            m_wheel.schedule(t + max_wait - waited, EventKind::wait_limit, leg);
    }
}

void TransitVehicles::expire(std::vector<std::uint32_t>& legs, std::vector<std::uint32_t>& gave_up) {
    std::sort(legs.begin(), legs.end());
    for (const auto leg : legs) {
        auto& queue = m_stop_queue[m_tm.rn_stop(m_routes.leg_board_rn[leg])];
        const auto it = std::find_if(queue.begin(), queue.end(), [&](const Waiting& w) { return w.leg == leg; });
        if (it == queue.end()) continue;  // boarded, or gave up after denied boardings
        queue.erase(it);
        gave_up.push_back(leg);
        ++m_res.gave_up_by_line[m_tm.rn_line(m_routes.leg_board_rn[leg])];
    }
}

void TransitVehicles::serve_stops(std::int32_t t, std::vector<std::uint32_t>& arrivals,
                                  std::vector<std::uint32_t>& gave_up) {
    if (arrivals.empty()) return;
    const auto& tt = m_ctx.timetable;
    std::sort(arrivals.begin(), arrivals.end());
    arrivals.erase(std::unique(arrivals.begin(), arrivals.end()), arrivals.end());
    // Riders wait per stop and may take any of several lines, so the vehicles of one stop
    // are one group, served in trip order; groups touch disjoint queues and vehicles.
    m_by_stop.clear();
    for (const auto vt : arrivals) m_by_stop.emplace_back(m_tm.rn_stop(tt.first_rn[vt] + m_vehicle_pos[vt]), vt);
    std::sort(m_by_stop.begin(), m_by_stop.end());
    m_group_start.clear();
    for (std::size_t i = 0; i < m_by_stop.size(); ++i)
        if (i == 0 || m_by_stop[i].first != m_by_stop[i - 1].first) m_group_start.push_back(i);
    m_group_start.push_back(m_by_stop.size());

    std::vector<Outcome> outcome(m_group_start.size() - 1);
    for_each_index(outcome.size(), m_ctx.params.parallel_threshold, [&](std::size_t g) {
        for (std::size_t i = m_group_start[g]; i < m_group_start[g + 1]; ++i)
            serve(m_by_stop[i].first, m_by_stop[i].second, t, outcome[g]);
    });
    for (const auto& out : outcome) {
        // Alighting takes the second: the next leg starts at t + 1.
        for (const auto leg : out.alighted) m_wheel.schedule(t + 1, EventKind::leg_end, leg);
        for (std::size_t j = 0; j < out.next.size(); ++j)
            m_wheel.schedule(out.next_time[j], out.next[j].kind, out.next[j].id);
        gave_up.insert(gave_up.end(), out.gave_up.begin(), out.gave_up.end());
    }
}

// Vehicle trip vt at its stop k (route node rn): the segment it ends, alighting, boarding,
// the segment it starts and its next event.
void TransitVehicles::serve(std::uint32_t stop, std::uint32_t vt, std::int32_t t, Outcome& out) {
    const auto& tt = m_ctx.timetable;
    const std::uint32_t k = m_vehicle_pos[vt];
    const std::uint32_t rn = tt.first_rn[vt] + k;
    const auto times = tt.first_time[vt];
    if (k > 0) m_res.transit_load[m_first_load[vt] + k - 1].arrive_s = t;
    const std::uint32_t alightings = alight(vt, k, out);
    if (k + 1 >= tt.stop_count[vt]) return;  // the end of the line
    std::uint32_t denied = 0;
    const std::size_t gave_up_before = out.gave_up.size();
    const std::uint32_t boardings = board(stop, rn, vt, k, t, denied, out);
    const std::int32_t dwell = tt.sched_depart_s[times + k] - tt.sched_arrive_s[times + k];
    const std::int32_t dep = std::max(t + dwell, tt.sched_depart_s[times + k]);
    auto& load = m_res.transit_load[m_first_load[vt] + k];
    load.depart_s = dep;
    load.boardings = boardings;
    load.alightings = alightings;
    load.denied = denied;
    load.gave_up = static_cast<std::uint32_t>(out.gave_up.size() - gave_up_before);
    load.onboard = static_cast<std::uint32_t>(m_onboard[vt].size());
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

// Those waiting at the stop whose ride accepts route node rn board in arrival order while
// there is room; each of them left behind is denied once, and gives up at the limit. The
// others keep waiting, in their order.
std::uint32_t TransitVehicles::board(std::uint32_t stop, std::uint32_t rn, std::uint32_t vt, std::uint32_t k,
                                     std::int32_t t, std::uint32_t& denied, Outcome& out) {
    auto& queue = m_stop_queue[stop];
    auto& onboard = m_onboard[vt];
    const auto capacity = m_ctx.timetable.capacity[vt];
    const auto limit = static_cast<std::uint32_t>(std::max(1, m_ctx.params.max_denied_boardings));
    std::uint32_t boardings = 0;
    std::size_t keep = 0;
    for (std::size_t j = 0; j < queue.size(); ++j) {
        const auto w = queue[j];
        std::uint16_t stops = 0;
        for_each_option(m_routes, w.leg, [&](const RideOption& o) {
            if (o.board_rn != rn) return true;
            stops = o.stops;
            return false;
        });
        if (stops == 0) {  // not a line this rider takes
            queue[keep++] = w;
        } else if (onboard.size() < capacity) {
            m_res.leg_board_s[w.leg] = t;
            m_res.leg_vehicle_trip[w.leg] = static_cast<std::int32_t>(vt);
            m_res.leg_board_rn[w.leg] = rn;
            m_res.leg_ride_stops[w.leg] = stops;
            onboard.push_back({w.leg, static_cast<std::uint16_t>(k + stops)});
            ++boardings;
        } else {
            ++denied;
            if (++m_res.leg_denied[w.leg] >= limit) {
                out.gave_up.push_back(w.leg);
            } else {
                queue[keep++] = w;
            }
        }
    }
    queue.resize(keep);
    return boardings;
}

// Per line from the segments: a give-up is counted where the vehicle that left the rider for
// the last time was.
void TransitVehicles::finish() {
    for (const auto& r : m_res.transit_load) {
        m_res.denied_boardings += r.denied;
        m_res.denied_by_line[static_cast<std::size_t>(r.line)] += r.denied;
        m_res.gave_up_by_line[static_cast<std::size_t>(r.line)] += r.gave_up;
    }
}

}  // namespace flemsim::mobsim
