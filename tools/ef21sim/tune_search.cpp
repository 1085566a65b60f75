#include "tools/ef21sim/tune_search.hpp"

#include <algorithm>
#include <stdexcept>

#include "models/support/check.hpp"

namespace ef21::cli {

TuneSearch::TuneSearch(int refine, int max_doublings, int start_exponent)
    : refine_(refine),
      doubling_(std::int64_t{1} << refine),
      origin_(start_exponent * doubling_),
      bound_(max_doublings * doubling_),
      current_(origin_) {
  EF21_CHECK(refine >= 0 && refine <= 20 && max_doublings >= 1, "tune: refine 0..20 and max_doublings >= 1");
  pending_ = {origin_, origin_ + doubling_};
}

void TuneSearch::report(std::int64_t ticks, const Standing& standing) {
  const auto it = std::find(pending_.begin(), pending_.end(), ticks);
  EF21_CHECK(it != pending_.end(), "tune: a result for a point that was not asked for");
  pending_.erase(it);
  evaluated_[ticks] = standing;
  if (pending_.empty()) advance();
}

std::optional<std::int64_t> TuneSearch::best() const {
  std::optional<std::int64_t> b;
  for (const auto& [ticks, standing] : evaluated_)  // ascending ticks: ties keep the smaller
    if (!b || standing < evaluated_.at(*b)) b = ticks;
  return b;
}

void TuneSearch::advance() {
  switch (phase_) {
    case Phase::start:
      if (evaluated_.at(origin_ + doubling_) < evaluated_.at(origin_)) {
        phase_ = Phase::ladder;
        direction_ = 1;
        current_ = origin_ + doubling_;
        propose_ladder_step();
      } else {
        phase_ = Phase::probe_down;
        pending_ = {origin_ - doubling_};
      }
      return;
    case Phase::probe_down:
      if (evaluated_.at(origin_ - doubling_) < evaluated_.at(origin_)) {
        phase_ = Phase::ladder;
        direction_ = -1;
        current_ = origin_ - doubling_;
        propose_ladder_step();
      } else {
        refine_next();
      }
      return;
    case Phase::ladder: {
      const std::int64_t step = current_ + direction_ * doubling_;
      if (evaluated_.at(step) < evaluated_.at(current_)) {
        current_ = step;
        propose_ladder_step();
      } else {
        refine_next();
      }
      return;
    }
    case Phase::refine:
      refine_next();
      return;
    case Phase::done:
      return;
  }
}

void TuneSearch::propose_ladder_step() {
  const std::int64_t step = current_ + direction_ * doubling_;
  if (step - origin_ > bound_ || step - origin_ < -bound_) {
    refine_next();
    return;
  }
  pending_ = {step};
}

void TuneSearch::refine_next() {
  phase_ = Phase::refine;
  while (round_ < refine_) {
    ++round_;
    const std::int64_t b = *best();
    if (evaluated_.at(b).tier == 3) break;  // everything failed: nothing to refine
    const std::int64_t h = doubling_ >> round_;
    for (const std::int64_t t : {b - h, b + h})
      if (!evaluated_.count(t)) pending_.push_back(t);
    if (!pending_.empty()) return;
  }
  phase_ = Phase::done;
}

}  // namespace ef21::cli
