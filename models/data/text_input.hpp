#pragma once
// Low-level helpers shared by the text dataset readers (LIBSVM, CSV): whole-file reads with
// useful errors, and number parsing with std::from_chars (locale-independent, no iostreams).
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace ef21::data::detail {

/// The whole file as bytes. Throws InputError located at the path (no line) when it
/// cannot be read: "cannot open PATH: REASON", with `missing_hint` appended ("; HINT")
/// when the file does not exist.
std::string read_text_file(const std::filesystem::path& file, std::string_view missing_hint);

enum class NumberStatus {
  ok,
  invalid,       // does not start with a number
  trailing,      // a number followed by other characters; `stop` points at the first one
  out_of_range,  // magnitude beyond double (e.g. 1e999) or below its smallest subnormal
  non_finite,    // "nan", "inf", "infinity" in any case
};

struct ParsedNumber {
  double value = 0.0;
  NumberStatus status = NumberStatus::invalid;
  const char* stop = nullptr;  // one past the parsed number (== last when status is ok)
};

/// Parses [first, last) as a decimal or scientific double, accepting one leading '+'
/// (LIBSVM files write "+1"), which std::from_chars alone rejects.
ParsedNumber parse_double(const char* first, const char* last);

/// Spaces and tabs separate tokens; '\r' before '\n' is stripped by the line splitters.
inline bool is_blank(char c) { return c == ' ' || c == '\t'; }

/// A token for messages: at most 32 characters, with "..." when cut.
std::string quote_token(const char* first, const char* last);

/// 1-based line and column numbers, saturated to the range of SourceLocation's fields.
std::uint32_t to_position(std::int64_t one_based);

}  // namespace ef21::data::detail
