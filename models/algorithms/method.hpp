#pragma once
// A distributed first-order method split into what each worker does in a round and what
// the server does with the round's messages (DESIGN §6 protocol `ps`, §7 math).
//
// Round r: every worker holds x^r, runs worker_round (gradient at x^r, local state update,
// the uplink message); the server runs server_round on all messages in worker-id order and
// turns x^r into x^{r+1}. Worker rounds of different workers may run concurrently: each
// touches only its own state, its own Rng stream and the scratch it is handed.
#include <Eigen/Dense>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "models/algorithms/method_kind.hpp"
#include "models/compressors/bit_accounting.hpp"
#include "models/compressors/compressor.hpp"
#include "models/problems/objective.hpp"

namespace ef21::algorithms {

/// One worker's round: the message plus what the run records about it. grad f_i(x^r) is not
/// kept here (n*d doubles at scale): worker_round writes it into a buffer its caller hands it
/// and reduces into the run's metrics (Federation).
struct WorkerOutput {
  compressors::SparseVector message;  // what the server applies (the method defines how)
  std::uint64_t payload_bits = 0;     // bits on the wire under the run's accounting
  bool billed = true;                 // counts toward bits_up (the paper: not round 0)
  bool replaces = false;              // EF21 family: message is g_i itself, not an increment
  double value = 0.0;                 // f_i(x^r); NaN in a round run without values
  double value_bound = 0.0;           // >= |f_i(x^r)|; finite and <= Objective::kCertainlyFiniteBound
                                      // proves f_i(x^r) finite (a round without values)
};

/// Per-thread scratch handed to worker_round: no allocation once warmed up.
struct WorkerScratch {
  Eigen::VectorXd a;
  Eigen::VectorXd b;
  compressors::SparseVector sparse;
  compressors::CompressorWorkspace compressor;
};

struct MethodContext {
  const std::vector<problems::Objective>* objectives = nullptr;  // one per worker
  const compressors::Compressor* compressor = nullptr;
  compressors::BitAccounting accounting;
  double gamma = 0.0;        // stepsize
  std::uint64_t seed = 1;    // run seed: per-worker compressor streams derive from it
  bool sparse_state = true;  // EF21: allow the sparse form of g_i (same bits; off = always dense, for tests)
};

class Method {
 public:
  explicit Method(const MethodContext& context);
  virtual ~Method() = default;
  Method(const Method&) = delete;
  Method& operator=(const Method&) = delete;

  virtual MethodKind kind() const = 0;
  /// Before the round's worker_round calls, with the x they will all see: computes what the
  /// workers share (the regulariser's terms at x, once instead of n times), then
  /// prepare_round(round). Without `values`, worker_round may leave out.value NaN and give
  /// only out.value_bound (Objective::gradient_and_value_bound); the gradients, messages and
  /// states are the same bits either way.
  void begin_round(std::int64_t round, const Eigen::Ref<const Eigen::VectorXd>& x, bool values = true);
  /// Worker `worker`'s round `round` at the current model x (= x^round), after begin_round(x).
  /// Writes grad f_i(x) into `gradient` (size d; the caller's buffer, read by the caller for
  /// the metrics once the call returns).
  virtual void worker_round(std::size_t worker, std::int64_t round,
                            const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                            WorkerScratch& scratch, Eigen::VectorXd& gradient) = 0;
  /// The server's aggregation: x^round -> x^{round+1}, messages in worker-id order.
  virtual void server_round(std::int64_t round, std::span<const WorkerOutput> outputs,
                            Eigen::Ref<Eigen::VectorXd> x) = 0;

  std::size_t workers() const { return objectives().size(); }
  Eigen::Index dim() const { return dim_; }
  double gamma() const { return context_.gamma; }

 protected:
  const std::vector<problems::Objective>& objectives() const { return *context_.objectives; }
  const compressors::Compressor& compressor() const { return *context_.compressor; }
  const compressors::BitAccounting& accounting() const { return context_.accounting; }
  Rng& worker_rng(std::size_t worker) { return worker_rngs_[worker]; }
  /// A method's own once-per-round work before the workers run (default: none).
  virtual void prepare_round(std::int64_t /*round*/) {}
  /// The regulariser's terms at the round's x, shared by every worker (nullptr if the
  /// objectives' specs differ).
  const problems::RegulariserAt* shared_regulariser() const {
    return shared_regulariser_ ? &regulariser_ : nullptr;
  }
  /// Fills `gradient` with grad f_i(x), and out.value with f_i(x) (or NaN, in a round begun
  /// without values when the objectives share their regulariser) and out.value_bound.
  void evaluate(std::size_t worker, const Eigen::Ref<const Eigen::VectorXd>& x, WorkerOutput& out,
                Eigen::VectorXd& gradient) const;
  /// Bills `out` as a sparse compressed message (k entries, index bits per the accounting).
  void bill_compressed(std::int64_t round, WorkerOutput& out) const;
  /// Bills `out` as a dense message of d values.
  void bill_dense(std::int64_t round, WorkerOutput& out) const;
  /// sum = sum_i message_i, added in worker-id order into a zeroed dense vector.
  static void sum_messages(std::span<const WorkerOutput> outputs, Eigen::Ref<Eigen::VectorXd> sum);

 private:
  MethodContext context_;
  Eigen::Index dim_;
  std::vector<Rng> worker_rngs_;
  bool shared_regulariser_ = false;      // every objective has the same spec
  bool values_ = true;                   // this round computes f_i (begin_round)
  problems::RegulariserAt regulariser_;  // at the round's x (begin_round)
};

std::unique_ptr<Method> make_method(MethodKind kind, const MethodContext& context);

}  // namespace ef21::algorithms
