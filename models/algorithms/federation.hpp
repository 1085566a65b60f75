#pragma once
// The math of one distributed run, with no notion of time: n objectives (one per worker),
// a method, the model x held by the server, and the per-worker outputs of the current
// round. The simulator (sim/cluster) decides *when* each piece happens; this class decides
// *what* it computes. Worker rounds run in parallel over a thread pool; every reduction is
// sequential in worker-id order, so results do not depend on the thread count.
//
// Memory: the workers' gradients are needed only for the metrics (f and grad f are means
// over workers, summed in worker-id order). A round therefore runs the workers in blocks
// of a few hundred: the block's gradients land in per-block buffers, and once the block is
// done they are added to the running sums in worker order. Nothing of size n*d is kept
// for them (at n = 10^5, d = 1000 that would be 800 MB).
#include <Eigen/Dense>
#include <memory>
#include <vector>

#include "models/algorithms/method.hpp"
#include "models/algorithms/method_registry.hpp"
#include "models/support/thread_pool.hpp"

namespace ef21::algorithms {

/// f(x^t) and ||grad f(x^t)||^2 with f = (1/n) sum f_i.
struct IterateMetrics {
  double f = 0.0;
  double grad_norm_sq = 0.0;
};

class Federation {
 public:
  /// `participation`: the fraction of workers drawn each round t >= 1 (1 = everyone);
  /// `down_compressor`: the methods with a downlink compressor's (else nullptr).
  Federation(std::vector<problems::Objective> objectives, std::unique_ptr<compressors::Compressor> compressor,
             const MethodInfo& method, const MethodContext& context_template, Eigen::VectorXd x0,
             std::size_t threads, ParticipationSpec participation = {},
             std::unique_ptr<compressors::Compressor> down_compressor = nullptr);

  std::size_t workers() const { return objectives_.size(); }
  Eigen::Index dim() const { return x_.size(); }
  const Eigen::VectorXd& x() const { return x_; }
  const std::vector<problems::Objective>& objectives() const { return objectives_; }
  const compressors::Compressor& compressor() const { return *compressor_; }
  const Method& method() const { return *method_; }
  Method& method() { return *method_; }

  /// The workers taking part in round `round` (x^round's messages), ascending: everyone in
  /// round 0 and without partial participation; otherwise exactly max(1, floor(n fraction))
  /// drawn uniformly without replacement from the run's stream, one draw per round in round
  /// order (asking ahead for the next round is fine: the sim needs it at the broadcast).
  const std::vector<std::uint32_t>& participants(std::int64_t round);
  /// Round `round`'s participants become `ids` (ascending, a subset of the drawn ones): the
  /// simulation drops the workers that are down. For the current or the next round.
  void set_participants(std::int64_t round, std::vector<std::uint32_t> ids);
  /// Save every participant's state before its round, so that aggregate(round, applied) can
  /// restore those whose message was lost (failures, deadlines).
  void enable_rollback(bool on) { rollback_ = on; }
  /// The server step with only `applied` (ascending, a subset of the round's participants)
  /// reaching the server: the other participants get their state back.
  void aggregate(std::int64_t round, const std::vector<std::uint32_t>& applied);
  /// Sums dense messages in a ring all-reduce's order from now on (RingReduction).
  void use_ring_reduction(std::vector<std::uint32_t> ring, Eigen::Index chunk);

  /// Every worker's round `round` at the current x (x^round), in parallel, and the metrics
  /// at x^round (sums in worker-id order). With RoundValues::defer, f(x^round) is computed
  /// only if the workers' value bounds cannot prove it finite; otherwise x^round is kept and
  /// value(round) computes f on demand, to the same bits.
  void compute_worker_round(std::int64_t round, RoundValues values = RoundValues::compute);
  /// ||grad f(x^round)||^2 of the last compute_worker_round (NaN after RoundValues::none).
  double grad_norm_sq() const { return grad_norm_sq_; }
  /// Whether the last compute_worker_round evaluated grad f (not RoundValues::none).
  bool evaluated() const;
  /// f and ||grad f||^2 at x^r for r = the last computed round or the one before it, evaluated
  /// now over every worker if that round did not (RoundValues::none): the same bits as a
  /// round that computed them. Not thread-safe with other calls.
  IterateMetrics metrics_at(std::int64_t round);
  /// Whether f(x^round) of the last compute_worker_round is finite (known or proven); after
  /// RoundValues::none, whether x^round is.
  bool value_finite() const;
  /// f(x^r) for r = the last computed round or the one before it (a run's final row may be
  /// the round before the one that stopped it), computed now if it was deferred: the same
  /// bits as a round that computed it. Not thread-safe with other calls.
  double value(std::int64_t round);
  /// Metrics of the last compute_worker_round (computes a deferred f).
  IterateMetrics metrics() { return {value(round_), grad_norm_sq_}; }
  /// The server's step of round `round`: x^round -> x^{round+1}.
  void aggregate(std::int64_t round);

