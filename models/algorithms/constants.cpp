#include "models/algorithms/constants.hpp"

#include <algorithm>
#include <cmath>

#include "models/support/check.hpp"

namespace ef21::algorithms {

TheoryInputs theory_inputs(double L, const std::vector<double>& L_i, double mu, std::size_t workers,
                           std::optional<double> alpha, std::optional<double> omega) {
  EF21_CHECK(!L_i.empty(), "no workers");
  TheoryInputs in;
  in.L = L;
  double sum = 0.0, sum_sq = 0.0;
  for (double li : L_i) {
    in.L_max = std::max(in.L_max, li);
    sum += li;
    sum_sq += li * li;
  }
  const double n = static_cast<double>(L_i.size());
  in.L_tilde = std::sqrt(sum_sq / n);
  in.L_am = sum / n;
  in.mu = mu;
  in.workers = workers;
  in.alpha = alpha;
  in.omega = omega;
  return in;
}

DerivedConstants derive_constants(const AlgorithmSpec& spec, const MethodInfo& method,
                                  const TheoryInputs& inputs) {
  DerivedConstants d;
  d.L = inputs.L;
  d.L_max = inputs.L_max;
  d.L_tilde = inputs.L_tilde;
  d.L_am = inputs.L_am;
  const bool uses_compressor = method.compressor != CompressorNeed::unused;
  d.contraction = contraction_constants(uses_compressor && inputs.alpha ? *inputs.alpha : 1.0);
  if (uses_compressor) d.omega = inputs.omega;
  if (spec.stepsize) {
    try {
      d.gamma_theory = method.theory_stepsize(inputs);
    } catch (const TheoryUnavailable&) {
      d.gamma_theory.reset();  // recorded only when it applies
    }
    d.gamma = *spec.stepsize * spec.multiplier;
  } else {
    d.gamma_theory = method.theory_stepsize(inputs);
    d.gamma = *d.gamma_theory * spec.multiplier;
  }
  return d;
}

}  // namespace ef21::algorithms
