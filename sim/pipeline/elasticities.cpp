#include "sim/pipeline/elasticities.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

#include "sim/core/json.hpp"
#include "sim/core/text.hpp"
#include "sim/network/patch.hpp"
#include "sim/pipeline/run.hpp"
#include "sim/pipeline/service_view.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::pipeline {

using core::Mode;

namespace {

constexpr auto idx = core::mode_index;
constexpr auto bit = core::mode_bit;

// Persons per block of the expected demand: each block sums its persons in order, the blocks
// are added in order, so the sum does not depend on how TBB shares the blocks out.
constexpr std::size_t persons_per_block = 1024;

enum Lever : std::size_t {
    in_vehicle_lever = 0,
    headway_lever,
    fare_lever,
    running_cost_lever,
    parking_lever,
    bike_time_lever,
    lever_count
};
static_assert(lever_count == scenario::elasticity_levers.size());

ElasticityRow make_row(const scenario::Scenario& s, Lever lever, const char* demand, double minus, double base,
                       double plus) {
    ElasticityRow row;
    row.lever = std::string(scenario::elasticity_levers[lever]);
    row.demand = demand;
    row.demand_minus = minus;
    row.demand_base = base;
    row.demand_plus = plus;
    row.elasticity = arc_elasticity(minus, plus);
    const auto& band = s.validation.elasticities[lever];
    row.has_band = band.given;
    if (band.given) {
        row.band_min = band.min;
        row.band_max = band.max;
        row.source = band.source;
        // An elasticity that cannot be measured (no such demand) cannot be shown inside.
        row.inside = std::isfinite(row.elasticity) && row.elasticity >= band.min && row.elasticity <= band.max;
    }
    return row;
}

// The long-run side of a row (the demand models chose again under the lever); the band judges it.
void add_long_run(ElasticityRow& row, double minus, double plus) {
    row.has_long_run = true;
    row.long_minus = minus;
    row.long_plus = plus;
    row.long_run = arc_elasticity(minus, plus);
    if (row.has_band)
        row.inside = std::isfinite(row.long_run) && row.long_run >= row.band_min && row.long_run <= row.band_max;
}

// The levers that scale prices: fares (single and pass), running cost, parking charges.
scenario::ChoiceParams scaled_params(scenario::ChoiceParams p, const LeverScale& scale) {
    p.transit_fare_sek *= scale.transit_fare;
    p.transit_pass_fare_sek *= scale.transit_fare;
    p.car_cost_per_km_sek *= scale.car_cost;
    return p;
}
std::vector<double> scaled_parking(std::vector<double> parking, const LeverScale& scale) {
    for (auto& x : parking) x *= scale.parking;
    return parking;
}

// The levers that scale times, on an offer (a trip's or a zone pair's): time on board and its
// crowding part, bike time.
void scale_times(routing::BasicTransitComponents<float>& pt, const LeverScale& scale) {
    pt.in_vehicle_s = static_cast<float>(pt.in_vehicle_s * scale.transit_in_vehicle);
    pt.crowding_s = static_cast<float>(pt.crowding_s * scale.transit_in_vehicle);
}

void scale_times(choice::TripOffer& o, const LeverScale& scale) {
    scale_times(o.pt, scale);
    o.time_s[idx(Mode::bike)] = static_cast<float>(o.time_s[idx(Mode::bike)] * scale.bike_time);
}

// Every offer of a zone table (its walk, bike and car per pair, its transit per pair and period).
void scale_times(routing::ZoneLosTable& table, const LeverScale& scale) {
    for (auto& o : table.street) scale_times(o, scale);
    for (auto& t : table.transit) scale_times(t.pt, scale);
}

// Writes `value`, or null where it is not a number.
void number_or_null(core::JsonWriter& w, const char* key, double value) {
    w.key(key);
    if (std::isfinite(value))
        w.value(value);
    else
        w.null();
}

std::string thousands(std::uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

// Trips that the level of service offers transit (a journey leaving within max_wait_s).
std::uint64_t transit_offered(const routing::TripLos& los) {
    std::uint64_t n = 0;
    for (std::size_t t = 0; t < los.size(); ++t) n += los.has(t, Mode::transit) ? 1 : 0;
    return n;
}

}  // namespace

double arc_elasticity(double demand_minus, double demand_plus, double step) {
    if (!(demand_minus > 0) || !(demand_plus > 0)) return std::numeric_limits<double>::quiet_NaN();
    return (std::log(demand_plus) - std::log(demand_minus)) / (std::log1p(step) - std::log1p(-step));
}

choice::Probabilities tour_mode_probabilities(const choice::ChoiceInputs& in, const choice::NestedLogit& model,
                                              std::size_t tour, const choice::TripOffer& out,
                                              const choice::TripOffer& back, std::uint8_t& available) {
    const choice::Utilities v = choice::tour_utilities(in, tour, out, back, available);
    if (available != 0) return model.probabilities(v, available);
    // No mode passes the rules: choice::choose_modes takes the first that reaches both ways
    // in this order, whatever the levers.
    choice::Probabilities p{};
    const std::uint8_t reach = out.available & back.available;
    for (const Mode m : {Mode::transit, Mode::walk, Mode::car, Mode::bike})
        if (reach & bit(m)) {
            p[idx(m)] = 1.0;
            break;
        }
    return p;
}

double ExpectedDemand::transit_without_car() const {
    double n = 0;
    for (const auto& group : transit_by_segment) n += group[0];
    return n;
}

ExpectedDemand expected_demand(const choice::ChoiceInputs& in, const LeverScale& scale) {
    // The prices enter through the parameters and the parking table; the times through the
    // offers of each trip, scaled as they are read.
    const scenario::ChoiceParams params = scaled_params(in.params, scale);
    const choice::ChoiceInputs scaled{params, in.net, in.pop, in.los, scaled_parking(in.parking_sek_by_zone, scale)};
    const auto& pop = in.pop;
    const choice::NestedLogit model = choice::mode_model(params);
    const auto scaled_offer = [&](std::size_t trip) {
        choice::TripOffer o = choice::offer_of(in.los, trip);
        scale_times(o, scale);
        return o;
    };

    const std::size_t persons = pop.person_count();
    const std::size_t blocks = (persons + persons_per_block - 1) / persons_per_block;
    std::vector<ExpectedDemand> partial(blocks);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, blocks, 1), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t b = r.begin(); b != r.end(); ++b) {
            ExpectedDemand d;
            const std::size_t end = std::min(persons, (b + 1) * persons_per_block);
            for (std::size_t person = b * persons_per_block; person < end; ++person)
                for (const auto tour : pop.tours_of(person)) {
                    std::uint8_t available = 0;
                    const auto p = tour_mode_probabilities(scaled, model, tour, scaled_offer(2 * tour),
                                                           scaled_offer(2 * tour + 1), available);
                    if (available == 0) ++d.fallback_tours;
                    for (std::size_t m = 0; m < core::mode_count; ++m) d.trips[m] += 2 * p[m];
                    if (in.parking_sek_by_zone[pop.tour_zone[tour]] > 0) d.car_trips_to_charged += p[idx(Mode::car)];
                    const double pt = 2 * p[idx(Mode::transit)];
                    if (p[idx(Mode::transit)] >= 0.9) d.transit_from_captive += pt;
                    d.transit_by_segment[static_cast<std::size_t>(pop.group[person])]
                                        [pop.car_available[person] != 0 ? 1 : 0] += pt;
                }
            partial[b] = d;
        }
    });
    ExpectedDemand total;
    for (const auto& d : partial) {
        for (std::size_t m = 0; m < core::mode_count; ++m) total.trips[m] += d.trips[m];
        total.car_trips_to_charged += d.car_trips_to_charged;
        total.fallback_tours += d.fallback_tours;
        total.transit_from_captive += d.transit_from_captive;
        for (std::size_t g = 0; g < core::group_count; ++g)
            for (std::size_t c = 0; c < 2; ++c) total.transit_by_segment[g][c] += d.transit_by_segment[g][c];
    }
    return total;
}

network::Network with_scaled_headways(const network::Network& net, double factor) {
    network::Network out = net;
    // Lines that run their headway intervals: the departures of each interval factor x as far
    // apart (from its start, as the schedule expands them).
    for (auto& h : out.headway_s) h = std::max<std::int32_t>(1, static_cast<std::int32_t>(std::lround(h * factor)));
    if (net.trip_count() == 0) return out;

    // Lines with timetable trips: per line and direction, the trips in order of departure are
    // a sequence d_0 .. d_(n-1). The scaled service has a trip at every fractional position
    // j * factor of that sequence (j = 0, 1, ... while within it): the departure interpolated
    // between its neighbours, the stop times those of the trip before it, shifted. So the local
    // headway is factor x what the feed has, at every time of the day, with the feed's own run
    // times; the service's first departure stays, its last moves by less than one headway.
    // Blocks do not survive a change of frequency (a new trip belongs to none), and a shifted
    // trip never overtakes the one before it (its times are raised to that trip's where lower).
    out.trip_ids.clear();
    out.trip_line.clear();
    out.trip_direction.clear();
    out.trip_block.clear();
    out.trip_first_time.assign(1, 0);
    out.trip_arrive_s.clear();
    out.trip_depart_s.clear();
    std::vector<std::uint32_t> order(net.trip_count());
    std::iota(order.begin(), order.end(), 0u);
    const auto first_depart = [&](std::uint32_t t) { return net.trip_depart_s[net.trip_first_time[t]]; };
    std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
        if (net.trip_line[a] != net.trip_line[b]) return net.trip_line[a] < net.trip_line[b];
        if (net.trip_direction[a] != net.trip_direction[b]) return net.trip_direction[a] < net.trip_direction[b];
        return first_depart(a) < first_depart(b);
    });
    for (std::size_t b = 0; b < order.size();) {
        std::size_t e = b + 1;
        while (e < order.size() && net.trip_line[order[e]] == net.trip_line[order[b]] &&
               net.trip_direction[order[e]] == net.trip_direction[order[b]])
            ++e;
        const std::size_t n = e - b;
        const std::size_t first_new = out.trip_ids.size();
        for (std::size_t j = 0;; ++j) {
            const double x = static_cast<double>(j) * factor;
            if (x > static_cast<double>(n - 1) + 1e-9) break;
            std::size_t k = static_cast<std::size_t>(std::floor(x + 1e-9));
            double frac = x - static_cast<double>(k);
            if (k >= n - 1 || frac < 1e-9) frac = 0;
            k = std::min(k, n - 1);
            const std::uint32_t src = order[b + k];
            const std::int32_t shift = frac > 0 ? static_cast<std::int32_t>(std::lround(
                                                      frac * (first_depart(order[b + k + 1]) - first_depart(src))))
                                                : 0;
            out.trip_ids.push_back(net.trip_ids[src] + "~" + std::to_string(j));
            out.trip_line.push_back(net.trip_line[src]);
            out.trip_direction.push_back(net.trip_direction[src]);
            out.trip_block.emplace_back();
            const std::uint32_t f = net.trip_first_time[src], stops = net.trip_first_time[src + 1] - f;
            const std::size_t prev = out.trip_arrive_s.size() - stops;  // the previous new trip's times
            const bool has_prev = out.trip_ids.size() - 1 > first_new;
            for (std::uint32_t i = 0; i < stops; ++i) {
                std::int32_t arrive = net.trip_arrive_s[f + i] + shift;
                std::int32_t depart = net.trip_depart_s[f + i] + shift;
                if (has_prev) {
                    arrive = std::max(arrive, out.trip_arrive_s[prev + i]);
                    depart = std::max(depart, out.trip_depart_s[prev + i]);
                }
                out.trip_arrive_s.push_back(arrive);
                out.trip_depart_s.push_back(std::max(depart, arrive));
            }
            out.trip_first_time.push_back(static_cast<std::uint32_t>(out.trip_arrive_s.size()));
        }
        b = e;
    }
    return out;
}

