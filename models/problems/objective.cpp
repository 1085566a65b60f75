#include "models/problems/objective.hpp"

#include "models/problems/logistic_math.hpp"
#include "models/problems/smoothness.hpp"
#include "models/support/check.hpp"

namespace ef21::problems {
namespace {

/// Per-row loss and its derivative with respect to the margin z = a_j^T x.
struct RowLoss {
  double value;
  double slope;
};

RowLoss row_loss(ProblemKind kind, double z, double label) {
  if (kind == ProblemKind::least_squares) {
    const double r = z - label;
    return {0.5 * r * r, r};
  }
  // log(1 + exp(-b z)); d/dz = -b sigma(-b z). log1p_exp(t) and sigmoid(t) both evaluate
  // exp(-|t|) (exp(-t) for t > 0, exp(t) for t <= 0): compute it once. Same values, bit for
  // bit, as log1p_exp(t) and -label * sigmoid(t) (logistic_math.hpp).
  const double t = -label * z;
  const double e = std::exp(-std::abs(t));
  const double value = t > 0.0 ? t + std::log1p(e) : std::log1p(e);
  const double sigma = t >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
  return {value, -label * sigma};
}

/// One coordinate of the nonconvex regulariser: x^2 / (1 + x^2) (summed, then times lambda)
/// and its derivative 2 lambda x / (1 + x^2)^2. The single definition every path below uses,
/// so the value, the fused gradient and the shared RegulariserAt agree bit for bit.
struct NonconvexTerm {
  double value;
  double derivative;
};

NonconvexTerm nonconvex_term(double lambda, double xl) {
  const double q = 1.0 + xl * xl;
  return {xl * xl / q, 2.0 * lambda * xl / (q * q)};
}

/// Adds the regulariser's value and gradient; returns its value.
double add_regulariser(const ProblemSpec& spec, const Eigen::Ref<const Eigen::VectorXd>& x,
                       Eigen::Ref<Eigen::VectorXd> gradient) {
  const double lambda = spec.lambda;
  if (spec.kind == ProblemKind::logreg_nonconvex) {
    double sum = 0.0;
    for (Eigen::Index l = 0; l < x.size(); ++l) {
      const NonconvexTerm term = nonconvex_term(lambda, x[l]);
      sum += term.value;
      gradient[l] += term.derivative;
    }
    return lambda * sum;
  }
  // (lambda / 2) ||x||^2
  gradient += lambda * x;
  return 0.5 * lambda * x.squaredNorm();
}

double regulariser_value(const ProblemSpec& spec, const Eigen::Ref<const Eigen::VectorXd>& x) {
  if (spec.kind == ProblemKind::logreg_nonconvex) {
    double sum = 0.0;
    for (Eigen::Index l = 0; l < x.size(); ++l) sum += nonconvex_term(spec.lambda, x[l]).value;
    return spec.lambda * sum;
  }
  return 0.5 * spec.lambda * x.squaredNorm();
}

}  // namespace

void regulariser_at(const ProblemSpec& spec, const Eigen::Ref<const Eigen::VectorXd>& x, RegulariserAt& out) {
  // The same arithmetic as add_regulariser, whose terms are added to a gradient one by one.
  out.gradient.resize(x.size());
  const double lambda = spec.lambda;
  if (spec.kind == ProblemKind::logreg_nonconvex) {
    double sum = 0.0;
    for (Eigen::Index l = 0; l < x.size(); ++l) {
      const NonconvexTerm term = nonconvex_term(lambda, x[l]);
      sum += term.value;
      out.gradient[l] = term.derivative;
    }
    out.value = lambda * sum;
    return;
  }
  out.gradient = lambda * x;
  out.value = 0.5 * lambda * x.squaredNorm();
}

Objective::Objective(const ProblemSpec& spec, data::Dataset shard)
    : spec_(spec), shard_(std::move(shard)), smoothness_(smoothness_constant(spec_, shard_)) {
  EF21_CHECK(shard_.rows() > 0, "a worker's shard must hold at least one row");
}

double Objective::value(const Eigen::Ref<const Eigen::VectorXd>& x) const {
  EF21_CHECK(x.size() == dim(), "x has the wrong dimension");
  double loss = 0.0;
  const auto& labels = shard_.labels;
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features)) {
    const auto* outer = sparse->outerIndexPtr();
    const auto* inner = sparse->innerIndexPtr();
    const auto* values = sparse->valuePtr();
    for (Eigen::Index j = 0; j < sparse->rows(); ++j) {
      double z = 0.0;
      for (auto p = outer[j]; p < outer[j + 1]; ++p) z += values[p] * x[inner[p]];
      loss += row_loss(spec_.kind, z, labels[j]).value;
    }
  } else {
    const auto& dense = std::get<data::DenseRowMatrix>(shard_.features);
    for (Eigen::Index j = 0; j < dense.rows(); ++j)
      loss += row_loss(spec_.kind, dense.row(j).dot(x.transpose()), labels[j]).value;
  }
  // Same arithmetic as value_and_gradient (multiply by 1/m, not divide by m), so both report
  // f_i(x) to the last bit.
  return loss * (1.0 / static_cast<double>(rows())) + regulariser_value(spec_, x);
}

