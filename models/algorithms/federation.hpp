#pragma once
// The math of one distributed run, with no notion of time: n objectives (one per worker),
// a method, the model x held by the server, and the per-worker outputs of the current
// round. The simulator (sim/cluster) decides *when* each piece happens; this class decides
// *what* it computes. Worker rounds run in parallel over a thread pool; every reduction is
// sequential in worker-id order, so results do not depend on the thread count.
#include <Eigen/Dense>
#include <memory>
#include <vector>

#include "models/algorithms/method.hpp"
#include "models/support/thread_pool.hpp"

namespace ef21::algorithms {

/// f(x^t) and ||grad f(x^t)||^2 with f = (1/n) sum f_i.
struct IterateMetrics {
  double f = 0.0;
  double grad_norm_sq = 0.0;
};

class Federation {
 public:
  Federation(std::vector<problems::Objective> objectives, std::unique_ptr<compressors::Compressor> compressor,
             MethodKind method, const MethodContext& context_template, Eigen::VectorXd x0, std::size_t threads);

  std::size_t workers() const { return objectives_.size(); }
  Eigen::Index dim() const { return x_.size(); }
  const Eigen::VectorXd& x() const { return x_; }
  const std::vector<problems::Objective>& objectives() const { return objectives_; }
  const compressors::Compressor& compressor() const { return *compressor_; }
  const Method& method() const { return *method_; }

  /// Every worker's round `round` at the current x (x^round), in parallel.
  void compute_worker_round(std::int64_t round);
  /// Metrics at the current x from the last compute_worker_round (sums in worker order).
  IterateMetrics metrics();
  /// The server's step of round `round`: x^round -> x^{round+1}.
  void aggregate(std::int64_t round);

  const WorkerOutput& output(std::size_t worker) const { return outputs_[worker]; }
  const std::vector<WorkerOutput>& outputs() const { return outputs_; }

 private:
  std::vector<problems::Objective> objectives_;
  std::unique_ptr<compressors::Compressor> compressor_;
  std::unique_ptr<Method> method_;
  Eigen::VectorXd x_;
  std::vector<WorkerOutput> outputs_;
  std::vector<WorkerScratch> scratch_;  // one per thread slot
  Eigen::VectorXd gradient_sum_;
  ThreadPool pool_;
};

}  // namespace ef21::algorithms
