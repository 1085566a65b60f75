// Objective (f_i of DESIGN §7): gradients against finite differences, fused value against
// value(), sparse against dense storage, the regulariser by hand, flop counts.
#include "models/problems/objective.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "models/problems/logistic_math.hpp"
#include "models/support/check.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::data::Dataset;
using ef21::data::DenseRowMatrix;
using ef21::problems::Objective;
using ef21::problems::ProblemKind;
using ef21::problems::ProblemSpec;

namespace {

const std::vector<ProblemKind> kAllKinds{ProblemKind::logreg_nonconvex, ProblemKind::logreg,
                                         ProblemKind::least_squares};

/// Central differences, step scaled to each coordinate: truncation error O(h^2 f''') ~ 1e-10,
/// round-off O(eps f / h) ~ 1e-11, both far below the 1e-6 relative tolerance used.
Eigen::VectorXd finite_difference_gradient(const Objective& f, const Eigen::VectorXd& x) {
  Eigen::VectorXd g(x.size());
  for (Eigen::Index l = 0; l < x.size(); ++l) {
    const double h = 1e-5 * std::max(1.0, std::abs(x[l]));
    Eigen::VectorXd xp = x;
    Eigen::VectorXd xm = x;
    xp[l] += h;
    xm[l] -= h;
    g[l] = (f.value(xp) - f.value(xm)) / ((xp[l] - xm[l]));
  }
  return g;
}

Eigen::VectorXd gradient_of(const Objective& f, const Eigen::VectorXd& x) {
  Eigen::VectorXd g(x.size());
  f.value_and_gradient(x, g);
  return g;
}

/// Labels for a problem kind: {-1, +1} for the logistic ones, arbitrary reals for least squares.
Eigen::VectorXd labels_for(ProblemKind kind, ef21::Rng& rng, Eigen::Index rows) {
  if (kind != ProblemKind::least_squares) return ef21::test::random_binary_labels(rng, rows);
  Eigen::VectorXd b(rows);
  for (Eigen::Index j = 0; j < rows; ++j) b[j] = 3.0 * rng.normal();
  return b;
}

}  // namespace

TEST_CASE("Objective gradient matches central finite differences for every problem and storage",
          "[objective]") {
  const std::uint64_t seed = ef21::test::test_seed(101);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (ProblemKind kind : kAllKinds) {
    for (int trial = 0; trial < 4; ++trial) {
      const Eigen::Index rows = 6 + trial * 5;
      const Eigen::Index dim = 3 + trial * 4;
      const DenseRowMatrix a = ef21::test::random_features(rng, rows, dim, 0.5);
      const Eigen::VectorXd b = labels_for(kind, rng, rows);
      const ProblemSpec spec{kind, 0.1 + 0.2 * trial};
      Eigen::VectorXd x(dim);
      // Large |x| too: the nonconvex regulariser's curvature changes sign at |x| = 1/sqrt(3),
      // and large margins push the logistic loss into its saturated regime.
      for (Eigen::Index l = 0; l < dim; ++l) x[l] = (trial + 1) * rng.normal();
      for (bool sparse : {false, true}) {
        const Objective f(spec, sparse ? ef21::test::sparse_dataset(a, b) : ef21::test::dense_dataset(a, b));
        const Eigen::VectorXd g = gradient_of(f, x);
        const Eigen::VectorXd fd = finite_difference_gradient(f, x);
        INFO("kind " << ef21::problems::to_string(kind) << ", sparse " << sparse << ", trial " << trial);
        INFO("gradient " << g.transpose() << "\nfinite differences " << fd.transpose());
        CHECK((g - fd).norm() <= 1e-7 * std::max(1.0, g.norm()));
      }
    }
  }
}

TEST_CASE("value_and_gradient returns exactly value()", "[objective]") {
  // Both report f_i(x); the run's metrics and any diagnostics must not disagree in the last bit.
  const std::uint64_t seed = ef21::test::test_seed(102);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (ProblemKind kind : kAllKinds) {
    const DenseRowMatrix a = ef21::test::random_features(rng, 13, 7, 0.6);
    const Eigen::VectorXd b = labels_for(kind, rng, 13);
    for (bool sparse : {false, true}) {
      const Objective f({kind, 0.1},
                        sparse ? ef21::test::sparse_dataset(a, b) : ef21::test::dense_dataset(a, b));
      for (int trial = 0; trial < 20; ++trial) {
        Eigen::VectorXd x(7);
        for (Eigen::Index l = 0; l < 7; ++l) x[l] = 2.0 * rng.normal();
        Eigen::VectorXd g(7);
        const double fused = f.value_and_gradient(x, g);
        INFO("kind " << ef21::problems::to_string(kind) << ", sparse " << sparse);
        REQUIRE(ef21::test::same_bits(fused, f.value(x)));
      }
    }
  }
}

