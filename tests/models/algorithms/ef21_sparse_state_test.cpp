// EF21's sparse form of the workers' g_i (few stored values per shard) must change nothing:
// every message, x, f and ||grad f||^2 bit for bit equal to the dense form.
#include <catch2/catch.hpp>
#include <limits>

#include "models/support/parallel_chunks.hpp"
#include "tests/models/algorithms/algorithm_test_support.hpp"

using MethodKind = std::string;
using CompressorKind = std::string;
using ef21::compressors::CompressorSpec;
using ef21::test::RoundRecord;

namespace {

void require_same_run(const std::vector<RoundRecord>& dense, const std::vector<RoundRecord>& sparse) {
  REQUIRE(dense.size() == sparse.size());
  for (std::size_t t = 0; t < dense.size(); ++t) {
    CAPTURE(t);
    REQUIRE(ef21::test::same_bits(dense[t].x, sparse[t].x));
    REQUIRE(ef21::test::same_bits(dense[t].f, sparse[t].f));
    REQUIRE(ef21::test::same_bits(dense[t].grad_norm_sq, sparse[t].grad_norm_sq));
    for (std::size_t i = 0; i < dense[t].outputs.size(); ++i) {
      CAPTURE(i);
      REQUIRE(dense[t].outputs[i].message.indices == sparse[t].outputs[i].message.indices);
      REQUIRE(ef21::test::same_bits(dense[t].outputs[i].message.to_dense(),
                                    sparse[t].outputs[i].message.to_dense()));
      REQUIRE(dense[t].gradients.size() == sparse[t].gradients.size());
      if (!dense[t].gradients.empty())  // records of rounds that keep no gradients have none
        REQUIRE(ef21::test::same_bits(dense[t].gradients[i], sparse[t].gradients[i]));
    }
  }
}

}  // namespace

TEST_CASE("EF21 with sparse worker state equals the dense form bit for bit", "[ef21]") {
  const std::uint64_t seed = ef21::test::test_seed(711);
  CAPTURE(seed);
  const Eigen::Index d = 120;
  // 30 workers of 2-3 rows at 4% density: ~10 stored values per shard, so most workers
  // qualify (<= d/4); a few rows more on the last worker.
  const auto problem = ef21::test::make_federated_problem(seed, 70, d, 30, 0.04);
  Eigen::VectorXd x0 = ef21::test::normal_x0(seed, d);
  x0[3] = -0.0;  // a signed zero: the regulariser's term there is -0, the gradient's +0
  x0[4] = 0.0;
  for (const std::int64_t k : {std::int64_t{1}, std::int64_t{4}, d}) {
    for (const CompressorKind kind : {"top-k", "rand-k"}) {
      CAPTURE(k, kind);
      ef21::test::RunConfig config;
      config.method = "ef21";
      config.compressor = {kind, k, {}};
      config.gamma = ef21::test::theory_gamma(problem, "ef21", k, 16.0);
      config.seed = seed;
      config.rounds = 80;  // with k = 4, some workers' E_i outgrow d/2 and go back to dense
      config.sparse_state = false;
      std::size_t sparse_workers = 0;
      const auto dense = ef21::test::record_run(problem, config, x0, nullptr, &sparse_workers);
      REQUIRE(sparse_workers == 0);
      config.sparse_state = true;
      config.threads = 2;
      const auto sparse = ef21::test::record_run(problem, config, x0, nullptr, &sparse_workers);
      if (k == 1) REQUIRE(sparse_workers > 0);
      require_same_run(dense, sparse);
    }
  }
}

