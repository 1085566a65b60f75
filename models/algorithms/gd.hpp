#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

struct MethodInfo;

/// Distributed gradient descent: workers send grad f_i(x^t) dense (a minibatch estimate with
/// [gradient]); x^{t+1} = x^t - gamma mean_i (over the round's participants). The compressor
/// is not used: GD is the uncompressed baseline.
class GradientDescent final : public Method {
 public:
  explicit GradientDescent(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;

 private:
  Eigen::VectorXd sum_;
};

const MethodInfo& gd_registration();

}  // namespace ef21::algorithms
