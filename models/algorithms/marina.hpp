#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

struct MethodInfo;

/// MARINA (Gorbunov, Burlachenko, Li, Richtárik 2021), unbiased compressor: g^0 = grad f(x^0)
/// (dense, free). Round t >= 1, one common coin c ~ Bernoulli(p) (default 1/(1+omega)):
/// c = 1: every worker sends grad f_i(x^t) dense (billed d values) and g^t = their mean;
/// c = 0: it sends C(grad f_i(x^t) - grad f_i(x^{t-1})) and g^t = g^{t-1} + their mean.
/// x^{t+1} = x^t - gamma g^t.
class Marina final : public Method {
 public:
  explicit Marina(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;
  std::optional<int> coin() const override { return coin_; }

 private:
  void prepare_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x) override;

  double probability_;
  Rng coin_rng_;
  std::optional<int> coin_;
  std::vector<Eigen::VectorXd> previous_;  // grad f_i(x^{t-1})
  Eigen::VectorXd estimate_;               // g
  Eigen::VectorXd sum_;
};

/// p = algorithm.page_probability, or 1/(1 + omega).
double marina_probability(const ParamSet& params, double omega);

const MethodInfo& marina_registration();

}  // namespace ef21::algorithms
