// FlowNetwork's message lifecycle (flow_network.hpp): send, the latency phase, the start of a
// flow, completion events (the exact instant of the earliest, coalesced deliveries), cancel,
// and delivery to the callbacks.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/support/check.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/flow_network_detail.hpp"

namespace ef21::sim {

using flow_detail::ceil_to_picosecond;
using flow_detail::coalescing_window;

std::uint32_t FlowNetwork::allocate_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  EF21_CHECK(messages_.size() < kNone - 1, "too many messages in flight");
  messages_.emplace_back();
  if (track_ids_) slot_of_id_.reserve(messages_.size());
  return static_cast<std::uint32_t>(messages_.size() - 1);
}

inline void FlowNetwork::free_slot(std::uint32_t slot) {  // (used in this file only)
  Message& m = messages_[slot];
  if (track_ids_) slot_of_id_.erase(m.id);
  m.callback.reset();
  m.pending = EventId{};
  m.route = kNone;
  m.phase = Phase::free;
  free_slots_.push_back(slot);
}

Delivery FlowNetwork::make_delivery(const Message& m, SimTime t_done) const {
  return Delivery{m.id, m.src, m.dst, m.bytes, m.t_send, m.t_flow, t_done};
}

MessageId FlowNetwork::send(NodeId src, NodeId dst, std::uint64_t bytes, Callback on_delivered) {
  EF21_CHECK(src < topo_.node_count() && dst < topo_.node_count(),
             fmt::format("send between unknown nodes {} -> {}", src, dst));
  const SimTime now = engine_.now();
  std::uint32_t route = kNone;
  SimTime t_flow = now;
  if (src != dst) {
    route = routes_.index(src, dst);
    t_flow = checked_add(now, routes_.latency(route));
  }
  const std::uint32_t slot = allocate_slot();
  Message& m = messages_[slot];
  m.id = next_id_++;
  m.src = src;
  m.dst = dst;
  m.bytes = bytes;
  m.t_send = now;
  m.t_flow = t_flow;
  m.route = route;
  m.phase = Phase::latency;
  m.callback = std::move(on_delivered);
  if (track_ids_) slot_of_id_.insert(m.id, slot);
  ++messages_sent_;
  bytes_sent_ += bytes;
  ++in_flight_;

  const bool flows = src != dst && bytes > 0 && !routes_.resources(route).empty();
  if (flows) {
    m.pending = engine_.schedule_at(t_flow, [this, slot] { start_flow(slot); });
  } else {
    // Nothing to share: delivered once the latency is paid (at once for src == dst).
    m.pending = engine_.schedule_at(t_flow, [this, slot] { deliver_direct(slot); });
  }
  return m.id;
}

void FlowNetwork::deliver_direct(std::uint32_t slot) {
  Message& m = messages_[slot];
  const Delivery delivery = make_delivery(m, engine_.now());
  Callback callback = std::move(m.callback);
  free_slot(slot);
  ++messages_delivered_;
  bytes_delivered_ += delivery.bytes;
  --in_flight_;
  if (callback) callback(delivery);
}

void FlowNetwork::start_flow(std::uint32_t slot) {
  Message& m = messages_[slot];
  m.pending = EventId{};
  m.phase = Phase::flowing;
  m.remaining = static_cast<double>(m.bytes);
  m.rate = 0;
  exact_now_ = std::max(exact_now_, static_cast<double>(engine_.now()));
  m.last_update = exact_now_;
  m.in_group = false;
  m.hub = kNone;
  add_to_resources(slot);
  ++active_flows_;
  // Share out once for every flow starting at this instant (see the header).
  for (const ResourceId r : resources_of(m)) seed(r);
  reshare_now();
}

void FlowNetwork::on_start_batch_event() {
  start_batch_event_ = EventId{};
  exact_now_ = std::max(exact_now_, static_cast<double>(engine_.now()));
  settle(exact_now_);
  rearm();
}

