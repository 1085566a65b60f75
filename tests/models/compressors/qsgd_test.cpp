// QSGD random dithering (Alistarh et al. 2017): the levels it emits against a naive reference
// replaying the same uniforms, unbiasedness and E||C(x) - x||^2 <= omega ||x||^2 over many draws
// for several s, the edge cases it documents (x = 0, non-finite x, extreme magnitudes), its
// constants and its bits.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "models/compressors/compressor_registry.hpp"
#include "models/compressors/qsgd.hpp"
#include "tests/models/compressors/compressor_test_support.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::compressors::BitAccounting;
using ef21::compressors::CompressorWorkspace;
using ef21::compressors::IndexBits;
using ef21::compressors::Qsgd;
using ef21::compressors::SparseVector;

namespace {

bool same_position(const ef21::Rng& rng, const ef21::Rng& twin) {
  ef21::Rng a = rng;
  ef21::Rng b = twin;
  return a.next_u64() == b.next_u64() && a.next_u64() == b.next_u64();
}

}  // namespace

TEST_CASE("QSGD sends ||x|| sign(x_j) xi_j / s with xi_j the random rounding of s|x_j|/||x||", "[qsgd]") {
  const std::uint64_t seed = ef21::test::test_seed(601);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  for (int trial = 0; trial < 500; ++trial) {
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(rng.below(40));
    const std::int64_t s = 1 + static_cast<std::int64_t>(rng.below(20));
    const Eigen::VectorXd x = ef21::test::spread_vector(rng, d);
    const Qsgd qsgd(s, d);
    ef21::Rng twin = rng;
    qsgd.compress(x, out, rng, workspace);
    CAPTURE(trial, d, s);
    REQUIRE(out.dim == d);
    REQUIRE(out.dense);
    REQUIRE_FALSE(out.exact);
    REQUIRE(same_position(rng, [&] {
      ef21::Rng advanced = twin;
      for (Eigen::Index l = 0; l < d; ++l) (void)advanced.uniform();
      return advanced;
    }()));
    // The naive reference: the plain norm, one uniform per coordinate in index order.
    const double norm = std::sqrt(x.squaredNorm());
    for (Eigen::Index l = 0; l < d; ++l) {
      const double u = twin.uniform();
      if (norm == 0.0) continue;  // a zero vector is checked below
      const double r = static_cast<double>(s) * std::abs(x[l]) / norm;
      const double low = std::floor(r);
      const double value = out.value(static_cast<std::size_t>(l));
      const double xi = std::abs(value) / (norm / static_cast<double>(s));
      const double xi_rounded = std::round(xi);
      CAPTURE(l, x[l], r, u, value, xi);
      REQUIRE(std::abs(xi - xi_rounded) <= 1e-9 * (1.0 + xi_rounded));  // an integer level
      REQUIRE(xi_rounded >= 0.0);
      REQUIRE(xi_rounded <= static_cast<double>(s));
      if (xi_rounded != 0.0) REQUIRE((value < 0.0) == (x[l] < 0.0));  // sign kept
      // The documented rule (up by the fractional part), away from a round-off tie.
      if (std::abs(u - (r - low)) > 1e-9) REQUIRE(xi_rounded == (u < r - low ? low + 1.0 : low));
    }
    if (norm == 0.0) REQUIRE(out.to_dense() == Eigen::VectorXd::Zero(d));
  }
}

