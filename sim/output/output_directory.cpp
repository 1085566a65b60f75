#include "sim/output/output_directory.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "models/support/input_error.hpp"

namespace ef21::sim {
namespace fs = std::filesystem;

void check_output_directory(const fs::path& dir) {
  const SourceLocation where{dir.string(), 0, 0};
  std::error_code ec;
  const fs::path full = fs::absolute(dir, ec).lexically_normal();
  if (ec) throw InputError(where, fmt::format("cannot resolve the output directory: {}", ec.message()));
  // The nearest ancestor that exists (the directory itself when it does).
  fs::path existing = full;
  while (!fs::exists(existing, ec)) {
    if (!existing.has_parent_path() || existing.parent_path() == existing)
      throw InputError(where, "cannot create the output directory: no existing ancestor");
    existing = existing.parent_path();
  }
  if (!fs::is_directory(existing, ec))
    throw InputError(where, existing == full
                                ? std::string("the output path exists and is not a directory")
                                : fmt::format("cannot create the output directory: {} is not a directory",
                                              existing.string()));
  if (::access(existing.c_str(), W_OK | X_OK) != 0)
    throw InputError(where, fmt::format("cannot write the output directory{}: {}",
                                        existing == full ? "" : fmt::format(" (in {})", existing.string()),
                                        std::strerror(errno)));
}

}  // namespace ef21::sim
