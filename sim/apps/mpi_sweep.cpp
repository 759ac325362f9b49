#include "sim/apps/mpi_sweep.hpp"

#include <cstdlib>

#ifdef FLEMSIM_HAVE_MPI
// The C API only: Open MPI's mpi.h would otherwise pull in its removed C++ bindings.
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace flemsim::apps {

bool launched_with_mpi() {
#ifdef FLEMSIM_HAVE_MPI
    // Open MPI and PMI-based launchers (Slurm's srun, MPICH) say the world size.
    for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
        if (const char* v = std::getenv(var); v && std::atoi(v) > 1) return true;
#endif
    return false;
}

int mpi_sweep(const pipeline::Sweep& sweep, int threads, const std::function<void(const std::string&)>& progress) {
#ifdef FLEMSIM_HAVE_MPI
    MPI_Init(nullptr, nullptr);
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    constexpr int tag_request = 1, tag_work = 2;
    int code = 0;
    if (rank == 0) {
        // Runs still to do, in order; then one stop (-1) for each worker.
        const auto pending = pipeline::execute_sweep(sweep, {}, 0, threads, {}, 0, false);
        std::vector<int> todo;
        for (std::size_t i = 0; i < pending.size(); ++i)
            if (pending[i].status != "ok") todo.push_back(static_cast<int>(i));
        std::size_t next = 0;
        int stopped = 0;
        while (stopped < size - 1) {
            int who = 0;
            MPI_Status st;
            MPI_Recv(&who, 1, MPI_INT, MPI_ANY_SOURCE, tag_request, MPI_COMM_WORLD, &st);
            const int job = next < todo.size() ? todo[next++] : -1;
            if (job < 0)
                ++stopped;
            else if (progress)
                progress(sweep.runs[static_cast<std::size_t>(job)].id + " to rank " + std::to_string(st.MPI_SOURCE));
            MPI_Send(&job, 1, MPI_INT, st.MPI_SOURCE, tag_work, MPI_COMM_WORLD);
        }
        const auto rows = pipeline::execute_sweep(sweep, {}, 0, threads, {}, 0, false);
        pipeline::write_sweep_summary(sweep, rows);
        std::size_t ok = 0;
        for (const auto& r : rows) ok += r.status == "ok";
        if (progress)
            progress("sweep " + sweep.name + ": " + std::to_string(rows.size()) + " runs, " + std::to_string(ok) +
                     " ok, " + std::to_string(rows.size() - ok) + " failed, over " + std::to_string(size - 1) +
                     " ranks");
        code = ok == rows.size() ? 0 : 1;
    } else {
        for (;;) {
            MPI_Send(&rank, 1, MPI_INT, 0, tag_request, MPI_COMM_WORLD);
            int job = -1;
            MPI_Recv(&job, 1, MPI_INT, 0, tag_work, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (job < 0) break;
            pipeline::execute_run_here(sweep, static_cast<std::size_t>(job), threads);
        }
    }
    MPI_Finalize();
    return code;
#else
    (void)sweep;
    (void)threads;
    (void)progress;
    return 2;
#endif
}

}  // namespace flemsim::apps