TEST_CASE("QSGD is unbiased, with E||C(x) - x||^2 <= min(d/s^2, sqrt(d)/s) ||x||^2", "[qsgd]") {
  const std::uint64_t seed = ef21::test::test_seed(602);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  const Eigen::Index d = 16;
  const Eigen::VectorXd x = ef21::test::spread_vector(rng, d);
  const double norm = std::sqrt(x.squaredNorm());
  constexpr int kDraws = 40000;
  for (const std::int64_t s : {1, 2, 3, 15, 100}) {
    const Qsgd qsgd(s, d);
    const double omega = *qsgd.omega();
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
    ef21::test::RunningMean error;
    for (int i = 0; i < kDraws; ++i) {
      qsgd.compress(x, out, rng, workspace);
      out.add_to(sum);
      error.add((out.to_dense() - x).squaredNorm());
    }
    const Eigen::VectorXd mean = sum / kDraws;
    // C(x)_l = sign(x_l) (||x||/s) xi_l, xi_l two-point on floor(r_l), floor(r_l) + 1: variance
    // (||x||/s)^2 f_l (1 - f_l) with f_l the fractional part of r_l.
    const double step = norm / static_cast<double>(s);
    double expected_error = 0.0;
    for (Eigen::Index l = 0; l < d; ++l) {
      const double r = static_cast<double>(s) * std::abs(x[l]) / norm;
      const double f = r - std::floor(r);
      const double variance = step * step * f * (1.0 - f);
      expected_error += variance;
      const double standard_error = std::sqrt(variance / kDraws);
      CAPTURE(s, l, x[l], mean[l], standard_error);
      CHECK(std::abs(mean[l] - x[l]) <= 5.0 * standard_error + 1e-12 * norm);
    }
    const double bound = omega * x.squaredNorm();
    CAPTURE(s, omega, expected_error, bound, error.mean(), error.standard_error());
    CHECK(expected_error <= bound);
    CHECK(std::abs(error.mean() - expected_error) <= 5.0 * error.standard_error() + 1e-12 * bound);
    CHECK(error.mean() <= bound + 5.0 * error.standard_error());
  }
}