TEST_CASE("EF21 takes the sparse form in round 0 and sends g_i^0 through the shared base", "[ef21]") {
  const std::uint64_t seed = ef21::test::test_seed(712);
  CAPTURE(seed);
  // d = 2000 and ~10 values a row: |E_i| stays far below d/16, so Top-k reads the compact
  // workers' inputs as overlays of the shared D^t (TopK::compress_overlay).
  const Eigen::Index d = 2000;
  const auto problem = ef21::test::make_federated_problem(seed, 80, d, 40, 0.005);
  const Eigen::VectorXd x0 = ef21::test::normal_x0(seed, d);
  ef21::test::RunConfig config;
  config.compressor = {"top-k", 2, {}};
  config.gamma = 0.05;
  config.seed = seed;
  config.rounds = 0;  // round 0 only: the sparse form must already hold
  std::size_t sparse_workers = 0;
  const auto round0 = ef21::test::record_run(problem, config, x0, nullptr, &sparse_workers);
  REQUIRE(sparse_workers > 0);
  config.sparse_state = false;
  const auto dense0 = ef21::test::record_run(problem, config, x0);
  require_same_run(dense0, round0);
  // Partial participation: the non-participants' sparse g_i stay as they are for many rounds.
  config.rounds = 60;
  config.participation.clients = 7;
  config.sparse_state = false;
  const auto reference = ef21::test::record_run(problem, config, x0);
  config.sparse_state = true;
  config.threads = 2;
  const auto compact = ef21::test::record_run(problem, config, x0, nullptr, &sparse_workers);
  REQUIRE(sparse_workers > 0);
  require_same_run(reference, compact);
}

namespace {

/// One run of a Federation with grad f_i kept, rounds alternating between computing f and
/// deferring it (the two kernels of a worker's gradient): per round x, f, ||grad f||^2, the
/// messages and every grad f_i. `overlays` counts the worker gradients left in the overlay
/// form over the run.
std::vector<RoundRecord> record_mixed_run(const ef21::test::FederatedProblem& p,
                                          const CompressorSpec& compressor, bool sparse_state,
                                          std::size_t threads, double gamma, std::uint64_t seed, int rounds,
                                          ef21::algorithms::ParticipationSpec participation,
                                          std::size_t& overlays) {
  ef21::algorithms::MethodContext context;
  context.gamma = gamma;
  context.seed = seed;
  context.sparse_state = sparse_state;
  ef21::algorithms::Federation federation(p.objectives,
                                          ef21::compressors::make_compressor(compressor, p.dim()),
                                          *ef21::algorithms::find_method("ef21"), context,
                                          Eigen::VectorXd::Zero(p.dim()), threads, participation);
  federation.keep_gradients(true);
  overlays = 0;
  std::vector<RoundRecord> records;
  for (int t = 0; t <= rounds; ++t) {
    federation.compute_worker_round(
        t, t % 3 == 0 ? ef21::algorithms::RoundValues::compute : ef21::algorithms::RoundValues::defer);
    overlays += federation.overlay_gradients();
    const ef21::algorithms::IterateMetrics metrics = federation.metrics();
    std::vector<Eigen::VectorXd> gradients;
    for (std::size_t i = 0; i < federation.workers(); ++i) gradients.push_back(federation.gradient(i));
    records.push_back(
        {federation.x(), metrics.f, metrics.grad_norm_sq, federation.outputs(), std::move(gradients)});
    if (t < rounds) federation.aggregate(t);
  }
  return records;
}

}  // namespace

