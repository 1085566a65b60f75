#include "models/compressors/top_k.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "models/compressors/compressor_registry.hpp"
#include "models/compressors/sparsifier_then.hpp"
#include "models/support/check.hpp"

namespace ef21::compressors {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// TopK's key of one coordinate: |x|, NaN counting as +inf. Never NaN, so keys are totally
/// ordered by < and == (-0 and +0 both give +0, equal as they should be).
inline double magnitude(double x) {
  const double a = std::abs(x);
  return a == a ? a : kInf;
}

#if defined(__SSE2__)
/// magnitude() of v[0] and v[1], as one SSE2 register.
inline __m128d magnitudes(const double* v) {
  const __m128d a = _mm_andnot_pd(_mm_set1_pd(-0.0), _mm_loadu_pd(v));
  const __m128d ordered = _mm_cmpord_pd(a, a);  // all ones where not NaN
  return _mm_or_pd(_mm_and_pd(ordered, a), _mm_andnot_pd(ordered, _mm_set1_pd(kInf)));
}

/// Bit j (j < 8) set when magnitude(v[j]) > bound, for a bound that is not NaN. |v| by
/// clearing the sign bit; a NaN lane compares "not less or equal" (unordered), so it is
/// flagged as it should be (its key is +inf) without the NaN-to-inf blend of magnitudes().
/// Most blocks have no hit: they cost one branch on the OR of the four comparisons.
inline int above_mask8(const double* v, __m128d bound) {
  const __m128d sign = _mm_set1_pd(-0.0);
  const __m128d a0 = _mm_cmpnle_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v)), bound);
  const __m128d a1 = _mm_cmpnle_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v + 2)), bound);
  const __m128d a2 = _mm_cmpnle_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v + 4)), bound);
  const __m128d a3 = _mm_cmpnle_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v + 6)), bound);
  if (_mm_movemask_pd(_mm_or_pd(_mm_or_pd(a0, a1), _mm_or_pd(a2, a3))) == 0) return 0;
  return _mm_movemask_pd(a0) | (_mm_movemask_pd(a1) << 2) | (_mm_movemask_pd(a2) << 4) |
         (_mm_movemask_pd(a3) << 6);
}

/// Bit j (j < 8) set when magnitude(v[j]) >= bound (bound not NaN); NaN lanes flagged, as above.
inline int at_least_mask8(const double* v, __m128d bound) {
  const __m128d sign = _mm_set1_pd(-0.0);
  const __m128d a0 = _mm_cmpnlt_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v)), bound);
  const __m128d a1 = _mm_cmpnlt_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v + 2)), bound);
  const __m128d a2 = _mm_cmpnlt_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v + 4)), bound);
  const __m128d a3 = _mm_cmpnlt_pd(_mm_andnot_pd(sign, _mm_loadu_pd(v + 6)), bound);
  return _mm_movemask_pd(a0) | (_mm_movemask_pd(a1) << 2) | (_mm_movemask_pd(a2) << 4) |
         (_mm_movemask_pd(a3) << 6);
}
#endif

/// The largest magnitude of v[begin, end), NaN counting as +inf (0 for an empty range). An
/// exact max: any evaluation order gives the same value, so SSE2 takes eight at a time.
/// Inlined: block maxima call it once per block (a block is 24 entries at d = 1000, k = 10),
/// where a call and its reduction cost as much as the block's loads.
[[gnu::always_inline]] inline double largest_magnitude(const double* v, Eigen::Index begin,
                                                       Eigen::Index end) {
  Eigen::Index l = begin;
  double best = 0.0;
#if defined(__SSE2__)
  __m128d m0 = _mm_setzero_pd(), m1 = _mm_setzero_pd(), m2 = _mm_setzero_pd(), m3 = _mm_setzero_pd();
  for (; l + 8 <= end; l += 8) {
    m0 = _mm_max_pd(m0, magnitudes(v + l));
    m1 = _mm_max_pd(m1, magnitudes(v + l + 2));
    m2 = _mm_max_pd(m2, magnitudes(v + l + 4));
    m3 = _mm_max_pd(m3, magnitudes(v + l + 6));
  }
  const __m128d m = _mm_max_pd(_mm_max_pd(m0, m1), _mm_max_pd(m2, m3));
  best = std::max(_mm_cvtsd_f64(m), _mm_cvtsd_f64(_mm_unpackhi_pd(m, m)));
#endif
  for (; l < end; ++l) best = std::max(best, magnitude(v[l]));
  return best;
}

