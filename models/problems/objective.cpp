#include "models/problems/objective.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "models/problems/dense_rows.hpp"
#include "models/problems/logistic_math.hpp"
#include "models/problems/smoothness.hpp"
#include "models/problems/sparse_rows.hpp"
#include "models/support/check.hpp"
#include "models/support/parallel_chunks.hpp"

namespace ef21::problems {
namespace {

/// Per-row loss and its derivative with respect to the margin z = a_j^T x.
struct RowLoss {
  double value;
  double slope;
};

/// With Value = false, a logistic row skips its log1p (the costliest part of a sparse row)
/// and `value` is |t| instead: log(1 + e^t) <= |t| + log 2, so the rows' sum plus m bounds
/// the loss sum (see Objective::gradient_and_value_bound). Least squares computes its
/// value either way (it costs one multiplication); it is nonnegative, so it is its own bound.
template <bool Value = true>
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
  // One division with the numerator chosen by a bit mask, not a branch: the sign of t
  // follows the data, and a mispredicted branch costs more than the whole select (GCC turns
  // a floating-point ?: here back into a branch).
  const std::uint64_t keep_one = std::uint64_t{0} - static_cast<std::uint64_t>(t >= 0.0);
  const double numerator = std::bit_cast<double>((std::bit_cast<std::uint64_t>(1.0) & keep_one) |
                                                 (std::bit_cast<std::uint64_t>(e) & ~keep_one));
  const double sigma = numerator / (1.0 + e);
  if constexpr (!Value) return {std::abs(t), -label * sigma};
  // (t > 0 ? t : 0) + log1p(e): the same bits as t + log1p(e) or log1p(e) (log1p(e) >= 0, so
  // 0 + log1p(e) is log1p(e) exactly), with no branch on the sign of t.
  const double value = (t > 0.0 ? t : 0.0) + std::log1p(e);
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

/// The sparse shard's part of Objective::loss_and_gradient_sum (same contract).
///
/// Row by row, margin -> exp -> scatter is one long chain of dependent latencies. In blocks of
/// rows, each phase's rows are independent, so the margins, the exps and the scatters of a
/// block overlap in the core. The arithmetic is the row-by-row one: each margin is summed in
/// storage order, the loss and every gradient coordinate in row order, so the result is the
/// same to the last bit.
/// `inner`: the column of each stored value, as positions into `xp` and `g` (the shard's own
/// column indices into d-long vectors, or its compact ones into |S_i|-long vectors).
template <bool Value, bool UnitValues>
double sparse_loss_and_gradient_sum(ProblemKind kind, const data::SparseRowMatrix& features,
                                    const std::int32_t* inner, const Eigen::VectorXd& labels,
                                    const double* xp, double* g) {
  const auto* outer = features.outerIndexPtr();
  const double* values = features.valuePtr();
  constexpr Eigen::Index kBlock = 32;  // rows: their margins and slopes stay in registers/L1
  double margin[kBlock];
  double slope[kBlock];
  double loss = 0.0;
  for (Eigen::Index first = 0; first < features.rows(); first += kBlock) {
    const Eigen::Index count = std::min(kBlock, features.rows() - first);
    const auto* row = outer + first;
    for (Eigen::Index r = 0; r < count; ++r)
      margin[r] = sparse_row_dot<UnitValues>(inner, values, row[r], row[r + 1], xp);
    for (Eigen::Index r = 0; r < count; ++r) {
      const RowLoss row_loss_r = row_loss<Value>(kind, margin[r], labels[first + r]);
      loss += row_loss_r.value;
      slope[r] = row_loss_r.slope;
    }
    for (Eigen::Index r = 0; r < count; ++r)
      sparse_row_add_scaled<UnitValues>(inner, values, row[r], row[r + 1], slope[r], g);
  }
  return loss;
}

/// Whether every stored value of a sparse shard is exactly 1.0 (sparse_rows.hpp: UnitValues).
bool has_unit_values(const data::Dataset& shard) {
  const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard.features);
  if (sparse == nullptr) return false;
  const double* values = sparse->valuePtr();
  return std::all_of(values, values + sparse->nonZeros(), [](double v) { return v == 1.0; });
}

}  // namespace

