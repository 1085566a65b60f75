#pragma once
// The one-line progress display of a run on a terminal: round, simulated time, metric, ETA.
#include <chrono>

#include "sim/cluster/simulation.hpp"

namespace ef21::cli {

class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  void update(const sim::Progress& p);
  void finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace ef21::cli
