#pragma once
#include "models/algorithms/ef21.hpp"

namespace ef21::algorithms {

/// EF21-PAGE (Fatkhullin et al. 2021): EF21 on a PAGE estimator v_i, with minibatches.
/// v_i^0 = g_i^0 = grad f_i(x^0). Each round one coin c ~ Bernoulli(p), common to all workers:
/// c = 1: v_i = grad f_i(x^{t+1}); c = 0: v_i += grad f_{i,B}(x^{t+1}) - grad f_{i,B}(x^t) with
/// the same rows B at both points (two minibatch gradients of compute). Then
/// g_i += C(v_i - g_i).
class Ef21Page final : public Ef21 {
 public:
  explicit Ef21Page(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  std::optional<int> coin() const override { return coin_; }
  double probability() const { return probability_; }

 private:
  void prepare_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x) override;

  double probability_;
  Rng coin_rng_;
  std::optional<int> coin_;                 // this round's coin (rounds >= 1)
  std::vector<Eigen::VectorXd> estimator_;  // v_i
  Eigen::VectorXd previous_x_;              // x^{t}, the point before this round's
  Eigen::VectorXd current_x_;
  problems::RegulariserAt previous_regulariser_;
};

const MethodInfo& ef21_page_registration();

}  // namespace ef21::algorithms
