#pragma once
// Wall time of a run's steady rounds, for summary.json's host object (benchmarks read it).
//
// The simulation reports each recorded iterate x^t through its progress callback once round
// t - 1's work is done (round t's participants have computed; x^t is aggregated). The clock
// keeps the instants of the reports of x^1 and of the last two iterates, so that the mean
// wall time per round over x^1 .. x^(T-1) leaves out setup, round 0 (every worker's initial
// message) and the final row's evaluation over all workers, which cost O(workers) and would
// otherwise swamp the per-round figure of a run with many clients.
//
// Besides wall time it keeps the process's CPU time (all threads): on a machine shared with
// other jobs the wall time of a round grows with their load, its CPU time much less.
#include <time.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace ef21::cli {

class RoundClock {
 public:
  using Clock = std::chrono::steady_clock;

  /// Called with every progress report (rounds increasing); `cpu_ms` is the process's CPU
  /// time so far.
  void report(std::int64_t round, Clock::time_point now = Clock::now(), double cpu_ms = process_cpu_ms()) {
    if (round == 1) first_ = {round, now, cpu_ms};
    previous_ = latest_;
    latest_ = {round, now, cpu_ms};
  }

  /// Mean wall milliseconds per round between the reports of x^1 and of the iterate before the
  /// last one; empty when fewer than two rounds lie between them (nothing steady to measure).
  std::optional<double> ms_per_round() const {
    if (!measured()) return std::nullopt;
    const double ms = std::chrono::duration<double, std::milli>(previous_.at - first_.at).count();
    return ms / static_cast<double>(previous_.round - first_.round);
  }
  /// The same rounds' mean CPU milliseconds (every thread of the process).
  std::optional<double> cpu_ms_per_round() const {
    if (!measured()) return std::nullopt;
    return (previous_.cpu_ms - first_.cpu_ms) / static_cast<double>(previous_.round - first_.round);
  }

  /// CPU time of the whole process so far, ms.
  static double process_cpu_ms() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) * 1e-6;
  }

 private:
  struct Mark {
    std::int64_t round = -1;
    Clock::time_point at{};
    double cpu_ms = 0.0;
  };
  bool measured() const { return first_.round == 1 && previous_.round - first_.round >= 2; }
  Mark first_, previous_, latest_;
};

}  // namespace ef21::cli
