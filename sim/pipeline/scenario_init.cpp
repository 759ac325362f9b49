#include "sim/pipeline/scenario_init.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace flemsim::pipeline {

namespace {

// The behavioural sections, as Flemingsberg 2017 states them (scenarios/flemingsberg-2017.yaml
// and calibrated-2017.yaml give their sources and reasons). @...@ are filled in.
constexpr std::string_view behaviour = R"~(
# Who lives here. Shares per group: default (Flemingsberg 2017's assumptions; replace them
# with the area's statistics of car ownership, bikes and transit passes).
population:
  scale: 1.0                    # default; 0.1 for a quick first look (then set simulation's capacity factors to 0.1 too)
  employment_rate: 0.48         # default: share of residents who work
  student_rate: 0.10            # default: share of residents in higher education
  attributes:                   # default
    resident:         {car_availability: 0.40, bike_ownership: 0.50, transit_pass: 0.45}
    resident_worker:  {car_availability: 0.60, bike_ownership: 0.60, transit_pass: 0.60}
    resident_student: {car_availability: 0.25, bike_ownership: 0.60, transit_pass: 0.80}
    worker:           {car_availability: 0.65, bike_ownership: 0.55, transit_pass: 0.55}
    student:          {car_availability: 0.25, bike_ownership: 0.50, transit_pass: 0.85}

# Tours per person and weekday by group, departures per hour (00-23), durations: default
# (assumptions shaped after Swedish travel surveys; replace them with the area's survey).
activities:
  work:
    tour_rate: {resident: 0, resident_worker: 0.85, resident_student: 0, worker: 0.85, student: 0}   # default
    departure_profile: [0, 0, 0, 0, 0, 2, 8, 20, 18, 8, 4, 2, 2, 2, 3, 3, 2, 1, 1, 1, 1, 1, 1, 0]    # default
    duration_h: {mean: 8.5, sd: 1.0, min: 2.0}   # default
    gravity_beta_per_min: -0.04                  # default
  study:
    tour_rate: {resident: 0, resident_worker: 0, resident_student: 0.80, worker: 0, student: 0.80}   # default
    departure_profile: [0, 0, 0, 0, 0, 0, 2, 12, 14, 10, 6, 4, 5, 4, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0]   # default
    duration_h: {mean: 6.0, sd: 2.0, min: 1.0}   # default
    gravity_beta_per_min: -0.05                  # default
  other:
    tour_rate: {resident: 1.10, resident_worker: 0.60, resident_student: 0.70, worker: 0.15, student: 0.10}   # default
    departure_profile: [0, 0, 0, 0, 0, 0, 1, 2, 3, 5, 6, 7, 7, 6, 6, 7, 9, 10, 9, 6, 4, 2, 1, 0]   # default
    duration_h: {mean: 1.5, sd: 1.0, min: 0.25}  # default
    gravity_beta_per_min: -0.12                  # default

# The demand models (README: "The demand models"): destinations, in-commuters, mobility tools,
# staying home and departure periods, each seeing the level of service through the mode
# choice's logsum. Coefficients: default (of the order of ActivitySim's example models).
demand:
  period_min: @PERIOD_MIN@
  samples_per_period: @SAMPLES@
  destinations:
    logsum_coefficient: {work: 0.5, study: 0.5, other: 0.7}   # default
    distance_per_km: {work: 0.0, study: 0.0, other: -0.1}     # default
    sample_size: @SAMPLE_SIZE@
    shadow_price_iterations: 20     # default
    shadow_price_tolerance: 0.01    # default
  in_commuters:
    workers: @IN_COMMUTERS@
    students: @IN_COMMUTERS@
    logsum_coefficient: 0.5     # default
    tools: by_place             # default: their car, bike and pass drawn with the gateway, by the place's logsum
    tools_logsum_coefficient: 1.0   # default
  mobility_tools:
    household_size: [0.35, 0.27, 0.15, 0.14, 0.09]   # default: shares of households of 1..5 persons
    cars: {asc_one: 0.3, asc_two_plus: -2.6, per_adult_one: 0.3, per_adult_two_plus: 0.9,
           per_worker_one: 0.6, per_worker_two_plus: 1.0, accessibility: 0.4,
           parking_per_100_sek_month: -0.1}          # default
    transit_pass:               # default
      asc: {resident: 0.3, resident_worker: 1.0, resident_student: 1.9, worker: 0, student: 0}
      accessibility: 0.5
      car_available: -1.2
    bike:                       # default
      asc: {resident: 0.02, resident_worker: 0.36, resident_student: 0.38, worker: 0, student: 0}
      accessibility: 0.3
      car_available: 0.0
    work_weight: 1.0            # default
    all_weight: 1.0             # default
  trip_making:
    stay_home: {resident: 0.25, resident_worker: 0.08, resident_student: 0.10, worker: 0.0, student: 0.0}   # default
    accessibility: 0.0          # default
    reference_accessibility: 0.0   # default
  departure_time:
    logsum_coefficient: 0.5     # default

modes:
  walk: {speed_mps: 1.3, speed_cv: 0.10, max_trip_m: 15000}   # default
  bike: {speed_mps: 4.2, speed_cv: 0.15, max_trip_m: 40000}   # default
  car:
    cost_per_km_sek: 2.5        # default: fuel and wear (SEK; state every money value in one currency)
    access_s: 180               # default: walk to and from the parked car
    default_parking_sek: 0      # default: parking free unless parking_sek says otherwise
    parking_sek: {}             # default: no zone charges (zone: charge per visit)
  transit:
    fare_sek: 39                # default: a single fare
    pass_fare_per_trip_sek: 22  # default: a pass's price per trip
    max_access_walk_m: 2500     # default
    max_transfer_walk_m: 500    # default
    max_wait_s: 1800            # default: no journey leaves later than this after the wanted departure
    min_transfer_s: 180         # default, where the network's transfer rules say nothing
    max_rides: 5                # default
    journey_choice_scale: 5     # default
    attractive_ride_factor: 1.2  # default
    crowding: {onset_load_factor: 0.8, seated_multiplier: 1.2, standing_multiplier: 1.6, crush_multiplier: 2.2}   # default
    park_and_ride: {max_drive_m: 15000}   # default
    bike_and_ride: {max_ride_m: 5000}     # default

simulation:
  enabled: true                 # default: the simulated day (false: the static level of service only)
  end_time: "36:00:00"          # default
  capacity_factor: 1.0          # default: equal to population.scale
  transit_capacity_factor: 1.0  # default: likewise
  vehicle_length_m: 7.5         # default
  stuck_time_s: 10              # default
  max_denied_boardings: 3       # default
  max_give_up_walk_m: 5000      # default

iterations:                     # default: the day-to-day loop (README: "When the loop stops")
  max: 12
  min: 3
  replanning_share: 0.10
  replanning_decay: 0.5
  reroute_share: 0.5
  reroute_decay: 1.0
  route_times: last_day
  experience_weight: 0.5
  departure_window_s: 1800
  shift_per_hour: -1.0
  share_tolerance: 0.003
  time_tolerance: 0.02
  travel_time_gap: 0.02
  travel_time_gap_sample: 0.05
  last_day_gap_persons: 20000

# Bands of `flemsim elasticities`: default (the transport literature's, as commonly cited).
validation:
  elasticities:
    transit_in_vehicle_time: {min: -0.8, max: -0.3,
      source: "Balcombe et al. 2004, TRL Report 593; Paulley et al. 2006, Transport Policy 13"}
    transit_headway: {min: 0.2, max: 0.7,
      source: "Balcombe et al. 2004, TRL Report 593; Paulley et al. 2006, Transport Policy 13"}
    transit_fare: {min: -0.7, max: -0.2,
      source: "Balcombe et al. 2004, TRL Report 593; Paulley et al. 2006, Transport Policy 13"}
    car_running_cost: {min: -0.3, max: -0.05,
      source: "Goodwin, Dargay and Hanly 2004, Transport Reviews 24"}
    parking_charge: {min: -0.4, max: -0.1,
      source: "meta-analyses of parking pricing, e.g. Concas and Nayak 2012"}

# Targets of `flemsim calibrate` by distance band: default (Flemingsberg's assumption after the
# Swedish travel survey's pattern). Replace them with the area's survey and run
# `flemsim calibrate THIS_FILE --output calibrated.yaml`, then add `include: [calibrated.yaml]`.
calibration:
  by_distance_band:
    bands_km: [   1,    3,    5,   10,   20]
    walk:    [0.80, 0.40, 0.07, 0.01, 0.00, 0.00]
    bike:    [0.08, 0.15, 0.15, 0.09, 0.03, 0.00]
    transit: [0.02, 0.12, 0.33, 0.44, 0.50, 0.51]
    car:     [0.10, 0.33, 0.45, 0.46, 0.47, 0.49]
  tolerance: 0.01
  max_rounds: 20

# Nested logit mode choice (README: "The mode-choice model"). Coefficients: default; the
# constants are Flemingsberg 2017's calibrated ones until `flemsim calibrate` gives this
# area's.
mode_choice:
  nests:
    active: {alternatives: [walk, bike], scale: 0.72}   # default
  availability: {walk: always, bike: always, transit: always, car: car_available}   # default
  asc: {walk: 0.0, bike: 0.0, transit: 0.0, car: 0.0}   # default
  asc_by_group:                 # default
    resident_student: {bike: 0.3, car: -0.8}
    student: {bike: 0.3, car: -0.8}
  asc_by_purpose:
    other: {walk: 0.5, car: 0.3}   # default
  asc_by_distance_band:         # default: Flemingsberg 2017's calibrated constants
    bands_km: [1, 3, 5, 10, 20]
    walk: [1.1006, 0.2911, 2.7623, 9.3310, 2.8473, 2.8473]
    bike: [-0.7127, -2.5404, -2.2959, -2.1220, -0.1212, -2.7970]
    transit: [-0.4859, -0.9970, -0.1159, 0.0291, -0.7094, -1.6636]
    car: [0.0000, 0.0000, 0.0000, 0.0000, 0.0000, 0.0000]
  beta:                         # default
    time_per_min: {walk: -0.08, bike: -0.07, transit: -0.03, car: -0.04}
    walk_time_over_min: {breakpoints_min: [20, 40], per_min: [-0.02, -0.04]}
    bike_time_over_min: {breakpoints_min: [20, 40], per_min: [-0.02, -0.04]}
    bike_not_owned: -2.0
    wait_per_min: -0.05
    access_egress_per_min: -0.06
    transfer: -0.3
    cost_per_sek: -0.02
)~";

