#pragma once
// How long a worker's local step takes (DESIGN §4 [compute], issue 11's compute variability):
//  * the nominal duration: a fixed gradient_time, or the round's flops / speed ("auto"); a
//    round that does less than one full local gradient (minibatches) scales it;
//  * jitter: `lognormal` (exp(sigma Z - sigma^2/2)) or `exponential` (-ln U) multiplies it by a
//    draw with mean 1, one per worker per computation, from the worker's own stream;
//  * a speed trace (factors over time) divides the rate the work is done at: a change during a
//    computation applies to the work that remains.
#include <cstdint>
#include <optional>
#include <vector>

#include "models/support/huge_page_allocator.hpp"
#include "models/support/rng.hpp"
#include "sim/core/time.hpp"
#include "sim/core/trace_file.hpp"

namespace ef21::sim {

enum class Jitter { none, lognormal, exponential };

struct WorkerCompute {
  std::optional<SimTime> fixed_time;  // gradient_time, or nullopt for "auto"
  double speed = 10e9;                // FLOP/s ("auto")
  double full_flops = 0.0;            // flops of one full local gradient
  std::optional<Trace> speed_trace;   // factors over time (1 = nominal)
};

class ComputeModel {
 public:
  ComputeModel(HugePageVector<WorkerCompute> workers, Jitter jitter, double jitter_sigma, std::uint64_t seed);

  /// One full local gradient at nominal speed, ps.
  SimTime full_time(std::size_t worker) const { return full_time_[worker]; }
  /// Worker `worker` starts at `start` a computation of `fraction` full gradients (`flops`
  /// flops, "auto"): when it finishes. Draws the worker's jitter (one draw per call).
  SimTime finish_time(std::size_t worker, SimTime start, double fraction, double flops);

 private:
  /// The nominal duration: the precomputed full time when it is one full gradient (the same
  /// integer as without variability), else fraction x the fixed time or flops / speed.
  SimTime nominal(std::size_t worker, double fraction, double flops) const;

  // By worker, read at a round's participants: on huge pages (10^6 clients, ~100 MB).
  HugePageVector<WorkerCompute> workers_;
  HugePageVector<SimTime> full_time_;
  Jitter jitter_;
  double sigma_;
  std::vector<Rng> streams_;
};

}  // namespace ef21::sim
