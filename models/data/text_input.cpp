#include "models/data/text_input.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <limits>
#include <memory>
#include <string_view>
#include <system_error>

#include "models/support/input_error.hpp"

namespace ef21::data::detail {
namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

std::string read_text_file(const std::filesystem::path& file, std::string_view missing_hint) {
  const std::string name = file.string();
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    std::string message = fmt::format("cannot open {}: No such file", name);
    if (!missing_hint.empty()) message += fmt::format("; {}", missing_hint);
    throw InputError(SourceLocation{name, 0, 0}, message);
  }
  if (std::filesystem::is_directory(file, ec)) {
    throw InputError(SourceLocation{name, 0, 0}, fmt::format("cannot open {}: is a directory", name));
  }
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> in(std::fopen(name.c_str(), "rb"));
  if (!in) {
    throw InputError(SourceLocation{name, 0, 0},
                     fmt::format("cannot open {}: {}", name, std::generic_category().message(errno)));
  }
  std::string text;
  char buffer[1 << 16];
  std::size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof buffer, in.get())) > 0) text.append(buffer, got);
  if (std::ferror(in.get())) {
    throw InputError(SourceLocation{name, 0, 0}, fmt::format("cannot read {}: read error", name));
  }
  return text;
}

ParsedNumber parse_double(const char* first, const char* last) {
  ParsedNumber out;
  const char* start = first;
  // One leading '+' is allowed, but not "+-1" or "++1" (from_chars would take the '-').
  if (start != last && *start == '+') {
    ++start;
    if (start == last || *start == '+' || *start == '-') {
      out.stop = first;
      return out;
    }
  }
  double value = 0.0;
  const auto [ptr, ec] = std::from_chars(start, last, value, std::chars_format::general);
  out.stop = ptr;
  if (ec == std::errc::invalid_argument) {
    out.stop = first;
    out.status = NumberStatus::invalid;
    return out;
  }
  if (ec == std::errc::result_out_of_range) {
    out.status = NumberStatus::out_of_range;
    return out;
  }
  out.value = value;
  if (!std::isfinite(value)) {  // from_chars reads "nan", "inf", "infinity" (any case)
    out.status = NumberStatus::non_finite;
    return out;
  }
  out.status = (ptr == last) ? NumberStatus::ok : NumberStatus::trailing;
  return out;
}

std::string quote_token(const char* first, const char* last) {
  constexpr std::ptrdiff_t kMax = 32;
  if (last - first <= kMax) return fmt::format("'{}'", std::string_view(first, static_cast<std::size_t>(last - first)));
  return fmt::format("'{}...'", std::string_view(first, static_cast<std::size_t>(kMax)));
}

std::uint32_t to_position(std::int64_t one_based) {
  constexpr auto kMax = static_cast<std::int64_t>(std::numeric_limits<std::uint32_t>::max());
  return static_cast<std::uint32_t>(one_based < 0 ? 0 : (one_based > kMax ? kMax : one_based));
}

}  // namespace ef21::data::detail