/// The maxima of |v| over the blocks [b * block, (b + 1) * block) of v[0, d) (block a multiple
/// of 8), into maxima[b], without magnitude()'s NaN blend: false when v holds a NaN (then the
/// maxima are not TopK's keys). Half the instructions of largest_magnitude per entry: a NaN
/// anywhere makes the sum of the entries NaN (so does +inf beside -inf: a false alarm, which
/// only costs the exact pass), one check after the pass instead of a blend per entry.
bool block_maxima_if_no_nan(const double* v, Eigen::Index d, Eigen::Index block, double* maxima) {
#if defined(__SSE2__)
  const __m128d sign = _mm_set1_pd(-0.0);
  __m128d sum0 = _mm_setzero_pd(), sum1 = _mm_setzero_pd();
  Eigen::Index b = 0;
  for (Eigen::Index begin = 0; begin + block <= d; begin += block, ++b) {
    __m128d m0 = _mm_setzero_pd(), m1 = _mm_setzero_pd();
    for (Eigen::Index l = begin; l < begin + block; l += 4) {
      const __m128d a0 = _mm_loadu_pd(v + l), a1 = _mm_loadu_pd(v + l + 2);
      sum0 = _mm_add_pd(sum0, a0);
      sum1 = _mm_add_pd(sum1, a1);
      m0 = _mm_max_pd(m0, _mm_andnot_pd(sign, a0));
      m1 = _mm_max_pd(m1, _mm_andnot_pd(sign, a1));
    }
    const __m128d m = _mm_max_pd(m0, m1);
    maxima[b] = std::max(_mm_cvtsd_f64(m), _mm_cvtsd_f64(_mm_unpackhi_pd(m, m)));
  }
  const __m128d sum = _mm_add_pd(sum0, sum1);
  if (_mm_movemask_pd(_mm_cmpunord_pd(sum, sum)) != 0) return false;
  if (b * block < d) maxima[b] = largest_magnitude(v, b * block, d);  // the shorter last block
  return true;
#else
  (void)v, (void)d, (void)block, (void)maxima;
  return false;
#endif
}

/// The first coordinate of largest magnitude, NaN counting as +inf: the minimum of TopK's
/// order (larger magnitude first, then lower index). Two passes: the largest magnitude (an
/// exact max, so any evaluation order gives the same value), then the first coordinate
/// that has it. SSE2 (x86-64 baseline) does both two lanes at a time.
Eigen::Index first_largest_magnitude(const double* v, Eigen::Index d) {
  const double best = largest_magnitude(v, 0, d);
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

/// The k-th largest key of a vector, counted with multiplicity, and how many keys are
/// strictly larger than it (0 <= above < k). TopK keeps every coordinate whose key is above
/// the threshold and, of those equal to it, the k - above of lowest index.
struct Threshold {
  double key;
  std::int64_t above;
};

/// Up to this k, kth_largest keeps the k largest keys in a sorted array rather than
/// partitioning all of them with nth_element.
constexpr std::int64_t kSmallSelection = 32;

/// The k-th largest of keys[0, n) (k <= n), counted with multiplicity, and how many keys are
/// strictly larger. For k <= kSmallSelection: a descending array of the k largest keys so
/// far, which a key enters only when it beats the smallest of them (on random inputs about
/// k ln(n/k) do, each a short shift), instead of nth_element, whose partitioning
/// mispredicts a branch for about every other key (most of a d = 1000, k = 10 selection).
/// Equal keys need not enter: the multiset of the k largest is the same. `keys` is left as
/// it is; `top` is scratch.
Threshold kth_largest(const std::vector<double>& keys, std::int64_t k, std::vector<double>& top) {
  const auto kk = static_cast<std::size_t>(k);
  if (k > kSmallSelection) {
    top.assign(keys.begin(), keys.end());
    const auto kth = top.begin() + static_cast<std::ptrdiff_t>(k - 1);
    std::nth_element(top.begin(), kth, top.end(), std::greater<>());
    const double key = *kth;
    // nth_element leaves keys >= *kth before it, so every key strictly above it is there.
    return {key,
            static_cast<std::int64_t>(std::count_if(top.begin(), kth, [key](double x) { return x > key; }))};
  }
  top.assign(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(kk));
  std::sort(top.begin(), top.end(), std::greater<>());
  double* t = top.data();
  for (std::size_t p = kk; p < keys.size(); ++p) {
    const double key = keys[p];
    if (!(key > t[kk - 1])) continue;
    std::size_t slot = kk - 1;  // the smallest drops out; shift the smaller ones down
    while (slot > 0 && t[slot - 1] < key) {
      t[slot] = t[slot - 1];
      --slot;
    }
    t[slot] = key;
  }
  const double key = t[kk - 1];
  return {key, static_cast<std::int64_t>(std::count_if(t, t + kk, [key](double x) { return x > key; }))};
}

/// Replaces the smallest key of the min-heap heap[0..n) by x (x > heap[0]) and restores the
/// heap: one sift-down, no comparator object, no index indirection.
inline void replace_smallest(double* heap, std::size_t n, double x) {
  std::size_t i = 0;
  for (;;) {
    std::size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && heap[child + 1] < heap[child]) ++child;
    if (!(heap[child] < x)) break;
    heap[i] = heap[child];
    i = child;
  }
  heap[i] = x;
}