  const WorkerOutput& output(std::size_t worker) const { return outputs_[worker]; }
  const std::vector<WorkerOutput>& outputs() const { return outputs_; }

  /// Diagnostics (tests): how many workers of the last compute_worker_round left grad f_i in
  /// the overlay form (WorkerGradient), not as d doubles.
  std::size_t overlay_gradients() const { return overlay_gradients_; }
  /// Diagnostics (tests): keep every worker's grad f_i(x^round) of the last round, readable
  /// with gradient(worker). Off by default (n*d doubles).
  void keep_gradients(bool keep) { keep_gradients_ = keep; }
  const Eigen::VectorXd& gradient(std::size_t worker) const { return kept_gradients_.at(worker); }

 private:
  std::vector<problems::Objective> objectives_;
  std::unique_ptr<compressors::Compressor> compressor_;
  std::unique_ptr<compressors::Compressor> down_compressor_;
  ParticipationSpec participation_;
  std::vector<std::uint32_t> ring_;  // ring all-reduce order (empty: worker-id order)
  bool rollback_ = false;
  std::int64_t overridden_round_ = -1;  // participants_override_ holds this round's
  std::vector<std::uint32_t> participants_override_;
  RingReduction ring_reduction_;
  Rng participation_rng_;
  std::vector<std::uint32_t> everyone_;
  std::int64_t drawn_round_ = 0;         // the latest round whose participants are drawn
  std::vector<std::uint32_t> drawn_[2];  // participants of rounds drawn_round_ - 1, drawn_round_
  std::unique_ptr<Method> method_;
  Eigen::VectorXd x_;
  std::vector<WorkerOutput> outputs_;
  std::vector<std::uint8_t> taking_part_;              // this round's participants, by worker id
  std::vector<std::uint32_t> block_participants_;      // the current block's participants
  std::vector<WorkerScratch> scratch_;                 // one per thread slot
  std::vector<WorkerGradient> block_gradients_;        // grad f_i of the block's workers (dense or overlay)
  std::vector<std::vector<std::size_t>> sum_cursors_;  // per thread slot: add_block_gradients' positions
  Eigen::VectorXd gradient_sum_;
  std::int64_t round_ = -1;  // the last computed round
  double grad_norm_sq_ = 0.0;
  /// f at the last two computed rounds: known, or deferred with its x kept to compute it.
  struct RoundValue {
    std::int64_t round = -1;
    bool known = false;
    bool gradient_known = true;  // false after RoundValues::none: grad_norm_sq not evaluated
    double grad_norm_sq = 0.0;
    bool proven_finite = false;  // the value bounds prove f finite (deferred rounds)
    double f = 0.0;
    Eigen::VectorXd x;     // x^round, kept while f is deferred
    bool x_finite = true;  // every coordinate of x is finite (RoundValues::none)
  };
  std::vector<std::uint8_t> chunk_finite_;  // per coordinate chunk of x: finite (RoundValues::none)
  RoundValue recent_[2];
  std::vector<double> worker_values_;  // f_i of a deferred round, summed in worker order
  /// f = (1/n) sum f_i(x), every f_i by Objective::value (in parallel), summed in worker order.
  double mean_value(const Eigen::VectorXd& x);
  /// RoundValues::none: the participants' rounds only.
  void compute_participants_round(std::int64_t round);
  /// f and ||grad f||^2 at x over every worker, each f_i and grad f_i as a worker round
  /// computes them, summed in worker order in the same blocks.
  IterateMetrics evaluate_all(const Eigen::VectorXd& x);
  /// Workers per block of a round: enough to keep the threads busy between the block's
  /// sequential reduction steps, few enough that the block's gradients stay in cache.
  std::size_t block_size() const;
  /// gradient_sum_ += the block's `count` gradients, coordinate by coordinate in block order.
  void add_block_gradients(std::size_t count);
  /// The same on the coordinates [from, to) (a task of add_block_gradients).
  void add_block_gradients(std::size_t count, Eigen::Index from, Eigen::Index to,
                           std::vector<std::size_t>& cursor);
  std::size_t overlay_gradients_ = 0;
  bool keep_gradients_ = false;
  std::vector<Eigen::VectorXd> kept_gradients_;
  ThreadPool pool_;
};

}  // namespace ef21::algorithms
