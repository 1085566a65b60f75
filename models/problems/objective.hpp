#pragma once
// f_i: one worker's objective on its shard (DESIGN §7), value and gradient fused in one
// pass over the shard's rows.
#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <vector>

#include "models/data/dataset.hpp"
#include "models/problems/problem_spec.hpp"
#include "models/support/thread_pool.hpp"

namespace ef21::problems {

/// The regulariser's value and gradient at one x. Every worker of a round shares x and (in a
/// scenario) the problem spec, so a round computes this once instead of once per worker.
struct RegulariserAt {
  double value = 0.0;
  Eigen::VectorXd gradient;
};

/// Fills `out` for `spec` at x (no allocation once out.gradient has the size of x): the
/// gradient in coordinate chunks on `pool` (nullptr: this thread; the same bits either way),
/// the value (a sequential sum over d) only `with_value`, else NaN (a round that needs neither
/// f nor a bound on it).
void regulariser_at(const ProblemSpec& spec, const Eigen::Ref<const Eigen::VectorXd>& x, RegulariserAt& out,
                    ThreadPool* pool = nullptr, bool with_value = true);

/// Per-thread scratch of Objective::value_and_gradient_on: no allocation once warmed up.
struct GradientScratch {
  Eigen::VectorXd accumulator;    // d doubles, all +0.0 between uses (shards without the compact form)
  std::vector<double> local_x;    // x on the shard's columns (compact form)
  std::vector<double> local_sum;  // the loss part of the gradient on them; all +0.0 between uses
};

class Objective {
 public:
  Objective(const ProblemSpec& spec, data::Dataset shard);

  Eigen::Index dim() const { return shard_.dim(); }
  Eigen::Index rows() const { return shard_.rows(); }
  const data::Dataset& shard() const { return shard_; }
  const ProblemSpec& spec() const { return spec_; }
  /// Sparse, with every stored value exactly 1.0: the passes read only the column indices.
  bool unit_values() const { return unit_values_; }

  /// f_i(x).
  double value(const Eigen::Ref<const Eigen::VectorXd>& x) const;
  /// Writes grad f_i(x) into `gradient` (size dim()) and returns f_i(x). Reads each stored
  /// feature value once: per row, the margin a_j^T x and then gradient += s_j a_j while
  /// the row is in cache. Thread-safe: no mutable state.
  double value_and_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                            Eigen::Ref<Eigen::VectorXd> gradient) const;
  /// The same, bit for bit, with the regulariser's terms at x computed beforehand
  /// (regulariser_at(spec(), x, reg)): the per-worker cost is then the data pass plus one
  /// O(d) pass, with no division per coordinate.
  double value_and_gradient(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> gradient,
                            const RegulariserAt& reg) const;

  /// grad f_i(x) into `gradient`, bit for bit as value_and_gradient(x, gradient, reg) writes
  /// it, without f_i(x) itself: a logistic loss then skips one log1p per row, which is most of
  /// a sparse round. Returns an upper bound on |f_i(x)|; when it is at most
  /// kCertainlyFiniteBound, f_i(x) is finite (and value(x) gives it, bit for bit as
  /// value_and_gradient would have). NaN or +inf means "not known to be finite".
  double gradient_and_value_bound(const Eigen::Ref<const Eigen::VectorXd>& x,
                                  Eigen::Ref<Eigen::VectorXd> gradient, const RegulariserAt& reg) const;
  /// grad f_i(x) read on `support` only (a sparse shard; `support` strictly increasing and
  /// holding every column the shard stores a value in): values[q] is coordinate support[q] of
  /// value_and_gradient(x, gradient, reg)'s gradient, bit for bit, and every coordinate l
  /// outside `support` of that gradient is 0.0 + reg.gradient[l] (no data term there: the
  /// loss part is +0, and +0 * (1/m) + term = 0.0 + term). O(nnz + |support|), no O(d) pass:
  /// with the compact form (large d, few columns) the data pass runs on |S_i|-long vectors;
  /// otherwise it scatters into scratch.accumulator, d doubles that must be all +0.0 on entry
  /// and are so again on return. Returns f_i(x) (as value_and_gradient).
  double value_and_gradient_on(const Eigen::Ref<const Eigen::VectorXd>& x, const RegulariserAt& reg,
                               std::span<const std::int32_t> support, GradientScratch& scratch,
                               std::vector<double>& values) const;
  /// The same, returning the bound of gradient_and_value_bound instead of f_i(x) (no log1p).
  double gradient_on_and_value_bound(const Eigen::Ref<const Eigen::VectorXd>& x, const RegulariserAt& reg,
                                     std::span<const std::int32_t> support, GradientScratch& scratch,
                                     std::vector<double>& values) const;
  /// Whether the shard keeps the compact form (see kCompactFormDim).
  bool has_compact_form() const { return !columns_.empty(); }
  /// The compact form's columns S_i, increasing (empty without it).
  std::span<const std::int32_t> compact_columns() const {
    return columns_.empty() ? std::span<const std::int32_t>()
                            : std::span(columns_).first(columns_.size() - 1);
  }
  /// The compact form's gradient on `support` with x and the regulariser's gradient already
  /// read where it needs them: x_on_columns[p] = x[compact_columns()[p]] and
  /// term_on_support[q] = reg.gradient[support[q]], reg_value = reg.value. The same bits as
  /// value_and_gradient_on (Value) or gradient_on_and_value_bound (!Value) at that x and reg:
  /// a round can read x and the term for all its workers chunk by chunk of coordinates, while
  /// the chunk is in cache, instead of each worker reading them across d.
  /// Writes the gradient on the support into `values` (if not null) and, with `differences`,
  /// gradient[q] - offset[q] there (EF21's compressor input target - g_i on E_i: one pass
  /// over the support instead of two, and no gradient written when nobody reads it).
  template <bool Value>
  double gradient_on_gathered(std::span<const double> x_on_columns, std::span<const double> term_on_support,
                              double reg_value, std::span<const std::int32_t> support,
                              GradientScratch& scratch, std::vector<double>* values,
                              std::span<const double> offset = {},
                              std::vector<double>* differences = nullptr) const;
  /// d from which a sparse shard with stored values <= d/4 keeps the compact form (its columns
  /// S_i and each stored value's position among them; 4 bytes a stored value): at 32 768 a
  /// d-long scratch vector is 256 KiB, and x plus the accumulator start to leave L2.
  static constexpr Eigen::Index kCompactFormDim = 32768;

