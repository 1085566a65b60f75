#include "models/compressors/qsgd.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "models/compressors/compressor_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::compressors {

Qsgd::Qsgd(std::int64_t levels, Eigen::Index dim) : levels_(levels), dim_(dim) {
  EF21_CHECK(levels >= 1, "qsgd needs levels >= 1");
  EF21_CHECK(dim >= 1, "qsgd needs d >= 1");
}

std::int64_t Qsgd::level_bits() const {
  // ceil(log2(s + 1)) is the number of binary digits of s (s >= 1).
  return static_cast<std::int64_t>(std::bit_width(static_cast<std::uint64_t>(levels_)));
}

std::optional<double> Qsgd::omega() const {
  const double d = static_cast<double>(dim_);
  const double s = static_cast<double>(levels_);
  return std::min(d / (s * s), std::sqrt(d) / s);
}

void Qsgd::compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                    CompressorWorkspace& /*workspace*/) const {
  EF21_CHECK(in.size() == dim_, "qsgd input has the wrong dimension");
  out.clear();
  out.assign_dense(in);
  out.exact = false;
  std::vector<double>& values = out.values;
  const std::size_t d = values.size();

  double m = 0.0;
  bool finite = true;
  for (const double v : values) {
    const double a = std::abs(v);
    if (!(a <= std::numeric_limits<double>::max())) finite = false;  // inf or NaN
    m = std::max(m, a);
  }
  if (!finite || m == 0.0) {
    const double fill = finite ? 0.0 : std::numeric_limits<double>::quiet_NaN();
    for (std::size_t j = 0; j < d; ++j) {
      (void)rng.uniform();  // the stream advances by d uniforms whatever x is
      values[j] = fill;
    }
    return;
  }
  double sum = 0.0;
  for (const double v : values) {
    const double q = v / m;
    sum += q * q;
  }
  const double root = std::sqrt(sum);  // ||x / m||_2, in [1, sqrt(d)]
  const double norm = m * root;
  const double s = static_cast<double>(levels_);
  for (std::size_t j = 0; j < d; ++j) {
    const double u = rng.uniform();
    const double x = values[j];
    const double r = std::min(s, s * (std::abs(x) / m) / root);
    const double low = std::floor(r);
    const double xi = u < r - low ? low + 1.0 : low;
    const double v = norm * (xi / s);  // xi = s sends the norm itself, bit for bit
    values[j] = x < 0.0 ? -v : v;
  }
}

std::uint64_t Qsgd::payload_bits(const SparseVector& message, const BitAccounting& accounting) const {
  if (message.exact) return accounting.payload_bits(message);
  return message_bits(accounting, message.dim);
}

std::uint64_t Qsgd::message_bits(const BitAccounting& accounting, Eigen::Index dim) const {
  return static_cast<std::uint64_t>(accounting.value_bits) +
         static_cast<std::uint64_t>(dim) * static_cast<std::uint64_t>(1 + level_bits());
}

const CompressorInfo& qsgd_registration() {
  static const CompressorInfo info{
      "qsgd",
      "QSGD random dithering (Alistarh et al. 2017) with s levels: ||x||_2 sign(x_j) xi_j / s, xi_j rounding "
      "s|x_j|/||x||_2 at random to a neighbouring integer, dense (unbiased, omega = min(d/s^2, sqrt(d)/s); "
      "value_bits + d (1 + ceil(log2(s+1))) bits)",
      false,
      false,
      {integer_param(
          "levels", 1, 1, INT64_MAX,
          "s, the quantization levels per sign (xi_j in 0..s): more levels, lower omega, more bits")},
      [](const CompressorSpec& spec, Eigen::Index dim) {
        const std::int64_t levels = spec.params.integer("levels");
        if (levels < 1)
          throw std::invalid_argument(
              fmt::format("compressor.levels must be an integer >= 1, got {}", levels));
        return std::make_unique<Qsgd>(levels, dim);
      },
  };
  return info;
}

}  // namespace ef21::compressors
