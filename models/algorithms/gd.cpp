#include "models/algorithms/gd.hpp"

#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {

GradientDescent::GradientDescent(const MethodContext& context) : Method(context), sum_(dim()) {}

void GradientDescent::worker_round(std::size_t worker, std::int64_t round,
                                   const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                                   WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  out.message.assign_dense(local_gradient(worker, x, out, scratch, gradient));
  out.message.exact = true;
  bill_dense(round, out);
}

void GradientDescent::server_round(std::int64_t /*round*/, const RoundView& view,
                                   Eigen::Ref<Eigen::VectorXd> x) {
  if (view.participants.empty()) return;  // nothing arrived (failures, a deadline): x stays
  sum_messages(view, sum_);
  x -= gamma() * (sum_ / static_cast<double>(view.participants.size()));
}

const MethodInfo& gd_registration() {
  static const MethodInfo info{
      .name = "gd",
      .doc = "distributed gradient descent: dense gradients, averaged over the round's participants",
      .reference = "",
      .keys = {},
      .compressor = CompressorNeed::unused,
      .minibatch = true,
      .participation = true,
      .theory_doc = "1/L",
      .theory_stepsize = [](const TheoryInputs& in) { return 1.0 / in.L; },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> {
        return std::make_unique<GradientDescent>(c);
      },
      .guarantee = running_mean_guarantee(
          "gd-descent-lemma",
          "descent lemma summed over t: (1/T) Σ_{t<T} ‖∇f(x^t)‖² ≤ 2(f(x^0) − f_low)/(γT) for γ ≤ 1/L; "
          "full participation, full gradients"),
  };
  return info;
}

}  // namespace ef21::algorithms
