#pragma once
// A map from 64-bit ids to 32-bit slots for ids handed out in increasing order, most of them
// short-lived (FlowNetwork: the slot of each message sent and not yet freed, for cancel()).
//
// Direct-mapped: id's home is table[id mod size], the size a power of two kept at least twice
// the most entries there can be (reserve(): FlowNetwork's slot count). The live ids are then
// mostly a window shorter than the table, so a home is almost always free: insert and erase
// are a few instructions (this is on the path of every message). An id whose home is taken (a
// message outliving `size` newer ones) goes to a small overflow list, searched linearly; the
// table doubles when the overflow outgrows it. It grows only when reserve() raises the bound
// or the overflow grows: once warm, nothing is allocated.
#include <algorithm>
#include <cstdint>
#include <vector>

namespace ef21::sim {

class IdSlotMap {
 public:
  static constexpr std::uint32_t kAbsent = 0xffffffffu;

  IdSlotMap() { table_.assign(64, Entry{}); }

  /// Makes room for up to `entries` entries at once (the table at least twice as large).
  void reserve(std::size_t entries) {
    while (table_.size() < 2 * entries) grow();
  }

  /// Adds `id` (not present) -> `slot` (!= kAbsent). At most the reserved number of entries.
  void insert(std::uint64_t id, std::uint32_t slot) {
    Entry& home = table_[id & mask_];
    ++size_;
    if (home.slot == kAbsent) {
      home = Entry{id, slot};
      return;
    }
    insert_overflow(Entry{id, slot});
  }

  /// The slot of `id`, or kAbsent.
  std::uint32_t find(std::uint64_t id) const noexcept {
    const Entry& home = table_[id & mask_];
    if (home.slot != kAbsent && home.id == id) return home.slot;
    for (const Entry& e : overflow_) {
      if (e.id == id) return e.slot;
    }
    return kAbsent;
  }

  /// Removes `id` if present.
  void erase(std::uint64_t id) noexcept {
    Entry& home = table_[id & mask_];
    if (home.slot != kAbsent && home.id == id) {
      home = Entry{};
      --size_;
      return;
    }
    erase_overflow(id);
  }

  std::size_t size() const noexcept { return size_; }

 private:
  struct Entry {
    std::uint64_t id = 0;
    std::uint32_t slot = kAbsent;  // kAbsent: empty
  };

  // The rare paths, out of line so that the common ones stay a few inlined instructions.
  [[gnu::noinline]] void insert_overflow(const Entry& e) {
    overflow_.push_back(e);
    if (overflow_.size() > 8 + table_.size() / 64) grow();  // too many long-lived ids: spread them
  }

  [[gnu::noinline]] void erase_overflow(std::uint64_t id) noexcept {
    const auto it =
        std::find_if(overflow_.begin(), overflow_.end(), [id](const Entry& e) { return e.id == id; });
    if (it == overflow_.end()) return;
    *it = overflow_.back();
    overflow_.pop_back();
    --size_;
  }

  void grow() {
    std::vector<Entry> entries;
    entries.reserve(size_);
    for (const Entry& e : table_) {
      if (e.slot != kAbsent) entries.push_back(e);
    }
    entries.insert(entries.end(), overflow_.begin(), overflow_.end());
    overflow_.clear();
    table_.assign(2 * table_.size(), Entry{});
    mask_ = table_.size() - 1;
    for (const Entry& e : entries) {
      Entry& home = table_[e.id & mask_];
      if (home.slot == kAbsent) {
        home = e;
      } else {
        overflow_.push_back(e);  // (not re-checked: the next insert that overflows grows again)
      }
    }
  }

  std::vector<Entry> table_;
  std::size_t mask_ = 63;  // table size - 1
  std::vector<Entry> overflow_;
  std::size_t size_ = 0;
};

}  // namespace ef21::sim
