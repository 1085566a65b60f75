#include "sim/cluster/records.hpp"

namespace ef21::sim {

std::string_view to_string(RunStatus status) {
  switch (status) {
    case RunStatus::converged:
      return "converged";
    case RunStatus::max_rounds:
      return "max_rounds";
    case RunStatus::time_limit:
      return "time_limit";
    case RunStatus::bits_limit:
      return "bits_limit";
    case RunStatus::diverged:
      return "diverged";
    case RunStatus::interrupted:
      return "interrupted";
  }
  return "?";
}

}  // namespace ef21::sim