/// Keeps, of the candidate coordinates (ascending), those whose key is above the threshold
/// and the first k - above whose key equals it: k entries, indices ascending.
template <typename Candidates>
void keep_from_threshold(const double* v, std::int64_t k, Threshold t, const Candidates& candidates,
                         SparseVector& out) {
  const auto n = static_cast<std::size_t>(k);
  out.indices.resize(n);
  out.values.resize(n);
  std::size_t kept = 0;
  std::int64_t ties = k - t.above;  // keys equal to the threshold still to keep
  candidates([&](Eigen::Index l) {
    const double key = magnitude(v[l]);
    if (key < t.key) return kept < n;
    if (key == t.key) {
      if (ties == 0) return kept < n;
      --ties;
    }
    out.indices[kept] = static_cast<std::int32_t>(l);
    out.values[kept] = v[l];
    ++kept;
    return kept < n;  // false: stop, all k found
  });
  EF21_CHECK(kept == n, "top-k kept fewer entries than the threshold promised");
}

/// Small k: one pass with a min-heap of the k largest keys seen so far. A coordinate costs a
/// comparison with the heap's smallest key (eight at a time with SSE2) unless it enters the
/// heap; on random inputs about k ln(d/k) enter, so the pass is close to a plain read of v
/// (O(d log k) in the worst case, ascending magnitudes). The coordinates that entered, in
/// index order, hold every one TopK keeps: a kept key above the threshold exceeded the
/// heap's smallest key when it was read (that never exceeds the threshold), and a kept tie
/// that did not enter would have found k keys at least as large before it, among them
/// k - above ties of lower index. So the final pass reads only them, not v again.
void select_by_heap(const double* v, Eigen::Index d, std::int64_t k, std::vector<double>& heap,
                    std::vector<std::int32_t>& entered, SparseVector& out) {
  const auto n = static_cast<std::size_t>(k);
  heap.resize(n);
  entered.clear();
  for (std::size_t l = 0; l < n; ++l) {
    heap[l] = magnitude(v[l]);
    entered.push_back(static_cast<std::int32_t>(l));
  }
  std::make_heap(heap.begin(), heap.end(), std::greater<>());  // heap[0] is the smallest key
  double smallest = heap[0];
  const auto offer = [&](Eigen::Index l) {
    const double key = magnitude(v[l]);
    if (key > smallest) {  // equal keys need not enter: the multiset of the k largest keys is the same
      replace_smallest(heap.data(), n, key);
      smallest = heap[0];
      entered.push_back(static_cast<std::int32_t>(l));
    }
  };
  Eigen::Index l = static_cast<Eigen::Index>(k);
#if defined(__SSE2__)
  for (; l + 8 <= d; l += 8) {
    int hits = above_mask8(v + l, _mm_set1_pd(smallest));
    while (hits != 0) {  // the smallest key may rise within the block: offer() compares again
      offer(l + std::countr_zero(static_cast<unsigned>(hits)));
      hits &= hits - 1;
    }
  }
#endif
  for (; l < d; ++l) offer(l);
  // Every key above the threshold is among the k largest, that is, in the heap.
  const auto above =
      std::count_if(heap.begin(), heap.end(), [smallest](double key) { return key > smallest; });
  keep_from_threshold(
      v, k, Threshold{smallest, static_cast<std::int64_t>(above)},
      [&entered](const auto& visit) {
        for (const std::int32_t i : entered)
          if (!visit(i)) return;
      },
      out);
}

