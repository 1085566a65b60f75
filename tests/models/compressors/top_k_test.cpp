// Top-k (DESIGN §7): the k largest magnitudes, ties to the lower index, signs kept, indices
// sorted, checked against a naive sort-based reference and against the contraction bound.
#include "models/compressors/top_k.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <vector>

#include "models/compressors/compressor.hpp"
#include "models/compressors/top_k_reference.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::compressors::CompressorWorkspace;
using ef21::compressors::SparseVector;
using ef21::compressors::TopK;

namespace {

/// The overlay's input written out densely: base with base[at[q]] = values[q].
Eigen::VectorXd with_replaced(const Eigen::VectorXd& base, const std::vector<std::int32_t>& at,
                              const std::vector<double>& values) {
  Eigen::VectorXd dense = base;
  for (std::size_t q = 0; q < at.size(); ++q) dense[at[q]] = values[q];
  return dense;
}

/// Two messages equal bit for bit (values compared as bytes: signed zeros and NaNs too).
void require_same_message(const SparseVector& got, const SparseVector& expected) {
  REQUIRE(got.indices == expected.indices);
  REQUIRE(got.values.size() == expected.values.size());
  for (std::size_t p = 0; p < got.values.size(); ++p)
    REQUIRE(std::memcmp(&got.values[p], &expected.values[p], sizeof(double)) == 0);
  REQUIRE(got.dense == expected.dense);
  REQUIRE(got.exact == expected.exact);
}

/// The reference: stable-sort the indices by |v| descending (stability = ties keep the lower
/// index first), take the first k, return them in increasing order.
std::vector<std::int32_t> naive_top_k(const Eigen::VectorXd& v, std::int64_t k) {
  std::vector<std::int32_t> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int32_t a, std::int32_t b) { return std::abs(v[a]) > std::abs(v[b]); });
  order.resize(static_cast<std::size_t>(k));
  std::sort(order.begin(), order.end());
  return order;
}

/// Every structural promise of a top-k message for input v.
void check_against_reference(const TopK& top_k, const Eigen::VectorXd& v, std::int64_t k, SparseVector& out,
                             CompressorWorkspace& workspace) {
  ef21::Rng unused(0);
  top_k.compress(v, out, unused, workspace);
  INFO("d = " << v.size() << ", k = " << k << ", v = " << v.transpose());
  REQUIRE(out.dim == v.size());
  REQUIRE(out.size() == static_cast<std::size_t>(k));
  REQUIRE(out.indices.size() == out.values.size());
  for (std::size_t p = 1; p < out.indices.size(); ++p) REQUIRE(out.indices[p - 1] < out.indices[p]);
  REQUIRE(out.indices == naive_top_k(v, k));
  // Values are the input's own entries, sign included (no abs, no scaling).
  for (std::size_t p = 0; p < out.size(); ++p)
    REQUIRE(ef21::test::same_bits(out.values[p], v[out.indices[p]]));
  REQUIRE(out.dense == (k == v.size()));
  REQUIRE(out.exact == (k == v.size()));  // exact only when it keeps everything
}

}  // namespace

TEST_CASE("Top-k matches a naive stable-sort reference on random vectors", "[top_k]") {
  const std::uint64_t seed = ef21::test::test_seed(301);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;  // shared across calls on purpose: stale scratch must not leak
  for (int trial = 0; trial < 3000; ++trial) {
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(rng.below(40));
    Eigen::VectorXd v(d);
    const bool ties = trial % 2 == 0;
    for (Eigen::Index l = 0; l < d; ++l)
      // Half the vectors from {-2, -1, 0, 1, 2}: many equal magnitudes, opposite signs, zeros.
      v[l] = ties ? static_cast<double>(rng.below(5)) - 2.0 : rng.normal();
    // k = 1 and k = d always appear among the choices; otherwise uniform in [1, d].
    const std::int64_t choices[] = {1, d,
                                    1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(d)))};
    const std::int64_t k = choices[trial % 3];
    CAPTURE(trial);
    check_against_reference(TopK(k, d), v, k, out, workspace);
  }
}

