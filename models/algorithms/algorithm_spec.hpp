#pragma once
// What the scenario says about the method (DESIGN §4 [algorithm], [gradient], [participation]).
#include <cstdint>
#include <optional>
#include <string>

#include "models/support/params.hpp"

namespace ef21::algorithms {

/// Stochastic local gradients ([gradient]): each round worker i uses tau_i distinct rows of
/// its shard, drawn uniformly without replacement. Neither set = full local gradients.
struct GradientSpec {
  std::optional<std::int64_t> batch;  // tau_i = batch for every worker (<= every m_i)
  std::optional<double> batch_ratio;  // tau_i = max(1, floor(m_i ratio))
  bool stochastic() const { return batch.has_value() || batch_ratio.has_value(); }
  /// tau_i for a shard of m rows (m when not stochastic).
  std::int64_t batch_for(std::int64_t m) const;
};

/// Partial participation ([participation]): each round t >= 1 the server draws exactly
/// max(1, floor(n fraction)) workers uniformly without replacement from the run's stream.
struct ParticipationSpec {
  double fraction = 1.0;                // (0, 1]
  std::optional<std::int64_t> clients;  // exactly this many per round (overrides fraction); 1..n
  bool unreliable = false;              // failures or deadlines: any round may apply a subset of its messages
  std::int64_t per_round(std::int64_t workers) const;
  bool partial(std::int64_t workers) const { return per_round(workers) < workers; }
  /// Whether a round may apply fewer than n messages (the methods then never replace g_i).
  bool subsets(std::int64_t workers) const { return partial(workers) || unreliable; }
};

struct AlgorithmSpec {
  std::string kind = "ef21";       // a registered method (method_registry.hpp)
  std::optional<double> stepsize;  // absolute stepsize gamma; nullopt = "theory"
  double multiplier = 1.0;         // scales the stepsize, theory or absolute
  ParamSet params;                 // the method's declared keys, defaults filled in
  GradientSpec gradient;
  ParticipationSpec participation;
};

}  // namespace ef21::algorithms
