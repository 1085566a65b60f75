#pragma once
#include "models/algorithms/ef21.hpp"

namespace ef21::algorithms {

/// EF21-SGDM (Fatkhullin, Tyurin, Richtárik 2023, "Momentum provably improves error
/// feedback!"): worker-side momentum eta in (0, 1]. v_i^0 = g_i^0 = grad f_i(x^0);
/// v_i^{t+1} = (1 - eta) v_i^t + eta ghat_i(x^{t+1}) (the minibatch estimate with [gradient],
/// else the full local gradient); g_i^{t+1} = g_i^t + C(v_i^{t+1} - g_i^t). eta = 1 is EF21-SGD.
class Ef21Sgdm final : public Ef21 {
 public:
  explicit Ef21Sgdm(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void save_worker(std::size_t worker) override;
  void restore_worker(std::size_t worker) override;

 private:
  double momentum_;
  std::vector<Eigen::VectorXd> velocity_;  // v_i
  std::vector<Eigen::VectorXd> saved_velocity_;
};

const MethodInfo& ef21_sgdm_registration();

}  // namespace ef21::algorithms