void regulariser_at(const ProblemSpec& spec, const Eigen::Ref<const Eigen::VectorXd>& x, RegulariserAt& out,
                    ThreadPool* pool, bool with_value) {
  // The same arithmetic as add_regulariser, whose terms are added to a gradient one by one:
  // each coordinate of the gradient on its own (so in chunks, on any number of threads), the
  // value as its sequential sum over every coordinate (regulariser_value).
  out.gradient.resize(x.size());
  const double lambda = spec.lambda;
  const double* xp = x.data();
  double* g = out.gradient.data();
  if (spec.kind == ProblemKind::logreg_nonconvex) {
    for_each_chunk(pool, x.size(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
      for (std::int64_t l = from; l < to; ++l) g[l] = nonconvex_term(lambda, xp[l]).derivative;
    });
  } else {
    for_each_chunk(pool, x.size(), [&](std::int64_t /*chunk*/, std::int64_t from, std::int64_t to) {
      for (std::int64_t l = from; l < to; ++l) g[l] = lambda * xp[l];
    });
  }
  out.value = with_value ? regulariser_value(spec, x) : std::numeric_limits<double>::quiet_NaN();
}

Objective::Objective(const ProblemSpec& spec, data::Dataset shard)
    : spec_(spec),
      shard_(std::move(shard)),
      smoothness_(smoothness_constant(spec_, shard_)),
      unit_values_(has_unit_values(shard_)) {
  EF21_CHECK(shard_.rows() > 0, "a worker's shard must hold at least one row");
  // The compact form for the gradient on a support: where d-long scratch vectors stop being
  // cache-resident, and only for shards that use few columns (as EF21's compact workers).
  const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features);
  if (sparse != nullptr && dim() >= kCompactFormDim && 4 * shard_.stored_values() <= dim()) {
    const std::int32_t* inner = sparse->innerIndexPtr();
    const auto stored = static_cast<std::size_t>(sparse->nonZeros());
    columns_.assign(inner, inner + stored);
    std::sort(columns_.begin(), columns_.end());
    columns_.erase(std::unique(columns_.begin(), columns_.end()), columns_.end());
    local_inner_.resize(stored);
    for (std::size_t p = 0; p < stored; ++p)
      local_inner_[p] = static_cast<std::int32_t>(
          std::lower_bound(columns_.begin(), columns_.end(), inner[p]) - columns_.begin());
    columns_.push_back(-1);  // the slot past S_i (compact_gradient's branch-free merge reads it)
  }
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
      const double z = unit_values_ ? sparse_row_dot<true>(inner, values, outer[j], outer[j + 1], x.data())
                                    : sparse_row_dot<false>(inner, values, outer[j], outer[j + 1], x.data());
      loss += row_loss(spec_.kind, z, labels[j]).value;
    }
  } else {
    // The margins of kDenseBlockRows rows at a time, each bit for bit row.dot(x)
    // (dense_rows.hpp); the losses summed in row order.
    const auto& dense = std::get<data::DenseRowMatrix>(shard_.features);
    const Eigen::Index cols = dense.cols();
    double margin[kDenseBlockRows];
    for (Eigen::Index first = 0; first < dense.rows(); first += kDenseBlockRows) {
      const Eigen::Index count = std::min(kDenseBlockRows, dense.rows() - first);
      dot_rows(dense.data() + first * cols, count, cols, x.data(), margin);
      for (Eigen::Index r = 0; r < count; ++r)
        loss += row_loss(spec_.kind, margin[r], labels[first + r]).value;
    }
  }
  // Same arithmetic as value_and_gradient (multiply by 1/m, not divide by m), so both report
  // f_i(x) to the last bit.
  return loss * (1.0 / static_cast<double>(rows())) + regulariser_value(spec_, x);
}

template <bool Value>
double Objective::loss_and_gradient_sum(const Eigen::Ref<const Eigen::VectorXd>& x,
                                        Eigen::Ref<Eigen::VectorXd> gradient) const {
  gradient.setZero();
  return add_loss_gradient<Value>(x, gradient);
}

