#include "models/compressors/sparse_vector.hpp"

#include <algorithm>

#include "models/support/check.hpp"

namespace ef21::compressors {

SparseVector::SparseVector(const SparseVector& other)
    : dim(other.dim), indices(other.indices), values(other.values), dense(other.dense), exact(other.exact) {
  if (other.borrowed_ != nullptr) assign_dense(other.to_dense());
}

SparseVector& SparseVector::operator=(const SparseVector& other) {
  if (this == &other) return *this;
  if (other.borrowed_ != nullptr) {
    assign_dense(other.to_dense());
    exact = other.exact;
    return *this;
  }
  dim = other.dim;
  indices = other.indices;
  values = other.values;
  dense = other.dense;
  exact = other.exact;
  borrowed_ = nullptr;
  return *this;
}

void SparseVector::assign_dense(const Eigen::Ref<const Eigen::VectorXd>& v) {
  dim = v.size();
  dense = true;
  borrowed_ = nullptr;
  overlay_ = {};
  indices.resize(static_cast<std::size_t>(dim));
  values.resize(static_cast<std::size_t>(dim));
  for (Eigen::Index l = 0; l < dim; ++l) {
    indices[static_cast<std::size_t>(l)] = static_cast<std::int32_t>(l);
    values[static_cast<std::size_t>(l)] = v[l];
  }
}

void SparseVector::borrow_dense(const Eigen::VectorXd& v) {
  dim = v.size();
  dense = true;
  indices.clear();
  values.clear();
  borrowed_ = &v;
  overlay_ = {};
}

void SparseVector::borrow_overlay(const Eigen::VectorXd& base, std::span<const std::int32_t> at,
                                  std::span<const double> replaced) {
  EF21_CHECK(at.size() == replaced.size(), "an overlay needs one value per replaced coordinate");
  borrow_dense(base);
  overlay_ = {at, replaced};
  if (at.empty()) overlay_ = {};  // the base itself
}

double SparseVector::overlay_value(std::size_t l) const {
  const auto it = std::lower_bound(overlay_.at.begin(), overlay_.at.end(), static_cast<std::int32_t>(l));
  if (it != overlay_.at.end() && *it == static_cast<std::int32_t>(l))
    return overlay_.replaced[static_cast<std::size_t>(it - overlay_.at.begin())];
  return (*borrowed_)[static_cast<Eigen::Index>(l)];
}

void SparseVector::add_to(Eigen::Ref<Eigen::VectorXd> target, double scale) const {
  EF21_CHECK(target.size() == dim, "sparse vector added to a vector of another dimension");
  add_range_to(target.data(), 0, dim, scale);
}

void SparseVector::add_range_to(double* t, Eigen::Index from, Eigen::Index to, double scale) const {
  EF21_CHECK(0 <= from && from <= to && to <= dim, "sparse vector added on a range outside its dimension");
  if (borrowed_ != nullptr && !overlay_.at.empty()) {
    // The base's coordinates between the replaced ones, in index order: the same additions
    // as for the dense vector it stands for.
    const double* v = borrowed_->data();
    Eigen::Index l = from;
    auto q = static_cast<std::size_t>(std::lower_bound(overlay_.at.begin(), overlay_.at.end(), from) -
                                      overlay_.at.begin());
    for (;; ++q) {
      const Eigen::Index until = q < overlay_.at.size() ? std::min<Eigen::Index>(overlay_.at[q], to) : to;
      if (scale == 1.0) {
        for (; l < until; ++l) t[l] += v[l];
      } else {
        for (; l < until; ++l) t[l] += scale * v[l];
      }
      if (l == to) break;
      t[l] += scale == 1.0 ? overlay_.replaced[q] : scale * overlay_.replaced[q];
      ++l;
    }
    return;
  }
  if (borrowed_ != nullptr) {
    // Same arithmetic per coordinate as the indexed loop below over indices 0..dim-1.
    const double* v = borrowed_->data();
    if (scale == 1.0) {
      for (Eigen::Index l = from; l < to; ++l) t[l] += v[l];
    } else {
      for (Eigen::Index l = from; l < to; ++l) t[l] += scale * v[l];
    }
    return;
  }
  auto p = static_cast<std::size_t>(std::lower_bound(indices.begin(), indices.end(), from) - indices.begin());
  if (scale == 1.0) {
    for (; p < values.size() && indices[p] < to; ++p) t[indices[p]] += values[p];
  } else {
    for (; p < values.size() && indices[p] < to; ++p) t[indices[p]] += scale * values[p];
  }
}

Eigen::VectorXd SparseVector::to_dense() const {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(dim);
  add_to(out);
  return out;
}

}  // namespace ef21::compressors
