#pragma once
// f_i: one worker's objective on its shard (DESIGN §7), value and gradient fused in one
// pass over the shard's rows.
#include <Eigen/Dense>

#include "models/data/dataset.hpp"
#include "models/problems/problem_spec.hpp"

namespace ef21::problems {

class Objective {
 public:
  Objective(const ProblemSpec& spec, data::Dataset shard);

  Eigen::Index dim() const { return shard_.dim(); }
  Eigen::Index rows() const { return shard_.rows(); }
  const data::Dataset& shard() const { return shard_; }
  const ProblemSpec& spec() const { return spec_; }

  /// f_i(x).
  double value(const Eigen::Ref<const Eigen::VectorXd>& x) const;
  /// Writes grad f_i(x) into `gradient` (size dim()) and returns f_i(x). Reads each stored
  /// feature value once: per row, the margin a_j^T x and then gradient += s_j a_j while
  /// the row is in cache. Thread-safe: no mutable state.
  double value_and_gradient(const Eigen::Ref<const Eigen::VectorXd>& x,
                            Eigen::Ref<Eigen::VectorXd> gradient) const;

  /// L_i, the smoothness constant of f_i (computed once, at construction).
  double smoothness() const { return smoothness_; }

  /// Floating-point operations of one value_and_gradient call: 4 per stored feature value
  /// (multiply-add for the margin, multiply-add for the gradient), ~20 per row for the
  /// loss, ~6 per coordinate for the regulariser. Used by the "auto" compute-time model.
  double flops_per_gradient() const;

 private:
  ProblemSpec spec_;
  data::Dataset shard_;
  double smoothness_;
};

}  // namespace ef21::problems
