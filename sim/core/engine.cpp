#include "sim/core/engine.hpp"

#include <algorithm>
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
    EF21_CHECK(slots_.size() < std::numeric_limits<std::uint32_t>::max() - 1, "too many pending events");
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[slot];
  s.action = std::move(action);
  s.live = true;
  ++live_;
  heap_.push_back(Entry{when, next_seq_++, slot, s.generation});
  std::push_heap(heap_.begin(), heap_.end(), &Engine::later);
  return EventId{slot, s.generation};
}

EventId Engine::schedule_after(SimTime delay, Action action) {
  EF21_CHECK(delay >= 0, fmt::format("negative event delay {} ps", delay));
  return schedule_at(checked_add(now_, delay), std::move(action));
}

void Engine::release(std::uint32_t slot) noexcept {
  Slot& s = slots_[slot];
  s.live = false;
  ++s.generation;  // invalidates the EventId and any heap entry still naming this slot
  free_slots_.push_back(slot);
  --live_;
}

bool Engine::cancel(EventId id) {
  if (!id.valid() || id.slot >= slots_.size()) return false;
  Slot& s = slots_[id.slot];
  if (!s.live || s.generation != id.generation) return false;
  s.action.reset();
  release(id.slot);
  drop_stale_top();
  // Lazy deletion leaves the entry in the heap; keep the heap at most ~2x the live events.
  if (heap_.size() > 64 && heap_.size() > 2 * live_) compact();
  return true;
}

void Engine::pop_top() noexcept {
  std::pop_heap(heap_.begin(), heap_.end(), &Engine::later);
  heap_.pop_back();
}

void Engine::drop_stale_top() noexcept {
  // Invariant restored here: the heap top, if any, is a live event.
  while (!heap_.empty() && is_stale(heap_.front())) pop_top();
}

void Engine::compact() {
  std::erase_if(heap_, [this](const Entry& e) { return is_stale(e); });
  std::make_heap(heap_.begin(), heap_.end(), &Engine::later);
}

bool Engine::step() {
  if (heap_.empty()) return false;
  const Entry top = heap_.front();  // live by the drop_stale_top invariant
  pop_top();
  Action action = std::move(slots_[top.slot].action);
  release(top.slot);
  drop_stale_top();
  now_ = top.time;
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
