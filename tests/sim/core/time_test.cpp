#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "models/support/input_error.hpp"
#include "sim/core/time.hpp"

using namespace ef21::sim;

TEST_CASE("seconds_to_time_ceil rounds up to the picosecond", "[time]") {
  CHECK(seconds_to_time_ceil(0.0) == 0);
  CHECK(seconds_to_time_ceil(1.0) == kPicosPerSecond);
  CHECK(seconds_to_time_ceil(1e-12) == 1);
  CHECK(seconds_to_time_ceil(0.4e-12) == 1);
  CHECK(seconds_to_time_ceil(1.5e-12) == 2);
  CHECK(seconds_to_time_ceil(2.5e-6) == 2'500'000);
  // 1e-3 is not a double exactly, but its product with 1e12 must not gain a picosecond.
  CHECK(seconds_to_time_ceil(1e-3) == 1'000'000'000);
  CHECK(seconds_to_time_ceil(1e-323) == 1);  // any positive time is at least 1 ps
}

TEST_CASE("seconds_to_time_ceil rejects negative, NaN and beyond 106 days", "[time]") {
  CHECK_THROWS_AS(seconds_to_time_ceil(-1e-9), ef21::InputError);
  CHECK_THROWS_AS(seconds_to_time_ceil(std::nan("")), ef21::InputError);
  CHECK_THROWS_WITH(seconds_to_time_ceil(200.0 * 86400), Catch::Contains("106 days"));
  CHECK_THROWS_WITH(seconds_to_time_ceil(std::numeric_limits<double>::infinity()), Catch::Contains("106 days"));
  CHECK_NOTHROW(seconds_to_time_ceil(100.0 * 86400));
}

TEST_CASE("time_to_seconds is exact for representable values", "[time]") {
  CHECK(time_to_seconds(0) == 0.0);
  CHECK(time_to_seconds(kPicosPerSecond) == 1.0);
  CHECK(time_to_seconds(1'500'000'000'000) == 1.5);
  CHECK(time_to_seconds(1) == 1e-12);
  CHECK(time_to_seconds(20'000'000) == 20e-6);
  CHECK(time_to_seconds(kMaxSimTime) == Approx(9223372.036854775807).epsilon(1e-15));
}

TEST_CASE("checked_add reports overflow of the clock", "[time]") {
  CHECK(checked_add(1, 2) == 3);
  CHECK(checked_add(kMaxSimTime - 1, 1) == kMaxSimTime);
  CHECK_THROWS_AS(checked_add(kMaxSimTime, 1), ef21::InputError);
  CHECK_THROWS_WITH(checked_add(kMaxSimTime - 5, 10), Catch::Contains("106 days"));
}
