#include "models/problems/smoothness.hpp"

#include <fmt/format.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "models/problems/sparse_rows.hpp"
#include "models/support/check.hpp"
#include "models/support/rng.hpp"

namespace ef21::problems {
namespace {

double largest_eigenvalue(const Eigen::MatrixXd& symmetric) {
  if (symmetric.rows() == 0) return 0.0;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(symmetric, Eigen::EigenvaluesOnly);
  EF21_CHECK(solver.info() == Eigen::Success, "symmetric eigen-solver did not converge");
  return std::max(0.0, solver.eigenvalues().maxCoeff());  // eigenvalues sorted ascending
}

/// G x for G the smaller of A^T A and A A^T, without forming G.
class GramOperator {
 public:
  explicit GramOperator(const data::FeatureMatrix& features)
      : sparse_(std::get_if<data::SparseRowMatrix>(&features)),
        dense_(std::get_if<data::DenseRowMatrix>(&features)),
        rows_(sparse_ != nullptr ? sparse_->rows() : dense_->rows()),
        cols_(sparse_ != nullptr ? sparse_->cols() : dense_->cols()),
        normal_(cols_ <= rows_) {
    // The intermediate vector: A x (m) for A^T A on dense storage, A^T x (d) for A A^T. The
    // sparse A^T A product needs none (it is fused row by row).
    if (!normal_)
      scratch_.resize(cols_);
    else if (dense_ != nullptr)
      scratch_.resize(rows_);
  }

  /// n, the order of G: min(m, d).
  Eigen::Index size() const { return normal_ ? cols_ : rows_; }

  /// y = G x (n doubles each, not overlapping). Returns x^T G x computed as the squared norm
  /// of the intermediate, ||A x||^2 or ||A^T x||^2: a sum of squares, free of cancellation.
  double apply(const double* x, double* y) {
    const Eigen::Index n = size();
    if (sparse_ != nullptr) {
      const auto* outer = sparse_->outerIndexPtr();
      const auto* inner = sparse_->innerIndexPtr();
      const double* values = sparse_->valuePtr();
      double quadratic = 0.0;
      if (normal_) {
        // A^T A x = sum_r (a_r . x) a_r: one pass over the rows, each row read twice from cache.
        std::fill(y, y + n, 0.0);
        for (Eigen::Index r = 0; r < rows_; ++r) {
          const double z = sparse_row_dot<false>(inner, values, outer[r], outer[r + 1], x);
          quadratic += z * z;
          sparse_row_add_scaled<false>(inner, values, outer[r], outer[r + 1], z, y);
        }
        return quadratic;
      }
      // A A^T x: t = A^T x = sum_r x_r a_r (d doubles), then y_r = a_r . t.
      scratch_.setZero();
      double* t = scratch_.data();
      for (Eigen::Index r = 0; r < rows_; ++r)
        sparse_row_add_scaled<false>(inner, values, outer[r], outer[r + 1], x[r], t);
      for (Eigen::Index r = 0; r < rows_; ++r)
        y[r] = sparse_row_dot<false>(inner, values, outer[r], outer[r + 1], t);
      return scratch_.squaredNorm();
    }
    const Eigen::Map<const Eigen::VectorXd> in(x, n);
    Eigen::Map<Eigen::VectorXd> out(y, n);
    if (normal_) {
      scratch_.noalias() = *dense_ * in;
      out.noalias() = dense_->transpose() * scratch_;
    } else {
      scratch_.noalias() = dense_->transpose() * in;
      out.noalias() = *dense_ * scratch_;
    }
    return scratch_.squaredNorm();
  }

 private:
  const data::SparseRowMatrix* sparse_;
  const data::DenseRowMatrix* dense_;
  Eigen::Index rows_;
  Eigen::Index cols_;
  bool normal_;  // G = A^T A (n = d); else G = A A^T (n = m)
  Eigen::VectorXd scratch_;
};

/// Seed of the Lanczos start vector: fixed, so that the constants are reproducible.
constexpr std::uint64_t kLanczosSeed = 0x6c616e637a6f73;  // "lanczos"

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

double gram_eigenvalue_dense(const data::FeatureMatrix& features) {
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&features))
    return largest_eigenvalue(sparse_gram(*sparse));
  const auto& dense = std::get<data::DenseRowMatrix>(features);
  if (dense.cols() <= dense.rows()) return largest_eigenvalue(dense.transpose() * dense);
  return largest_eigenvalue(dense * dense.transpose());
}

