// Rounds that defer f (RoundValues::defer): the same gradients, messages and iterates as
// rounds that compute it, and f on demand, for the current and the previous round, to the
// same bits; a round whose f cannot be proven finite computes it at once, so divergence is
// seen in the same round.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "tests/models/algorithms/algorithm_test_support.hpp"

using ef21::algorithms::Federation;
using MethodKind = std::string;
using ef21::algorithms::RoundValues;
using ef21::problems::ProblemKind;

namespace {

/// The problem of make_federated_problem, with its shards stored dense instead of sparse.
ef21::test::FederatedProblem with_dense_shards(ef21::test::FederatedProblem p) {
  p.objectives.clear();
  for (const auto& [begin, end] : p.ranges)
    p.objectives.emplace_back(p.spec, ef21::test::dense_dataset(p.a.middleRows(begin, end - begin),
                                                                p.b.segment(begin, end - begin)));
  return p;
}

Federation make_federation(const ef21::test::FederatedProblem& p, MethodKind method, double gamma,
                           std::uint64_t seed, const Eigen::VectorXd& x0) {
  ef21::algorithms::MethodContext context;
  context.gamma = gamma;
  context.seed = seed;
  return Federation(p.objectives, ef21::compressors::make_compressor({"top-k", 2, {}}, p.dim()),
                    *ef21::algorithms::find_method(method), context, x0, 2);
}

}  // namespace

TEST_CASE("Deferred f: same iterates and messages, and the same f bits on demand", "[federation][values]") {
  const std::uint64_t seed = ef21::test::test_seed(931);
  CAPTURE(seed);
  const Eigen::Index d = 9;
  for (ProblemKind kind : {ProblemKind::logreg_nonconvex, ProblemKind::logreg, ProblemKind::least_squares}) {
    for (bool dense : {false, true}) {
      ef21::problems::ProblemSpec spec;
      spec.kind = kind;
      auto problem = ef21::test::make_federated_problem(seed, 40, d, 4, 0.5, spec);
      if (dense) problem = with_dense_shards(std::move(problem));
      const Eigen::VectorXd x0 = ef21::test::normal_x0(seed, d);
      for (MethodKind method : {"gd", "ef", "ef21", "ef21-plus"}) {
        CAPTURE(ef21::problems::to_string(kind), dense, method);
        const double gamma = ef21::test::theory_gamma(problem, method, 2, 4.0);
        Federation eager = make_federation(problem, method, gamma, seed, x0);
        Federation lazy = make_federation(problem, method, gamma, seed, x0);
        std::vector<double> eager_f;
        for (std::int64_t t = 0; t <= 12; ++t) {
          CAPTURE(t);
          eager.compute_worker_round(t);
          lazy.compute_worker_round(t, RoundValues::defer);
          eager_f.push_back(eager.metrics().f);
          REQUIRE(ef21::test::same_bits(eager.grad_norm_sq(), lazy.grad_norm_sq()));
          REQUIRE(lazy.value_finite());
          for (std::size_t i = 0; i < eager.workers(); ++i) {
            REQUIRE(eager.output(i).message.indices == lazy.output(i).message.indices);
            REQUIRE(
                ef21::test::same_bits(eager.output(i).message.to_dense(), lazy.output(i).message.to_dense()));
            REQUIRE(std::isnan(lazy.output(i).value));
            REQUIRE(lazy.output(i).value_bound >= std::abs(eager.output(i).value));
          }
          // Ask for this round's f in one round of three and for the previous round's in
          // another (a run's final row can be either); leave it unasked in the third.
          if (t % 3 == 1) REQUIRE(ef21::test::same_bits(lazy.value(t), eager_f[static_cast<std::size_t>(t)]));
          if (t % 3 == 2)
            REQUIRE(ef21::test::same_bits(lazy.value(t - 1), eager_f[static_cast<std::size_t>(t - 1)]));
          eager.aggregate(t);
          lazy.aggregate(t);
          REQUIRE(ef21::test::same_bits(eager.x(), lazy.x()));
        }
        // After the step, the last round's and the one before are still there.
        REQUIRE(ef21::test::same_bits(lazy.value(12), eager_f[12]));
        REQUIRE(ef21::test::same_bits(lazy.value(11), eager_f[11]));
        REQUIRE_THROWS(lazy.value(10));
      }
    }
  }
}

TEST_CASE("Deferred f that cannot be proven finite is computed at once", "[federation][values]") {
  const std::uint64_t seed = ef21::test::test_seed(932);
  CAPTURE(seed);
  const Eigen::Index d = 6;
  struct Case {
    ProblemKind kind;
    double x_scale;
    bool finite;  // f(x0)
  };
  // L2 regulariser at x ~ 1e153: (lambda/2)||x||^2 ~ 1e305 is beyond the certificate, f still
  // finite. At x ~ 1e200: ||x||^2 overflows, f = +inf. Nonconvex at 1e160: x^2/(1+x^2) = NaN.
  // A NaN in x. And an ordinary x, proven finite.
  const std::vector<Case> cases{
      {ProblemKind::logreg, 1e153, true},
      {ProblemKind::logreg_nonconvex, 1e160, false},
      {ProblemKind::logreg, 1e200, false},
      {ProblemKind::logreg_nonconvex, std::numeric_limits<double>::quiet_NaN(), false},
      {ProblemKind::logreg_nonconvex, 1.0, true}};
  for (const Case& c : cases) {
    CAPTURE(ef21::problems::to_string(c.kind), c.x_scale);
    ef21::problems::ProblemSpec spec;
    spec.kind = c.kind;
    const auto problem = ef21::test::make_federated_problem(seed, 24, d, 3, 0.6, spec);
    const Eigen::VectorXd x0 = Eigen::VectorXd::LinSpaced(d, 0.5, 1.0) * c.x_scale;
    Federation eager = make_federation(problem, "ef21", 0.1, seed, x0);
    Federation lazy = make_federation(problem, "ef21", 0.1, seed, x0);
    eager.compute_worker_round(0);
    lazy.compute_worker_round(0, RoundValues::defer);
    const double f = eager.metrics().f;
    CHECK(std::isfinite(f) == c.finite);
    CHECK(lazy.value_finite() == c.finite);
    CHECK(eager.value_finite() == c.finite);
    // Same bits; a NaN only as a NaN: IEEE 754 leaves a NaN's sign and payload to the
    // operations that made it, and clang's sanitized build orders them differently.
    if (std::isnan(f))
      CHECK(std::isnan(lazy.value(0)));
    else
      CHECK(ef21::test::same_bits(lazy.value(0), f));
  }
}
