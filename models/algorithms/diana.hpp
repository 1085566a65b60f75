#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

struct MethodInfo;

/// DIANA (Mishchenko, Gorbunov, Takáč, Richtárik 2019): shifts h_i with h_i^0 = grad f_i(x^0)
/// (sent dense and free in round 0), h = mean h_i, shift rate alpha (default 1/(1+omega)).
/// Round t >= 1: Delta_i = C(grad f_i(x^t) - h_i); g^t = h + mean Delta_i; h_i += alpha Delta_i;
/// h += alpha mean Delta_i; x^{t+1} = x^t - gamma g^t (round 0: g^0 = h^0).
class Diana final : public Method {
 public:
  explicit Diana(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;
  double shift_rate() const { return shift_rate_; }

 private:
  double shift_rate_;
  std::vector<Eigen::VectorXd> shift_;  // h_i
  Eigen::VectorXd mean_shift_;          // h
  Eigen::VectorXd sum_;
  Eigen::VectorXd step_;  // g^t
};

const MethodInfo& diana_registration();

}  // namespace ef21::algorithms
