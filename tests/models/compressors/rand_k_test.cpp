// Rand-k: k distinct sorted coordinates, uniform over coordinates, contractive in expectation
// unscaled, unbiased scaled by d/k. Statistical tolerances are computed from the known
// variances (5 standard errors), never guessed.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "models/compressors/rand_k.hpp"
#include "tests/models/compressors/compressor_test_support.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::compressors::CompressorWorkspace;
using ef21::compressors::RandK;
using ef21::compressors::SparseVector;

namespace {

Eigen::VectorXd random_vector(ef21::Rng& rng, Eigen::Index d) {
  Eigen::VectorXd x(d);
  for (Eigen::Index l = 0; l < d; ++l) x[l] = rng.normal() + (l % 3 == 0 ? 2.0 : 0.0);
  return x;
}

}  // namespace

TEST_CASE("Rand-k emits exactly k distinct sorted indices with the input's values", "[rand_k]") {
  const std::uint64_t seed = ef21::test::test_seed(401);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  for (int trial = 0; trial < 2000; ++trial) {
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(rng.below(25));
    const std::int64_t k = 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(d)));
    const bool scaled = trial % 2 == 1;
    const Eigen::VectorXd x = random_vector(rng, d);
    RandK(k, d, scaled).compress(x, out, rng, workspace);
    CAPTURE(trial, d, k, scaled);
    REQUIRE(out.dim == d);
    REQUIRE(out.size() == static_cast<std::size_t>(k));
    REQUIRE(out.indices.size() == out.values.size());
    for (std::size_t p = 0; p < out.size(); ++p) {
      REQUIRE(out.indices[p] >= 0);
      REQUIRE(out.indices[p] < d);
      if (p > 0) REQUIRE(out.indices[p - 1] < out.indices[p]);
      const double factor = scaled ? static_cast<double>(d) / static_cast<double>(k) : 1.0;
      REQUIRE(out.values[p] == factor * x[out.indices[p]]);
    }
    REQUIRE(out.dense == (k == d));
    REQUIRE(out.exact == (k == d));  // k = d keeps everything, and the scale d/k is then 1
  }
}

TEST_CASE("Rand-k is reproducible from the worker's stream", "[rand_k]") {
  const std::uint64_t seed = ef21::test::test_seed(402);
  CAPTURE(seed);
  ef21::Rng make_x(seed);
  const Eigen::VectorXd x = random_vector(make_x, 50);
  const RandK rand_k(5, 50, false);
  ef21::Rng a = ef21::Rng::stream(seed, "compressor", 4);
  ef21::Rng b = ef21::Rng::stream(seed, "compressor", 4);
  ef21::Rng other = ef21::Rng::stream(seed, "compressor", 5);
  SparseVector sa;
  SparseVector sb;
  SparseVector so;
  CompressorWorkspace workspace;
  int differing = 0;
  for (int i = 0; i < 100; ++i) {
    rand_k.compress(x, sa, a, workspace);
    rand_k.compress(x, sb, b, workspace);
    rand_k.compress(x, so, other, workspace);
    REQUIRE(sa.indices == sb.indices);
    differing += sa.indices != so.indices ? 1 : 0;
  }
  // Another worker's stream picks other subsets: P(same 5-subset of 50) = 1/C(50,5) ~ 5e-7.
  CHECK(differing >= 95);
}

TEST_CASE("Rand-k includes each coordinate with probability k/d", "[rand_k]") {
  const std::uint64_t seed = ef21::test::test_seed(403);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  struct Case {
    Eigen::Index d;
    std::int64_t k;
  };
  for (const Case c : {Case{10, 1}, Case{10, 3}, Case{17, 16}, Case{40, 7}}) {
    const RandK rand_k(c.k, c.d, false);
    const Eigen::VectorXd x = Eigen::VectorXd::Ones(c.d);
    constexpr int kDraws = 40000;
    std::vector<int> counts(static_cast<std::size_t>(c.d), 0);
    for (int i = 0; i < kDraws; ++i) {
      rand_k.compress(x, out, rng, workspace);
      for (std::int32_t l : out.indices) ++counts[static_cast<std::size_t>(l)];
    }
    // Each count is Binomial(N, p), p = k/d: mean Np, variance Np(1-p).
    const double p = static_cast<double>(c.k) / static_cast<double>(c.d);
    const double mean = kDraws * p;
    const double var = kDraws * p * (1.0 - p);
    double statistic = 0.0;
    CAPTURE(c.d, c.k);
    for (Eigen::Index l = 0; l < c.d; ++l) {
      const double deviation = counts[static_cast<std::size_t>(l)] - mean;
      CAPTURE(l, counts[static_cast<std::size_t>(l)], mean);
      CHECK(std::abs(deviation) <= 5.0 * std::sqrt(var));
      statistic += deviation * deviation / var;
    }
    // Sum of d standardised squares: each has expectation 1, so E = d; the terms are
    // (negatively) correlated because the counts sum to N k, which only lowers the variance
    // below the independent chi-square_d's 2d. Bound: d + 6 sqrt(2d).
    CAPTURE(statistic);
    CHECK(statistic <= static_cast<double>(c.d) + 6.0 * std::sqrt(2.0 * static_cast<double>(c.d)));
  }
}

