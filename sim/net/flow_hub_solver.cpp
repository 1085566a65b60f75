// FlowNetwork's shared-bottleneck solver (flow_network.hpp, "Shared bottlenecks"): a resource
// that is the only shared one of its component is solved by water-filling over its members'
// caps, the uncapped members advancing together against the hub's cumulative service.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/support/check.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/flow_network_detail.hpp"

namespace ef21::sim {

using flow_detail::ceil_to_picosecond;
using flow_detail::slot_heap;

#define EF21_THR_HEAP(hub)                                                                                 \
  slot_heap((hub).by_threshold,                                                                            \
            [this](std::uint32_t a, std::uint32_t b) { return group_before(messages_[a], messages_[b]); }, \
            [this](std::uint32_t f) -> std::uint32_t& { return messages_[f].pos_thr; })
#define EF21_UNCAPPED_HEAP(hub)                                    \
  slot_heap((hub).uncapped,                                        \
            [this](std::uint32_t a, std::uint32_t b) {             \
              const Message& x = messages_[a];                     \
              const Message& y = messages_[b];                     \
              return x.cap != y.cap ? x.cap < y.cap : x.id < y.id; \
            },                                                     \
            [this](std::uint32_t f) -> std::uint32_t& { return messages_[f].pos_cap; })
#define EF21_CAPPED_HEAP(hub)                                      \
  slot_heap((hub).capped,                                          \
            [this](std::uint32_t a, std::uint32_t b) {             \
              const Message& x = messages_[a];                     \
              const Message& y = messages_[b];                     \
              return x.cap != y.cap ? x.cap > y.cap : x.id > y.id; \
            },                                                     \
            [this](std::uint32_t f) -> std::uint32_t& { return messages_[f].pos_cap; })

void FlowNetwork::hub_advance(Hub& hub, double exact_now) {
  if (hub.by_threshold.empty()) {
    hub.service = 0;  // nobody is measured against it: restart from 0 (keeps thresholds small)
    hub.last_update = std::max(hub.last_update, exact_now);
    return;
  }
  if (exact_now > hub.last_update) {
    hub.service += hub.rate * ((exact_now - hub.last_update) * 1e-12);
    hub.last_update = exact_now;
  }
}

void FlowNetwork::hub_insert(Hub& hub, std::uint32_t slot, double exact_now) {
  Message& m = messages_[slot];
  materialize(m, exact_now);
  completions_.erase(slot);
  m.cap = std::numeric_limits<double>::infinity();
  for (const ResourceId r : resources_of(m)) {
    if (r != hub.resource) m.cap = std::min(m.cap, resources_[r].capacity);
  }
  m.hub = resources_[hub.resource].hub;
  m.in_group = true;
  m.threshold = hub.service + m.remaining;
  hub.max_threshold = hub.by_threshold.empty() ? m.threshold : std::max(hub.max_threshold, m.threshold);
  EF21_THR_HEAP(hub).push(slot);
  EF21_UNCAPPED_HEAP(hub).push(slot);
  ++reshare_flow_visits_;
}

void FlowNetwork::hub_remove(Hub& hub, std::uint32_t slot) {
  Message& m = messages_[slot];
  if (m.in_group) {
    if (m.pos_thr != kNone) EF21_THR_HEAP(hub).erase(slot);
    EF21_UNCAPPED_HEAP(hub).erase(slot);
  } else {
    EF21_CAPPED_HEAP(hub).erase(slot);
    if (hub.capped.empty()) {
      hub.capped_sum = hub.capped_sum_c = 0;
    } else {
      const double y = -m.cap;  // Neumaier: capped_sum + capped_sum_c is the compensated sum
      const double t = hub.capped_sum + y;
      hub.capped_sum_c +=
          std::abs(hub.capped_sum) >= std::abs(y) ? (hub.capped_sum - t) + y : (y - t) + hub.capped_sum;
      hub.capped_sum = t;
    }
  }
  m.in_group = false;
  m.hub = kNone;
}

void FlowNetwork::hub_take_out(Hub& hub, std::uint32_t slot, double exact_now) {
  Message& m = messages_[slot];
  if (m.in_group) {
    hub_advance(hub, exact_now);  // the group's service at the old λ, up to the instant
    m.remaining = std::max(0.0, m.threshold - hub.service);
    m.rate = hub.rate;
    m.last_update = exact_now;
  } else {
    materialize(m, exact_now);  // capped: at its own rate
  }
  completions_.erase(slot);
  hub_remove(hub, slot);
  hub.pending.push_back(slot);
  ++reshare_flow_visits_;
}

void FlowNetwork::hub_to_capped(Hub& hub, std::uint32_t slot, double exact_now) {
  Message& m = messages_[slot];
  EF21_THR_HEAP(hub).erase(slot);
  EF21_UNCAPPED_HEAP(hub).erase(slot);
  m.in_group = false;
  m.remaining = std::max(0.0, m.threshold - hub.service);
  m.rate = m.cap;
  m.last_update = exact_now;
  m.exact_done = m.last_update + m.remaining / m.rate * 1e12;
  completions_.update(slot, CompletionKey{std::max(engine_.now(), ceil_to_picosecond(m.exact_done)), m.id});
  EF21_CAPPED_HEAP(hub).push(slot);
  const double y = m.cap;
  const double t = hub.capped_sum + y;
  hub.capped_sum_c +=
      std::abs(hub.capped_sum) >= std::abs(y) ? (hub.capped_sum - t) + y : (y - t) + hub.capped_sum;
  hub.capped_sum = t;
  ++reshare_flow_visits_;
}

void FlowNetwork::hub_to_group(Hub& hub, std::uint32_t slot, double exact_now) {
  hub_remove(hub, slot);  // from the capped heap, off the capped sum
  hub_insert(hub, slot, exact_now);
}

void FlowNetwork::hub_solve(std::uint32_t h, double exact_now) {
  Hub& hub = hubs_[h];
  hub_advance(hub, exact_now);  // at the old rate, up to the instant of the change
  for (const std::uint32_t f : hub.pending) {
    if (messages_[f].hub == kNone) hub_insert(hub, f, exact_now);
  }
  hub.pending.clear();
  // Water-filling: rate min(cap, λ) with λ = (C - capped sum) / uncapped count. First uncap
  // the flows λ has fallen below (largest cap first), then cap those it has risen above
  // (smallest first); λ only rises during the second pass, so the first pass's result holds.
  const double capacity = resources_[hub.resource].capacity;
  const auto free = [&hub, capacity] { return capacity - (hub.capped_sum + hub.capped_sum_c); };
  while (!hub.capped.empty()) {
    const Message& m = messages_[hub.capped.front()];
    if (!(m.cap * static_cast<double>(hub.uncapped.size()) > free())) break;
    hub_to_group(hub, hub.capped.front(), exact_now);
  }
  while (!hub.uncapped.empty()) {
    const Message& m = messages_[hub.uncapped.front()];
    if (!(m.cap < free() / static_cast<double>(hub.uncapped.size()))) break;
    hub_to_capped(hub, hub.uncapped.front(), exact_now);
  }
  if (!hub.uncapped.empty()) {
    hub.rate = free() / static_cast<double>(hub.uncapped.size());
    EF21_CHECK(hub.rate > 0 && std::isfinite(hub.rate),
               fmt::format("hub on {} got rate {}", topo_.resource_name(hub.resource), hub.rate));
  }
  hub_rekey(h);
}

void FlowNetwork::hub_rekey(std::uint32_t h) {
  Hub& hub = hubs_[h];
  if (hub.by_threshold.empty()) {
    hub_completions_.erase(h);
    return;
  }
  Message& m = messages_[hub.by_threshold.front()];
  m.exact_done = group_exact_done(hub, m.threshold);
  hub_completions_.update(h, CompletionKey{std::max(engine_.now(), ceil_to_picosecond(m.exact_done)), m.id});
}

std::uint32_t FlowNetwork::hub_build(std::uint32_t r, double exact_now) {
  std::uint32_t h = 0;
  if (!free_hubs_.empty()) {
    h = free_hubs_.back();
    free_hubs_.pop_back();
  } else {
    h = static_cast<std::uint32_t>(hubs_.size());
    hubs_.emplace_back();
  }
  Hub& hub = hubs_[h];
  hub.resource = r;
  hub.rate = 0;
  hub.service = 0;
  hub.last_update = exact_now;
  hub.capped_sum = hub.capped_sum_c = 0;
  hub.pending.clear();
  resources_[r].hub = h;
  ++active_hubs_;
  for (const std::uint32_t f : resources_[r].flows) hub_insert(hub, f, exact_now);
  hub_solve(h, exact_now);
  return h;
}

void FlowNetwork::hub_dissolve(std::uint32_t r, double exact_now) {
  const std::uint32_t h = resources_[r].hub;
  Hub& hub = hubs_[h];
  hub_advance(hub, exact_now);
  for (const std::uint32_t f : hub.by_threshold) {
    Message& m = messages_[f];
    m.remaining = std::max(0.0, m.threshold - hub.service);
    m.rate = hub.rate;
    m.last_update = exact_now;
    m.in_group = false;
    m.hub = kNone;
    m.pos_thr = m.pos_cap = kNone;
    ++reshare_flow_visits_;
  }
  for (const std::uint32_t f : hub.capped) {
    messages_[f].hub = kNone;
    messages_[f].pos_cap = kNone;
  }
  hub.by_threshold.clear();
  hub.uncapped.clear();
  hub.capped.clear();
  hub.pending.clear();
  hub_completions_.erase(h);
  resources_[r].hub = kNone;
  free_hubs_.push_back(h);
  --active_hubs_;
}

void FlowNetwork::take_finished_members(Hub& hub, SimTime now, SimTime window_end) {
  const auto finishes_in_window = [&](double threshold) {
    return std::max(now, ceil_to_picosecond(group_exact_done(hub, threshold))) <= window_end;
  };
  const std::size_t first = done_.size();
  if (finishes_in_window(hub.max_threshold)) {
    // The whole group finishes (the completion instant is monotone in the threshold): take it
    // at once rather than by n heap pops; a synchronized round ends this way.
    for (const std::uint32_t f : hub.by_threshold) {
      Message& m = messages_[f];
      m.exact_done = group_exact_done(hub, m.threshold);
      m.pos_thr = kNone;
      done_.push_back(f);
    }
    hub.by_threshold.clear();
    // The order the heap would have given (members pushed in (threshold, id) order often are).
    const auto by_threshold = [this](std::uint32_t a, std::uint32_t b) {
      return group_before(messages_[a], messages_[b]);
    };
    const auto taken = done_.begin() + static_cast<std::ptrdiff_t>(first);
    if (!std::is_sorted(taken, done_.end(), by_threshold)) std::sort(taken, done_.end(), by_threshold);
  } else {
    auto by_threshold = EF21_THR_HEAP(hub);
    while (!hub.by_threshold.empty()) {
      const std::uint32_t f = hub.by_threshold.front();
      Message& m = messages_[f];
      if (!finishes_in_window(m.threshold)) break;
      m.exact_done = group_exact_done(hub, m.threshold);
      by_threshold.erase(f);
      done_.push_back(f);
    }
  }
  // Off the cap heap too: all at once if the whole group finished.
  if (hub.by_threshold.empty()) {
    for (const std::uint32_t f : hub.uncapped) messages_[f].pos_cap = kNone;
    hub.uncapped.clear();
    for (std::size_t k = first; k < done_.size(); ++k) {
      messages_[done_[k]].in_group = false;
      messages_[done_[k]].hub = kNone;
    }
  } else {
    for (std::size_t k = first; k < done_.size(); ++k) hub_remove(hub, done_[k]);
  }
}

#undef EF21_THR_HEAP
#undef EF21_UNCAPPED_HEAP
#undef EF21_CAPPED_HEAP

}  // namespace ef21::sim
