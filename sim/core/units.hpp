#pragma once
// Physical quantities written as unit strings in scenario files and DOT attributes (DESIGN §4):
// durations "50us", "2 ms", "10 min"; bandwidths "100 Mbps", "12.5 MB/s"; sizes "64 B",
// "4 KiB"; compute speeds "10 GFLOPS". A bare number is always an error: a physical quantity
// must say its unit.
//
// Grammar: optional spaces, a decimal number (digits, optional fraction, optional exponent:
// "1.5", "2e-3"), optional spaces, a unit (case-sensitive, see each function), optional spaces.
// Prefixes are SI (k = 1e3, M = 1e6, G = 1e9, T = 1e12) unless written IEC (KiB = 1024 B).
//
// Errors throw UnitError without location; the scenario layer adds FILE:LINE:COL.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sim/core/time.hpp"

namespace ef21::sim {

/// A malformed or out-of-range unit string. The message quotes the offending text and gives
/// examples of what is accepted.
class UnitError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// Units: ps, ns, us (also µs), ms, s, min, h. Exact to the picosecond: the decimal text is
/// scaled in integer arithmetic and rounded to the nearest picosecond (so "0.1 ms" is exactly
/// 100'000'000 ps). Negative, bare numbers and values beyond the ~106-day clock are errors.
SimTime parse_duration(std::string_view text);

/// Returns BYTES per second. Bits: bps, kbps (also Kbps), Mbps, Gbps, Tbps (value / 8).
/// Bytes: B/s, kB/s, MB/s, GB/s, TB/s, and IEC KiB/s, MiB/s, GiB/s, TiB/s. "inf" or
/// "infinite" gives +infinity (a link that never constrains). Zero or negative is an error.
/// SI values are correctly rounded from the decimal text.
double parse_bandwidth(std::string_view text);

/// Bytes: B, kB, MB, GB, TB (SI) and KiB, MiB, GiB, TiB (IEC). "KB" is rejected as ambiguous.
/// The value must be a whole number of bytes ("1.5 KiB" = 1536 B is fine, "1.5 B" is not).
std::uint64_t parse_size(std::string_view text);

/// FLOP per second: FLOPS, kFLOPS, MFLOPS, GFLOPS, TFLOPS, PFLOPS (also written FLOP/s,
/// GFLOP/s, ...). Must be positive and finite.
double parse_compute_speed(std::string_view text);

/// Text that parse_duration maps back to exactly `t`: "20 us", "10 min", "1.234567 ms",
/// "0 s". Whole multiples of h/min are written so; otherwise the largest of s, ms, us, ns,
/// ps that keeps the integer part non-zero, with an exact decimal fraction. t >= 0.
std::string format_duration(SimTime t);

/// Text that parse_bandwidth maps back to exactly `bytes_per_s`: "1 Gbps", "12.5 MB/s",
/// "inf"; the shortest such text over the supported units (bits preferred on ties), falling
/// back to the shortest round-trip decimal in "B/s".
std::string format_bandwidth(double bytes_per_s);

/// Text that parse_size maps back to exactly `bytes`: "4 KiB", "1 MB", "123 B".
std::string format_size(std::uint64_t bytes);

/// Text that parse_compute_speed maps back to exactly `flop_per_s`: "10 GFLOPS".
std::string format_compute_speed(double flop_per_s);

}  // namespace ef21::sim
