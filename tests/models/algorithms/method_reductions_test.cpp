// Issue 10's reductions: with k = d (or p = 1, eta = 0, ...) the EF21 family and its rivals
// become their uncompressed counterparts, bit for bit where the arithmetic is the same and to
// round-off where it cancels; EF21-W is EF21 up to round-off with a homogeneous compressor.
#include <catch2/catch.hpp>
#include <cmath>

#include "models/algorithms/method_registry.hpp"
#include "tests/models/algorithms/algorithm_test_support.hpp"

namespace {

using ef21::test::RoundRecord;
using ef21::test::RunConfig;

void require_bitwise_equal(const std::vector<RoundRecord>& a, const std::vector<RoundRecord>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t t = 0; t < a.size(); ++t) {
    CAPTURE(t);
    REQUIRE(ef21::test::same_bits(a[t].x, b[t].x));
    REQUIRE(ef21::test::same_bits(a[t].grad_norm_sq, b[t].grad_norm_sq));
  }
}

/// max_t ||a_t - b_t|| / ||a_t||.
double max_relative_gap(const std::vector<RoundRecord>& a, const std::vector<RoundRecord>& b) {
  REQUIRE(a.size() == b.size());
  double gap = 0.0;
  for (std::size_t t = 0; t < a.size(); ++t) gap = std::max(gap, (a[t].x - b[t].x).norm() / a[t].x.norm());
  return gap;
}

struct Setup {
  std::uint64_t seed;
  ef21::test::FederatedProblem problem;
  Eigen::VectorXd x0;
};

Setup make_setup(std::uint64_t salt) {
  const std::uint64_t seed = ef21::test::test_seed(salt);
  auto problem = ef21::test::make_federated_problem(seed, 90, 9, 5);
  Eigen::VectorXd x0 = ef21::test::normal_x0(seed, 9);
  return {seed, std::move(problem), std::move(x0)};
}

RunConfig config_for(const Setup& s, const std::string& method, ef21::compressors::CompressorSpec compressor,
                     double gamma) {
  RunConfig c;
  c.method = method;
  c.compressor = std::move(compressor);
  c.gamma = gamma;
  c.seed = s.seed;
  c.rounds = 40;
  return c;
}

ef21::ParamSet one(const std::string& key, ef21::ParamValue value) {
  ef21::ParamSet p;
  p.set(key, std::move(value));
  return p;
}

}  // namespace

TEST_CASE("EF21-HB with k = d is heavy-ball gradient descent, bit for bit", "[ef21_hb][reduction]") {
  const Setup s = make_setup(1101);
  CAPTURE(s.seed);
  const auto& p = s.problem;
  const double gamma = 0.5 / p.L, eta = 0.7;
  RunConfig config = config_for(s, "ef21-hb", {"top-k", p.dim(), {}}, gamma);
  config.params = one("momentum", eta);
  const auto hb = ef21::test::record_run(p, config, s.x0);
  // Naive heavy ball: v^0 = grad f(x^0), x^{t+1} = x^t - gamma v^t, v^{t+1} = eta v^t + grad f(x^{t+1}),
  // grad f summed over workers in id order, as the server does.
  Eigen::VectorXd x = s.x0, v, gradient(p.dim()), sum(p.dim());
  for (std::size_t t = 0; t < hb.size(); ++t) {
    CAPTURE(t);
    REQUIRE(ef21::test::same_bits(hb[t].x, x));
    sum.setZero();
    for (const auto& objective : p.objectives) {
      objective.value_and_gradient(x, gradient);
      for (Eigen::Index l = 0; l < p.dim(); ++l) sum[l] += gradient[l];
    }
    const Eigen::VectorXd g = sum / static_cast<double>(p.workers());
    v = t == 0 ? g : Eigen::VectorXd(eta * v + g);
    x -= gamma * v;
  }
  REQUIRE((hb.back().x - hb.front().x).norm() > 1e-3);  // it moved
}

TEST_CASE("EF21-HB with eta = 0 and EF21-SGDM with eta = 1 are EF21, bit for bit",
          "[ef21_hb][ef21_sgdm][reduction]") {
  const Setup s = make_setup(1102);
  CAPTURE(s.seed);
  const double gamma = 4.0 / s.problem.L;
  const auto ef21 = ef21::test::record_run(s.problem, config_for(s, "ef21", {"top-k", 2, {}}, gamma), s.x0);
  RunConfig hb = config_for(s, "ef21-hb", {"top-k", 2, {}}, gamma);
  hb.params = one("momentum", 0.0);
  require_bitwise_equal(ef21, ef21::test::record_run(s.problem, hb, s.x0));
  RunConfig sgdm = config_for(s, "ef21-sgdm", {"top-k", 2, {}}, gamma);
  sgdm.params = one("momentum", 1.0);
  require_bitwise_equal(ef21, ef21::test::record_run(s.problem, sgdm, s.x0));
}

