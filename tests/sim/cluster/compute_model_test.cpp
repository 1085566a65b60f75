// The compute model: nominal durations, speed traces (a change applies to the work that
// remains) and jitter with mean 1 from each worker's own stream.
#include "sim/cluster/compute_model.hpp"

#include <catch2/catch.hpp>
#include <cmath>

using namespace ef21::sim;

namespace {

constexpr SimTime kUs = 1'000'000;

WorkerCompute fixed(SimTime t) {
  WorkerCompute w;
  w.fixed_time = t;
  w.full_flops = 1000.0;
  return w;
}

}  // namespace

TEST_CASE("Without variability a computation takes its nominal time", "[compute]") {
  WorkerCompute automatic;
  automatic.speed = 1e9;
  automatic.full_flops = 2e4;  // 20 us
  ComputeModel model({fixed(10 * kUs), automatic}, Jitter::none, 0.5, 1);
  CHECK(model.full_time(0) == 10 * kUs);
  CHECK(model.full_time(1) == 20 * kUs);
  CHECK(model.finish_time(0, 3 * kUs, 1.0, 1000.0) == 13 * kUs);
  CHECK(model.finish_time(0, 0, 0.25, 250.0) == 10 * kUs / 4);  // a quarter of the fixed time
  CHECK(model.finish_time(1, 0, 0.5, 1e4) == 10 * kUs);         // flops / speed
}

TEST_CASE("A speed trace slows the work that remains", "[compute][trace]") {
  WorkerCompute w = fixed(10 * kUs);
  w.speed_trace = parse_trace("5 us 0.5\n30 us 2\n", "speed.trace", TraceDomain::positive_factor);
  ComputeModel model({w}, Jitter::none, 0.5, 1);
  // 5 us of work at speed 1, the other 5 us at half speed: 10 us more.
  CHECK(model.finish_time(0, 0, 1.0, 1000.0) == 15 * kUs);
  // Starting at 25 us: 5 us at half speed give 2.5 us of work, the 7.5 us left at speed 2 take 3.75 us.
  CHECK(model.finish_time(0, 25 * kUs, 1.0, 1000.0) == 33'750'000);
  // Periodic: after 40 us the nominal speed again until 45 us.
  WorkerCompute p = fixed(10 * kUs);
  p.speed_trace =
      parse_trace("5 us 0.5\n30 us 2\nLOOPAFTER 40 us\n", "speed.trace", TraceDomain::positive_factor);
  ComputeModel periodic({p}, Jitter::none, 0.5, 1);
  CHECK(periodic.finish_time(0, 40 * kUs, 1.0, 1000.0) == 55 * kUs);
}

TEST_CASE("Jitter multiplies by a seeded draw of mean 1", "[compute][jitter]") {
  for (const Jitter kind : {Jitter::lognormal, Jitter::exponential}) {
    CAPTURE(static_cast<int>(kind));
    ComputeModel model({fixed(1000 * kUs), fixed(1000 * kUs)}, kind, 0.5, 42);
    ComputeModel again({fixed(1000 * kUs), fixed(1000 * kUs)}, kind, 0.5, 42);
    const int draws = 20000;
    double sum = 0.0, sum_sq = 0.0;
    for (int k = 0; k < draws; ++k) {
      const SimTime t = model.finish_time(0, 0, 1.0, 1000.0);
      REQUIRE(t == again.finish_time(0, 0, 1.0, 1000.0));  // the same stream: the same draws
      const double factor = static_cast<double>(t) / static_cast<double>(1000 * kUs);
      REQUIRE(factor > 0.0);
      sum += factor;
      sum_sq += factor * factor;
    }
    const double mean = sum / draws;
    const double sd = std::sqrt(sum_sq / draws - mean * mean);
    CHECK(std::abs(mean - 1.0) < 5.0 * sd / std::sqrt(static_cast<double>(draws)));
    // Worker 1 draws from its own stream: worker 0's draws leave it where it was.
    ComputeModel fresh({fixed(1000 * kUs), fixed(1000 * kUs)}, kind, 0.5, 42);
    CHECK(model.finish_time(1, 0, 1.0, 1000.0) == fresh.finish_time(1, 0, 1.0, 1000.0));
  }
}
