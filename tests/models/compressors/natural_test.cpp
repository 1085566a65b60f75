// Natural compression (Horváth et al. 2019): exact outputs on hand-computed values, the stream
// usage it documents (one uniform per value), unbiasedness and omega = 1/8 over many draws,
// and its 9-bit dense messages. Statistical tolerances are 5 standard errors computed from the
// known variances, never guessed.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "models/compressors/compressor_registry.hpp"
#include "models/compressors/natural.hpp"
#include "tests/models/compressors/compressor_test_support.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::compressors::BitAccounting;
using ef21::compressors::CompressorWorkspace;
using ef21::compressors::IndexBits;
using ef21::compressors::Natural;
using ef21::compressors::natural_round;
using ef21::compressors::SparseVector;
using ef21::test::same_bits;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Whether `rng` has advanced exactly as far as `twin` (compares the next outputs of copies).
bool same_position(const ef21::Rng& rng, const ef21::Rng& twin) {
  ef21::Rng a = rng;
  ef21::Rng b = twin;
  return a.next_u64() == b.next_u64() && a.next_u64() == b.next_u64();
}

}  // namespace

TEST_CASE("Natural rounding keeps zeros, powers of two, infinities and NaN, drawing one uniform each",
          "[natural]") {
  const std::uint64_t seed = ef21::test::test_seed(501);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const double fixed[] = {0.0,
                          -0.0,
                          1.0,
                          -1.0,
                          2.0,
                          0.5,
                          -4.0,
                          std::ldexp(1.0, 1023),    // the largest power of two
                          std::ldexp(1.0, -1022),   // the smallest normal
                          std::ldexp(1.0, -1074),   // the smallest subnormal
                          -std::ldexp(1.0, -1050),  // a subnormal power of two
                          kInf,
                          -kInf,
                          std::numeric_limits<double>::quiet_NaN()};
  for (const double t : fixed) {
    CAPTURE(t);
    for (int i = 0; i < 200; ++i) {
      ef21::Rng twin = rng;
      (void)twin.uniform();
      const double q = natural_round(t, rng);
      REQUIRE(same_bits(q, t));  // bit for bit: -0 stays -0, NaN keeps its payload
      REQUIRE(same_position(rng, twin));
    }
  }
}

TEST_CASE("Natural rounding of hand-computed values: down with probability (2^(a+1) - |t|)/2^a",
          "[natural]") {
  const std::uint64_t seed = ef21::test::test_seed(502);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  struct Case {
    double t, down, up, p_down;
  };
  const double tiny = std::ldexp(1.0, -1074);
  const Case cases[] = {
      {3.0, 2.0, 4.0, 0.5},      // 3 -> 2 or 4, each with probability 1/2
      {-3.0, -2.0, -4.0, 0.5},   // signs kept
      {1.25, 1.0, 2.0, 0.75},    // (2 - 1.25) / 1
      {1.75, 1.0, 2.0, 0.25},    // (2 - 1.75) / 1
      {5.0, 4.0, 8.0, 0.75},     // (8 - 5) / 4
      {-7.0, -4.0, -8.0, 0.25},  // (8 - 7) / 4
      {0.375, 0.25, 0.5, 0.5},   // (0.5 - 0.375) / 0.25
      {-0.3125, -0.25, -0.5, 0.75},
      {3.0 * tiny, 2.0 * tiny, 4.0 * tiny, 0.5},                        // a subnormal rounds like any value
      {1.5 * std::ldexp(1.0, 1023), std::ldexp(1.0, 1023), kInf, 0.5},  // the top binade overflows up
      {-std::numeric_limits<double>::max(), -std::ldexp(1.0, 1023), -kInf, std::ldexp(1.0, -52)},
  };
  constexpr int kDraws = 40000;
  for (const Case& c : cases) {
    CAPTURE(c.t, c.down, c.up, c.p_down);
    int downs = 0;
    for (int i = 0; i < kDraws; ++i) {
      // The documented rule, replayed on a twin stream: down iff the one uniform u < p_down.
      ef21::Rng twin = rng;
      const double u = twin.uniform();
      const double q = natural_round(c.t, rng);
      REQUIRE(same_bits(q, u < c.p_down ? c.down : c.up));
      REQUIRE(same_position(rng, twin));
      downs += q == c.down ? 1 : 0;
    }
    // Binomial(N, p): within 5 standard deviations (the p = 2^-52 case: essentially never down).
    const double sd = std::sqrt(kDraws * c.p_down * (1.0 - c.p_down));
    CAPTURE(downs);
    CHECK(std::abs(downs - kDraws * c.p_down) <= 5.0 * sd + 1e-9);
  }
}

