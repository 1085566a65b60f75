#pragma once
// Smoothness constants of the objectives (DESIGN §7): they set the theory stepsize, so an
// error in them shifts the whole trajectory.
#include "models/data/dataset.hpp"
#include "models/problems/problem_spec.hpp"

namespace ef21::problems {

/// The smaller Gram matrix of a CSR matrix A (N x d), dense: A^T A (d x d) if d <= N, else
/// A A^T (N x N). Each entry is summed in ascending row (resp. column) order starting from 0,
/// exactly the order of Eigen's sparse product, so the result is bit-identical to
/// MatrixXd((A^T A).pruned()) at a fraction of the cost (no sparse result to build: 1M rows
/// x 10 nonzeros, d = 1000, in ~0.2 s instead of ~5 s).
Eigen::MatrixXd sparse_gram(const data::SparseRowMatrix& a);

/// lambda_max(A^T A) of the feature matrix, via a dense symmetric eigen-solver on the smaller
/// of A^T A (d x d) and A A^T (m x m); relative accuracy ~ size * machine epsilon.
double largest_gram_eigenvalue(const data::FeatureMatrix& features);

/// L of f on these rows: logreg-nonconvex lambda_max/(4m) + 2 lambda; logreg
/// lambda_max/(4m) + lambda; least-squares lambda_max/m + lambda.
double smoothness_constant(const ProblemSpec& spec, const data::Dataset& rows);

}  // namespace ef21::problems
