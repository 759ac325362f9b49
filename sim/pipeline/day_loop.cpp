#include "sim/pipeline/day_loop.hpp"

#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <optional>

#include <fmt/format.h>

#include "sim/core/rng.hpp"

namespace flemsim::pipeline {

using core::Mode;

namespace {

constexpr auto idx = core::mode_index;

// Level of service averaged over the days so far (method of successive averages): car
// times per arc and hour, and the load of every transit segment.
struct Experience {
    routing::CarTimes car;  // hour-major: [hour][arc]
    // Riders on board per schedule time index (the segment from that stop to the next).
    std::vector<double> transit_load;
    // Riders who got on, and who were left behind, at the stop of each departure (same numbering).
    std::vector<double> transit_boarded, transit_denied;
    // When each car (bike) park was full, per lot of the transit model (the end of the day
    // when it was not), averaged over the days as the rest.
    std::array<std::vector<double>, 2> lot_full_s;
    int days = 0;
};

Experience initial_experience(const routing::RoutingContext& ctx) {
    Experience e;
    const std::size_t arcs = ctx.car.arc_count();
    e.car.hours = mobsim::volume_hours;
    e.car.time_s.resize(arcs * e.car.hours);
    for (std::size_t h = 0; h < e.car.hours; ++h)
        for (std::size_t a = 0; a < arcs; ++a) e.car.time_s[h * arcs + a] = ctx.car.time_s[a];
    e.transit_load.assign(ctx.transit->schedule().arrive_s.size(), 0.0);
    e.transit_boarded.assign(e.transit_load.size(), 0.0);
    e.transit_denied.assign(e.transit_load.size(), 0.0);
    for (const auto kind : {routing::TransitAccess::car, routing::TransitAccess::bike})
        e.lot_full_s[kind == routing::TransitAccess::car ? 0 : 1].assign(ctx.transit->lots(kind).size(), 0.0);
    return e;
}

// The car times per arc and hour that a day's cars saw (hour-major, as CarTimes): where no
// car was on a link in an hour, the free-flow value stands in.
routing::CarTimes day_car_times(const routing::RoutingContext& ctx, const mobsim::DayResult& day) {
    routing::CarTimes t;
    const std::size_t arcs = ctx.car.arc_count();
    t.hours = mobsim::volume_hours;
    t.time_s.resize(arcs * t.hours);
    for (std::size_t a = 0; a < arcs; ++a)
        for (std::size_t h = 0; h < t.hours; ++h) {
            const std::size_t d = a * t.hours + h;
            t.time_s[h * arcs + a] =
                day.car_time_count[d] ? day.car_time_sum[d] / day.car_time_count[d] : ctx.car.time_s[a];
        }
    return t;
}

// Folds a day into the averages with weight `weight` (0: 1 / (days + 1), the method of
// successive averages; the first day always has weight 1). A segment nobody rode had a
// load of 0.
void add_day(Experience& e, const routing::RoutingContext& ctx, const mobsim::MobsimContext& mctx,
             const mobsim::DayResult& day, const routing::CarTimes& seen, double weight) {
    const double w = e.days == 0 ? 1.0 : weight > 0 ? weight : 1.0 / (e.days + 1);
    // A weight of 1 takes the day's times as they are (to the bit: the day's gap and replanning
    // then share their hourly car metrics, run_day_loop).
    if (w == 1.0)
        e.car.time_s = seen.time_s;
    else
        for (std::size_t i = 0; i < e.car.time_s.size(); ++i) e.car.time_s[i] += w * (seen.time_s[i] - e.car.time_s[i]);
    for (const auto& r : day.transit_load) {
        const std::size_t i = mctx.timetable.first_time[r.vehicle_trip] + r.segment;
        e.transit_load[i] += w * (r.onboard - e.transit_load[i]);
        e.transit_boarded[i] += w * (r.boardings - e.transit_boarded[i]);
        e.transit_denied[i] += w * (r.denied - e.transit_denied[i]);
    }
    for (const auto kind : {routing::TransitAccess::car, routing::TransitAccess::bike}) {
        const bool car = kind == routing::TransitAccess::car;
        const auto& lots = ctx.transit->lots(kind);
        const auto& full = car ? day.car_lot_full_s : day.bike_lot_full_s;
        auto& avg = e.lot_full_s[car ? 0 : 1];
        for (std::size_t l = 0; l < lots.size(); ++l) {
            const std::int32_t f = lots[l].stop < full.size() ? full[lots[l].stop] : -1;
            const double seen = f >= 0 ? f : mctx.params.end_time_s;
            avg[l] += w * (seen - avg[l]);
        }
    }
    ++e.days;
}

// The perceived in-vehicle time multipliers of the averaged loads, per schedule time index,
// with the places the simulated vehicles had (after transit_capacity_factor: a sample's
// riders crowd a sample's seats).
std::vector<float> crowding_multipliers(const Experience& e, const scenario::TransitParams& tp,
                                        const mobsim::Timetable& tt) {
    std::vector<float> m(e.transit_load.size(), 1.0f);
    for (std::size_t v = 0; v < tt.size(); ++v)
        for (std::uint32_t k = 0; k + 1 < tt.stop_count[v]; ++k) {
            const std::size_t i = tt.first_time[v] + k;
            m[i] = static_cast<float>(tp.crowding_multiplier(e.transit_load[i], tt.seated[v], tt.capacity[v]));
        }
    return m;
}

// Per departure and stop, the share of those who tried to board and were left behind, over
// the days so far (0 where nobody tried).
std::vector<float> refusal_shares(const Experience& e) {
    std::vector<float> q(e.transit_denied.size(), 0.0f);
    for (std::size_t i = 0; i < q.size(); ++i) {
        const double tried = e.transit_boarded[i] + e.transit_denied[i];
        if (e.transit_denied[i] > 0 && tried > 0) q[i] = static_cast<float>(e.transit_denied[i] / tried);
    }
    return q;
}

core::IterationRecord day_statistics(int iteration, const std::vector<Mode>& trip_mode, const mobsim::DayResult& day) {
    core::IterationRecord r{};
    r.iteration = static_cast<std::uint16_t>(iteration);
    r.trips = trip_mode.size();
    std::array<std::uint64_t, core::mode_count> count{}, timed{};
    std::array<double, core::mode_count> minutes{};
    for (std::size_t t = 0; t < trip_mode.size(); ++t) {
        const auto m = idx(trip_mode[t]);
        ++count[m];
        if (day.stuck[t]) continue;
        ++timed[m];
        minutes[m] += (day.arr_s[t] - day.dep_s[t]) / 60.0;
    }
    const double n = r.trips ? static_cast<double>(r.trips) : 1.0;
    r.share_walk = count[idx(Mode::walk)] / n;
    r.share_bike = count[idx(Mode::bike)] / n;
    r.share_transit = count[idx(Mode::transit)] / n;
    r.share_car = count[idx(Mode::car)] / n;
    r.sustainable_share = r.share_walk + r.share_bike + r.share_transit;
    const auto mean = [&](Mode m) { return timed[idx(m)] ? minutes[idx(m)] / timed[idx(m)] : std::nan(""); };
    r.mean_min_walk = mean(Mode::walk);
    r.mean_min_bike = mean(Mode::bike);
    r.mean_min_transit = mean(Mode::transit);
    r.mean_min_car = mean(Mode::car);
    r.denied_boardings = day.denied_boardings;
    r.stuck_trips = day.stuck_trips;
    r.gave_up_trips = day.gave_up_trips;
    return r;
}

// The car trips' relative travel-time gap of a day (the measure of a traffic assignment's
// distance from equilibrium): over the car trips that arrived, the sum of what each trip's
// route took beyond the shortest path, over the sum of what the routes took. Both in the
// same times, the day's own link times of the trip's departure hour (`seen`): the time of
// the route taken against the best the trip could have taken that day. (A trip's door-to-
// door time also varies with the queue's growth within the hour, which no route choice can
// remove; comparing in the hour's times leaves that out.)
// Measured on the car trips of a fixed sample (`sample`: each trip's own draw, the same every
// day) when the searches for all would cost too much. The requests: those trips at their
// departures; the gap, from the best paths found for them (`best`).
std::vector<routing::LosRequest> gap_requests(const std::vector<Mode>& trip_mode, const mobsim::DayResult& day,
                                              std::uint64_t seed, double sample) {
    std::vector<routing::LosRequest> requests;
    for (std::size_t t = 0; t < trip_mode.size(); ++t)
        if (trip_mode[t] == Mode::car && !day.stuck[t] && day.arr_s[t] >= day.dep_s[t] &&
            (sample >= 1 || core::Rng(seed, core::Stream::gap_sample, t).bernoulli(sample)))
            requests.push_back({static_cast<std::uint32_t>(t), day.dep_s[t]});
    return requests;
}

double travel_time_gap(const routing::RoutingContext& ctx, const routing::TripRoutes& routes,
                       const routing::CarTimes& seen, const std::vector<routing::LosRequest>& requests,
                       const routing::RequestLos& best) {
    double took = 0, excess = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto t = requests[i].trip;
        const double* time_s = seen.hour(static_cast<std::size_t>(std::max(0, requests[i].dep_s / 3600)));
        double route_s = 0;
        for (auto l = routes.trip_first_leg[t]; l < routes.trip_first_leg[t + 1]; ++l)
            if (routes.leg_kind[l] == routing::LegKind::car)
                routes.for_each_arc(ctx.car, l, [&](std::uint32_t a) { route_s += time_s[a]; });
        took += route_s;
        if (best.car_ok[i]) excess += std::max(0.0, route_s - static_cast<double>(best.car_drive_s[i]));
    }
    return took > 0 ? excess / took : 0.0;
}

// Marks for routing anew, besides the replanners' trips, each other car trip with
// probability reroute_share / (n + 1)^reroute_decay after day n (its own draw: stream
// reroute, trip, day): the route-choice step of the method of successive averages, so that
// the routes follow the times faster than the plans do. (A draw per origin and hour,
// which one search serves, saved 0.7 of 5.8 s of routing on 2030's second day, and it moves
// a large group all at once: in the two-route test the loop then swings.)
void add_reroutes(std::vector<std::uint8_t>& reroute, const std::vector<Mode>& trip_mode, const scenario::LoopParams& s,
                  std::uint64_t seed, int day) {
    if (s.reroute_share <= 0) return;
    const double share = s.reroute_share / std::pow(static_cast<double>(day) + 1.0, s.reroute_decay);
    for (std::size_t t = 0; t < trip_mode.size(); ++t)
        if (!reroute[t] && trip_mode[t] == Mode::car &&
            core::Rng(seed, core::Stream::reroute, t, static_cast<std::uint64_t>(day)).bernoulli(share))
            reroute[t] = 1;
}

// The largest change of a mode share between two days.
double share_change(const core::IterationRecord& a, const core::IterationRecord& b) {
    return std::max({std::abs(a.share_walk - b.share_walk), std::abs(a.share_bike - b.share_bike),
                     std::abs(a.share_transit - b.share_transit), std::abs(a.share_car - b.share_car)});
}

// Whether the loop has settled after day `a` (b: the day before): every mode share moved
// at most the share tolerance, every mean time by mode at most the time tolerance, and the
// car trips' travel-time gap is within its target (when one is set).
bool settled(const core::IterationRecord& a, const core::IterationRecord& b, const scenario::LoopParams& s) {
    if (a.share_change > s.share_tolerance) return false;
    if (s.travel_time_gap >= 0 && a.travel_time_gap > s.travel_time_gap) return false;
    const double time_tol = s.time_tolerance;
    const double times[4][2] = {{a.mean_min_walk, b.mean_min_walk},
                                {a.mean_min_bike, b.mean_min_bike},
                                {a.mean_min_transit, b.mean_min_transit},
                                {a.mean_min_car, b.mean_min_car}};
    for (const auto& t : times) {
        if (std::isnan(t[0]) && std::isnan(t[1])) continue;
        if (std::isnan(t[0]) || std::isnan(t[1])) return false;
        if (std::abs(t[0] - t[1]) > time_tol * std::max(std::abs(t[1]), 1e-9)) return false;
    }
    return true;
}

std::string percent(double v) {
    return fmt::format("{:.1f}", 100 * v);
}

}  // namespace