TEST_CASE("Sparse and dense storage give the same value and gradient", "[objective]") {
  const std::uint64_t seed = ef21::test::test_seed(103);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (ProblemKind kind : kAllKinds) {
    const DenseRowMatrix a = ef21::test::random_features(rng, 17, 9, 0.3);
    const Eigen::VectorXd b = labels_for(kind, rng, 17);
    const Objective dense({kind, 0.1}, ef21::test::dense_dataset(a, b));
    const Objective sparse({kind, 0.1}, ef21::test::sparse_dataset(a, b));
    Eigen::VectorXd x(9);
    for (Eigen::Index l = 0; l < 9; ++l) x[l] = rng.normal();
    // Not bitwise: the dense margin is Eigen's vectorised dot (another summation order).
    INFO("kind " << ef21::problems::to_string(kind));
    CHECK(dense.value(x) == Approx(sparse.value(x)).epsilon(1e-14));
    CHECK((gradient_of(dense, x) - gradient_of(sparse, x)).norm() <= 1e-14 * gradient_of(dense, x).norm());
  }
}

TEST_CASE("Dense gradient equals the naive row-by-row loop bit for bit", "[objective]") {
  // The naive loop the optimized one replaced: one Eigen dot per row, then g += slope * row.
  // With lambda = 0 the convex logreg and least squares add nothing to the sum but 0 * x.
  const std::uint64_t seed = ef21::test::test_seed(107);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (ProblemKind kind : {ProblemKind::logreg, ProblemKind::least_squares}) {
    for (Eigen::Index rows : {1, 2, 7, 8, 33}) {
      INFO("kind " << ef21::problems::to_string(kind) << ", rows " << rows);
      const DenseRowMatrix a = ef21::test::random_features(rng, rows, 11, 1.0);
      const Eigen::VectorXd b = labels_for(kind, rng, rows);
      Eigen::VectorXd x(11);
      for (Eigen::Index l = 0; l < 11; ++l) x[l] = rng.normal();
      Eigen::VectorXd sum = Eigen::VectorXd::Zero(11);
      for (Eigen::Index j = 0; j < rows; ++j) {
        const double z = a.row(j).dot(x.transpose());
        const double slope =
            kind == ProblemKind::least_squares ? z - b[j] : -b[j] * ef21::problems::sigmoid(-b[j] * z);
        sum += slope * a.row(j).transpose();
      }
      sum *= 1.0 / static_cast<double>(rows);
      const Eigen::VectorXd g = gradient_of(Objective({kind, 0.0}, ef21::test::dense_dataset(a, b)), x);
      CHECK((g.array() == sum.array()).all());
    }
  }
}

TEST_CASE("The regularisers' value and gradient match hand-computed numbers", "[objective]") {
  // One all-zero row: the margin is 0 whatever x is, so the data term is a constant with zero
  // gradient (logistic: log 2; least squares with label b: b^2 / 2) and what is left is the
  // regulariser alone.
  const DenseRowMatrix zero_row = DenseRowMatrix::Zero(1, 2);
  const Eigen::Vector2d x(1.0, 2.0);
  const double log2 = std::log(2.0);

  SECTION("nonconvex: lambda sum x^2/(1+x^2), gradient 2 lambda x/(1+x^2)^2") {
    const Objective f({ProblemKind::logreg_nonconvex, 0.1},
                      ef21::test::dense_dataset(zero_row, Eigen::VectorXd::Ones(1)));
    // 0.1 * (1/2 + 4/5) = 0.13; gradient 0.2 * 1/4 = 0.05 and 0.2 * 2/25 = 0.016.
    CHECK(f.value(x) == Approx(log2 + 0.13).epsilon(1e-15));
    const Eigen::VectorXd g = gradient_of(f, x);
    CHECK(g[0] == Approx(0.05).epsilon(1e-15));
    CHECK(g[1] == Approx(0.016).epsilon(1e-15));
  }
  SECTION("convex logreg: (lambda/2)||x||^2, gradient lambda x") {
    const Objective f({ProblemKind::logreg, 0.1},
                      ef21::test::dense_dataset(zero_row, -Eigen::VectorXd::Ones(1)));
    CHECK(f.value(x) == Approx(log2 + 0.25).epsilon(1e-15));  // 0.05 * (1 + 4)
    const Eigen::VectorXd g = gradient_of(f, x);
    CHECK(g[0] == Approx(0.1).epsilon(1e-15));
    CHECK(g[1] == Approx(0.2).epsilon(1e-15));
  }
  SECTION("least squares: (1/2)(0 - b)^2 + (lambda/2)||x||^2") {
    const Objective f({ProblemKind::least_squares, 0.1},
                      ef21::test::dense_dataset(zero_row, Eigen::VectorXd::Constant(1, 3.0)));
    CHECK(f.value(x) == Approx(4.5 + 0.25).epsilon(1e-15));
    const Eigen::VectorXd g = gradient_of(f, x);
    CHECK(g[0] == Approx(0.1).epsilon(1e-15));
    CHECK(g[1] == Approx(0.2).epsilon(1e-15));
  }
}

