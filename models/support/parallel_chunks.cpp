#include "models/support/parallel_chunks.hpp"

#include <algorithm>

namespace ef21 {

void for_each_chunk(ThreadPool* pool, std::int64_t size,
                    const std::function<void(std::int64_t chunk, std::int64_t from, std::int64_t to)>& body) {
  const std::int64_t chunks = coordinate_chunks(size);
  const auto run = [&](std::int64_t chunk) {
    const std::int64_t from = chunk * kCoordinateChunk;
    body(chunk, from, std::min(size, from + kCoordinateChunk));
  };
  if (pool == nullptr || pool->size() == 1 || chunks <= 1) {
    for (std::int64_t c = 0; c < chunks; ++c) run(c);
    return;
  }
  pool->parallel_for(static_cast<std::size_t>(chunks),
                     [&](std::size_t chunk, std::size_t /*slot*/) { run(static_cast<std::int64_t>(chunk)); });
}

}  // namespace ef21
