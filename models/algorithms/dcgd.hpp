#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

struct MethodInfo;

/// DCGD, distributed compressed gradient descent (Khirirat, Feyzmahdavian, Johansson 2018):
/// x^{t+1} = x^t - gamma mean_i C(grad f_i(x^t)) over the round's participants. Every message
/// is compressed and billed, round 0's too: bits_up at row t counts t + 1 messages.
class Dcgd final : public Method {
 public:
  explicit Dcgd(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;

 private:
  Eigen::VectorXd sum_;
};

const MethodInfo& dcgd_registration();

}  // namespace ef21::algorithms