TEST_CASE("QSGD of 0 is 0, of a non-finite x is NaN, and extreme magnitudes neither overflow nor vanish",
          "[qsgd]") {
  const std::uint64_t seed = ef21::test::test_seed(603);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  const Qsgd qsgd(3, 4);
  auto advanced = [](ef21::Rng r, int uniforms) {
    for (int i = 0; i < uniforms; ++i) (void)r.uniform();
    return r;
  };
  // x = 0: zeros, and the stream still advances by d uniforms.
  ef21::Rng twin = rng;
  qsgd.compress(Eigen::VectorXd::Zero(4), out, rng, workspace);
  CHECK(out.to_dense() == Eigen::VectorXd::Zero(4));
  CHECK(same_position(rng, advanced(twin, 4)));
  // An inf or a NaN anywhere: every coordinate NaN (the run shows as diverged).
  for (const double bad :
       {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    CAPTURE(bad);
    twin = rng;
    qsgd.compress(Eigen::Vector4d(1.0, bad, -2.0, 0.0), out, rng, workspace);
    for (std::size_t p = 0; p < 4; ++p) CHECK(std::isnan(out.value(p)));
    CHECK(same_position(rng, advanced(twin, 4)));
  }
  // Squares of 1e300 overflow and squares of 1e-300 vanish; the scaled norm handles both.
  // With equal magnitudes, r_l = s / 2 = 1.5: xi_l in {1, 2}, so every value is nonzero.
  for (const double scale : {1e300, 1e-300}) {
    CAPTURE(scale);
    const Eigen::Vector4d x = scale * Eigen::Vector4d(1.0, -1.0, 1.0, -1.0);
    for (int i = 0; i < 100; ++i) {
      qsgd.compress(x, out, rng, workspace);
      for (std::size_t p = 0; p < 4; ++p) {
        const double xi = std::abs(out.value(p)) / (2.0 * scale / 3.0);  // ||x|| = 2 scale
        CAPTURE(p, out.value(p), xi);
        REQUIRE(std::isfinite(out.value(p)));
        REQUIRE((xi == Approx(1.0) || xi == Approx(2.0)));
        REQUIRE((out.value(p) < 0.0) == (x[static_cast<Eigen::Index>(p)] < 0.0));
      }
    }
  }
  // A single nonzero coordinate has r = s exactly: it is sent as itself, every time.
  const Eigen::Vector4d spike(0.0, -5.5, 0.0, 0.0);
  qsgd.compress(spike, out, rng, workspace);
  CHECK(out.to_dense() == Eigen::VectorXd(spike));
}

TEST_CASE("QSGD constants and bits: omega = min(d/s^2, sqrt(d)/s), value_bits + d (1 + ceil(log2(s+1)))",
          "[qsgd][bits]") {
  struct Case {
    std::int64_t s;
    std::int64_t level_bits;
    double omega;
    std::uint64_t bits;  // d = 100, the paper's accounting
  };
  // d = 100: sqrt(d) = 10.
  const Case cases[] = {
      {1, 1, 10.0, 32 + 100 * 2},            // min(100, 10)
      {2, 2, 5.0, 32 + 100 * 3},             // min(25, 5)
      {3, 2, 10.0 / 3.0, 32 + 100 * 3},      // min(11.1, 3.33)
      {4, 3, 2.5, 32 + 100 * 4},             // min(6.25, 2.5)
      {15, 4, 100.0 / 225.0, 32 + 100 * 5},  // min(0.444, 0.667)
      {16, 5, 100.0 / 256.0, 32 + 100 * 6},  // min(0.39, 0.625)
      {255, 8, 100.0 / 65025.0, 32 + 100 * 9},
  };
  BitAccounting paper;
  BitAccounting log2d;
  log2d.index_mode = IndexBits::log2d;
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng rng(0);
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(100, -1.0, 2.0);
  for (const Case& c : cases) {
    CAPTURE(c.s);
    const auto qsgd = ef21::compressors::make_compressor(
        ef21::test::spec_with_defaults("qsgd", 1, ef21::test::params({{"levels", c.s}})), 100);
    CHECK(qsgd->name() == "qsgd");
    CHECK(dynamic_cast<const Qsgd&>(*qsgd).level_bits() == c.level_bits);
    CHECK_FALSE(qsgd->alpha().has_value());
    CHECK(ef21::test::value_or_nan(qsgd->omega()) == Approx(c.omega).epsilon(1e-15));
    // Contractive through omega only when omega < 1.
    CHECK(qsgd->contraction().has_value() == (c.omega < 1.0));
    if (c.omega < 1.0) CHECK(*qsgd->contraction() == Approx(1.0 - c.omega).epsilon(1e-15));
    qsgd->compress(x, out, rng, workspace);
    CHECK(qsgd->message_bits(paper, 100) == c.bits);
    CHECK(qsgd->payload_bits(out, paper) == c.bits);
    CHECK(qsgd->payload_bits(out, log2d) == c.bits);  // dense: no index bits
  }
  // The norm is one value: value_bits of it (32 by default).
  BitAccounting wide;
  wide.value_bits = 64;
  const Qsgd qsgd(1, 100);
  CHECK(qsgd.message_bits(wide, 100) == 64u + 200u);
  // An exact dense replacement carries full-precision values.
  SparseVector replacement;
  replacement.assign_dense(x);
  replacement.exact = true;
  CHECK(qsgd.payload_bits(replacement, paper) == 3200u);
  // The default level count is 1.
  CHECK(ef21::compressors::make_compressor(ef21::test::spec_with_defaults("qsgd", 1), 100)
            ->message_bits(paper, 100) == 232u);
}

TEST_CASE("QSGD rejects levels < 1 naming compressor.levels", "[qsgd]") {
  for (const std::int64_t levels : {0, -3}) {
    CAPTURE(levels);
    try {
      (void)ef21::compressors::make_compressor(
          ef21::test::spec_with_defaults("qsgd", 1, ef21::test::params({{"levels", levels}})), 10);
      FAIL("expected std::invalid_argument");
    } catch (const std::invalid_argument& error) {
      const std::string message = error.what();
      CHECK_THAT(message, Catch::Matchers::Contains("compressor.levels"));
      CHECK_THAT(message, Catch::Matchers::Contains(std::to_string(levels)));
    }
  }
  const auto* info = ef21::compressors::find_compressor("qsgd");
  REQUIRE(info != nullptr);
  const ef21::ParamDecl* levels = ef21::find_param(info->keys, "levels");
  REQUIRE(levels != nullptr);
  CHECK(levels->type == ef21::ParamType::integer);
  CHECK(levels->default_value == ef21::ParamValue{std::int64_t{1}});
  CHECK_FALSE(ef21::param_in_range(*levels, std::int64_t{0}));
  CHECK(ef21::param_in_range(*levels, std::int64_t{1}));
}
