#pragma once
// Helpers shared by the models/{problems,compressors,algorithms,support} tests: seeds,
// small random datasets built in memory, and a self-cleaning temporary directory.
//
// Header-only so every test area (a separate executable) can include it without a library.
#include <unistd.h>

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "models/data/dataset.hpp"
#include "models/support/rng.hpp"
#include "tests/support/temp_dir.hpp"

namespace ef21::test {

/// The seed of a randomized test: EF21SIM_TEST_SEED if set, else `fallback`. Callers
/// CAPTURE it right away, so every failure prints the seed to rerun with
/// (EF21SIM_TEST_SEED=<seed> ./test_models_<area> "<test name>").
inline std::uint64_t test_seed(std::uint64_t fallback) {
  if (const char* text = std::getenv("EF21SIM_TEST_SEED")) return std::strtoull(text, nullptr, 10);
  return fallback;
}

/// A dense row-major feature matrix with entries ~ N(0, 1), a fraction `density` of them
/// non-zero (the rest exactly 0, so the sparse copy has real structure).
inline data::DenseRowMatrix random_features(Rng& rng, Eigen::Index rows, Eigen::Index cols, double density) {
  data::DenseRowMatrix a = data::DenseRowMatrix::Zero(rows, cols);
  for (Eigen::Index j = 0; j < rows; ++j)
    for (Eigen::Index l = 0; l < cols; ++l)
      if (rng.uniform() < density) a(j, l) = rng.normal();
  return a;
}

/// Increasing coordinates of [0, d), each drawn with probability `density`; with
/// `every_from` > 0, also both ends of every run of that many coordinates (chunk boundaries)
/// and the last coordinate.
inline std::vector<std::int32_t> random_coordinates(Rng& rng, Eigen::Index d, double density,
                                                    Eigen::Index every_from = 0) {
  std::vector<std::int32_t> at;
  for (Eigen::Index l = 0; l < d; ++l) {
    const bool boundary = every_from > 0 && (l % every_from == 0 || (l + 1) % every_from == 0 || l + 1 == d);
    if (boundary || rng.uniform() < density) at.push_back(static_cast<std::int32_t>(l));
  }
  return at;
}

/// Labels in {-1, +1}, both classes present when rows >= 2.
inline Eigen::VectorXd random_binary_labels(Rng& rng, Eigen::Index rows) {
  Eigen::VectorXd b(rows);
  for (Eigen::Index j = 0; j < rows; ++j) b[j] = rng.uniform() < 0.5 ? -1.0 : 1.0;
  if (rows >= 2) {
    b[0] = -1.0;
    b[1] = 1.0;
  }
  return b;
}

inline data::SparseRowMatrix to_sparse(const data::DenseRowMatrix& dense) {
  data::SparseRowMatrix s = dense.sparseView();
  s.makeCompressed();
  return s;
}

inline data::Dataset dense_dataset(const data::DenseRowMatrix& a, const Eigen::VectorXd& b) {
  return data::Dataset{a, b, "test-dense"};
}

inline data::Dataset sparse_dataset(const data::DenseRowMatrix& a, const Eigen::VectorXd& b) {
  return data::Dataset{to_sparse(a), b, "test-sparse"};
}

/// Bitwise equality of two doubles (memcmp: -0.0 differs from 0.0, a NaN equals the same
/// NaN). Used by the "bit for bit" tests, where == would hide a sign-of-zero difference.
inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

inline bool same_bits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index l = 0; l < a.size(); ++l)
    if (!same_bits(a[l], b[l])) return false;
  return true;
}

}  // namespace ef21::test
