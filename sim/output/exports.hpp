#pragma once
// Exports of a trip log for the tools planners already use: the trips in MATSim's
// output_trips.csv columns (the GIS layers are in sim/output/gis.hpp).
#include <filesystem>

#include "sim/network/network.hpp"
#include "sim/output/gis.hpp"
#include "sim/output/trip_log.hpp"

namespace flemsim::output {

// Throws core::InputError when the network is not the one the trip log was made with (the
// SHA-256 of its nodes.csv and links.csv in the log's input hashes), or when an id of the log
// is not one of the network's (check_network_ids).
void check_same_network(const TripLog& log, const network::Network& net);

// Throws core::InputError naming the trip log, dataset, row and field of the first node id
// (/trips origin_node and dest_node, /persons home_node) or link id (/link_volumes) that the
// network does not have.
void check_network_ids(const TripLog& log, const network::Network& net);

// MATSim's output_trips.csv (';' separated): person, trip_number, trip_id, dep_time, trav_time,
// wait_time, traveled_distance, euclidean_distance, main_mode (walk, bike, pt, car),
// longest_distance_mode, modes, start/end activity types, facility ids and links (empty),
// start/end x and y (in `crs` when given: longitude and latitude for a geographic CRS; else
// metres in the network's own plane), first_pt_boarding_stop, last_pt_egress_stop. Written
// through a temporary file; gzip-compressed with `gzipped` (name the file .csv.gz).
void write_matsim_trips(const std::filesystem::path& file, const TripLog& log, const network::Network& net,
                        const CrsTransform* crs = nullptr, bool gzipped = false);

}  // namespace flemsim::output
