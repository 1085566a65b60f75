// The methods' internal invariants, observed from outside through the messages and x:
// EF's error vectors, EF21's g = mean g_i, and EF21+'s choice on hand-made cases.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "models/algorithms/ef21_plus.hpp"
#include "tests/models/algorithms/algorithm_test_support.hpp"

using ef21::algorithms::Federation;
using ef21::algorithms::MethodContext;
using MethodKind = std::string;
using CompressorKind = std::string;
using ef21::problems::Objective;
using ef21::problems::ProblemKind;

namespace {

/// Dense top-k by a stable sort (the reference definition).
Eigen::VectorXd reference_top_k(const Eigen::VectorXd& v, Eigen::Index k) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return std::abs(v[a]) > std::abs(v[b]); });
  Eigen::VectorXd out = Eigen::VectorXd::Zero(v.size());
  for (Eigen::Index p = 0; p < k; ++p) out[order[static_cast<std::size_t>(p)]] = v[order[static_cast<std::size_t>(p)]];
  return out;
}

}  // namespace

TEST_CASE("EF's error vectors are e_i = gamma sum grad f_i - sum v_i", "[ef]") {
  // e_i is private, so check it through what it determines: the message of round t must be
  // C(e_i^t + gamma grad f_i(x^t)) with e_i^t = gamma sum_{s<t} grad f_i(x^s) - sum_{s<t} v_i^s
  // built here from the recorded gradients and messages. And x follows
  // x^t = x^0 - (1/n) sum_{s<t} sum_i v_i^s.
  const std::uint64_t seed = ef21::test::test_seed(701);
  CAPTURE(seed);
  const Eigen::Index d = 7;
  const std::int64_t k = 2;
  const auto problem = ef21::test::make_federated_problem(seed, 40, d, 4);
  const ef21::test::RunConfig config = ef21::test::top_k_run(problem, "ef", k, 4.0, seed, 25);
  const Eigen::VectorXd x0 = Eigen::VectorXd::Constant(d, 0.5);
  const auto records = ef21::test::record_run(problem, config, x0);

  const double n = static_cast<double>(problem.workers());
  std::vector<Eigen::VectorXd> gradient_sums(problem.workers(), Eigen::VectorXd::Zero(d));
  std::vector<Eigen::VectorXd> message_sums(problem.workers(), Eigen::VectorXd::Zero(d));
  Eigen::VectorXd all_messages = Eigen::VectorXd::Zero(d);
  for (std::size_t t = 0; t < records.size(); ++t) {
    CAPTURE(t);
    CHECK((records[t].x - (x0 - all_messages / n)).norm() <= 1e-13 * x0.norm());
    for (std::size_t i = 0; i < problem.workers(); ++i) {
      CAPTURE(i);
      const auto& out = records[t].outputs[i];
      gradient_sums[i] += config.gamma * records[t].gradients[i];
      // What the worker compressed: e_i^t + gamma grad f_i(x^t) = gamma sum_{s<=t} grad - sum_{s<t} v.
      const Eigen::VectorXd compressed = gradient_sums[i] - message_sums[i];
      const Eigen::VectorXd expected = reference_top_k(compressed, k);
      const Eigen::VectorXd message = out.message.to_dense();
      REQUIRE(out.message.size() == static_cast<std::size_t>(k));
      REQUIRE((message - expected).norm() <= 1e-12 * expected.norm());
      message_sums[i] += message;
      all_messages += message;
    }
  }
}