bool ElasticityResult::all_inside() const {
    return std::all_of(rows.begin(), rows.end(), [](const ElasticityRow& r) { return r.inside; });
}

ElasticityResult compute_elasticities(const scenario::Scenario& s, int threads,
                                      const std::function<void(const std::string&)>& progress) {
    const auto started = std::chrono::steady_clock::now();
    const auto say = [&](const std::string& line) {
        if (progress)
            progress(fmt::format("{} ({:.1f} s)", line,
                                 std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()));
    };
    ElasticityResult r;
    r.scenario_name = s.name;
    r.seed = s.seed;
    r.threads = threads > 0 ? threads : s.threads > 0 ? s.threads : tbb::info::default_concurrency();
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(r.threads));

    // The static level of service of a run (run.cpp): network, population, routes.
    const auto net = network::load_scenario_network(s);
    const auto zones = population::resolve_zone_data(s, net);
    const auto parking = choice::parking_by_zone(s, net);
    const auto params = scenario::Params::from(s);
    const auto ctx = routing::build_routing(net, params.routing);
    std::optional<ServiceLevel> level;
    if (s.demand.given) level.emplace(ctx, s, params.choice, parking);
    const auto imp = synthesis_impedance(s, ctx);
    const auto pop = population::synthesize(s, net, zones, imp, nullptr, level ? &level->view() : nullptr);
    r.persons = pop.person_count();
    r.tours = pop.tour_count();
    say("population: " + thousands(r.persons) + " persons, " + thousands(r.tours) + " tours");
    const auto los = routing::compute_trip_los(ctx, pop);
    say("level of service");
    const choice::ChoiceInputs in{params.choice, net, pop, los, parking};
    const ExpectedDemand base = expected_demand(in);
    r.fallback_tours = base.fallback_tours;
    const double base_transit = base.trips[idx(Mode::transit)];
    if (base_transit > 0) {
        r.transit_captive_share = base.transit_from_captive / base_transit;
        r.transit_without_car_share = base.transit_without_car() / base_transit;
    }
    const auto at = [&](LeverScale scale) { return expected_demand(in, scale); };
    // The long run: the demand models choose again under the lever (prices through the choice
    // parameters and the parking table, times through the zone offers, frequency through a
    // network with scaled headways), then the trips' level of service and the expected demand.
    const auto again_on = [&](const LeverScale& scale, const network::Network& n, const routing::RoutingContext& c,
                              routing::ZoneLosTable table) {
        scale_times(table, scale);
        const ServiceLevel lever_level(std::move(table), scaled_params(params.choice, scale),
                                       scaled_parking(parking, scale));
        const auto lever_pop = population::synthesize(s, n, zones, imp, nullptr, &lever_level.view());
        const auto lever_los = routing::compute_trip_los(c, lever_pop);
        const choice::ChoiceInputs lever_in{params.choice, n, lever_pop, lever_los, parking};
        return expected_demand(lever_in, scale);
    };
    const auto again = [&](const LeverScale& scale, const network::Network* scaled_net) {
        if (!scaled_net) return again_on(scale, net, ctx, level->table());
        const auto c = routing::build_routing(*scaled_net, params.routing);
        return again_on(scale, *scaled_net, c,
                        routing::compute_zone_los_by_period(c, s.demand.period_min * 60, s.demand.samples_per_period));
    };
    const bool long_run = level.has_value();
    constexpr double lo = 1 - elasticity_step, hi = 1 + elasticity_step;
    const auto transit = idx(Mode::transit), car = idx(Mode::car), bike = idx(Mode::bike);

    const auto ivt_minus = at({.transit_in_vehicle = lo}), ivt_plus = at({.transit_in_vehicle = hi});
    const auto fare_minus = at({.transit_fare = lo}), fare_plus = at({.transit_fare = hi});
    for (std::size_t g = 0; g < core::group_count; ++g)
        for (std::size_t c = 0; c < 2; ++c) {
            const double d0 = base.transit_by_segment[g][c];
            if (!(d0 > 0)) continue;
            r.segments.push_back(
                {std::string(core::group_names[g]), c == 1, d0,
                 arc_elasticity(ivt_minus.transit_by_segment[g][c], ivt_plus.transit_by_segment[g][c]),
                 arc_elasticity(fare_minus.transit_by_segment[g][c], fare_plus.transit_by_segment[g][c])});
        }
    {
        const auto& m = ivt_minus;
        const auto& p = ivt_plus;
        say("transit in-vehicle time");
        r.rows.push_back(
            make_row(s, in_vehicle_lever, "transit trips", m.trips[transit], base.trips[transit], p.trips[transit]));
        if (long_run) {
            add_long_run(r.rows.back(), again({.transit_in_vehicle = lo}, nullptr).trips[transit],
                         again({.transit_in_vehicle = hi}, nullptr).trips[transit]);
            say("transit in-vehicle time, demand chosen again");
        }
    }
    {
        // Frequency is 1 / headway: its minus side is the headways x 1.1, its plus side x 0.9,
        // and ln(1 / 0.9) - ln(1 / 1.1) is the same denominator as the other levers'.
        const auto demand_with_headways = [&](double factor) {
            const auto scaled_net = with_scaled_headways(net, factor);
            const auto scaled_ctx = routing::build_routing(scaled_net, params.routing);
            const auto scaled_los = routing::compute_trip_los(scaled_ctx, pop);
            const choice::ChoiceInputs scaled_in{params.choice, scaled_net, pop, scaled_los, parking};
            r.transit_offered[factor > 1 ? 0 : 2] = transit_offered(scaled_los);
            return expected_demand(scaled_in).trips[transit];
        };
        r.transit_offered[1] = transit_offered(los);
        const double m = demand_with_headways(hi);
        say("level of service with the headways x " + fmt::format("{:g}", hi));
        const double p = demand_with_headways(lo);
        say("level of service with the headways x " + fmt::format("{:g}", lo));
        r.rows.push_back(make_row(s, headway_lever, "transit trips", m, base.trips[transit], p));
        if (long_run) {
            const auto longer = with_scaled_headways(net, hi), shorter = with_scaled_headways(net, lo);
            add_long_run(r.rows.back(), again({}, &longer).trips[transit], again({}, &shorter).trips[transit]);
            say("headways, demand chosen again");
        }
    }
    {
        const auto& m = fare_minus;
        const auto& p = fare_plus;
        r.rows.push_back(
            make_row(s, fare_lever, "transit trips", m.trips[transit], base.trips[transit], p.trips[transit]));
        if (long_run)
            add_long_run(r.rows.back(), again({.transit_fare = lo}, nullptr).trips[transit],
                         again({.transit_fare = hi}, nullptr).trips[transit]);
    }
    {
        const auto m = at({.car_cost = lo}), p = at({.car_cost = hi});
        r.rows.push_back(make_row(s, running_cost_lever, "car trips", m.trips[car], base.trips[car], p.trips[car]));
        if (long_run)
            add_long_run(r.rows.back(), again({.car_cost = lo}, nullptr).trips[car],
                         again({.car_cost = hi}, nullptr).trips[car]);
    }
    {
        const auto m = at({.parking = lo}), p = at({.parking = hi});
        r.rows.push_back(make_row(s, parking_lever, "car trips to charged places", m.car_trips_to_charged,
                                  base.car_trips_to_charged, p.car_trips_to_charged));
        if (long_run)
            add_long_run(r.rows.back(), again({.parking = lo}, nullptr).car_trips_to_charged,
                         again({.parking = hi}, nullptr).car_trips_to_charged);
    }
    {
        const auto m = at({.bike_time = lo}), p = at({.bike_time = hi});
        r.rows.push_back(make_row(s, bike_time_lever, "bike trips", m.trips[bike], base.trips[bike], p.trips[bike]));
        if (long_run)
            add_long_run(r.rows.back(), again({.bike_time = lo}, nullptr).trips[bike],
                         again({.bike_time = hi}, nullptr).trips[bike]);
        say("the other levers");
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return r;
}

