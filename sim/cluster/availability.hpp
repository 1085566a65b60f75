#pragma once
// Which workers are up when (issue 11's failures): per worker an availability trace (TIME 0|1
// lines, up before the first) or, with [failures] mtbf and mttr, alternating exponential up
// and down durations (means mtbf, mttr) from the worker's own seeded stream, starting up.
// Every worker starts up at time 0 unless its trace says otherwise.
#include <cstdint>
#include <optional>
#include <vector>

#include "models/support/rng.hpp"
#include "sim/core/time.hpp"
#include "sim/core/trace_file.hpp"

namespace ef21::sim {

class Availability {
 public:
  /// `traces`: per worker (nullopt: none); `mtbf`/`mttr`: the exponential process for workers
  /// without a trace (both or neither).
  Availability(std::vector<std::optional<Trace>> traces, std::optional<SimTime> mtbf, std::optional<SimTime> mttr,
               std::uint64_t seed);
  /// Whether any worker can ever be down.
  bool enabled() const { return enabled_; }
  bool up(std::size_t worker, SimTime t);
  /// The first instant after t at which worker's state flips, or -1 if never.
  SimTime next_change(std::size_t worker, SimTime t);

 private:
  /// Extends worker's exponential change times past t.
  void extend(std::size_t worker, SimTime t);

  std::vector<std::optional<Trace>> traces_;
  std::optional<SimTime> mtbf_, mttr_;
  std::vector<Rng> streams_;
  std::vector<std::vector<SimTime>> changes_;  // exponential process: flips at these instants (up first)
  bool enabled_ = false;
};

}  // namespace ef21::sim
