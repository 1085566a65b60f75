#pragma once
// Numerically stable scalar pieces of the logistic loss.
#include <cmath>

namespace ef21::problems {

/// log(1 + e^t) without overflow for large t and without losing digits for very negative t.
inline double log1p_exp(double t) {
  return t > 0.0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t));
}

/// sigma(t) = 1 / (1 + e^-t), evaluated so that no intermediate overflows.
inline double sigmoid(double t) {
  if (t >= 0.0) return 1.0 / (1.0 + std::exp(-t));
  const double e = std::exp(t);
  return e / (1.0 + e);
}

}  // namespace ef21::problems
