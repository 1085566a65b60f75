#pragma once
// The moves of a binary min-heap kept in a vector (children of i at 2i + 1 and 2i + 2),
// shared by the event engine's heap of same-time runs and the network's indexed heaps.
//
// `before(a, b)`: a belongs nearer the top than b (a strict weak order; ties stay where they
// are, so equal elements are never swapped). `placed(element, index)`: called every time an
// element lands at an index, for heaps that keep each element's position (a no-op for those
// that do not; it inlines away). Every function moves elements, never compares more than
// the textbook algorithm, and allocates nothing.
#include <cstddef>
#include <utility>
#include <vector>

namespace ef21::sim {

/// A `placed` for heaps that keep no positions.
struct NoPositions {
  template <typename T, typename Index>
  void operator()(const T& /*element*/, Index /*index*/) const noexcept {}
};

/// Moves h[at] up past every parent it belongs before; returns where it ends.
template <typename T, typename Index, typename Before, typename Placed>
Index heap_sift_up(std::vector<T>& h, Index at, Before&& before, Placed&& placed) {
  T element = std::move(h[at]);
  while (at > 0) {
    const Index parent = (at - 1) / 2;
    if (!before(element, h[parent])) break;
    h[at] = std::move(h[parent]);
    placed(h[at], at);
    at = parent;
  }
  h[at] = std::move(element);
  placed(h[at], at);
  return at;
}

/// Moves h[at] down past every child that belongs before it; returns where it ends.
template <typename T, typename Index, typename Before, typename Placed>
Index heap_sift_down(std::vector<T>& h, Index at, Before&& before, Placed&& placed) {
  const auto n = static_cast<Index>(h.size());
  T element = std::move(h[at]);
  for (;;) {
    Index child = 2 * at + 1;
    if (child >= n) break;
    if (child + 1 < n && before(h[child + 1], h[child])) ++child;
    if (!before(h[child], element)) break;
    h[at] = std::move(h[child]);
    placed(h[at], at);
    at = child;
  }
  h[at] = std::move(element);
  placed(h[at], at);
  return at;
}

/// Removes the top of a non-empty heap (Floyd's variant: the last element, which takes the
/// top's place, usually belongs near the bottom, so the hole left by the top moves down
/// along the smaller children to a leaf, one comparison per level, and the last element is
/// sifted up from there, rarely more than a level).
template <typename T, typename Before, typename Placed>
void heap_pop_top(std::vector<T>& h, Before&& before, Placed&& placed) {
  T last = std::move(h.back());
  h.pop_back();
  const std::size_t n = h.size();
  if (n == 0) return;
  std::size_t hole = 0;
  for (;;) {
    std::size_t child = 2 * hole + 1;
    if (child >= n) break;
    if (child + 1 < n && before(h[child + 1], h[child])) ++child;
    h[hole] = std::move(h[child]);
    placed(h[hole], hole);
    hole = child;
  }
  h[hole] = std::move(last);
  heap_sift_up(h, hole, before, placed);
}

}  // namespace ef21::sim
