#include "models/support/huge_page_allocator.hpp"

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace ef21 {
namespace {

std::size_t round_up_to_huge_page(std::size_t bytes) {
  if (bytes > static_cast<std::size_t>(-1) - kHugePageBytes) throw std::bad_alloc();
  return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
}

}  // namespace

void* allocate_huge_page_backed(std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kHugePageBytes) {
    // Map one huge page more than needed, keep the 2 MiB-aligned part: the kernel can back an
    // advised range with huge pages only where it covers whole aligned 2 MiB blocks.
    const std::size_t size = round_up_to_huge_page(bytes);
    void* mapped =
        mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) throw std::bad_alloc();
    const auto start = reinterpret_cast<std::uintptr_t>(mapped);
    const std::uintptr_t aligned = (start + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    if (aligned > start) munmap(mapped, aligned - start);
    const std::uintptr_t tail = start + size + kHugePageBytes - (aligned + size);
    if (tail > 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
    // Advice only: without THP (or with THP "never") the memory stays on small pages.
    madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
  }
#endif
  return ::operator new(bytes);
}

void release_huge_page_backed(void* memory, std::size_t bytes) noexcept {
  if (memory == nullptr) return;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kHugePageBytes) {
    munmap(memory, round_up_to_huge_page(bytes));
    return;
  }
#endif
  ::operator delete(memory);
}

bool huge_page_eligible(const void* memory) {
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) return false;
  const auto address = reinterpret_cast<std::uintptr_t>(memory);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    // A mapping's header: "start-end perms offset dev inode [path]" (hex addresses).
    std::uintptr_t from = 0, to = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> from >> dash >> to && dash == '-') {
      inside = from <= address && address < to;
      continue;
    }
    if (inside && line.rfind("THPeligible:", 0) == 0) return line.find('1') != std::string::npos;
  }
  return false;
}

}  // namespace ef21
