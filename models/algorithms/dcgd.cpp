#include "models/algorithms/dcgd.hpp"

#include "models/algorithms/method_registry.hpp"

namespace ef21::algorithms {

Dcgd::Dcgd(const MethodContext& context) : Method(context), sum_(dim()) {}

void Dcgd::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                        WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  compress(worker, local_gradient(worker, x, out, scratch, gradient), out, scratch);
  out.replaces = false;
  bill_compressed(round, out);
  out.billed = true;  // no exact initialization to leave out
}

void Dcgd::server_round(std::int64_t /*round*/, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) {
  if (view.participants.empty()) return;  // nothing arrived (failures, a deadline): x stays
  sum_messages(view, sum_);
  x -= gamma() * (sum_ / static_cast<double>(view.participants.size()));
}

const MethodInfo& dcgd_registration() {
  static const MethodInfo info{
      .name = "dcgd",
      .doc =
          "distributed compressed gradient descent: x -= gamma mean_i C(grad f_i) (unbiased C; converges to "
          "a neighbourhood)",
      .reference =
          "Khirirat, Feyzmahdavian, Johansson 2018 (DCGD); Khaled & Richtárik 2020 (nonconvex theory)",
      .keys = {},
      .compressor = CompressorNeed::unbiased,
      .minibatch = true,
      .participation = true,
      .theory_doc =
          "not implemented (its nonconvex rule depends on the horizon T): give an absolute stepsize",
      .theory_stepsize = [](const TheoryInputs&) -> double {
        throw TheoryUnavailable(
            "dcgd has no theory stepsize here (its nonconvex rule, Khaled & Richtárik 2020, depends on the "
            "number of rounds): give algorithm.stepsize");
      },
      .make = [](const MethodContext& c) -> std::unique_ptr<Method> { return std::make_unique<Dcgd>(c); },
  };
  return info;
}

}  // namespace ef21::algorithms
