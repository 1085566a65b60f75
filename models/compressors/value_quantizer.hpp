#pragma once
// An element-wise quantizer Q: each value independently, from the worker's stream. A kind
// that is one (natural) registers make_quantizer and may then follow a sparsifier as
// `compressor.then` (sparsifier_then.hpp).
#include <cstdint>

#include "models/support/rng.hpp"

namespace ef21::compressors {

class ValueQuantizer {
 public:
  virtual ~ValueQuantizer() = default;
  /// Q(v), unbiased: E Q(v) = v, E (Q(v) - v)^2 <= omega() v^2.
  virtual double quantize(double v, Rng& rng) const = 0;
  virtual double omega() const = 0;
  /// Bits per quantized value on the wire (replaces compressor.value_bits).
  virtual std::int64_t value_bits() const = 0;
};

}  // namespace ef21::compressors