TEST_CASE("Top-k breaks ties toward the lower index and keeps signs", "[top_k]") {
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng unused(0);
  Eigen::VectorXd v(6);
  v << 1.0, -3.0, 3.0, -1.0, 3.0, 0.0;
  TopK(2, 6).compress(v, out, unused, workspace);
  // |v| = 1 3 3 1 3 0: three entries tie at 3; the lower indices 1 and 2 win.
  CHECK(out.indices == std::vector<std::int32_t>{1, 2});
  CHECK(out.values == std::vector<double>{-3.0, 3.0});
  TopK(4, 6).compress(v, out, unused, workspace);
  // Then index 4 (3), then the tie at 1 between indices 0 and 3 goes to 0.
  CHECK(out.indices == std::vector<std::int32_t>{0, 1, 2, 4});
  TopK(1, 6).compress(-v, out, unused, workspace);
  CHECK(out.indices == std::vector<std::int32_t>{1});
  CHECK(out.values == std::vector<double>{3.0});
  // An all-zero vector: the first k indices.
  TopK(3, 6).compress(Eigen::VectorXd::Zero(6), out, unused, workspace);
  CHECK(out.indices == std::vector<std::int32_t>{0, 1, 2});
}

TEST_CASE("Top-k counts NaN as the largest magnitude", "[top_k]") {
  // Documented in top_k.hpp: a diverging run keeps a well-defined, visible output.
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng unused(0);
  Eigen::VectorXd v(4);
  v << 5.0, std::numeric_limits<double>::quiet_NaN(), -7.0, 1.0;
  TopK(1, 4).compress(v, out, unused, workspace);
  CHECK(out.indices == std::vector<std::int32_t>{1});
  TopK(2, 4).compress(v, out, unused, workspace);
  CHECK(out.indices == std::vector<std::int32_t>{1, 2});
  v[3] = std::numeric_limits<double>::infinity();
  TopK(2, 4).compress(v, out, unused, workspace);
  CHECK(out.indices == std::vector<std::int32_t>{1, 3});  // NaN ~ +inf, tie to the lower index
}

TEST_CASE("Top-k satisfies the contraction bound ||C(x) - x||^2 <= (1 - k/d) ||x||^2", "[top_k]") {
  const std::uint64_t seed = ef21::test::test_seed(302);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  for (int trial = 0; trial < 2000; ++trial) {
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(rng.below(30));
    const std::int64_t k = 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(d)));
    Eigen::VectorXd x(d);
    // Equal magnitudes make the bound tight (the discarded part is exactly (1 - k/d)||x||^2).
    const bool flat = trial % 4 == 0;
    for (Eigen::Index l = 0; l < d; ++l)
      x[l] = flat ? (rng.below(2) == 0 ? -1.5 : 1.5) : rng.normal() * std::exp(rng.normal());
    const TopK top_k(k, d);
    top_k.compress(x, out, rng, workspace);
    const double error = (out.to_dense() - x).squaredNorm();
    REQUIRE(top_k.alpha().has_value());
    const double bound = (1.0 - *top_k.alpha()) * x.squaredNorm();
    CAPTURE(trial, d, k);
    // 1e-12 relative slack for the round-off of the two sums, nothing more.
    REQUIRE(error <= bound * (1.0 + 1e-12));
    CHECK(*top_k.alpha() == static_cast<double>(k) / static_cast<double>(d));
    CHECK_FALSE(top_k.omega().has_value());
  }
}

TEST_CASE("Top-k with k = d is the identity, as a dense message", "[top_k]") {
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng unused(0);
  Eigen::VectorXd v(5);
  v << -0.0, 1e-300, -2.0, 2.0, 7.5;
  TopK(5, 5).compress(v, out, unused, workspace);
  CHECK(out.dense);
  CHECK(out.exact);
  CHECK(ef21::test::same_bits(out.to_dense(), v + Eigen::VectorXd::Zero(5)));  // -0 + 0 = +0 in to_dense
  for (std::size_t p = 0; p < 5; ++p)
    CHECK(ef21::test::same_bits(out.values[p], v[static_cast<Eigen::Index>(p)]));
}

TEST_CASE("Top-1 on long vectors with ties, infinities and NaNs matches the reference", "[top_k]") {
  // k = 1 has its own two-pass (vectorized) path; exercise every lane and tail position.
  const std::uint64_t seed = ef21::test::test_seed(303);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  for (int trial = 0; trial < 2000; ++trial) {
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(rng.below(300));
    Eigen::VectorXd v(d);
    for (Eigen::Index l = 0; l < d; ++l) v[l] = static_cast<double>(rng.below(7)) - 3.0;
    if (trial % 4 == 1)
      v[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d)))] =
          -std::numeric_limits<double>::infinity();
    if (trial % 4 == 2)
      v[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d)))] =
          std::numeric_limits<double>::quiet_NaN();
    if (trial % 8 == 3) v.setZero();
    if (trial % 8 == 7) v[d - 1] = 100.0;  // the largest at the very end
    CAPTURE(trial, d);
    TopK(1, d).compress(v, out, rng, workspace);
    // The reference: first index of the largest |v_l|, NaN counting as +inf.
    std::int32_t expected = 0;
    auto magnitude = [](double x) {
      return std::isnan(x) ? std::numeric_limits<double>::infinity() : std::abs(x);
    };
    for (Eigen::Index l = 1; l < d; ++l)
      if (magnitude(v[l]) > magnitude(v[expected])) expected = static_cast<std::int32_t>(l);
    REQUIRE(out.indices == std::vector<std::int32_t>{expected});
    REQUIRE(ef21::test::same_bits(out.values[0], v[out.indices[0]]));
  }
}

