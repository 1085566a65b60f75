// Composition `compressor.then = "natural"` (sparsifier_then.hpp): the sparsifier's entries,
// each rounded by natural compression in the documented draw order; the contraction bound of
// top-k+natural and unscaled rand-k+natural (alpha = (7/8) k/d) and the unbiasedness of scaled
// rand-k+natural (omega = (9/8) d/k - 1) over many draws; its constants and flags.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <vector>

#include "models/compressors/compressor_registry.hpp"
#include "models/compressors/natural.hpp"
#include "models/compressors/rand_k.hpp"
#include "models/compressors/top_k.hpp"
#include "tests/models/compressors/compressor_test_support.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::compressors::Compressor;
using ef21::compressors::CompressorWorkspace;
using ef21::compressors::make_compressor;
using ef21::compressors::natural_round;
using ef21::compressors::RandK;
using ef21::compressors::SparseVector;
using ef21::compressors::TopK;
using ef21::test::params;
using ef21::test::spec_with_defaults;

namespace {

std::unique_ptr<Compressor> composed(const std::string& sparsifier, std::int64_t k, Eigen::Index d,
                                     bool scaled = false) {
  ef21::ParamSet overrides = params({{"then", std::string("natural")}});
  if (sparsifier == "rand-k") overrides.set("scaled", scaled);
  return make_compressor(spec_with_defaults(sparsifier, k, overrides), d);
}

/// Mean of many draws of ||C(x) - x||^2, with its standard error.
ef21::test::RunningMean squared_errors(const Compressor& c, const Eigen::VectorXd& x, ef21::Rng& rng,
                                       int draws) {
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::test::RunningMean error;
  for (int i = 0; i < draws; ++i) {
    c.compress(x, out, rng, workspace);
    error.add((out.to_dense() - x).squaredNorm());
  }
  return error;
}

/// A vector of magnitudes (4/3) 2^a: natural rounding's worst case, where omega = 1/8 is tight.
Eigen::VectorXd worst_case_vector(Eigen::Index d) {
  Eigen::VectorXd x(d);
  for (Eigen::Index l = 0; l < d; ++l)
    x[l] = (l % 3 == 0 ? -4.0 : 4.0) / 3.0 * std::ldexp(1.0, int(l % 5) - 2);
  return x;
}

}  // namespace

TEST_CASE("Sparsifier+natural rounds the sparsifier's entries: its draws first, then one per kept value",
          "[then]") {
  const std::uint64_t seed = ef21::test::test_seed(801);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  SparseVector reference;
  CompressorWorkspace workspace;
  for (int trial = 0; trial < 300; ++trial) {
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(rng.below(40));
    const std::int64_t k = 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(d)));
    const bool scaled = trial % 2 == 1;
    const Eigen::VectorXd x = ef21::test::spread_vector(rng, d);
    CAPTURE(trial, d, k, scaled);
    for (const std::string sparsifier : {"top-k", "rand-k"}) {
      CAPTURE(sparsifier);
      const auto c = composed(sparsifier, k, d, scaled);
      ef21::Rng twin = rng;
      c->compress(x, out, rng, workspace);
      // The reference on the twin stream: the sparsifier alone, then natural_round per entry.
      if (sparsifier == "top-k")
        TopK(k, d).compress(x, reference, twin, workspace);
      else
        RandK(k, d, scaled).compress(x, reference, twin, workspace);
      for (double& v : reference.values) v = natural_round(v, twin);
      REQUIRE(out.dim == d);
      REQUIRE(out.indices == reference.indices);
      REQUIRE(out.values.size() == reference.values.size());
      for (std::size_t p = 0; p < out.values.size(); ++p)
        REQUIRE(ef21::test::same_bits(out.values[p], reference.values[p]));
      ef21::Rng a = rng;
      REQUIRE(a.next_u64() == twin.next_u64());
      REQUIRE(out.dense == (k == d));
      REQUIRE_FALSE(out.exact);  // quantized: never exact, even with k = d
    }
  }
}

