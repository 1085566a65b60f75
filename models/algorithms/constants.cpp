#include "models/algorithms/constants.hpp"

#include <algorithm>
#include <cmath>

#include "models/support/check.hpp"

namespace ef21::algorithms {

ContractionConstants contraction_constants(double alpha) {
  EF21_CHECK(alpha > 0.0 && alpha <= 1.0, "contraction parameter alpha must be in (0, 1]");
  ContractionConstants c;
  c.alpha = alpha;
  const double root = std::sqrt(1.0 - alpha);
  c.theta = 1.0 - root;
  c.beta = (1.0 - alpha) / (1.0 - root);
  return c;
}

double theory_stepsize(MethodKind kind, double L, double L_tilde, const ContractionConstants& c, double mu) {
  switch (kind) {
    case MethodKind::gd:
      return 1.0 / L;
    case MethodKind::ef:
    case MethodKind::ef21:
      if (c.alpha == 1.0) return 1.0 / L;
      return 1.0 / (L + L_tilde * std::sqrt(c.beta / c.theta));
    case MethodKind::ef21_plus: {
      const double smooth_part = c.alpha == 1.0 ? 1.0 / L : 1.0 / (L + L_tilde * std::sqrt(2.0 * c.beta / c.theta));
      return mu > 0.0 ? std::min(smooth_part, c.theta / (2.0 * mu)) : smooth_part;
    }
  }
  EF21_CHECK(false, "unknown method");
}

DerivedConstants derive_constants(const AlgorithmSpec& spec, double L, const std::vector<double>& L_i,
                                  double alpha, double mu) {
  EF21_CHECK(!L_i.empty(), "no workers");
  DerivedConstants d;
  d.L = L;
  double sum_sq = 0.0;
  for (double li : L_i) {
    d.L_max = std::max(d.L_max, li);
    sum_sq += li * li;
  }
  d.L_tilde = std::sqrt(sum_sq / static_cast<double>(L_i.size()));
  d.contraction = contraction_constants(alpha);
  d.gamma_theory = theory_stepsize(spec.kind, d.L, d.L_tilde, d.contraction, mu);
  d.gamma = spec.stepsize.value_or(d.gamma_theory) * spec.multiplier;
  return d;
}

}  // namespace ef21::algorithms
