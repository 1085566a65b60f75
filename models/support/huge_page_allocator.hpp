#pragma once
// Large per-worker arrays backed by transparent huge pages.
//
// Why: a cross-device run holds state for 10^6 clients (hundreds of MB per array) and a round
// touches a random 10^3 of them. With 4 KiB pages nearly every such access misses the TLB as
// well as the cache (the page walk itself often misses too); with 2 MiB pages a 200 MB array
// needs 100 TLB entries and they stay resident. Linux gives transparent huge pages to memory
// advised with madvise(MADV_HUGEPAGE) when /sys/kernel/mm/transparent_hugepage/enabled is
// "madvise" (Debian's default) or "always".
//
// HugePageAllocator<T> maps every allocation of at least kHugePageBytes on its own,
// 2 MiB-aligned and advised so; smaller ones come from operator new (a few workers' state
// would waste most of a huge page). Where huge pages are unavailable (THP "never", another
// OS) the advice is ignored and the memory behaves as any other. Contents, and so outputs,
// never depend on it: only the pages that back them do.
#include <cstddef>
#include <new>
#include <vector>

namespace ef21 {

/// One x86-64 / arm64 transparent huge page, and the smallest allocation mapped on its own.
inline constexpr std::size_t kHugePageBytes = std::size_t{2} << 20;

/// `bytes` of memory aligned to __STDCPP_DEFAULT_NEW_ALIGNMENT__ (to kHugePageBytes, mapped
/// and advised for huge pages, when bytes >= kHugePageBytes). Throws std::bad_alloc.
void* allocate_huge_page_backed(std::size_t bytes);
/// Frees what allocate_huge_page_backed(bytes) returned (the same `bytes`).
void release_huge_page_backed(void* memory, std::size_t bytes) noexcept;
/// Whether the kernel would back `memory` (an allocation of at least kHugePageBytes from
/// allocate_huge_page_backed) with huge pages: its mapping is THP-eligible in
/// /proc/self/smaps. False where that cannot be told (no /proc, no THP).
bool huge_page_eligible(const void* memory);

template <class T>
struct HugePageAllocator {
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned types are not supported");
  using value_type = T;

  HugePageAllocator() noexcept = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>& /*other*/) noexcept {}

  T* allocate(std::size_t count) {
    if (count > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(allocate_huge_page_backed(count * sizeof(T)));
  }
  void deallocate(T* memory, std::size_t count) noexcept {
    release_huge_page_backed(memory, count * sizeof(T));
  }

  template <class U>
  friend bool operator==(const HugePageAllocator& /*a*/, const HugePageAllocator<U>& /*b*/) noexcept {
    return true;  // stateless: any instance frees what any other allocated
  }
};

/// A std::vector whose buffer, once it reaches kHugePageBytes, lies on huge pages.
template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace ef21