template <bool Value>
double Objective::add_loss_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                                    Eigen::Ref<Eigen::VectorXd> gradient) const {
  double loss = 0.0;
  const auto& labels = shard_.labels;
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features)) {
    const std::int32_t* inner = sparse->innerIndexPtr();
    loss = unit_values_ ? sparse_loss_and_gradient_sum<Value, true>(spec_.kind, *sparse, inner, labels,
                                                                    x.data(), gradient.data())
                        : sparse_loss_and_gradient_sum<Value, false>(spec_.kind, *sparse, inner, labels,
                                                                     x.data(), gradient.data());
  } else {
    // Blocks of kDenseBlockRows rows: their margins in one interleaved pass (dot_rows), their
    // losses in row order, then one pass adding all of them to the gradient (add_scaled_rows).
    // Bit for bit the row-by-row loop `z = row.dot(x); gradient += slope * row` (each margin
    // in Eigen's summation order, each coordinate's terms in row order; dense_rows.hpp), with
    // the rows' add chains overlapping and one load and store of the gradient per block.
    const auto& dense = std::get<data::DenseRowMatrix>(shard_.features);
    const Eigen::Index cols = dense.cols();
    double margin[kDenseBlockRows];
    double slope[kDenseBlockRows];
    for (Eigen::Index first = 0; first < dense.rows(); first += kDenseBlockRows) {
      const Eigen::Index count = std::min(kDenseBlockRows, dense.rows() - first);
      const double* block = dense.data() + first * cols;
      dot_rows(block, count, cols, x.data(), margin);
      for (Eigen::Index r = 0; r < count; ++r) {
        const RowLoss row = row_loss<Value>(spec_.kind, margin[r], labels[first + r]);
        loss += row.value;
        slope[r] = row.slope;
      }
      add_scaled_rows(block, count, cols, slope, gradient.data());
    }
  }
  return loss;
}

double Objective::value_and_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                                     Eigen::Ref<Eigen::VectorXd> gradient) const {
  EF21_CHECK(x.size() == dim() && gradient.size() == dim(), "x or gradient has the wrong dimension");
  const double loss = loss_and_gradient_sum<true>(x, gradient);
  const double inv_m = 1.0 / static_cast<double>(rows());
  gradient *= inv_m;
  return loss * inv_m + add_regulariser(spec_, x, gradient);
}

double Objective::value_and_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                                     Eigen::Ref<Eigen::VectorXd> gradient, const RegulariserAt& reg) const {
  EF21_CHECK(x.size() == dim() && gradient.size() == dim() && reg.gradient.size() == dim(),
             "x, gradient or regulariser has the wrong dimension");
  const double loss = loss_and_gradient_sum<true>(x, gradient);
  const double inv_m = 1.0 / static_cast<double>(rows());
  finish_gradient(inv_m, reg, gradient);
  return loss * inv_m + reg.value;
}

double Objective::gradient_and_value_bound(const Eigen::Ref<const Eigen::VectorXd>& x,
                                           Eigen::Ref<Eigen::VectorXd> gradient,
                                           const RegulariserAt& reg) const {
  EF21_CHECK(x.size() == dim() && gradient.size() == dim() && reg.gradient.size() == dim(),
             "x, gradient or regulariser has the wrong dimension");
  const double loss_bound = loss_and_gradient_sum<false>(x, gradient);
  const double inv_m = 1.0 / static_cast<double>(rows());
  finish_gradient(inv_m, reg, gradient);
  // The loss sum is at most loss_bound + m (log 2 < 1 per row), so the loss part of f_i is at
  // most loss_bound / m + 1. NaN or +inf anywhere (a margin, the regulariser) stays NaN/+inf.
  return (loss_bound * inv_m + 1.0) + std::abs(reg.value);
}

template <bool Value, typename TermAt, typename Write>
double Objective::compact_gradient(const double* x_on_columns, const TermAt& term_at, double reg_value,
                                   std::span<const std::int32_t> support, GradientScratch& scratch,
                                   const Write& write) const {
  // The pass over |S_i|-long vectors (cache-resident), with the same terms in the same order
  // as the pass over d-long ones.
  const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features);
  const double inv_m = 1.0 / static_cast<double>(rows());
  const std::size_t c = compact_columns().size();
  if (scratch.local_sum.size() < c + 1) scratch.local_sum.resize(c + 1, 0.0);  // all +0.0 between uses
  const double loss =
      unit_values_
          ? sparse_loss_and_gradient_sum<Value, true>(spec_.kind, *sparse, local_inner_.data(), shard_.labels,
                                                      x_on_columns, scratch.local_sum.data())
          : sparse_loss_and_gradient_sum<Value, false>(spec_.kind, *sparse, local_inner_.data(),
                                                       shard_.labels, x_on_columns, scratch.local_sum.data());
  // finish_gradient's arithmetic on the support; outside S_i the loss part is +0. A branch,
  // not a select: E_i is mostly S_i, so it is well predicted, and a select would chain each
  // step to the load of columns[p] (columns_ has one slot past S_i, never a coordinate).
  const std::int32_t* columns = columns_.data();
  double* sum = scratch.local_sum.data();
  std::size_t p = 0;
  for (std::size_t q = 0; q < support.size(); ++q) {
    const std::int32_t l = support[q];
    if (columns[p] == l) {
      write(q, sum[p] * inv_m + term_at(q, l));
      sum[p++] = 0.0;
    } else {
      write(q, 0.0 + term_at(q, l));
    }
  }
  EF21_CHECK(p == c, "a gradient's support must hold every column of the shard");
  if constexpr (Value) return loss * inv_m + reg_value;
  return (loss * inv_m + 1.0) + std::abs(reg_value);  // as gradient_and_value_bound
}

