// Fuzz target: trace files (link, speed and availability traces), through read_trace_file as
// the scenario's *_trace keys and DOT trace attributes read them, then queried as the
// simulation queries them.
//
// Input: the file's bytes. Its size's parity picks the domain: factors (link and speed
// traces) or availability (0 / 1).
#include <cstddef>
#include <cstdint>

#include "sim/core/trace_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = ef21::fuzz::scratch().write("input.trace", ef21::fuzz::as_text(data, size));
  const auto domain =
      size % 2 == 0 ? ef21::sim::TraceDomain::positive_factor : ef21::sim::TraceDomain::availability;
  ef21::fuzz::expect_only([&] {
    const ef21::sim::Trace trace = ef21::sim::read_trace_file(file, domain);
    // Walk the changes over two periods (or past the last point), as the simulation does.
    ef21::sim::SimTime t = 0;
    for (int step = 0; step < 64; ++step) {
      const ef21::sim::TracePoint next = trace.next_change_after(t);
      if (next.time < 0) break;
      if (next.time <= t) ef21::fuzz::fail("next_change_after did not move forward");
      if (trace.value_at(next.time) != next.value)
        ef21::fuzz::fail("value_at disagrees with next_change_after");
      t = next.time;
    }
  });
  return 0;
}
