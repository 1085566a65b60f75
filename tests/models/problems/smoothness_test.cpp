// Smoothness constants (DESIGN §7): by hand on tiny matrices, storage- and branch-independent,
// and a true upper bound on the Hessian's norm.
#include <catch2/catch.hpp>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <tuple>
#include <vector>

#include "models/algorithms/constants.hpp"
#include "models/problems/objective.hpp"
#include "models/problems/smoothness.hpp"
#include "tests/models/support/models_test_support.hpp"

using ef21::data::DenseRowMatrix;
using ef21::problems::largest_gram_eigenvalue;
using ef21::problems::Objective;
using ef21::problems::ProblemKind;
using ef21::problems::ProblemSpec;
using ef21::problems::smoothness_constant;

namespace {

// The hand-worked dataset: N = 4 rows, d = 2 features.
//   A = [1 0; 1 0; 0 1; 1 1]
//   A^T A = [1+1+0+1, 0+0+0+1; 1, 0+0+1+1] = [3 1; 1 2]
//   eigenvalues: (5 +- sqrt((3-2)^2 + 4*1^2)) / 2 = (5 +- sqrt 5) / 2, so lambda_max = (5 + sqrt 5)/2
// Split in two workers of 2 rows each (sequential):
//   worker 0: A_0 = [1 0; 1 0], A_0^T A_0 = [2 0; 0 0], lambda_max = 2
//   worker 1: A_1 = [0 1; 1 1], A_1^T A_1 = [1 1; 1 2], lambda_max = (3 + sqrt 5) / 2
DenseRowMatrix hand_matrix() {
  DenseRowMatrix a(4, 2);
  a << 1, 0, 1, 0, 0, 1, 1, 1;
  return a;
}

const double kLambdaMaxAll = (5.0 + std::sqrt(5.0)) / 2.0;
const double kLambdaMax0 = 2.0;
const double kLambdaMax1 = (3.0 + std::sqrt(5.0)) / 2.0;

/// L for a problem kind from lambda_max(A^T A) and the row count m (the DESIGN formulas):
/// logistic loss has phi'' <= 1/4, the nonconvex regulariser x^2/(1+x^2) has second derivative
/// (2 - 6x^2)/(1+x^2)^3 in [-1/2, 2], so 2 lambda; (lambda/2)||x||^2 adds lambda.
double expected_L(ProblemKind kind, double lambda_max, double m, double lambda) {
  switch (kind) {
    case ProblemKind::logreg_nonconvex:
      return lambda_max / (4.0 * m) + 2.0 * lambda;
    case ProblemKind::logreg:
      return lambda_max / (4.0 * m) + lambda;
    case ProblemKind::least_squares:
      return lambda_max / m + lambda;
  }
  return 0.0;
}

const std::vector<ProblemKind> kAllKinds{ProblemKind::logreg_nonconvex, ProblemKind::logreg,
                                         ProblemKind::least_squares};

}  // namespace

TEST_CASE("L, L_i and L~ match the hand-worked 4x2 dataset for every problem kind", "[smoothness]") {
  const DenseRowMatrix a = hand_matrix();
  const Eigen::Vector4d b(-1, 1, 1, -1);
  const double lambda = 0.1;
  for (ProblemKind kind : kAllKinds) {
    INFO("kind " << ef21::problems::to_string(kind));
    const ProblemSpec spec{kind, lambda};
    for (bool sparse : {false, true}) {
      INFO("sparse " << sparse);
      const auto all = sparse ? ef21::test::sparse_dataset(a, b) : ef21::test::dense_dataset(a, b);
      const double L = smoothness_constant(spec, all);
      CHECK(L == Approx(expected_L(kind, kLambdaMaxAll, 4.0, lambda)).epsilon(1e-14));

      const Objective w0(spec, all.row_block(0, 2));
      const Objective w1(spec, all.row_block(2, 2));
      const double L0 = expected_L(kind, kLambdaMax0, 2.0, lambda);
      const double L1 = expected_L(kind, kLambdaMax1, 2.0, lambda);
      CHECK(w0.smoothness() == Approx(L0).epsilon(1e-14));
      CHECK(w1.smoothness() == Approx(L1).epsilon(1e-14));

      // L~ = sqrt(mean L_i^2) and L_max, through derive_constants.
      const auto d = ef21::algorithms::theory_inputs(L, {w0.smoothness(), w1.smoothness()}, lambda, 2, 1.0, 0.0);
      CHECK(d.L_tilde == Approx(std::sqrt((L0 * L0 + L1 * L1) / 2.0)).epsilon(1e-14));
      CHECK(d.L_max == Approx(std::max(L0, L1)).epsilon(1e-14));
    }
  }
  // Concrete numbers for the paper's problem (lambda = 0.1), so a formula slip in both the code
  // and expected_L would still be caught: (5 + sqrt 5)/2 / 16 + 0.2 = 0.42613...
  CHECK(smoothness_constant({ProblemKind::logreg_nonconvex, 0.1}, ef21::test::dense_dataset(a, b)) ==
        Approx(0.4261271242968684).epsilon(1e-14));
}

