#pragma once
#include "models/algorithms/ef21.hpp"

namespace ef21::algorithms {

/// EF21-HB, EF21 with heavy-ball momentum eta in [0, 1) (Fatkhullin et al. 2021): v^0 = g^0;
/// x^{t+1} = x^t - gamma v^t, then EF21's update of every g_i, then v^{t+1} = eta v^t + g^{t+1}.
/// eta = 0 is EF21 bit for bit.
class Ef21Hb final : public Ef21 {
 public:
  explicit Ef21Hb(const MethodContext& context);
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;

 private:
  double momentum_;
  Eigen::VectorXd velocity_;  // v
};

const MethodInfo& ef21_hb_registration();

}  // namespace ef21::algorithms
