#include "models/algorithms/ef.hpp"

#include <cmath>

#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {

ErrorFeedback::ErrorFeedback(const MethodContext& context)
    : Method(context), error_(workers(), Eigen::VectorXd::Zero(dim())), sum_(dim()) {}

void ErrorFeedback::worker_round(std::size_t worker, std::int64_t round,
                                 const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                                 WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& e = error_[worker];
  e += gamma() * local_gradient(worker, x, out, scratch, gradient);  // e_i + gamma grad f_i(x^t)
  compress(worker, e, out, scratch);
  out.message.add_to(e, -1.0);  // e_i <- (e_i + gamma grad) - v_i
  bill_compressed(round, out);
}

void ErrorFeedback::server_round(std::int64_t /*round*/, const RoundView& view,
                                 Eigen::Ref<Eigen::VectorXd> x) {
  sum_messages(view, sum_);
  x -= sum_ / static_cast<double>(view.outputs.size());
}

const MethodInfo& ef_registration() {
  static const MethodInfo info{
      .name = "ef",
      .doc =
          "classic error feedback (Seide et al. 2014): workers compress e_i + gamma grad f_i and keep the "
          "error",
      .reference = "Stich & Karimireddy 2020; the EF21 paper's comparison uses EF21's rule",
      .keys = {},
      .compressor = CompressorNeed::contractive,
      .minibatch = true,
      .theory_doc = "1/(L + L~ sqrt(β/θ)) (α = 1: 1/L), as EF21 (DESIGN §7)",
      .theory_stepsize =
          [](const TheoryInputs& in) {
            const ContractionConstants c = contraction_constants(require_alpha(in, "ef"));
            if (c.alpha == 1.0) return 1.0 / in.L;
            return 1.0 / (in.L + in.L_tilde * std::sqrt(c.beta / c.theta));
          },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> {
        return std::make_unique<ErrorFeedback>(c);
      },
  };
  return info;
}

}  // namespace ef21::algorithms