TEST_CASE("MARINA with p = 1 is gradient descent, bit for bit", "[marina][reduction]") {
  const Setup s = make_setup(1103);
  CAPTURE(s.seed);
  const double gamma = 1.5 / s.problem.L;
  const auto gd = ef21::test::record_run(s.problem, config_for(s, "gd", {"top-k", 1, {}}, gamma), s.x0);
  ef21::ParamSet scaled = one("scaled", true);
  RunConfig marina = config_for(s, "marina", {"rand-k", 2, scaled}, gamma);
  marina.params = one("page_probability", 1.0);
  require_bitwise_equal(gd, ef21::test::record_run(s.problem, marina, s.x0));
}

TEST_CASE("MARINA with p < 1 alternates dense and compressed rounds", "[marina]") {
  const Setup s = make_setup(1104);
  CAPTURE(s.seed);
  RunConfig marina = config_for(s, "marina", {"rand-k", 2, one("scaled", true)}, 0.2 / s.problem.L);
  marina.params = one("page_probability", 0.3);
  const auto run = ef21::test::record_run(s.problem, marina, s.x0);
  int dense = 0, compressed = 0;
  for (std::size_t t = 1; t < run.size(); ++t) {
    const bool all_dense = run[t].outputs[0].message.dense;
    for (const auto& out : run[t].outputs) REQUIRE(out.message.dense == all_dense);  // one common coin
    (all_dense ? dense : compressed) += 1;
    REQUIRE(run[t].outputs[0].payload_bits == (all_dense ? 9u * 32u : 2u * 32u));
  }
  CHECK(dense > 0);
  CHECK(compressed > dense);  // p = 0.3 over 40 rounds
}

TEST_CASE("DIANA with the identity compressor is gradient descent up to round-off", "[diana][reduction]") {
  const Setup s = make_setup(1105);
  CAPTURE(s.seed);
  const double gamma = 1.5 / s.problem.L;
  const auto gd = ef21::test::record_run(s.problem, config_for(s, "gd", {"top-k", 1, {}}, gamma), s.x0);
  const auto diana =
      ef21::test::record_run(s.problem, config_for(s, "diana", {"identity", 1, {}}, gamma), s.x0);
  CHECK(max_relative_gap(gd, diana) < 1e-13);
}

TEST_CASE("EF21-W with Top-k is EF21 up to round-off, its theory stepsize uses L_AM", "[ef21_w][reduction]") {
  const Setup s = make_setup(1106);
  CAPTURE(s.seed);
  const double gamma = 4.0 / s.problem.L;
  const auto ef21 = ef21::test::record_run(s.problem, config_for(s, "ef21", {"top-k", 2, {}}, gamma), s.x0);
  const auto w = ef21::test::record_run(s.problem, config_for(s, "ef21-w", {"top-k", 2, {}}, gamma), s.x0);
  const double gap = max_relative_gap(ef21, w);
  CAPTURE(gap);
  CHECK(gap < 1e-12);
  CHECK((ef21.back().x - ef21.front().x).norm() > 1e-3);
  // The stepsizes differ exactly by L~ -> L_AM (here L_i differ, so L_AM < L~).
  const auto& p = s.problem;
  const auto inputs = ef21::algorithms::theory_inputs(p.L, p.L_i, 0.1, p.workers(), 2.0 / 9.0, std::nullopt);
  REQUIRE(inputs.L_am < inputs.L_tilde);
  const auto c = ef21::algorithms::contraction_constants(2.0 / 9.0);
  const double root = std::sqrt(c.beta / c.theta);
  CHECK(ef21::algorithms::find_method("ef21-w")->theory_stepsize(inputs) == 1.0 / (p.L + inputs.L_am * root));
  CHECK(ef21::algorithms::find_method("ef21")->theory_stepsize(inputs) ==
        1.0 / (p.L + inputs.L_tilde * root));
}

TEST_CASE("EF21-BC with an identity downlink is EF21 up to round-off", "[ef21_bc][reduction]") {
  const Setup s = make_setup(1107);
  CAPTURE(s.seed);
  const double gamma = 4.0 / s.problem.L;
  const auto ef21 = ef21::test::record_run(s.problem, config_for(s, "ef21", {"top-k", 2, {}}, gamma), s.x0);
  RunConfig bc = config_for(s, "ef21-bc", {"top-k", 2, {}}, gamma);
  bc.down = ef21::compressors::CompressorSpec{"identity", 1, {}};
  CHECK(max_relative_gap(ef21, ef21::test::record_run(s.problem, bc, s.x0)) < 1e-13);
}

