#include "models/compressors/top_k.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "models/compressors/compressor_registry.hpp"
#include "models/compressors/sparsifier_then.hpp"
#include "models/support/check.hpp"

namespace ef21::compressors {
namespace {

/// The first coordinate of largest magnitude, NaN counting as +inf: the minimum of TopK's
/// order (larger magnitude first, then lower index). Two passes: the largest magnitude (an
/// exact max, so any evaluation order gives the same value), then the first coordinate
/// that has it. SSE2 (x86-64 baseline) does both two lanes at a time.
Eigen::Index first_largest_magnitude(const double* v, Eigen::Index d) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  auto magnitude = [](double x) {
    const double a = std::abs(x);
    return a == a ? a : inf;
  };
  Eigen::Index l = 0;
  double best = 0.0;
#if defined(__SSE2__)
  const __m128d sign = _mm_set1_pd(-0.0);
  const __m128d infs = _mm_set1_pd(inf);
  auto magnitudes = [&](const double* p) {
    const __m128d a = _mm_andnot_pd(sign, _mm_loadu_pd(p));
    const __m128d ordered = _mm_cmpord_pd(a, a);  // all ones where not NaN
    return _mm_or_pd(_mm_and_pd(ordered, a), _mm_andnot_pd(ordered, infs));
  };
  __m128d m0 = _mm_setzero_pd(), m1 = _mm_setzero_pd(), m2 = _mm_setzero_pd(), m3 = _mm_setzero_pd();
  for (; l + 8 <= d; l += 8) {
    m0 = _mm_max_pd(m0, magnitudes(v + l));
    m1 = _mm_max_pd(m1, magnitudes(v + l + 2));
    m2 = _mm_max_pd(m2, magnitudes(v + l + 4));
    m3 = _mm_max_pd(m3, magnitudes(v + l + 6));
  }
  const __m128d m = _mm_max_pd(_mm_max_pd(m0, m1), _mm_max_pd(m2, m3));
  best = std::max(_mm_cvtsd_f64(m), _mm_cvtsd_f64(_mm_unpackhi_pd(m, m)));
#endif
  for (; l < d; ++l) best = std::max(best, magnitude(v[l]));
  Eigen::Index i = 0;
#if defined(__SSE2__)
  const __m128d target = _mm_set1_pd(best);
  for (; i + 4 <= d; i += 4) {
    const int hits = _mm_movemask_pd(_mm_cmpeq_pd(magnitudes(v + i), target)) |
                     (_mm_movemask_pd(_mm_cmpeq_pd(magnitudes(v + i + 2), target)) << 2);
    if (hits != 0) return i + std::countr_zero(static_cast<unsigned>(hits));
  }
#endif
  for (; i < d; ++i)
    if (magnitude(v[i]) == best) return i;
  return 0;  // unreachable: some coordinate has the largest magnitude
}

}  // namespace

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
    out.exact = true;
    return;
  }
  if (k_ == 1) {
    const double* v = in.data();
    const Eigen::Index arg = first_largest_magnitude(v, dim_);
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

const CompressorInfo& top_k_registration() {
  static const CompressorInfo info{
      "top-k",
      "the k entries of largest magnitude, ties to the lower index, signs kept (contractive, alpha = k/d)",
      true,
      false,
      {sparsifier_then_param()},
      [](const CompressorSpec& spec, Eigen::Index dim) {
        return with_then(std::make_unique<TopK>(spec.k, dim), spec, dim);
      },
  };
  return info;
}

}  // namespace ef21::compressors