TEST_CASE("largest_gram_eigenvalue: a 2x3 matrix (m < d) worked by hand", "[smoothness]") {
  // A = [1 2 0; 0 1 1]: A A^T = [5 2; 2 2], eigenvalues (7 +- sqrt(9 + 16))/2 = 6 and 1.
  // A^T A (3x3) has the same non-zero eigenvalues plus 0, so lambda_max(A^T A) = 6.
  DenseRowMatrix a(2, 3);
  a << 1, 2, 0, 0, 1, 1;
  CHECK(largest_gram_eigenvalue(a) == Approx(6.0).epsilon(1e-14));
  CHECK(largest_gram_eigenvalue(ef21::test::to_sparse(a)) == Approx(6.0).epsilon(1e-14));
  // The transposed 3x2 matrix takes the other branch (d <= m): the same 6.
  const DenseRowMatrix at = a.transpose();
  CHECK(largest_gram_eigenvalue(at) == Approx(6.0).epsilon(1e-14));
  CHECK(largest_gram_eigenvalue(ef21::test::to_sparse(at)) == Approx(6.0).epsilon(1e-14));
}

TEST_CASE("A^T A and A A^T branches agree, and sparse equals dense, on random matrices", "[smoothness]") {
  const std::uint64_t seed = ef21::test::test_seed(201);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (int trial = 0; trial < 10; ++trial) {
    const Eigen::Index rows = 2 + trial;
    const Eigen::Index cols = 15 - trial;  // m < d for trials 0..6, m > d for 7..9
    const DenseRowMatrix a = ef21::test::random_features(rng, rows, cols, 0.4);
    // Independent reference: the full d x d Gram matrix through Eigen, whatever its shape.
    const Eigen::MatrixXd gram = a.transpose() * a;
    const double reference =
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(gram, Eigen::EigenvaluesOnly).eigenvalues().maxCoeff();
    INFO("trial " << trial << ": " << rows << " x " << cols);
    const DenseRowMatrix at = a.transpose();
    CHECK(largest_gram_eigenvalue(a) == Approx(reference).epsilon(1e-12));
    CHECK(largest_gram_eigenvalue(ef21::test::to_sparse(a)) == Approx(reference).epsilon(1e-12));
    // A^T's Gram eigenvalues are A's: the branch flips (m <-> d) but the answer must not move.
    CHECK(largest_gram_eigenvalue(at) == Approx(reference).epsilon(1e-12));
    CHECK(largest_gram_eigenvalue(ef21::test::to_sparse(at)) == Approx(reference).epsilon(1e-12));
  }
  // Square matrices (m == d) as well.
  const DenseRowMatrix square = ef21::test::random_features(rng, 6, 6, 0.5);
  const Eigen::MatrixXd gram = square.transpose() * square;
  CHECK(largest_gram_eigenvalue(square) ==
        Approx(Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(gram).eigenvalues().maxCoeff()).epsilon(1e-12));
}

TEST_CASE("Sparse and dense storage give the same L for every problem kind", "[smoothness]") {
  const std::uint64_t seed = ef21::test::test_seed(202);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const DenseRowMatrix a = ef21::test::random_features(rng, 30, 12, 0.25);
  const Eigen::VectorXd b = ef21::test::random_binary_labels(rng, 30);
  for (ProblemKind kind : kAllKinds) {
    const ProblemSpec spec{kind, 0.1};
    INFO("kind " << ef21::problems::to_string(kind));
    CHECK(smoothness_constant(spec, ef21::test::dense_dataset(a, b)) ==
          Approx(smoothness_constant(spec, ef21::test::sparse_dataset(a, b))).epsilon(1e-13));
  }
}