template <bool Value>
double Objective::gradient_on(const Eigen::Ref<const Eigen::VectorXd>& x, const RegulariserAt& reg,
                              std::span<const std::int32_t> support, GradientScratch& scratch,
                              std::vector<double>& values) const {
  const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features);
  EF21_CHECK(sparse != nullptr, "a gradient on a support needs a sparse shard");
  EF21_CHECK(x.size() == dim() && reg.gradient.size() == dim(), "x or regulariser has the wrong dimension");
  const double* r = reg.gradient.data();
  if (!columns_.empty()) {
    // The compact form: x read on S_i, then the pass over |S_i|-long vectors.
    const std::size_t c = compact_columns().size();
    scratch.local_x.resize(c);
    for (std::size_t q = 0; q < c; ++q) scratch.local_x[q] = x[columns_[q]];
    values.resize(support.size());
    double* v = values.data();
    return compact_gradient<Value>(
        scratch.local_x.data(), [r](std::size_t /*q*/, std::int32_t l) { return r[l]; }, reg.value, support,
        scratch, [v](std::size_t q, double g) { v[q] = g; });
  }
  // The data pass adds into the all-zero accumulator exactly what loss_and_gradient_sum
  // adds into its zeroed gradient, so each coordinate holds the same bits; finish_gradient's
  // arithmetic is then applied on the support alone, which zeroes the accumulator again (it
  // holds every stored column, the only coordinates the pass touched).
  const double inv_m = 1.0 / static_cast<double>(rows());
  values.resize(support.size());
  Eigen::VectorXd& accumulator = scratch.accumulator;
  if (accumulator.size() != dim()) accumulator = Eigen::VectorXd::Zero(dim());
  const double loss = add_loss_gradient<Value>(x, accumulator);
  double* a = accumulator.data();
  for (std::size_t q = 0; q < support.size(); ++q) {
    const std::int32_t l = support[q];
    values[q] = a[l] * inv_m + r[l];
    a[l] = 0.0;
  }
  if constexpr (Value) return loss * inv_m + reg.value;
  return (loss * inv_m + 1.0) + std::abs(reg.value);  // as gradient_and_value_bound
}

template <bool Value>
double Objective::gradient_on_gathered(std::span<const double> x_on_columns,
                                       std::span<const double> term_on_support, double reg_value,
                                       std::span<const std::int32_t> support, GradientScratch& scratch,
                                       std::vector<double>* values, std::span<const double> offset,
                                       std::vector<double>* differences) const {
  EF21_CHECK(has_compact_form(), "gathered inputs need the compact form");
  EF21_CHECK(x_on_columns.size() == compact_columns().size() && term_on_support.size() == support.size(),
             "gathered inputs do not match the columns or the support");
  EF21_CHECK(differences == nullptr || offset.size() == support.size(),
             "an offset for every support coordinate");
  EF21_CHECK(values != nullptr || differences != nullptr, "a gradient on a support needs somewhere to go");
  const double* t = term_on_support.data();
  const auto term_at = [t](std::size_t q, std::int32_t /*l*/) { return t[q]; };
  double* v = nullptr;
  if (values != nullptr) {
    values->resize(support.size());
    v = values->data();
  }
  if (differences == nullptr)
    return compact_gradient<Value>(x_on_columns.data(), term_at, reg_value, support, scratch,
                                   [v](std::size_t q, double g) { v[q] = g; });
  differences->resize(support.size());
  double* diff = differences->data();
  const double* o = offset.data();
  if (v == nullptr)
    return compact_gradient<Value>(x_on_columns.data(), term_at, reg_value, support, scratch,
                                   [diff, o](std::size_t q, double g) { diff[q] = g - o[q]; });
  return compact_gradient<Value>(x_on_columns.data(), term_at, reg_value, support, scratch,
                                 [v, diff, o](std::size_t q, double g) {
                                   v[q] = g;
                                   diff[q] = g - o[q];
                                 });
}

