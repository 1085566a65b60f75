#include "models/support/params.hpp"

#include <fmt/format.h>

#include <cmath>
#include <sstream>

#include "models/support/check.hpp"

namespace ef21 {
namespace {

std::string number_text(double v) {
  if (std::isinf(v)) return v > 0 ? "∞" : "−∞";
  return fmt::format("{}", v);
}

}  // namespace

std::string ParamDecl::range_text() const {
  switch (type) {
    case ParamType::boolean:
      return "true | false";
    case ParamType::choice: {
      std::string out;
      for (const auto& c : choices) out += (out.empty() ? "" : " | ") + fmt::format("\"{}\"", c);
      return out;
    }
    case ParamType::integer:
      if (std::isinf(max)) return fmt::format("integer ≥ {}", number_text(min));
      return fmt::format("integer in [{}, {}]", number_text(min), number_text(max));
    case ParamType::number:
      return fmt::format("{}{}, {}{}", min_inclusive ? "[" : "(", number_text(min), number_text(max),
                         max_inclusive && !std::isinf(max) ? "]" : ")");
  }
  return "?";
}

std::string ParamDecl::default_text() const {
  if (!default_doc.empty()) return default_doc;
  if (!default_value) return "—";
  return format_param(*default_value);
}

ParamDecl number_param(std::string name, std::optional<double> fallback, double min, double max,
                       bool min_inclusive, bool max_inclusive, std::string doc, std::string default_doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::number;
  if (fallback) d.default_value = *fallback;
  d.default_doc = std::move(default_doc);
  d.min = min;
  d.max = max;
  d.min_inclusive = min_inclusive;
  d.max_inclusive = max_inclusive;
  d.doc = std::move(doc);
  return d;
}

ParamDecl integer_param(std::string name, std::optional<std::int64_t> fallback, std::int64_t min,
                        std::int64_t max, std::string doc, std::string default_doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::integer;
  if (fallback) d.default_value = *fallback;
  d.default_doc = std::move(default_doc);
  d.min = static_cast<double>(min);
  d.max = max == INT64_MAX ? INFINITY : static_cast<double>(max);
  d.doc = std::move(doc);
  return d;
}

ParamDecl boolean_param(std::string name, bool fallback, std::string doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::boolean;
  d.default_value = fallback;
  d.doc = std::move(doc);
  return d;
}

ParamDecl choice_param(std::string name, std::optional<std::string> fallback,
                       std::vector<std::string> choices, std::string doc) {
  ParamDecl d;
  d.name = std::move(name);
  d.type = ParamType::choice;
  if (fallback) d.default_value = *fallback;
  d.choices = std::move(choices);
  d.doc = std::move(doc);
  return d;
}

bool param_in_range(const ParamDecl& decl, const ParamValue& value) {
  switch (decl.type) {
    case ParamType::boolean:
      return std::holds_alternative<bool>(value);
    case ParamType::choice: {
      const auto* s = std::get_if<std::string>(&value);
      if (s == nullptr) return false;
      for (const auto& c : decl.choices)
        if (c == *s) return true;
      return false;
    }
    case ParamType::integer: {
      const auto* i = std::get_if<std::int64_t>(&value);
      return i != nullptr && static_cast<double>(*i) >= decl.min && static_cast<double>(*i) <= decl.max;
    }
    case ParamType::number: {
      const auto* v = std::get_if<double>(&value);
      if (v == nullptr || std::isnan(*v)) return false;
      const bool above = decl.min_inclusive ? *v >= decl.min : *v > decl.min;
      const bool below = decl.max_inclusive ? *v <= decl.max : *v < decl.max;
      return above && below;
    }
  }
  return false;
}

std::string format_param(const ParamValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* v = std::get_if<double>(&value)) return fmt::format("{}", *v);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  return fmt::format("\"{}\"", std::get<std::string>(value));
}

void ParamSet::erase(std::string_view name) {
  const auto it = values_.find(name);
  if (it != values_.end()) values_.erase(it);
}

double ParamSet::number(std::string_view name) const {
  const auto v = optional_number(name);
  EF21_CHECK(v.has_value(), "a declared number key is missing");
  return *v;
}

std::int64_t ParamSet::integer(std::string_view name) const {
  const auto v = optional_integer(name);
  EF21_CHECK(v.has_value(), "a declared integer key is missing");
  return *v;
}

bool ParamSet::boolean(std::string_view name) const {
  const auto it = values_.find(name);
  EF21_CHECK(it != values_.end() && std::holds_alternative<bool>(it->second),
             "a declared boolean key is missing");
  return std::get<bool>(it->second);
}

const std::string& ParamSet::text(std::string_view name) const {
  const auto it = values_.find(name);
  EF21_CHECK(it != values_.end() && std::holds_alternative<std::string>(it->second),
             "a declared text key is missing");
  return std::get<std::string>(it->second);
}

std::optional<double> ParamSet::optional_number(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  if (const auto* v = std::get_if<double>(&it->second)) return *v;
  EF21_CHECK(false, "a key read as a number holds another type");
}

std::optional<std::int64_t> ParamSet::optional_integer(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  EF21_CHECK(false, "a key read as an integer holds another type");
}

std::optional<std::string> ParamSet::optional_text(std::string_view name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  if (const auto* v = std::get_if<std::string>(&it->second)) return *v;
  EF21_CHECK(false, "a key read as text holds another type");
}

const ParamDecl* find_param(const std::vector<ParamDecl>& decls, std::string_view name) {
  for (const auto& d : decls)
    if (d.name == name) return &d;
  return nullptr;
}

}  // namespace ef21
