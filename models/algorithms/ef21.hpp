#pragma once
#include <atomic>

#include "models/algorithms/method.hpp"

namespace ef21::algorithms {

struct MethodInfo;

/// EF21 (DESIGN §7). Round 0: workers send g_i^0 = grad f_i(x^0) dense; g^0 = mean;
/// x^1 = x^0 - gamma g^0. Round t >= 1: c_i = C(grad f_i(x^t) - g_i^{t-1}),
/// g_i^t = g_i^{t-1} + c_i; the server sets g^t = g^{t-1} + (1/n) sum c_i and
/// x^{t+1} = x^t - gamma g^t.
///
/// Sparse worker state. With sparse data, worker i's gradient differs from worker to worker
/// only on S_i, the columns its rows use: elsewhere it is the regulariser's term (+0 plus
/// it, to the bit), the same for everyone. So from round 0 on, g_i equals base = that term
/// at x^0 outside a small set E_i (S_i plus the coordinates its messages touched), and
/// grad f_i(x^t) - g_i equals the shared D^t = term(x^t) - base outside E_i. A worker whose
/// |S_i| is small keeps only E_i's coordinates and values (checked bit for bit against
/// g_i^0 in round 0, whose message is then base overlaid with E_i's values) and rebuilds the
/// compressor's input from D^t:
/// the same vector, bit for bit, without the n*d doubles of dense g_i or reading them
/// every round (800 MB at n = 10^5, d = 1000).
///
/// Compositions: with [gradient] the workers compress their minibatch estimate (EF21-SGD);
/// with [participation] only the round's participants update their g_i and g stays the mean
/// over all n (EF21-PP); an exact message (k = d) then still travels as an increment.
class Ef21 : public Method {
 public:
  explicit Ef21(const MethodContext& context);
  void worker_round(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                    WorkerOutput& out, WorkerScratch& scratch, Eigen::VectorXd& gradient) override;
  /// A compact worker (rounds >= 1, full gradients, a shard in Objective's compact form:
  /// large d) leaves grad f_i in the overlay form on
  /// E_i and forms its compressor input on E_i alone: O(nnz of its shard + |E_i|), no d-length
  /// pass. Otherwise worker_round. Subclasses that override worker_round keep the dense
  /// state (with_dense_state), so this never bypasses them.
  void worker_round_into(std::size_t worker, std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                         WorkerOutput& out, WorkerScratch& scratch, WorkerGradient& gradient) override;
  void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) override;
  /// The block's compact workers (those worker_round_into runs on E_i) get x on their columns
  /// and the regulariser term on E_i read together, chunk by chunk (GatheredInputs).
  void prepare_workers(std::int64_t round, std::span<const std::uint32_t> workers,
                       const Eigen::Ref<const Eigen::VectorXd>& x) override;
  /// Workers holding g_i in the sparse form (diagnostics, tests).
  std::size_t sparse_workers() const;
  void save_worker(std::size_t worker) override;
  void restore_worker(std::size_t worker) override;

