#pragma once
// A distributed first-order method split into what each worker does in a round and what
// the server does with the round's messages (DESIGN §6 protocol `ps`, §7 math).
//
// Round r: every participating worker holds x^r and runs worker_round (its gradient at x^r,
// its local state update, its uplink message); the server runs server_round on the
// participants' messages in worker-id order and turns x^r into x^{r+1}. Worker rounds of
// different workers may run concurrently: each touches only its own state, its own Rng
// streams and the scratch it is handed.
//
// A method registers itself (method_registry.hpp): name, keys, stepsize rule, compressors it
// accepts, and what it composes with (minibatches, partial participation, a downlink
// compressor).
#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "models/algorithms/algorithm_spec.hpp"
#include "models/algorithms/gathered_inputs.hpp"
#include "models/compressors/bit_accounting.hpp"
#include "models/compressors/compressor.hpp"
#include "models/problems/objective.hpp"
#include "models/support/params.hpp"
#include "models/support/thread_pool.hpp"

namespace ef21::algorithms {

/// One worker's round: the message plus what the run records about it. grad f_i(x^r) is not
/// kept here (n*d doubles at scale): worker_round writes it into a buffer its caller hands it
/// and reduces into the run's metrics (Federation).
struct WorkerOutput {
  compressors::SparseVector message;  // what the server applies (the method defines how)
  std::uint64_t payload_bits = 0;     // bits on the wire under the run's accounting
  bool billed = true;                 // counts toward bits_up (the paper: not round 0)
  bool replaces = false;              // EF21 family: message is g_i itself, not an increment
  bool participated = true;           // false: the worker sat this round out (no message)
  double value = 0.0;                 // f_i(x^r); NaN in a round run without values
  double value_bound = 0.0;           // >= |f_i(x^r)|; finite and <= Objective::kCertainlyFiniteBound
                                      // proves f_i(x^r) finite (a round without values)
  /// The round's gradient work, in full local gradients (tau_i/m_i per minibatch gradient; a
  /// fixed gradient_time scales by it) and in flops ("auto" compute time).
  double compute_fraction = 1.0;
  double compute_flops = 0.0;
  std::vector<std::int32_t> batch;  // local rows drawn this round, as used (samples.jsonl)
  std::vector<std::int32_t> kept;   // coordinates a random sparsifier drew, ascending (samples.jsonl)
};

/// grad f_i(x^r) as a worker round leaves it for the run's metrics: `dense`, or in the overlay
/// form (EF21's compact workers): `values` on `support` (strictly increasing) and
/// 0.0 + (*outside_term)[l] at every other coordinate l, where outside_term is the shared
/// regulariser gradient at x^r. Both forms stand for the same bits; the overlay costs
/// O(|support|) instead of d doubles per worker (Objective::value_and_gradient_on).
struct WorkerGradient {
  Eigen::VectorXd dense;
  bool overlay = false;
  std::vector<std::int32_t> support;
  std::vector<double> values;
  const Eigen::VectorXd* outside_term = nullptr;
  /// The gradient as d doubles (either form).
  void to_dense(Eigen::VectorXd& out) const;
};

/// Per-thread scratch handed to worker_round: no allocation once warmed up.
struct WorkerScratch {
  Eigen::VectorXd a;
  Eigen::VectorXd b;
  Eigen::VectorXd estimate;            // a stochastic gradient
  problems::GradientScratch gradient;  // Objective::value_and_gradient_on
  std::vector<double> replaced;        // EF21's compact form: the compressor input on E_i
  std::vector<std::size_t> positions;  // EF21's compact form: where a message's coordinates go in E_i
  compressors::SparseVector sparse;
  compressors::CompressorWorkspace compressor;
};

/// A ring all-reduce's summation order: coordinates in chunks of `chunk` values, chunk c
/// summed along the ring from ring[c]: ring[c], ring[c+1], ..., ring[c+n-1] (mod n), the order
/// its reduce-scatter adds them in.
struct RingReduction {
  std::span<const std::uint32_t> ring;  // worker ids in ring order (a permutation)
  Eigen::Index chunk = 1;               // ceil(d / n)
};

/// What the server sees of a round: every worker's output (indexed by worker id) and the
/// participants, ascending.
struct RoundView {
  std::span<const WorkerOutput> outputs;
  std::span<const std::uint32_t> participants;
  const RingReduction* ring = nullptr;  // set: dense messages summed in ring order (ring-allreduce)
  ThreadPool* pool = nullptr;           // the run's threads for d-long passes (nullptr: this one)
  bool full() const { return participants.size() == outputs.size(); }
  /// out = sum over the participants of weight_i * message_i (weights empty: 1), in
  /// worker-id order, or in the ring's order when `ring` is set (every message dense then).
  /// Each coordinate's additions come in that order whatever the threads: the worker-id sum
  /// runs in coordinate chunks on `pool`.
  void sum(Eigen::Ref<Eigen::VectorXd> out, std::span<const double> weights = {}) const;
};

/// A broadcast the method makes itself instead of the scenario's downlink payload (EF21-BC's
/// compressed update).
struct DownlinkMessage {
  std::uint64_t payload_bits = 0;
  bool billed = true;  // counts toward bits_down, billed with the round (the paper's accounting)
};

/// Whether a round computes f(x^round) along with the gradients. A logistic loss spends most
/// of a sparse round in the log1p that only f needs, and a run records f only every
/// metrics_every rounds; the other rounds can defer it (and usually never compute it).
/// `none`: neither f nor grad f. Only the round's participants run (a non-participant costs
/// nothing, so a round of a cross-device run follows its participants, not the population);
/// x^round is kept, and metrics_at(round) evaluates f and grad f there later if asked.
enum class RoundValues { compute, defer, none };

struct MethodContext {
  const std::vector<problems::Objective>* objectives = nullptr;  // one per worker
  const compressors::Compressor* compressor = nullptr;
  const compressors::Compressor* down_compressor = nullptr;  // methods with a downlink compressor
  compressors::BitAccounting accounting;
  double gamma = 0.0;        // stepsize
  std::uint64_t seed = 1;    // run seed: per-worker compressor and batch streams derive from it
  bool sparse_state = true;  // EF21: allow the sparse form of g_i (same bits; off = always dense, for tests)
  ParamSet params;           // the method's declared keys, defaults filled in (registry)
  GradientSpec gradient;     // minibatches
  bool partial_participation = false;  // some rounds have fewer than n participants
  /// The run's threads, for the d-long element-wise passes a round makes outside its worker
  /// rounds (regulariser, server step), in coordinate chunks (parallel_chunks.hpp: the same
  /// bits on any number of threads). nullptr: the calling thread.
  ThreadPool* pool = nullptr;
};

class Method {
 public:
  explicit Method(const MethodContext& context);
  virtual ~Method() = default;
  Method(const Method&) = delete;
  Method& operator=(const Method&) = delete;