LoopResult run_day_loop(const scenario::Params& params, routing::RoutingContext& ctx, const choice::ChoiceInputs& in,
                        const std::vector<core::Mode>& initial_modes,
                        const std::function<void(const std::string&)>& say) {
    const auto& pop = in.pop;
    LoopResult out;
    auto& steps = out.step_seconds;
    // Wall seconds since `from`, added to `to`; the clock restarts.
    auto lap = [](std::chrono::steady_clock::time_point& from, double& to) {
        const auto now = std::chrono::steady_clock::now();
        to += std::chrono::duration<double>(now - from).count();
        from = now;
    };
    auto clock = std::chrono::steady_clock::now();
    out.plans.mode = initial_modes;
    out.plans.shift_s.assign(pop.tour_count(), 0);
    out.plans.access = choice::transit_access(in.los);
    out.trip_mode = choice::trip_modes(pop, out.plans);
    out.trip_dep = choice::trip_departures(pop, out.plans);
    out.routes =
        routing::route_trips(ctx, pop, out.trip_mode, out.trip_dep, {}, nullptr, nullptr, &out.plans.access, &in.los);
    ctx.cchs->take_car_labels().reset();  // labels the trips' level of service kept, if unused
    lap(clock, steps.first_routes);

    const auto mctx = mobsim::make_mobsim_context(ctx, params.mobsim);

    const auto& s = params.loop;
    // Made after the first day's mobsim (the days before it read none of it), so that its car
    // times (arcs x hours) are not in memory beside the mobsim's and the walk and bike labels.
    Experience exp;
    for (int it = 0; it < s.max_iterations; ++it) {
        const auto started = std::chrono::steady_clock::now();
        clock = started;
        const mobsim::DayPlan plan{pop, out.trip_mode, out.trip_dep, out.routes};
        // On a day known to be the last (the loop's most days), the walkers' and cyclists' paths
        // for the link volumes depend on the plan alone: they are traced beside the mobsim, from
        // labels where those pay (trace_walk_bike_paths), and counted after it. The mobsim's
        // phases of one second leave threads idle between them (its people phase is serial, its
        // link phases short at night): the tracing's tasks take that time. Neither reads what the
        // other writes, so the results are those of one after the other. A day found to be the
        // last only after it was played (converged) traces them afterwards, without labels.
        std::optional<mobsim::WalkBikePaths> traced;
        if (it + 1 == s.max_iterations) {
            tbb::parallel_invoke([&] { out.day = mobsim::simulate_day(mctx, plan); },
                                 [&] { traced = mobsim::trace_walk_bike_paths(mctx, plan); });
        } else {
            out.day = mobsim::simulate_day(mctx, plan);
        }
        lap(clock, steps.mobsim);
        if (it == 0) exp = initial_experience(ctx);
        auto rec = day_statistics(it, out.trip_mode, out.day);
        const routing::CarTimes seen = day_car_times(ctx, out.day);
        rec.share_change = it > 0 ? share_change(rec, out.iterations.back()) : 0.0;
        add_day(exp, ctx, mctx, out.day, seen, s.experience_weight);
        // Crowding as experienced so far weighs on the next level of service and replanning.
        ctx.transit->set_crowding(crowding_multipliers(exp, params.routing.transit, mctx.timetable));
        // So do the departures that left riders behind: journeys are planned for them in
        // proportion to the share that got on (the others plan a later one, or another line).
        ctx.transit->set_refusal(refusal_shares(exp));
        // Car and bike parks take no arrivals from when they were full (on average) so far.
        for (const auto kind : {routing::TransitAccess::car, routing::TransitAccess::bike}) {
            const auto& avg = exp.lot_full_s[kind == routing::TransitAccess::car ? 0 : 1];
            std::vector<std::int32_t> closes(avg.size(), std::numeric_limits<std::int32_t>::max());
            for (std::size_t l = 0; l < avg.size(); ++l)
                if (avg[l] < mctx.params.end_time_s) closes[l] = static_cast<std::int32_t>(std::lround(avg[l]));
            ctx.transit->set_lot_closing(kind, std::move(closes));
        }
        // The gap's car paths in the day's own times, the replanning's car and transit in the
        // averaged ones. Where those are the same (the first day), one customization of the car
        // hierarchy per hour serves both.
        // (In a block: the requests and their level of service go before the next routes.)
        bool converged = false, last = false;
        choice::ReplanSummary rp;
        {
            const auto gap_rq = gap_requests(out.trip_mode, out.day, in.params.seed, s.travel_time_gap_sample);
            // On a day known to be the last its replanning is only measured: on a subset of the
            // persons drawn when they are many (iterations.last_day_gap_persons).
            const auto rp_rq = choice::replan_requests(in, it, it + 1 == s.max_iterations ? s.last_day_gap_persons : 0);
            routing::RequestLos gap_los, rp_los;
            if (exp.car.time_s == seen.time_s) {
                const std::array<routing::LosBatch, 2> batches{routing::LosBatch{gap_rq, false},
                                                               routing::LosBatch{rp_rq.requests, true}};
                auto both = routing::compute_los_at(ctx, pop, batches, &seen, &out.routes);
                gap_los = std::move(both[0]);
                rp_los = std::move(both[1]);
            } else {
                gap_los = routing::compute_los_at(ctx, pop, gap_rq, &seen, false, &out.routes);
                rp_los = routing::compute_los_at(ctx, pop, rp_rq.requests, &exp.car, true, &out.routes);
            }
            lap(clock, steps.level_of_service);
            rec.travel_time_gap = travel_time_gap(ctx, out.routes, seen, gap_rq, gap_los);
            converged = it > 0 && it + 1 >= s.min_iterations && settled(rec, out.iterations.back(), s);
            last = converged || it + 1 == s.max_iterations;
            // After the last day the replanning is only measured (the gap), not applied.
            rp = choice::replan(in, it, !last, out.plans, rp_rq, rp_los);
        }
        lap(clock, steps.replanning);
        rec.replanning_share = pop.person_count() ? static_cast<double>(rp.persons) / pop.person_count() : 0.0;
        rec.switched_share = rp.tours ? static_cast<double>(rp.switched) / rp.tours : 0.0;
        rec.gap_util = rp.tours ? rp.gap_sum / rp.tours : 0.0;
        rec.relative_gap = rp.utility_abs_sum > 0 ? rp.gap_sum / rp.utility_abs_sum : 0.0;
        rec.converged = converged;
        out.iterations.push_back(rec);
        if (!last) {
            out.day = mobsim::DayResult{};  // what the day taught is in the averages now
            out.trip_mode = choice::trip_modes(pop, out.plans);
            out.trip_dep = choice::trip_departures(pop, out.plans);
            auto reroute = rp.reroute;
            add_reroutes(reroute, out.trip_mode, s, in.params.seed, it);
            out.routes = routing::route_trips(ctx, pop, out.trip_mode, out.trip_dep, reroute, &out.routes,
                                              s.route_on_last_day ? &seen : &exp.car, &out.plans.access);
            lap(clock, steps.routes);
        }
        if (last) {
            if (traced)
                mobsim::add_walk_bike_volumes(mctx, plan, *traced, out.day);
            else
                mobsim::add_walk_bike_volumes(mctx, plan, out.day);
            lap(clock, steps.volumes);
        }
        out.iteration_seconds.push_back(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        say(
            fmt::format("iteration {}: sustainable {} %, car {} %, travel-time gap {:.2f} %, largest share change "
                        "{:.2f} points, relative gap (utility) {:.5f}{}",
                        it, percent(rec.sustainable_share), percent(rec.share_car), 100 * rec.travel_time_gap,
                        100 * rec.share_change, rec.relative_gap, converged ? ", converged" : ""));
        if (last) break;
    }
    return out;
}

core::TripRecord trip_skeleton(const population::Population& pop, std::uint32_t person, std::size_t t, Mode mode) {
    const std::size_t tour = t / 2;
    const bool outbound = t % 2 == 0;
    core::TripRecord r{};
    r.trip_id = t;
    r.person_id = person;
    r.trip_index = static_cast<std::uint16_t>(t - pop.trips_of(person).first);
    r.tour_index = static_cast<std::uint16_t>(tour - pop.tours_of(person).first);
    r.group = static_cast<std::uint8_t>(pop.group[person]);
    r.purpose = static_cast<std::uint8_t>(pop.tour_purpose[tour]);
    r.mode = static_cast<std::uint8_t>(mode);
    r.dest_activity = static_cast<std::uint8_t>(
        outbound ? static_cast<core::Activity>(static_cast<int>(pop.tour_purpose[tour]) + 1) : core::Activity::home);
    r.origin_zone = outbound ? pop.home_zone[person] : pop.tour_zone[tour];
    r.dest_zone = outbound ? pop.tour_zone[tour] : pop.home_zone[person];
    r.origin_node = routing::trip_origin_node(pop, person, t);
    r.dest_node = routing::trip_dest_node(pop, person, t);
    r.board_stop = r.alight_stop = r.first_line = r.last_line = -1;
    return r;
}

namespace {

std::uint32_t ridden_rn(const routing::TripRoutes& routes, const mobsim::DayResult& day, std::size_t leg) {
    return day.leg_board_rn[leg] != core::invalid_index ? day.leg_board_rn[leg] : routes.leg_board_rn[leg];
}

core::TripRecord simulated_trip(const choice::ChoiceInputs& in, const routing::RoutingContext& ctx,
                                const LoopResult& loop, std::size_t t) {
    const auto& pop = in.pop;
    const auto& day = loop.day;
    const auto& routes = loop.routes;
    const auto& tm = *ctx.transit;
    const std::uint32_t person = pop.person_of_tour(t / 2);
    core::TripRecord rec = trip_skeleton(pop, person, t, loop.trip_mode[t]);
    rec.dep_time_s = day.dep_s[t];
    rec.arr_time_s = day.arr_s[t];
    rec.distance_m = day.distance_m[t];
    rec.in_vehicle_s = day.in_vehicle_s[t];
    rec.wait_s = day.wait_s[t];
    rec.access_s = day.access_s[t];
    rec.egress_s = day.egress_s[t];
    rec.transfer_walk_s = day.transfer_walk_s[t];
    std::uint16_t rides = 0;
    for (auto l = routes.trip_first_leg[t]; l < routes.trip_first_leg[t + 1]; ++l) {
        if (routes.leg_kind[l] != routing::LegKind::ride) continue;
        // The line ridden (one of the leg's options), or the planned one where the rider
        // never boarded; the alighting stop is the same for every option.
        const auto rn = ridden_rn(routes, day, l);
        if (rides == 0) {
            rec.board_stop = static_cast<std::int32_t>(tm.rn_stop(rn));
            rec.first_line = static_cast<std::int32_t>(tm.rn_line(rn));
        }
        rec.alight_stop = static_cast<std::int32_t>(tm.rn_stop(routes.leg_board_rn[l] + routes.leg_stops[l]));
        rec.last_line = static_cast<std::int32_t>(tm.rn_line(rn));
        ++rides;
    }
    rec.transfers = rides > 0 ? static_cast<std::uint16_t>(rides - 1) : 0;
    choice::TripOffer offer;
    offer.distance_m[idx(Mode::car)] = day.distance_m[t];
    rec.cost_sek = static_cast<float>(choice::trip_cost_sek(in, t, offer, loop.trip_mode[t]));
    rec.denied_boardings = day.denied[t];
    rec.stuck = day.stuck[t];
    rec.gave_up = day.gave_up[t];
    rec.transit_access = day.access_kind[t];
    return rec;
}

}  // namespace

std::vector<core::TripRecord> simulated_trips(const choice::ChoiceInputs& in, const routing::RoutingContext& ctx,
                                              const LoopResult& loop) {
    std::vector<core::TripRecord> trips(in.pop.trip_count());
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, trips.size(), 4096),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t t = r.begin(); t != r.end(); ++t)
                              trips[t] = simulated_trip(in, ctx, loop, t);
                      });
    return trips;
}

