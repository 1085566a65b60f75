#include "sim/net/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <fmt/format.h>

#include "models/support/check.hpp"
#include "models/support/input_error.hpp"
#include "sim/core/heap_sift.hpp"

namespace ef21::sim {

namespace {

/// Predicted completions within this many ps of the event time complete in that event:
/// 2 ps of ceil() rounding plus ~1e-12 relative (2^-40) of double noise in the prediction.
/// Far below the 1 ns / 1e-9 agreement required with the reference (DESIGN §6).
SimTime coalescing_window(SimTime t) { return 2 + (t >> 40); }

/// The event time for an exact completion instant (ps as a double): rounded up, except that
/// a value within double noise (~16 ulp) above a whole picosecond counts as that picosecond,
/// so that mathematically whole results (2 s computed as 2e12 + 1 ulp) do not gain one.
SimTime ceil_to_picosecond(double exact_ps) {
  const double tolerant = exact_ps - std::abs(exact_ps) * 0x1p-48;
  const double ps = std::ceil(tolerant);
  if (!(ps < 9223372036854775808.0)) {
    throw ef21::InputError(fmt::format("a flow would complete at {} s, beyond the clock's limit of 2^63 ps (about 106 days)",
                                       exact_ps * 1e-12));
  }
  return static_cast<SimTime>(ps);
}

/// A binary heap of flow slots whose positions live in the flows themselves (each flow is in
/// at most one heap per position field), so that any member can be erased in O(log n).
template <typename Less, typename Pos>
struct SlotHeap {
  std::vector<std::uint32_t>& h;
  Less less;
  Pos pos;  // pos(slot) -> std::uint32_t&