/// Small k: a lower bound of the threshold from block maxima, then the exact threshold among
/// the few entries that reach the bound. Split v into nb >= k blocks; the k-th largest of
/// their maxima is at most the threshold (the k blocks with the largest maxima hold k
/// distinct entries at least that large), so every entry TopK keeps is among the
/// candidates: the entries at least as large as the bound, gathered in index order. The
/// block maxima are a branch-free SSE2 pass; on random inputs with nb = 4k blocks a little
/// over k entries reach the bound, so the second pass is a comparison per entry and a few
/// taken branches; the threshold itself comes from the candidates' keys (kth_largest).
/// Ties at the bound are capped at k (the lowest-index ones: no more can be kept), so tied
/// inputs stay cheap; ascending inputs make more candidates (at most d: still exact, O(d)).
void select_by_block_maxima(const double* v, Eigen::Index d, std::int64_t k, Eigen::Index block,
                            std::vector<double>& keys, std::vector<double>& top,
                            std::vector<std::int32_t>& candidates, SparseVector& out) {
  // 1. The maxima of the blocks [b * block, (b + 1) * block), the last one possibly shorter.
  const Eigen::Index blocks = (d + block - 1) / block;
  keys.resize(static_cast<std::size_t>(blocks));
  if (!block_maxima_if_no_nan(v, d, block, keys.data())) {
    for (Eigen::Index b = 0; b < blocks; ++b) {
      const Eigen::Index begin = b * block, end = std::min(d, begin + block);
      keys[static_cast<std::size_t>(b)] = largest_magnitude(v, begin, end);
    }
  }
  const double bound = kth_largest(keys, k, top).key;

  // 2. The candidates, in index order: every entry above the bound and the first k equal to
  //    it (TopK never keeps more than k ties, and keeps the lowest-index ones). Once k ties
  //    are in, only entries above the bound are looked at: ties cost nothing more. An entry
  //    that reaches the bound lies in a block whose maximum does, and on random inputs only
  //    about k of the ~4k blocks have one: the pass reads those blocks alone.
  candidates.clear();
  std::int64_t ties = 0;
  const auto consider = [&](Eigen::Index i) {
    const double key = magnitude(v[i]);
    if (key > bound || (key == bound && ties++ < k)) candidates.push_back(static_cast<std::int32_t>(i));
  };
#if defined(__SSE2__)
  const __m128d bounds = _mm_set1_pd(bound);
#endif
  for (Eigen::Index b = 0; b < blocks; ++b) {
    if (keys[static_cast<std::size_t>(b)] < bound) continue;
    Eigen::Index l = b * block;
    const Eigen::Index end = std::min(d, l + block);
#if defined(__SSE2__)
    for (; l + 8 <= end && ties < k; l += 8) {
      for (int hits = at_least_mask8(v + l, bounds); hits != 0; hits &= hits - 1)
        consider(l + std::countr_zero(static_cast<unsigned>(hits)));
    }
    for (; l + 8 <= end; l += 8) {
      for (int hits = above_mask8(v + l, bounds); hits != 0; hits &= hits - 1)
        consider(l + std::countr_zero(static_cast<unsigned>(hits)));
    }
#endif
    for (; l < end; ++l) consider(l);
  }

  // 3. The exact threshold among them, then the kept ones in index order.
  keys.resize(candidates.size());
  for (std::size_t p = 0; p < candidates.size(); ++p) keys[p] = magnitude(v[candidates[p]]);
  keep_from_threshold(
      v, k, kth_largest(keys, k, top),
      [&candidates](const auto& visit) {
        for (const std::int32_t i : candidates)
          if (!visit(i)) return;
      },
      out);
}

