#pragma once
// Natural compression (Horváth, Ho, Horváth, Sahu, Canini, Richtárik, "Natural Compression for
// Distributed Deep Learning", 2019): each value t with 2^a <= |t| < 2^(a+1) becomes
// sign(t) 2^a with probability (2^(a+1) - |t|) / 2^a, otherwise sign(t) 2^(a+1). Unbiased
// with omega = 1/8 (the variance (|t| - 2^a)(2^(a+1) - |t|) is at most t^2 / 8, reached at
// |t| = (4/3) 2^a); 9 bits a value on the wire (a sign and an 8-bit exponent, no mantissa).
//
// Stream usage, fixed whatever the data: exactly one rng.uniform() per value, drawn before
// the value is looked at, also for values that need no draw (0, exact powers of two, inf,
// NaN). A compressed d-vector thus always advances the stream by d uniforms, so a run's later
// draws never depend on its data and another implementation can replay them.
//
// The rounding is exact in double: frexp gives |t| = m 2^(a+1) with m in [1/2, 1), the
// probability of rounding down is p = 2 - 2m (computed exactly, a multiple of 2^-52) and
// u = uniform() is a multiple of 2^-53 in [0, 1), so P(u < p) = p exactly: the operator is
// unbiased to the last bit, not just up to round-off. Special values (documented, tested):
//  * 0 and -0 stay themselves; an exact power of two stays itself (p = 1);
//  * subnormals round like any other value (2^a is representable down to 2^-1074);
//  * +-inf and NaN are returned unchanged (a diverging run stays visibly diverged);
//  * a value in the top binade [2^1023, DBL_MAX] rounds up to +-inf with its probability
//    (2^1024 overflows), as IEEE overflow would.
// The exponent is not clamped to 8 bits: the 9-bit accounting assumes float32's exponent
// range suffices, as the paper does.
#include <cstdint>

#include "models/compressors/compressor.hpp"
#include "models/compressors/value_quantizer.hpp"

namespace ef21::compressors {

struct CompressorInfo;

/// Bits per value of natural compression: the sign and an 8-bit exponent.
inline constexpr std::int64_t kNaturalValueBits = 9;
/// omega of natural compression: max over t of (t - 1)(2 - t)/t^2 on [1, 2], at t = 4/3.
inline constexpr double kNaturalOmega = 1.0 / 8.0;

/// Natural rounding of one value; draws exactly one uniform (see above).
double natural_round(double t, Rng& rng);

/// The element-wise operator, for `compressor.then = "natural"` after a sparsifier.
class NaturalQuantizer final : public ValueQuantizer {
 public:
  double quantize(double v, Rng& rng) const override { return natural_round(v, rng); }
  double omega() const override { return kNaturalOmega; }
  std::int64_t value_bits() const override { return kNaturalValueBits; }
};

/// Natural compression of a whole vector: a dense message (no index bits), never exact
/// (even when every input is a power of two: `exact` is the compressor's promise, not a
/// property of one draw). Bits: 9 d.
class Natural final : public Compressor {
 public:
  explicit Natural(Eigen::Index dim) : dim_(dim) {}
  std::string_view name() const override { return "natural"; }
  void compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& rng,
                CompressorWorkspace& workspace) const override;
  std::optional<double> alpha() const override { return std::nullopt; }
  std::optional<double> omega() const override { return kNaturalOmega; }
  std::int64_t entries() const override { return dim_; }
  /// 9 bits per value, no index bits; an exact dense replacement is billed as the
  /// accounting's full-precision values (value_bits each).
  std::uint64_t payload_bits(const SparseVector& message, const BitAccounting& accounting) const override;
  std::uint64_t message_bits(const BitAccounting& accounting, Eigen::Index dim) const override;

 private:
  Eigen::Index dim_;
};

const CompressorInfo& natural_registration();

}  // namespace ef21::compressors
