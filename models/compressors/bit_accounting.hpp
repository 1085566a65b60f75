#pragma once
// How many bits a message costs (DESIGN §7). The defaults are the EF21 paper's accounting:
// 32 bits per value, no index bits, the initial exact gradients free.
#include <cstdint>
#include <optional>

#include "models/compressors/sparse_vector.hpp"

namespace ef21::compressors {

enum class IndexBits { none, log2d, fixed };

struct BitAccounting {
  std::int64_t value_bits = 32;
  IndexBits index_mode = IndexBits::none;
  std::int64_t index_bits_fixed = 0;  // used when index_mode == fixed
  bool bill_initialization = false;   // count the round-0 messages (x^0's gradients) in bits_up

  /// Bits per index for a vector of dimension d: 0, ceil(log2 d) (at least 1), or fixed.
  std::int64_t index_bits(std::int64_t dim) const;
  /// Payload bits of a message: values * value_bits, plus index bits unless dense.
  std::uint64_t payload_bits(const SparseVector& message) const;
  std::uint64_t payload_bits(std::int64_t entries, std::int64_t dim, bool dense) const;
};

}  // namespace ef21::compressors
