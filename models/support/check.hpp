#pragma once
// Invariant checks that stay on in release builds (DESIGN §9). A failed check is a bug in
// ef21sim, not bad input: it throws InternalError, which the CLI maps to exit code 1.
#include <stdexcept>
#include <string>

namespace ef21 {

class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

[[noreturn]] void fail_check(const char* condition, const char* file, int line, const std::string& detail);

}  // namespace ef21

#define EF21_CHECK(condition, detail)                                   \
  do {                                                                  \
    if (!(condition)) ::ef21::fail_check(#condition, __FILE__, __LINE__, (detail)); \
  } while (false)
