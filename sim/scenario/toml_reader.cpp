#include "sim/scenario/toml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sim/core/units.hpp"

namespace ef21::sim {
namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

}  // namespace

SourceLocation location_of(const toml::source_region& region) {
  SourceLocation where;
  if (region.path) where.file = *region.path;
  where.line = region.begin.line;
  where.column = region.begin.column;
  return where;
}

SourceLocation location_of(const toml::node& node) { return location_of(node.source()); }

std::string closest_name(std::string_view name, const std::vector<std::string>& known) {
  std::string best;
  std::size_t best_distance = 3;
  for (const auto& candidate : known) {
    std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (best.empty()) {
    for (const auto& candidate : known)
      if (name.size() >= 3 && (candidate.starts_with(name) || name.starts_with(candidate))) return candidate;
  }
  return best;
}

TableReader::TableReader(const toml::table& table, std::string path,
                         std::span<const std::string_view> known_keys, SourceLocation fallback)
    : table_(table), path_(std::move(path)), fallback_(std::move(fallback)) {
  std::vector<std::string> known(known_keys.begin(), known_keys.end());
  for (auto&& [key, value] : table_) {
    if (std::find(known.begin(), known.end(), key.str()) != known.end()) continue;
    std::string message = fmt::format("unknown key `{}`", full_name(key.str()));
    const std::string suggestion = closest_name(key.str(), known);
    if (!suggestion.empty())
      message += fmt::format("; did you mean `{}`?", full_name(suggestion));
    else
      message += fmt::format(" (known keys here: {})", fmt::join(known, ", "));
    SourceLocation where = location_of(key.source());
    if (where.line == 0) where = location_of(value);
    throw InputError(where, message);
  }
}

std::string TableReader::full_name(std::string_view key) const {
  return path_.empty() ? std::string(key) : fmt::format("{}.{}", path_, key);
}

SourceLocation TableReader::where(std::string_view key) const {
  if (const auto* n = table_.get(key)) return location_of(*n);
  SourceLocation here = location_of(table_);
  return here.line > 0 ? here : fallback_;
}

void TableReader::fail(std::string_view key, const std::string& message) const {
  throw InputError(where(key), message);
}

const toml::node& TableReader::require_node(std::string_view key) const { return *table_.get(key); }

std::optional<std::int64_t> TableReader::integer(std::string_view key, std::int64_t min,
                                                 std::int64_t max) const {
  const auto* n = table_.get(key);
  if (!n) return std::nullopt;
  const auto* v = n->as_integer();
  if (!v) fail(key, fmt::format("`{}` must be an integer, got {}", full_name(key), type_name(*n)));
  const std::int64_t x = v->get();
  if (x < min || x > max)
    fail(key, fmt::format("`{}` must be between {} and {}, got {}", full_name(key), min, max, x));
  return x;
}

std::optional<double> TableReader::number(std::string_view key, double min, double max,
                                          bool min_inclusive) const {
  const auto* n = table_.get(key);
  if (!n) return std::nullopt;
  double x;
  if (const auto* f = n->as_floating_point())
    x = f->get();
  else if (const auto* i = n->as_integer())
    x = static_cast<double>(i->get());
  else
    fail(key, fmt::format("`{}` must be a number, got {}", full_name(key), type_name(*n)));
  const bool low_ok = min_inclusive ? x >= min : x > min;
  if (!std::isfinite(x) || !low_ok || x > max)
    fail(key, fmt::format("`{}` must be {} {} and <= {}, got {}", full_name(key), min_inclusive ? ">=" : ">",
                          min, max, x));
  return x;
}

std::optional<std::string> TableReader::string(std::string_view key) const {
  const auto* n = table_.get(key);
  if (!n) return std::nullopt;
  const auto* s = n->as_string();
  if (!s) fail(key, fmt::format("`{}` must be a string, got {}", full_name(key), type_name(*n)));
  return s->get();
}

std::optional<std::string> TableReader::choice(std::string_view key,
                                               const std::vector<std::string>& allowed) const {
  auto s = string(key);
  if (!s) return s;
  if (std::find(allowed.begin(), allowed.end(), *s) != allowed.end()) return s;
  std::string message = fmt::format("`{}` must be one of {}, got \"{}\"", full_name(key),
                                    fmt::format("\"{}\"", fmt::join(allowed, "\", \"")), *s);
  const std::string suggestion = closest_name(*s, allowed);
  if (!suggestion.empty()) message += fmt::format("; did you mean \"{}\"?", suggestion);
  fail(key, message);
}

std::optional<bool> TableReader::boolean(std::string_view key) const {
  const auto* n = table_.get(key);
  if (!n) return std::nullopt;
  const auto* b = n->as_boolean();
  if (!b) fail(key, fmt::format("`{}` must be true or false, got {}", full_name(key), type_name(*n)));
  return b->get();
}

std::string TableReader::unit_string(std::string_view key, std::string_view what,
                                     std::string_view example) const {
  const auto& n = require_node(key);
  if (n.is_number())
    fail(key, fmt::format("`{}` is a {} and needs a unit, as a string such as \"{}\"", full_name(key), what,
                          example));
  const auto* s = n.as_string();
  if (!s)
    fail(key, fmt::format("`{}` must be a {} string such as \"{}\", got {}", full_name(key), what, example,
                          type_name(n)));
  return s->get();
}

std::optional<SimTime> TableReader::duration(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const std::string text = unit_string(key, "duration", "20 us");
  try {
    return parse_duration(text);
  } catch (const std::exception& e) {
    fail(key, fmt::format("`{}`: {}", full_name(key), e.what()));
  }
}

std::optional<double> TableReader::bandwidth(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const std::string text = unit_string(key, "bandwidth", "100 Mbps");
  try {
    return parse_bandwidth(text);
  } catch (const std::exception& e) {
    fail(key, fmt::format("`{}`: {}", full_name(key), e.what()));
  }
}

std::optional<std::uint64_t> TableReader::size(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const std::string text = unit_string(key, "size", "12 GB");
  try {
    return parse_size(text);
  } catch (const std::exception& e) {
    fail(key, fmt::format("`{}`: {}", full_name(key), e.what()));
  }
}

std::optional<double> TableReader::compute_speed(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  const std::string text = unit_string(key, "compute speed", "10 GFLOPS");
  try {
    return parse_compute_speed(text);
  } catch (const std::exception& e) {
    fail(key, fmt::format("`{}`: {}", full_name(key), e.what()));
  }
}

const toml::table* TableReader::subtable(std::string_view key) const {
  const auto* n = table_.get(key);
  if (!n) return nullptr;
  const auto* t = n->as_table();
  if (!t) fail(key, fmt::format("`{}` must be a table, got {}", full_name(key), type_name(*n)));
  return t;
}

const toml::array* TableReader::array(std::string_view key) const {
  const auto* n = table_.get(key);
  if (!n) return nullptr;
  const auto* a = n->as_array();
  if (!a) fail(key, fmt::format("`{}` must be an array, got {}", full_name(key), type_name(*n)));
  return a;
}

}  // namespace ef21::sim