TEST_CASE("EF21's server g is the mean of the workers' g_i", "[ef21]") {
  // Reconstruct each g_i from its messages (round 0: g_i^0 = grad f_i(x^0) sent whole; then
  // increments c_i) and check (a) the worker really sent c_i = C(grad f_i - g_i) and (b) the
  // server stepped along their mean: x^{t+1} = x^t - gamma mean_i g_i^t, up to the round-off of
  // the server's incremental g^t = g^{t-1} + (1/n) sum c_i.
  const std::uint64_t seed = ef21::test::test_seed(702);
  CAPTURE(seed);
  const Eigen::Index d = 9;
  const std::int64_t k = 3;
  const auto problem = ef21::test::make_federated_problem(seed, 61, d, 6);
  const ef21::test::RunConfig config = ef21::test::top_k_run(problem, "ef21", k, 8.0, seed, 40);
  const Eigen::VectorXd x0 = Eigen::VectorXd::LinSpaced(d, -1.0, 1.0);
  const auto records = ef21::test::record_run(problem, config, x0);

  std::vector<Eigen::VectorXd> g_local(problem.workers());
  for (std::size_t t = 0; t + 1 < records.size(); ++t) {
    CAPTURE(t);
    Eigen::VectorXd mean = Eigen::VectorXd::Zero(d);
    for (std::size_t i = 0; i < problem.workers(); ++i) {
      CAPTURE(i);
      const auto& out = records[t].outputs[i];
      if (t == 0) {
        REQUIRE(out.replaces);
        REQUIRE(out.message.dense);
        REQUIRE(ef21::test::same_bits(out.message.to_dense(), records[t].gradients[i]));  // exact, not compressed
        g_local[i] = records[t].gradients[i];
      } else {
        REQUIRE_FALSE(out.replaces);
        const Eigen::VectorXd expected = reference_top_k(records[t].gradients[i] - g_local[i], k);
        const Eigen::VectorXd c = out.message.to_dense();
        REQUIRE((c - expected).norm() <= 1e-13 * std::max(expected.norm(), 1e-300));
        g_local[i] += c;
      }
      mean += g_local[i];
    }
    mean /= static_cast<double>(problem.workers());
    const Eigen::VectorXd server_g = (records[t].x - records[t + 1].x) / config.gamma;
    // Recovering g from x loses ~eps ||x|| / gamma absolutely; beyond that, 1e-12 relative.
    const double slack = 4.0 * std::numeric_limits<double>::epsilon() * records[t].x.lpNorm<Eigen::Infinity>() *
                         std::sqrt(static_cast<double>(d)) / config.gamma;
    REQUIRE((server_g - mean).norm() <= 1e-12 * mean.norm() + slack);
  }
}

namespace {

/// One least-squares worker with lambda = 0 on rows A, labels b; top-1; absolute stepsize 1.
Federation hand_federation(const ef21::data::DenseRowMatrix& a, const Eigen::VectorXd& b, const Eigen::VectorXd& x0,
                           MethodKind method) {
  std::vector<Objective> objectives;
  objectives.emplace_back(ef21::problems::ProblemSpec{ProblemKind::least_squares, 0.0},
                          ef21::test::dense_dataset(a, b));
  MethodContext context;
  context.gamma = 1.0;
  return Federation(std::move(objectives), ef21::compressors::make_compressor({"top-k", 1, {}}, 2),
                    *ef21::algorithms::find_method(method), context, x0, 1);
}

}  // namespace

TEST_CASE("EF21+ takes the Markov candidate C(grad) when it is strictly closer", "[ef21_plus]") {
  // f(x) = (1/4)||A x - b||^2 with A = [1 1; 0 1], b = (0, 2): grad f(x) = H x - c with
  // H = A^T A / 2 = [1 1; 1 2]/2 and c = A^T b / 2 = (0, 1).
  //   x^0 = 0: g^0 = grad f(0) = (0, -1); gamma = 1: x^1 = (0, 1).
  //   grad f(x^1) = H (0, 1) - c = (0.5, 1) - (0, 1) = (0.5, 0).
  //   EF21 candidate: g^0 + top1((0.5, 1)) = (0, -1) + (0, 1) = (0, 0), at squared distance 0.25.
  //   Markov candidate: top1((0.5, 0)) = (0.5, 0), at distance 0: it wins.
  //   The message is the increment (0.5, 0) - (0, -1) = (0.5, 1), dense; g^1 = (0.5, 0);
  //   x^2 = (0, 1) - (0.5, 0) = (-0.5, 1).
  ef21::data::DenseRowMatrix a(2, 2);
  a << 1, 1, 0, 1;
  Federation federation = hand_federation(a, Eigen::Vector2d(0.0, 2.0), Eigen::Vector2d::Zero(), "ef21-plus");
  federation.keep_gradients(true);
  const auto& plus = dynamic_cast<const ef21::algorithms::Ef21Plus&>(federation.method());
  federation.compute_worker_round(0);
  CHECK(federation.gradient(0) == Eigen::Vector2d(0.0, -1.0));
  federation.aggregate(0);
  CHECK(federation.x() == Eigen::Vector2d(0.0, 1.0));
  federation.compute_worker_round(1);
  CHECK(federation.gradient(0) == Eigen::Vector2d(0.5, 0.0));
  CHECK(plus.markov_choices() == 1);
  CHECK_FALSE(federation.output(0).replaces);
  CHECK(federation.output(0).message.to_dense() == Eigen::Vector2d(0.5, 1.0));
  // Billed as what the worker sends: k = 1 value (the server knows g_i and C(grad)'s support
  // is in the message), not as the dense increment the simulation applies.
  CHECK(federation.output(0).payload_bits == 32u);
  CHECK(federation.output(0).billed);
  federation.aggregate(1);
  CHECK(federation.x() == Eigen::Vector2d(-0.5, 1.0));
}

