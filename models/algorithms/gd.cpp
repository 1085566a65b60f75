#include "models/algorithms/gd.hpp"

namespace ef21::algorithms {

GradientDescent::GradientDescent(const MethodContext& context) : Method(context), sum_(dim()) {}

void GradientDescent::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                                   WorkerOutput& out, WorkerScratch& /*scratch*/, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  out.message.assign_dense(gradient);
  bill_dense(round, out);
}

void GradientDescent::server_round(std::int64_t /*round*/, std::span<const WorkerOutput> outputs,
                                   Eigen::Ref<Eigen::VectorXd> x) {
  sum_messages(outputs, sum_);
  x -= gamma() * (sum_ / static_cast<double>(outputs.size()));
}

}  // namespace ef21::algorithms