 protected:
  void prepare_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x) override;
  /// g = mean g_i, as the server keeps it (after server_round).
  const Eigen::VectorXd& global() const { return global_; }
  Eigen::VectorXd& global_mutable() { return global_; }
  Eigen::VectorXd& sum_buffer() { return sum_; }
  /// The EF21 step of one worker with `target` in place of grad f_i (EF21-HB: the gradient;
  /// EF21-SGDM: the momentum): c = C(target - g_i), g_i += c, the message is c (or g_i
  /// itself when exact and every worker takes part).
  void ef21_step(std::size_t worker, std::int64_t round, const Eigen::VectorXd& target, WorkerOutput& out,
                 WorkerScratch& scratch);
  /// `context` with the sparse form of g_i off: for variants whose g_i (scaled, momentum,
  /// PAGE estimators) are not "the shared regulariser term outside S_i".
  static MethodContext with_dense_state(MethodContext context) {
    context.sparse_state = false;
    return context;
  }
  /// Round 0: g_i^0 = target exactly, sent whole (dense, free under the paper's accounting).
  void ef21_initial(std::size_t worker, const Eigen::VectorXd& target, WorkerOutput& out);

 private:
  /// At worker i's first round >= 1 (a worker that missed round 0): switch to the sparse form
  /// if that represents g_i exactly.
  void try_sparsify(std::size_t worker);
  /// Takes the sparse form with g_i = `g` if that represents it exactly (else changes nothing).
  bool sparsify(std::size_t worker, const Eigen::VectorXd& g);
  /// g_i in the dense form, allocated (as 0) if never written.
  Eigen::VectorXd& dense_local(std::size_t worker);
  /// The EF21 step of a compact worker whose compressor input target - g_i is already in
  /// scratch.replaced on E_i (D^t elsewhere). `dense_target` gives the target as d doubles,
  /// asked for only when the message comes out dense (g_i goes back to the dense form).
  template <typename DenseTarget>
  void compact_step(std::size_t worker, std::int64_t round, const DenseTarget& dense_target,
                    WorkerOutput& out, WorkerScratch& scratch);

  enum class State : std::uint8_t { dense, undecided, sparse };
  struct SparseLocal {
    std::vector<std::int32_t> index;  // E_i, increasing
    std::vector<double> value;        // g_i on E_i
    /// E_i as d bits, for the compressor's overlay (OverlayInput::at_mask), where that costs
    /// at most half of what index and value store (d <= 48 |E_i|); else empty.
    std::vector<std::uint64_t> mask;
  };
  std::vector<Eigen::VectorXd> local_;  // g_i, one per worker (dense form; empty in the sparse form)
  std::vector<State> state_;
  std::vector<SparseLocal> sparse_;  // sparse form
  struct Saved {                     // g_i before the worker's latest round (failures, deadlines)
    Eigen::VectorXd local;
    State state = State::dense;
    SparseLocal sparse;
  };
  std::vector<Saved> saved_;     // sized on first use
  Eigen::VectorXd base_;         // 0.0 + regulariser term at x^0
  Eigen::VectorXd shared_diff_;  // D^t = (0.0 + regulariser term at x^t) - base
  /// The compressor's per-round preparation on D^t (compress_overlay: Top-k without d work).
  compressors::OverlayPreparation overlay_;
  std::atomic<std::size_t> largest_support_{0};  // max |E_i| so far (the overlay's bound)
  /// Replaced coordinates the round's overlay preparation guarantees (prepare_overlay's
  /// max_replaced, at most largest_support_): larger |E_i| usually still succeed, and a round
  /// in which some compact worker's overlay declined doubles it for the next (up to
  /// max(256, d/16)).
  std::size_t overlay_budget_ = 0;
  std::atomic<bool> overlay_declined_{false};
  void note_support(std::size_t size);
  /// Whether worker_round_into runs `worker`'s round `round` on E_i (the compact path).
  bool compact_round(std::size_t worker, std::int64_t round) const;
  GatheredInputs gathered_;  // the current block's, from prepare_workers (cleared each round)
  Eigen::VectorXd global_;   // g = mean g_i, kept incrementally by the server
  Eigen::VectorXd sum_;
};

/// Worker side shared by the EF21 family: g_i <- grad f_i exactly, sent whole (the message
/// borrows g_i: no copy, valid until this worker's next round).
void send_replacement(WorkerOutput& out, const Eigen::VectorXd& gradient, Eigen::VectorXd& local);

/// The server side shared by the EF21 family: messages are increments of the g_i (or, in a
/// round every worker takes part in, all replacements); g = (1/n) sum over all n g_i, kept
/// incrementally. Does not move x.
/// With `weights` (EF21-W), g = sum_i w_i g_i instead.
void apply_ef21_increments(std::int64_t round, const RoundView& view, Eigen::VectorXd& global,
                           Eigen::VectorXd& sum, std::span<const double> weights = {});

const MethodInfo& ef21_registration();

struct TheoryInputs;
/// EF21's rule 1/(L + L~ sqrt(beta/theta)) (alpha = 1: 1/L), shared by the family; `method`
/// names the caller in its errors.
double ef21_theory_stepsize(const TheoryInputs& in, std::string_view method);

}  // namespace ef21::algorithms
