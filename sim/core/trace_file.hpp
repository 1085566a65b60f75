#pragma once
// Piecewise-constant traces over simulated time (issue 11, SimGrid's "profiles"): a text
// file of lines `TIME VALUE`, e.g. `300 us 0.25`, TIME a duration with its unit (parsed as a
// scenario duration), VALUE a number. The value holds from its TIME until the next line's;
// before the first line it is 1 (the nominal value). An optional last line `LOOPAFTER P` makes
// the trace periodic with period P counted from time 0 (P must exceed the last TIME): the
// value at t >= P is the value at t mod P. Blank lines and `#` comments are ignored.
//
// Checks (InputError at FILE:LINE:COL): times strictly increasing, each with
// a unit; values in the trace's domain (factors > 0, availability 0 or 1); LOOPAFTER after
// every point and longer than the last TIME.
#include <filesystem>
#include <string>
#include <vector>

#include "sim/core/time.hpp"

namespace ef21::sim {

/// What a trace's values may be.
enum class TraceDomain {
  positive_factor,  // multiplies a nominal value: > 0 and finite
  availability,     // 0 (down) or 1 (up)
};

struct TracePoint {
  SimTime time = 0;  // ps
  double value = 1.0;
};

struct Trace {
  std::filesystem::path file;      // for messages
  std::vector<TracePoint> points;  // strictly increasing times
  SimTime period = 0;              // LOOPAFTER; 0 = not periodic

  /// The value at time t (1 before the first point; periodic when period > 0).
  double value_at(SimTime t) const;
  /// The first change strictly after t, as (time, new value), or time = -1 when none.
  TracePoint next_change_after(SimTime t) const;
};

/// Reads and checks a trace file.
Trace read_trace_file(const std::filesystem::path& file, TraceDomain domain);
/// The same from text (tests, fuzzing); `name` stands for the file in messages.
Trace parse_trace(const std::string& text, const std::string& name, TraceDomain domain);

}  // namespace ef21::sim
