#include "sim/routing/los.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "sim/routing/dijkstra.hpp"

namespace flemsim::routing {

using core::invalid_index;
using core::Mode;

void TransitColumns::assign(std::size_t n) {
    for (auto* v : {&access_s, &wait_s, &in_vehicle_s, &transfer_walk_s, &egress_s, &crowding_s, &refused_wait_s})
        v->assign(n, 0.0f);
    transfers.assign(n, 0);
}

void TransitColumns::set(std::size_t i, const TransitComponents& c) {
    access_s[i] = static_cast<float>(c.access_s);
    wait_s[i] = static_cast<float>(c.wait_s);
    in_vehicle_s[i] = static_cast<float>(c.in_vehicle_s);
    transfer_walk_s[i] = static_cast<float>(c.transfer_walk_s);
    egress_s[i] = static_cast<float>(c.egress_s);
    transfers[i] = static_cast<std::uint16_t>(c.transfers);
    crowding_s[i] = static_cast<float>(c.crowding_s);
    refused_wait_s[i] = static_cast<float>(c.refused_wait_s);
}

RoutingContext build_routing(const network::Network& net, const scenario::RoutingParams& p) {
    RoutingContext ctx{net,
                       build_street_graph(net, Mode::walk, p.walk_speed_mps),
                       build_street_graph(net, Mode::bike, p.bike_speed_mps),
                       build_street_graph(net, Mode::car, 0.0),
                       nullptr,
                       p};
    ctx.transit = std::make_unique<TransitModel>(net, ctx.walk, p.transit);
    return ctx;
}

RoutingContext build_routing(const network::Network& net, const scenario::Scenario& s) {
    return build_routing(net, scenario::Params::from(s).routing);
}

std::int32_t trip_departure_s(const population::Population& pop, std::size_t trip) {
    const std::size_t tour = trip / 2;
    return trip % 2 == 0 ? pop.tour_depart_s[tour] : pop.tour_return_s[tour];
}

std::uint32_t trip_origin_node(const population::Population& pop, std::uint32_t person, std::size_t trip) {
    return trip % 2 == 0 ? pop.home_node[person] : pop.tour_node[trip / 2];
}

std::uint32_t trip_dest_node(const population::Population& pop, std::uint32_t person, std::size_t trip) {
    return trip % 2 == 0 ? pop.tour_node[trip / 2] : pop.home_node[person];
}

namespace {

using Scratch = RoutingScratch;

}  // namespace

TransitPath transit_path_at(const RoutingContext& ctx, TransitQuery& q, std::uint32_t from, std::uint32_t to,
                            std::int32_t dep, TransitItinerary* itinerary, double u, std::size_t departures) {
    (void)ctx;
    q.run(from, std::max<std::int32_t>(0, dep) / 3600, departures);
    return q.path_to(to, dep, itinerary, u);
}

namespace {

// Transit between zones at a time of day: on a timetable the answer for one exact second
// depends on whether a departure falls just then, so zone-to-zone values are means over
// leaving every 5 minutes of the hour from `time_of_day_s` (a trip whose departure is not
// timed to the service). Found only when at least half of the departures have a journey.
struct MeanTransit {
    bool found = false;
    double total_s = 0, wait_s = 0, in_vehicle_s = 0, walk_s = 0, transfers = 0, total_m = 0;
};
MeanTransit mean_transit(const RoutingContext& ctx, TransitQuery& q, std::uint32_t from, std::uint32_t to,
                         std::int32_t time_of_day_s) {
    constexpr int samples = 12;
    MeanTransit m;
    int n = 0;
    for (int k = 0; k < samples; ++k) {
        const auto p = transit_path_at(ctx, q, from, to, time_of_day_s + k * 300);
        if (!p.found) continue;
        ++n;
        m.total_s += p.total_s();
        m.wait_s += p.wait_s;
        m.in_vehicle_s += p.in_vehicle_s;
        m.walk_s += p.access_s + p.egress_s + p.transfer_walk_s;
        m.transfers += p.transfers;
        m.total_m += p.total_m();
    }
    if (2 * n < samples) return m;
    m.found = true;
    for (double* v : {&m.total_s, &m.wait_s, &m.in_vehicle_s, &m.walk_s, &m.transfers, &m.total_m}) *v /= n;
    return m;
}

}  // namespace

TripLos compute_trip_los(const RoutingContext& ctx, const population::Population& pop) {
    const std::size_t trips = pop.trip_count();
    TripLos los;
    los.available.assign(trips, 0);
    for (auto& v : los.time_s) v.assign(trips, 0.f);
    for (auto& v : los.distance_m) v.assign(trips, 0.f);
    los.pt.assign(trips);
    los.car_drive_s.assign(trips, 0.f);
    for (auto* v : {&los.pt_first_stop, &los.pt_last_stop, &los.pt_first_line, &los.pt_last_line}) v->assign(trips, -1);

    // Trips grouped by origin node, then by departure hour (counting sort: deterministic).
    std::vector<std::uint32_t> trip_person(trips);
    for (std::uint32_t p = 0; p < pop.person_count(); ++p)
        for (const auto t : pop.trips_of(p)) trip_person[t] = p;
    const std::size_t nodes = ctx.net.node_count();
    std::vector<std::uint32_t> first(nodes + 1, 0);
    for (std::size_t t = 0; t < trips; ++t) ++first[trip_origin_node(pop, trip_person[t], t) + 1];
    for (std::size_t n = 0; n < nodes; ++n) first[n + 1] += first[n];
    std::vector<std::uint32_t> order(trips);
    {
        std::vector<std::uint32_t> pos(first.begin(), first.end() - 1);
        for (std::size_t t = 0; t < trips; ++t)
            order[pos[trip_origin_node(pop, trip_person[t], t)]++] = static_cast<std::uint32_t>(t);
    }
    // One profile search per origin and hour serves every trip leaving then.
    for (std::size_t n = 0; n < nodes; ++n)
        std::stable_sort(order.begin() + first[n], order.begin() + first[n + 1], [&](std::uint32_t a, std::uint32_t b) {
            return trip_departure_s(pop, a) / 3600 < trip_departure_s(pop, b) / 3600;
        });

    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    // Walk and bike move at one speed, so a time bound is a distance bound.
    const double walk_limit_s = ctx.params.max_walk_trip_m / ctx.params.walk_speed_mps;
    const double bike_limit_s = ctx.params.max_bike_trip_m / ctx.params.bike_speed_mps;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nodes, 16), [&](const tbb::blocked_range<std::size_t>& r) {
        Scratch& s = scratch.local();
        for (std::size_t origin = r.begin(); origin != r.end(); ++origin) {
            if (first[origin] == first[origin + 1]) continue;
            const auto o = static_cast<std::uint32_t>(origin);
            s.walk.run(o, walk_limit_s * 1.0001);
            s.bike.run(o, bike_limit_s * 1.0001);
            // Car: stopped once every destination of this origin's trips is settled.
            s.targets.clear();
            for (std::uint32_t i = first[origin]; i < first[origin + 1]; ++i)
                s.targets.push_back(trip_dest_node(pop, trip_person[order[i]], order[i]));
            s.car.run_to(o, s.targets);
            std::size_t hour_trips = 0;  // trips of this origin in the hour of trip t
            for (std::uint32_t i = first[origin]; i < first[origin + 1]; ++i) {
                const std::uint32_t t = order[i];
                const std::uint32_t d = trip_dest_node(pop, trip_person[t], t);
                const auto hour_of = [&](std::uint32_t trip) { return trip_departure_s(pop, trip) / 3600; };
                if (i == first[origin] || hour_of(order[i]) != hour_of(order[i - 1]))
                    hour_trips = run_length(order, i, first[origin + 1], hour_of);
                std::uint8_t avail = 0;
                const auto set = [&](Mode m, double time, double dist) {
                    avail |= static_cast<std::uint8_t>(1u << static_cast<unsigned>(m));
                    los.time_s[static_cast<std::size_t>(m)][t] = static_cast<float>(time);
                    los.distance_m[static_cast<std::size_t>(m)][t] = static_cast<float>(dist);
                };
                if (s.walk.reached(d) && s.walk.length_m(d) <= ctx.params.max_walk_trip_m)
                    set(Mode::walk, s.walk.time_s(d), s.walk.length_m(d));
                if (s.bike.reached(d) && s.bike.length_m(d) <= ctx.params.max_bike_trip_m)
                    set(Mode::bike, s.bike.time_s(d), s.bike.length_m(d));
                if (s.car.reached(d)) {
                    set(Mode::car, s.car.time_s(d) + ctx.params.car_access_s, s.car.length_m(d));
                    los.car_drive_s[t] = static_cast<float>(s.car.time_s(d));
                }
                const TransitPath path =
                    transit_path_at(ctx, s.transit, o, d, trip_departure_s(pop, t), nullptr, -1.0, hour_trips);
                if (path.found) {
                    set(Mode::transit, path.total_s(), path.total_m());
                    los.pt.set(t, path);
                    los.pt_first_stop[t] = static_cast<std::int32_t>(path.first_stop);
                    los.pt_last_stop[t] = static_cast<std::int32_t>(path.last_stop);
                    los.pt_first_line[t] = static_cast<std::int32_t>(path.first_line);
                    los.pt_last_line[t] = static_cast<std::int32_t>(path.last_line);
                }
                los.available[t] = avail;
            }
        }
    });
    return los;
}

