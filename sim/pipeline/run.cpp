#include "sim/pipeline/run.hpp"

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <optional>

#include "sim/choice/replanning.hpp"
#include "sim/choice/tour_choice.hpp"
#include "sim/core/atomic_file.hpp"
#include "sim/core/records.hpp"
#include "sim/core/sha256.hpp"
#include "sim/core/version.hpp"
#include "sim/mobsim/mobsim.hpp"
#include "sim/network/patch.hpp"
#include "sim/output/gis.hpp"
#include "sim/output/trip_log.hpp"
#include "sim/pipeline/day_loop.hpp"
#include "sim/pipeline/service_view.hpp"
#include "sim/population/population.hpp"
#include "sim/routing/los.hpp"
#include "sim/routing/routes.hpp"

namespace flemsim::pipeline {

using core::Mode;

namespace {

// Destination choice uses the level of service of the morning peak.
constexpr std::int32_t impedance_time_s = 8 * 3600;

class Stopwatch {
public:
    explicit Stopwatch(std::vector<StageTime>& out) : m_out(out) {}
    void lap(std::string stage) {
        const auto now = std::chrono::steady_clock::now();
        m_out.push_back({std::move(stage), std::chrono::duration<double>(now - m_last).count()});
        m_last = now;
    }

private:
    std::vector<StageTime>& m_out;
    std::chrono::steady_clock::time_point m_last = std::chrono::steady_clock::now();
};

std::string thousands(std::uint64_t v) {
    std::string s = std::to_string(v);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

output::Lookups make_lookups(const network::Network& net) {
    output::Lookups l;
    for (std::size_t z = 0; z < net.zone_count(); ++z) {
        const auto c = net.zone_centroid[z];
        const auto [lat, lon] = net.to_lat_lon(net.node_x_m[c], net.node_y_m[c]);
        l.zones.push_back({net.zone_ids[z], net.zone_names[z],
                           net.zone_kind[z] == network::ZoneKind::study ? "study" : "gateway", net.node_x_m[c],
                           net.node_y_m[c], lat, lon});
    }
    for (std::size_t s = 0; s < net.stop_count(); ++s) {
        const auto n = net.stop_node[s];
        const auto [lat, lon] = net.to_lat_lon(net.node_x_m[n], net.node_y_m[n]);
        l.stops.push_back({net.stop_ids[s], net.stop_names[s], net.node_x_m[n], net.node_y_m[n], lat, lon});
    }
    for (std::size_t i = 0; i < net.line_count(); ++i)
        l.lines.push_back({net.line_ids[i], net.line_names[i], network::line_mode_name(net.line_mode[i])});
    for (std::size_t i = 0; i < net.link_count(); ++i)
        l.links.push_back({net.link_ids[i], net.node_ids[net.link_from[i]], net.node_ids[net.link_to[i]],
                           net.link_type[i], net.link_name[i], net.link_length_m[i], net.link_capacity_veh_per_h[i]});
    return l;
}

std::vector<std::pair<std::string, std::string>> input_hashes(const scenario::Scenario& s,
                                                              const network::Network& net) {
    std::vector<std::pair<std::string, std::string>> h;
    for (const auto& f : s.chain) h.emplace_back("scenario/" + f.filename().string(), core::sha256_file_hex(f));
    h.emplace_back("scenario (effective)", core::sha256_hex(s.effective_yaml));
    for (const auto& [f, hash] : net.file_hashes) h.emplace_back("network/" + f, hash);
    return h;
}

core::TripRecord make_trip(const population::Population& pop, const routing::TripLos& los,
                           const choice::ChoiceInputs& in, const std::vector<Mode>& modes, std::uint32_t person,
                           std::size_t t) {
    const std::size_t tour = t / 2;
    const Mode m = modes[tour];
    const auto mi = static_cast<std::size_t>(m);
    core::TripRecord r = trip_skeleton(pop, person, t, m);
    r.dep_time_s = routing::trip_departure_s(pop, t);
    const double total = los.time_s[mi][t];
    r.arr_time_s = r.dep_time_s + static_cast<std::int32_t>(std::lround(total));
    r.distance_m = los.distance_m[mi][t];
    switch (m) {
        case Mode::walk:
            r.access_s = static_cast<float>(total);
            break;
        case Mode::bike:
            r.in_vehicle_s = static_cast<float>(total);
            break;
        case Mode::car:
            r.in_vehicle_s = los.car_drive_s[t];
            r.access_s = static_cast<float>((total - los.car_drive_s[t]) / 2);
            r.egress_s = static_cast<float>((total - los.car_drive_s[t]) / 2);
            break;
        case Mode::transit:
            const auto pt = los.pt.at(t);
            r.access_s = pt.access_s;
            r.wait_s = pt.wait_s;
            r.in_vehicle_s = pt.in_vehicle_s;
            r.transfer_walk_s = pt.transfer_walk_s;
            r.egress_s = pt.egress_s;
            // The drive or ride of park-and-ride and bike-and-ride is time in a vehicle.
            r.in_vehicle_s += pt.ride_s;
            r.transit_access = pt.access_kind;
            r.transfers = static_cast<std::uint16_t>(pt.transfers);
            r.board_stop = los.pt_first_stop[t];
            r.alight_stop = los.pt_last_stop[t];
            r.first_line = los.pt_first_line[t];
            r.last_line = los.pt_last_line[t];
            break;
    }
    r.cost_sek = static_cast<float>(choice::trip_cost_sek(in, t, m));
    return r;
}

struct Prepared {
    network::Network net;
    population::ZoneData zones;
    std::vector<double> parking;
};

Prepared prepare(const scenario::Scenario& s) {
    Prepared p{network::load_scenario_network(s), {}, {}};
    p.zones = population::resolve_zone_data(s, p.net);
    p.parking = choice::parking_by_zone(s, p.net);
    return p;
}

int resolve_threads(const scenario::Scenario& s, const RunOptions& o) {
    const int t = o.threads >= 0 ? o.threads : s.threads;
    return t > 0 ? t : tbb::info::default_concurrency();
}

// Study zones that a mode cannot reach from other study zones, or leave for them, at 08:00
// (the skims' centroid-to-centroid paths: NaN where a mode has none).
std::vector<report::ZoneUnreachable> zones_unreachable(const routing::RoutingContext& ctx) {
    const auto& net = ctx.net;
    const auto skims = routing::compute_zone_skims(ctx, 8 * 3600);
    const std::size_t nz = skims.zone_count;
    std::vector<report::ZoneUnreachable> out;
    for (std::size_t j = 0; j < nz; ++j) {
        if (net.zone_kind[j] != network::ZoneKind::study) continue;
        for (std::size_t m = 0; m < core::mode_count; ++m) {
            const std::string name = std::string(core::mode_names[m]) + "_time_min";
            const auto k =
                static_cast<std::size_t>(std::find(skims.names.begin(), skims.names.end(), name) - skims.names.begin());
            if (k >= skims.names.size()) continue;
            const auto& t = skims.values[k];
            int missing = 0;
            for (std::size_t i = 0; i < nz; ++i)
                if (i != j && net.zone_kind[i] == network::ZoneKind::study &&
                    (!std::isfinite(t[i * nz + j]) || !std::isfinite(t[j * nz + i])))
                    ++missing;
            if (missing > 0) out.push_back({net.zone_ids[j], std::string(core::mode_names[m]), missing});
        }
    }
    return out;
}

}  // namespace

std::string creation_time_utc() {
    std::time_t now = std::time(nullptr);
    if (const char* e = std::getenv("SOURCE_DATE_EPOCH")) now = static_cast<std::time_t>(std::strtoll(e, nullptr, 10));
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::vector<std::string> validate(const scenario::Scenario& s) {
    std::vector<std::string> lines;
    lines.push_back("scenario " + s.name + ": " + std::to_string(s.chain.size()) + " file(s), " +
                    std::to_string(s.land_use.size()) + " zones with land use");
    const Prepared p = prepare(s);
    const auto& net = p.net;
    if (s.tree.find("network_patch")) lines.push_back("network patch applied (network_patch)");
    lines.push_back("network " + net.name + ": " + thousands(net.node_count()) + " nodes, " +
                    thousands(net.link_count()) + " links, " + std::to_string(net.zone_count()) + " zones, " +
                    std::to_string(net.stop_count()) + " stops, " + std::to_string(net.line_count()) + " lines");
    const auto ctx = routing::build_routing(net, s);
    const auto imp = routing::compute_zone_impedance(ctx, impedance_time_s);
    // Every study zone with jobs or study places must be reachable from some gateway, and
    // every pair of study zones from each other.
    for (std::size_t j = 0; j < net.zone_count(); ++j) {
        if (net.zone_kind[j] != network::ZoneKind::study) continue;
        for (std::size_t i = 0; i < net.zone_count(); ++i)
            if (!std::isfinite(imp.at(i, j)))
                throw core::InputError(
                    {(net.folder / "zones.csv").string(), net.zone_line[j], 1},
                    "zone '" + net.zone_ids[j] + "' cannot be reached from zone '" + net.zone_ids[i] + "' by any mode");
    }
    lines.push_back("level of service: every study zone reachable from every zone");
    double residents = 0, jobs = 0, places = 0;
    for (const auto& u : s.land_use) residents += u.residents, jobs += u.jobs, places += u.study_places;
    lines.push_back("land use: " + thousands(static_cast<std::uint64_t>(residents)) + " residents, " +
                    thousands(static_cast<std::uint64_t>(jobs)) + " jobs, " +
                    thousands(static_cast<std::uint64_t>(places)) + " study places (scale " +
                    std::to_string(s.population.scale) + ")");
    return lines;
}

core::OutputFolderRules run_output_rules() {
    // Besides the run's own files, what other commands add beside a trip log (export, report --html)
    // and what a sweep keeps in a run's folder.
    std::vector<std::string> files{"trips.h5", "modal_split.json", "done.json", "stderr.txt"};
    const auto exported = output::export_file_names();
    files.insert(files.end(), exported.begin(), exported.end());
    return {"run", {"export"}, files};
}

population::ZoneImpedance synthesis_impedance(const scenario::Scenario& s, const routing::RoutingContext& ctx) {
    return s.demand.given ? population::ZoneImpedance{} : routing::compute_zone_impedance(ctx, impedance_time_s);
}

RunResult run(const scenario::Scenario& s, const RunOptions& options) {
    RunResult result;
    // The output folder is checked before any work: a run that would be refused at the end must not
    // take minutes first.
    std::optional<core::StagedFolder> out;
    if (options.write_outputs)
        out.emplace(options.output_dir.empty() ? s.output.dir / s.name : options.output_dir, run_output_rules(),
                    options.force);
    result.threads_used = resolve_threads(s, options);
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(result.threads_used));
    const auto say = [&](const std::string& line) {
        if (options.progress) options.progress(line);
    };
    Stopwatch clock(result.timings);

    const Prepared prep = prepare(s);
    const auto& net = prep.net;
    say("network: " + thousands(net.node_count()) + " nodes, " + thousands(net.link_count()) + " links");
    const auto params = scenario::Params::from(s);
    auto ctx = routing::build_routing(net, params.routing);
    const auto imp = synthesis_impedance(s, ctx);
    clock.lap("network and level-of-service set-up");

    // The demand models see the level of service by period (service_view.hpp).
    std::optional<ServiceLevel> level;
    if (s.demand.given) {
        level.emplace(ctx, s, params.choice, prep.parking);
        clock.lap("level of service for the demand models");
    }
    const auto pop =
        population::synthesize(s, net, prep.zones, imp, &result.population, level ? &level->view() : nullptr);
    result.persons = pop.person_count();
    result.trips = pop.trip_count();
    say("population: " + thousands(pop.person_count()) + " persons, " + thousands(pop.trip_count()) + " trips");
    clock.lap("population synthesis");

    // With simulated days to follow, the car's free-flow labels serve the first day's routes too.
    auto los = routing::compute_trip_los(ctx, pop, s.simulation.enabled);
    // A trip's band for calibration: the street distance of its tour's trip out, in km.
    std::vector<float> tour_band_km(pop.trip_count());
    for (std::size_t tour = 0; tour < pop.tour_count(); ++tour)
        tour_band_km[2 * tour] = tour_band_km[2 * tour + 1] =
            static_cast<float>(choice::street_distance_m(choice::offer_of(los, 2 * tour)) / 1000.0);
    clock.lap("level of service");

    choice::ChoiceInputs in{params.choice, net, pop, los, prep.parking};
    choice::ChoiceSummary cs;
    const auto modes = choice::choose_modes(in, &cs);
    result.fallback_tours = cs.fallback_tours;
    clock.lap("mode choice");

    // The trip records are made where they are needed: after the simulated days (not held through
    // them), or from the static level of service.
    std::vector<core::TripRecord> trips;
    LoopResult loop;
    std::vector<report::ZoneUnreachable> unreachable;
    if (s.simulation.enabled) {
        // Boarding and alighting stops and lines of the static journeys serve the static trip
        // records only: the simulated days route their own.
        for (auto* v : {&los.pt_first_stop, &los.pt_last_stop, &los.pt_first_line, &los.pt_last_line})
            std::vector<std::int32_t>().swap(*v);
        loop = run_day_loop(params, ctx, in, modes, say);
        result.simulated = true;
        result.iterations = loop.iterations;
        result.iteration_seconds = loop.iteration_seconds;
        const auto& st = loop.step_seconds;
        result.day_steps = {{"first routes", st.first_routes},
                            {"mobsim (the last day's with the walk and bike paths traced beside it)", st.mobsim},
                            {"averages and level of service for the gap and replanning", st.level_of_service},
                            {"replanning", st.replanning},
                            {"routes anew", st.routes},
                            {"walk and bike volumes", st.volumes}};
        clock.lap("simulated days (" + std::to_string(loop.iterations.size()) + ")");
        los = routing::TripLos{};  // no longer needed: the trips take what the last day gave
        // The zones' unreachable pairs are the last use of the street hierarchies (skims at
        // 8:00, with the transit model as the days left it). They go before the trip records
        // are made: on large networks they hold hundreds of MiB (the grid of 100,000 nodes: about
        // 0.6 GiB), which would add to the run's peak.
        unreachable = zones_unreachable(ctx);
        ctx.cchs = std::make_shared<routing::StreetCchs>();
        trips = simulated_trips(in, ctx, loop);
        std::vector<std::string> line_names(net.line_names), stop_names(net.stop_names);
        result.crowding = report::compute_crowding(loop.day.transit_load, line_names, stop_names);
        report::count_gave_up_waiting(result.crowding, trips);
        report::add_lots(result.crowding, mobsim::lot_records(loop.day), stop_names);
    } else {
        trips.resize(pop.trip_count());
    }
    std::vector<core::PersonRecord> persons(pop.person_count());
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, pop.person_count(), 4096), [&](const tbb::blocked_range<std::size_t>& r) {
            for (std::size_t p = r.begin(); p != r.end(); ++p) {
                const auto person = static_cast<std::uint32_t>(p);
                if (!s.simulation.enabled)
                    for (const std::size_t t : pop.trips_of(p)) trips[t] = make_trip(pop, los, in, modes, person, t);
                auto& pr = persons[p];
                pr.person_id = person;
                pr.group = static_cast<std::uint8_t>(pop.group[p]);
                pr.car_available = pop.car_available[p];
                pr.bike_owner = pop.bike_owner[p];
                pr.transit_pass = pop.transit_pass[p];
                pr.home_zone = pop.home_zone[p];
                pr.home_node = pop.home_node[p];
                pr.work_zone =
                    pop.work_zone[p] == core::invalid_index ? -1 : static_cast<std::int32_t>(pop.work_zone[p]);
                pr.study_zone =
                    pop.study_zone[p] == core::invalid_index ? -1 : static_cast<std::int32_t>(pop.study_zone[p]);
                pr.trip_count = static_cast<std::uint16_t>(pop.trips_of(p).size());
            }
        });
    std::vector<std::uint8_t> gateway_zone(net.zone_count(), 0);
    for (std::size_t z = 0; z < net.zone_count(); ++z) gateway_zone[z] = net.zone_kind[z] == network::ZoneKind::gateway;
    result.split =
        report::compute_modal_split(trips, s.report.distance_bands_km, s.target.sustainable_share, gateway_zone);
    result.by_tour_distance = report::split_by_distance(trips, tour_band_km, s.report.distance_bands_km);
    // What a planner should look at first (the report's "Check these"); a simulated day's from
    // the tables written into the trip log, made here once.
    std::optional<output::SimulationSources> sources;
    {
        report::CheckInputs ci{trips, net.line_names, result.split.transit_wait_over_60};
        if (!s.simulation.enabled) unreachable = zones_unreachable(ctx);
        ci.zones_unreachable = &unreachable;
        if (s.simulation.enabled) {
            sources = simulation_sources(pop, ctx, loop);
            sources->lots = mobsim::lot_records(loop.day);
            ci.transit_load = &sources->transit_load;
            ci.link_volumes = &sources->link_volumes;
            ci.link_ids = &net.link_ids;
            ci.link_capacity = &net.link_capacity_veh_per_h;
            ci.iterations = &result.iterations;
        }
        result.check = report::check_these(ci);
    }
    // A simulated day's trips are made again, block by block, when they are written.
    if (s.simulation.enabled) std::vector<core::TripRecord>().swap(trips);
    result.split.scenario_name = s.name;
    result.split.overrides = s.overrides;
    result.split.packages = s.packages;
    result.split.run = s.simulation.enabled ? "simulated" : "static";
    result.split.seed = s.seed;
    clock.lap("trip records and report");

