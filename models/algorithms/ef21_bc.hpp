#pragma once
#include "models/algorithms/ef21.hpp"

namespace ef21::algorithms {

/// EF21-BC, bidirectional compression (Fatkhullin et al. 2021): workers run EF21 on
/// w_i (w_i^0 = grad f_i(x^0)); the server keeps w = mean w_i and broadcasts the compressed
/// update b = C_down(w - g); everyone sets g += b, and x^{t+1} = x^t - gamma g. g^0 = w^0 is
/// broadcast dense and free (as round 0's uplink); later broadcasts are billed in bits_down
/// with their round.
class Ef21Bc final : public Ef21 {
 public:
  explicit Ef21Bc(const MethodContext& context);
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;
  std::optional<DownlinkMessage> downlink(std::int64_t round) const override;

 private:
  const compressors::Compressor& down_;
  Rng down_rng_;
  compressors::CompressorWorkspace down_workspace_;
  compressors::SparseVector broadcast_;  // b
  Eigen::VectorXd shared_;               // g, known to every worker
  Eigen::VectorXd difference_;           // w - g
};

const MethodInfo& ef21_bc_registration();

}  // namespace ef21::algorithms
