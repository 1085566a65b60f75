#pragma once
// Helpers shared by the compressor tests: specs with the registry's declared defaults filled in
// (what the scenario loader does), random test vectors, a naive natural-rounding reference and
// a running mean with its standard error for the statistical checks.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>

#include "models/compressors/compressor.hpp"
#include "models/compressors/compressor_registry.hpp"
#include "models/support/params.hpp"
#include "models/support/rng.hpp"

namespace ef21::test {

/// A spec for `kind` with every declared key at its default (as the loader fills them in),
/// then `overrides` applied.
inline compressors::CompressorSpec spec_with_defaults(const std::string& kind, std::int64_t k,
                                                      const ParamSet& overrides = {}) {
  compressors::CompressorSpec spec{kind, k, {}};
  if (const compressors::CompressorInfo* info = compressors::find_compressor(kind))
    for (const ParamDecl& decl : info->keys)
      if (decl.default_value) spec.params.set(decl.name, *decl.default_value);
  for (const auto& [name, value] : overrides.values()) spec.params.set(name, value);
  return spec;
}

inline ParamSet params(std::initializer_list<std::pair<std::string, ParamValue>> values) {
  ParamSet set;
  for (const auto& [name, value] : values) set.set(name, value);
  return set;
}

/// Entries spread over several binades, both signs, some exact zeros.
inline Eigen::VectorXd spread_vector(Rng& rng, Eigen::Index d) {
  Eigen::VectorXd x(d);
  for (Eigen::Index l = 0; l < d; ++l) x[l] = l % 7 == 3 ? 0.0 : rng.normal() * std::exp(2.0 * rng.normal());
  return x;
}

/// The two neighbouring powers of two lo <= |t| < 2 lo of a normal, finite t != 0, found by
/// repeated doubling and halving (exact in binary floating point): a reference independent of
/// frexp.
inline std::pair<double, double> naive_binade(double t) {
  const double a = std::abs(t);
  double lo = 1.0;
  while (lo > a) lo /= 2.0;
  while (2.0 * lo <= a) lo *= 2.0;
  return {lo, 2.0 * lo};
}

/// Variance of natural rounding of t: (|t| - lo)(hi - |t|) (0 for 0 and powers of two).
inline double natural_variance(double t) {
  if (t == 0.0) return 0.0;
  const auto [lo, hi] = naive_binade(t);
  return (std::abs(t) - lo) * (hi - std::abs(t));
}

/// Mean and standard error of the mean of a stream of samples.
class RunningMean {
 public:
  void add(double v) {
    ++n_;
    sum_ += v;
    sum_sq_ += v * v;
  }
  double mean() const { return sum_ / static_cast<double>(n_); }
  double standard_error() const {
    const double m = mean();
    const double var = std::max(0.0, sum_sq_ / static_cast<double>(n_) - m * m);
    return std::sqrt(var / static_cast<double>(n_));
  }

 private:
  std::int64_t n_ = 0;
  double sum_ = 0.0;
  double sum_sq_ = 0.0;
};

/// `o`'s value, or NaN when absent: lets CHECK print a std::optional<double> readably.
inline double value_or_nan(const std::optional<double>& o) { return o.value_or(std::nan("")); }

}  // namespace ef21::test
