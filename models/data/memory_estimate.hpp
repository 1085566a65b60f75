#pragma once
// What a data set and a run take in memory, estimated before they are allocated, so that a
// data set too large for the machine (data.max_memory, default 80% of physical memory) fails
// at once with a located error instead of swapping or dying in std::bad_alloc.
//
// The estimates count the arrays that grow with the data, not allocator slack or the few
// fixed buffers: they are lower bounds of the resident size, close to it for large inputs.
#include <cstdint>
#include <limits>
#include <string>

namespace ef21::data {

/// No limit.
inline constexpr std::uint64_t kUnlimitedMemory = std::numeric_limits<std::uint64_t>::max();

/// A sparse data set: per stored value a double and a 4-byte column, per row a 4-byte row
/// start and an 8-byte label.
std::uint64_t sparse_dataset_bytes(std::int64_t rows, std::int64_t stored_values);
/// A dense data set: rows x dim doubles and the labels (saturates instead of overflowing).
std::uint64_t dense_dataset_bytes(std::int64_t rows, std::int64_t dim);

/// Physical memory of this machine, bytes (0 if the system does not tell).
std::uint64_t physical_memory_bytes();
/// The default of data.max_memory: 80% of physical memory (unlimited if unknown).
std::uint64_t default_memory_limit();

/// "1.23 GB" (SI, three significant digits): for messages.
std::string describe_bytes(std::uint64_t bytes);

}  // namespace ef21::data