RequestLos compute_los_at(const RoutingContext& ctx, const population::Population& pop,
                          const std::vector<LosRequest>& requests, const CarTimes* car_times) {
    const std::size_t n = requests.size();
    RequestLos out;
    out.car_ok.assign(n, 0);
    out.transit_ok.assign(n, 0);
    out.pt.assign(n);
    for (auto* v : {&out.car_time_s, &out.car_drive_s, &out.car_distance_m, &out.pt_distance_m}) v->assign(n, 0.f);
    // Requests by origin node, then car hour, and the same hour for transit: one search serves many.
    std::vector<std::uint32_t> origin(n), order(n);
    for (std::size_t i = 0; i < n; ++i) {
        const auto t = requests[i].trip;
        origin[i] = trip_origin_node(pop, pop.person_of_tour(t / 2), t);
        order[i] = static_cast<std::uint32_t>(i);
    }
    const auto hour = [&](std::uint32_t i) { return requests[i].dep_s / 3600; };
    std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (origin[a] != origin[b]) return origin[a] < origin[b];
        if (hour(a) != hour(b)) return hour(a) < hour(b);
        return a < b;
    });
    std::vector<std::size_t> group;
    for (std::size_t k = 0; k < n; ++k)
        if (k == 0 || origin[order[k]] != origin[order[k - 1]]) group.push_back(k);
    group.push_back(n);
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, group.size() - 1, 8), [&](const tbb::blocked_range<std::size_t>& r) {
            Scratch& s = scratch.local();
            for (std::size_t g = r.begin(); g != r.end(); ++g) {
                const auto o = origin[order[group[g]]];
                std::int64_t car_hour = -1;
                std::size_t hour_requests = 0;
                for (std::size_t k = group[g]; k < group[g + 1]; ++k) {
                    const auto i = order[k];
                    const auto t = requests[i].trip;
                    const auto d = trip_dest_node(pop, pop.person_of_tour(t / 2), t);
                    if (hour(i) != car_hour) {
                        car_hour = hour(i);
                        // One search for this origin's requests of the hour, stopped once their
                        // destinations are settled (their times are then final).
                        s.targets.clear();
                        for (auto j = k; j < group[g + 1] && hour(order[j]) == car_hour; ++j) {
                            const auto tj = requests[order[j]].trip;
                            s.targets.push_back(trip_dest_node(pop, pop.person_of_tour(tj / 2), tj));
                        }
                        s.car.run_to(
                            o, s.targets,
                            car_times ? car_times->hour(static_cast<std::size_t>(std::max<std::int64_t>(0, car_hour)))
                                      : nullptr);
                    }
                    if (s.car.reached(d)) {
                        out.car_ok[i] = 1;
                        out.car_drive_s[i] = static_cast<float>(s.car.time_s(d));
                        out.car_time_s[i] = static_cast<float>(s.car.time_s(d) + ctx.params.car_access_s);
                        out.car_distance_m[i] = static_cast<float>(s.car.length_m(d));
                    }
                    // Requests of this origin in this hour: consecutive in the order.
                    if (k == group[g] || hour(i) != hour(order[k - 1]))
                        hour_requests = run_length(order, k, group[g + 1], hour);
                    const auto path =
                        transit_path_at(ctx, s.transit, o, d, requests[i].dep_s, nullptr, -1.0, hour_requests);
                    if (path.found) {
                        out.transit_ok[i] = 1;
                        out.pt.set(i, path);
                        out.pt_distance_m[i] = static_cast<float>(path.total_m());
                    }
                }
            }
        });
    return out;
}

