// Top-k (DESIGN §7): the k largest magnitudes, ties to the lower index, signs kept, indices
// sorted, checked against a naive sort-based reference and against the contraction bound.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "models/compressors/compressor.hpp"
#include "models/compressors/top_k.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::compressors::CompressorWorkspace;
using ef21::compressors::SparseVector;
using ef21::compressors::TopK;

namespace {

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
  for (std::size_t p = 0; p < out.size(); ++p) REQUIRE(ef21::test::same_bits(out.values[p], v[out.indices[p]]));
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
    const std::int64_t choices[] = {1, d, 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(d)))};
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
    for (Eigen::Index l = 0; l < d; ++l) x[l] = flat ? (rng.below(2) == 0 ? -1.5 : 1.5) : rng.normal() * std::exp(rng.normal());
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
  for (std::size_t p = 0; p < 5; ++p) CHECK(ef21::test::same_bits(out.values[p], v[static_cast<Eigen::Index>(p)]));
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
    if (trial % 4 == 1) v[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d)))] = -std::numeric_limits<double>::infinity();
    if (trial % 4 == 2) v[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d)))] = std::numeric_limits<double>::quiet_NaN();
    if (trial % 8 == 3) v.setZero();
    if (trial % 8 == 7) v[d - 1] = 100.0;  // the largest at the very end
    CAPTURE(trial, d);
    TopK(1, d).compress(v, out, rng, workspace);
    // The reference: first index of the largest |v_l|, NaN counting as +inf.
    std::int32_t expected = 0;
    auto magnitude = [](double x) { return std::isnan(x) ? std::numeric_limits<double>::infinity() : std::abs(x); };
    for (Eigen::Index l = 1; l < d; ++l)
      if (magnitude(v[l]) > magnitude(v[expected])) expected = static_cast<std::int32_t>(l);
    REQUIRE(out.indices == std::vector<std::int32_t>{expected});
    REQUIRE(ef21::test::same_bits(out.values[0], v[out.indices[0]]));
  }
}
