#pragma once
// What a compressor emits: a sparse vector of dimension `dim` with entries at strictly
// increasing `indices`. A dense vector is the case indices = 0..dim-1 (`dense` = true),
// which costs no index bits.
//
// A dense message may also *borrow* its values from a vector the sender keeps (EF21's g_i
// sent whole): no copy and no index array, which matters at 10^5 workers. The borrowed
// vector must outlive the message's use (until the sender's next round); copying a
// SparseVector takes a snapshot (the copy owns its values), moving keeps the borrow.
//
// A dense message may also borrow an *overlay*: a shared base vector with a few coordinates
// replaced (EF21's sparse g_i: the regulariser's term outside E_i). It reads as the dense
// vector it stands for, without the d doubles per sender (10^6 clients sending g_i^0).
#include <Eigen/Dense>
#include <cstdint>
#include <span>
#include <vector>

namespace ef21::compressors {

struct SparseVector {
  Eigen::Index dim = 0;
  std::vector<std::int32_t> indices;  // strictly increasing, each in [0, dim) (empty when borrowed)
  std::vector<double> values;         // same length as indices (empty when borrowed)
  bool dense = false;                 // true when every coordinate is present (no index bits)
  /// True when the message equals the compressor's input bit for bit (identity, top-k with
  /// k = d): a receiver may then treat it as the input itself. Independent of `dense`: a
  /// quantized message is dense but not exact. The compressor sets it; clear() resets it.
  bool exact = false;

  SparseVector() = default;
  SparseVector(const SparseVector& other);
  SparseVector& operator=(const SparseVector& other);
  SparseVector(SparseVector&&) noexcept = default;
  SparseVector& operator=(SparseVector&&) noexcept = default;

  std::size_t size() const { return borrowed() ? static_cast<std::size_t>(dim) : values.size(); }
  void clear() {
    indices.clear();
    values.clear();
    dense = false;
    exact = false;
    borrowed_ = nullptr;
    overlay_ = {};
  }
  /// Stores `v` as a dense payload (a copy); `exact` is left to the caller.
  void assign_dense(const Eigen::Ref<const Eigen::VectorXd>& v);
  /// Refers to `v` as a dense payload, without copying: `v` must stay alive and unchanged
  /// while the message is used.
  void borrow_dense(const Eigen::VectorXd& v);
  /// Refers to the dense vector equal to `base` except at `at` (strictly increasing), where it
  /// holds `replaced`: all three must stay alive and unchanged while the message is used.
  void borrow_overlay(const Eigen::VectorXd& base, std::span<const std::int32_t> at,
                      std::span<const double> replaced);
  bool borrowed() const { return borrowed_ != nullptr; }
  /// Value of the p-th stored entry (index indices[p], or p when borrowed).
  double value(std::size_t p) const {
    if (borrowed_ == nullptr) return values[p];
    return overlay_.at.empty() ? (*borrowed_)[static_cast<Eigen::Index>(p)] : overlay_value(p);
  }
  /// Index of the p-th stored entry.
  std::int32_t index(std::size_t p) const {
    return borrowed_ != nullptr ? static_cast<std::int32_t>(p) : indices[p];
  }
  /// target += scale * this (coordinate by coordinate, in index order).
  void add_to(Eigen::Ref<Eigen::VectorXd> target, double scale = 1.0) const;
  /// add_to on the coordinates [from, to) alone: target[l] (target holds dim doubles) gets
  /// the same addition add_to makes there, for l in [from, to).
  void add_range_to(double* target, Eigen::Index from, Eigen::Index to, double scale = 1.0) const;
  /// The vector as a dense one (tests, diagnostics).
  Eigen::VectorXd to_dense() const;

 private:
  double overlay_value(std::size_t l) const;
  struct Overlay {
    std::span<const std::int32_t> at;  // empty: borrowed_ is the whole vector
    std::span<const double> replaced;
  };
  const Eigen::VectorXd* borrowed_ = nullptr;  // the dense vector, or the overlay's base
  Overlay overlay_;
};

}  // namespace ef21::compressors
