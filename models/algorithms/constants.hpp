#pragma once
// The derived constants of a run (DESIGN §7): smoothness, compressor contraction, and the
// theory stepsize they give (the method's registered rule).
#include <optional>
#include <vector>

#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {

struct DerivedConstants {
  double L = 0.0;        // smoothness of f over all N rows
  double L_max = 0.0;    // max_i L_i
  double L_tilde = 0.0;  // sqrt(mean L_i^2)
  double L_am = 0.0;     // mean L_i
  ContractionConstants contraction;
  std::optional<double> omega;         // the compressor's variance, if unbiased
  std::optional<double> gamma_theory;  // the method's theory stepsize before the multiplier (if it applies)
  double gamma = 0.0;                  // the stepsize used: (absolute or theory) * multiplier
};

/// The theory inputs of a run (everything but the method's params).
TheoryInputs theory_inputs(double L, const std::vector<double>& L_i, double mu, std::size_t workers,
                           std::optional<double> alpha, std::optional<double> omega);

/// Constants and stepsize. The theory rule runs when the stepsize is "theory" (its
/// TheoryUnavailable propagates), and otherwise only for the record (gamma_theory empty if
/// it does not apply).
DerivedConstants derive_constants(const AlgorithmSpec& spec, const MethodInfo& method,
                                  const TheoryInputs& inputs);

}  // namespace ef21::algorithms