TEST_CASE("EF21+ keeps the EF21 candidate on a tie", "[ef21_plus]") {
  // f(x) = (1/4)||x - b||^2 (A = I), b = (0, 1): grad f(x) = (x - b)/2.
  //   x^0 = (1, 1): g^0 = (0.5, 0); x^1 = (0.5, 1); grad f(x^1) = (0.25, 0).
  //   Both candidates are exactly grad f(x^1) (both differences are 1-sparse): distance 0 each,
  //   and the tie goes to EF21, whose message is the sparse increment c = (-0.25, 0).
  const ef21::data::DenseRowMatrix a = ef21::data::DenseRowMatrix::Identity(2, 2);
  Federation federation = hand_federation(a, Eigen::Vector2d(0.0, 1.0), Eigen::Vector2d(1.0, 1.0), "ef21-plus");
  federation.keep_gradients(true);
  const auto& plus = dynamic_cast<const ef21::algorithms::Ef21Plus&>(federation.method());
  federation.compute_worker_round(0);
  federation.aggregate(0);
  CHECK(federation.x() == Eigen::Vector2d(0.5, 1.0));
  federation.compute_worker_round(1);
  CHECK(plus.markov_choices() == 0);
  CHECK_FALSE(federation.output(0).message.dense);
  CHECK(federation.output(0).message.indices == std::vector<std::int32_t>{0});
  CHECK(federation.output(0).message.values == std::vector<double>{-0.25});
  federation.aggregate(1);
  CHECK(federation.x() == Eigen::Vector2d(0.25, 1.0));  // x^2 = x^1 - g^1, g^1 = (0.25, 0)
}

TEST_CASE("EF21 on the hand-made problem follows the formulas exactly", "[ef21]") {
  // Same problem as the Markov case, plain EF21: at x^1, c = top1((0.5, 1)) = (0, 1), so
  // g^1 = (0, -1) + (0, 1) = (0, 0) and x^2 = x^1: EF21 stalls for a round where EF21+ moved.
  ef21::data::DenseRowMatrix a(2, 2);
  a << 1, 1, 0, 1;
  Federation federation = hand_federation(a, Eigen::Vector2d(0.0, 2.0), Eigen::Vector2d::Zero(), "ef21");
  federation.keep_gradients(true);
  federation.compute_worker_round(0);
  federation.aggregate(0);
  federation.compute_worker_round(1);
  CHECK(federation.output(0).message.indices == std::vector<std::int32_t>{1});
  CHECK(federation.output(0).message.values == std::vector<double>{1.0});
  federation.aggregate(1);
  CHECK(federation.x() == Eigen::Vector2d(0.0, 1.0));
  // Round 2 at the same x: grad (0.5, 0) - g_1 (0, 0) -> c = (0.5, 0), g = (0.5, 0).
  federation.compute_worker_round(2);
  CHECK(federation.output(0).message.values == std::vector<double>{0.5});
  federation.aggregate(2);
  CHECK(federation.x() == Eigen::Vector2d(-0.5, 1.0));
}