TEST_CASE("The logistic data term matches a hand computation", "[objective]") {
  // Rows a_1 = (1, 0) with b = +1 and a_2 = (0, 2) with b = -1, x = (1, 1), lambda = 0:
  // f = (log(1 + e^-1) + log(1 + e^2)) / 2, grad = (-sigma(-1) * (1, 0) + sigma(2) * (0, 2)) / 2.
  DenseRowMatrix a(2, 2);
  a << 1, 0, 0, 2;
  const Eigen::Vector2d b(1.0, -1.0);
  const Objective f({ProblemKind::logreg, 0.0}, ef21::test::sparse_dataset(a, b));
  const Eigen::Vector2d x(1.0, 1.0);
  const double s_minus1 = 1.0 / (1.0 + std::exp(1.0));
  const double s_2 = 1.0 / (1.0 + std::exp(-2.0));
  CHECK(f.value(x) ==
        Approx((std::log(1.0 + std::exp(-1.0)) + std::log(1.0 + std::exp(2.0))) / 2.0).epsilon(1e-15));
  const Eigen::VectorXd g = gradient_of(f, x);
  CHECK(g[0] == Approx(-s_minus1 / 2.0).epsilon(1e-15));
  CHECK(g[1] == Approx(s_2).epsilon(1e-15));
}

TEST_CASE("log1p_exp and sigmoid are finite at +-800 and accurate near 0", "[logistic_math]") {
  using ef21::problems::log1p_exp;
  using ef21::problems::sigmoid;
  for (double t : {-800.0, -710.0, -40.0, 40.0, 710.0, 800.0}) {
    INFO("t = " << t);
    CHECK(std::isfinite(log1p_exp(t)));
    CHECK(std::isfinite(sigmoid(t)));
    CHECK(sigmoid(t) >= 0.0);
    CHECK(sigmoid(t) <= 1.0);
  }
  // Far out: log(1 + e^t) = t + log1p(e^-t) = t to double precision; e^-800 underflows to 0.
  CHECK(log1p_exp(800.0) == 800.0);
  CHECK(log1p_exp(-800.0) == 0.0);
  CHECK(sigmoid(800.0) == 1.0);
  CHECK(sigmoid(-800.0) == 0.0);
  // Tiny but representable values keep their digits: log(1 + e^-40) ~ e^-40, sigma(-40) ~ e^-40.
  CHECK(log1p_exp(-40.0) == Approx(std::exp(-40.0)).epsilon(1e-15));
  CHECK(sigmoid(-40.0) == Approx(std::exp(-40.0) / (1.0 + std::exp(-40.0))).epsilon(1e-15));

  // Near 0 against long-double references and the Taylor series log 2 + t/2 + t^2/8,
  // 1/2 + t/4 - t^3/48.
  for (double t : {-1e-3, -1e-8, -1e-300, 0.0, 1e-300, 1e-8, 1e-3, 0.5, -0.5, 3.0, -3.0}) {
    const long double lt = t;
    const long double ref_log = std::log1p(std::exp(lt));
    const long double ref_sigma = 1.0L / (1.0L + std::exp(-lt));
    INFO("t = " << t);
    CHECK(std::abs(log1p_exp(t) - static_cast<double>(ref_log)) <= 4e-16 * static_cast<double>(ref_log));
    CHECK(std::abs(sigmoid(t) - static_cast<double>(ref_sigma)) <= 4e-16 * static_cast<double>(ref_sigma));
  }
  CHECK(log1p_exp(0.0) == Approx(std::log(2.0)).epsilon(1e-16));
  CHECK(sigmoid(0.0) == 0.5);
  CHECK(log1p_exp(1e-6) == Approx(std::log(2.0) + 0.5e-6 + 1e-12 / 8.0).epsilon(1e-15));
}

