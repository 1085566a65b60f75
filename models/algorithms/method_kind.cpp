#include "models/algorithms/method_kind.hpp"

#include <array>
#include <utility>

namespace ef21::algorithms {
namespace {

constexpr std::array<std::pair<MethodKind, std::string_view>, 4> kNames{{
    {MethodKind::gd, "gd"},
    {MethodKind::ef, "ef"},
    {MethodKind::ef21, "ef21"},
    {MethodKind::ef21_plus, "ef21-plus"},
}};

}  // namespace

std::string_view to_string(MethodKind kind) {
  for (const auto& [k, name] : kNames)
    if (k == kind) return name;
  return "?";
}

std::optional<MethodKind> method_kind_from_string(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name) return k;
  return std::nullopt;
}

std::vector<std::string> method_kind_names() {
  std::vector<std::string> out;
  for (const auto& entry : kNames) out.emplace_back(entry.second);
  return out;
}

}  // namespace ef21::algorithms