/// Large k: the threshold by a selection over a copy of the keys (std::nth_element on plain
/// doubles, O(d) expected whatever k is, where the heap's O(d log k) would cost more), then
/// one pass over v in index order.
void select_by_nth_element(const double* v, Eigen::Index d, std::int64_t k, std::vector<double>& keys,
                           SparseVector& out) {
  keys.resize(static_cast<std::size_t>(d));
  for (Eigen::Index l = 0; l < d; ++l) keys[static_cast<std::size_t>(l)] = magnitude(v[l]);
  const auto kth = keys.begin() + static_cast<std::ptrdiff_t>(k - 1);
  std::nth_element(keys.begin(), kth, keys.end(), std::greater<>());
  const double key = *kth;
  // nth_element leaves keys >= *kth before it (and <= after), so every key strictly above it
  // is among the first k - 1.
  const auto above = std::count_if(keys.begin(), kth, [key](double x) { return x > key; });
  keep_from_threshold(
      v, k, Threshold{key, static_cast<std::int64_t>(above)},
      [v, d, key](const auto& visit) {
        Eigen::Index l = 0;
#if defined(__SSE2__)
        const __m128d bound = _mm_set1_pd(key);
        for (; l + 8 <= d; l += 8) {
          for (int hits = at_least_mask8(v + l, bound); hits != 0; hits &= hits - 1)
            if (!visit(l + std::countr_zero(static_cast<unsigned>(hits)))) return;
        }
#endif
        for (; l < d; ++l)
          if (magnitude(v[l]) >= key && !visit(l)) return;
      },
      out);
}

/// Blocks of select_by_block_maxima for this k and d: about 4k blocks, a multiple of 8
/// entries each (whole SSE2 steps), at least 8.
Eigen::Index block_size(std::int64_t k, Eigen::Index d) {
  return std::max<Eigen::Index>(8, d / (4 * k) / 8 * 8);
}

}  // namespace

/// Which selection is fastest for this k and d (only speed depends on it: all three choose
/// the same entries). Fitted on tools/bench/math's top-k benchmark, N(0,1) and tied inputs:
///  - the heap, while its k ln(d/k) insertions of log2 k steps (mispredicted branches) stay
///    under an eighth of the d comparisons of its single pass: small k, large d (d = 1000
///    up to k = 8; d = 30 000 and 200 000 with k = 10);
///  - block maxima while there are at least k blocks of 8 or more (k <= d/8): two passes,
///    few candidates (d = 1000 with k = 10 to 125; k = 300 of 30 000; k = 2000 of 200 000);
///  - nth_element over all keys beyond (k > d/8).
TopK::Selection TopK::selection_for(std::int64_t k, Eigen::Index d) {
  const double kk = static_cast<double>(k), dd = static_cast<double>(d);
  if (kk * std::log(dd / kk) * std::log2(kk) <= dd / 8.0) return Selection::heap;
  const Eigen::Index block = block_size(k, d);
  if ((d + block - 1) / block >= k) return Selection::block_maxima;
  return Selection::nth_element;
}

TopK::TopK(std::int64_t k, Eigen::Index dim) : TopK(k, dim, Selection::nth_element) {
  selection_ = selection_for(k, dim);
}

TopK::TopK(std::int64_t k, Eigen::Index dim, Selection selection)
    : k_(k), dim_(dim), selection_(selection), block_(8) {
  EF21_CHECK(k >= 1 && k <= dim, "top-k needs 1 <= k <= d");
  block_ = block_size(k, dim);
  // Block maxima needs at least k blocks (k <= ceil(d / block_)): fall back beyond.
  if (selection_ == Selection::block_maxima && (dim + block_ - 1) / block_ < k)
    selection_ = Selection::nth_element;
}

