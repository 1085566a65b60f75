#pragma once
// Smoothness constants of the objectives (DESIGN §7): they set the theory stepsize, so an
// error in them shifts the whole trajectory.
#include "models/data/dataset.hpp"
#include "models/problems/problem_spec.hpp"

namespace ef21::problems {

/// lambda_max(A^T A) of the feature matrix, via a dense symmetric eigen-solver on the smaller
/// of A^T A (d x d) and A A^T (m x m); relative accuracy ~ size * machine epsilon.
double largest_gram_eigenvalue(const data::FeatureMatrix& features);

/// L of f on these rows: logreg-nonconvex lambda_max/(4m) + 2 lambda; logreg
/// lambda_max/(4m) + lambda; least-squares lambda_max/m + lambda.
double smoothness_constant(const ProblemSpec& spec, const data::Dataset& rows);

}  // namespace ef21::problems
