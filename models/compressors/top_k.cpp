#include "models/compressors/top_k.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/support/check.hpp"

namespace ef21::compressors {

TopK::TopK(std::int64_t k, Eigen::Index dim) : k_(k), dim_(dim) {
  EF21_CHECK(k >= 1 && k <= dim, "top-k needs 1 <= k <= d");
}

void TopK::compress(const Eigen::Ref<const Eigen::VectorXd>& in, SparseVector& out, Rng& /*rng*/,
                    CompressorWorkspace& workspace) const {
  EF21_CHECK(in.size() == dim_, "top-k input has the wrong dimension");
  out.clear();
  out.dim = dim_;
  if (k_ == dim_) {
    out.assign_dense(in);
    return;
  }
  if (k_ == 1) {
    // The first coordinate of largest magnitude (NaN counts as +inf), i.e. the minimum of
    // the order below, in two branch-free passes the compiler vectorizes: the largest
    // magnitude, then the first coordinate that has it. No index array.
    const double* v = in.data();
    constexpr double inf = std::numeric_limits<double>::infinity();
    double best = 0.0;
    for (Eigen::Index l = 0; l < dim_; ++l) {
      const double a = std::abs(v[l]);
      const double m = a == a ? a : inf;
      best = m > best ? m : best;
    }
    Eigen::Index arg = 0;
    for (Eigen::Index l = 0; l < dim_; ++l) {
      const double a = std::abs(v[l]);
      if ((a == a ? a : inf) == best) {
        arg = l;
        break;
      }
    }
    out.indices.assign(1, static_cast<std::int32_t>(arg));
    out.values.assign(1, v[arg]);
    return;
  }
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
  auto& order = workspace.order;
  order.resize(static_cast<std::size_t>(dim_));
  for (std::int32_t l = 0; l < static_cast<std::int32_t>(dim_); ++l) order[static_cast<std::size_t>(l)] = l;
  const auto kth = order.begin() + static_cast<std::ptrdiff_t>(k_);
  std::nth_element(order.begin(), kth - 1, order.end(), before);
  std::sort(order.begin(), kth);
  out.indices.assign(order.begin(), kth);
  out.values.resize(out.indices.size());
  for (std::size_t p = 0; p < out.indices.size(); ++p) out.values[p] = in[out.indices[p]];
}

}  // namespace ef21::compressors
