// Car parks and bike parks at stops over a played day: occupancy from the legs' times.
#include <algorithm>
#include <cmath>
#include <tuple>

#include "sim/mobsim/mobsim.hpp"

namespace flemsim::mobsim {

using routing::LegKind;

namespace {

// A car or bike arriving at (departure = 0: leaving) a lot at second t; in leg order within
// a second and kind, which is the order of the routes and does not depend on threads.
struct LotEvent {
    std::int32_t t;
    std::uint8_t departure;  // 0 leaves, 1 arrives: departures first within a second
    std::uint32_t leg;
    std::uint32_t stop;
    bool operator<(const LotEvent& o) const { return std::tie(t, departure, leg) < std::tie(o.t, o.departure, o.leg); }
};

// Spaces for a sample of the population, as the vehicles' places are scaled (context.cpp).
std::vector<std::uint32_t> scaled_spaces(const std::vector<std::uint32_t>& spaces, std::size_t stops, double factor) {
    std::vector<std::uint32_t> out(stops, 0);
    for (std::size_t s = 0; s < std::min(stops, spaces.size()); ++s)
        if (spaces[s] > 0) out[s] = static_cast<std::uint32_t>(std::max(1.0, std::round(spaces[s] * factor)));
    return out;
}

struct LotColumns {
    const std::vector<std::uint32_t>& spaces;
    std::vector<std::uint32_t>& arrivals;
    std::vector<std::uint32_t>& peak;
    std::vector<std::uint32_t>& over;
    std::vector<std::int32_t>& full_s;
};

void play_events(std::vector<LotEvent>& events, LotColumns c) {
    const std::size_t stops = c.spaces.size();
    c.arrivals.assign(stops, 0);
    c.peak.assign(stops, 0);
    c.over.assign(stops, 0);
    c.full_s.assign(stops, -1);
    std::vector<std::uint32_t> parked(stops, 0);
    std::sort(events.begin(), events.end());
    for (const auto& e : events) {
        auto& n = parked[e.stop];
        if (e.departure == 0) {
            // A return with no arrival before it (a plan whose outbound trip did not park
            // here) frees nothing.
            if (n > 0) --n;
            continue;
        }
        ++c.arrivals[e.stop];
        if (n >= c.spaces[e.stop]) ++c.over[e.stop];
        ++n;
        c.peak[e.stop] = std::max(c.peak[e.stop], n);
        if (c.full_s[e.stop] < 0 && c.spaces[e.stop] > 0 && n >= c.spaces[e.stop]) c.full_s[e.stop] = e.t;
    }
}

void add_records(std::vector<core::LotRecord>& out, std::uint8_t kind, const std::vector<std::uint32_t>& spaces,
                 const std::vector<std::uint32_t>& arrivals, const std::vector<std::uint32_t>& peak,
                 const std::vector<std::uint32_t>& over, const std::vector<std::int32_t>& full_s) {
    for (std::size_t s = 0; s < spaces.size(); ++s)
        if (spaces[s] > 0 || arrivals[s] > 0)
            out.push_back({static_cast<std::int32_t>(s), kind, spaces[s], arrivals[s], peak[s], over[s], full_s[s]});
}

}  // namespace

void count_lot_use(const MobsimContext& ctx, const DayPlan& plan, DayResult& day) {
    const auto& net = ctx.routing.net;
    const auto& routes = plan.routes;
    const std::size_t stops = net.stop_count();
    const double factor = ctx.params.transit_capacity_factor;
    day.car_lot_spaces = scaled_spaces(net.stop_car_parking, stops, factor);
    day.bike_lot_spaces = scaled_spaces(net.stop_bike_parking, stops, factor);
    std::vector<LotEvent> cars, bikes;
    if (ctx.routing.transit) {
        const auto& tm = *ctx.routing.transit;
        for (std::uint32_t t = 0; t < routes.trip_count(); ++t) {
            if (day.access_kind[t] == core::access_walk) continue;
            const auto lb = routes.trip_first_leg[t], le = routes.trip_first_leg[t + 1];
            std::uint32_t first_ride = le, last_ride = le;
            for (auto l = lb; l < le; ++l)
                if (routes.leg_kind[l] == LegKind::ride) {
                    if (first_ride == le) first_ride = l;
                    last_ride = l;
                }
            for (auto l = lb; l < le; ++l) {
                const auto kind = routes.leg_kind[l];
                if (kind != LegKind::car && kind != LegKind::bike) continue;
                auto& events = kind == LegKind::car ? cars : bikes;
                if (l < first_ride) {
                    // Driven or cycled to the lot of the first boarding stop: parked when the leg ends.
                    if (day.leg_end_s[l] >= 0)
                        events.push_back({day.leg_end_s[l], 1, l, tm.rn_stop(routes.leg_board_rn[first_ride])});
                } else if (l > last_ride) {
                    // Taken from the lot of the last alighting stop as planned: gone when the leg starts.
                    if (day.leg_start_s[l] >= 0)
                        events.push_back({day.leg_start_s[l], 0, l,
                                          tm.rn_stop(routes.leg_board_rn[last_ride] + routes.leg_stops[last_ride])});
                }
            }
        }
    }
    play_events(cars,
                {day.car_lot_spaces, day.car_lot_arrivals, day.car_lot_peak, day.car_lot_over, day.car_lot_full_s});
    play_events(
        bikes, {day.bike_lot_spaces, day.bike_lot_arrivals, day.bike_lot_peak, day.bike_lot_over, day.bike_lot_full_s});
}

std::vector<core::LotRecord> lot_records(const DayResult& day) {
    std::vector<core::LotRecord> out;
    add_records(out, core::access_bike_and_ride, day.bike_lot_spaces, day.bike_lot_arrivals, day.bike_lot_peak,
                day.bike_lot_over, day.bike_lot_full_s);
    add_records(out, core::access_park_and_ride, day.car_lot_spaces, day.car_lot_arrivals, day.car_lot_peak,
                day.car_lot_over, day.car_lot_full_s);
    return out;
}

}  // namespace flemsim::mobsim
