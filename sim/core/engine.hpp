#pragma once
// The discrete-event engine: a clock and a queue of actions ordered by (time, sequence).
//
// Equal-time events run in the order they were scheduled (the sequence number breaks ties),
// which makes every run deterministic (DESIGN §8). Nothing is global: each Engine is an
// independent world; two engines never interact.
//
// Storage: events live in a slot array reused through a free list. The queue is a binary
// min-heap of runs: a run is a linked list (through the slots) of events of one time in
// scheduling order, and the heap orders runs by (time, sequence number of their first event),
// which merges them into the global (time, sequence) order. An event scheduled at the time of
// the event scheduled just before it joins that event's run (its sequence number is the
// largest yet, so the run stays sorted): n events at one instant (a broadcast, workers
// computing in lockstep) cost one heap entry instead of n, and taking each out is O(1)
// instead of O(log n). Vectors only grow: once warm, scheduling and running an event allocate
// nothing (for actions that fit Action's inline buffer).
// cancel() is lazy: the event's id is invalidated at once (its slot's generation bumped) and
// its slot stays in its run until it surfaces; the queue is compacted when cancelled events
// outnumber live ones.
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
  static constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();

  struct Slot {
    Action action;
    std::uint64_t seq = 0;         // sequence number while queued
    std::uint32_t next = kNoSlot;  // the next event of its run, while queued
    std::uint32_t generation = 0;  // bumped when it runs or is cancelled
    bool live = false;             // queued and not cancelled
  };
  struct Run {  // heap entry: a run keyed by (time, sequence number of its first event)
    SimTime time;
    std::uint64_t seq;
    std::uint32_t first;  // slot
  };
  static bool before(const Run& a, const Run& b) noexcept {
    return a.time != b.time ? a.time < b.time : a.seq < b.seq;
  }
  std::uint32_t take_top() noexcept;
  void pop_heap_top() noexcept;
  void free_slot(std::uint32_t slot) noexcept;
  /// Restores the invariant that the first event of the top run, if any, is live.
  void drop_cancelled_top() noexcept {
    if (!heap_.empty() && !slots_[heap_.front().first].live) pop_cancelled_events();
  }
  void pop_cancelled_events() noexcept;
  void compact();
  void sift_up(std::size_t at) noexcept;
  void sift_down(std::size_t at) noexcept;

  SimTime now_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t processed_ = 0;
  std::size_t live_ = 0;
  std::size_t cancelled_ = 0;  // cancelled events still in their runs
  bool stopped_ = false;
  std::vector<Run> heap_;
  std::uint32_t last_scheduled_ = kNoSlot;  // the last event scheduled, while still queued
  SimTime last_scheduled_time_ = 0;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
};

}  // namespace ef21::sim