std::string elasticities_table(const ElasticityResult& r) {
    std::size_t source_width = 6;
    for (const auto& row : r.rows) source_width = std::max(source_width, row.source.size());
    std::string t =
        fmt::format("Arc elasticities of {} (each lever -10 % and +10 %, expected trips of {} persons, {} tours)\n",
                    r.scenario_name, thousands(r.persons), thousands(r.tours));
    const bool long_run = !r.rows.empty() && r.rows.front().has_long_run;
    const auto number = [](double x) { return std::isfinite(x) ? fmt::format("{:+.3f}", x) : std::string("n/a"); };
    t += fmt::format("{:<24} {:<28} {:>10} {:>10} {:>10} {:>10} {:>10}  {:<16} {} {}\n", "lever", "demand measured",
                     "D-", "D0", "D+", "short run", long_run ? "long run" : "", "band",
                     core::pad_right("source", source_width), "result");
    for (const auto& row : r.rows) {
        const std::string band = row.has_band ? fmt::format("{:+.2f} to {:+.2f}", row.band_min, row.band_max) : "none";
        const char* result = !row.has_band ? "not judged" : row.inside ? "ok" : "OUTSIDE";
        t += fmt::format("{:<24} {:<28} {:>10.1f} {:>10.1f} {:>10.1f} {:>10} {:>10}  {:<16} {} {}\n", row.lever,
                         row.demand, row.demand_minus, row.demand_base, row.demand_plus, number(row.elasticity),
                         row.has_long_run ? number(row.long_run) : "", band,
                         core::pad_right(row.has_band ? row.source : "-", source_width), result);
    }
    t += "Elasticity = (ln D+ - ln D-) / (ln 1.1 - ln 0.9); for transit_headway the lever is the frequency\n"
         "(D- with the headways x 1.1, D+ with them x 0.9). D-, D0, D+: the short run (the same population).\n";
    if (long_run)
        t += "Short run: the mode choice alone, on the same population. Long run: the demand models choose\n"
             "again under the lever (destinations, cars and passes, staying home, departure periods); the\n"
             "band judges the long run.\n";
    t += fmt::format(
        "Trips offered transit (a departure within max_wait_s): {} with the headways x 1.1, {} as they "
        "are, {} x 0.9.\n",
        thousands(r.transit_offered[0]), thousands(r.transit_offered[1]), thousands(r.transit_offered[2]));
    t += fmt::format(
        "Of the expected transit trips, {:.1f} % come from tours with a transit probability of 0.9 or more "
        "(they hardly react) and {:.1f} % from persons without a car.\n",
        100 * r.transit_captive_share, 100 * r.transit_without_car_share);
    if (!r.segments.empty()) {
        t += "Transit by segment (short run):\n";
        t += fmt::format("  {:<18} {:<6} {:>12} {:>8} {:>16} {:>10}\n", "group", "car", "transit trips", "share",
                         "in-vehicle time", "fare");
        double total = 0;
        for (const auto& seg : r.segments) total += seg.transit_trips;
        const auto number = [](double x) { return std::isfinite(x) ? fmt::format("{:+.3f}", x) : std::string("n/a"); };
        for (const auto& seg : r.segments)
            t += fmt::format("  {:<18} {:<6} {:>12.1f} {:>7.1f}% {:>16} {:>10}\n", seg.group, seg.car ? "yes" : "no",
                             seg.transit_trips, total > 0 ? 100 * seg.transit_trips / total : 0.0,
                             number(seg.in_vehicle_time), number(seg.fare));
    }
    return t;
}

