#include "models/data/memory_estimate.hpp"

#include <fmt/format.h>
#include <unistd.h>

namespace ef21::data {
namespace {

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  if (a != 0 && b > kUnlimitedMemory / a) return kUnlimitedMemory;
  return a * b;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  return b > kUnlimitedMemory - a ? kUnlimitedMemory : a + b;
}

std::uint64_t count(std::int64_t n) { return n > 0 ? static_cast<std::uint64_t>(n) : 0; }

}  // namespace

std::uint64_t sparse_dataset_bytes(std::int64_t rows, std::int64_t stored_values) {
  return saturating_add(saturating_mul(count(stored_values), sizeof(double) + sizeof(std::int32_t)),
                        saturating_mul(count(rows), sizeof(std::int32_t) + sizeof(double)));
}

std::uint64_t dense_dataset_bytes(std::int64_t rows, std::int64_t dim) {
  return saturating_add(saturating_mul(saturating_mul(count(rows), count(dim)), sizeof(double)),
                        saturating_mul(count(rows), sizeof(double)));
}

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page <= 0) return 0;
  return saturating_mul(static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page));
}

std::uint64_t default_memory_limit() {
  const std::uint64_t physical = physical_memory_bytes();
  return physical == 0 ? kUnlimitedMemory : physical / 5 * 4;
}

std::string describe_bytes(std::uint64_t bytes) {
  if (bytes == kUnlimitedMemory) return "unlimited";
  const double b = static_cast<double>(bytes);
  if (b >= 1e12) return fmt::format("{:.3g} TB", b / 1e12);
  if (b >= 1e9) return fmt::format("{:.3g} GB", b / 1e9);
  if (b >= 1e6) return fmt::format("{:.3g} MB", b / 1e6);
  if (b >= 1e3) return fmt::format("{:.3g} kB", b / 1e3);
  return fmt::format("{} B", bytes);
}

}  // namespace ef21::data
