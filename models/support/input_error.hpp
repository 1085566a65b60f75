#pragma once
// Errors in user input (scenario files, datasets, command-line values).
//
// DESIGN §9: input errors are exceptions that carry the input location; the CLI turns
// them into `FILE:LINE:COL: error: MESSAGE` and exit code 2. Library code never prints.
#include <cstdint>
#include <stdexcept>
#include <string>

namespace ef21 {

/// Where in an input something went wrong. line/column are 1-based; 0 means unknown.
struct SourceLocation {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;
};

/// Renders `FILE:LINE:COL` (omitting unknown parts), the prefix of every input error.
std::string format_location(const SourceLocation& where);

class InputError : public std::runtime_error {
 public:
  InputError(SourceLocation where, const std::string& message);
  explicit InputError(const std::string& message);  // no known location

  const SourceLocation& where() const noexcept { return where_; }
  const std::string& message() const noexcept { return message_; }

 private:
  SourceLocation where_;
  std::string message_;
};

}  // namespace ef21
