// The MPI seam of a build without Boost.MPI (CMake printed "ef21sim: MPI not found").
#include "tools/ef21sim/cli_common.hpp"
#include "tools/ef21sim/mpi_session.hpp"

namespace ef21::cli {

bool mpi_built() { return false; }

std::unique_ptr<MpiSession> start_mpi_session() {
  throw UsageError(
      "this ef21sim was built without MPI (install libboost-mpi-dev and openmpi-bin, e.g. with "
      "tools/setup.sh, and reconfigure); run the study with --jobs, or split it into --shard I/N jobs");
}

}  // namespace ef21::cli