void FlowNetwork::on_completion_event() {
  completion_event_ = EventId{};
  const SimTime now = engine_.now();
  const SimTime window_end = now + coalescing_window(now);
  done_.clear();
  while (!completions_.empty() && completions_.top_key().time <= window_end)
    done_.push_back(completions_.pop());
  // Hub groups: their members finish in threshold order.
  while (!hub_completions_.empty() && hub_completions_.top_key().time <= window_end) {
    const std::uint32_t h = hub_completions_.top();
    take_finished_members(hubs_[h], now, window_end);
    hub_rekey(h);
  }
  // The exact instant of the earliest completion: the others' rates change from then on.
  double exact_first = static_cast<double>(now);
  for (const std::uint32_t f : done_) exact_first = std::min(exact_first, messages_[f].exact_done);
  exact_now_ = std::max(exact_now_, exact_first);

  // Take the finished flows off their hubs and resources.
  for (const std::uint32_t f : done_) {
    Message& m = messages_[f];
    m.phase = Phase::delivering;
    if (m.hub != kNone) hub_remove(hubs_[m.hub], f);
    remove_from_resources(f);
    for (const ResourceId r : resources_of(m)) seed(r);
  }
  // Flows started at this instant and not yet shared out (seeded) join this recomputation.
  if (start_batch_event_.valid()) {
    engine_.cancel(start_batch_event_);
    start_batch_event_ = EventId{};
  }
  if (!seeds_.empty()) settle(exact_now_);

  // Deliver in send order, after the network state is consistent again.
  const auto by_id = [this](std::uint32_t a, std::uint32_t b) { return messages_[a].id < messages_[b].id; };
  if (!std::is_sorted(done_.begin(), done_.end(), by_id)) std::sort(done_.begin(), done_.end(), by_id);
  for (const std::uint32_t f : done_) {
    --active_flows_;
    ++messages_delivered_;
    bytes_delivered_ += messages_[f].bytes;
    --in_flight_;
  }
  rearm();
  // Callbacks see every flow of this event delivered. They may send(), which takes a free slot
  // and schedules an event but leaves done_ alone: each slot is freed once its delivery and
  // callback are taken out of it.
  for (const std::uint32_t f : done_) {
    Message& m = messages_[f];
    const Delivery delivery = make_delivery(m, now);
    Callback callback = std::move(m.callback);
    free_slot(f);
    if (callback) callback(delivery);
  }
}

bool FlowNetwork::cancel(MessageId id) {
  if (!track_ids_) {
    // The first cancel: index the messages in flight, and keep the index from now on (a
    // network that never cancels pays nothing for it).
    track_ids_ = true;
    slot_of_id_.reserve(messages_.size());
    for (std::uint32_t s = 0; s < messages_.size(); ++s) {
      if (messages_[s].phase != Phase::free) slot_of_id_.insert(messages_[s].id, s);
    }
  }
  const std::uint32_t slot = slot_of_id_.find(id);
  if (slot == IdSlotMap::kAbsent) return false;  // unknown, delivered or cancelled before
  Message& m = messages_[slot];
  if (m.phase == Phase::delivering) return false;  // delivered at this instant: too late
  const bool was_flowing = m.phase == Phase::flowing;
  if (!was_flowing) {
    engine_.cancel(m.pending);  // its flow start (or direct delivery) never happens
  } else {
    // As a completion would: off its hub and resources, the resources seeded so that the
    // flows around them share its bandwidth from this instant on.
    exact_now_ = std::max(exact_now_, static_cast<double>(engine_.now()));
    if (m.hub != kNone) hub_remove(hubs_[m.hub], slot);
    for (const ResourceId r : resources_of(m)) {
      // A flow started at this instant may still wait in a hub's queue (rare: linear scan).
      const std::uint32_t h = resources_[r].hub;
      if (h != kNone) std::erase(hubs_[h].pending, slot);
    }
    completions_.erase(slot);
    remove_from_resources(slot);
    for (const ResourceId r : resources_of(m)) seed(r);
    --active_flows_;
  }
  ++messages_cancelled_;
  bytes_cancelled_ += m.bytes;
  --in_flight_;
  free_slot(slot);  // drops the callback unrun
  if (was_flowing) reshare_now();
  return true;
}

void FlowNetwork::rearm() {
  if (completions_.empty() && hub_completions_.empty()) {
    if (completion_event_.valid()) engine_.cancel(completion_event_);
    completion_event_ = EventId{};
    return;
  }
  SimTime next = std::numeric_limits<SimTime>::max();
  if (!completions_.empty()) next = completions_.top_key().time;
  if (!hub_completions_.empty()) next = std::min(next, hub_completions_.top_key().time);
  if (completion_event_.valid()) {
    if (completion_event_time_ == next) return;
    engine_.cancel(completion_event_);
  }
  completion_event_ = engine_.schedule_at(next, [this] { on_completion_event(); });
  completion_event_time_ = next;
}

}  // namespace ef21::sim
