#include "sim/cluster/availability.hpp"

#include <algorithm>
#include <cmath>

namespace ef21::sim {

Availability::Availability(std::vector<std::optional<Trace>> traces, std::optional<SimTime> mtbf,
                           std::optional<SimTime> mttr, std::uint64_t seed)
    : traces_(std::move(traces)), mtbf_(mtbf), mttr_(mttr), changes_(traces_.size()) {
  const bool exponential = mtbf_.has_value() && mttr_.has_value();
  enabled_ = exponential || std::any_of(traces_.begin(), traces_.end(), [](const auto& t) { return t.has_value(); });
  if (exponential)
    for (std::size_t i = 0; i < traces_.size(); ++i) streams_.push_back(Rng::stream(seed, "failures", i));
}

void Availability::extend(std::size_t worker, SimTime t) {
  std::vector<SimTime>& flips = changes_[worker];
  while (flips.empty() || flips.back() <= t) {
    const bool next_is_down = flips.size() % 2 == 0;  // up until the first flip
    const double mean = static_cast<double>(next_is_down ? *mtbf_ : *mttr_);
    // Exponential(mean) in ps, at least 1 ps so that time moves on.
    const double draw = -std::log1p(-streams_[worker].uniform()) * mean;
    const SimTime last = flips.empty() ? 0 : flips.back();
    flips.push_back(checked_add(last, std::max<SimTime>(1, static_cast<SimTime>(std::ceil(draw)))));
  }
}

bool Availability::up(std::size_t worker, SimTime t) {
  if (traces_[worker]) return traces_[worker]->value_at(t) != 0.0;
  if (streams_.empty()) return true;
  extend(worker, t);
  const std::vector<SimTime>& flips = changes_[worker];
  const auto passed = std::upper_bound(flips.begin(), flips.end(), t) - flips.begin();
  return passed % 2 == 0;
}

SimTime Availability::next_change(std::size_t worker, SimTime t) {
  if (traces_[worker]) {
    // The next point whose value differs from the current one.
    const bool now_up = up(worker, t);
    const SimTime period = traces_[worker]->period;
    for (SimTime at = t;;) {
      const TracePoint next = traces_[worker]->next_change_after(at);
      if (next.time < 0 || (period > 0 && next.time > t + 2 * period)) return -1;  // never flips
      if ((next.value != 0.0) != now_up) return next.time;
      at = next.time;
    }
  }
  if (streams_.empty()) return -1;
  extend(worker, t);
  const std::vector<SimTime>& flips = changes_[worker];
  return *std::upper_bound(flips.begin(), flips.end(), t);
}

}  // namespace ef21::sim