TEST_CASE("flops_per_gradient is positive and grows by 4 per stored value", "[objective]") {
  // DESIGN: 4 flops per stored feature value + per-row and per-coordinate overheads. With rows
  // and d fixed, the count must be affine in nnz with slope 4 (that is what "proportional to
  // the data touched" means for the compute-time model).
  DenseRowMatrix a = DenseRowMatrix::Zero(5, 4);
  a(0, 0) = 1.0;
  const Eigen::VectorXd b = Eigen::VectorXd::Ones(5);
  const Objective one({ProblemKind::logreg_nonconvex, 0.1}, ef21::test::sparse_dataset(a, b));
  a(1, 1) = 2.0;
  a(2, 2) = 3.0;
  a(4, 3) = -1.0;
  const Objective four({ProblemKind::logreg_nonconvex, 0.1}, ef21::test::sparse_dataset(a, b));
  const Objective dense({ProblemKind::logreg_nonconvex, 0.1}, ef21::test::dense_dataset(a, b));
  CHECK(one.flops_per_gradient() > 0.0);
  CHECK(four.flops_per_gradient() - one.flops_per_gradient() == Approx(4.0 * 3.0));
  // Dense storage touches every one of the 20 values, 16 more than the 4-nnz sparse copy.
  CHECK(dense.flops_per_gradient() - four.flops_per_gradient() == Approx(4.0 * 16.0));
}

TEST_CASE("Objective rejects an empty shard and wrongly sized vectors", "[objective]") {
  const Dataset empty{DenseRowMatrix(0, 3), Eigen::VectorXd(0), "empty"};
  CHECK_THROWS_AS(Objective({ProblemKind::logreg, 0.1}, empty), ef21::InternalError);
  DenseRowMatrix a = DenseRowMatrix::Ones(2, 3);
  const Objective f({ProblemKind::logreg, 0.1}, ef21::test::dense_dataset(a, Eigen::Vector2d(1, -1)));
  Eigen::VectorXd short_gradient(2);
  CHECK_THROWS_AS(f.value(Eigen::VectorXd::Zero(2)), ef21::InternalError);
  CHECK_THROWS_AS(f.value_and_gradient(Eigen::VectorXd::Zero(3), short_gradient), ef21::InternalError);
}

TEST_CASE("Problem kind names round-trip", "[problem_spec]") {
  for (const std::string& name : ef21::problems::problem_kind_names()) {
    const auto kind = ef21::problems::problem_kind_from_string(name);
    REQUIRE(kind.has_value());
    CHECK(ef21::problems::to_string(*kind) == name);
  }
  CHECK_FALSE(ef21::problems::problem_kind_from_string("logistic").has_value());
  CHECK(ef21::problems::needs_binary_labels(ProblemKind::logreg_nonconvex));
  CHECK(ef21::problems::needs_binary_labels(ProblemKind::logreg));
  CHECK_FALSE(ef21::problems::needs_binary_labels(ProblemKind::least_squares));
  CHECK(ef21::problems::regularisation_mu({ProblemKind::logreg_nonconvex, 0.25}) == 0.25);
}

