#include "models/compressors/sparse_vector.hpp"

#include "models/support/check.hpp"

namespace ef21::compressors {

void SparseVector::assign_dense(const Eigen::Ref<const Eigen::VectorXd>& v) {
  dim = v.size();
  dense = true;
  indices.resize(static_cast<std::size_t>(dim));
  values.resize(static_cast<std::size_t>(dim));
  for (Eigen::Index l = 0; l < dim; ++l) {
    indices[static_cast<std::size_t>(l)] = static_cast<std::int32_t>(l);
    values[static_cast<std::size_t>(l)] = v[l];
  }
}

void SparseVector::add_to(Eigen::Ref<Eigen::VectorXd> target, double scale) const {
  EF21_CHECK(target.size() == dim, "sparse vector added to a vector of another dimension");
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
