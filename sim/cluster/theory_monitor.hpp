#pragma once
// The running mean of ||grad f(x^t)||^2 over every iterate of a run, and the run checked
// against its method's convergence guarantee (models/algorithms/guarantee.hpp) as it goes:
// summary.json's "theory" object and trace.csv's grad_norm_sq_mean column
// (run.record_running_mean) come from here.
#include <cstdint>
#include <optional>

#include "models/algorithms/constants.hpp"
#include "models/algorithms/method_registry.hpp"  // MethodInfo::guarantee (guarantee.hpp)
#include "models/compressors/compressor.hpp"
#include "sim/cluster/records.hpp"
#include "sim/scenario/scenario.hpp"

namespace ef21::sim {

/// What the scenario, its derived constants and its (uplink) compressor say about a
/// guarantee's hypotheses.
algorithms::GuaranteeConditions guarantee_conditions(const Scenario& scenario,
                                                     const algorithms::DerivedConstants& constants,
                                                     const compressors::Compressor& compressor);

class TheoryMonitor {
 public:
  /// `guarantee` may be null (the method declares none): then only the running mean is kept.
  TheoryMonitor(const algorithms::Guarantee* guarantee, const algorithms::GuaranteeConditions& conditions);

  /// Iterate x^round, rounds in order from 0: its ||grad f||^2 (finite), and f(x^0) at round 0.
  void observe(std::int64_t round, double grad_norm_sq, double f0_if_first);
  /// Iterate x^round's gradient was not evaluated (run.evaluate = "trace-rows"): the running
  /// mean is unknown from here on, and the guarantee cannot be checked.
  void missed(std::int64_t round);

  /// (1/T) sum_{t<T} ||grad f(x^t)||^2 over the T iterates observed; NaN when one was missed.
  double running_mean() const;

  /// summary.json's "theory" (nullopt without a guarantee).
  std::optional<TheoryCheck> check() const;

 private:
  const algorithms::Guarantee* guarantee_;
  algorithms::GuaranteeConditions conditions_;
  std::string inapplicable_;  // the guarantee's reason, computed once
  double sum_ = 0.0;          // sum of ||grad f(x^t)||^2 over the observed iterates, in round order
  std::int64_t iterates_ = 0;
  bool complete_ = true;  // no iterate missed
  std::optional<double> f0_;
  std::optional<double> bound_times_T_;
  std::optional<double> max_ratio_;
  std::int64_t max_at_T_ = 0;
};

}  // namespace ef21::sim
