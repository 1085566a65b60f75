#pragma once
// Typed, located access to one TOML table of a scenario: the only place where scenario
// input is checked. Unknown keys are errors with a "did you mean"; a bare number where a
// unit is required, a wrong type or an out-of-range value is an error at FILE:LINE:COL.
#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "models/support/input_error.hpp"
#include "sim/core/time.hpp"

namespace ef21::sim {

SourceLocation location_of(const toml::node& node);
SourceLocation location_of(const toml::source_region& region);

/// The known name closest to `name` (edit distance <= 2, or a shared prefix), or "".
std::string closest_name(std::string_view name, const std::vector<std::string>& known);

class TableReader {
 public:
  /// `path` is the dotted name of the table ("network.server") used in messages;
  /// `fallback` locates errors about missing keys when the table itself has no source.
  TableReader(const toml::table& table, std::string path, std::span<const std::string_view> known_keys,
              SourceLocation fallback = {});

  const toml::table& table() const { return table_; }
  bool has(std::string_view key) const { return table_.contains(key); }
  const toml::node* node(std::string_view key) const { return table_.get(key); }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) const;
  std::optional<double> number(std::string_view key, double min, double max, bool min_inclusive = true) const;
  std::optional<std::string> string(std::string_view key) const;
  /// A string from a fixed set ("kind = ..."), with "did you mean" for near misses.
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string>& allowed) const;
  std::optional<bool> boolean(std::string_view key) const;
  std::optional<SimTime> duration(std::string_view key) const;
  std::optional<double> bandwidth(std::string_view key) const;      // bytes/s
  std::optional<std::uint64_t> size(std::string_view key) const;    // bytes ("12 GB", "512 MiB")
  std::optional<double> compute_speed(std::string_view key) const;  // FLOP/s
  const toml::table* subtable(std::string_view key) const;
  const toml::array* array(std::string_view key) const;

  /// Location of a key's value (or of the table when absent).
  SourceLocation where(std::string_view key) const;
  [[noreturn]] void fail(std::string_view key, const std::string& message) const;
  std::string full_name(std::string_view key) const;

 private:
  const toml::node& require_node(std::string_view key) const;
  std::string unit_string(std::string_view key, std::string_view what, std::string_view example) const;

  const toml::table& table_;
  std::string path_;
  SourceLocation fallback_;
};

}  // namespace ef21::sim