TEST_CASE("L bounds the Hessian norm (finite-difference Hessian-vector products)", "[smoothness]") {
  // ||H(x) v|| <= L ||v|| for every x and v. H v is estimated by central differences of the
  // exact gradient: (grad(x + h v) - grad(x - h v)) / 2h, error O(h^2) ~ 1e-8 relative.
  const std::uint64_t seed = ef21::test::test_seed(203);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (ProblemKind kind : kAllKinds) {
    const DenseRowMatrix a = ef21::test::random_features(rng, 25, 8, 0.5);
    Eigen::VectorXd b = ef21::test::random_binary_labels(rng, 25);
    const Objective f({kind, 0.1}, ef21::test::sparse_dataset(a, b));
    const double L = f.smoothness();
    double largest_ratio = 0.0;
    Eigen::VectorXd gp(8);
    Eigen::VectorXd gm(8);
    for (int trial = 0; trial < 200; ++trial) {
      Eigen::VectorXd x(8);
      Eigen::VectorXd v(8);
      // Small x half the time: the logistic curvature peaks (1/4) near zero margin and the
      // nonconvex regulariser's curvature peaks (2 lambda) at x = 0.
      const double scale = trial % 2 == 0 ? 0.01 : 2.0;
      for (Eigen::Index l = 0; l < 8; ++l) {
        x[l] = scale * rng.normal();
        v[l] = rng.normal();
      }
      v.normalize();
      const double h = 1e-4;
      f.value_and_gradient(x + h * v, gp);
      f.value_and_gradient(x - h * v, gm);
      const double ratio = ((gp - gm) / (2.0 * h)).norm() / L;
      largest_ratio = std::max(largest_ratio, ratio);
      INFO("kind " << ef21::problems::to_string(kind) << ", trial " << trial);
      REQUIRE(ratio <= 1.0 + 1e-6);
    }
    INFO("kind " << ef21::problems::to_string(kind) << ": largest ||Hv||/(L||v||) = " << largest_ratio);
    // And not absurdly loose: random directions see a fair share of the top curvature.
    CHECK(largest_ratio > 0.2);
  }
}

TEST_CASE("Least-squares L is attained along the top eigenvector", "[smoothness]") {
  // For least squares the Hessian is constant, A^T A / m + lambda I, so L is exact, not a bound:
  // H v = L v for v the top eigenvector of A^T A.
  const std::uint64_t seed = ef21::test::test_seed(204);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  const DenseRowMatrix a = ef21::test::random_features(rng, 20, 6, 0.7);
  Eigen::VectorXd b(20);
  for (Eigen::Index j = 0; j < 20; ++j) b[j] = rng.normal();
  const Objective f({ProblemKind::least_squares, 0.3}, ef21::test::dense_dataset(a, b));
  const Eigen::MatrixXd gram = a.transpose() * a;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram);
  const Eigen::VectorXd v = solver.eigenvectors().col(5);  // ascending order: last is the largest
  const Eigen::VectorXd x = Eigen::VectorXd::Zero(6);
  Eigen::VectorXd g0(6);
  Eigen::VectorXd g1(6);
  f.value_and_gradient(x, g0);
  f.value_and_gradient(x + v, g1);  // the gradient is affine: g(x + v) - g(x) = H v exactly
  CHECK((g1 - g0).norm() == Approx(f.smoothness()).epsilon(1e-12));
}

TEST_CASE("sparse_gram equals Eigen's sparse product bit for bit, in both shapes", "[smoothness]") {
  // The reference is what largest_gram_eigenvalue used before: MatrixXd((A^T A).pruned()) or
  // MatrixXd((A A^T).pruned()) on a column-major copy.
  const std::uint64_t seed = ef21::test::test_seed(211);
  CAPTURE(seed);
  ef21::Rng rng(seed);
  for (const auto& [rows, cols, density] : std::vector<std::tuple<Eigen::Index, Eigen::Index, double>>{
           {40, 7, 0.5}, {300, 25, 0.1}, {6, 30, 0.3}, {9, 9, 1.0}, {3, 50, 0.02}}) {
    INFO(rows << " x " << cols << " at density " << density);
    const ef21::data::SparseRowMatrix a = ef21::test::to_sparse(ef21::test::random_features(rng, rows, cols, density));
    const Eigen::SparseMatrix<double> column_major = a;
    const Eigen::MatrixXd reference =
        cols <= rows ? Eigen::MatrixXd(Eigen::SparseMatrix<double>((column_major.transpose() * column_major).pruned()))
                     : Eigen::MatrixXd(Eigen::SparseMatrix<double>((column_major * column_major.transpose()).pruned()));
    const Eigen::MatrixXd gram = ef21::problems::sparse_gram(a);
    REQUIRE(gram.rows() == reference.rows());
    REQUIRE(gram.cols() == reference.cols());
    CHECK((gram.array() == reference.array()).all());
  }
}
