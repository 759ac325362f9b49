#pragma once
// Writes a network in the documented folder format (network.yaml and the CSV tables), so
// that an imported network loads like the hand-made ones.
#include <filesystem>

#include "sim/network/network.hpp"

namespace flemsim::network {

// Writes into a temporary folder beside `folder` and renames it into place when complete
// (an existing folder is replaced only then): no half-written network is ever left.
// Throws core::IoError.
void write_network(const Network& net, const std::filesystem::path& folder);

}  // namespace flemsim::network
