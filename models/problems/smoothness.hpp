#pragma once
// Smoothness constants of the objectives (DESIGN §7): they set the theory stepsize, so an
// error in them shifts the whole trajectory.
//
// Everything rests on lambda_max(A^T A) of a feature matrix A (m x d). It equals
// lambda_max(A A^T), so the solvers work on G, the smaller of the two (n x n, n = min(m, d)):
//  - dense: G formed explicitly and a dense symmetric eigen-solver: O(n^2) memory and
//    O(n^3) time, exact to ~ n * machine epsilon. The small sizes (every shipped dataset, the
//    small shards of many workers) and the golden outputs use it.
//  - Lanczos: matrix-free, G v = A^T (A v) (or A (A^T v)) in two passes over the stored
//    values; thick-restart (Krylov-Schur) Lanczos with full reorthogonalization in a basis
//    of at most kLanczosBasis vectors: O(nnz + m + d) memory, a few passes over the data per
//    step. Converged when the Ritz pair's residual ||G u - theta u|| is at most
//    kLanczosTolerance * theta, first as Lanczos estimates it, then recomputed from an
//    explicit product (the residual check). A residual r bounds the eigenvalue error by r
//    (Weyl) and by r^2 / gap, so the value is far more accurate than the 1e-13 asked.
// Both are deterministic: a fixed start vector, no threads, a fixed order of operations.
#include "models/data/dataset.hpp"
#include "models/problems/problem_spec.hpp"

namespace ef21::problems {

/// The smaller Gram matrix of a CSR matrix A (N x d), dense: A^T A (d x d) if d <= N, else
/// A A^T (N x N). Each entry is summed in ascending row (resp. column) order starting from 0,
/// exactly the order of Eigen's sparse product, so the result is bit-identical to
/// MatrixXd((A^T A).pruned()) at a fraction of the cost (no sparse result to build: 1M rows
/// x 10 nonzeros, d = 1000, in ~0.2 s instead of ~5 s).
Eigen::MatrixXd sparse_gram(const data::SparseRowMatrix& a);

/// How largest_gram_eigenvalue computes lambda_max.
enum class GramEigenSolver {
  automatic,  ///< dense where dense_gram_is_cheaper says so, else Lanczos
  dense,      ///< always the dense solver (n^2 memory: tests and small sizes only)
  lanczos,    ///< always the matrix-free Lanczos iteration
};

/// Relative residual at which the Lanczos iteration stops (see the file comment).
inline constexpr double kLanczosTolerance = 1e-13;
/// Largest Lanczos basis (vectors of n doubles) between restarts; a restart keeps the
/// kLanczosKept Ritz vectors of largest Ritz values.
inline constexpr Eigen::Index kLanczosBasis = 48;
inline constexpr Eigen::Index kLanczosKept = 16;
/// Largest n for which the dense solver is ever chosen automatically (n^2 doubles = 128 MiB).
inline constexpr Eigen::Index kDenseGramMaxSize = 4096;
/// Up to this n the dense solver is always chosen: it then costs little (4/3 n^3 <= 1.8e8
/// flops for the eigen-solve; 6.5 ms for a w8a shard, n = 300), and it keeps the constants of every
/// shipped dataset and of the paper's shards (n = 112, 123, 300) bit for bit what they were
/// before Lanczos existed, and with them the golden outputs.
inline constexpr Eigen::Index kDenseGramAlwaysSize = 512;

/// What the Lanczos solver found, for tests and benchmarks.
struct LanczosResult {
  double value = 0.0;         ///< lambda_max: the Rayleigh quotient of the final unit Ritz vector u
  double residual = 0.0;      ///< ||G u - value u|| / value, from the explicit product (0 when value is 0)
  std::int64_t products = 0;  ///< products G v computed (the residual check included)
  std::int64_t restarts = 0;
  Eigen::Index size = 0;  ///< n: the order of G
};

/// lambda_max(A^T A) by the Lanczos iteration, whatever the size. Throws InternalError if it
/// has not converged after 100 n + 10 000 products (never seen: the start vector has a
/// component along every eigenvector with probability 1).
LanczosResult gram_eigenvalue_lanczos(const data::FeatureMatrix& features);

/// lambda_max(A^T A) by the dense solver; relative accuracy ~ n * machine epsilon.
double gram_eigenvalue_dense(const data::FeatureMatrix& features);

/// Whether the automatic choice is the dense solver: n <= kDenseGramAlwaysSize, or
/// n <= kDenseGramMaxSize and the dense solver costs fewer operations than the Lanczos
/// iteration is expected to. Forming G costs sum_r nnz_r^2 / 2 (A^T A) or m nnz (A A^T),
/// reducing it 4 n^3 / 3; a Lanczos step costs two passes over the nnz values and the
/// reorthogonalization, ~ 4 (nnz + 32 n), and 200 steps are budgeted (spectra with a
/// separated top need tens, the flat tops of random matrices a few hundred). Depends on the
/// shape and nnz only, so the choice is reproducible.
bool dense_gram_is_cheaper(const data::FeatureMatrix& features);

/// lambda_max(A^T A) of the feature matrix, by `solver`.
double largest_gram_eigenvalue(const data::FeatureMatrix& features,
                               GramEigenSolver solver = GramEigenSolver::automatic);

/// L of f on these rows: logreg-nonconvex lambda_max/(4m) + 2 lambda; logreg
/// lambda_max/(4m) + lambda; least-squares lambda_max/m + lambda.
double smoothness_constant(const ProblemSpec& spec, const data::Dataset& rows);

}  // namespace ef21::problems
