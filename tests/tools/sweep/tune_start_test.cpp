// tune's automatic start (tools/ef21sim/tune_start.hpp): halfway in log scale from the theory
// stepsize to GD's 1/L, a whole power of two, clamped.
#include "tools/ef21sim/tune_start.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace ef21::cli;

TEST_CASE("the automatic start is 2^round(log2(1/(L gamma))/2)", "[tune]") {
  CHECK(start_exponent_from(2.0, 0.5, 20) == 0);          // gamma = 1/L (GD): multiplier 1
  CHECK(start_exponent_from(1.0, 1.0 / 256.0, 20) == 4);  // 1/L is 256 x gamma: start at 16
  CHECK(start_exponent_from(1.0, 1.0 / 280.0, 20) == 4);  // mushrooms, EF21 Top-1: log2 280 = 8.13
  CHECK(start_exponent_from(0.8612, 1.0 / (0.8612 + 1.0161 * 598.5), 20) == 5);  // w8a: 2^9.47
  CHECK(start_exponent_from(1.0, 4.0, 20) == -1);                    // a theory stepsize above 1/L
  CHECK(start_exponent_from(1.0, std::ldexp(1.0, -100), 20) == 20);  // clamped
  CHECK(start_exponent_from(1.0, std::ldexp(1.0, -100), 3) == 3);
}