  /// Before the round's worker_round calls, with the x they will all see: computes what the
  /// workers share (the regulariser's terms at x, once instead of n times), then
  /// prepare_round(round). Without values (defer), worker_round may leave out.value NaN and
  /// give only out.value_bound (Objective::gradient_and_value_bound); with none, the bound may
  /// be NaN too (the shared regulariser's value is not summed). The gradients, messages and
  /// states are the same bits either way.
  void begin_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x,
                   RoundValues values = RoundValues::compute);
  /// Worker `worker`'s round `round` at the current model x (= x^round), after begin_round(x).
  /// Writes grad f_i(x) into `gradient` (size d; the caller's buffer, read by the caller for
  /// the metrics once the call returns).
  virtual void worker_round(std::size_t worker, std::int64_t round,
                            const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                            WorkerScratch& scratch, Eigen::VectorXd& gradient) = 0;
  /// worker_round for the Federation, which lets a method leave grad f_i(x) in the overlay
  /// form (WorkerGradient) where it can do its round without d doubles per worker (EF21's
  /// compact workers); the gradient, messages and states are the same bits either way.
  /// Default: worker_round into gradient.dense. A subclass that overrides worker_round must
  /// make sure an override of this one (Ef21's) does not bypass it.
  virtual void worker_round_into(std::size_t worker, std::int64_t round,
                                 const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                                 WorkerScratch& scratch, WorkerGradient& gradient);
  /// After begin_round, before the worker rounds of `workers` (a block of the round's
  /// participants, increasing): work on them that is cheaper done for all of them together
  /// than one by one (EF21's compact workers read x and the regulariser term chunk by chunk:
  /// GatheredInputs). Default: none.
  virtual void prepare_workers(std::int64_t /*round*/, std::span<const std::uint32_t> /*workers*/,
                               const Eigen::Ref<const Eigen::VectorXd>& /*x*/) {}
  /// A worker that sits the round out: only grad f_i(x) (and f_i) for the run's metrics; its
  /// state is untouched and it sends nothing.
  void skip_round(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                  Eigen::VectorXd& gradient) const;
  /// The server's aggregation: x^round -> x^{round+1}, messages in worker-id order.
  virtual void server_round(std::int64_t round, const RoundView& view, Eigen::Ref<Eigen::VectorXd> x) = 0;
  /// The method's own broadcast of round `round` (known before server_round), or nullopt for
  /// the scenario's downlink payload.
  virtual std::optional<DownlinkMessage> downlink(std::int64_t /*round*/) const { return std::nullopt; }
  /// The common coin of the current round, if the method drew one (samples.jsonl).
  virtual std::optional<int> coin() const { return std::nullopt; }
  /// Failures and deadlines: a participant's message may never reach the server. The
  /// Federation saves every participant's local state before its round and restores it for
  /// those whose message the server did not apply (the worker learns so from the next
  /// broadcast), so worker and server copies never disagree. Methods with per-worker state
  /// that accept partial participation (registry) implement both; stateless ones need not.
  virtual void save_worker(std::size_t /*worker*/) {}
  virtual void restore_worker(std::size_t /*worker*/) {}
  /// Method-specific counts for summary.json, as (field name, value) (EF21+: its Markov
  /// choices). Lets the simulation report them without knowing the method.
  virtual std::vector<std::pair<std::string, std::uint64_t>> counters() const { return {}; }