TEST_CASE("Top-k+natural and unscaled rand-k+natural contract with alpha = (7/8) k/d", "[then]") {
  const std::uint64_t seed = ef21::test::test_seed(802);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const Eigen::Index d = 20;
  constexpr int kDraws = 20000;
  for (const std::int64_t k : {1, 5, 20}) {
    for (const bool worst : {false, true}) {
      const Eigen::VectorXd x = worst ? worst_case_vector(d) : ef21::test::spread_vector(rng, d);
      const double p = static_cast<double>(k) / static_cast<double>(d);
      // Top-k+natural: E||C(x) - x||^2 = ||x - top_k(x)||^2 + sum over kept l of Var Q(x_l).
      SparseVector kept;
      CompressorWorkspace workspace;
      TopK(k, d).compress(x, kept, rng, workspace);
      double top_expected = x.squaredNorm();
      for (std::size_t q = 0; q < kept.values.size(); ++q)
        top_expected += ef21::test::natural_variance(kept.values[q]) - kept.values[q] * kept.values[q];
      // Rand-k+natural: each coordinate kept with probability k/d.
      double rand_expected = 0.0;
      for (Eigen::Index l = 0; l < d; ++l)
        rand_expected += (1.0 - p) * x[l] * x[l] + p * ef21::test::natural_variance(x[l]);
      struct Case {
        std::string sparsifier;
        double expected;
      };
      for (const Case& c : {Case{"top-k", top_expected}, Case{"rand-k", rand_expected}}) {
        const auto compressor = composed(c.sparsifier, k, d);
        CHECK(compressor->name() == c.sparsifier + "+natural");
        // The constant the theory uses. Rand-k with k = d is also unbiased (omega = 0), and the
        // composition then declares omega = 1/8 instead of alpha: contraction() = 7/8 either way.
        const auto alpha = compressor->contraction();
        REQUIRE(alpha.has_value());
        CHECK(*alpha == Approx(7.0 / 8.0 * p).epsilon(1e-15));
        const bool unbiased = c.sparsifier == "rand-k" && k == d;
        CHECK(compressor->alpha().has_value() == !unbiased);
        CHECK(compressor->omega().has_value() == unbiased);
        if (unbiased) CHECK(*compressor->omega() == 1.0 / 8.0);
        const double bound = (1.0 - *alpha) * x.squaredNorm();
        const auto error = squared_errors(*compressor, x, rng, kDraws);
        CAPTURE(c.sparsifier, k, worst, c.expected, bound, error.mean(), error.standard_error());
        CHECK(c.expected <= bound * (1.0 + 1e-12));
        CHECK(std::abs(error.mean() - c.expected) <= 5.0 * error.standard_error() + 1e-12 * bound);
        CHECK(error.mean() <= bound + 5.0 * error.standard_error() + 1e-12 * bound);
        // On natural's worst case with equal-weight binades the top-k bound is attained when k = d.
        if (worst && k == d) CHECK(c.expected == Approx(bound).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("Scaled rand-k+natural is unbiased with omega = (9/8) d/k - 1", "[then]") {
  const std::uint64_t seed = ef21::test::test_seed(803);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const Eigen::Index d = 12;
  constexpr int kDraws = 60000;
  for (const std::int64_t k : {3, 12}) {
    const auto compressor = composed("rand-k", k, d, true);
    const double ratio = static_cast<double>(d) / static_cast<double>(k);
    CHECK_FALSE(compressor->alpha().has_value());
    REQUIRE(compressor->omega().has_value());
    CHECK(*compressor->omega() == Approx(9.0 / 8.0 * ratio - 1.0).epsilon(1e-15));
    CHECK(compressor->draws_indices());
    const Eigen::VectorXd x = ef21::test::spread_vector(rng, d);
    SparseVector out;
    CompressorWorkspace workspace;
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
    ef21::test::RunningMean error;
    for (int i = 0; i < kDraws; ++i) {
      compressor->compress(x, out, rng, workspace);
      out.add_to(sum);
      error.add((out.to_dense() - x).squaredNorm());
    }
    const Eigen::VectorXd mean = sum / kDraws;
    // C(x)_l = Q((d/k) x_l) with probability k/d, else 0: E = x_l and
    // Var = (d/k - 1) x_l^2 + (k/d) Var Q((d/k) x_l) <= ((9/8) d/k - 1) x_l^2.
    double expected_error = 0.0;
    for (Eigen::Index l = 0; l < d; ++l) {
      const double variance =
          (ratio - 1.0) * x[l] * x[l] + ef21::test::natural_variance(ratio * x[l]) / ratio;
      expected_error += variance;
      const double standard_error = std::sqrt(variance / kDraws);
      CAPTURE(k, l, x[l], mean[l], standard_error);
      CHECK(std::abs(mean[l] - x[l]) <= 5.0 * standard_error + 1e-14 * std::abs(x[l]));
    }
    const double bound = *compressor->omega() * x.squaredNorm();
    CAPTURE(k, expected_error, bound, error.mean(), error.standard_error());
    CHECK(expected_error <= bound * (1.0 + 1e-12));
    CHECK(std::abs(error.mean() - expected_error) <= 5.0 * error.standard_error() + 1e-12 * bound);
    CHECK(error.mean() <= bound + 5.0 * error.standard_error());
  }
}
