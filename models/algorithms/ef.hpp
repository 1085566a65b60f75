#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

struct MethodInfo;

/// Classic error feedback (DESIGN §7): e_i^0 = 0; v_i = C(e_i + gamma grad f_i(x^t));
/// x^{t+1} = x^t - (1/n) sum v_i; e_i <- e_i + gamma grad f_i(x^t) - v_i.
class ErrorFeedback final : public Method {
 public:
  explicit ErrorFeedback(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;

 private:
  std::vector<Eigen::VectorXd> error_;  // e_i, one per worker
  Eigen::VectorXd sum_;
};

const MethodInfo& ef_registration();

}  // namespace ef21::algorithms
