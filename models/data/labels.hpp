#pragma once
// How a reader turns the labels it reads into the labels a problem uses (DESIGN §7).
#include <Eigen/Dense>
#include <optional>
#include <string>

#include "models/support/input_error.hpp"

namespace ef21::data {

enum class LabelMode {
  /// Classification: exactly two distinct label values; the smaller becomes -1, the larger
  /// +1 (mushrooms has {1, 2}; a9a and w8a already have {-1, +1}).
  binary,
  /// Labels kept as read (least squares).
  raw,
};

namespace detail {

/// Tracks the distinct labels a reader sees, in binary mode, so that a third class is
/// reported at the line and column where it first appears, and maps the labels at the end.
/// In raw mode it does nothing.
class BinaryLabels {
 public:
  explicit BinaryLabels(LabelMode mode) : mode_(mode) {}

  /// Throws InputError at `where` if `label` is a third distinct value.
  void see(double label, const SourceLocation& where);

  /// Maps `labels` in place (binary: min -> -1, max -> +1). Throws InputError located at
  /// `file` (no line) when every sample has the same label.
  void finish(Eigen::VectorXd& labels, const std::string& file) const;

 private:
  LabelMode mode_;
  std::optional<double> first_, second_;
};

}  // namespace detail
}  // namespace ef21::data
