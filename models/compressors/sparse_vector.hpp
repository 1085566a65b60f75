#pragma once
// What a compressor emits: a sparse vector of dimension `dim` with entries at strictly
// increasing `indices`. A dense vector is the case indices = 0..dim-1 (`dense` = true),
// which costs no index bits.
#include <Eigen/Dense>
#include <cstdint>
#include <vector>

namespace ef21::compressors {

struct SparseVector {
  Eigen::Index dim = 0;
  std::vector<std::int32_t> indices;  // strictly increasing, each in [0, dim)
  std::vector<double> values;         // same length as indices
  bool dense = false;                 // true when every coordinate is present

  std::size_t size() const { return values.size(); }
  void clear() {
    indices.clear();
    values.clear();
    dense = false;
  }
  /// Stores `v` as a dense payload.
  void assign_dense(const Eigen::Ref<const Eigen::VectorXd>& v);
  /// target += scale * this.
  void add_to(Eigen::Ref<Eigen::VectorXd> target, double scale = 1.0) const;
  /// The vector as a dense one (tests, diagnostics).
  Eigen::VectorXd to_dense() const;
};

}  // namespace ef21::compressors
