#include <cstdlib>
#include <string>

#include "tools/ef21sim/mpi_session.hpp"

namespace ef21::cli {

int mpi_launch_size() {
  // OpenMPI's mpirun; MPICH / Intel MPI (Hydra) and Slurm's srun --mpi=pmi2 (PMI). Other
  // launchers: --mpi says so explicitly.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    if (const char* value = std::getenv(name)) {
      char* end = nullptr;
      const long n = std::strtol(value, &end, 10);
      if (end != value && *end == '\0' && n > 0) return static_cast<int>(n);
    }
  }
  return 0;
}

}  // namespace ef21::cli
