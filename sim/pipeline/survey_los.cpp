#include "sim/pipeline/survey_los.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "sim/choice/tour_choice.hpp"
#include "sim/core/text.hpp"
#include "sim/network/patch.hpp"
#include "sim/routing/batch.hpp"
#include "sim/scenario/params.hpp"

namespace flemsim::pipeline {

namespace {

using choice::LosField;
using core::Mode;

constexpr std::array<Mode, core::mode_count> modes = {Mode::walk, Mode::bike, Mode::transit, Mode::car};

bool empty_cell(const choice::Survey& survey, std::size_t r, LosField f) {
    return survey.zones.empty[r] & (1u << static_cast<unsigned>(f));
}

void set(choice::Survey& survey, std::size_t r, LosField f, double v) {
    // A cell the record gives is the survey's word; only empty ones are computed, once.
    if (!empty_cell(survey, r, f)) return;
    survey.los[static_cast<std::size_t>(f)][r] = v;
    survey.zones.empty[r] &= static_cast<std::uint16_t>(~(1u << static_cast<unsigned>(f)));
}

// A zone id of a record as a network index; an unknown one is an error at its cell.
std::uint32_t zone_of(const choice::Survey& survey, std::size_t r, const network::Network& net, bool origin) {
    const std::string& id = origin ? survey.zones.origin[r] : survey.zones.destination[r];
    const auto z = net.find_zone(id);
    if (z == core::invalid_index)
        throw core::InputError(
            choice::survey_cell(survey, r, origin ? "origin_zone" : "destination_zone"),
            fmt::format("{}: no zone '{}' in network '{}'", origin ? "origin_zone" : "destination_zone", id, net.name),
            core::did_you_mean(id, net.zone_ids));
    return z;
}

}  // namespace

SurveyLosSummary fill_survey_los(choice::Survey& survey, const scenario::Scenario& s, const network::Network& net,
                                 const routing::RoutingContext& ctx) {
    SurveyLosSummary summary;
    std::vector<std::uint32_t> records;
    for (std::size_t r = 0; r < survey.size(); ++r)
        if (choice::needs_level_of_service(survey, r)) records.push_back(static_cast<std::uint32_t>(r));
    if (records.empty()) return summary;

    const auto params = scenario::Params::from(s);
    const auto parking = choice::parking_by_zone(s, net);
    // Zones first, every one checked before any routing; then one query per record and
    // alternative, from centroid to centroid, in record order (the answers come back in it).
    std::vector<std::uint32_t> destination_zone(records.size());
    std::vector<routing::RouteQuery> queries;
    queries.reserve(records.size() * core::mode_count);
    for (std::size_t k = 0; k < records.size(); ++k) {
        const std::size_t r = records[k];
        const auto o = net.zone_centroid[zone_of(survey, r, net, true)];
        const auto d = net.zone_centroid[destination_zone[k] = zone_of(survey, r, net, false)];
        const auto [from_lat, from_lon] = net.to_lat_lon(net.node_x_m[o], net.node_y_m[o]);
        const auto [to_lat, to_lon] = net.to_lat_lon(net.node_x_m[d], net.node_y_m[d]);
        for (const Mode m : modes)
            queries.push_back({survey.id[r], from_lat, from_lon, to_lat, to_lon, m, survey.zones.departure_s[r]});
    }
    const auto answers = routing::answer_route_queries(ctx, queries);
    summary.records = records.size();
    summary.queries = queries.size();

    const double walk_limit_m = params.routing.max_walk_trip_m, bike_limit_m = params.routing.max_bike_trip_m;
    for (std::size_t k = 0; k < records.size(); ++k) {
        const std::size_t r = records[k];
        // The queries went in mode order: the record's answers are its mode_count rows.
        const routing::RouteAnswer* answer = &answers.rows[k * core::mode_count];
        const auto& walk = answer[core::mode_index(Mode::walk)];
        const auto& bike = answer[core::mode_index(Mode::bike)];
        const auto& car = answer[core::mode_index(Mode::car)];
        const auto& pt = answer[core::mode_index(Mode::transit)];

        // Why each alternative has no level of service ("" where it has one).
        std::array<std::string, core::mode_count> why;
        for (const Mode m : modes) {
            const auto& a = answer[core::mode_index(m)];
            if (!a.found)
                why[core::mode_index(m)] = a.reason.empty() ? fmt::format("no {} path", core::name_of(m)) : a.reason;
        }
        // As in a run, walking and cycling are not offered beyond the scenario's limits.
        if (walk.found && walk.distance_m > walk_limit_m)
            why[core::mode_index(Mode::walk)] = fmt::format(
                "the walk of {:.0f} m is longer than modes.walk.max_trip_m ({:g})", walk.distance_m, walk_limit_m);
        if (bike.found && bike.distance_m > bike_limit_m)
            why[core::mode_index(Mode::bike)] = fmt::format(
                "the ride of {:.0f} m is longer than modes.bike.max_trip_m ({:g})", bike.distance_m, bike_limit_m);

        // An alternative whose cells are to be computed but that has no answer is unavailable.
        for (std::size_t f = 0; f < choice::los_field_count; ++f) {
            const int m = choice::alternative_of(static_cast<LosField>(f));
            if (m < 0 || !empty_cell(survey, r, static_cast<LosField>(f)) || why[static_cast<std::size_t>(m)].empty())
                continue;
            if (!(survey.available[r] & (1u << m))) continue;
            survey.available[r] &= static_cast<std::uint8_t>(~(1u << m));
            ++summary.unavailable[static_cast<std::size_t>(m)];
            if (survey.chosen[r] == m)
                throw core::InputError(
                    choice::survey_cell(survey, r, "chosen"),
                    fmt::format("chosen: the chosen alternative '{}' is not available from zone '{}' to '{}' at {}: {}",
                                core::mode_names[static_cast<std::size_t>(m)], survey.zones.origin[r],
                                survey.zones.destination[r], core::format_clock(survey.zones.departure_s[r]),
                                why[static_cast<std::size_t>(m)]),
                    "flemsim computed the record's level of service on the scenario's network (as `flemsim route` "
                    "answers); give its cells in the survey, or check the zones and the time");
        }

        if (walk.found) set(survey, r, LosField::walk_time_min, walk.time_s / 60.0);
        if (bike.found) set(survey, r, LosField::bike_time_min, bike.time_s / 60.0);
        if (car.found) {
            set(survey, r, LosField::car_time_min, car.time_s / 60.0);
            set(survey, r, LosField::car_access_min, params.routing.car_access_s / 60.0);
            // Parking where the trip ends, as a run charges it where the tour goes.
            set(survey, r, LosField::car_cost_sek,
                params.choice.car_cost_per_km_sek * car.distance_m / 1000.0 + parking[destination_zone[k]]);
        }
        if (pt.found) {
            const auto& c = pt.transit;
            set(survey, r, LosField::transit_in_vehicle_min, c.in_vehicle_s / 60.0);
            set(survey, r, LosField::transit_wait_min, c.wait_s / 60.0);
            set(survey, r, LosField::transit_access_egress_min,
                (c.access_s + c.egress_s + c.transfer_walk_s + c.ride_s) / 60.0);
            set(survey, r, LosField::transit_transfers, static_cast<double>(c.transfers));
            set(survey, r, LosField::transit_cost_sek,
                choice::transit_cost_sek(params.choice, survey.zones.transit_pass[r] == 1, c.access_kind, c.ride_m));
        }
        if (empty_cell(survey, r, LosField::distance_km)) {
            const routing::RouteAnswer* by = walk.found ? &walk : bike.found ? &bike : car.found ? &car : &pt;
            if (!by->found)
                throw core::InputError(
                    choice::survey_cell(survey, r,
                                        survey.los_column[static_cast<std::size_t>(LosField::distance_km)]
                                            ? "distance_km"
                                            : "origin_zone"),
                    fmt::format("distance_km: no alternative reaches zone '{}' from zone '{}' ({})",
                                survey.zones.destination[r], survey.zones.origin[r], why[core::mode_index(Mode::walk)]),
                    "give the record's distance_km, or check the zones");
            set(survey, r, LosField::distance_km, by->distance_m / 1000.0);
        }
    }
    return summary;
}

SurveyLosSummary fill_survey_los(choice::Survey& survey, const scenario::Scenario& s) {
    bool needed = false;
    for (std::size_t r = 0; r < survey.size() && !needed; ++r) needed = choice::needs_level_of_service(survey, r);
    if (!needed) return {};
    const auto net = network::load_scenario_network(s);
    const auto ctx = routing::build_routing(net, s);
    return fill_survey_los(survey, s, net, ctx);
}

}  // namespace flemsim::pipeline