ZoneSkims compute_zone_skims(const RoutingContext& ctx, std::int32_t time_of_day_s) {
    const auto& net = ctx.net;
    const std::size_t nz = net.zone_count();
    ZoneSkims k;
    k.zone_count = nz;
    k.names = {"walk_time_min",   "walk_distance_km", "bike_time_min",     "bike_distance_km",
               "car_time_min",    "car_distance_km",  "transit_time_min",  "transit_wait_min",
               "transit_ivt_min", "transit_walk_min", "transit_transfers", "transit_distance_km"};
    k.values.assign(k.names.size(), std::vector<double>(nz * nz, std::numeric_limits<double>::quiet_NaN()));
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t i) {
        Scratch& s = scratch.local();
        const auto o = net.zone_centroid[i];
        s.walk.run(o);
        s.bike.run(o);
        s.car.run(o);
        for (std::size_t j = 0; j < nz; ++j) {
            const auto d = net.zone_centroid[j];
            const std::size_t c = i * nz + j;
            if (s.walk.reached(d)) k.values[0][c] = s.walk.time_s(d) / 60, k.values[1][c] = s.walk.length_m(d) / 1000;
            if (s.bike.reached(d)) k.values[2][c] = s.bike.time_s(d) / 60, k.values[3][c] = s.bike.length_m(d) / 1000;
            if (s.car.reached(d))
                k.values[4][c] = (s.car.time_s(d) + ctx.params.car_access_s) / 60,
                k.values[5][c] = s.car.length_m(d) / 1000;
            const auto p = mean_transit(ctx, s.transit, o, d, time_of_day_s);
            if (p.found) {
                k.values[6][c] = p.total_s / 60;
                k.values[7][c] = p.wait_s / 60;
                k.values[8][c] = p.in_vehicle_s / 60;
                k.values[9][c] = p.walk_s / 60;
                k.values[10][c] = p.transfers;
                k.values[11][c] = p.total_m / 1000;
            }
        }
    });
    return k;
}

