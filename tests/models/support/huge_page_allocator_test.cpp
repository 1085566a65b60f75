#include "models/support/huge_page_allocator.hpp"

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <numeric>
#include <string>

using ef21::HugePageVector;
using ef21::kHugePageBytes;

namespace {

/// The system's THP mode ("always", "madvise", "never"), or "" where it cannot be read.
std::string thp_mode() {
  std::ifstream in("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string text;
  std::getline(in, text);
  const auto open = text.find('['), close = text.find(']');
  return open == std::string::npos || close == std::string::npos ? ""
                                                                 : text.substr(open + 1, close - open - 1);
}

}  // namespace

TEST_CASE("huge page vector: small buffers come from the ordinary heap, large ones 2 MiB-aligned",
          "[support][huge_pages]") {
  HugePageVector<std::uint32_t> small(100);
  std::iota(small.begin(), small.end(), 0u);
  CHECK(small[99] == 99u);

  HugePageVector<double> large(kHugePageBytes / sizeof(double) + 1);  // just over one huge page
  CHECK(reinterpret_cast<std::uintptr_t>(large.data()) % kHugePageBytes == 0);
  for (std::size_t i = 0; i < large.size(); ++i) large[i] = static_cast<double>(i);
  CHECK(large.back() == static_cast<double>(large.size() - 1));
}

TEST_CASE("huge page vector: growth past the threshold keeps the contents", "[support][huge_pages]") {
  HugePageVector<std::uint64_t> grown;
  const std::size_t count = 3 * kHugePageBytes / sizeof(std::uint64_t) + 17;
  for (std::size_t i = 0; i < count; ++i) grown.push_back(i * 2654435761u);
  REQUIRE(grown.size() == count);
  bool same = true;
  for (std::size_t i = 0; i < count; ++i) same = same && grown[i] == i * 2654435761u;
  CHECK(same);
  CHECK(reinterpret_cast<std::uintptr_t>(grown.data()) % kHugePageBytes == 0);
  grown.clear();
  grown.shrink_to_fit();  // frees the mapping
  CHECK(grown.capacity() == 0);
}

TEST_CASE("huge page vector: a large buffer is advised for transparent huge pages", "[support][huge_pages]") {
  const std::string mode = thp_mode();
  if (mode != "madvise" && mode != "always") {
    WARN("transparent huge pages are '" << mode << "' here: nothing to check");
    return;
  }
  HugePageVector<char> large(4 * kHugePageBytes, 1);
  CHECK(ef21::huge_page_eligible(large.data()));
  if (mode == "madvise") {
    // Without the advice the same size of ordinary heap memory is not eligible.
    std::vector<char> plain(4 * kHugePageBytes, 1);
    CHECK_FALSE(ef21::huge_page_eligible(plain.data()));
  }
}
