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
    Node last = std::move(heap_.back());
    heap_.pop_back();
    if (!heap_.empty()) {
      // Floyd's variant: the last node usually belongs near the bottom, so move the hole
      // down along the smaller children to a leaf (one comparison per level), then sift the
      // last node up from there.
      const auto n = static_cast<std::uint32_t>(heap_.size());
      std::uint32_t hole = 0;
      for (;;) {
        std::uint32_t child = 2 * hole + 1;
        if (child >= n) break;
        if (child + 1 < n && less_(heap_[child + 1].key, heap_[child].key)) ++child;
        place(hole, std::move(heap_[child]));
        hole = child;
      }
      place(hole, std::move(last));
      sift_up(hole);
    }
    return item;
  }

 private:
  struct Node {
    Key key;
    std::uint32_t item;
  };

  void place(std::uint32_t at, Node node) noexcept {
    pos_[node.item] = at;
    heap_[at] = std::move(node);
  }

  void sift_up(std::uint32_t at) noexcept {
    Node node = std::move(heap_[at]);
    while (at > 0) {
      const std::uint32_t parent = (at - 1) / 2;
      if (!less_(node.key, heap_[parent].key)) break;
      place(at, std::move(heap_[parent]));
      at = parent;
    }
    place(at, std::move(node));
  }

  void sift_down(std::uint32_t at) noexcept {
    const auto n = static_cast<std::uint32_t>(heap_.size());
    if (at >= n) return;
    Node node = std::move(heap_[at]);
    for (;;) {
      std::uint32_t child = 2 * at + 1;
      if (child >= n) break;
      if (child + 1 < n && less_(heap_[child + 1].key, heap_[child].key)) ++child;
      if (!less_(heap_[child].key, node.key)) break;
      place(at, std::move(heap_[child]));
      at = child;
    }
    place(at, std::move(node));
  }

  std::vector<Node> heap_;
  std::vector<std::uint32_t> pos_;
  [[no_unique_address]] Less less_;
};

}  // namespace ef21::sim
