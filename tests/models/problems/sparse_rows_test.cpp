// The CSR row kernels (sparse_rows.hpp) against the plain storage-order loops they replace,
// bit for bit: the unrolled sums, and the unit-value path that skips the multiplications.
#include "models/problems/sparse_rows.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tests/models/support/models_test_support.hpp"

using namespace ef21;

namespace {

/// A row of `count` distinct column indices in [0, d) (ascending, as CSR stores them).
std::vector<std::int32_t> random_row(Rng& rng, std::int32_t d, std::size_t count) {
  std::vector<std::int32_t> columns;
  for (std::int32_t l = 0; l < d && columns.size() < count; ++l)
    if (rng.uniform() * static_cast<double>(d - l) < static_cast<double>(count - columns.size()))
      columns.push_back(l);
  return columns;
}

/// Bit for bit, except that any two NaNs are equal: which operand's NaN an addition returns
/// depends on the register order the compiler picks, which IEEE leaves open (and outputs never
/// show a NaN: the run stops as diverged).
bool same_result(double a, double b) { return test::same_bits(a, b) || (std::isnan(a) && std::isnan(b)); }

}  // namespace

TEST_CASE("CSR row kernels equal the storage-order loops bit for bit", "[objective][sparse]") {
  const std::uint64_t seed = test::test_seed(961);
  CAPTURE(seed);
  Rng rng = Rng::stream(seed, "sparse-rows-test");
  constexpr std::int32_t d = 40;
  const double specials[] = {std::numeric_limits<double>::infinity(), -0.0, 1e308, -1e-310,
                             std::numeric_limits<double>::quiet_NaN()};
  for (std::size_t count = 0; count <= 13; ++count) {
    for (int trial = 0; trial < 20; ++trial) {
      CAPTURE(count, trial);
      const std::vector<std::int32_t> inner = random_row(rng, d, count);
      REQUIRE(inner.size() == count);
      std::vector<double> values(count), ones(count, 1.0), x(d), gradient(d);
      for (double& v : values) v = rng.normal() * 3.0;
      for (double& v : x) v = rng.normal();
      for (double& v : gradient) v = rng.normal();
      if (trial == 0)  // special values in x and the gradient: the unit path must keep them too
        for (std::size_t s = 0; s < std::size(specials); ++s) {
          x[static_cast<std::size_t>(inner.empty() ? 0 : inner[s % inner.size()])] = specials[s];
          gradient[s] = specials[s];
        }
      const auto end = static_cast<std::ptrdiff_t>(count);
      for (const bool unit : {false, true}) {
        CAPTURE(unit);
        const std::vector<double>& v = unit ? ones : values;
        double expected = 0.0;
        for (std::size_t p = 0; p < count; ++p) expected += v[p] * x[static_cast<std::size_t>(inner[p])];
        const double got = unit ? problems::sparse_row_dot<true>(inner.data(), nullptr, 0, end, x.data())
                                : problems::sparse_row_dot<false>(inner.data(), v.data(), 0, end, x.data());
        CHECK(same_result(got, expected));

        const double slope = trial == 1 ? -0.0 : rng.normal();
        std::vector<double> reference = gradient, result = gradient;
        for (std::size_t p = 0; p < count; ++p) reference[static_cast<std::size_t>(inner[p])] += slope * v[p];
        if (unit)
          problems::sparse_row_add_scaled<true>(inner.data(), nullptr, 0, end, slope, result.data());
        else
          problems::sparse_row_add_scaled<false>(inner.data(), v.data(), 0, end, slope, result.data());
        for (std::size_t l = 0; l < static_cast<std::size_t>(d); ++l)
          CHECK(same_result(result[l], reference[l]));
      }
    }
  }
}
