#include "tools/ef21sim/round_clock.hpp"

#include <catch2/catch.hpp>

using ef21::cli::RoundClock;
using namespace std::chrono_literals;

namespace {
RoundClock::Clock::time_point at(std::chrono::milliseconds ms) {
  return RoundClock::Clock::time_point{} + ms;
}
}  // namespace

TEST_CASE("round clock: mean ms per round between the rows of x^1 and x^(T-1)", "[cli][round_clock]") {
  RoundClock clock;
  clock.report(0, at(5000ms), 9000.0);  // setup and round 0 are left out
  clock.report(1, at(6000ms), 10000.0);
  clock.report(2, at(6010ms), 10015.0);
  clock.report(3, at(6030ms), 10045.0);
  clock.report(4, at(6040ms), 10060.0);
  clock.report(5, at(9000ms), 14000.0);  // the last row: its evaluation over every worker is left out
  REQUIRE(clock.ms_per_round().has_value());
  CHECK(*clock.ms_per_round() == Approx(40.0 / 3.0));
  REQUIRE(clock.cpu_ms_per_round().has_value());
  CHECK(*clock.cpu_ms_per_round() == Approx(60.0 / 3.0));
}

TEST_CASE("round clock: no figure without two steady rounds", "[cli][round_clock]") {
  RoundClock clock;
  CHECK_FALSE(clock.ms_per_round());
  clock.report(0, at(0ms));
  clock.report(1, at(1ms));
  clock.report(2, at(2ms));
  clock.report(3, at(3ms));
  CHECK_FALSE(clock.ms_per_round());  // x^1 .. x^2: one round only
  CHECK_FALSE(clock.cpu_ms_per_round());
  clock.report(4, at(7ms));
  REQUIRE(clock.ms_per_round().has_value());
  CHECK(*clock.ms_per_round() == Approx(1.0));
}

TEST_CASE("round clock: the process's CPU time only grows", "[cli][round_clock]") {
  const double before = RoundClock::process_cpu_ms();
  volatile double sink = 0.0;
  for (int i = 0; i < 2000000; ++i) sink = sink + static_cast<double>(i);
  CHECK(RoundClock::process_cpu_ms() >= before);
  CHECK(before >= 0.0);
}

TEST_CASE("round clock: a run that starts past round 1 gives no figure", "[cli][round_clock]") {
  RoundClock clock;
  for (int r = 3; r < 10; ++r) clock.report(r, at(std::chrono::milliseconds(r)));
  CHECK_FALSE(clock.ms_per_round());
}
