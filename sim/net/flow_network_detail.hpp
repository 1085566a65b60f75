#pragma once
// Private to the FlowNetwork sources (flow_*.cpp): rounding of completion instants and the
// slot heaps of the hub solver.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "models/support/input_error.hpp"
#include "sim/core/heap_sift.hpp"
#include "sim/core/time.hpp"

namespace ef21::sim::flow_detail {

/// Predicted completions within this many ps of the event time complete in that event:
/// 2 ps of ceil() rounding plus ~1e-12 relative (2^-40) of double noise in the prediction.
/// Far below the 1 ns / 1e-9 agreement required with the reference (DESIGN §6).
inline SimTime coalescing_window(SimTime t) { return 2 + (t >> 40); }

/// The event time for an exact completion instant (ps as a double): rounded up, except that
/// a value within double noise (~16 ulp) above a whole picosecond counts as that picosecond,
/// so that mathematically whole results (2 s computed as 2e12 + 1 ulp) do not gain one.
inline SimTime ceil_to_picosecond(double exact_ps) {
  const double tolerant = exact_ps - std::abs(exact_ps) * 0x1p-48;
  const double ps = std::ceil(tolerant);
  if (!(ps < 9223372036854775808.0)) {
    throw ef21::InputError(
        fmt::format("a flow would complete at {} s, beyond the clock's limit of 2^63 ps (about 106 days)",
                    exact_ps * 1e-12));
  }
  return static_cast<SimTime>(ps);
}

/// A binary heap of flow slots whose positions live in the flows themselves (each flow is in
/// at most one heap per position field), so that any member can be erased in O(log n).
template <typename Less, typename Pos>
struct SlotHeap {
  std::vector<std::uint32_t>& h;
  Less less;
  Pos pos;  // pos(slot) -> std::uint32_t&

  void placed(std::uint32_t x, std::uint32_t i) { pos(x) = i; }
  void sift_up(std::uint32_t i) {
    heap_sift_up(h, i, less, [this](std::uint32_t x, std::uint32_t at) { placed(x, at); });
  }
  void sift_down(std::uint32_t i) {
    heap_sift_down(h, i, less, [this](std::uint32_t x, std::uint32_t at) { placed(x, at); });
  }
  void push(std::uint32_t x) {
    h.push_back(x);
    sift_up(static_cast<std::uint32_t>(h.size() - 1));
  }
  void erase(std::uint32_t x) {
    const std::uint32_t i = pos(x);
    pos(x) = 0xffffffffu;
    const std::uint32_t last = h.back();
    h.pop_back();
    if (i < h.size()) {
      h[i] = last;
      pos(last) = i;
      sift_up(i);
      sift_down(pos(last));
    }
  }
};

template <typename Less, typename Pos>
SlotHeap<Less, Pos> slot_heap(std::vector<std::uint32_t>& h, Less less, Pos pos) {
  return SlotHeap<Less, Pos>{h, less, pos};
}

}  // namespace ef21::sim::flow_detail
