#pragma once
// Declared keys of a plug-in (a method, a compressor): name, type, default, range and one doc
// line, read by the scenario loader, the resolved-scenario writer, `ef21sim list` and the
// key tables of scenarios/README.md. A plug-in declares its keys once; nothing else lists them.
//
// Nothing of machine learning here: plain typed values.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ef21 {

using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

enum class ParamType { integer, number, boolean, choice };

struct ParamDecl {
  std::string name;  // the key inside its table ("momentum")
  ParamType type = ParamType::number;
  /// The default when the key is absent; nullopt = computed by the plug-in (see default_doc)
  /// or no default (the key is then optional and absent means "not given").
  std::optional<ParamValue> default_value;
  std::string default_doc;  // README text for a computed default ("1/(1+ω)"); empty = the value
  double min = 0.0;         // numbers and integers: the allowed range
  double max = 0.0;
  bool min_inclusive = true;
  bool max_inclusive = true;
  std::vector<std::string> choices;  // choice
  std::string doc;                   // one line: what it means

  /// "[0, 1)", "integer ≥ 1", "true|false", "\"natural\"" for docs and error messages.
  std::string range_text() const;
  /// The default as README text: default_doc, or the value, or "—".
  std::string default_text() const;
};

/// Builders for declarations (designated initialisers would do, but these read better in a
/// registration table).
ParamDecl number_param(std::string name, std::optional<double> fallback, double min, double max,
                       bool min_inclusive, bool max_inclusive, std::string doc, std::string default_doc = {});
ParamDecl integer_param(std::string name, std::optional<std::int64_t> fallback, std::int64_t min,
                        std::int64_t max, std::string doc, std::string default_doc = {});
ParamDecl boolean_param(std::string name, bool fallback, std::string doc);
ParamDecl choice_param(std::string name, std::optional<std::string> fallback,
                       std::vector<std::string> choices, std::string doc);

/// Whether `value` lies in the declaration's range (numbers, integers) or choices.
bool param_in_range(const ParamDecl& decl, const ParamValue& value);
/// The value as TOML-like text: 0.99, 3, true, "natural".
std::string format_param(const ParamValue& value);

/// Values of declared keys, by name: what the loader read (defaults filled in where the
/// declaration has one) and what the writer writes back.
class ParamSet {
 public:
  void set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }
  bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
  void erase(std::string_view name);
  const std::map<std::string, ParamValue, std::less<>>& values() const { return values_; }

  /// Typed reads; a wrong type or a missing key is a programming error (checked).
  double number(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;
  bool boolean(std::string_view name) const;
  const std::string& text(std::string_view name) const;
  std::optional<double> optional_number(std::string_view name) const;
  std::optional<std::int64_t> optional_integer(std::string_view name) const;
  std::optional<std::string> optional_text(std::string_view name) const;

  bool operator==(const ParamSet&) const = default;

 private:
  std::map<std::string, ParamValue, std::less<>> values_;
};

/// The declaration named `name`, or nullptr.
const ParamDecl* find_param(const std::vector<ParamDecl>& decls, std::string_view name);

}  // namespace ef21
