#include "models/algorithms/ef21_w.hpp"

#include <cmath>

#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {
Ef21W::Ef21W(const MethodContext& context) : Ef21(with_dense_state(context)) {
  double total = 0.0;
  for (const auto& objective : objectives()) total += objective.smoothness();
  const double n = static_cast<double>(workers());
  for (const auto& objective : objectives()) {
    weight_.push_back(objective.smoothness() / total);
    scale_.push_back(1.0 / (n * weight_.back()));
  }
}

void Ef21W::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                         WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  const Eigen::VectorXd& local = round == 0 ? gradient : local_gradient(worker, x, out, scratch, gradient);
  scratch.b = scale_[worker] * local;  // grad f_i / (n w_i)
  if (round == 0) {
    ef21_initial(worker, scratch.b, out);
    return;
  }
  ef21_step(worker, round, scratch.b, out, scratch);
}

void Ef21W::server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  apply_ef21_increments(round, view, global_mutable(), sum_buffer(), weight_);
  x -= gamma() * global();
}

const MethodInfo& ef21_w_registration() {
  static const MethodInfo info{
      .name = "ef21-w",
      .doc =
          "weighted EF21: g = sum_i w_i g_i with w_i = L_i / sum L_j (iterates = EF21's for homogeneous C; "
          "the theory stepsize uses L_AM)",
      .reference = "Richtárik, Gasanov, Burlachenko 2024, Error Feedback Reloaded (EF21-W)",
      .keys = {},
      .compressor = CompressorNeed::contractive,
      .minibatch = true,
      .theory_doc = "1/(L + L_AM sqrt(β/θ)), L_AM = mean L_i (α = 1: 1/L)",
      .theory_stepsize =
          [](const TheoryInputs& in) {
            const ContractionConstants c = contraction_constants(require_alpha(in, "ef21-w"));
            if (c.alpha == 1.0) return 1.0 / in.L;
            return 1.0 / (in.L + in.L_am * std::sqrt(c.beta / c.theta));
          },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Ef21W>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms
