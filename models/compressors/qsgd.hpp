#pragma once
// QSGD random dithering (Alistarh, Grubic, Li, Tomioka, Vojnovic, "QSGD: Communication-Efficient
// SGD via Gradient Quantization and Encoding", NeurIPS 2017) with s = `levels`:
//   C(x)_j = ||x||_2 sign(x_j) xi_j / s,
// where xi_j rounds r_j = s |x_j| / ||x||_2 in [0, s] to floor(r_j) + 1 with probability
// r_j - floor(r_j), else to floor(r_j). Unbiased, with E||C(x) - x||^2 <= omega ||x||^2 for
// omega = min(d / s^2, sqrt(d) / s) (the paper's Lemma 3.1). C(0) = 0.
//
// Bits, plain encoding (no Elias coding): the norm as one value (BitAccounting::value_bits,
// 32 by default), then per coordinate a sign bit and the level xi_j in ceil(log2(s + 1)) bits:
// value_bits + d (1 + ceil(log2(s + 1))). Dense, never exact.
//
// Numerics, fixed so another implementation can reproduce them:
//  * ||x||_2 = m sqrt(sum_j (x_j / m)^2) with m = max_j |x_j|, summed in index order (no
//    overflow or underflow for any finite x); r_j = s (|x_j| / m) / sqrt(sum), capped at s
//    (round-off could push it an ulp above, past what the level field encodes); the value
//    sent is ||x||_2 (xi_j / s) with x_j's sign (so xi_j = s sends the norm exactly; x_j = 0
//    has xi_j = 0 and sends +0);
//  * the stream: exactly one rng.uniform() per coordinate, in index order, whatever x is
//    (zeros, x = 0, non-finite x included), so the stream position never depends on data;
//    xi_j = floor(r_j) + (u_j < r_j - floor(r_j)), unbiased up to 2^-53 per coordinate;
//  * a non-finite x (an inf or NaN anywhere) yields NaN in every coordinate: the norm is
//    undefined, and the run shows as diverged.
#include <cstdint>

#include "models/compressors/compressor.hpp"

namespace ef21::compressors {

struct CompressorInfo;

class Qsgd final : public Compressor {
 public:
  Qsgd(std::int64_t levels, Eigen::Index dim);
  std::string_view name() const override { return "qsgd"; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                CompressorWorkspace& workspace) const override;
  std::optional<double> alpha() const override { return std::nullopt; }
  std::optional<double> omega() const override;
  std::int64_t entries() const override { return dim_; }
  /// value_bits + d (1 + ceil(log2(s + 1))); an exact dense replacement is billed as the
  /// accounting's full-precision values.
  std::uint64_t payload_bits(const SparseVector& message, const BitAccounting& accounting) const override;
  std::uint64_t message_bits(const BitAccounting& accounting, Eigen::Index dim) const override;
  std::int64_t levels() const { return levels_; }
  /// ceil(log2(s + 1)): the bits of one level xi_j in {0, ..., s}.
  std::int64_t level_bits() const;

 private:
  std::int64_t levels_;
  Eigen::Index dim_;
};

const CompressorInfo& qsgd_registration();

}  // namespace ef21::compressors