population::ZoneImpedance compute_zone_impedance(const RoutingContext& ctx, std::int32_t time_of_day_s) {
    const auto& net = ctx.net;
    const std::size_t nz = net.zone_count();
    population::ZoneImpedance imp;
    imp.zone_count = nz;
    imp.minutes.assign(nz * nz, std::numeric_limits<double>::infinity());
    tbb::enumerable_thread_specific<Scratch> scratch([&] { return Scratch(ctx); });
    tbb::parallel_for(std::size_t{0}, nz, [&](std::size_t i) {
        Scratch& s = scratch.local();
        const auto o = net.zone_centroid[i];
        s.walk.run(o);
        s.bike.run(o);
        s.car.run(o);
        for (std::size_t j = 0; j < nz; ++j) {
            const auto d = net.zone_centroid[j];
            double best = std::numeric_limits<double>::infinity();
            if (s.walk.reached(d)) best = std::min(best, s.walk.time_s(d));
            if (s.bike.reached(d)) best = std::min(best, s.bike.time_s(d));
            if (s.car.reached(d)) best = std::min(best, s.car.time_s(d) + ctx.params.car_access_s);
            const auto path = mean_transit(ctx, s.transit, o, d, time_of_day_s);
            if (path.found) best = std::min(best, path.total_s);
            imp.minutes[i * nz + j] = best / 60.0;
        }
    });
    for (std::size_t i = 0; i < nz; ++i) {
        double nearest = std::numeric_limits<double>::infinity();
        for (std::size_t j = 0; j < nz; ++j)
            if (j != i) nearest = std::min(nearest, imp.minutes[i * nz + j]);
        imp.minutes[i * nz + i] = std::isfinite(nearest) ? 0.5 * nearest : 0.0;
    }
    return imp;
}

}  // namespace flemsim::routing
