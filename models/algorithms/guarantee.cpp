#include "models/algorithms/guarantee.hpp"

#include <fmt/format.h>

#include <utility>

namespace ef21::algorithms {

Guarantee running_mean_guarantee(std::string name, std::string statement) {
  Guarantee g;
  g.name = std::move(name);
  g.statement = std::move(statement);
  g.inapplicable = [](const GuaranteeConditions& c) -> std::string {
    if (!c.full_participation) return "partial participation";
    if (!c.exact_gradients) return "stochastic (minibatch) gradients";
    if (!c.every_message_applied) return "failures or a round deadline drop messages";
    if (!c.gamma_theory) return "the method has no theory stepsize for this run";
    if (!(c.gamma > 0.0)) return "the stepsize is not positive";
    // Exact comparison: the theory stepsize times multiplier 1 is the theory stepsize itself.
    if (c.gamma > *c.gamma_theory)
      return fmt::format(
          "gamma = {:.6g} exceeds the theorem's range gamma <= {:.6g} (the theory stepsize) by a factor {:.4g}",
          c.gamma, *c.gamma_theory, c.gamma / *c.gamma_theory);
    if (!c.f_low) return "the problem has no known lower bound f_low";
    return {};
  };
  g.bound_times_T = [](const GuaranteeConditions& c, double f0) { return 2.0 * (f0 - *c.f_low) / c.gamma; };
  return g;
}

}  // namespace ef21::algorithms
