#include "sim/core/time.hpp"

#include <cmath>
#include <fmt/format.h>

#include "models/support/input_error.hpp"

namespace ef21::sim {

namespace {

[[noreturn]] void throw_beyond_limit(const std::string& what) {
  throw InputError(fmt::format(
      "simulated time {} is beyond the clock's limit of 2^63 ps (about 106 days)", what));
}

}  // namespace

SimTime seconds_to_time_ceil(double seconds) {
  if (std::isnan(seconds)) throw InputError("simulated time is NaN (the clock counts picoseconds up to about 106 days)");
  if (seconds < 0) {
    throw InputError(fmt::format("simulated time {} s is negative (the clock counts picoseconds from 0 up to about 106 days)", seconds));
  }
  // The product is rounded to double first, so a value meant as a whole number of ps but not
  // exactly representable in binary (1e-3 s is 1.00000000000000002e-3) does not gain a
  // picosecond; the ceiling then only rounds genuine fractions of a picosecond up.
  const double ps = std::ceil(seconds * 1e12);
  // 2^63 is exactly representable; anything >= it does not fit in int64.
  if (!(ps < 9223372036854775808.0)) throw_beyond_limit(fmt::format("{} s", seconds));
  return static_cast<SimTime>(ps);
}

double time_to_seconds(SimTime t) {
  // Below 2^53 ps (~2.5 hours) both operands are exact doubles, so one division gives the
  // correctly rounded result. Beyond, split: whole seconds are exact, the remainder < 1e12.
  if (t > -(SimTime{1} << 53) && t < (SimTime{1} << 53)) return static_cast<double>(t) / 1e12;
  const SimTime whole = t / kPicosPerSecond;
  const SimTime frac = t % kPicosPerSecond;
  return static_cast<double>(whole) + static_cast<double>(frac) / 1e12;
}

SimTime checked_add(SimTime a, SimTime b) {
  SimTime sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) {
    throw_beyond_limit(fmt::format("{} ps + {} ps", a, b));
  }
  return sum;
}

}  // namespace ef21::sim