output::RowSource<core::TripRecord> simulated_trip_rows(const choice::ChoiceInputs& in,
                                                        const routing::RoutingContext& ctx, const LoopResult& loop) {
    return {in.pop.trip_count(), [&in, &ctx, &loop](std::size_t first, std::size_t count, core::TripRecord* out) {
                tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 4096),
                                  [&](const tbb::blocked_range<std::size_t>& r) {
                                      for (std::size_t i = r.begin(); i != r.end(); ++i)
                                          out[i] = simulated_trip(in, ctx, loop, first + i);
                                  });
            }};
}

namespace {

core::LegRecord leg_record(const population::Population& pop, const routing::RoutingContext& ctx,
                           const LoopResult& loop, std::size_t l) {
    const auto& routes = loop.routes;
    const auto& day = loop.day;
    const auto& tm = *ctx.transit;
    const auto t = static_cast<std::size_t>(
        std::upper_bound(routes.trip_first_leg.begin(), routes.trip_first_leg.end(), static_cast<std::uint32_t>(l)) -
        routes.trip_first_leg.begin() - 1);
    const auto person = pop.person_of_tour(t / 2);
    core::LegRecord rec{};
    rec.trip_id = t;
    rec.person_id = person;
    rec.leg_index = static_cast<std::uint16_t>(l - routes.trip_first_leg[t]);
    rec.line = rec.vehicle_trip = rec.board_stop = rec.alight_stop = -1;
    switch (routes.leg_kind[l]) {
        case routing::LegKind::walk:
            rec.mode = static_cast<std::uint8_t>(Mode::walk);
            break;
        case routing::LegKind::bike:
            rec.mode = static_cast<std::uint8_t>(Mode::bike);
            break;
        case routing::LegKind::car:
            rec.mode = static_cast<std::uint8_t>(Mode::car);
            break;
        case routing::LegKind::ride: {
            rec.mode = static_cast<std::uint8_t>(Mode::transit);
            const auto rn = ridden_rn(routes, day, l);
            rec.line = static_cast<std::int32_t>(tm.rn_line(rn));
            rec.vehicle_trip = day.leg_vehicle_trip[l];
            rec.board_stop = static_cast<std::int32_t>(tm.rn_stop(rn));
            rec.alight_stop = static_cast<std::int32_t>(tm.rn_stop(routes.leg_board_rn[l] + routes.leg_stops[l]));
            break;
        }
    }
    rec.start_s = day.leg_start_s[l];
    rec.board_s = routes.leg_kind[l] == routing::LegKind::ride ? day.leg_board_s[l] : day.leg_start_s[l];
    rec.end_s = day.leg_end_s[l];
    rec.distance_m = day.leg_distance_m[l];
    rec.denied_boardings = day.leg_denied[l];
    return rec;
}

}  // namespace

