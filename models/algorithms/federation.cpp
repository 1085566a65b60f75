#include "models/algorithms/federation.hpp"

#include "models/support/check.hpp"

namespace ef21::algorithms {

Federation::Federation(std::vector<problems::Objective> objectives, std::unique_ptr<compressors::Compressor> compressor,
                       MethodKind method, const MethodContext& context_template, Eigen::VectorXd x0,
                       std::size_t threads)
    : objectives_(std::move(objectives)),
      compressor_(std::move(compressor)),
      x_(std::move(x0)),
      outputs_(objectives_.size()),
      scratch_(threads == 0 ? 1 : threads),
      gradient_sum_(x_.size()),
      pool_(threads == 0 ? 1 : threads) {
  EF21_CHECK(!objectives_.empty(), "a federation needs workers");
  EF21_CHECK(objectives_.front().dim() == x_.size(), "x0 and the data disagree on d");
  MethodContext context = context_template;
  context.objectives = &objectives_;
  context.compressor = compressor_.get();
  method_ = make_method(method, context);
}

void Federation::compute_worker_round(std::int64_t round) {
  pool_.parallel_for(objectives_.size(), [&](std::size_t worker, std::size_t slot) {
    method_->worker_round(worker, round, x_, outputs_[worker], scratch_[slot]);
  });
}

IterateMetrics Federation::metrics() {
  const double n = static_cast<double>(outputs_.size());
  double value_sum = 0.0;
  gradient_sum_.setZero();
  for (const auto& out : outputs_) {
    value_sum += out.value;
    gradient_sum_ += out.gradient;
  }
  return {value_sum / n, (gradient_sum_ / n).squaredNorm()};
}

void Federation::aggregate(std::int64_t round) { method_->server_round(round, outputs_, x_); }

}  // namespace ef21::algorithms
