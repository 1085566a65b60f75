#pragma once
// The derived constants of a run (DESIGN §7): smoothness, compressor contraction, and the
// theory stepsize they give.
#include <vector>

#include "models/algorithms/method_kind.hpp"

namespace ef21::algorithms {

struct ContractionConstants {
  double alpha = 1.0;  // ||C(x) - x||^2 <= (1 - alpha) ||x||^2
  double theta = 1.0;  // 1 - sqrt(1 - alpha)
  double beta = 0.0;   // (1 - alpha) / (1 - sqrt(1 - alpha))
};

ContractionConstants contraction_constants(double alpha);

struct DerivedConstants {
  double L = 0.0;        // smoothness of f over all N rows
  double L_max = 0.0;    // max_i L_i
  double L_tilde = 0.0;  // sqrt(mean L_i^2)
  ContractionConstants contraction;
  double gamma_theory = 0.0;  // the method's theory stepsize, before the multiplier
  double gamma = 0.0;         // the stepsize used: (absolute or theory) * multiplier
};

/// Theory stepsizes (DESIGN §7): EF21 and EF 1/(L + L~ sqrt(beta/theta)) (alpha = 1: 1/L);
/// GD 1/L; EF21+ min(1/(L + L~ sqrt(2 beta/theta)), theta/(2 mu)).
double theory_stepsize(MethodKind kind, double L, double L_tilde, const ContractionConstants& c, double mu);

DerivedConstants derive_constants(const AlgorithmSpec& spec, double L, const std::vector<double>& L_i,
                                  double alpha, double mu);

}  // namespace ef21::algorithms
