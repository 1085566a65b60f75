#include "models/compressors/bit_accounting.hpp"

namespace ef21::compressors {

std::int64_t BitAccounting::index_bits(std::int64_t dim) const {
  switch (index_mode) {
    case IndexBits::none:
      return 0;
    case IndexBits::fixed:
      return index_bits_fixed;
    case IndexBits::log2d: {
      std::int64_t bits = 1;
      while ((std::int64_t{1} << bits) < dim) ++bits;
      return bits;
    }
  }
  return 0;
}

std::uint64_t BitAccounting::payload_bits(std::int64_t entries, std::int64_t dim, bool dense) const {
  const std::int64_t per_entry = value_bits + (dense ? 0 : index_bits(dim));
  return static_cast<std::uint64_t>(entries) * static_cast<std::uint64_t>(per_entry);
}

std::uint64_t BitAccounting::payload_bits(const SparseVector& message) const {
  return payload_bits(static_cast<std::int64_t>(message.size()), message.dim, message.dense);
}

}  // namespace ef21::compressors
