#pragma once
// f_i: one worker's objective on its shard (DESIGN §7), value and gradient fused in one
// pass over the shard's rows.
#include <Eigen/Dense>
#include <cstdint>
#include <span>

#include "models/data/dataset.hpp"
#include "models/problems/problem_spec.hpp"

namespace ef21::problems {

/// The regulariser's value and gradient at one x. Every worker of a round shares x and (in a
/// scenario) the problem spec, so a round computes this once instead of once per worker.
struct RegulariserAt {
  double value = 0.0;
  Eigen::VectorXd gradient;
};

/// Fills `out` for `spec` at x (no allocation once out.gradient has the size of x).
void regulariser_at(const ProblemSpec& spec, const Eigen::Ref<const Eigen::VectorXd>& x, RegulariserAt& out);

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
  /// gradient = gradient * inv_m + reg.gradient, coordinate by coordinate.
  static void finish_gradient(double inv_m, const RegulariserAt& reg, Eigen::Ref<Eigen::VectorXd> gradient);

  double smoothness_;
  bool unit_values_;  // sparse, and every stored value is exactly 1.0 (sparse_rows.hpp)
};

}  // namespace ef21::problems
