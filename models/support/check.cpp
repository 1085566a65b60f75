#include "models/support/check.hpp"

#include <fmt/format.h>

namespace ef21 {

void fail_check(const char* condition, const char* file, int line, const std::string& detail) {
  throw InternalError(fmt::format("internal error: check `{}` failed at {}:{}: {}", condition, file, line, detail));
}

}  // namespace ef21
