#include "models/algorithms/algorithm_spec.hpp"

#include <algorithm>
#include <cmath>

namespace ef21::algorithms {

std::int64_t GradientSpec::batch_for(std::int64_t m) const {
  if (batch) return *batch;
  if (batch_ratio)
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::floor(static_cast<double>(m) * *batch_ratio)));
  return m;
}

std::int64_t ParticipationSpec::per_round(std::int64_t workers) const {
  if (clients) return std::min(*clients, workers);
  return std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::floor(static_cast<double>(workers) * fraction)));
}

}  // namespace ef21::algorithms