  std::size_t workers() const { return objectives().size(); }
  Eigen::Index dim() const { return dim_; }
  double gamma() const { return context_.gamma; }
  bool stochastic() const { return context_.gradient.stochastic(); }
  /// Whether every worker's regulariser is the same (one term computed per round for all).
  bool shares_regulariser() const { return shared_regulariser_; }

 protected:
  const MethodContext& context() const { return context_; }
  const std::vector<problems::Objective>& objectives() const { return *context_.objectives; }
  const compressors::Compressor& compressor() const { return *context_.compressor; }
  const compressors::BitAccounting& accounting() const { return context_.accounting; }
  const ParamSet& params() const { return context_.params; }
  Rng& worker_rng(std::size_t worker) { return worker_rngs_[worker]; }
  /// A method's own once-per-round work before the workers run (default: none).
  virtual void prepare_round(std::int64_t /*round*/, const Eigen::Ref<const Eigen::VectorXd>& /*x*/) {}
  /// The regulariser's terms at the round's x, shared by every worker (nullptr if the
  /// objectives' specs differ).
  const problems::RegulariserAt* shared_regulariser() const {
    return shared_regulariser_ ? &regulariser_ : nullptr;
  }
  /// Fills `gradient` with grad f_i(x), and out.value with f_i(x) (or NaN, in a round begun
  /// without values when the objectives share their regulariser) and out.value_bound. Resets
  /// the round's records (compute: one full gradient; no batch, no kept indices).
  void evaluate(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                Eigen::VectorXd& gradient) const;
  /// evaluate() with the gradient in the overlay form on `support` (strictly increasing, every
  /// column of the worker's sparse shard among them; copied into gradient.support). Needs the
  /// shared regulariser (shared_regulariser() != nullptr) and a sparse shard.
  /// With `gathered` (x on the shard's compact columns and the regulariser term on `support`,
  /// read beforehand: GatheredInputs), the same bits without reading x or the term here.
  /// With `differences`, also gradient[q] - offset[q] on the support (EF21: target - g_i on
  /// E_i) into *differences; then with `keep_gradient` false and `gathered`, the gradient
  /// itself is not kept (gradient.dense left empty, not an overlay: for a round whose caller
  /// reads no gradient, RoundValues::none).
  void evaluate_on(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                   std::span<const std::int32_t> support, WorkerOutput& out, WorkerScratch& scratch,
                   WorkerGradient& gradient, const GatheredInputs::Inputs* gathered = nullptr,
                   std::span<const double> offset = {}, std::vector<double>* differences = nullptr,
                   bool keep_gradient = true) const;
  /// Whether the round's caller reads the workers' gradients (begin_round without
  /// RoundValues::none).
  bool gradients_read() const { return round_values_ != RoundValues::none; }
  /// Draws this round's minibatch of `worker` into out.batch (tau_i distinct local rows,
  /// ascending) from its own stream, and bills its compute as `passes` minibatch gradients
  /// (replacing evaluate's one full gradient).
  void draw_batch(std::size_t worker, WorkerOutput& out, int passes = 1);
  /// The stochastic estimate on out.batch at x (the round's x: the shared regulariser), into
  /// `estimate`.
  void minibatch_gradient(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                          const WorkerOutput& out, Eigen::VectorXd& estimate) const;
  /// The same at another point (its own regulariser terms).
  void minibatch_gradient_at(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                             std::span<const std::int32_t> rows, Eigen::VectorXd& estimate) const;
  /// The gradient the method uses this round: `gradient` itself (full), or with a batch the
  /// minibatch estimate (drawn now, into scratch.estimate).
  const Eigen::VectorXd& local_gradient(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x,
                                        WorkerOutput& out, WorkerScratch& scratch,
                                        const Eigen::VectorXd& gradient);
  /// message = C(in) with the worker's stream; records the drawn coordinates of a random
  /// sparsifier in out.kept.
  void compress(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& in, WorkerOutput& out,
                WorkerScratch& scratch);
  /// Bills `out` as the compressor's message (its own payload bits; billed from round 1 on).
  void bill_compressed(std::int64_t round, WorkerOutput& out) const;
  /// Bills `out` as a dense message of d values.
  void bill_dense(std::int64_t round, WorkerOutput& out) const;
  /// sum = sum over the participants of message_i, added in worker-id order into a zeroed vector.
  static void sum_messages(const RoundView& view, Eigen::Ref<Eigen::VectorXd> sum);

 private:
  MethodContext context_;
  Eigen::Index dim_;
  std::vector<Rng> worker_rngs_;
  std::vector<Rng> batch_rngs_;
  std::vector<std::int64_t> batch_size_;             // tau_i
  bool shared_regulariser_ = false;                  // every objective has the same spec
  bool values_ = true;                               // this round computes f_i (begin_round)
  RoundValues round_values_ = RoundValues::compute;  // begin_round's
  problems::RegulariserAt regulariser_;              // at the round's x (begin_round)
};

/// Distinct values drawn uniformly without replacement from [0, population), ascending:
/// Floyd's algorithm, O(count log count) whatever the population.
std::vector<std::int32_t> sample_without_replacement(std::int64_t population, std::int64_t count, Rng& rng);

}  // namespace ef21::algorithms
