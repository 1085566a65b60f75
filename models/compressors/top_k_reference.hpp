#pragma once
// The Top-k selection as it was before issue 13: std::nth_element over an index array under
// a comparator that recomputes |x| in every comparison, then a sort of the k survivors. Kept
// as the named reference that the tests (tests/models/compressors/top_k_test.cpp) and the
// benchmark (tools/bench/math/topk_bench.cpp) compare TopK against; nothing in the simulator
// calls it.
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace ef21::compressors::reference {

/// The indices of the k entries of `in` of largest magnitude (NaN counting as +inf), ties
/// to the lower index, in increasing order. `order` is scratch (d entries). 1 <= k <= d.
inline void top_k_indices_by_nth_element(const Eigen::Ref<const Eigen::VectorXd>& in, std::int64_t k,
                                         std::vector<std::int32_t>& order,
                                         std::vector<std::int32_t>& indices) {
  auto magnitude = [&in](std::int32_t l) {
    const double v = std::abs(in[l]);
    return std::isnan(v) ? std::numeric_limits<double>::infinity() : v;
  };
  // Strict total order: larger magnitude first, then lower index.
  auto before = [&](std::int32_t a, std::int32_t b) {
    const double ma = magnitude(a);
    const double mb = magnitude(b);
    return ma > mb || (ma == mb && a < b);
  };
  order.resize(static_cast<std::size_t>(in.size()));
  for (std::int32_t l = 0; l < static_cast<std::int32_t>(in.size()); ++l)
    order[static_cast<std::size_t>(l)] = l;
  const auto kth = order.begin() + static_cast<std::ptrdiff_t>(k);
  std::nth_element(order.begin(), kth - 1, order.end(), before);
  std::sort(order.begin(), kth);
  indices.assign(order.begin(), kth);
}

}  // namespace ef21::compressors::reference
