#pragma once
// A bound on how deep a TOML text nests, checked before toml++ sees the text.
//
// toml++ bounds nested arrays and inline tables (256), but not the tables a dotted key or
// a [table.header] creates: `a.b.c...= 1` with 60 000 parts nests 60 000 tables, and
// toml++'s recursive passes over the tree (and its destructors) then overflow the stack.
// No scenario nests deeper than four (`[[workers]]`, `network.server.uplink`), so a depth
// far above that and far below any stack limit is an input error instead.
#include <cstddef>
#include <string>
#include <string_view>

namespace ef21::sim {

/// The deepest nesting accepted: tables (one per part of a dotted key or table header, one
/// more for an array of tables) plus arrays and inline tables, counted from the root.
inline constexpr std::size_t kMaxTomlNesting = 128;

/// Throws InputError at `source`:LINE:COL of the key or bracket that would nest deeper than
/// kMaxTomlNesting, counting `base_depth` levels above the text's root (a --set value goes
/// under its key's tables). Strings and comments are skipped; any other malformed text is
/// left to toml++ to report. Linear in the text's length, no recursion.
void check_toml_nesting(std::string_view text, const std::string& source, std::size_t base_depth = 0);

}  // namespace ef21::sim