TEST_CASE(
    "EF21's compact workers at large d: gradients in the overlay form give the dense form's run bit for bit",
    "[ef21]") {
  // d above Objective::kCompactFormDim and ~40 values a row: the compact workers compute
  // grad f_i on E_i alone (Objective::value_and_gradient_on), their compressor input on E_i,
  // and the Federation sums their gradients as overlays of the shared regulariser term.
  // |E_i| (~800) exceeds the Top-k overlay's initial budget, so its preparation grows.
  const std::uint64_t seed = ef21::test::test_seed(713);
  CAPTURE(seed);
  const Eigen::Index d = ef21::problems::Objective::kCompactFormDim + 1000;
  const auto problem = ef21::test::make_federated_problem(seed, 240, d, 12, 40.0 / static_cast<double>(d));
  const std::vector<CompressorSpec> compressors{
      {"top-k", 1, {}}, {"top-k", 12, {}}, {"rand-k", 7, {}}, {"top-k", d, {}}};
  for (const CompressorSpec& compressor : compressors) {
    for (const bool partial : {false, true}) {
      CAPTURE(compressor.kind, compressor.k, partial);
      ef21::algorithms::ParticipationSpec participation;
      if (partial) participation.clients = 5;
      const int rounds = 12;
      std::size_t overlays = 0;
      const auto dense =
          record_mixed_run(problem, compressor, false, 1, 2.0, seed, rounds, participation, overlays);
      REQUIRE(overlays == 0);
      const auto compact =
          record_mixed_run(problem, compressor, true, 2, 2.0, seed, rounds, participation, overlays);
      // The path is taken: every worker in every round after round 0 while it stays compact
      // (k = d sends dense messages: back to the dense form after round 1).
      if (compressor.k < d)
        REQUIRE(overlays >= (partial ? 5u : 12u) * static_cast<std::size_t>(rounds) / 2);
      else
        REQUIRE(overlays > 0);
      require_same_run(dense, compact);
      // And ||grad f||^2 is that of the plain sum of the kept gradients in worker order (the
      // order both forms' reductions must keep).
      for (const RoundRecord& record : compact) {
        Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
        for (const Eigen::VectorXd& g : record.gradients) sum += g;
        REQUIRE(ef21::test::same_bits((sum / static_cast<double>(record.gradients.size())).squaredNorm(),
                                      record.grad_norm_sq));
      }
    }
  }
}

TEST_CASE("EF21's compact workers in rounds that evaluate nothing give the dense form's run bit for bit",
          "[ef21]") {
  // RoundValues::none, as a run with run.evaluate = "trace-rows" makes most rounds: the compact
  // workers' x and regulariser term are read for the whole block chunk by chunk
  // (GatheredInputs, Ef21::prepare_workers), over several coordinate chunks; x, the messages
  // and the metrics evaluated afterwards (metrics_at) must be the dense form's bits.
  const std::uint64_t seed = ef21::test::test_seed(714);
  CAPTURE(seed);
  const Eigen::Index d = ef21::problems::Objective::kCompactFormDim + 2 * ef21::kCoordinateChunk + 11;
  const auto problem = ef21::test::make_federated_problem(seed, 200, d, 10, 30.0 / static_cast<double>(d));
  for (const bool partial : {false, true}) {
    CAPTURE(partial);
    ef21::algorithms::ParticipationSpec participation;
    if (partial) participation.clients = 4;
    const auto run = [&](bool sparse_state, std::size_t threads) {
      ef21::algorithms::MethodContext context;
      context.gamma = 2.0;
      context.seed = seed;
      context.sparse_state = sparse_state;
      ef21::algorithms::Federation federation(
          problem.objectives, ef21::compressors::make_compressor({"top-k", 5, {}}, problem.dim()),
          *ef21::algorithms::find_method("ef21"), context, Eigen::VectorXd::Zero(problem.dim()), threads,
          participation);
      std::vector<RoundRecord> records;
      for (int t = 0; t <= 14; ++t) {
        federation.compute_worker_round(
            t, t == 0 ? ef21::algorithms::RoundValues::compute : ef21::algorithms::RoundValues::none);
        const ef21::algorithms::IterateMetrics metrics =
            t % 4 == 0 ? federation.metrics_at(t) : ef21::algorithms::IterateMetrics{};
        records.push_back({federation.x(), metrics.f, metrics.grad_norm_sq, federation.outputs(), {}});
        if (t < 14) federation.aggregate(t);
      }
      // The compact path ran (or, for the reference, did not).
      const auto& ef21 = dynamic_cast<const ef21::algorithms::Ef21&>(federation.method());
      REQUIRE((ef21.sparse_workers() > 0) == sparse_state);
      return records;
    };
    const auto dense = run(false, 1);
    const auto compact = run(true, 2);
    require_same_run(dense, compact);
  }
}
