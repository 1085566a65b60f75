#pragma once
// Shared pieces of the libFuzzer targets (tests/fuzz/README.md).
//
// Every target feeds its input to the same function the ef21sim command line calls for that
// file format. Bad input must end in the project's documented input error (InputError, or the
// std::runtime_error that the sweep table reader documents); anything else is a finding:
// another exception escapes and aborts here with its type and message, and a crash, a
// sanitizer report, a timeout or a huge allocation is caught by libFuzzer itself.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <typeinfo>

#include "models/support/input_error.hpp"

namespace ef21::fuzz {

/// A directory of this fuzzing process for the files the readers open by path; removed at exit.
class ScratchDir {
 public:
  ScratchDir()
      : path_(std::filesystem::temp_directory_path() / ("ef21sim-fuzz-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes the bytes as they are (binary) and returns the file's path.
  std::filesystem::path write(const std::string& name, std::string_view bytes) const {
    const std::filesystem::path file = path_ / name;
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) {
      std::fprintf(stderr, "fuzz: cannot write %s\n", file.c_str());
      std::abort();
    }
    return file;
  }

 private:
  std::filesystem::path path_;
};

/// The process's scratch directory (made on first use).
inline ScratchDir& scratch() {
  static ScratchDir dir;
  return dir;
}

[[noreturn]] inline void unexpected_exception(const std::exception& e) {
  std::fprintf(stderr, "fuzz: unexpected exception %s: %s\n", typeid(e).name(), e.what());
  std::abort();
}

/// A property the target checks does not hold: a finding.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "fuzz: %s\n", what);
  std::abort();
}

/// Runs `parse`, which may throw `Expected` (bad input); any other exception is a finding.
template <typename Expected = InputError, typename Parse>
void expect_only(Parse&& parse) {
  try {
    parse();
  } catch (const Expected&) {
    // the documented outcome of bad input
  } catch (const std::exception& e) {
    unexpected_exception(e);
  }
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace ef21::fuzz