namespace {

/// The reference for any input: a stable sort by the key |x| (NaN counting as +inf), which
/// is a strict weak order even with NaNs (plain |x| comparisons are not).
std::vector<std::int32_t> naive_top_k_nan_aware(const Eigen::VectorXd& v, std::int64_t k) {
  auto key = [&v](std::int32_t l) {
    return std::isnan(v[l]) ? std::numeric_limits<double>::infinity() : std::abs(v[l]);
  };
  std::vector<std::int32_t> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int32_t a, std::int32_t b) { return key(a) > key(b); });
  order.resize(static_cast<std::size_t>(k));
  std::sort(order.begin(), order.end());
  return order;
}

/// One coordinate of a hostile vector: mostly a few magnitudes (ties across signs), with
/// +-0, +-inf, NaNs of both signs, subnormals and the odd normal value.
double hostile_entry(ef21::Rng& rng) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (rng.below(16)) {
    case 0:
      return 0.0;
    case 1:
      return -0.0;
    case 2:
      return inf;
    case 3:
      return -inf;
    case 4:
      return nan;
    case 5:
      return -nan;  // the sign bit set: still a NaN, still the largest key
    case 6:
      return std::numeric_limits<double>::denorm_min() * static_cast<double>(rng.below(3));
    case 7:
      return rng.normal();
    default:
      return static_cast<double>(rng.below(7)) - 3.0;  // {-3, ..., 3}: many ties
  }
}

}  // namespace

TEST_CASE("Top-k (k > 1) chooses exactly as the previous nth_element selection, on hostile vectors",
          "[top_k]") {
  // Each of the three selections (min-heap, block maxima, nth_element over the keys), every
  // SSE2 lane and tail position, signs, +-0, +-inf and NaNs: the indices must be those of
  // reference::top_k_indices_by_nth_element (the pre-issue-13 TopK) and of a naive stable
  // sort, and the values the input's own bits.
  using Selection = TopK::Selection;
  const std::uint64_t seed = ef21::test::test_seed(304);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;  // shared across calls: stale scratch must not leak
  std::vector<std::int32_t> order;
  std::vector<std::int32_t> reference;
  for (int trial = 0; trial < 4000; ++trial) {
    const Eigen::Index d = 2 + static_cast<Eigen::Index>(rng.below(trial % 10 == 0 ? 3000 : 150));
    Eigen::VectorXd v(d);
    const int kind = trial % 5;
    for (Eigen::Index l = 0; l < d; ++l) {
      switch (kind) {
        case 0:
          v[l] = hostile_entry(rng);
          break;
        case 1:  // {-1, 0, 1}
          v[l] = static_cast<double>(rng.below(3)) - 1.0;
          break;
        case 2:
          v[l] = rng.normal();
          break;
        case 3:  // ascending magnitudes: the heap's worst case
          v[l] = static_cast<double>(l) * (l % 2 == 0 ? 1.0 : -1.0);
          break;
        default:  // descending
          v[l] = static_cast<double>(d - l);
          break;
      }
    }
    // k in [2, d - 1] (k = 1 and k = d have their own paths), small k more often.
    const auto span = static_cast<std::uint64_t>(d - 2);
    const std::int64_t k = span == 0 ? 1
                                     : 2 + static_cast<std::int64_t>(rng.below(
                                               trial % 2 == 0 ? std::min<std::uint64_t>(span, 12) : span));
    if (k < 2 || k >= d) continue;
    CAPTURE(trial, d, k, kind);
    ef21::compressors::reference::top_k_indices_by_nth_element(v, k, order, reference);
    REQUIRE(reference == naive_top_k_nan_aware(v, k));
    for (const Selection selection : {Selection::heap, Selection::block_maxima, Selection::nth_element}) {
      CAPTURE(static_cast<int>(selection));
      TopK(k, d, selection).compress(v, out, rng, workspace);
      REQUIRE(out.indices == reference);
      REQUIRE(out.values.size() == out.indices.size());
      for (std::size_t p = 0; p < out.size(); ++p)
        REQUIRE(ef21::test::same_bits(out.values[p], v[out.indices[p]]));
      REQUIRE_FALSE(out.dense);
      REQUIRE_FALSE(out.exact);
    }
    // The automatic choice is one of them.
    TopK(k, d).compress(v, out, rng, workspace);
    REQUIRE(out.indices == reference);
  }
}