TEST_CASE("Unscaled rand-k contracts: per draw ||C(x)-x||^2 <= ||x||^2, in expectation (1 - k/d)||x||^2",
          "[rand_k]") {
  const std::uint64_t seed = ef21::test::test_seed(404);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  const Eigen::Index d = 12;
  for (std::int64_t k : {1, 4, 11, 12}) {
    const RandK rand_k(k, d, false);
    REQUIRE(rand_k.alpha().has_value());
    CHECK(*rand_k.alpha() == static_cast<double>(k) / 12.0);
    CHECK(ef21::test::value_or_nan(rand_k.contraction()) == *rand_k.alpha());
    const Eigen::VectorXd x = random_vector(rng, d);
    constexpr int kDraws = 20000;
    double sum = 0.0;
    double sum_sq = 0.0;
    for (int i = 0; i < kDraws; ++i) {
      rand_k.compress(x, out, rng, workspace);
      const double error = (out.to_dense() - x).squaredNorm();
      REQUIRE(error <= x.squaredNorm());  // dropping coordinates never adds energy
      sum += error;
      sum_sq += error * error;
    }
    const double mean = sum / kDraws;
    const double sample_var = std::max(0.0, sum_sq / kDraws - mean * mean);
    const double expected = (1.0 - *rand_k.alpha()) * x.squaredNorm();
    CAPTURE(k, mean, expected, sample_var);
    // 5 standard errors from the sample variance, plus round-off slack (k = d: both are 0).
    CHECK(std::abs(mean - expected) <= 5.0 * std::sqrt(sample_var / kDraws) + 1e-12 * x.squaredNorm());
  }
}

TEST_CASE("Scaled rand-k is unbiased: the mean of many draws converges to x, E||C(x)-x||^2 = omega||x||^2",
          "[rand_k]") {
  const std::uint64_t seed = ef21::test::test_seed(405);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  const Eigen::Index d = 15;
  const std::int64_t k = 4;
  const RandK rand_k(k, d, true);
  // omega = d/k - 1 = 2.75 >= 1: unbiased, not contractive.
  CHECK_FALSE(rand_k.alpha().has_value());
  REQUIRE(rand_k.omega().has_value());
  CHECK(*rand_k.omega() == 15.0 / 4.0 - 1.0);
  CHECK_FALSE(rand_k.contraction().has_value());
  const Eigen::VectorXd x = random_vector(rng, d);
  constexpr int kDraws = 50000;
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
  ef21::test::RunningMean error;
  for (int i = 0; i < kDraws; ++i) {
    rand_k.compress(x, out, rng, workspace);
    out.add_to(sum);
    error.add((out.to_dense() - x).squaredNorm());
  }
  // E||C(x) - x||^2 = omega ||x||^2 exactly (sum over l of (k/d)(d/k - 1)^2 x_l^2 + (1 - k/d) x_l^2):
  // the empirical mean is within 5 standard errors of it (which is also the bound).
  const double omega_bound = *rand_k.omega() * x.squaredNorm();
  CAPTURE(error.mean(), omega_bound, error.standard_error());
  CHECK(std::abs(error.mean() - omega_bound) <= 5.0 * error.standard_error());
  const Eigen::VectorXd mean = sum / kDraws;
  // C(x)_l = (d/k) x_l with probability k/d, else 0: variance x_l^2 (d/k - 1), so the standard
  // error of the mean of N draws is |x_l| sqrt((d/k - 1) / N).
  const double ratio = static_cast<double>(d) / static_cast<double>(k);
  for (Eigen::Index l = 0; l < d; ++l) {
    const double standard_error = std::abs(x[l]) * std::sqrt((ratio - 1.0) / kDraws);
    CAPTURE(l, x[l], mean[l], standard_error);
    CHECK(std::abs(mean[l] - x[l]) <= 5.0 * standard_error + 1e-14);
  }
}
