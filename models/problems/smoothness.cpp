#include "models/problems/smoothness.hpp"

#include <Eigen/Eigenvalues>

#include "models/support/check.hpp"

namespace ef21::problems {
namespace {

double largest_eigenvalue(const Eigen::MatrixXd& symmetric) {
  if (symmetric.rows() == 0) return 0.0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(symmetric, Eigen::EigenvaluesOnly);
  EF21_CHECK(solver.info() == Eigen::Success, "symmetric eigen-solver did not converge");
  return std::max(0.0, solver.eigenvalues().maxCoeff());  // eigenvalues sorted ascending
}

}  // namespace

Eigen::MatrixXd sparse_gram(const data::SparseRowMatrix& a) {
  const auto* outer = a.outerIndexPtr();
  const auto* inner = a.innerIndexPtr();  // sorted within each row (compressed CSR)
  const auto* values = a.valuePtr();
  if (a.cols() <= a.rows()) {
    // A^T A: every row adds its outer product. Only the upper triangle (c_p <= c_q) is
    // accumulated, then mirrored: both halves would hold the same products in the same order.
    Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(a.cols(), a.cols());
    for (Eigen::Index r = 0; r < a.rows(); ++r) {
      for (auto p = outer[r]; p < outer[r + 1]; ++p) {
        const double vp = values[p];
        double* column = gram.data() + static_cast<Eigen::Index>(inner[p]) * a.cols();  // gram(., c_p)
        for (auto q = outer[r]; q <= p; ++q) column[inner[q]] += values[q] * vp;   // gram(c_q, c_p), c_q <= c_p
      }
    }
    for (Eigen::Index j = 0; j < a.cols(); ++j)
      for (Eigen::Index i = j + 1; i < a.cols(); ++i) gram(i, j) = gram(j, i);
    return gram;
  }
  // A A^T: entry (r, s) is the sparse dot product of rows r and s, by merging their sorted
  // column lists (ascending column order, as the sparse product sums).
  Eigen::MatrixXd gram = Eigen::MatrixXd::Zero(a.rows(), a.rows());
  for (Eigen::Index r = 0; r < a.rows(); ++r) {
    for (Eigen::Index s = 0; s <= r; ++s) {
      double sum = 0.0;
      auto p = outer[r], q = outer[s];
      while (p < outer[r + 1] && q < outer[s + 1]) {
        if (inner[p] < inner[q]) {
          ++p;
        } else if (inner[q] < inner[p]) {
          ++q;
        } else {
          sum += values[p] * values[q];
          ++p;
          ++q;
        }
      }
      gram(r, s) = sum;
      gram(s, r) = sum;
    }
  }
  return gram;
}

double largest_gram_eigenvalue(const data::FeatureMatrix& features) {
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&features))
    return largest_eigenvalue(sparse_gram(*sparse));
  const auto& dense = std::get<data::DenseRowMatrix>(features);
  if (dense.cols() <= dense.rows()) return largest_eigenvalue(dense.transpose() * dense);
  return largest_eigenvalue(dense * dense.transpose());
}

double smoothness_constant(const ProblemSpec& spec, const data::Dataset& rows) {
  EF21_CHECK(rows.rows() > 0, "smoothness of an empty dataset");
  const double m = static_cast<double>(rows.rows());
  const double lambda_max = largest_gram_eigenvalue(rows.features);
  switch (spec.kind) {
    case ProblemKind::logreg_nonconvex:
      return lambda_max / (4.0 * m) + 2.0 * spec.lambda;
    case ProblemKind::logreg:
      return lambda_max / (4.0 * m) + spec.lambda;
    case ProblemKind::least_squares:
      return lambda_max / m + spec.lambda;
  }
  EF21_CHECK(false, "unknown problem kind");
}

}  // namespace ef21::problems