TEST_CASE("Top-k picks each selection where it was measured fastest", "[top_k]") {
  using Selection = TopK::Selection;
  CHECK(TopK::selection_for(2, 1000) == Selection::heap);
  CHECK(TopK::selection_for(10, 200000) == Selection::heap);
  CHECK(TopK::selection_for(10, 1000) == Selection::block_maxima);  // issue 13's case
  CHECK(TopK::selection_for(300, 30000) == Selection::block_maxima);
  CHECK(TopK::selection_for(100, 1000) == Selection::block_maxima);
  CHECK(TopK::selection_for(250, 1000) == Selection::nth_element);
  CHECK(TopK::selection_for(50000, 200000) == Selection::nth_element);
}

TEST_CASE("Top-k with k > 1 on all-equal, all-NaN and all-zero vectors keeps the lowest indices", "[top_k]") {
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng unused(0);
  for (const double fill :
       {0.0, -0.0, 2.5, -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    for (const Eigen::Index d : {Eigen::Index{7}, Eigen::Index{64}, Eigen::Index{1001}}) {
      for (const std::int64_t k : {std::int64_t{2}, std::int64_t{5}, d - 1}) {
        CAPTURE(fill, d, k);
        const Eigen::VectorXd v = Eigen::VectorXd::Constant(d, fill);
        TopK(k, d).compress(v, out, unused, workspace);
        std::vector<std::int32_t> expected(static_cast<std::size_t>(k));
        std::iota(expected.begin(), expected.end(), 0);
        REQUIRE(out.indices == expected);
        for (std::size_t p = 0; p < out.size(); ++p) REQUIRE(ef21::test::same_bits(out.values[p], fill));
      }
    }
  }
  // One NaN among infinities: NaN and inf tie as the largest key, so the lower indices win.
  Eigen::VectorXd v = Eigen::VectorXd::Constant(40, 1.0);
  v[30] = std::numeric_limits<double>::quiet_NaN();
  v[10] = -std::numeric_limits<double>::infinity();
  v[35] = std::numeric_limits<double>::infinity();
  TopK(2, 40).compress(v, out, unused, workspace);
  CHECK(out.indices == std::vector<std::int32_t>{10, 30});
  TopK(4, 40).compress(v, out, unused, workspace);
  CHECK(out.indices == std::vector<std::int32_t>{0, 10, 30, 35});  // then the first of the 1.0 ties
}

TEST_CASE("Top-k of a base with replaced coordinates: compress_overlay equals compress bit for bit",
          "[compressor][top-k]") {
  const std::uint64_t seed = ef21::test::test_seed(305);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (const Eigen::Index d : {Eigen::Index{256}, Eigen::Index{1000}}) {
    for (const std::int64_t k : {std::int64_t{1}, std::int64_t{3}, std::int64_t{10}}) {
      const TopK topk(k, d);
      for (int trial = 0; trial < 200; ++trial) {
        CAPTURE(d, k, trial);
        // A base with ties (values on a coarse grid), signed zeros and now and then a NaN.
        Eigen::VectorXd base(d);
        for (Eigen::Index l = 0; l < d; ++l) base[l] = std::round(4.0 * rng.normal()) / 4.0;
        if (trial % 7 == 0) base[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d)))] = NAN;
        if (trial % 5 == 0) base[0] = -0.0;
        const auto replaced_count = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(d / 64)));
        std::vector<std::int32_t> at;
        for (std::size_t q = 0; q < replaced_count; ++q)
          at.push_back(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(d))));
        std::sort(at.begin(), at.end());
        at.erase(std::unique(at.begin(), at.end()), at.end());
        std::vector<double> values;
        for (std::size_t q = 0; q < at.size(); ++q)
          values.push_back(trial % 3 == 0 ? base[at[q]] : std::round(8.0 * rng.normal()) / 4.0);
        const Eigen::VectorXd dense = with_replaced(base, at, values);

        ef21::compressors::OverlayPreparation prepared;
        topk.prepare_overlay(base, static_cast<std::size_t>(d / 16 - k), prepared);
        REQUIRE(prepared.usable);
        CompressorWorkspace w1, w2;
        SparseVector expected, got;
        topk.compress(dense, expected, rng, w1);
        REQUIRE(topk.compress_overlay({&base, at, values, {}}, prepared, got, w2));
        require_same_message(got, expected);
      }
      // More replaced coordinates than prepared for: it declines.
      Eigen::VectorXd base = Eigen::VectorXd::Ones(d);
      ef21::compressors::OverlayPreparation prepared;
      topk.prepare_overlay(base, 2, prepared);
      std::vector<std::int32_t> at{0, 1, 2};
      std::vector<double> values{1.0, 2.0, 3.0};
      SparseVector out;
      CompressorWorkspace w;
      CHECK_FALSE(topk.compress_overlay({&base, at, values, {}}, prepared, out, w));
    }
  }
}

