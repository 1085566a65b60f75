#pragma once
// A labelled dataset (or one worker's shard of it): N rows of d features plus N labels.
//
// Sparse inputs (LIBSVM) stay sparse in CSR (row-major, 32-bit indices) so one gradient
// reads each stored value once; dense inputs (CSV, dense synthetic) are row-major dense.
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

namespace ef21::data {

using SparseRowMatrix = Eigen::SparseMatrix<double, Eigen::RowMajor, std::int32_t>;
using DenseRowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using FeatureMatrix = std::variant<SparseRowMatrix, DenseRowMatrix>;

struct Dataset {
  FeatureMatrix features;  // rows() x dim(); sparse matrices are compressed (makeCompressed)
  Eigen::VectorXd labels;  // rows(); {-1, +1} for classification
  std::string name;        // for messages and summaries (file name or "synthetic")

  Eigen::Index rows() const;
  Eigen::Index dim() const;
  bool is_sparse() const { return std::holds_alternative<SparseRowMatrix>(features); }
  /// Stored feature values (nnz for sparse, rows*dim for dense).
  std::int64_t stored_values() const;
  /// Rows [begin, begin + count) as a new dataset of the same storage kind and dim.
  Dataset row_block(Eigen::Index begin, Eigen::Index count) const;
};

/// A compressed CSR matrix (rows x cols) holding copies of the given arrays: outer has
/// rows + 1 entries from 0 to nnz, inner (0-based columns, strictly increasing within a row,
/// each < cols) and values nnz each. O(rows + nnz) time and memory whatever cols is: Eigen's
/// generic sparse assignment would first reserve 2 max(rows, cols) entries (9.6 GB for a
/// LIBSVM file whose largest index is 4e8), so every sparse Dataset is built here.
SparseRowMatrix make_csr(Eigen::Index rows, Eigen::Index cols, std::span<const std::int32_t> outer,
                         std::span<const std::int32_t> inner, std::span<const double> values);

}  // namespace ef21::data
