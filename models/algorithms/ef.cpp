#include "models/algorithms/ef.hpp"

namespace ef21::algorithms {

ErrorFeedback::ErrorFeedback(const MethodContext& context)
    : Method(context), error_(workers(), Eigen::VectorXd::Zero(dim())), sum_(dim()) {}

void ErrorFeedback::worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                                 WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) {
  evaluate(worker, x, out, gradient);
  Eigen::VectorXd& e = error_[worker];
  e += gamma() * gradient;  // e_i + gamma grad f_i(x^t)
  compressor().compress(e, out.message, worker_rng(worker), scratch.compressor);
  out.message.add_to(e, -1.0);  // e_i <- (e_i + gamma grad) - v_i
  bill_compressed(round, out);
}

void ErrorFeedback::server_round(std::int64_t /*round*/, std::span<const WorkerOutput> outputs,
                                 Eigen::Ref<Eigen::VectorXd> x) {
  sum_messages(outputs, sum_);
  x -= sum_ / static_cast<double>(outputs.size());
}

}  // namespace ef21::algorithms
