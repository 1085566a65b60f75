#include "sim/cluster/compute_model.hpp"

#include <cmath>

#include "models/support/check.hpp"

namespace ef21::sim {

ComputeModel::ComputeModel(HugePageVector<WorkerCompute> workers, Jitter jitter, double jitter_sigma,
                           std::uint64_t seed)
    : workers_(std::move(workers)), jitter_(jitter), sigma_(jitter_sigma) {
  full_time_.reserve(workers_.size());
  for (const WorkerCompute& w : workers_)
    full_time_.push_back(w.fixed_time ? *w.fixed_time : seconds_to_time_ceil(w.full_flops / w.speed));
  if (jitter_ != Jitter::none)
    for (std::size_t i = 0; i < workers_.size(); ++i)
      streams_.push_back(Rng::stream(seed, "compute-jitter", i));
}

SimTime ComputeModel::nominal(std::size_t worker, double fraction, double flops) const {
  const WorkerCompute& w = workers_[worker];
  if (fraction == 1.0 && flops == w.full_flops) return full_time_[worker];
  if (w.fixed_time) return static_cast<SimTime>(std::ceil(static_cast<double>(*w.fixed_time) * fraction));
  return seconds_to_time_ceil(flops / w.speed);
}

SimTime ComputeModel::finish_time(std::size_t worker, SimTime start, double fraction, double flops) {
  SimTime duration = nominal(worker, fraction, flops);
  if (jitter_ != Jitter::none) {
    Rng& rng = streams_[worker];
    double factor = 1.0;
    if (jitter_ == Jitter::lognormal) {
      factor = std::exp(sigma_ * rng.normal() - 0.5 * sigma_ * sigma_);  // E = 1
    } else {
      factor = -std::log1p(-rng.uniform());  // Exp(1): -ln(1 - U), U in [0, 1)
    }
    duration = static_cast<SimTime>(std::ceil(static_cast<double>(duration) * factor));
  }
  const auto& trace = workers_[worker].speed_trace;
  if (!trace) return checked_add(start, duration);
  // Work left, in ps at nominal speed; at factor f it takes (work / f) ps.
  double work = static_cast<double>(duration);
  SimTime t = start;
  for (;;) {
    const double f = trace->value_at(t);
    const TracePoint next = trace->next_change_after(t);
    if (next.time < 0 || static_cast<double>(next.time - t) * f >= work)
      return checked_add(t, static_cast<SimTime>(std::ceil(work / f)));
    work -= static_cast<double>(next.time - t) * f;
    t = next.time;
  }
}

}  // namespace ef21::sim
