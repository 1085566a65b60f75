// The scaled sign (Karimireddy et al. 2019): hand-computed outputs with sign(0) = +1, the
// deterministic contraction identity ||C(x) - x||^2 = ||x||^2 - ||x||_1^2/d <= (1 - 1/d)||x||^2
// on random vectors, no use of the stream, non-finite inputs, and value_bits + d bits.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "models/compressors/sign.hpp"
#include "tests/models/compressors/compressor_test_support.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::compressors::BitAccounting;
using ef21::compressors::CompressorWorkspace;
using ef21::compressors::IndexBits;
using ef21::compressors::ScaledSign;
using ef21::compressors::SparseVector;

TEST_CASE("Sign sends (||x||_1/d) sign(x) with sign(0) = +1, hand-computed", "[sign]") {
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng rng(7);
  const ef21::Rng before = rng;
  Eigen::VectorXd x(5);
  x << 3.0, -1.0, 0.0, -0.0, 2.0;  // ||x||_1 = 6, d = 5: scale 1.2
  const ScaledSign sign(5);
  sign.compress(x, out, rng, workspace);
  const double s = 6.0 / 5.0;
  CHECK(out.to_dense() == (Eigen::VectorXd(5) << s, -s, s, s, s).finished());
  CHECK(out.dense);
  CHECK_FALSE(out.exact);
  // Deterministic: the stream is untouched.
  ef21::Rng a = rng;
  ef21::Rng b = before;
  CHECK(a.next_u64() == b.next_u64());
  // A constant-magnitude vector is sent exactly, yet the message is not marked exact.
  const Eigen::VectorXd flat = (Eigen::VectorXd(4) << 0.5, -0.5, -0.5, 0.5).finished();
  ScaledSign(4).compress(flat, out, rng, workspace);
  CHECK(out.to_dense() == flat);
  CHECK_FALSE(out.exact);
  // Zero in, zero scale out (every coordinate +0).
  ScaledSign(3).compress(Eigen::VectorXd::Zero(3), out, rng, workspace);
  CHECK(out.to_dense() == Eigen::VectorXd::Zero(3));
}

TEST_CASE("Sign contracts: ||C(x) - x||^2 = ||x||^2 - ||x||_1^2/d <= (1 - 1/d)||x||^2", "[sign]") {
  const std::uint64_t seed = ef21::test::test_seed(701);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  SparseVector out;
  CompressorWorkspace workspace;
  for (int trial = 0; trial < 2000; ++trial) {
    const Eigen::Index d = 1 + static_cast<Eigen::Index>(rng.below(50));
    Eigen::VectorXd x = ef21::test::spread_vector(rng, d);
    if (trial % 5 == 0) {  // a single nonzero coordinate: the bound is attained
      x.setZero();
      x[static_cast<Eigen::Index>(rng.below(static_cast<std::uint64_t>(d)))] = rng.normal();
    }
    const ScaledSign sign(d);
    sign.compress(x, out, rng, workspace);
    const double error = (out.to_dense() - x).squaredNorm();
    const double l1 = x.lpNorm<1>();
    const double identity = x.squaredNorm() - l1 * l1 / static_cast<double>(d);
    REQUIRE(sign.alpha().has_value());
    const double bound = (1.0 - *sign.alpha()) * x.squaredNorm();
    CAPTURE(trial, d, error, identity, bound);
    REQUIRE(*sign.alpha() == 1.0 / static_cast<double>(d));
    REQUIRE(std::abs(error - identity) <= 1e-12 * x.squaredNorm());
    REQUIRE(error <= bound * (1.0 + 1e-12) + 1e-300);
  }
}

TEST_CASE("Sign propagates non-finite input as IEEE arithmetic does", "[sign]") {
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng rng(0);
  const ScaledSign sign(3);
  constexpr double inf = std::numeric_limits<double>::infinity();
  sign.compress(Eigen::Vector3d(1.0, -inf, -2.0), out, rng, workspace);
  CHECK(out.to_dense() == Eigen::VectorXd(Eigen::Vector3d(inf, -inf, -inf)));
  sign.compress(Eigen::Vector3d(1.0, std::numeric_limits<double>::quiet_NaN(), -2.0), out, rng, workspace);
  for (std::size_t p = 0; p < 3; ++p) CHECK(std::isnan(out.value(p)));
}

TEST_CASE("Sign is biased, contractive with alpha = 1/d, and costs value_bits + d bits", "[sign][bits]") {
  const ScaledSign sign(100);
  CHECK(sign.name() == "sign");
  CHECK(ef21::test::value_or_nan(sign.alpha()) == 0.01);
  CHECK_FALSE(sign.omega().has_value());
  CHECK(ef21::test::value_or_nan(sign.contraction()) == 0.01);
  CHECK(sign.entries() == 100);
  SparseVector out;
  CompressorWorkspace workspace;
  ef21::Rng rng(0);
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(100, -1.0, 3.0);
  sign.compress(x, out, rng, workspace);
  BitAccounting paper;
  BitAccounting log2d;
  log2d.index_mode = IndexBits::log2d;
  CHECK(sign.payload_bits(out, paper) == 132u);
  CHECK(sign.payload_bits(out, log2d) == 132u);
  CHECK(sign.message_bits(paper, 100) == 132u);
  BitAccounting wide;
  wide.value_bits = 64;
  CHECK(sign.message_bits(wide, 100) == 164u);  // the scale is one value
  SparseVector replacement;
  replacement.assign_dense(x);
  replacement.exact = true;
  CHECK(sign.payload_bits(replacement, paper) == 3200u);
}
