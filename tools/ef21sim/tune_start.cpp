#include "tools/ef21sim/tune_start.hpp"

#include <algorithm>
#include <cmath>

#include "models/support/check.hpp"
#include "sim/cluster/simulation.hpp"

namespace ef21::cli {

int start_exponent_from(double L, double gamma_theory, int limit) {
  EF21_CHECK(L > 0 && gamma_theory > 0 && limit >= 0, "tune: the automatic start needs L > 0 and gamma > 0");
  const double gd_multiplier = 1.0 / (L * gamma_theory);
  const double s = std::round(std::log2(gd_multiplier) / 2.0);
  return static_cast<int>(std::clamp(s, -static_cast<double>(limit), static_cast<double>(limit)));
}

std::optional<int> automatic_start_exponent(const sim::Scenario& scenario, int limit) {
  if (scenario.algorithm.stepsize) return std::nullopt;  // absolute: no theory to anchor on
  const sim::Simulation simulation(scenario);
  const auto& c = simulation.constants();
  if (!c.gamma_theory || !(*c.gamma_theory > 0) || !(c.L > 0)) return std::nullopt;
  return start_exponent_from(c.L, *c.gamma_theory, limit);
}

}  // namespace ef21::cli
