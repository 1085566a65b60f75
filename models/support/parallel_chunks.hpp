#pragma once
// Element-wise passes over long vectors (d in the hundreds of thousands), split into fixed
// chunks of coordinates and shared out over a ThreadPool.
//
// Determinism: the chunks' bounds depend on the length alone, never on the thread count, and
// a body may only compute each coordinate from that coordinate (or reduce over its own chunk
// into a per-chunk slot that the caller combines in chunk order). Then every output bit is
// the same with one thread or many.
#include <cstdint>
#include <functional>

#include "models/support/thread_pool.hpp"

namespace ef21 {

/// Coordinates per chunk: 16 384 doubles = 128 KiB per vector, so a chunk's few vectors stay
/// in L2 and a pass over d = 200 000 gives each of two threads six or seven chunks.
inline constexpr std::int64_t kCoordinateChunk = 16384;

/// The number of chunks of [0, size).
constexpr std::int64_t coordinate_chunks(std::int64_t size) {
  return size <= 0 ? 0 : (size + kCoordinateChunk - 1) / kCoordinateChunk;
}

/// Calls body(chunk, from, to) for every chunk [from, to) of [0, size), in parallel on `pool`
/// (nullptr, a one-thread pool or a size of one chunk: in order on the calling thread).
void for_each_chunk(ThreadPool* pool, std::int64_t size,
                    const std::function<void(std::int64_t chunk, std::int64_t from, std::int64_t to)>& body);

}  // namespace ef21