template double Objective::gradient_on_gathered<true>(std::span<const double>, std::span<const double>,
                                                      double, std::span<const std::int32_t>, GradientScratch&,
                                                      std::vector<double>*, std::span<const double>,
                                                      std::vector<double>*) const;
template double Objective::gradient_on_gathered<false>(std::span<const double>, std::span<const double>,
                                                       double, std::span<const std::int32_t>,
                                                       GradientScratch&, std::vector<double>*,
                                                       std::span<const double>, std::vector<double>*) const;

double Objective::value_and_gradient_on(const Eigen::Ref<const Eigen::VectorXd>& x, const RegulariserAt& reg,
                                        std::span<const std::int32_t> support, GradientScratch& scratch,
                                        std::vector<double>& values) const {
  return gradient_on<true>(x, reg, support, scratch, values);
}

double Objective::gradient_on_and_value_bound(const Eigen::Ref<const Eigen::VectorXd>& x,
                                              const RegulariserAt& reg, std::span<const std::int32_t> support,
                                              GradientScratch& scratch, std::vector<double>& values) const {
  return gradient_on<false>(x, reg, support, scratch, values);
}

void Objective::finish_gradient(double inv_m, const RegulariserAt& reg,
                                Eigen::Ref<Eigen::VectorXd> gradient) {
  // gradient = gradient * (1/m) + regulariser gradient, coordinate by coordinate: the two
  // roundings of `gradient *= inv_m` then `gradient[l] += term` (no FMA contraction: ISO C++
  // mode and no -march, DESIGN §8).
  double* g = gradient.data();
  const double* r = reg.gradient.data();
  for (Eigen::Index l = 0; l < gradient.size(); ++l) g[l] = g[l] * inv_m + r[l];
}

void Objective::minibatch_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                                   std::span<const std::int32_t> rows, Eigen::Ref<Eigen::VectorXd> gradient,
                                   const RegulariserAt& reg) const {
  EF21_CHECK(x.size() == dim() && gradient.size() == dim() && reg.gradient.size() == dim(),
             "x, gradient or regulariser has the wrong dimension");
  EF21_CHECK(!rows.empty(), "a minibatch needs at least one row");
  gradient.setZero();
  const auto& labels = shard_.labels;
  // Row by row in the given order (a minibatch is small: no blocking).
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features)) {
    const auto* outer = sparse->outerIndexPtr();
    const auto* inner = sparse->innerIndexPtr();
    const double* values = sparse->valuePtr();
    for (const std::int32_t j : rows) {
      EF21_CHECK(j >= 0 && j < sparse->rows(), "minibatch row out of range");
      const double z = sparse_row_dot<false>(inner, values, outer[j], outer[j + 1], x.data());
      const double slope = row_loss<false>(spec_.kind, z, labels[j]).slope;
      sparse_row_add_scaled<false>(inner, values, outer[j], outer[j + 1], slope, gradient.data());
    }
  } else {
    const auto& dense = std::get<data::DenseRowMatrix>(shard_.features);
    for (const std::int32_t j : rows) {
      EF21_CHECK(j >= 0 && j < dense.rows(), "minibatch row out of range");
      const double z = dense.row(j).dot(x);
      const double slope = row_loss<false>(spec_.kind, z, labels[j]).slope;
      gradient += slope * dense.row(j).transpose();
    }
  }
  finish_gradient(1.0 / static_cast<double>(rows.size()), reg, gradient);
}

double Objective::flops_per_minibatch(std::span<const std::int32_t> rows) const {
  double stored = 0.0;
  if (const auto* sparse = std::get_if<data::SparseRowMatrix>(&shard_.features)) {
    const auto* outer = sparse->outerIndexPtr();
    for (const std::int32_t j : rows) stored += static_cast<double>(outer[j + 1] - outer[j]);
  } else {
    stored = static_cast<double>(rows.size()) * static_cast<double>(dim());
  }
  return 4.0 * stored + 20.0 * static_cast<double>(rows.size()) + 6.0 * static_cast<double>(dim());
}

double Objective::flops_per_gradient() const {
  return 4.0 * static_cast<double>(shard_.stored_values()) + 20.0 * static_cast<double>(rows()) +
         6.0 * static_cast<double>(dim());
}

}  // namespace ef21::problems
