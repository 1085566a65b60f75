#pragma once
// The scaled sign (Karimireddy, Rebjock, Stich, Jaggi, "Error Feedback Fixes SignSGD and other
// Gradient Compression Schemes", ICML 2019): C(x) = (||x||_1 / d) sign(x), with sign(0) = +1
// (also for -0). Deterministic, biased, contractive:
//   ||C(x) - x||^2 = ||x||_2^2 - ||x||_1^2 / d <= (1 - 1/d) ||x||_2^2,
// since ||x||_1 >= ||x||_2; the theory uses alpha = 1/d (the worst case, x with a single
// nonzero coordinate). Bits: the scale as one value (BitAccounting::value_bits, 32 by default)
// plus one sign bit per coordinate: value_bits + d. Dense, never exact.
//
// ||x||_1 is summed in index order and divided by d once; the value sent is that scale with
// x_j's sign. A non-finite x propagates as IEEE arithmetic does: inf anywhere makes every
// coordinate +-inf, NaN anywhere makes every coordinate NaN (the run shows as diverged).
// It draws nothing from the stream.
#include <cstdint>

#include "models/compressors/compressor.hpp"

namespace ef21::compressors {

struct CompressorInfo;

class ScaledSign final : public Compressor {
 public:
  explicit ScaledSign(Eigen::Index dim);
  std::string_view name() const override { return "sign"; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                CompressorWorkspace& workspace) const override;
  std::optional<double> alpha() const override { return 1.0 / static_cast<double>(dim_); }
  std::int64_t entries() const override { return dim_; }
  /// value_bits + d; an exact dense replacement is billed as the accounting's full-precision
  /// values.
  std::uint64_t payload_bits(const SparseVector& message, const BitAccounting& accounting) const override;
  std::uint64_t message_bits(const BitAccounting& accounting, Eigen::Index dim) const override;

 private:
  Eigen::Index dim_;
};

const CompressorInfo& sign_registration();

}  // namespace ef21::compressors