TEST_CASE("Natural compression is unbiased, with E||C(x) - x||^2 <= ||x||^2 / 8", "[natural]") {
  const std::uint64_t seed = ef21::test::test_seed(503);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const Eigen::Index d = 24;
  // A spread vector, and one at the worst case |t| = (4/3) 2^a where the bound is tight.
  Eigen::VectorXd tight(d);
  for (Eigen::Index l = 0; l < d; ++l)
    tight[l] = (l % 2 == 0 ? 4.0 : -4.0) / 3.0 * std::ldexp(1.0, int(l) - 12);
  const Eigen::VectorXd inputs[] = {ef21::test::spread_vector(rng, d), tight};
  const Natural natural(d);
  REQUIRE(natural.omega().has_value());
  const double omega = *natural.omega();
  CHECK(omega == 1.0 / 8.0);
  SparseVector out;
  CompressorWorkspace workspace;
  constexpr int kDraws = 40000;
  for (const Eigen::VectorXd& x : inputs) {
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
    ef21::test::RunningMean error;
    for (int i = 0; i < kDraws; ++i) {
      natural.compress(x, out, rng, workspace);
      out.add_to(sum);
      error.add((out.to_dense() - x).squaredNorm());
    }
    const Eigen::VectorXd mean = sum / kDraws;
    double expected_error = 0.0;
    for (Eigen::Index l = 0; l < d; ++l) {
      // C(x)_l is a two-point variable with variance (|x_l| - lo)(hi - |x_l|).
      const double variance = ef21::test::natural_variance(x[l]);
      expected_error += variance;
      const double standard_error = std::sqrt(variance / kDraws);
      CAPTURE(l, x[l], mean[l], standard_error);
      CHECK(std::abs(mean[l] - x[l]) <= 5.0 * standard_error + 1e-15 * std::abs(x[l]));
    }
    // The exact expectation obeys the omega bound (tight for the (4/3) 2^a vector), and the
    // empirical mean agrees with it.
    const double bound = omega * x.squaredNorm();
    CAPTURE(expected_error, bound, error.mean(), error.standard_error());
    CHECK(expected_error <= bound * (1.0 + 1e-12));
    CHECK(std::abs(error.mean() - expected_error) <= 5.0 * error.standard_error());
    CHECK(error.mean() <= bound + 5.0 * error.standard_error());
  }
  // At the worst case the bound is attained: (1/3)(2/3) 2^2a = ((4/3) 2^a)^2 / 8.
  double tight_error = 0.0;
  for (Eigen::Index l = 0; l < d; ++l) tight_error += ef21::test::natural_variance(tight[l]);
  CHECK(tight_error == Approx(tight.squaredNorm() / 8.0).epsilon(1e-12));
}

TEST_CASE("Natural compression emits a dense, never exact message of 9 bits a value", "[natural][bits]") {
  const std::uint64_t seed = ef21::test::test_seed(504);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const Eigen::Index d = 100;
  const Natural natural(d);
  CHECK(natural.name() == "natural");
  CHECK_FALSE(natural.alpha().has_value());
  CHECK(ef21::test::value_or_nan(natural.contraction()) == 1.0 - 1.0 / 8.0);
  CHECK(natural.entries() == d);
  const Eigen::VectorXd x = ef21::test::spread_vector(rng, d);
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng twin = rng;
  natural.compress(x, out, rng, workspace);
  // Element-wise natural rounding in index order, one uniform per coordinate (zeros included).
  REQUIRE(out.dim == d);
  REQUIRE(out.size() == static_cast<std::size_t>(d));
  for (Eigen::Index l = 0; l < d; ++l) {
    CAPTURE(l, x[l]);
    REQUIRE(out.index(static_cast<std::size_t>(l)) == l);
    REQUIRE(same_bits(out.value(static_cast<std::size_t>(l)), natural_round(x[l], twin)));
  }
  REQUIRE(same_position(rng, twin));
  CHECK(out.dense);
  CHECK_FALSE(out.exact);
  // Exact is the compressor's promise, not an accident of the data: powers of two come back
  // unchanged, yet the message is still not marked exact.
  const Eigen::VectorXd powers = Eigen::VectorXd::Constant(d, -0.25);
  natural.compress(powers, out, rng, workspace);
  CHECK(out.to_dense() == powers);
  CHECK_FALSE(out.exact);

  // 9 bits a value, no index bits, whatever value_bits and index_bits say.
  BitAccounting paper;
  BitAccounting log2d;
  log2d.index_mode = IndexBits::log2d;
  BitAccounting wide;
  wide.value_bits = 64;
  wide.index_mode = IndexBits::fixed;
  wide.index_bits_fixed = 32;
  for (const BitAccounting& accounting : {paper, log2d, wide}) {
    CHECK(natural.payload_bits(out, accounting) == 900u);
    CHECK(natural.message_bits(accounting, d) == 900u);
  }
  // An exact dense replacement carries full-precision values: value_bits each.
  SparseVector replacement;
  replacement.assign_dense(x);
  replacement.exact = true;
  CHECK(natural.payload_bits(replacement, paper) == 3200u);
}

TEST_CASE("Natural is registered as a compressor and as the quantizer `then` uses", "[natural][registry]") {
  const auto* info = ef21::compressors::find_compressor("natural");
  REQUIRE(info != nullptr);
  CHECK(info->quantizer);
  CHECK_FALSE(info->takes_k);
  CHECK(info->keys.empty());
  REQUIRE(info->make_quantizer);
  const auto quantizer = info->make_quantizer();
  CHECK(quantizer->omega() == 1.0 / 8.0);
  CHECK(quantizer->value_bits() == 9);
  const std::uint64_t seed = ef21::test::test_seed(505);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  ef21::Rng twin = rng;
  for (int i = 0; i < 1000; ++i) {
    const double t = rng.normal() * 10.0;
    (void)twin.normal();
    REQUIRE(same_bits(quantizer->quantize(t, rng), natural_round(t, twin)));
  }
  const auto names = ef21::compressors::quantizer_names();
  CHECK(names == std::vector<std::string>{"natural"});
}
