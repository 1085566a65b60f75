#include "models/compressors/sparse_vector.hpp"

#include "models/support/check.hpp"

namespace ef21::compressors {

SparseVector::SparseVector(const SparseVector& other)
    : dim(other.dim), indices(other.indices), values(other.values), dense(other.dense), exact(other.exact) {
  if (other.borrowed_ != nullptr) assign_dense(*other.borrowed_);
}

SparseVector& SparseVector::operator=(const SparseVector& other) {
  if (this == &other) return *this;
  if (other.borrowed_ != nullptr) {
    assign_dense(*other.borrowed_);
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
}

void SparseVector::add_to(Eigen::Ref<Eigen::VectorXd> target, double scale) const {
  EF21_CHECK(target.size() == dim, "sparse vector added to a vector of another dimension");
  if (borrowed_ != nullptr) {
    // Same arithmetic per coordinate as the indexed loop below over indices 0..dim-1.
    const double* v = borrowed_->data();
    double* t = target.data();
    if (scale == 1.0) {
      for (Eigen::Index l = 0; l < dim; ++l) t[l] += v[l];
    } else {
      for (Eigen::Index l = 0; l < dim; ++l) t[l] += scale * v[l];
    }
    return;
  }
  if (scale == 1.0) {
    for (std::size_t p = 0; p < values.size(); ++p) target[indices[p]] += values[p];
  } else {
    for (std::size_t p = 0; p < values.size(); ++p) target[indices[p]] += scale * values[p];
  }
}

Eigen::VectorXd SparseVector::to_dense() const {
  Eigen::VectorXd out = Eigen::VectorXd::Zero(dim);
  add_to(out);
  return out;
}

}  // namespace ef21::compressors
