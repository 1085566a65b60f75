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

double largest_gram_eigenvalue(const data::FeatureMatrix& features) {
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&features)) {
    const Eigen::SparseMatrix<double> a = *sparse;  // column-major copy for the products
    Eigen::SparseMatrix<double> gram;
    if (a.cols() <= a.rows())
      gram = (a.transpose() * a).pruned();
    else
      gram = (a * a.transpose()).pruned();
    return largest_eigenvalue(Eigen::MatrixXd(gram));
  }
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