  void placed(std::uint32_t x, std::uint32_t i) { pos(x) = i; }
  void sift_up(std::uint32_t i) {
    heap_sift_up(h, i, less, [this](std::uint32_t x, std::uint32_t at) { placed(x, at); });
  }
  void sift_down(std::uint32_t i) {
    heap_sift_down(h, i, less, [this](std::uint32_t x, std::uint32_t at) { placed(x, at); });
  }
  void push(std::uint32_t x) {
    h.push_back(x);
    sift_up(static_cast<std::uint32_t>(h.size() - 1));
  }
  void erase(std::uint32_t x) {
    const std::uint32_t i = pos(x);
    pos(x) = 0xffffffffu;
    const std::uint32_t last = h.back();
    h.pop_back();
    if (i < h.size()) {
      h[i] = last;
      pos(last) = i;
      sift_up(i);
      sift_down(pos(last));
    }
  }
};

template <typename Less, typename Pos>
SlotHeap<Less, Pos> slot_heap(std::vector<std::uint32_t>& h, Less less, Pos pos) {
  return SlotHeap<Less, Pos>{h, less, pos};
}

bool share_later(const auto& a, const auto& b) {
  return a.share != b.share ? a.share > b.share : a.resource > b.resource;
}

}  // namespace

FlowNetwork::FlowNetwork(Engine& engine, const Topology& topology, FlowNetworkOptions options)
    : engine_(engine), topo_(topology), options_(options) {
  EF21_CHECK(options_.min_hub_flows >= 2, "FlowNetworkOptions::min_hub_flows must be at least 2");
  last_route_from_.resize(topo_.node_count());
  last_route_to_.resize(topo_.node_count());
  resources_.resize(topo_.resource_count());
  for (ResourceId r = 0; r < resources_.size(); ++r) resources_[r].capacity = topo_.resource_capacity(r);
}

FlowNetwork::~FlowNetwork() {
  for (const Message& m : messages_) {
    if (m.pending.valid()) engine_.cancel(m.pending);
  }
  if (completion_event_.valid()) engine_.cancel(completion_event_);
  if (start_batch_event_.valid()) engine_.cancel(start_batch_event_);
}

std::uint32_t FlowNetwork::allocate_slot() {
  if (!free_slots_.empty()) {
    const std::uint32_t slot = free_slots_.back();
    free_slots_.pop_back();
    return slot;
  }
  EF21_CHECK(messages_.size() < kNone - 1, "too many messages in flight");
  messages_.emplace_back();
  return static_cast<std::uint32_t>(messages_.size() - 1);
}

void FlowNetwork::free_slot(std::uint32_t slot) {
  Message& m = messages_[slot];
  m.callback.reset();
  m.pending = EventId{};
  m.route = kNone;
  free_slots_.push_back(slot);
}

std::uint32_t FlowNetwork::route_index(NodeId src, NodeId dst) {
  // Most traffic goes to or from one node (the server): a node's last route as a source and
  // as a destination answer without hashing.
  LastRoute& from = last_route_from_[src];
  if (from.other == dst) return from.route;
  LastRoute& to = last_route_to_[dst];
  if (to.other == src) return to.route;
  const std::uint32_t index = cached_route_index(src, dst);
  from = LastRoute{dst, index};
  to = LastRoute{src, index};
  return index;
}

std::uint32_t FlowNetwork::cached_route_index(NodeId src, NodeId dst) {
  const std::uint64_t key = (static_cast<std::uint64_t>(src) << 32) | dst;
  const auto it = route_cache_.find(key);
  if (it != route_cache_.end()) return it->second;
  Route r = [&] {  // throws InputError if unreachable
    for (const RoutesTo& t : trees_to_) {
      if (t.to == dst) return topo_.route(t, src);
    }
    for (const RoutesFrom& t : trees_from_) {
      if (t.from == src) return topo_.route(t, dst);
    }
    if (++misses_to_[dst] >= 2 && trees_to_.size() < kMaxTrees) {
      trees_to_.push_back(topo_.routes_to(dst));
      return topo_.route(trees_to_.back(), src);
    }
    if (++misses_from_[src] >= 2 && trees_from_.size() < kMaxTrees) {
      trees_from_.push_back(topo_.routes_from(src));
      return topo_.route(trees_from_.back(), dst);
    }
    return topo_.route(src, dst);
  }();
  for (const ResourceId res : r.resources) {
    EF21_CHECK(std::isfinite(resources_[res].capacity) && resources_[res].capacity > 0,
               "route resource without a finite positive capacity");
  }
  routes_.push_back(std::move(r));
  const auto index = static_cast<std::uint32_t>(routes_.size() - 1);
  route_cache_.emplace(key, index);
  return index;
}

const Route& FlowNetwork::route(NodeId src, NodeId dst) {
  EF21_CHECK(src < topo_.node_count() && dst < topo_.node_count(), "route endpoint out of range");
  return routes_[route_index(src, dst)];
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
    route = route_index(src, dst);
    t_flow = checked_add(now, routes_[route].latency);
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
  m.callback = std::move(on_delivered);
  ++messages_sent_;
  bytes_sent_ += bytes;
  ++in_flight_;

  const bool flows = src != dst && bytes > 0 && !routes_[route].resources.empty();
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
  if (start_batch_event_.valid()) return;  // another flow started at this instant: shared out then
  if (engine_.next_event_time() == engine_.now()) {
    start_batch_event_ = engine_.schedule_at(engine_.now(), [this] { on_start_batch_event(); });
  } else {
    // Nothing else is due at this instant: the batch event would run next, so share out now.
    settle(exact_now_);
    rearm();
  }
}

void FlowNetwork::on_start_batch_event() {
  start_batch_event_ = EventId{};
  exact_now_ = std::max(exact_now_, static_cast<double>(engine_.now()));
  settle(exact_now_);
  rearm();
}

// ---------------------------------------------------------------------------- structure

void FlowNetwork::add_to_resources(std::uint32_t slot) {
  Message& m = messages_[slot];
  const std::vector<ResourceId>& res = resources_of(m);
  m.slot_in_resource.resize(res.size());
  m.shared_count = 0;
  for (std::size_t k = 0; k < res.size(); ++k) {  // a route crosses a resource once
    Resource& rr = resources_[res[k]];
    m.slot_in_resource[k] = static_cast<std::uint32_t>(rr.flows.size());
    rr.flows.push_back(slot);
    if (rr.flows.size() >= 2) ++m.shared_count;
    if (rr.flows.size() == 2) add_shared(rr.flows[0]);
    if (rr.hub != kNone) hubs_[rr.hub].pending.push_back(slot);
  }
  if (m.shared_count >= 2) {
    for (const ResourceId r : res) ++resources_[r].complex_flows;
  }
}

void FlowNetwork::remove_from_resources(std::uint32_t slot) {
  Message& m = messages_[slot];
  const std::vector<ResourceId>& res = resources_of(m);
  if (m.shared_count >= 2) {
    for (const ResourceId r : res) --resources_[r].complex_flows;
  }
  m.shared_count = 0;
  // Swap-remove, fixing the moved flow's index.
  for (std::size_t k = 0; k < res.size(); ++k) {
    std::vector<std::uint32_t>& list = resources_[res[k]].flows;
    const std::uint32_t at = m.slot_in_resource[k];
    const std::uint32_t moved = list.back();
    list[at] = moved;
    list.pop_back();
    if (moved != slot) {
      Message& other = messages_[moved];
      const std::vector<ResourceId>& other_res = resources_of(other);
      const auto pos = std::find(other_res.begin(), other_res.end(), res[k]) - other_res.begin();
      other.slot_in_resource[static_cast<std::size_t>(pos)] = at;
    }
    if (list.size() == 1) drop_shared(list[0]);
  }
}

void FlowNetwork::add_shared(std::uint32_t slot) {
  Message& m = messages_[slot];
  if (++m.shared_count == 2) {
    for (const ResourceId r : resources_of(m)) {
      ++resources_[r].complex_flows;
      seed(r);
    }
  }
}

void FlowNetwork::drop_shared(std::uint32_t slot) {
  Message& m = messages_[slot];
  if (m.shared_count-- == 2) {
    for (const ResourceId r : resources_of(m)) {
      --resources_[r].complex_flows;
      seed(r);
    }
  }
}

// ---------------------------------------------------------------------------- settling

void FlowNetwork::seed(ResourceId r) {
  if (resources_[r].seeded) return;
  resources_[r].seeded = true;
  seeds_.push_back(r);
}

void FlowNetwork::settle(double exact_now) {
  ++reshare_count_;
  std::vector<std::uint32_t>& seeds = settling_;
  seeds.swap(seeds_);  // distinct, in first-seen order
  seeds_.clear();
  // Hubs whose resource is no longer a lone shared bottleneck (or has too few flows) go back
  // to per-flow state first.
  for (const std::uint32_t r : seeds) {
    resources_[r].seeded = false;
    if (resources_[r].hub != kNone && !is_hub(r)) hub_dissolve(r, exact_now);
  }
  general_seeds_.clear();
  hub_work_.clear();
  for (const std::uint32_t r : seeds) {
    const Resource& res = resources_[r];
    if (res.flows.empty()) continue;
    if (is_hub(r)) {
      hub_work_.push_back(r);
    } else if (res.flows.size() > 1 || !on_hub(messages_[res.flows[0]])) {
      general_seeds_.push_back(r);
    }  // else: a hub member's own link (it carries that flow alone): its hub answers for it
  }
  if (!general_seeds_.empty()) reshare(general_seeds_, exact_now);
  for (const std::uint32_t r : hub_work_) {
    if (resources_[r].hub == kNone) {
      hub_build(r, exact_now);
    } else {
      hub_solve(resources_[r].hub, exact_now);
    }
  }
}

void FlowNetwork::materialize(Message& m, double exact_now) {
  if (m.rate > 0 && exact_now > m.last_update) {
    m.remaining = std::max(0.0, m.remaining - m.rate * ((exact_now - m.last_update) * 1e-12));
  }
  m.last_update = std::max(m.last_update, exact_now);
}

// ---------------------------------------------------------------------------- hubs

#define EF21_THR_HEAP(hub)                                                                                   \
  slot_heap((hub).by_threshold,                                                                              \
            [this](std::uint32_t a, std::uint32_t b) {                                                       \
              return group_before(messages_[a], messages_[b]);                                               \
            },                                                                                               \
            [this](std::uint32_t f) -> std::uint32_t& { return messages_[f].pos_thr; })
#define EF21_UNCAPPED_HEAP(hub)                                                                              \
  slot_heap((hub).uncapped,                                                                                  \
            [this](std::uint32_t a, std::uint32_t b) {                                                       \
              const Message& x = messages_[a];                                                               \
              const Message& y = messages_[b];                                                               \
              return x.cap != y.cap ? x.cap < y.cap : x.id < y.id;                                            \
            },                                                                                               \
            [this](std::uint32_t f) -> std::uint32_t& { return messages_[f].pos_cap; })
#define EF21_CAPPED_HEAP(hub)                                                                                \
  slot_heap((hub).capped,                                                                                    \
            [this](std::uint32_t a, std::uint32_t b) {                                                       \
              const Message& x = messages_[a];                                                               \
              const Message& y = messages_[b];                                                               \
              return x.cap != y.cap ? x.cap > y.cap : x.id > y.id;                                            \
            },                                                                                               \
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
      hub.capped_sum_c += std::abs(hub.capped_sum) >= std::abs(y) ? (hub.capped_sum - t) + y : (y - t) + hub.capped_sum;
      hub.capped_sum = t;
    }
  }
  m.in_group = false;
  m.hub = kNone;
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
  hub.capped_sum_c += std::abs(hub.capped_sum) >= std::abs(y) ? (hub.capped_sum - t) + y : (y - t) + hub.capped_sum;
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
    EF21_CHECK(hub.rate > 0 && std::isfinite(hub.rate), fmt::format("hub on {} got rate {}", topo_.resource_name(hub.resource), hub.rate));
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

