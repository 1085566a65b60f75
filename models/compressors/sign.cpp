#include "models/compressors/sign.hpp"

#include <cmath>

#include "models/compressors/compressor_registry.hpp"
#include "models/support/check.hpp"

namespace ef21::compressors {

ScaledSign::ScaledSign(Eigen::Index dim) : dim_(dim) { EF21_CHECK(dim >= 1, "sign needs d >= 1"); }

void ScaledSign::compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& /*rng*/,
                          CompressorWorkspace& /*workspace*/) const {
  EF21_CHECK(in.size() == dim_, "sign input has the wrong dimension");
  out.clear();
  out.assign_dense(in);
  out.exact = false;
  double l1 = 0.0;
  for (const double v : out.values) l1 += std::abs(v);
  const double scale = l1 / static_cast<double>(dim_);
  for (double& v : out.values) v = v < 0.0 ? -scale : scale;  // sign(0) = sign(-0) = +1
}

std::uint64_t ScaledSign::payload_bits(const SparseVector& message, const BitAccounting& accounting) const {
  if (message.exact) return accounting.payload_bits(message);
  return message_bits(accounting, message.dim);
}

std::uint64_t ScaledSign::message_bits(const BitAccounting& accounting, Eigen::Index dim) const {
  return static_cast<std::uint64_t>(accounting.value_bits) + static_cast<std::uint64_t>(dim);
}

const CompressorInfo& sign_registration() {
  static const CompressorInfo info{
      "sign",
      "scaled sign (||x||_1/d) sign(x), sign(0) = +1 (Karimireddy et al. 2019), dense and deterministic "
      "(contractive, alpha = 1/d; value_bits + d bits)",
      false,
      false,
      {},
      [](const CompressorSpec& /*spec*/, Eigen::Index dim) { return std::make_unique<ScaledSign>(dim); },
  };
  return info;
}

}  // namespace ef21::compressors