TEST_CASE("The gradient on a support equals the dense gradient's coordinates bit for bit", "[objective]") {
  // Both forms of Objective::value_and_gradient_on: the compact one (d >= kCompactFormDim, few
  // columns) and the d-long accumulator (small d), with general and unit values, against
  // value_and_gradient / gradient_and_value_bound with the same RegulariserAt.
  const std::uint64_t seed = ef21::test::test_seed(161);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (const Eigen::Index d : {Eigen::Index{40}, Objective::kCompactFormDim + 7}) {
    for (const bool unit : {false, true}) {
      for (ProblemKind kind : kAllKinds) {
        CAPTURE(d, unit, ef21::problems::to_string(kind));
        const Eigen::Index rows = 13;
        const double density = d < 100 ? 0.15 : 12.0 / static_cast<double>(d);
        DenseRowMatrix a = ef21::test::random_features(rng, rows, d, density);
        if (unit) a = (a.array() != 0.0).cast<double>().matrix();
        const Objective f({kind, 0.1}, ef21::test::sparse_dataset(a, labels_for(kind, rng, rows)));
        REQUIRE(f.unit_values() == unit);
        Eigen::VectorXd x(d);
        for (Eigen::Index l = 0; l < d; ++l) x[l] = rng.normal();
        x[1] = -0.0;  // the regulariser's term there is -0, the gradient's 0.0 + term is +0
        ef21::problems::RegulariserAt reg;
        ef21::problems::regulariser_at(f.spec(), x, reg);
        // The support: every stored column and some others.
        std::vector<std::int32_t> support;
        const auto& sparse = std::get<ef21::data::SparseRowMatrix>(f.shard().features);
        support.assign(sparse.innerIndexPtr(), sparse.innerIndexPtr() + sparse.nonZeros());
        support.push_back(1);  // x[1] = -0: a signed-zero term, outside S_i or not
        for (int extra = 0; extra < 9; ++extra)
          support.push_back(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(d))));
        std::sort(support.begin(), support.end());
        support.erase(std::unique(support.begin(), support.end()), support.end());

        Eigen::VectorXd dense(d);
        ef21::problems::GradientScratch scratch;
        std::vector<double> values;
        for (int pass = 0; pass < 2; ++pass) {  // the scratch is reused: it must come back clean
          const double value = f.value_and_gradient(x, dense, reg);
          REQUIRE(ef21::test::same_bits(value, f.value_and_gradient_on(x, reg, support, scratch, values)));
          REQUIRE(values.size() == support.size());
          Eigen::VectorXd rebuilt(d);
          for (Eigen::Index l = 0; l < d; ++l) rebuilt[l] = 0.0 + reg.gradient[l];
          for (std::size_t q = 0; q < support.size(); ++q) rebuilt[support[q]] = values[q];
          REQUIRE(ef21::test::same_bits(rebuilt, dense));

          const double bound = f.gradient_and_value_bound(x, dense, reg);
          REQUIRE(
              ef21::test::same_bits(bound, f.gradient_on_and_value_bound(x, reg, support, scratch, values)));
          for (std::size_t q = 0; q < support.size(); ++q)
            REQUIRE(ef21::test::same_bits(values[q], dense[support[q]]));
          if (f.has_compact_form()) {
            // With x and the term read beforehand (GatheredInputs): the same bits; and the
            // differences gradient - offset, with or without the gradient itself.
            std::vector<double> x_on_columns, term_on_support, gathered, offset, differences, alone;
            for (const std::int32_t l : f.compact_columns()) x_on_columns.push_back(x[l]);
            for (const std::int32_t l : support) {
              term_on_support.push_back(reg.gradient[l]);
              offset.push_back(rng.normal());
            }
            REQUIRE(ef21::test::same_bits(
                bound, f.gradient_on_gathered<false>(x_on_columns, term_on_support, reg.value, support,
                                                     scratch, &gathered)));
            REQUIRE(gathered == values);
            REQUIRE(ef21::test::same_bits(
                value, f.gradient_on_gathered<true>(x_on_columns, term_on_support, reg.value, support,
                                                    scratch, &gathered, offset, &differences)));
            for (std::size_t q = 0; q < support.size(); ++q) {
              REQUIRE(ef21::test::same_bits(gathered[q], dense[support[q]]));
              REQUIRE(ef21::test::same_bits(differences[q], dense[support[q]] - offset[q]));
            }
            REQUIRE(ef21::test::same_bits(
                bound, f.gradient_on_gathered<false>(x_on_columns, term_on_support, reg.value, support,
                                                     scratch, nullptr, offset, &alone)));
            REQUIRE(alone.size() == differences.size());
            for (std::size_t q = 0; q < alone.size(); ++q)
              REQUIRE(ef21::test::same_bits(alone[q], differences[q]));
          }
          REQUIRE(std::all_of(scratch.local_sum.begin(), scratch.local_sum.end(),
                              [](double s) { return ef21::test::same_bits(s, 0.0); }));
          REQUIRE((scratch.accumulator.size() == 0 ||
                   ef21::test::same_bits(scratch.accumulator, Eigen::VectorXd::Zero(d))));
          x *= 1.5;
          ef21::problems::regulariser_at(f.spec(), x, reg);
        }
        // Which form ran: the compact one keeps no d-long accumulator.
        CHECK((scratch.accumulator.size() == 0) == (d >= Objective::kCompactFormDim));
      }
    }
  }
}
