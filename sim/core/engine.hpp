#pragma once
// The discrete-event engine: a clock and a queue of actions ordered by (time, sequence).
//
// Equal-time events run in the order they were scheduled (the sequence number breaks ties),
// which makes every run deterministic (DESIGN §8). Nothing is global: each Engine is an
// independent world; two engines never interact.
//
// Storage: actions live in a slot array reused through a free list; the queue is a binary
// min-heap of small POD entries over a vector that only grows. Once warm, scheduling and
// running an event allocate nothing (for actions that fit Action's inline buffer).
// cancel() is lazy: the slot is freed at once (its generation bumped), the heap entry is
// skipped when it surfaces, and the heap is compacted when stale entries outnumber live ones.
#include <cstdint>
#include <limits>
#include <optional>
#include <vector>

#include "sim/core/inline_function.hpp"
#include "sim/core/time.hpp"

namespace ef21::sim {

/// What an event does. Captures up to 48 bytes are stored inline (no allocation).
using Action = InlineFunction<void(), 48>;

/// Handle of a scheduled event, for cancel(). A default-constructed id refers to nothing.
/// Ids of events that ran or were cancelled are never confused with later events
/// (slot generation).
struct EventId {
  std::uint32_t slot = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t generation = 0;

  bool valid() const noexcept { return slot != std::numeric_limits<std::uint32_t>::max(); }
  friend bool operator==(const EventId&, const EventId&) = default;
};

class Engine {
 public:
  Engine() = default;
  Engine(const Engine&) = delete;             // actions capture pointers into their world
  Engine& operator=(const Engine&) = delete;

  /// Current simulated time: the time of the event being run (or last run), in ps.
  SimTime now() const noexcept { return now_; }

  /// Runs `action` at `when` (>= now(); scheduling in the past is an EF21_CHECK failure).
  EventId schedule_at(SimTime when, Action action);
  /// Runs `action` at now() + delay (delay >= 0; overflow of the clock throws InputError).
  EventId schedule_after(SimTime delay, Action action);
  /// Removes a pending event. False if it already ran, was cancelled, or `id` is invalid.
  bool cancel(EventId id);

  /// Runs the next event; false (and nothing happens) if none is pending.
  bool step();
  /// Runs events until none is pending or stop() is called from an action.
  void run();
  /// Runs every event with time <= `until` (unless stop() is called), then advances the
  /// clock to `until` if it is later than now().
  void run_until(SimTime until);
  /// Makes the current run()/run_until() return after the running action.
  void stop() noexcept { stopped_ = true; }

  /// Time of the next pending event, if any.
  std::optional<SimTime> next_event_time() const noexcept;
  /// Events run so far.
  std::uint64_t events_processed() const noexcept { return processed_; }
  /// Events scheduled and neither run nor cancelled.
  std::size_t pending() const noexcept { return live_; }

 private:
  struct Slot {
    Action action;
    std::uint32_t generation = 0;
    bool live = false;
  };
  struct Entry {  // heap entry; orders by (time, seq)
    SimTime time;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t generation;
  };
  static bool later(const Entry& a, const Entry& b) noexcept {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
  bool is_stale(const Entry& e) const noexcept {
    const Slot& s = slots_[e.slot];
    return !s.live || s.generation != e.generation;
  }
  void pop_top() noexcept;
  void drop_stale_top() noexcept;
  void compact();
  void release(std::uint32_t slot) noexcept;

  SimTime now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t live_ = 0;
  bool stopped_ = false;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
};

}  // namespace ef21::sim
