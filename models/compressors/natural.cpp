#include "models/compressors/natural.hpp"

#include <cmath>

#include "models/compressors/compressor_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::compressors {

double natural_round(double t, Rng& rng) {
  const double u = rng.uniform();  // drawn first, for every value (natural.hpp)
  if (t == 0.0 || !std::isfinite(t)) return t;
  int e = 0;
  const double m = std::frexp(std::abs(t), &e);  // |t| = m 2^e, m in [1/2, 1): 2^(e-1) <= |t| < 2^e
  const double lower = std::ldexp(std::copysign(1.0, t), e - 1);
  const double p_lower = 2.0 - 2.0 * m;  // (2^e - |t|) / 2^(e-1), exact; 1 for a power of two
  return u < p_lower ? lower : 2.0 * lower;
}

void Natural::compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                       CompressorWorkspace& /*workspace*/) const {
  EF21_CHECK(in.size() == dim_, "natural compression input has the wrong dimension");
  out.clear();
  out.assign_dense(in);
  for (double& v : out.values) v = natural_round(v, rng);  // index order, one uniform each
  out.exact = false;
}

std::uint64_t Natural::payload_bits(const SparseVector& message, const BitAccounting& accounting) const {
  if (message.exact) return accounting.payload_bits(message);
  BitAccounting natural = accounting;
  natural.value_bits = kNaturalValueBits;
  return natural.payload_bits(message);
}

std::uint64_t Natural::message_bits(const BitAccounting& /*accounting*/, Eigen::Index dim) const {
  return static_cast<std::uint64_t>(dim) * static_cast<std::uint64_t>(kNaturalValueBits);
}

const CompressorInfo& natural_registration() {
  static const CompressorInfo info{
      "natural",
      "natural compression (Horváth et al. 2019): each value rounded at random to one of its two "
      "neighbouring powers of two, dense (unbiased, omega = 1/8; 9 bits a value, no index bits)",
      false,
      true,
      {},
      [](const CompressorSpec& /*spec*/, Eigen::Index dim) { return std::make_unique<Natural>(dim); },
      [] { return std::make_unique<NaturalQuantizer>(); },
  };
  return info;
}

}  // namespace ef21::compressors
