#pragma once
// A binary min-heap of small integer items (dense ids 0..capacity-1) whose keys can be
// changed in place: update(item, key) inserts or moves it, erase(item) removes it, both
// O(log n). Positions live in a vector indexed by item, so nothing is allocated once the id
// space has been seen. Ties between equal keys are broken by the key type's own ordering
// (use a key that includes a sequence number for determinism).
#include <cstdint>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "sim/core/heap_sift.hpp"

namespace ef21::sim {

template <typename Key, typename Less = std::less<Key>>
class IndexedMinHeap {
 public:
  static constexpr std::uint32_t kAbsent = std::numeric_limits<std::uint32_t>::max();

  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  bool contains(std::uint32_t item) const noexcept { return item < pos_.size() && pos_[item] != kAbsent; }

  std::uint32_t top() const noexcept { return heap_.front().item; }
  const Key& top_key() const noexcept { return heap_.front().key; }
  const Key& key(std::uint32_t item) const noexcept { return heap_[pos_[item]].key; }

  /// Inserts `item` with `k`, or changes its key if present.
  void update(std::uint32_t item, const Key& k) {
    if (item >= pos_.size()) pos_.resize(item + 1, kAbsent);
    std::uint32_t at = pos_[item];
    if (at == kAbsent) {
      at = static_cast<std::uint32_t>(heap_.size());
      heap_.push_back(Node{k, item});
      pos_[item] = at;
      sift_up(at);
      return;
    }
    const bool decreased = less_(k, heap_[at].key);
    heap_[at].key = k;
    if (decreased) sift_up(at); else sift_down(at);
  }

  void erase(std::uint32_t item) noexcept {
    if (!contains(item)) return;
    const std::uint32_t at = pos_[item];
    pos_[item] = kAbsent;
    const std::uint32_t last = static_cast<std::uint32_t>(heap_.size() - 1);
    if (at != last) {
      const std::uint32_t moved = heap_[last].item;
      heap_[at] = std::move(heap_[last]);
      pos_[moved] = at;
      heap_.pop_back();
      sift_up(at);
      if (pos_[moved] == at) sift_down(at);
    } else {
      heap_.pop_back();
    }
  }

  std::uint32_t pop() noexcept {
    const std::uint32_t item = top();
    pos_[item] = kAbsent;
    heap_pop_top(heap_, before(), placed());
    return item;
  }

 private:
  struct Node {
    Key key;
    std::uint32_t item;
  };

  auto before() const noexcept {
    return [this](const Node& a, const Node& b) { return less_(a.key, b.key); };
  }
  auto placed() noexcept {
    return [this](const Node& node, std::size_t at) { pos_[node.item] = static_cast<std::uint32_t>(at); };
  }
  void sift_up(std::uint32_t at) noexcept { heap_sift_up(heap_, at, before(), placed()); }
  void sift_down(std::uint32_t at) noexcept {
    if (at < heap_.size()) heap_sift_down(heap_, at, before(), placed());
  }

  std::vector<Node> heap_;
  std::vector<std::uint32_t> pos_;
  [[no_unique_address]] Less less_;
};

}  // namespace ef21::sim
