#include "sim/output/atomic_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace ef21::sim {

void write_file_atomically(const std::filesystem::path& file, std::string_view content) {
  std::filesystem::path temporary = file;
  temporary += ".tmp";
  std::FILE* out = std::fopen(temporary.c_str(), "wb");
  if (!out) throw std::runtime_error(fmt::format("cannot write {}: {}", temporary.string(), std::strerror(errno)));
  const bool written = std::fwrite(content.data(), 1, content.size(), out) == content.size();
  const bool flushed = std::fflush(out) == 0;
  const bool closed = std::fclose(out) == 0;
  std::error_code ec;
  if (!written || !flushed || !closed) {
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(fmt::format("cannot write {}: {}", file.string(), std::strerror(errno)));
  }
  std::filesystem::rename(temporary, file, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw std::runtime_error(fmt::format("cannot rename {} into place: {}", file.string(), ec.message()));
  }
}

}  // namespace ef21::sim
