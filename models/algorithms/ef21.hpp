#pragma once
#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

/// EF21 (DESIGN §7). Round 0: workers send g_i^0 = grad f_i(x^0) dense; g^0 = mean;
/// x^1 = x^0 - gamma g^0. Round t >= 1: c_i = C(grad f_i(x^t) - g_i^{t-1}),
/// g_i^t = g_i^{t-1} + c_i; the server sets g^t = g^{t-1} + (1/n) sum c_i and
/// x^{t+1} = x^t - gamma g^t.
///
/// Sparse worker state. With sparse data, worker i's gradient differs from worker to worker
/// only on S_i, the columns its rows use: elsewhere it is the regulariser's term (+0 plus
/// it, to the bit), the same for everyone. So after round 0, g_i equals base = that term
/// at x^0 outside a small set E_i (S_i plus the coordinates its messages touched), and
/// grad f_i(x^t) - g_i equals the shared D^t = term(x^t) - base outside E_i. A worker whose
/// |S_i| is small keeps only E_i's coordinates and values (checked bit for bit against its
/// dense g_i^0 when it switches, at round 1) and rebuilds the compressor's input from D^t:
/// the same vector, bit for bit, without the n*d doubles of dense g_i or reading them
/// every round (800 MB at n = 10^5, d = 1000).
class Ef21 final : public Method {
 public:
  explicit Ef21(const MethodContext& context);
  MethodKind kind() const override { return MethodKind::ef21; }
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  void server_round(std::int64_t round, std::span<const WorkerOutput> outputs, Eigen::Ref<Eigen::VectorXd> x) override;
  /// Workers holding g_i in the sparse form (diagnostics, tests).
  std::size_t sparse_workers() const;

 private:
  void prepare_round(std::int64_t round) override;
  /// At worker i's first round >= 1: switch to the sparse form if that represents g_i exactly.
  void try_sparsify(std::size_t worker);

  enum class State : std::uint8_t { dense, undecided, sparse };
  struct SparseLocal {
    std::vector<std::int32_t> index;  // E_i, increasing
    std::vector<double> value;        // g_i on E_i
  };
  std::vector<Eigen::VectorXd> local_;  // g_i, one per worker (dense form; empty in the sparse form)
  std::vector<State> state_;
  std::vector<SparseLocal> sparse_;     // sparse form
  Eigen::VectorXd base_;                // 0.0 + regulariser term at x^0
  Eigen::VectorXd shared_diff_;         // D^t = (0.0 + regulariser term at x^t) - base
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
