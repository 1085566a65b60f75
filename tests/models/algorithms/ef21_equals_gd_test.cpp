// DESIGN §9's anchor: with a compressor that keeps every coordinate, EF21 and EF21+ are
// gradient descent, and the implementation must reproduce GD bit for bit (f, ||grad f||^2 and
// x at every round), not merely approximately.
#include <catch2/catch.hpp>

#include "tests/models/algorithms/algorithm_test_support.hpp"

using MethodKind = std::string;
using CompressorKind = std::string;
using ef21::compressors::CompressorSpec;
using ef21::test::RoundRecord;

namespace {

void require_bitwise_equal(const std::vector<RoundRecord>& gd, const std::vector<RoundRecord>& other) {
  REQUIRE(gd.size() == other.size());
  for (std::size_t t = 0; t < gd.size(); ++t) {
    CAPTURE(t);
    REQUIRE(ef21::test::same_bits(gd[t].x, other[t].x));
    REQUIRE(ef21::test::same_bits(gd[t].f, other[t].f));
    REQUIRE(ef21::test::same_bits(gd[t].grad_norm_sq, other[t].grad_norm_sq));
  }
}

}  // namespace

TEST_CASE("EF21 and EF21+ with k = d equal GD bit for bit for 50 rounds", "[ef21][gd]") {
  const std::uint64_t seed = ef21::test::test_seed(501);
  CAPTURE(seed);
  const Eigen::Index d = 9;
  const auto problem = ef21::test::make_federated_problem(seed, 47, d, 5);
  const Eigen::VectorXd x0 = ef21::test::normal_x0(seed, d);

  ef21::test::RunConfig config;
  config.seed = seed;
  config.rounds = 50;
  // 1.5/L: large, so x moves a lot, but below 2/L, so GD provably decreases f on an L-smooth
  // function (f(x+) <= f(x) - gamma (1 - L gamma/2) ||grad f||^2) and the sanity check holds.
  config.gamma = 1.5 / problem.L;
  config.method = "gd";
  const auto gd = ef21::test::record_run(problem, config, x0);
  // Sanity: the run does something (otherwise equality would be vacuous).
  REQUIRE(gd.back().f < gd.front().f);
  REQUIRE_FALSE(ef21::test::same_bits(gd.back().x, gd.front().x));

  ef21::ParamSet scaled;
  scaled.set("scaled", true);
  for (MethodKind method : {"ef21", "ef21-plus"}) {
    for (const CompressorSpec& compressor : {CompressorSpec{"top-k", d, {}},
                                            CompressorSpec{"identity", 1, {}},
                                            CompressorSpec{"rand-k", d, {}},
                                            CompressorSpec{"rand-k", d, scaled}}) {
      CAPTURE(method, compressor.kind, compressor.params.has("scaled"));
      config.method = method;
      config.compressor = compressor;
      require_bitwise_equal(gd, ef21::test::record_run(problem, config, x0));
    }
  }
}

TEST_CASE("The theory stepsize of EF21 and EF21+ with k = d is GD's 1/L", "[ef21][gd]") {
  // Part of "EF21 with k = d is GD": the default run (stepsize = theory) must pick the same
  // gamma, or the trajectories differ even when the updates agree. EF21+ additionally caps at
  // theta/(2 mu) = 1/(2 lambda) (theta = 1 at alpha = 1), which never binds for the nonconvex
  // problem: L = lambda_max/(4N) + 2 lambda >= 2 lambda.
  const auto problem = ef21::test::make_federated_problem(7, 30, 6, 3);
  const double gd = ef21::test::theory_gamma(problem, "gd", 6);
  CHECK(gd == 1.0 / problem.L);
  CHECK(ef21::test::theory_gamma(problem, "ef21", 6) == gd);
  CHECK(ef21::test::theory_gamma(problem, "ef", 6) == gd);
  CHECK(ef21::test::theory_gamma(problem, "ef21-plus", 6) == gd);
}
