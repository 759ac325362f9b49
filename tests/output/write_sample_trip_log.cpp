// Writes a hand-made trip log of a simulated day to argv[1]: 5 trips (one person each,
// every mode), their 7 legs (the transit trip is park-and-ride: it drives to the car park of
// stop 0, rides and walks), one bus segment, one iteration and the car park of stop 0; for
// the Python analysis check tests/analysis/test_trips_to_pandas.py.
#include <cstdio>
#include <exception>

#include "sim/core/types.hpp"
#include "sim/output/trip_log.hpp"

int main(int argc, char** argv) {
    using namespace flemsim;
    if (argc != 2) {
        std::fprintf(stderr, "usage: write_sample_trip_log OUT.h5\n");
        return 2;
    }
    output::TripLogMeta meta;
    meta.program_version = "sample";
    meta.scenario_name = "sample";
    meta.seed = 1;
    meta.scenario_yaml = "name: sample\n";
    meta.created_utc = "2024-01-01T00:00:00Z";
    meta.distance_bands_km = {1, 3, 5, 10, 20};

    output::Lookups lookups;
    lookups.zones = {{"z1", "Centrum", "study", 0, 0, 59.22, 17.95},
                     {"z2", "Campus", "study", 800, 300, 59.223, 17.96}};
    lookups.stops = {{"s1", "Centrum", 50, 20, 59.2202, 17.9509}, {"s2", "Campus", 760, 290, 59.2229, 17.9593}};
    lookups.lines = {{"b1", "Buss 1", "bus"}};
    lookups.links = {{"l1", "n1", "n2", "primary", "Campusvägen", 850, 1200}};

    constexpr core::Mode modes[] = {core::Mode::walk, core::Mode::bike, core::Mode::transit, core::Mode::car,
                                    core::Mode::walk};
    std::vector<core::TripRecord> trips;
    std::vector<core::PersonRecord> persons;
    output::SimulationTables simulation;
    for (std::uint32_t i = 0; i < 5; ++i) {
        core::TripRecord t{};
        t.trip_id = i;
        t.person_id = i;
        t.group = static_cast<std::uint8_t>(core::Group::resident);
        t.purpose = static_cast<std::uint8_t>(core::Purpose::other);
        t.mode = static_cast<std::uint8_t>(modes[i]);
        t.dest_activity = static_cast<std::uint8_t>(core::Activity::other);
        t.origin_zone = 0;
        t.dest_zone = 1;
        t.dep_time_s = 28800 + 60 * static_cast<std::int32_t>(i);
        t.arr_time_s = t.dep_time_s + 600;
        t.distance_m = 850.0f * static_cast<float>(i + 1);
        t.access_s = 600;
        t.board_stop = t.alight_stop = t.first_line = t.last_line = -1;

        // One leg for a street mode; walk, bus, walk for transit.
        core::LegRecord leg{};
        leg.trip_id = t.trip_id;
        leg.person_id = t.person_id;
        leg.mode = t.mode;
        leg.line = leg.vehicle_trip = leg.board_stop = leg.alight_stop = -1;
        leg.start_s = leg.board_s = t.dep_time_s;
        leg.end_s = t.arr_time_s;
        leg.distance_m = t.distance_m;
        if (modes[i] == core::Mode::transit) {
            t.access_s = 120;
            t.wait_s = 60;
            t.in_vehicle_s = 360;
            t.egress_s = 60;
            t.board_stop = 0;
            t.alight_stop = 1;
            t.first_line = t.last_line = 0;
            t.denied_boardings = 1;  // left behind by an earlier bus, not in the sample
            t.transit_access = core::access_park_and_ride;
            core::LegRecord access = leg;
            access.mode = static_cast<std::uint8_t>(core::Mode::car);
            access.end_s = access.start_s + 120;
            access.distance_m = 150;
            core::LegRecord ride = leg;
            ride.leg_index = 1;
            ride.line = ride.vehicle_trip = 0;
            ride.board_stop = 0;
            ride.alight_stop = 1;
            ride.start_s = access.end_s;
            ride.board_s = ride.start_s + 60;
            ride.end_s = ride.board_s + 360;
            ride.distance_m = t.distance_m - 250;
            ride.denied_boardings = 1;
            core::LegRecord egress = access;
            egress.mode = static_cast<std::uint8_t>(core::Mode::walk);
            egress.leg_index = 2;
            egress.start_s = egress.board_s = ride.end_s;
            egress.end_s = t.arr_time_s;
            egress.distance_m = 100;
            simulation.legs.insert(simulation.legs.end(), {access, ride, egress});

            core::TransitLoadRecord load{};
            load.from_stop = 0;
            load.to_stop = 1;
            load.depart_s = load.scheduled_depart_s = ride.board_s;
            load.arrive_s = ride.end_s;
            load.boardings = load.onboard = 1;
            load.seated = 30;
            load.capacity = 60;
            simulation.transit_load.push_back(load);
        } else {
            simulation.legs.push_back(leg);
        }
        trips.push_back(t);

        core::PersonRecord p{};
        p.person_id = i;
        p.group = t.group;
        p.work_zone = p.study_zone = -1;
        p.trip_count = 1;
        persons.push_back(p);
    }
    simulation.link_volumes = {{0, 0, 8, 1, 0, 0, 1}};
    core::IterationRecord iteration{};
    iteration.trips = trips.size();
    iteration.share_walk = 0.4;
    iteration.share_bike = iteration.share_transit = iteration.share_car = 0.2;
    iteration.sustainable_share = 0.8;
    iteration.mean_min_walk = iteration.mean_min_bike = iteration.mean_min_transit = iteration.mean_min_car = 10;
    iteration.denied_boardings = 1;
    iteration.converged = 1;
    simulation.iterations = {iteration};
    // The car park of stop 0: 10 spaces, the one car of the transit trip; stop 1 has a bike
    // park nobody used.
    simulation.lots = {{1, core::access_bike_and_ride, 20, 0, 0, 0, -1},
                       {0, core::access_park_and_ride, 10, 1, 1, 0, -1}};
    try {
        output::write_trip_log(argv[1], meta, lookups, trips, persons, {}, &simulation);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "write_sample_trip_log: %s\n", e.what());
        return 1;
    }
    return 0;
}