void replace_all(std::string& text, std::string_view token, const std::string& value) {
    for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at + value.size()))
        text.replace(at, token.size(), value);
}

// A YAML key that needs no quotes (zone ids are letters, digits, '_' and '-'), else quoted.
std::string key(const std::string& id) {
    const bool plain =
        !id.empty() &&
        std::all_of(id.begin(), id.end(),
                    [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; }) &&
        !std::isdigit(static_cast<unsigned char>(id[0])) && id[0] != '-';
    return plain ? id : "\"" + id + "\"";
}

std::string number(double v) {
    if (v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{:.0f}", v);
    return fmt::format("{:.3f}", v);
}

// Comments must not break the line: names come from data files.
std::string comment_text(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r') c = ' ';
    return s;
}

}  // namespace

std::string scenario_init_text(const network::Network& net, const ScenarioInitOptions& o, ScenarioInitReport& report) {
    report = {};
    std::vector<std::size_t> study, gateways;
    for (std::size_t z = 0; z < net.zone_count(); ++z)
        (net.zone_kind[z] == network::ZoneKind::study ? study : gateways).push_back(z);
    report.study_zones = study.size();
    report.gateways = gateways.size();

    std::string out;
    out += fmt::format(
        "# A scenario for {}, written by `flemsim scenario init`.\n"
        "# Each value says where it comes from: \"from FILE:column\" (your data) or \"default\" (flemsim's\n"
        "# default, mostly Flemingsberg 2017's assumptions: see scenarios/flemingsberg-2017.yaml for their\n"
        "# sources). It runs as written; replace the defaults with local data before trusting its numbers.\n",
        comment_text(net.name.empty() ? o.name : net.name));
    out += fmt::format("name: {}                 # default: the network folder's name\n", key(o.name));
    out += fmt::format("description: {}\n", "\"Written by flemsim scenario init\"");
    out += fmt::format("year: {}                     # default (--year)\n", o.year);
    out += fmt::format("network: \"{}\"\n", o.network_reference.generic_string());
    out += "seed: 1                        # default\n";
    out += "threads: 0                     # default: all cores\n";
    out +=
        "output:\n  dir: out                     # default: a run writes out/<name>/\n"
        "  compression_level: 4         # default\n  chunk_rows: 65536            # default\n";
    out += "target:\n  sustainable_share: 0.70      # default: the share of walk, bike and transit to report against\n";
    out += "report:\n  distance_bands_km: [1, 3, 5, 10, 20]   # default\n\n";

    // Land use per study zone.
    out +=
        "# Land use per study zone: residents (persons), jobs, study places and visits (daily\n"
        "# attraction of shopping, errands and leisure).\n";
    out += "land_use:\n";
    for (const auto z : study) {
        const auto& id = net.zone_ids[z];
        std::array<double, 4> v{};
        std::string source;
        if (const auto it = o.land_use.find(id); it != o.land_use.end()) {
            v = it->second.values;
            source = "from " + it->second.source;
            ++report.zones_from_file;
        } else if (z < net.zone_land_use.size() && !net.zone_land_use.empty()) {
            v = net.zone_land_use[z];
            source = "from " + o.network_zones_file + ":residents,jobs,study_places,visits";
            ++report.zones_from_network;
        } else {
            const double nodes = net.zone_first_node.size() > z + 1
                                     ? static_cast<double>(net.zone_first_node[z + 1] - net.zone_first_node[z])
                                     : 1.0;
            for (std::size_t k = 0; k < 4; ++k) v[k] = default_land_use_per_node[k] * std::max(1.0, nodes);
            source = fmt::format("default: {:.0f}, {:.0f}, {:.0f}, {:.0f} per street node of the zone ({:.0f})",
                                 default_land_use_per_node[0], default_land_use_per_node[1],
                                 default_land_use_per_node[2], default_land_use_per_node[3], std::max(1.0, nodes));
            ++report.zones_by_default;
        }
        for (std::size_t k = 0; k < 4; ++k) report.totals[k] += v[k];
        out += fmt::format("  {}: {{residents: {}, jobs: {}, study_places: {}, visits: {}}}   # {}{}\n", key(id),
                           number(v[0]), number(v[1]), number(v[2]), number(v[3]), comment_text(source),
                           net.zone_names[z] != id ? " (" + comment_text(net.zone_names[z]) + ")" : "");
    }
    if (!o.land_use_file.empty()) {
        std::size_t unused = 0;
        for (const auto& entry : o.land_use) {
            const std::string& id = entry.first;
            if (std::none_of(study.begin(), study.end(), [&](std::size_t z) { return net.zone_ids[z] == id; }))
                ++unused;
        }
        if (unused > 0)
            report.notes.push_back(
                fmt::format("{} zones of {} are not study zones of the network: not used", unused, o.land_use_file));
    }
    if (report.zones_by_default > 0)
        report.notes.push_back(fmt::format(
            "{} of {} study zones have no land-use data: the default rule gives them residents, jobs and visits "
            "by their street nodes (marked default)",
            report.zones_by_default, study.size()));

    // Gateways: where in-commuters come from and residents go outside the study area.
    out +=
        "\n# Gateways stand for the rest of the region: weights (not counts) of where in-commuters\n"
        "# come from (workers, students) and where residents go outside (jobs, study_places, visits).\n";
    if (gateways.empty()) {
        out += "gateways: {}                   # the network has no gateway zones: nobody comes in or goes out\n";
    } else {
        out += "gateways:                      # the network's gateway zones\n";
        for (const auto z : gateways) {
            const std::string name =
                net.zone_names[z] != net.zone_ids[z] ? " (" + comment_text(net.zone_names[z]) + ")" : "";
            if (z < net.zone_weight.size() && net.zone_weight[z] > 0) {
                // The import's size: persons per hour its roads can bring in, for every weight.
                const std::string w = number(std::round(net.zone_weight[z]));
                out += fmt::format(
                    "  {}: {{workers: {}, students: {}, jobs: {}, study_places: {}, visits: {}}}   # from "
                    "{}:weight{}\n",
                    key(net.zone_ids[z]), w, w, w, w, w, o.network_zones_file, name);
                ++report.gateways_weighted;
            } else {
                out += fmt::format(
                    "  {}: {{workers: 10000, students: 2000, jobs: 10000, study_places: 1000, visits: "
                    "2000}}   # default: one alike for each gateway{}\n",
                    key(net.zone_ids[z]), name);
            }
        }
    }

    std::string body(behaviour);
    // Every zone an alternative up to a few hundred zones; beyond, a sample (McFadden's correction).
    replace_all(body, "@SAMPLE_SIZE@",
                study.size() + gateways.size() <= 300
                    ? std::string("0                # default: every zone is an alternative")
                    : fmt::format("100              # default: 100 sampled alternatives of the {} zones",
                                  study.size() + gateways.size()));
    // The demand models' level of service is computed zone to zone for every period: with many
    // zones, coarser periods keep a first run short.
    const std::size_t zones = study.size() + gateways.size();
    replace_all(body, "@PERIOD_MIN@",
                zones <= 100 ? std::string("60                # default")
                             : fmt::format("120               # default for {} zones (60 for a final run: the "
                                           "zone-to-zone offers take twice as long)",
                                           zones));
    replace_all(body, "@SAMPLES@",
                zones <= 100 ? std::string("4         # default: departures averaged per period")
                             : fmt::format("2         # default for {} zones (4 for a final run)", zones));
    replace_all(body, "@IN_COMMUTERS@",
                gateways.empty() ? std::string("0          # no gateways: no in-commuters")
                                 : std::string("fill       # default: every place residents leave is taken"));
    out += body;
    return out;
}

}  // namespace flemsim::pipeline