void FlowNetwork::reshare(const std::vector<std::uint32_t>& seed_resources, double exact_now) {
  if (++epoch_ == 0) {  // wrapped: clear every mark once (after 2^32 reshares)
    for (Message& m : messages_) m.mark = 0;
    for (Resource& r : resources_) r.mark = 0;
    epoch_ = 1;
  }
  // The component: every flow reachable from the seeds through shared resources.
  comp_resources_.clear();
  comp_flows_.clear();
  for (const std::uint32_t r : seed_resources) {
    if (resources_[r].mark != epoch_) {
      resources_[r].mark = epoch_;
      comp_resources_.push_back(r);
    }
  }
  for (std::size_t i = 0; i < comp_resources_.size(); ++i) {
    for (const std::uint32_t f : resources_[comp_resources_[i]].flows) {
      Message& m = messages_[f];
      if (m.mark == epoch_) continue;
      m.mark = epoch_;
      // A flow on a hub belongs to the hub's component alone (its other resources carry it
      // alone): the hub solves it.
      if (on_hub(m)) continue;
      comp_flows_.push_back(f);
      for (const ResourceId q : resources_of(m)) {
        if (resources_[q].mark != epoch_) {
          resources_[q].mark = epoch_;
          comp_resources_.push_back(q);
        }
      }
    }
  }
  reshare_flow_visits_ += comp_flows_.size();

  // Bring remaining bytes up to the exact instant of the change at the old rates, then share
  // anew and predict each flow's completion.
  for (const std::uint32_t f : comp_flows_) materialize(messages_[f], exact_now);
  progressive_filling();
  const SimTime now = engine_.now();
  for (const std::uint32_t f : comp_flows_) {
    Message& m = messages_[f];
    EF21_CHECK(m.rate > 0 && std::isfinite(m.rate), fmt::format("flow of message {} got rate {}", m.id, m.rate));
    m.exact_done = m.last_update + m.remaining / m.rate * 1e12;
    const SimTime event_time = std::max(now, ceil_to_picosecond(m.exact_done));
    completions_.update(f, CompletionKey{event_time, m.id});
  }
}

