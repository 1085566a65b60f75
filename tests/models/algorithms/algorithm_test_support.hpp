#pragma once
// Helpers for the models/algorithms tests: a small random federated problem split the
// paper's way, and a recorder that runs a Federation round by round.
#include <catch2/catch.hpp>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "models/algorithms/constants.hpp"
#include "models/algorithms/ef21.hpp"
#include "models/algorithms/ef21_plus.hpp"
#include "models/algorithms/federation.hpp"
#include "models/compressors/compressor.hpp"
#include "models/problems/objective.hpp"
#include "models/problems/smoothness.hpp"
#include "tests/models/support/models_test_support.hpp"

namespace ef21::test {

/// A random logistic-regression problem: N rows, d features, split sequentially over n
/// workers (m = N div n rows each, the remainder to the last worker, DESIGN §7).
struct FederatedProblem {
  data::DenseRowMatrix a;  // all rows, dense copy for the naive reference
  Eigen::VectorXd b;
  problems::ProblemSpec spec;
  std::vector<std::pair<Eigen::Index, Eigen::Index>> ranges;  // [begin, end) per worker
  std::vector<problems::Objective> objectives;                // sparse storage, as LIBSVM data
  double L = 0.0;                                             // over all N rows
  std::vector<double> L_i;

  Eigen::Index dim() const { return a.cols(); }
  std::size_t workers() const { return objectives.size(); }
};

inline FederatedProblem make_federated_problem(std::uint64_t seed, Eigen::Index rows, Eigen::Index dim,
                                               std::size_t workers, double density = 0.4,
                                               problems::ProblemSpec spec = {}) {
  Rng rng = Rng::stream(seed, "test-problem");
  FederatedProblem p;
  p.a = random_features(rng, rows, dim, density);
  p.b = random_binary_labels(rng, rows);
  p.spec = spec;
  const data::Dataset all = sparse_dataset(p.a, p.b);
  const Eigen::Index m = rows / static_cast<Eigen::Index>(workers);
  for (std::size_t i = 0; i < workers; ++i) {
    const Eigen::Index begin = static_cast<Eigen::Index>(i) * m;
    const Eigen::Index end = i + 1 == workers ? rows : begin + m;
    p.ranges.emplace_back(begin, end);
    p.objectives.emplace_back(spec, all.row_block(begin, end - begin));
    p.L_i.push_back(p.objectives.back().smoothness());
  }
  p.L = problems::smoothness_constant(spec, all);
  return p;
}

/// What one round of a run looks like from outside: the model x^t the workers saw, the
/// metrics at x^t, and every worker's output.
struct RoundRecord {
  Eigen::VectorXd x;
  double f = 0.0;
  double grad_norm_sq = 0.0;
  std::vector<algorithms::WorkerOutput> outputs;
  std::vector<Eigen::VectorXd> gradients;  // grad f_i(x^t), per worker
};

struct RunConfig {
  std::string method = "ef21";
  compressors::CompressorSpec compressor{"top-k", 2, {}};
  compressors::BitAccounting accounting;
  double gamma = 0.0;
  std::uint64_t seed = 1;
  std::size_t threads = 1;
  int rounds = 30;
  bool sparse_state = true;  // MethodContext::sparse_state
  ParamSet params;           // the method's keys (declared defaults for the rest)
  algorithms::GradientSpec gradient;
  algorithms::ParticipationSpec participation;
  std::optional<compressors::CompressorSpec> down;  // ef21-bc
};

/// Rounds 0..rounds: worker round, metrics, and (except after the last) the server step. So
/// record t holds x^t and the messages computed at x^t. For EF21+, `markov_choices` (if given)
/// receives how many worker rounds took the Markov candidate.
inline std::vector<RoundRecord> record_run(const FederatedProblem& p, const RunConfig& config,
                                           const Eigen::VectorXd& x0, std::uint64_t* markov_choices = nullptr,
                                           std::size_t* ef21_sparse_workers = nullptr) {
  algorithms::MethodContext context;
  context.accounting = config.accounting;
  context.gamma = config.gamma;
  context.seed = config.seed;
  context.sparse_state = config.sparse_state;
  context.params = config.params;
  context.gradient = config.gradient;
  algorithms::Federation federation(
      p.objectives, compressors::make_compressor(config.compressor, p.dim()),
      *algorithms::find_method(config.method), context, x0, config.threads, config.participation,
      config.down ? compressors::make_compressor(*config.down, p.dim()) : nullptr);
  federation.keep_gradients(true);
  std::vector<RoundRecord> records;
  for (int t = 0; t <= config.rounds; ++t) {
    federation.compute_worker_round(t);
    const algorithms::IterateMetrics metrics = federation.metrics();
    std::vector<Eigen::VectorXd> gradients;
    for (std::size_t i = 0; i < federation.workers(); ++i) gradients.push_back(federation.gradient(i));
    records.push_back(
        {federation.x(), metrics.f, metrics.grad_norm_sq, federation.outputs(), std::move(gradients)});
    if (t < config.rounds) federation.aggregate(t);
  }
  if (ef21_sparse_workers != nullptr) {
    const auto* ef21 = dynamic_cast<const algorithms::Ef21*>(&federation.method());
    *ef21_sparse_workers = ef21 != nullptr ? ef21->sparse_workers() : 0;
  }
  if (markov_choices != nullptr) {
    const auto* plus = dynamic_cast<const algorithms::Ef21Plus*>(&federation.method());
    *markov_choices = plus != nullptr ? plus->markov_choices() : 0;
  }
  return records;
}

/// A theory stepsize for `method` on this problem (k entries kept out of d), times `multiplier`.
inline double theory_gamma(const FederatedProblem& p, std::string method, std::int64_t k,
                           double multiplier = 1.0) {
  algorithms::AlgorithmSpec spec;
  spec.kind = method;
  spec.multiplier = multiplier;
  const double alpha = static_cast<double>(k) / static_cast<double>(p.dim());
  const auto inputs =
      algorithms::theory_inputs(p.L, p.L_i, problems::regularisation_mu(p.spec), p.L_i.size(), alpha,
                                k == p.dim() ? std::optional<double>(0.0) : std::nullopt);
  return algorithms::derive_constants(spec, *algorithms::find_method(method), inputs).gamma;
}

/// A Top-k run of `method` at `multiplier` x its theory stepsize: the configuration most tests
/// start from (the rest of RunConfig keeps its defaults).
inline RunConfig top_k_run(const FederatedProblem& p, std::string method, std::int64_t k, double multiplier,
                           std::uint64_t seed, int rounds) {
  RunConfig config;
  config.method = method;
  config.compressor = {"top-k", k, {}};
  config.gamma = theory_gamma(p, method, k, multiplier);
  config.seed = seed;
  config.rounds = rounds;
  return config;
}

/// x0 with N(0, scale^2) entries from the test's own stream (seed, "test-x0").
inline Eigen::VectorXd normal_x0(std::uint64_t seed, Eigen::Index d, double scale = 1.0) {
  Rng rng = Rng::stream(seed, "test-x0");
  Eigen::VectorXd x0(d);
  for (Eigen::Index l = 0; l < d; ++l) x0[l] = scale * rng.normal();
  return x0;
}

}  // namespace ef21::test