std::string elasticities_json(const ElasticityResult& r) {
    core::JsonWriter w;
    w.begin_object();
    w.key("scenario").value(r.scenario_name);
    w.key("seed").value(static_cast<unsigned long long>(r.seed));
    w.key("step").value(elasticity_step);
    w.key("formula").value(
        "(ln D(+step) - ln D(-step)) / (ln(1 + step) - ln(1 - step)); transit_headway: of frequency");
    w.key("demand").value("expected trips: the sum of the choice probabilities over all trips");
    w.key("persons").value(static_cast<unsigned long long>(r.persons));
    w.key("tours").value(static_cast<unsigned long long>(r.tours));
    w.key("fallback_tours").value(static_cast<unsigned long long>(r.fallback_tours));
    w.key("trips_offered_transit").begin_object();
    w.key("headways_x1.1").value(static_cast<unsigned long long>(r.transit_offered[0]));
    w.key("base").value(static_cast<unsigned long long>(r.transit_offered[1]));
    w.key("headways_x0.9").value(static_cast<unsigned long long>(r.transit_offered[2]));
    w.end_object();
    w.key("transit_captive_share").value(r.transit_captive_share);
    w.key("transit_without_car_share").value(r.transit_without_car_share);
    w.key("segments").begin_array();
    for (const auto& seg : r.segments) {
        w.begin_object();
        w.key("group").value(seg.group);
        w.key("car_available").value(seg.car);
        w.key("transit_trips").value(seg.transit_trips);
        number_or_null(w, "in_vehicle_time", seg.in_vehicle_time);
        number_or_null(w, "fare", seg.fare);
        w.end_object();
    }
    w.end_array();
    w.key("levers").begin_array();
    for (const auto& row : r.rows) {
        w.begin_object();
        w.key("lever").value(row.lever);
        w.key("demand").value(row.demand);
        w.key("demand_minus").value(row.demand_minus);
        w.key("demand_base").value(row.demand_base);
        w.key("demand_plus").value(row.demand_plus);
        number_or_null(w, "elasticity", row.elasticity);
        if (row.has_long_run) {
            w.key("long_run").begin_object();
            w.key("demand_minus").value(row.long_minus);
            w.key("demand_plus").value(row.long_plus);
            number_or_null(w, "elasticity", row.long_run);
            w.end_object();
        }
        w.key("band");
        if (row.has_band) {
            w.begin_object();
            w.key("min").value(row.band_min);
            w.key("max").value(row.band_max);
            w.key("source").value(row.source);
            w.end_object();
        } else {
            w.null();
        }
        w.key("result").value(!row.has_band ? "not judged" : row.inside ? "ok" : "outside");
        w.end_object();
    }
    w.end_array();
    w.key("all_inside").value(r.all_inside());
    w.end_object();
    return w.str() + "\n";
}

}  // namespace flemsim::pipeline