TEST_CASE("EF21 with a full-shard batch is EF21 up to round-off, EF21-PAGE with p = 1 is EF21 bit for bit",
          "[ef21_page][minibatch][reduction]") {
  const Setup s = make_setup(1108);
  CAPTURE(s.seed);
  const double gamma = 4.0 / s.problem.L;
  const auto ef21 = ef21::test::record_run(s.problem, config_for(s, "ef21", {"top-k", 2, {}}, gamma), s.x0);
  RunConfig full_batch = config_for(s, "ef21", {"top-k", 2, {}}, gamma);
  full_batch.gradient.batch_ratio = 1.0;
  const auto sgd = ef21::test::record_run(s.problem, full_batch, s.x0);
  CHECK(max_relative_gap(ef21, sgd) < 1e-12);
  for (std::size_t t = 1; t < sgd.size(); ++t) CHECK(sgd[t].outputs[0].batch.size() == 18);  // 90 rows / 5
  RunConfig page = config_for(s, "ef21-page", {"top-k", 2, {}}, gamma);
  page.gradient.batch = 3;
  page.params = one("page_probability", 1.0);
  require_bitwise_equal(ef21, ef21::test::record_run(s.problem, page, s.x0));
}

TEST_CASE("EF21 with partial participation: only the drawn workers update and send",
          "[ef21][participation]") {
  const Setup s = make_setup(1109);
  CAPTURE(s.seed);
  RunConfig pp = config_for(s, "ef21", {"top-k", 2, {}}, 2.0 / s.problem.L);
  pp.participation.fraction = 0.5;  // floor(5 * 0.5) = 2 a round
  const auto run = ef21::test::record_run(s.problem, pp, s.x0);
  for (const auto& out : run[0].outputs) REQUIRE(out.participated);  // round 0: everyone
  for (std::size_t t = 1; t < run.size(); ++t) {
    int taking_part = 0;
    for (const auto& out : run[t].outputs) {
      taking_part += out.participated ? 1 : 0;
      if (!out.participated) REQUIRE(out.message.size() == 0);
      if (!out.participated) REQUIRE_FALSE(out.billed);
      if (out.participated) REQUIRE_FALSE(out.replaces);
    }
    REQUIRE(taking_part == 2);
  }
  // Everyone's grad f_i still enters the metrics: grad_norm_sq is the exact full-data value.
  Eigen::VectorXd g = Eigen::VectorXd::Zero(s.problem.dim());
  for (const auto& gi : run.back().gradients) g += gi;
  CHECK(run.back().grad_norm_sq == Approx((g / 5.0).squaredNorm()).epsilon(1e-14));
}

TEST_CASE("DCGD bills round 0, every method keeps round 0 whole or compressed as declared", "[dcgd][bits]") {
  const Setup s = make_setup(1110);
  CAPTURE(s.seed);
  const auto dcgd = ef21::test::record_run(
      s.problem, config_for(s, "dcgd", {"rand-k", 3, one("scaled", true)}, 0.1 / s.problem.L), s.x0);
  for (const auto& record : dcgd)
    for (const auto& out : record.outputs) {
      REQUIRE(out.billed);
      REQUIRE(out.payload_bits == 3u * 32u);
      REQUIRE(out.kept.size() == 3);
    }
}

TEST_CASE("A lost message is rolled back: the same iterates as the worker sitting the round out",
          "[failures][rollback]") {
  // Failures and deadlines: every drawn worker computes (and updates its state), then only
  // some messages reach the server; the others get their state back. That must equal, bit for
  // bit, a run in which those workers were not participants at all.
  const Setup s = make_setup(1111);
  CAPTURE(s.seed);
  const auto& p = s.problem;
  for (const std::string method : {"ef21", "ef21-sgdm", "ef21-hb", "ef21-w", "gd", "dcgd"}) {
    CAPTURE(method);
    ef21::algorithms::MethodContext context;
    context.gamma = 2.0 / p.L;
    context.seed = s.seed;
    // Deterministic compressors: a worker that loses its message has still drawn its random
    // numbers (its stream moved on), so with rand-k the two runs would draw differently.
    ef21::compressors::CompressorSpec spec{method == "dcgd" ? "identity" : "top-k", 3, {}};
    ef21::algorithms::ParticipationSpec unreliable;
    unreliable.unreliable = true;
    const auto* info = ef21::algorithms::find_method(method);
    ef21::algorithms::Federation lossy(p.objectives, ef21::compressors::make_compressor(spec, p.dim()), *info,
                                       context, s.x0, 1, unreliable);
    ef21::algorithms::Federation absent(p.objectives, ef21::compressors::make_compressor(spec, p.dim()),
                                        *info, context, s.x0, 1, unreliable);
    ef21::Rng draw = ef21::Rng::stream(s.seed, "test-lost");
    for (int t = 0; t <= 30; ++t) {
      std::vector<std::uint32_t> applied;
      for (std::uint32_t i = 0; i < p.workers(); ++i)
        if (t == 0 || draw.uniform() < 0.6) applied.push_back(i);
      if (t > 0) absent.set_participants(t, applied);
      lossy.compute_worker_round(t);
      absent.compute_worker_round(t);
      REQUIRE(ef21::test::same_bits(lossy.x(), absent.x()));
      REQUIRE(ef21::test::same_bits(lossy.grad_norm_sq(), absent.grad_norm_sq()));
      lossy.aggregate(t, applied);
      absent.aggregate(t);
    }
    REQUIRE(ef21::test::same_bits(lossy.x(), absent.x()));
    CHECK((lossy.x() - s.x0).norm() > 1e-3);
  }
}
