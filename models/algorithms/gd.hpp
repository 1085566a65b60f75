#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

/// Distributed gradient descent: workers send grad f_i(x^t) dense; x^{t+1} = x^t - gamma grad f(x^t).
/// (The compressor is not used: GD is the uncompressed baseline.)
class GradientDescent final : public Method {
 public:
  explicit GradientDescent(const MethodContext& context);
  MethodKind kind() const override { return MethodKind::gd; }
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, std::span<const WorkerOutput> outputs, Eigen::Ref<Eigen::VectorXd> x) override;

 private:
  Eigen::VectorXd sum_;
};

}  // namespace ef21::algorithms
