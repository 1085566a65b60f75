#include "models/data/dataset.hpp"

#include "models/support/check.hpp"

namespace ef21::data {

Eigen::Index Dataset::rows() const {
  return std::visit([](const auto& m) { return static_cast<Eigen::Index>(m.rows()); }, features);
}

Eigen::Index Dataset::dim() const {
  return std::visit([](const auto& m) { return static_cast<Eigen::Index>(m.cols()); }, features);
}

std::int64_t Dataset::stored_values() const {
  if (const auto* sparse = std::get_if<SparseRowMatrix>(&features)) return sparse->nonZeros();
  const auto& dense = std::get<DenseRowMatrix>(features);
  return static_cast<std::int64_t>(dense.rows()) * dense.cols();
}

Dataset Dataset::row_block(Eigen::Index begin, Eigen::Index count) const {
  EF21_CHECK(begin >= 0 && count >= 0 && begin + count <= rows(), "row block out of range");
  Dataset out;
  out.name = name;
  out.labels = labels.segment(begin, count);
  if (const auto* sparse = std::get_if<SparseRowMatrix>(&features)) {
    SparseRowMatrix block = sparse->middleRows(begin, count);
    block.makeCompressed();
    out.features = std::move(block);
  } else {
    out.features = DenseRowMatrix(std::get<DenseRowMatrix>(features).middleRows(begin, count));
  }
  return out;
}

}  // namespace ef21::data