namespace {

/// TopK's k kept entries of v[0, n) (1 <= k <= n), positions ascending, into `out`, by the
/// selection TopK would use for this k and n (all make the same choices).
void select_kept(const double* v, Eigen::Index n, std::int64_t k, CompressorWorkspace& workspace,
                 SparseVector& out) {
  out.clear();
  out.dim = n;
  switch (TopK::selection_for(k, n)) {
    case TopK::Selection::heap:
      select_by_heap(v, n, k, workspace.values, workspace.order, out);
      return;
    case TopK::Selection::block_maxima:
      select_by_block_maxima(v, n, k, block_size(k, n), workspace.values, workspace.candidate_values,
                             workspace.order, out);
      return;
    case TopK::Selection::nth_element:
      select_by_nth_element(v, n, k, workspace.values, out);
      return;
  }
}

}  // namespace

void TopK::prepare_overlay(const Eigen::VectorXd& base, std::size_t max_replaced,
                           OverlayPreparation& prepared) const {
  prepared.usable = false;
  if (k_ == dim_ || base.size() != dim_) return;
  const auto lead = static_cast<std::int64_t>(
      std::min(static_cast<std::size_t>(k_) + max_replaced, static_cast<std::size_t>(dim_)));
  // At small d compress() reads v in a few vectorized passes from L1, cheaper than the
  // overlay's per-candidate work once more than d/16 coordinates may be replaced (measured:
  // 10^5 workers at d = 1000 ran 30% slower through overlays with up to d/2 replaced).
  if (dim_<kOverlayAnyReplacedDim&& static_cast<std::size_t>(lead)> static_cast<std::size_t>(dim_) / 16)
    return;
  // The base's first `lead` coordinates in keep order: TopK's own selection with k = lead
  // (about one pass over the base), then sorted into keep order.
  CompressorWorkspace workspace;
  SparseVector selected;
  select_kept(base.data(), dim_, lead, workspace, selected);
  // Sorted as (key, index) pairs read once from the selection's values: a comparator reading
  // the base would load two scattered coordinates of a d-long vector per comparison.
  std::vector<std::pair<double, std::int32_t>> keyed(selected.size());
  for (std::size_t p = 0; p < keyed.size(); ++p)
    keyed[p] = {magnitude(selected.values[p]), selected.indices[p]};
  std::sort(keyed.begin(), keyed.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  std::vector<std::int32_t>& order = prepared.order;
  order.resize(keyed.size());
  for (std::size_t p = 0; p < keyed.size(); ++p) order[p] = keyed[p].second;
  prepared.max_replaced = max_replaced;
  prepared.usable = true;
}

bool TopK::compress_overlay(const OverlayInput& in, const OverlayPreparation& prepared, SparseVector& out,
                            CompressorWorkspace& workspace) const {
  if (!prepared.usable || in.base == nullptr || in.base->size() != dim_) return false;
  const std::size_t replaced = in.at.size();
  const auto k = static_cast<std::size_t>(k_);
  // 1. The k first replaced coordinates in keep order (TopK on the replaced values alone: `at`
  //    is increasing, so ties to the lower position are ties to the lower index).
  std::vector<std::int32_t>& candidates = workspace.positions;
  candidates.clear();
  std::vector<double>& values = workspace.candidate_values;
  if (replaced > k) {
    select_kept(in.replaced.data(), static_cast<Eigen::Index>(replaced), k_, workspace, out);
    for (std::size_t p = 0; p < out.size(); ++p)
      candidates.push_back(in.at[static_cast<std::size_t>(out.indices[p])]);
    values.assign(out.values.begin(), out.values.end());
  } else {
    candidates.assign(in.at.begin(), in.at.end());
    values.assign(in.replaced.begin(), in.replaced.end());
  }
  // 2. The first k unreplaced coordinates of the base's keep order: every kept coordinate
  //    outside the replaced set is among them (in the input's keep order fewer than k
  //    coordinates precede a kept one, and the unreplaced ones among them precede it in the
  //    base's order too). A prepared prefix too short to hold k of them declines.
  //    The base's leading coordinates are often replaced (EF21: E_i gathers the coordinates
  //    its worker sent, which the shared D^t ranks high), so the walk may test hundreds:
  //    with many replaced coordinates, a bit mask of them (d bits) answers each test at once.
  std::size_t taken = 0;
  const auto walk = [&](const auto& is_replaced) {
    for (const std::int32_t l : prepared.order) {
      if (taken == k) break;
      if (is_replaced(l)) continue;
      candidates.push_back(l);
      values.push_back((*in.base)[l]);
      ++taken;
    }
  };
  constexpr std::size_t kMaskFrom = 64;  // replaced coordinates from which the mask pays
  if (!in.at_mask.empty()) {
    EF21_CHECK(in.at_mask.size() == static_cast<std::size_t>((dim_ + 63) / 64),
               "top-k overlay: a mask of d bits");
    const std::uint64_t* words = in.at_mask.data();
    walk(
        [words](std::int32_t l) { return ((words[static_cast<std::size_t>(l) >> 6] >> (l & 63)) & 1) != 0; });
  } else if (replaced >= kMaskFrom) {
    std::vector<std::uint64_t>& mask = workspace.mask;  // all zero between uses
    mask.resize(static_cast<std::size_t>((dim_ + 63) / 64), 0);
    // `at` is increasing: each word's bits are gathered in a register and the word is stored
    // whole (no load of the mask, so no chain of stores and reloads through one word).
    std::uint64_t* words = mask.data();
    std::size_t current = static_cast<std::size_t>(in.at.front()) >> 6;
    std::uint64_t bits = 0;
    for (const std::int32_t l : in.at) {
      const std::size_t w = static_cast<std::size_t>(l) >> 6;
      const std::uint64_t same_word =
          std::uint64_t{0} - static_cast<std::uint64_t>(w == current);  // all ones or 0
      bits = (bits & same_word) | (std::uint64_t{1} << (l & 63));
      words[w] = bits;
      current = w;
    }
    walk(
        [words](std::int32_t l) { return ((words[static_cast<std::size_t>(l) >> 6] >> (l & 63)) & 1) != 0; });
    // The words `at` touched lie between its first and last: one fill clears them.
    std::fill(words + (static_cast<std::size_t>(in.at.front()) >> 6),
              words + (static_cast<std::size_t>(in.at.back()) >> 6) + 1, std::uint64_t{0});
  } else {
    walk([&in](std::int32_t l) { return std::binary_search(in.at.begin(), in.at.end(), l); });
  }
  if (taken < k && prepared.order.size() < static_cast<std::size_t>(dim_)) {
    EF21_CHECK(replaced > prepared.max_replaced,
               "top-k overlay: the prepared order is shorter than promised");
    return false;
  }
  // 3. The k first in keep order among the candidates (at most 2k; at least k, as d >= k).
  std::vector<std::int32_t>& positions = workspace.order;
  positions.resize(candidates.size());
  for (std::size_t p = 0; p < positions.size(); ++p) positions[p] = static_cast<std::int32_t>(p);
  const auto before = [&](std::int32_t a, std::int32_t b) {
    const double ka = magnitude(values[static_cast<std::size_t>(a)]),
                 kb = magnitude(values[static_cast<std::size_t>(b)]);
    return ka > kb ||
           (ka == kb && candidates[static_cast<std::size_t>(a)] < candidates[static_cast<std::size_t>(b)]);
  };
  std::nth_element(positions.begin(), positions.begin() + k_ - 1, positions.end(), before);
  positions.resize(k);
  std::sort(positions.begin(), positions.end(), [&](std::int32_t a, std::int32_t b) {
    return candidates[static_cast<std::size_t>(a)] < candidates[static_cast<std::size_t>(b)];
  });
  out.clear();
  out.dim = dim_;
  out.indices.resize(k);
  out.values.resize(k);
  for (std::size_t p = 0; p < k; ++p) {
    const auto c = static_cast<std::size_t>(positions[p]);
    out.indices[p] = candidates[c];
    out.values[p] = values[c];
  }
  return true;
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
  // k > 1: the k-th largest key (the threshold), then, in index order, the entries above it
  // and the lowest-index ones equal to it (DESIGN §7's order: larger magnitude first, ties to
  // the lower index).
  const double* v = in.data();
  switch (selection_) {
    case Selection::heap:
      select_by_heap(v, dim_, k_, workspace.values, workspace.order, out);
      return;
    case Selection::block_maxima:
      select_by_block_maxima(v, dim_, k_, block_, workspace.values, workspace.candidate_values,
                             workspace.order, out);
      return;
    case Selection::nth_element:
      select_by_nth_element(v, dim_, k_, workspace.values, out);
      return;
  }
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