    if (out) {
        const auto& dir = out->stage();
        output::TripLogMeta meta;
        meta.program_version = core::program_version;
        meta.scenario_name = s.name;
        meta.overrides = s.overrides;
        meta.packages = s.packages;
        meta.zones_unreachable = report::unreachable_lines(unreachable);
        meta.seed = s.seed;
        meta.scenario_yaml = s.effective_yaml;
        meta.input_hashes = input_hashes(s, net);
        meta.created_utc = creation_time_utc();
        meta.target_sustainable_share = s.target.sustainable_share;
        meta.distance_bands_km = s.report.distance_bands_km;
        result.trips_file = out->target() / "trips.h5";
        result.report_file = out->target() / "modal_split.json";
        if (s.simulation.enabled) {
            output::write_trip_log(dir / "trips.h5", meta, make_lookups(net), simulated_trip_rows(in, ctx, loop),
                                   persons, {s.output.compression_level, s.output.chunk_rows}, &*sources);
        } else {
            output::write_trip_log(dir / "trips.h5", meta, make_lookups(net), trips, persons,
                                   {s.output.compression_level, s.output.chunk_rows});
        }
        core::write_file_atomically(
            dir / "modal_split.json",
            s.simulation.enabled
                ? report::modal_split_json(result.split, &result.crowding, &result.iterations, &result.check)
                : report::modal_split_json(result.split, nullptr, nullptr, &result.check));
        out->commit();
        clock.lap("writing outputs");
    }
    return result;
}

}  // namespace flemsim::pipeline
