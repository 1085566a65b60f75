#include "sim/cluster/theory_monitor.hpp"

#include <limits>

#include "models/algorithms/method_registry.hpp"
#include "models/problems/problem_spec.hpp"
#include "models/support/check.hpp"

namespace ef21::sim {

algorithms::GuaranteeConditions guarantee_conditions(const Scenario& s,
                                                     const algorithms::DerivedConstants& constants,
                                                     const compressors::Compressor& compressor) {
  algorithms::GuaranteeConditions c;
  c.gamma = constants.gamma;
  c.gamma_theory = constants.gamma_theory;
  c.full_participation = !s.algorithm.participation.partial(s.data.workers);
  c.exact_gradients = !s.algorithm.gradient.stochastic();
  c.every_message_applied = !s.unreliable();
  const algorithms::MethodInfo* method = algorithms::find_method(s.algorithm.kind);
  const bool uses_compressor = method != nullptr && method->compressor != algorithms::CompressorNeed::unused;
  const auto omega = compressor.omega();
  c.random_compressor = uses_compressor && (compressor.draws_indices() || (omega && *omega > 0.0));
  c.f_low = problems::loss_lower_bound(s.problem.spec);
  return c;
}

TheoryMonitor::TheoryMonitor(const algorithms::Guarantee* guarantee,
                             const algorithms::GuaranteeConditions& conditions)
    : guarantee_(guarantee), conditions_(conditions) {
  if (guarantee_ != nullptr) inapplicable_ = guarantee_->inapplicable(conditions_);
}

void TheoryMonitor::observe(std::int64_t round, double grad_norm_sq, double f0_if_first) {
  EF21_CHECK(round == iterates_ || !complete_, "the theory monitor sees every iterate in order");
  if (!complete_) return;
  if (round == 0) {
    f0_ = f0_if_first;
    if (guarantee_ != nullptr && inapplicable_.empty())
      bound_times_T_ = guarantee_->bound_times_T(conditions_, f0_if_first);
  }
  sum_ += grad_norm_sq;
  ++iterates_;
  if (!bound_times_T_) return;
  // mean_T / (C / T) with T = iterates_; it never decreases for a sum of nonnegative terms,
  // but the maximum is kept as defined so that other forms of bound can share this.
  const double T = static_cast<double>(iterates_);
  const double bound = *bound_times_T_ / T;
  const double ratio = bound > 0.0  ? (sum_ / T) / bound
                       : sum_ > 0.0 ? std::numeric_limits<double>::infinity()
                                    : 0.0;
  if (!max_ratio_ || ratio > *max_ratio_) {
    max_ratio_ = ratio;
    max_at_T_ = iterates_;
  }
}

void TheoryMonitor::missed(std::int64_t /*round*/) { complete_ = false; }

double TheoryMonitor::running_mean() const {
  if (!complete_ || iterates_ == 0) return std::numeric_limits<double>::quiet_NaN();
  return sum_ / static_cast<double>(iterates_);
}

std::optional<TheoryCheck> TheoryMonitor::check() const {
  if (guarantee_ == nullptr) return std::nullopt;
  TheoryCheck c;
  c.guarantee = guarantee_->name;
  c.applies = inapplicable_.empty();
  c.reason = inapplicable_;
  c.in_expectation = conditions_.random_compressor;
  c.gamma = conditions_.gamma;
  c.gamma_max = conditions_.gamma_theory;
  c.f0 = f0_;
  c.f_low = conditions_.f_low;
  c.bound_times_T = bound_times_T_;
  c.iterates = iterates_;
  if (!complete_) {
    if (c.applies) c.reason = "not checked: grad f is not evaluated at every iterate (run.evaluate)";
    return c;
  }
  c.max_mean_to_bound = max_ratio_;
  if (max_ratio_) c.max_at_T = max_at_T_;
  return c;
}

}  // namespace ef21::sim
