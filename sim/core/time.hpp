#pragma once
// Simulated time (DESIGN §6): an integer count of picoseconds since the simulation start.
//
// int64 picoseconds reach 2^63 ps ≈ 9.22e6 s ≈ 106.7 days; going past that is a clear error,
// never a silent wrap. Integer time makes event ordering exact and reproducible; doubles are
// used only inside computations (flow rates) and rounded up to the picosecond at the end.
#include <cstdint>

namespace ef21::sim {

/// Picoseconds since simulation start. Always >= 0 for event times.
using SimTime = std::int64_t;

inline constexpr SimTime kPicosPerSecond = 1'000'000'000'000;

/// The largest representable time (≈ 106 days).
inline constexpr SimTime kMaxSimTime = INT64_MAX;

/// `seconds` rounded UP to the picosecond. Throws ef21::InputError if `seconds` is negative,
/// NaN, or beyond the 106-day limit of the clock.
SimTime seconds_to_time_ceil(double seconds);

/// `t` in seconds (exact to double precision).
double time_to_seconds(SimTime t);

/// a + b; throws ef21::InputError naming the 106-day limit on overflow (or if the sum would
/// be negative through an underflow).
SimTime checked_add(SimTime a, SimTime b);

}  // namespace ef21::sim
