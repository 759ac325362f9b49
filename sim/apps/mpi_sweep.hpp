#pragma once
// Sweeps across machines with MPI (built when OpenMPI is present): rank 0 hands out runs to
// the other ranks one at a time as they ask (a slow run holds back no one), then gathers the
// summary; ranks run scenarios in their own process.
#include <functional>
#include <string>

#include "sim/pipeline/sweep.hpp"

namespace flemsim::apps {

// True when this process was started by mpirun with more than one rank and flemsim was built
// with MPI.
bool launched_with_mpi();

// Runs the sweep over the MPI ranks; returns the exit code (on rank 0: 0 when every run is ok).
int mpi_sweep(const pipeline::Sweep& sweep, int threads, const std::function<void(const std::string&)>& progress);

}  // namespace flemsim::apps