LanczosResult gram_eigenvalue_lanczos(const data::FeatureMatrix& features) {
  GramOperator gram(features);
  const Eigen::Index n = gram.size();
  LanczosResult result;
  result.size = n;
  if (n == 0) return result;

  // Krylov-Schur form: G V_j = V_j H_j + beta_j v_{j+1} e_j^T, V orthonormal (columns of v),
  // H_j = V_j^T G V_j symmetric, kept in the upper triangle of h. After a restart the first
  // `kept` columns are Ritz vectors (H diagonal there) and the next is the old v_{j+1}.
  const Eigen::Index basis = std::min(n, kLanczosBasis);
  const Eigen::Index kept = std::min(kLanczosKept, basis - 1);
  Eigen::MatrixXd v(n, basis + 1);
  Eigen::MatrixXd h = Eigen::MatrixXd::Zero(basis, basis);
  Eigen::MatrixXd projected(basis, basis);
  Eigen::MatrixXd restarted(n, kept);
  Eigen::VectorXd w(n), coefficients(basis), correction(basis), u(n), gu(n);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> ritz(basis);

  Rng rng = Rng::stream(kLanczosSeed, "smoothness.lanczos");
  for (Eigen::Index l = 0; l < n; ++l) v(l, 0) = rng.normal();
  v.col(0).normalize();

  const std::int64_t max_products = 100 * static_cast<std::int64_t>(n) + 10000;
  Eigen::Index first = 0;  // columns [0, first) are kept Ritz vectors
  for (;;) {
    for (Eigen::Index j = first; j < basis; ++j) {
      gram.apply(v.col(j).data(), w.data());
      ++result.products;
      // Full reorthogonalization against v_0..v_j by classical Gram-Schmidt, twice ("twice is
      // enough"): keeps V orthonormal to working precision, so no spurious copies of the top
      // Ritz value appear and the residual estimate below stays honest.
      const auto done = v.leftCols(j + 1);
      coefficients.head(j + 1).noalias() = done.transpose() * w;
      w.noalias() -= done * coefficients.head(j + 1);
      correction.head(j + 1).noalias() = done.transpose() * w;
      w.noalias() -= done * correction.head(j + 1);
      h.col(j).head(j + 1) = coefficients.head(j + 1) + correction.head(j + 1);
      // stableNorm: Gram entries may be far from 1 (1e-240 squared underflows to 0 in norm()).
      const double beta = w.stableNorm();

      // Rayleigh-Ritz on H_{j+1}; eigenvalues ascend, so the last pair is the top one. Its
      // residual is beta |y_j| (the Krylov-Schur relation above).
      projected.topLeftCorner(j + 1, j + 1) = h.topLeftCorner(j + 1, j + 1).selfadjointView<Eigen::Upper>();
      ritz.compute(projected.topLeftCorner(j + 1, j + 1));
      EF21_CHECK(ritz.info() == Eigen::Success, "Lanczos: the projected eigen-problem did not converge");
      const double theta = ritz.eigenvalues()[j];
      const double estimate = beta * std::abs(ritz.eigenvectors()(j, j));
      if (estimate <= kLanczosTolerance * std::abs(theta) || beta == 0.0) {
        // The residual check: the Ritz vector's residual from an explicit product.
        u.noalias() = done * ritz.eigenvectors().col(j);
        u.normalize();
        const double rho = gram.apply(u.data(), gu.data());
        ++result.products;
        const double residual = (gu - rho * u).stableNorm();
        if (residual <= kLanczosTolerance * rho || residual == 0.0) {
          result.value = rho;
          result.residual = rho > 0.0 ? residual / rho : 0.0;
          return result;
        }
        // Not confirmed (the estimate was optimistic): go on while a direction remains.
      }
      EF21_CHECK(result.products < max_products && beta > 0.0,
                 fmt::format("Lanczos did not converge: {} products on a Gram matrix of order {}",
                             result.products, n));
      v.col(j + 1) = w / beta;
    }
    // The basis is full: thick restart with the `kept` largest Ritz pairs of H (the last
    // decomposition computed, of order `basis`).
    restarted.noalias() = v.leftCols(basis) * ritz.eigenvectors().rightCols(kept);
    v.leftCols(kept) = restarted;
    v.col(kept) = v.col(basis);
    h.setZero();
    h.diagonal().head(kept) = ritz.eigenvalues().tail(kept);
    first = kept;
    ++result.restarts;
  }
}

bool dense_gram_is_cheaper(const data::FeatureMatrix& features) {
  const auto* sparse = std::get_if<data::SparseRowMatrix>(&features);
  const auto* dense = std::get_if<data::DenseRowMatrix>(&features);
  const double m = static_cast<double>(sparse != nullptr ? sparse->rows() : dense->rows());
  const double d = static_cast<double>(sparse != nullptr ? sparse->cols() : dense->cols());
  const double n = std::min(m, d);
  if (n <= static_cast<double>(kDenseGramAlwaysSize)) return true;
  if (n > static_cast<double>(kDenseGramMaxSize)) return false;
  double form = 0.0;  // multiply-adds to form G
  double stored = 0.0;
  if (sparse != nullptr) {
    stored = static_cast<double>(sparse->nonZeros());
    if (d <= m) {
      const auto* outer = sparse->outerIndexPtr();
      for (Eigen::Index r = 0; r < sparse->rows(); ++r) {
        const double count = static_cast<double>(outer[r + 1] - outer[r]);
        form += count * (count + 1.0) / 2.0;
      }
    } else {
      form = (m + 1.0) * stored;  // m (m + 1) / 2 merges of two rows, 2 nnz / m entries each
    }
  } else {
    stored = m * d;
    form = n * m * d;
  }
  constexpr double kBudgetedSteps = 200.0;
  const double reorthogonalization = static_cast<double>(kLanczosBasis + kLanczosKept) / 2.0;
  const double dense_cost = form + 4.0 / 3.0 * n * n * n;
  const double lanczos_cost = kBudgetedSteps * 4.0 * (stored + reorthogonalization * n);
  return dense_cost <= lanczos_cost;
}

double largest_gram_eigenvalue(const data::FeatureMatrix& features, GramEigenSolver solver) {
  switch (solver) {
    case GramEigenSolver::automatic:
      return dense_gram_is_cheaper(features) ? gram_eigenvalue_dense(features)
                                             : gram_eigenvalue_lanczos(features).value;
    case GramEigenSolver::dense:
      return gram_eigenvalue_dense(features);
    case GramEigenSolver::lanczos:
      return gram_eigenvalue_lanczos(features).value;
  }
  EF21_CHECK(false, "unknown Gram eigen-solver");
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
