// Trace files (TIME VALUE lines, LOOPAFTER): values over time and located errors.
#include "sim/core/trace_file.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <limits>

#include "models/support/input_error.hpp"

using ef21::InputError;
using ef21::sim::parse_trace;
using ef21::sim::SimTime;
using ef21::sim::TraceDomain;

namespace {

constexpr SimTime kUs = 1'000'000;

/// The error's line:col and message for `text`.
std::string error_of(const std::string& text, TraceDomain domain = TraceDomain::positive_factor) {
  try {
    parse_trace(text, "t.trace", domain);
  } catch (const InputError& e) {
    return fmt::format("{}:{}: {}", e.where().line, e.where().column, e.message());
  }
  return "no error";
}

}  // namespace

TEST_CASE("A trace holds each value from its time on, 1 before the first", "[trace]") {
  const auto trace =
      parse_trace("# a comment\n100 us 0.5\n\n300 us 2\n", "t.trace", TraceDomain::positive_factor);
  REQUIRE(trace.points.size() == 2);
  CHECK(trace.value_at(0) == 1.0);
  CHECK(trace.value_at(100 * kUs - 1) == 1.0);
  CHECK(trace.value_at(100 * kUs) == 0.5);
  CHECK(trace.value_at(299 * kUs) == 0.5);
  CHECK(trace.value_at(300 * kUs) == 2.0);
  CHECK(trace.value_at(1'000'000 * kUs) == 2.0);
  CHECK(trace.next_change_after(0).time == 100 * kUs);
  CHECK(trace.next_change_after(100 * kUs).time == 300 * kUs);
  CHECK(trace.next_change_after(300 * kUs).time == -1);
}

TEST_CASE("LOOPAFTER repeats the trace with its period from time 0", "[trace]") {
  const auto trace =
      parse_trace("100 us 0.5\n300 us 2\nLOOPAFTER 1 ms\n", "t.trace", TraceDomain::positive_factor);
  CHECK(trace.period == 1000 * kUs);
  CHECK(trace.value_at(1000 * kUs) == 1.0);  // a new period: nominal until its first point
  CHECK(trace.value_at(1100 * kUs) == 0.5);
  CHECK(trace.value_at(2300 * kUs) == 2.0);
  const auto next = trace.next_change_after(300 * kUs);
  CHECK(next.time == 1000 * kUs);
  CHECK(next.value == 1.0);
  CHECK(trace.next_change_after(1000 * kUs).time == 1100 * kUs);
  const auto at_zero = parse_trace("0 s 0.25\n5 us 1\nLOOPAFTER 10 us\n", "t", TraceDomain::positive_factor);
  CHECK(at_zero.value_at(10 * kUs) == 0.25);
  CHECK(at_zero.next_change_after(7 * kUs).time == 10 * kUs);
  CHECK(at_zero.next_change_after(7 * kUs).value == 0.25);
}

TEST_CASE("A change beyond the clock's range never comes", "[trace]") {
  // LOOPAFTER 2562 h is just below 2^63 ps: the second period's first change (3000 s in) and the
  // third period's start lie past the clock. They used to overflow int64 (found by fuzz_trace).
  const auto trace = parse_trace("3000 s 2\nLOOPAFTER 2562 h\n", "t.trace", TraceDomain::positive_factor);
  const SimTime period = trace.period;
  const SimTime first_change = 3000 * (1'000'000 * kUs);  // 3000 s
  CHECK(trace.next_change_after(0).time == first_change);
  CHECK(trace.next_change_after(first_change).time == period);
  CHECK(trace.next_change_after(period).time == -1);
  CHECK(trace.next_change_after(std::numeric_limits<SimTime>::max()).time == -1);
  const auto at_zero = parse_trace("0 s 2\nLOOPAFTER 2562 h\n", "t.trace", TraceDomain::positive_factor);
  CHECK(at_zero.next_change_after(period).time == -1);
}

TEST_CASE("Availability traces hold 0 or 1", "[trace]") {
  const auto trace = parse_trace("1 ms 0\n2 ms 1\n", "a", TraceDomain::availability);
  CHECK(trace.value_at(1500 * kUs) == 0.0);
  CHECK(error_of("1 ms 0.5\n", TraceDomain::availability).find("0 (down) or 1 (up)") != std::string::npos);
}

TEST_CASE("Bad trace files are errors at their line and column", "[trace]") {
  CHECK(error_of("100 us 0.5\n50 us 1\n") == "2:1: trace times must increase: 50 us follows 100 us");
  CHECK(error_of("100 us 0\n").rfind("1:8: a trace value multiplies the nominal value and must be > 0", 0) ==
        0);
  CHECK(error_of("100 us -2\n").rfind("1:8:", 0) == 0);
  CHECK(error_of("100 0.5\n").rfind("1:1: bad time \"100\"", 0) == 0);  // a missing unit
  CHECK(error_of("100 us abc\n").rfind("1:8: bad value \"abc\"", 0) == 0);
  CHECK(error_of("100 us 0.5\nLOOPAFTER 50 us\n")
            .rfind("2:11: LOOPAFTER 50 us is not longer than the trace", 0) == 0);
  CHECK(error_of("100 us 0.5\nLOOPAFTER 100 us\n").find("not longer") != std::string::npos);
  CHECK(error_of("LOOPAFTER 1 s\n100 us 2\n").rfind("2:1: nothing may follow the LOOPAFTER line", 0) == 0);
  CHECK(error_of("0.5\n").rfind("1:1: expected `TIME VALUE`", 0) == 0);
  CHECK(error_of("LOOPAFTER\n").rfind("1:1: LOOPAFTER needs a period", 0) == 0);
}
