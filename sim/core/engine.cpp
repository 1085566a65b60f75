#include "sim/core/engine.hpp"

#include "sim/core/heap_sift.hpp"

#include <fmt/format.h>

#include "models/support/check.hpp"

namespace ef21::sim {

EventId Engine::schedule_at(SimTime when, Action action) {
  EF21_CHECK(when >= now_, fmt::format("event scheduled in the past: at {} ps, now {} ps", when, now_));
  EF21_CHECK(static_cast<bool>(action), "event scheduled without an action");
  std::uint32_t slot = 0;
  if (!free_slots_.empty()) {
    slot = free_slots_.back();
    free_slots_.pop_back();
  } else {
    EF21_CHECK(slots_.size() < kNoSlot - 1, "too many pending events");
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.action = std::move(action);
  s.seq = next_seq_++;
  s.next = kNoSlot;
  s.live = true;
  ++live_;
  if (last_scheduled_ != kNoSlot && last_scheduled_time_ == when) {
    slots_[last_scheduled_].next = slot;  // joins its run, whose last event it was: still sorted
  } else {
    heap_.push_back(Run{when, s.seq, slot});
    sift_up(heap_.size() - 1);
  }
  last_scheduled_ = slot;
  last_scheduled_time_ = when;
  return EventId{slot, s.generation};
}

EventId Engine::schedule_after(SimTime delay, Action action) {
  EF21_CHECK(delay >= 0, fmt::format("negative event delay {} ps", delay));
  return schedule_at(checked_add(now_, delay), std::move(action));
}

bool Engine::cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (!s.live || s.generation != id.generation) return false;
  s.action.reset();
  s.live = false;
  ++s.generation;  // invalidates `id`; the slot stays in its run until it surfaces
  --live_;
  ++cancelled_;
  drop_cancelled_top();
  // Keep the queue at most ~2x the live events.
  if (live_ + cancelled_ > 64 && cancelled_ > live_) compact();
  return true;
}

std::uint32_t Engine::take_top() noexcept {
  Run& top = heap_.front();
  const std::uint32_t slot = top.first;
  const std::uint32_t next = slots_[slot].next;
  if (slot == last_scheduled_) last_scheduled_ = kNoSlot;  // its run ends here: none to join
  if (next != kNoSlot) {
    top.first = next;
    top.seq = slots_[next].seq;  // a later key: only the top may have to move down
    if (heap_.size() > 1) sift_down(0);
  } else {
    pop_heap_top();
  }
  return slot;
}

void Engine::pop_heap_top() noexcept { heap_pop_top(heap_, before, NoPositions{}); }

void Engine::free_slot(std::uint32_t slot) noexcept {
  slots_[slot].next = kNoSlot;
  free_slots_.push_back(slot);
}

void Engine::pop_cancelled_events() noexcept {
  while (!heap_.empty() && !slots_[heap_.front().first].live) {
    free_slot(take_top());
    --cancelled_;
  }
}

void Engine::compact() {
  std::size_t kept = 0;
  for (std::size_t i = 0; i < heap_.size(); ++i) {
    const Run run = heap_[i];
    std::uint32_t first = kNoSlot;
    std::uint32_t last = kNoSlot;
    for (std::uint32_t slot = run.first; slot != kNoSlot;) {
      const std::uint32_t next = slots_[slot].next;
      if (!slots_[slot].live) {
        free_slot(slot);
      } else {
        (last == kNoSlot ? first : slots_[last].next) = slot;
        last = slot;
      }
      slot = next;
    }
    if (last == kNoSlot) continue;
    slots_[last].next = kNoSlot;
    heap_[kept++] = Run{run.time, slots_[first].seq, first};
  }
  heap_.resize(kept);
  cancelled_ = 0;
  last_scheduled_ = kNoSlot;  // it may have been dropped; a new run is always correct
  for (std::size_t i = heap_.size() / 2; i-- > 0;) sift_down(i);
}

void Engine::sift_up(std::size_t at) noexcept { heap_sift_up(heap_, at, before, NoPositions{}); }

void Engine::sift_down(std::size_t at) noexcept { heap_sift_down(heap_, at, before, NoPositions{}); }

bool Engine::step() {
  if (heap_.empty()) return false;
  const SimTime time = heap_.front().time;
  const std::uint32_t slot = take_top();  // live by the drop_cancelled_top invariant
  Slot& s = slots_[slot];
  Action action = std::move(s.action);
  s.live = false;
  ++s.generation;  // cancel() of its id now reports that it already ran
  --live_;
  free_slot(slot);
  drop_cancelled_top();
  now_ = time;
  ++processed_;
  action();  // may schedule or cancel events; the engine is consistent here
  return true;
}

void Engine::run() {
  stopped_ = false;
  while (!stopped_ && step()) {
  }
}

void Engine::run_until(SimTime until) {
  stopped_ = false;
  while (!stopped_ && !heap_.empty() && heap_.front().time <= until) step();
  if (!stopped_ && until > now_) now_ = until;
}

std::optional<SimTime> Engine::next_event_time() const noexcept {
  if (heap_.empty()) return std::nullopt;
  return heap_.front().time;
}

}  // namespace ef21::sim
