#pragma once
#include "models/algorithms/ef21.hpp"

namespace ef21::algorithms {

/// EF21-W, weighted EF21 (Richtárik et al. 2024, "Error feedback reloaded"): w_i = L_i / sum L_j,
/// g_i^0 = grad f_i(x^0)/(n w_i), g_i += C(grad f_i/(n w_i) - g_i), g = sum_i w_i g_i. With a
/// positively homogeneous compressor (top-k, rand-k, sign) n w_i g_i follows EF21's g_i, so
/// the iterates are EF21's up to round-off; what changes is the theory stepsize (L_AM, the
/// arithmetic mean of the L_i, in place of L~).
class Ef21W final : public Ef21 {
 public:
  explicit Ef21W(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;

 private:
  std::vector<double> weight_;  // w_i
  std::vector<double> scale_;   // 1/(n w_i)
};

const MethodInfo& ef21_w_registration();

}  // namespace ef21::algorithms