double Objective::loss_and_gradient_sum(const Eigen::Ref<const Eigen::VectorXd>& x,
                                        Eigen::Ref<Eigen::VectorXd> gradient) const {
  gradient.setZero();
  double loss = 0.0;
  const auto& labels = shard_.labels;
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features)) {
    const auto* outer = sparse->outerIndexPtr();
    const auto* inner = sparse->innerIndexPtr();
    const auto* values = sparse->valuePtr();
    double* g = gradient.data();
    const double* xp = x.data();
    for (Eigen::Index j = 0; j < sparse->rows(); ++j) {
      double z = 0.0;
      for (auto p = outer[j]; p < outer[j + 1]; ++p) z += values[p] * xp[inner[p]];
      const RowLoss row = row_loss(spec_.kind, z, labels[j]);
      loss += row.value;
      for (auto p = outer[j]; p < outer[j + 1]; ++p) g[inner[p]] += row.slope * values[p];
    }
  } else {
    const auto& dense = std::get<data::DenseRowMatrix>(shard_.features);
    const Eigen::Index cols = dense.cols();
    for (Eigen::Index j = 0; j < dense.rows(); ++j) {
      const auto row = dense.row(j);
      // The dot product's additions wait on loads: ask for the row four ahead early (no
      // effect on the arithmetic).
      if (j + 4 < dense.rows()) {
        const char* next = reinterpret_cast<const char*>(dense.data() + (j + 4) * cols);
        for (Eigen::Index byte = 0; byte < cols * static_cast<Eigen::Index>(sizeof(double)); byte += 64)
          __builtin_prefetch(next + byte);
      }
      const RowLoss r = row_loss(spec_.kind, row.dot(x.transpose()), labels[j]);
      loss += r.value;
      gradient += r.slope * row.transpose();
    }
  }
  return loss;
}

double Objective::value_and_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                                     Eigen::Ref<Eigen::VectorXd> gradient) const {
  EF21_CHECK(x.size() == dim() && gradient.size() == dim(), "x or gradient has the wrong dimension");
  const double loss = loss_and_gradient_sum(x, gradient);
  const double inv_m = 1.0 / static_cast<double>(rows());
  gradient *= inv_m;
  return loss * inv_m + add_regulariser(spec_, x, gradient);
}

double Objective::value_and_gradient(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> gradient,
                                     const RegulariserAt& reg) const {
  EF21_CHECK(x.size() == dim() && gradient.size() == dim() && reg.gradient.size() == dim(),
             "x, gradient or regulariser has the wrong dimension");
  const double loss = loss_and_gradient_sum(x, gradient);
  const double inv_m = 1.0 / static_cast<double>(rows());
  // gradient = gradient * (1/m) + regulariser gradient, coordinate by coordinate: the two
  // roundings of `gradient *= inv_m` then `gradient[l] += term` (no FMA contraction: ISO C++
  // mode and no -march, DESIGN §8).
  double* g = gradient.data();
  const double* r = reg.gradient.data();
  for (Eigen::Index l = 0; l < gradient.size(); ++l) g[l] = g[l] * inv_m + r[l];
  return loss * inv_m + reg.value;
}

double Objective::flops_per_gradient() const {
  return 4.0 * static_cast<double>(shard_.stored_values()) + 20.0 * static_cast<double>(rows()) +
         6.0 * static_cast<double>(dim());
}

}  // namespace ef21::problems
