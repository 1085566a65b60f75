#include "models/problems/problem_spec.hpp"

#include <array>
#include <utility>

namespace ef21::problems {
namespace {

constexpr std::array<std::pair<ProblemKind, std::string_view>, 3> kNames{{
    {ProblemKind::logreg_nonconvex, "logreg-nonconvex"},
    {ProblemKind::logreg, "logreg"},
    {ProblemKind::least_squares, "least-squares"},
}};

}  // namespace

std::string_view to_string(ProblemKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "?";
}

std::optional<ProblemKind> problem_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

std::vector<std::string> problem_kind_names() {
  std::vector<std::string> out;
  for (const auto& entry : kNames) out.emplace_back(entry.second);
  return out;
}

bool needs_binary_labels(ProblemKind kind) { return kind != ProblemKind::least_squares; }

std::optional<double> loss_lower_bound(const ProblemSpec& spec) {
  switch (spec.kind) {
    case ProblemKind::logreg_nonconvex:  // log(1 + e^z) > 0, lambda x^2 / (1 + x^2) >= 0
    case ProblemKind::logreg:            // log(1 + e^z) > 0, (lambda / 2) ||x||^2 >= 0
    case ProblemKind::least_squares:     // (1 / 2m) ||Ax - b||^2 >= 0, (lambda / 2) ||x||^2 >= 0
      if (spec.lambda >= 0.0) return 0.0;
      return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace ef21::problems