TEST_CASE("Top-k overlays with many replaced coordinates equal compress bit for bit", "[compressor][top-k]") {
  // EF21's compact workers at large d: |E_i| far beyond the preparation's budget, and the
  // base's leading coordinates mostly among the replaced ones. compress_overlay may decline
  // then (the caller builds the input densely), but whatever it returns must be compress()'s
  // message; with at most max_replaced replaced it must not decline.
  const std::uint64_t seed = ef21::test::test_seed(306);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  std::size_t accepted = 0, declined = 0;
  // From kOverlayAnyReplacedDim on, overlays are prepared whatever the number replaced.
  for (const Eigen::Index d : {TopK::kOverlayAnyReplacedDim, TopK::kOverlayAnyReplacedDim + 999}) {
    for (const std::int64_t k : {std::int64_t{1}, std::int64_t{10}, std::int64_t{40}}) {
      const TopK topk(k, d);
      CompressorWorkspace w1, w2;  // reused across trials, as a worker thread's
      for (int trial = 0; trial < 40; ++trial) {
        CAPTURE(d, k, trial);
        Eigen::VectorXd base(d);
        for (Eigen::Index l = 0; l < d; ++l) base[l] = std::round(4.0 * rng.normal()) / 4.0;
        if (trial % 7 == 0) base[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d)))] = NAN;
        if (trial % 5 == 0) base[2] = -0.0;
        const std::size_t max_replaced = trial % 4 == 0 ? 0 : 1 + rng.below(64);
        ef21::compressors::OverlayPreparation prepared;
        topk.prepare_overlay(base, max_replaced, prepared);
        REQUIRE(prepared.usable);
        // Replaced: up to d/2 coordinates, half of them from the base's leading ones.
        std::vector<std::int32_t> at;
        const auto count = static_cast<std::size_t>(rng.below(static_cast<std::uint64_t>(d / 2)));
        for (std::size_t q = 0; q < count; ++q)
          at.push_back(q % 2 == 0 && q / 2 < prepared.order.size()
                           ? prepared.order[q / 2]
                           : static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(d))));
        if (trial % 3 == 0) at.resize(std::min(at.size(), max_replaced));
        std::sort(at.begin(), at.end());
        at.erase(std::unique(at.begin(), at.end()), at.end());
        std::vector<double> values;
        for (std::size_t q = 0; q < at.size(); ++q)
          values.push_back(q % 9 == 0 ? -0.0 : std::round(8.0 * rng.normal()) / 4.0);
        const Eigen::VectorXd dense = with_replaced(base, at, values);

        SparseVector expected, got;
        topk.compress(dense, expected, rng, w1);
        // The caller's mask of `at` (OverlayInput::at_mask, as EF21 keeps for E_i) gives the
        // same outcome and message as the mask the compressor builds itself.
        std::vector<std::uint64_t> at_mask(static_cast<std::size_t>((d + 63) / 64), 0);
        for (const std::int32_t l : at)
          at_mask[static_cast<std::size_t>(l) >> 6] |= std::uint64_t{1} << (l & 63);
        SparseVector with_mask;
        const bool masked_ok = topk.compress_overlay({&base, at, values, at_mask}, prepared, with_mask, w2);
        if (!topk.compress_overlay({&base, at, values, {}}, prepared, got, w2)) {
          REQUIRE_FALSE(masked_ok);
          REQUIRE(at.size() > max_replaced);
          ++declined;
          continue;
        }
        REQUIRE(masked_ok);
        require_same_message(with_mask, expected);
        ++accepted;
        require_same_message(got, expected);
      }
      REQUIRE(std::all_of(w2.mask.begin(), w2.mask.end(), [](std::uint64_t word) { return word == 0; }));
    }
  }
  // Both outcomes occur, so both paths are exercised.
  CHECK(accepted > 40);
  CHECK(declined > 0);
}