output::SimulationSources simulation_sources(const population::Population& pop, const routing::RoutingContext& ctx,
                                             const LoopResult& loop) {
    output::SimulationSources sources;
    sources.legs = {loop.routes.leg_count(),
                    [&pop, &ctx, &loop](std::size_t first, std::size_t count, core::LegRecord* out) {
                        tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 4096),
                                          [&](const tbb::blocked_range<std::size_t>& r) {
                                              for (std::size_t i = r.begin(); i != r.end(); ++i)
                                                  out[i] = leg_record(pop, ctx, loop, first + i);
                                          });
                    }};
    const auto& day = loop.day;
    const std::size_t links = ctx.net.link_count();
    // Their number first, so the records take one block of their size (a million agents on the
    // 100,000-node grid: millions of records, whose vector doubling would hold up to twice that
    // at the run's end, where its peak can fall).
    const auto used = [&](std::size_t i) { return day.cars[i] + day.buses[i] + day.walkers[i] + day.cyclists[i] != 0; };
    std::size_t volumes = 0;
    for (std::size_t i = 0; i < links * 2 * mobsim::volume_hours; ++i) volumes += used(i);
    sources.link_volumes.reserve(volumes);
    for (std::uint32_t link = 0; link < links; ++link)
        for (std::uint8_t dir = 0; dir < 2; ++dir)
            for (std::uint16_t h = 0; h < mobsim::volume_hours; ++h) {
                const std::size_t i = (link * 2 + dir) * mobsim::volume_hours + h;
                if (!used(i)) continue;
                sources.link_volumes.push_back(
                    {link, dir, h, day.cars[i], day.buses[i], day.walkers[i], day.cyclists[i]});
            }
    sources.transit_load = day.transit_load;
    sources.iterations = loop.iterations;
    return sources;
}

}  // namespace flemsim::pipeline
