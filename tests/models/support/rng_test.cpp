// Rng: reproducible, independent streams with the documented distributions (DESIGN §8).
#include "models/support/rng.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "tests/models/support/models_test_support.hpp"

using ef21::Rng;

TEST_CASE("Rng with the same seed produces the same sequence", "[rng]") {
  const std::uint64_t seed = ef21::test::test_seed(20210601);
  CAPTURE(seed);
  Rng a(seed);
  Rng b(seed);
  for (int i = 0; i < 1000; ++i) REQUIRE(a.next_u64() == b.next_u64());
  Rng c = Rng::stream(seed, "compressor", 3);
  Rng d = Rng::stream(seed, "compressor", 3);
  for (int i = 0; i < 1000; ++i) REQUIRE(c.uniform() == d.uniform());
}

TEST_CASE("Rng streams for different seeds, purposes or indices differ", "[rng]") {
  const std::uint64_t seed = ef21::test::test_seed(7);
  CAPTURE(seed);
  // First outputs of a few streams that must all be distinct: a collision among 64-bit
  // outputs of properly derived streams has probability ~ 2^-60.
  std::vector<Rng> streams{Rng::stream(seed, "compressor", 0), Rng::stream(seed, "compressor", 1),
                           Rng::stream(seed, "compressor", 2), Rng::stream(seed, "x0", 0),
                           Rng::stream(seed, "x0", 1),         Rng::stream(seed + 1, "compressor", 0),
                           Rng::stream(seed, "", 0),           Rng(seed)};
  std::set<std::uint64_t> firsts;
  for (auto& r : streams) firsts.insert(r.next_u64());
  CHECK(firsts.size() == streams.size());

  // And they stay different, not just at the first draw.
  Rng a = Rng::stream(seed, "compressor", 0);
  Rng b = Rng::stream(seed, "compressor", 1);
  int equal = 0;
  for (int i = 0; i < 1000; ++i) equal += a.next_u64() == b.next_u64() ? 1 : 0;
  CHECK(equal == 0);
}

TEST_CASE("Rng::uniform lies in 0 <= u < 1 and has mean 1/2 and variance 1/12", "[rng]") {
  const std::uint64_t seed = ef21::test::test_seed(11);
  CAPTURE(seed);
  Rng rng(seed);
  constexpr int kDraws = 200000;
  double sum = 0.0;
  double sum_sq = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    const double u = rng.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum_sq += u * u;
  }
  const double mean = sum / kDraws;
  const double var = sum_sq / kDraws - mean * mean;
  // Standard error of the mean: sqrt(1/12 / N); of E[u^2] (variance of u^2 is 4/45):
  // sqrt(4/45 / N). Allow 5 standard errors.
  CHECK(std::abs(mean - 0.5) < 5.0 * std::sqrt(1.0 / 12.0 / kDraws));
  CHECK(std::abs(var - 1.0 / 12.0) <
        5.0 * std::sqrt(4.0 / 45.0 / kDraws) + 2.0 * 5.0 * std::sqrt(1.0 / 12.0 / kDraws));
}

TEST_CASE("Rng::below(n) stays in 0 <= x < n and is roughly uniform", "[rng]") {
  const std::uint64_t seed = ef21::test::test_seed(13);
  CAPTURE(seed);
  Rng rng(seed);
  SECTION("n = 1 always gives 0") {
    for (int i = 0; i < 100; ++i) REQUIRE(rng.below(1) == 0);
  }
  SECTION("a non-power-of-two n: chi-square goodness of fit") {
    constexpr std::uint64_t n = 7;
    constexpr int kDraws = 70000;
    std::vector<int> counts(n, 0);
    for (int i = 0; i < kDraws; ++i) {
      const std::uint64_t v = rng.below(n);
      REQUIRE(v < n);
      ++counts[v];
    }
    const double expected = static_cast<double>(kDraws) / n;
    double chi2 = 0.0;
    for (int c : counts) chi2 += (c - expected) * (c - expected) / expected;
    // chi^2 with n - 1 = 6 degrees of freedom: mean 6, sd sqrt(12) ~ 3.5; the 99.99% quantile
    // is ~27.9. 30 is a bound a correct generator essentially never exceeds.
    INFO("chi2 = " << chi2);
    CHECK(chi2 < 30.0);
  }
  SECTION("huge n just below 2^64 stays in range") {
    const std::uint64_t n = ~std::uint64_t{0} - 5;
    for (int i = 0; i < 1000; ++i) REQUIRE(rng.below(n) < n);
  }
}

TEST_CASE("Rng::normal has mean 0, variance 1 and no non-finite values", "[rng]") {
  const std::uint64_t seed = ef21::test::test_seed(17);
  CAPTURE(seed);
  Rng rng(seed);
  constexpr int kDraws = 200000;
  double sum = 0.0;
  double sum_sq = 0.0;
  double sum_4 = 0.0;
  for (int i = 0; i < kDraws; ++i) {
    const double z = rng.normal();
    REQUIRE(std::isfinite(z));
    sum += z;
    sum_sq += z * z;
    sum_4 += z * z * z * z;
  }
  const double mean = sum / kDraws;
  const double second = sum_sq / kDraws;
  // SE of the mean: 1/sqrt(N). SE of the second moment: sqrt(Var z^2 / N) = sqrt(2 / N).
  CHECK(std::abs(mean) < 5.0 / std::sqrt(kDraws));
  CHECK(std::abs(second - 1.0) < 5.0 * std::sqrt(2.0 / kDraws));
  // Fourth moment 3 for a Gaussian (Var z^4 = 105 - 9 = 96): a cheap shape check.
  CHECK(std::abs(sum_4 / kDraws - 3.0) < 5.0 * std::sqrt(96.0 / kDraws));
}
