#include "models/data/labels.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace ef21::data::detail {

void BinaryLabels::see(double label, const SourceLocation& where) {
  if (mode_ != LabelMode::binary) return;
  if (!first_) {
    first_ = label;
  } else if (label == *first_) {
    return;
  } else if (!second_) {
    second_ = label;
  } else if (label != *second_) {
    throw InputError(where, fmt::format("binary classification needs exactly two distinct labels, but "
                                        "this sample has a third: {} (after {} and {}); use raw labels "
                                        "for regression",
                                        label, *first_, *second_));
  }
}

void BinaryLabels::finish(Eigen::VectorXd& labels, const std::string& file) const {
  if (mode_ != LabelMode::binary) return;
  if (!second_) {
    throw InputError(SourceLocation{file, 0, 0},
                     fmt::format("binary classification needs exactly two distinct labels, but all "
                                 "{} samples have label {} (one class)",
                                 labels.size(), first_.value_or(0.0)));
  }
  const double low = std::min(*first_, *second_);
  for (double& y : labels) y = (y == low) ? -1.0 : 1.0;
}

}  // namespace ef21::data::detail
