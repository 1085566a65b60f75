#pragma once
// A method's convergence guarantee, declared once in its registry entry
// (MethodInfo::guarantee): `ef21sim list`, the docs and summary.json's "theory" object read it.
//
// Every guarantee here bounds the running mean of the squared gradient norms,
//   (1/T) sum_{t<T} ||grad f(x^t)||^2  <=  C / T   for every T >= 1,
// with C = 2 (f(x^0) - f_low) / gamma, f_low a lower bound on f. For EF21 this is Theorem 1
// of Richtárik, Sokolov, Fatkhullin 2021 with exact initial gradients (G^0 = 0); for GD the
// descent lemma summed over t. Both hold for 0 < gamma <= the method's theory stepsize
// (multiplier <= 1), full participation, exact local gradients, and every message applied.
#include <functional>
#include <optional>
#include <string>

namespace ef21::algorithms {

/// What a run is, as far as a guarantee's hypotheses go.
struct GuaranteeConditions {
  double gamma = 0.0;                  // the stepsize used
  std::optional<double> gamma_theory;  // the theory stepsize (the theorem's largest gamma), if it exists
  bool full_participation = true;      // every worker takes part in every round
  bool exact_gradients = true;         // full local gradients (no minibatches)
  bool every_message_applied = true;   // no failures, no round deadline
  bool random_compressor = false;      // a compressor that draws: the bound holds in expectation
  std::optional<double> f_low;         // a lower bound on f (the problem's), if known
};

struct Guarantee {
  std::string name;       // summary.json's "guarantee": "ef21-theorem-1", "gd-descent-lemma"
  std::string statement;  // the bound and its range, as text for the docs and `ef21sim list`
  /// Why the guarantee does not hold for a run; empty when it does.
  std::function<std::string(const GuaranteeConditions&)> inapplicable;
  /// C, the right-hand side times T, at f(x^0) = f0 (only called when it applies).
  std::function<double(const GuaranteeConditions&, double f0)> bound_times_T;
};

/// The guarantee shared by EF21 (Theorem 1) and GD: C = 2 (f(x^0) - f_low) / gamma, for
/// gamma <= gamma_theory under the conditions above.
Guarantee running_mean_guarantee(std::string name, std::string statement);

}  // namespace ef21::algorithms