void FlowNetwork::progressive_filling() {
  // Max-min by progressive filling: repeatedly take the resource offering the smallest fair
  // share (free capacity / unfixed flows), fix its unfixed flows at that share and take it
  // off every resource they cross. Fixing flows at the minimum share never lowers another
  // resource's share (rem - s)/(n - 1) >= rem/n when s <= rem/n, so a lazy min-heap works:
  // an entry whose share is out of date is re-pushed with the current one when it surfaces.
  const bool shared = std::any_of(comp_resources_.begin(), comp_resources_.end(),
                                  [this](std::uint32_t r) { return resources_[r].flows.size() > 1; });
  if (!shared) {
    // Every flow is alone on its resources (a broadcast without a shared link): filling would
    // fix each at its route's smallest capacity / 1; the same values without the heap.
    for (const std::uint32_t f : comp_flows_) {
      Message& m = messages_[f];
      m.rate = std::numeric_limits<double>::infinity();
      for (const ResourceId q : resources_of(m)) m.rate = std::min(m.rate, resources_[q].capacity);
    }
    return;
  }
  share_heap_.clear();
  for (const std::uint32_t r : comp_resources_) {
    Resource& res = resources_[r];
    res.free_capacity = res.capacity;
    res.unfixed = static_cast<std::uint32_t>(res.flows.size());
    if (res.unfixed > 0) share_heap_.push_back(ShareEntry{res.free_capacity / res.unfixed, r});
  }
  for (const std::uint32_t f : comp_flows_) messages_[f].fixed = false;
  const auto later = [](const ShareEntry& a, const ShareEntry& b) { return share_later(a, b); };
  std::make_heap(share_heap_.begin(), share_heap_.end(), later);
  while (!share_heap_.empty()) {
    std::pop_heap(share_heap_.begin(), share_heap_.end(), later);
    const ShareEntry entry = share_heap_.back();
    share_heap_.pop_back();
    Resource& res = resources_[entry.resource];
    if (res.unfixed == 0) continue;
    const double share = res.free_capacity / res.unfixed;
    if (share != entry.share) {  // stale: re-queue at its current share
      share_heap_.push_back(ShareEntry{share, entry.resource});
      std::push_heap(share_heap_.begin(), share_heap_.end(), later);
      continue;
    }
    for (const std::uint32_t f : res.flows) {
      Message& m = messages_[f];
      if (m.fixed) continue;
      m.fixed = true;
      m.rate = share;
      for (const ResourceId q : resources_of(m)) {
        resources_[q].free_capacity -= share;
        --resources_[q].unfixed;
      }
    }
  }
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

void FlowNetwork::on_completion_event() {
  completion_event_ = EventId{};
  const SimTime now = engine_.now();
  const SimTime window_end = now + coalescing_window(now);
  done_.clear();
  while (!completions_.empty() && completions_.top_key().time <= window_end) done_.push_back(completions_.pop());
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

#undef EF21_THR_HEAP
#undef EF21_UNCAPPED_HEAP
#undef EF21_CAPPED_HEAP

}  // namespace ef21::sim
