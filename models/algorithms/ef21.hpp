#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

/// EF21 (DESIGN §7). Round 0: workers send g_i^0 = grad f_i(x^0) dense; g^0 = mean;
/// x^1 = x^0 - gamma g^0. Round t >= 1: c_i = C(grad f_i(x^t) - g_i^{t-1}),
/// g_i^t = g_i^{t-1} + c_i; the server sets g^t = g^{t-1} + (1/n) sum c_i and
/// x^{t+1} = x^t - gamma g^t.
class Ef21 final : public Method {
 public:
  explicit Ef21(const MethodContext& context);
  MethodKind kind() const override { return MethodKind::ef21; }
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, std::span<const WorkerOutput> outputs, Eigen::Ref<Eigen::VectorXd> x) override;

 private:
  std::vector<Eigen::VectorXd> local_;  // g_i, one per worker
  Eigen::VectorXd global_;              // g = mean g_i, kept incrementally by the server
  Eigen::VectorXd sum_;
};

/// Worker side shared by EF21 and EF21+: g_i <- grad f_i exactly, sent whole (the message
/// borrows g_i: no copy, valid until this worker's next round).
void send_replacement(WorkerOutput& out, const Eigen::VectorXd& gradient, Eigen::VectorXd& local);

/// The server side shared by EF21 and EF21+: messages are increments of the g_i.
void apply_ef21_increments(std::int64_t round, std::span<const WorkerOutput> outputs, Eigen::VectorXd& global,
                           Eigen::VectorXd& sum, double gamma, Eigen::Ref<Eigen::VectorXd> x);

}  // namespace ef21::algorithms
