#pragma once
// MPI (Boost.MPI on OpenMPI) for sweeps and tunes: `mpirun -n N ef21sim sweep|tune ...`.
// Rank 0 runs the study (the grid or the search), hands the runs out one at a time to the
// ranks that ask for work, and writes the tables; ranks 1..N-1 run the simulations into the
// shared study directory. Built only when CMake finds Boost.MPI (mpi_session.cpp); without it,
// mpi_session_unavailable.cpp says so.
#include <memory>
#include <string>

#include "tools/ef21sim/run_farm.hpp"

namespace ef21::cli {

/// Whether this ef21sim was built with MPI.
bool mpi_built();

/// The number of processes an MPI launcher started this one among (OpenMPI's mpirun:
/// OMPI_COMM_WORLD_SIZE; MPICH's Hydra or Slurm's srun --mpi=pmi2: PMI_SIZE), from its
/// environment; 0 when not started by one of these.
int mpi_launch_size();

class MpiSession {
 public:
  virtual ~MpiSession() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Collective: every rank returns rank 0's `message`.
  virtual std::string broadcast(const std::string& message) = 0;
  /// Rank 0: a farm whose jobs run on ranks 1..size-1, each asking for its next job when free.
  virtual std::unique_ptr<RunFarm> farm() = 0;
  /// Rank 0, at the end: tells every other rank to stop and waits until they have.
  virtual void stop_workers() = 0;
  /// Ranks 1..size-1: ask rank 0 for jobs and run them, `threads` at a time, until stopped.
  virtual void serve(const RunSetup& setup, int threads) = 0;
  /// Ends every process of the MPI job with `code` (rank 0 failed: the others would wait).
  [[noreturn]] virtual void abort(int code) = 0;
};

/// Initialises MPI (threads: only the main thread calls MPI). Throws UsageError when this
/// ef21sim was built without MPI.
std::unique_ptr<MpiSession> start_mpi_session();

}  // namespace ef21::cli