  /// Value bounds at or below this are certificates of a finite f_i, with room to spare for
  /// the rounding of the bound itself and for a mean over up to ~10^17 workers.
  static constexpr double kCertainlyFiniteBound = 1e290;

  /// The stochastic estimate on local rows `rows` (indices into the shard, repeats allowed):
  /// (1/|rows|) sum_{j in rows} grad loss_j(x) + the full regulariser gradient (from `reg`,
  /// the regulariser at x). Rows are visited in the order given.
  void minibatch_gradient(const Eigen::Ref<const Eigen::VectorXd>& x, std::span<const std::int32_t> rows,
                          Eigen::Ref<Eigen::VectorXd> gradient, const RegulariserAt& reg) const;
  /// Floating-point operations of minibatch_gradient on `rows` (the model of flops_per_gradient).
  double flops_per_minibatch(std::span<const std::int32_t> rows) const;

  /// L_i, the smoothness constant of f_i (computed once, at construction).
  double smoothness() const { return smoothness_; }

  /// Floating-point operations of one value_and_gradient call: 4 per stored feature value
  /// (multiply-add for the margin, multiply-add for the gradient), ~20 per row for the
  /// loss, ~6 per coordinate for the regulariser. Used by the "auto" compute-time model.
  double flops_per_gradient() const;

 private:
  ProblemSpec spec_;
  data::Dataset shard_;
  /// The loss part: gradient = sum_j slope_j a_j (not yet divided by m); returns sum_j loss_j
  /// (Value) or a bound B with sum_j loss_j <= B + m (!Value, see row_loss).
  template <bool Value>
  double loss_and_gradient_sum(const Eigen::Ref<const Eigen::VectorXd>& x,
                               Eigen::Ref<Eigen::VectorXd> gradient) const;
  /// The same without zeroing `gradient` first: adds sum_j slope_j a_j to it.
  template <bool Value>
  double add_loss_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                           Eigen::Ref<Eigen::VectorXd> gradient) const;
  /// value_and_gradient_on (Value) and gradient_on_and_value_bound (!Value).
  template <bool Value>
  double gradient_on(const Eigen::Ref<const Eigen::VectorXd>& x, const RegulariserAt& reg,
                     std::span<const std::int32_t> support, GradientScratch& scratch,
                     std::vector<double>& values) const;
  /// The compact form's data pass on x_on_columns (x on S_i), then finish_gradient's
  /// arithmetic on `support` with the regulariser's gradient at support[q] = term_at(q, l).
  /// `write(q, g)` receives the gradient g at support[q].
  template <bool Value, typename TermAt, typename Write>
  double compact_gradient(const double* x_on_columns, const TermAt& term_at, double reg_value,
                          std::span<const std::int32_t> support, GradientScratch& scratch,
                          const Write& write) const;
  /// gradient = gradient * inv_m + reg.gradient, coordinate by coordinate.
  static void finish_gradient(double inv_m, const RegulariserAt& reg, Eigen::Ref<Eigen::VectorXd> gradient);

  double smoothness_;
  bool unit_values_;                       // sparse, and every stored value is exactly 1.0 (sparse_rows.hpp)
  std::vector<std::int32_t> columns_;      // compact form: S_i, increasing, then one spare slot (empty: none)
  std::vector<std::int32_t> local_inner_;  // compact form: each stored value's position in columns_
};

}  // namespace ef21::problems
