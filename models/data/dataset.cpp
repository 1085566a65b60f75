#include "models/data/dataset.hpp"

#include <algorithm>
#include <vector>

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
    EF21_CHECK(sparse->isCompressed(), "Dataset sparse features are kept compressed");
    // The block's row starts, shifted to 0; its stored values are one contiguous range.
    const std::int32_t* outer = sparse->outerIndexPtr() + begin;
    std::vector<std::int32_t> block_outer(outer, outer + count + 1);
    for (std::int32_t& start : block_outer) start -= outer[0];
    const auto nnz = static_cast<std::size_t>(outer[count] - outer[0]);
    out.features = make_csr(count, sparse->cols(), block_outer,
                            std::span<const std::int32_t>(sparse->innerIndexPtr() + outer[0], nnz),
                            std::span<const double>(sparse->valuePtr() + outer[0], nnz));
  } else {
    out.features = DenseRowMatrix(std::get<DenseRowMatrix>(features).middleRows(begin, count));
  }
  return out;
}

SparseRowMatrix make_csr(Eigen::Index rows, Eigen::Index cols, std::span<const std::int32_t> outer,
                         std::span<const std::int32_t> inner, std::span<const double> values) {
  EF21_CHECK(rows >= 0 && cols >= 0 && outer.size() == static_cast<std::size_t>(rows) + 1,
             "make_csr: one row start per row, plus the end");
  EF21_CHECK(outer.front() == 0 && static_cast<std::size_t>(outer.back()) == values.size() &&
                 inner.size() == values.size(),
             "make_csr: the row starts must run from 0 to the number of stored values");
  SparseRowMatrix m(rows, cols);  // compressed, no stored values: O(rows) memory
  m.resizeNonZeros(static_cast<Eigen::Index>(values.size()));
  std::copy(outer.begin(), outer.end(), m.outerIndexPtr());
  std::copy(inner.begin(), inner.end(), m.innerIndexPtr());
  std::copy(values.begin(), values.end(), m.valuePtr());
  return m;
}

}  // namespace ef21::data
