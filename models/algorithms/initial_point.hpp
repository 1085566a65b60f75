#pragma once
// x^0, the starting model (DESIGN §4 problem.x0).
#include <Eigen/Dense>
#include <cstdint>
#include <filesystem>

namespace ef21::algorithms {

enum class InitialPointKind { normal, zeros, file };

struct InitialPointSpec {
  InitialPointKind kind = InitialPointKind::normal;
  double scale = 1.0;       // normal: x0_l ~ N(0, scale^2)
  std::uint64_t seed = 1;   // normal: the stream is derived from (seed, "x0")
  std::filesystem::path file;  // file: d numbers separated by whitespace, commas or newlines
};

/// Builds x^0 of dimension d. A file with the wrong count of numbers, a non-number or a
/// non-finite value throws InputError with file:line:col.
Eigen::VectorXd make_initial_point(const InitialPointSpec& spec, Eigen::Index dim);

}  // namespace ef21::algorithms
