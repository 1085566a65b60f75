// LIBSVM reader limits: a feature index beyond 2^31 - 1 is an error at its line, and a large
// index that is allowed costs no memory in proportion to it (issue 13: the two-line file
// "1 400000000:1" / "-1 1:1" used to make Eigen reserve 2 max(rows, d) entries, 9.6 GB).
#include <catch2/catch.hpp>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <string>

#include "models/data/libsvm_reader.hpp"
#include "models/data/split.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::require_input_error;
using test::TempDir;

// AddressSanitizer maps its own large regions as it goes: an address-space bound would trip
// it, not the code under test. Under ASan the bound is left out (the work still runs).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

/// Runs `work` in a child process whose address space may grow by at most `headroom` bytes
/// beyond the parent's current size (RLIMIT_AS), and returns whether it finished normally.
/// An allocation in proportion to a large feature index fails there (bad_alloc), instead of
/// taking the machine's memory.
bool runs_within(std::size_t headroom, const std::function<void()>& work) {
  if (kAddressSanitizer) {
    work();
    return true;
  }
  std::size_t pages = 0;
  {
    std::ifstream statm("/proc/self/statm");
    statm >> pages;
  }
  REQUIRE(pages > 0);
  const auto limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + headroom;
  std::fflush(nullptr);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const rlimit bound{limit, limit};
    if (::setrlimit(RLIMIT_AS, &bound) != 0) ::_exit(4);
    try {
      work();
    } catch (...) {
      ::_exit(3);
    }
    ::_exit(0);
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

constexpr std::size_t kMiB = std::size_t{1} << 20;

}  // namespace

TEST_CASE("a feature index above 2^31 - 1 is an error at its line and column, however large") {
  TempDir dir;
  const std::string ok = "1 1:1\n-1 2:1\n";
  // On line 3, after a valid pair: the error is at the index, column 7.
  for (const char* index : {"2147483648", "4294967296", "1000000000000", "99999999999999999999999999"}) {
    SECTION(index) {
      const auto file = dir.write("big.libsvm", ok + "1 3:1 " + index + ":1\n");
      require_input_error([&] { read_libsvm(file); }, file, 3, 7, "is too large (at most 2147483647)");
    }
  }
}

TEST_CASE("a large allowed feature index costs memory in rows and stored values only") {
  TempDir dir;
  const auto file = dir.write("sparse-wide.libsvm", "1 400000000:1\n-1 1:1\n");
  // In process: d is the index, two values are stored, and no storage beyond them.
  const Dataset data = read_libsvm(file);
  CHECK(data.dim() == 400000000);
  CHECK(data.rows() == 2);
  CHECK(data.stored_values() == 2);
  CHECK(std::get<SparseRowMatrix>(data.features).data().allocatedSize() == 2);
  // Under a 64 MiB address-space bound (the old reader reserved 2 x 4e8 entries, 9.6 GB, and
  // split_dataset as much again per shard): reading, splitting in 2 workers and the row block.
  CHECK(runs_within(64 * kMiB, [&] {
    const Dataset d = read_libsvm(file);
    const auto shards = split_dataset(d, 2, {});
    const auto shuffled = split_dataset(d, 2, {SplitKind::shuffled, 7});
    if (shards[0].dim() != 400000000 || shuffled[1].stored_values() != 1)
      throw std::runtime_error("wrong shards");
  }));
  // The largest allowed index, 2^31 - 1, the same way.
  const auto largest = dir.write("largest.libsvm", "1 1:1 2147483647:-2\n-1 5:1\n");
  CHECK(runs_within(64 * kMiB, [&] {
    const Dataset d = read_libsvm(largest);
    if (d.dim() != 2147483647 || d.stored_values() != 3) throw std::runtime_error("wrong dataset");
  }));
  CHECK(read_libsvm(largest).dim() == 2147483647);
}

}  // namespace ef21::data
