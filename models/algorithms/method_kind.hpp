#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ef21::algorithms {

enum class MethodKind { gd, ef, ef21, ef21_plus };

std::string_view to_string(MethodKind kind);
std::optional<MethodKind> method_kind_from_string(std::string_view name);
std::vector<std::string> method_kind_names();

struct AlgorithmSpec {
  MethodKind kind = MethodKind::ef21;
  std::optional<double> stepsize;  // absolute stepsize gamma; nullopt = "theory" (DESIGN §7)
  double multiplier = 1.0;         // scales the stepsize, theory or absolute
};

}  // namespace ef21::algorithms
