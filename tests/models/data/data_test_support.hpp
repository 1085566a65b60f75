#pragma once
// Helpers for the models/data tests: temporary files, the shared datasets, seeds, and
// InputError location checks.
#include <catch2/catch.hpp>

#include "tests/support/temp_dir.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <unistd.h>

#include "models/data/dataset.hpp"
#include "models/support/input_error.hpp"

namespace ef21::data::test {

/// Fixture directory (tests/support/temp_dir.hpp) named for the data tests.
struct TempDir : ef21::test::TempDir {
  TempDir() : ef21::test::TempDir("ef21sim-data-test") {}
};

/// The seed of a randomized test: EF21SIM_TEST_SEED if set, else `fallback`. Callers
/// CAPTURE it so a failure prints the seed to rerun with.
inline std::uint64_t test_seed(std::uint64_t fallback) {
  if (const char* text = std::getenv("EF21SIM_TEST_SEED")) return std::strtoull(text, nullptr, 10);
  return fallback;
}

/// tests/models/data/fixtures/NAME in the source tree.
inline std::filesystem::path fixture(const std::string& name) {
  return std::filesystem::path(EF21SIM_SOURCE_DIR) / "tests" / "models" / "data" / "fixtures" / name;
}

/// The EF21 paper's datasets, beside the project root (../shared/data/libsvm, see
/// shared/data/README.md). A missing file fails the test with a message saying where it
/// should be: no silent skips.
inline std::filesystem::path shared_dataset(const std::string& name) {
  const std::filesystem::path file =
      std::filesystem::path(EF21SIM_SOURCE_DIR) / ".." / "shared" / "data" / "libsvm" / name;
  if (!std::filesystem::exists(file)) {
    FAIL("shared dataset missing: " << file.string()
                                    << " (the EF21 paper's datasets are expected in ../shared/data/libsvm "
                                       "beside the project root)");
  }
  return file;
}

/// Calls `read` and checks it throws InputError at exactly (file, line, column) with a
/// message containing `fragment`.
template <typename Read>
void require_input_error(Read&& read, const std::filesystem::path& file, std::uint32_t line, std::uint32_t column,
                         std::string_view fragment) {
  try {
    read();
    FAIL("expected an InputError containing '" << fragment << "'");
  } catch (const InputError& e) {
    INFO("what(): " << e.what());
    CHECK(e.where().file == file.string());
    CHECK(e.where().line == line);
    CHECK(e.where().column == column);
    CHECK_THAT(e.message(), Catch::Matchers::Contains(std::string(fragment)));
  }
}

/// Dense copy of the features, whatever the storage (for element-wise comparisons).
inline Eigen::MatrixXd to_dense(const Dataset& data) {
  if (const auto* sparse = std::get_if<SparseRowMatrix>(&data.features)) return Eigen::MatrixXd(*sparse);
  return Eigen::MatrixXd(std::get<DenseRowMatrix>(data.features));
}

}  // namespace ef21::data::test
