#include "sim/core/trace_file.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "models/support/input_error.hpp"
#include "sim/core/units.hpp"

namespace ef21::sim {
namespace {

/// Column (1-based) of the first character of `token` in `line`, searching from `from`.
std::uint32_t column_of(const std::string& line, const std::string& token, std::size_t from = 0) {
  const auto at = line.find(token, from);
  return static_cast<std::uint32_t>(at == std::string::npos ? 1 : at + 1);
}

}  // namespace

double Trace::value_at(SimTime t) const {
  if (period > 0 && t >= period) t %= period;
  double value = 1.0;
  for (const TracePoint& p : points) {  // traces are short; a linear scan is plenty
    if (p.time > t) break;
    value = p.value;
  }
  return value;
}

TracePoint Trace::next_change_after(SimTime t) const {
  if (points.empty()) return {-1, 1.0};
  const SimTime base = period > 0 && t >= 0 ? (t / period) * period : 0;
  const SimTime offset = t - base;
  // A change past the clock's range (int64 ps, 106 days) never comes: none.
  SimTime at = 0;
  for (const TracePoint& p : points)
    if (p.time > offset)
      return __builtin_add_overflow(base, p.time, &at) ? TracePoint{-1, 1.0} : TracePoint{at, p.value};
  if (period == 0) return {-1, 1.0};
  // The next period starts at the nominal value 1 (before the first point) unless a point sits at 0.
  SimTime next_base = 0;
  if (__builtin_add_overflow(base, period, &next_base)) return {-1, 1.0};
  if (points.front().time == 0) return {next_base, points.front().value};
  return {next_base, 1.0};
}

Trace parse_trace(const std::string& text, const std::string& name, TraceDomain domain) {
  Trace trace;
  trace.file = name;
  std::istringstream in(text);
  std::string line;
  std::uint32_t number = 0;
  std::uint32_t loop_line = 0;
  const auto fail = [&](std::uint32_t col, const std::string& message) -> void {
    throw InputError(SourceLocation{name, number, col}, message);
  };
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string content = line.substr(0, line.find('#'));
    std::istringstream words(content);
    std::vector<std::string> tokens;
    for (std::string w; words >> w;) tokens.push_back(w);
    if (tokens.empty()) continue;
    if (loop_line != 0) fail(column_of(line, tokens[0]), "nothing may follow the LOOPAFTER line");
    if (tokens[0] == "LOOPAFTER") {
      if (tokens.size() < 2)
        fail(column_of(line, tokens[0]), "LOOPAFTER needs a period with its unit, e.g. `LOOPAFTER 10 s`");
      const std::string period_text = content.substr(content.find(tokens[1]));
      SimTime period = 0;
      try {
        period = parse_duration(period_text);
      } catch (const std::exception& e) {
        fail(column_of(line, tokens[1]),
             fmt::format("bad LOOPAFTER period \"{}\": {}", period_text, e.what()));
      }
      if (period <= 0) fail(column_of(line, tokens[1]), "the LOOPAFTER period must be positive");
      if (!trace.points.empty() && period <= trace.points.back().time)
        fail(column_of(line, tokens[1]),
             fmt::format("LOOPAFTER {} is not longer than the trace (its last time is {})",
                         format_duration(period), format_duration(trace.points.back().time)));
      trace.period = period;
      loop_line = number;
      continue;
    }
    if (tokens.size() < 2)
      fail(column_of(line, tokens[0]),
           "expected `TIME VALUE`, a duration with its unit and a number, e.g. `300 us 0.25`");
    const std::string& value_text = tokens.back();
    const auto value_at = content.rfind(value_text);
    const std::string time_text = content.substr(content.find(tokens[0]), value_at - content.find(tokens[0]));
    SimTime time = 0;
    try {
      time = parse_duration(time_text);
    } catch (const std::exception& e) {
      fail(column_of(line, tokens[0]),
           fmt::format("bad time \"{}\": a duration with its unit, e.g. `300 us` ({})",
                       time_text.substr(0, time_text.find_last_not_of(' ') + 1), e.what()));
    }
    double value = 0.0;
    std::size_t used = 0;
    try {
      value = std::stod(value_text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    const auto value_col = static_cast<std::uint32_t>(value_at + 1);
    if (used != value_text.size() || !std::isfinite(value))
      fail(value_col, fmt::format("bad value \"{}\": expected a number", value_text));
    if (domain == TraceDomain::positive_factor && !(value > 0.0))
      fail(value_col,
           fmt::format("a trace value multiplies the nominal value and must be > 0, got {}", value_text));
    if (domain == TraceDomain::availability && value != 0.0 && value != 1.0)
      fail(value_col, fmt::format("an availability trace holds 0 (down) or 1 (up), got {}", value_text));
    if (time < 0) fail(column_of(line, tokens[0]), "trace times must be >= 0");
    if (!trace.points.empty() && time <= trace.points.back().time)
      fail(column_of(line, tokens[0]),
           fmt::format("trace times must increase: {} follows {}", format_duration(time),
                       format_duration(trace.points.back().time)));
    trace.points.push_back({time, value});
  }
  return trace;
}

Trace read_trace_file(const std::filesystem::path& file, TraceDomain domain) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(SourceLocation{file.string(), 0, 0}, "cannot open the trace file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_trace(text.str(), file.string(), domain);
}

}  // namespace ef21::sim
