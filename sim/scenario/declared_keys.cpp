#include "sim/scenario/declared_keys.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace ef21::sim {

std::optional<ParamValue> read_declared(const TableReader& table, const ParamDecl& decl) {
  if (!table.has(decl.name)) return std::nullopt;
  switch (decl.type) {
    case ParamType::boolean:
      return ParamValue{*table.boolean(decl.name)};
    case ParamType::choice:
      return ParamValue{*table.choice(decl.name, decl.choices)};
    case ParamType::integer: {
      const auto lo = static_cast<std::int64_t>(decl.min);
      const std::int64_t hi = std::isinf(decl.max) ? std::numeric_limits<std::int64_t>::max()
                                                   : static_cast<std::int64_t>(decl.max);
      return ParamValue{*table.integer(decl.name, lo, hi)};
    }
    case ParamType::number: {
      const double value =
          *table.number(decl.name, -std::numeric_limits<double>::max(), std::numeric_limits<double>::max());
      if (!param_in_range(decl, ParamValue{value}))
        table.fail(decl.name, fmt::format("`{}` must be in {}, got {}", table.full_name(decl.name),
                                          decl.range_text(), value));
      return ParamValue{value};
    }
  }
  return std::nullopt;
}

ParamSet read_plugin_keys(const TableReader& table, const DeclaredPlugin& owner,
                          const std::vector<DeclaredPlugin>& family) {
  for (const std::string& key : family_key_names(family)) {
    if (!table.has(key) || find_param(*owner.keys, key) != nullptr) continue;
    std::vector<std::string> takers;
    for (const auto& plugin : family)
      if (find_param(*plugin.keys, key) != nullptr) takers.push_back(plugin.name);
    table.fail(key, fmt::format("`{}` applies to {}, not to {}", table.full_name(key),
                                fmt::join(takers, ", "), owner.name));
  }
  ParamSet params;
  for (const ParamDecl& decl : *owner.keys) {
    if (auto value = read_declared(table, decl))
      params.set(decl.name, std::move(*value));
    else if (decl.default_value)
      params.set(decl.name, *decl.default_value);
  }
  return params;
}

std::vector<std::string> family_key_names(const std::vector<DeclaredPlugin>& family) {
  std::vector<std::string> names;
  for (const auto& plugin : family)
    for (const ParamDecl& decl : *plugin.keys)
      if (std::find(names.begin(), names.end(), decl.name) == names.end()) names.push_back(decl.name);
  return names;
}

}  // namespace ef21::sim
