#include "sim/net/flow_network.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "models/support/check.hpp"
#include "models/support/input_error.hpp"

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

bool share_later(const auto& a, const auto& b) {
  return a.share != b.share ? a.share > b.share : a.resource > b.resource;
}

}  // namespace

FlowNetwork::FlowNetwork(Engine& engine, const Topology& topology) : engine_(engine), topo_(topology) {
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
  const std::uint64_t key = (static_cast<std::uint64_t>(src) << 32) | dst;
  const auto it = route_cache_.find(key);
  if (it != route_cache_.end()) return it->second;
  Route r = topo_.route(src, dst);  // throws InputError if unreachable
  for (const ResourceId res : r.resources) {
    EF21_CHECK(std::isfinite(resources_[res].capacity) && resources_[res].capacity > 0,
               "route resource without a finite positive capacity");
  }
  routes_.push_back(std::move(r));
  const auto index = static_cast<std::uint32_t>(routes_.size() - 1);
  route_cache_.emplace(key, index);
  return index;
}

const Route& FlowNetwork::route(NodeId src, NodeId dst) { return routes_[route_index(src, dst)]; }

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
  const std::vector<ResourceId>& res = resources_of(m);
  m.slot_in_resource.resize(res.size());
  for (std::size_t k = 0; k < res.size(); ++k) {
    std::vector<std::uint32_t>& list = resources_[res[k]].flows;
    m.slot_in_resource[k] = static_cast<std::uint32_t>(list.size());
    list.push_back(slot);
  }
  ++active_flows_;
  // Share out once for every flow starting at this instant (see the header).
  start_seeds_.insert(start_seeds_.end(), res.begin(), res.end());
  if (!start_batch_event_.valid()) {
    start_batch_event_ = engine_.schedule_at(engine_.now(), [this] { on_start_batch_event(); });
  }
}

void FlowNetwork::on_start_batch_event() {
  start_batch_event_ = EventId{};
  exact_now_ = std::max(exact_now_, static_cast<double>(engine_.now()));
  seeds_.swap(start_seeds_);
  start_seeds_.clear();
  reshare(seeds_, exact_now_);
  rearm();
}

void FlowNetwork::reshare(const std::vector<std::uint32_t>& seed_resources, double exact_now) {
  ++reshare_count_;
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
  for (const std::uint32_t f : comp_flows_) {
    Message& m = messages_[f];
    if (m.rate > 0 && exact_now > m.last_update) {
      m.remaining = std::max(0.0, m.remaining - m.rate * ((exact_now - m.last_update) * 1e-12));
    }
    m.last_update = std::max(m.last_update, exact_now);
  }
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

void FlowNetwork::on_completion_event() {
  completion_event_ = EventId{};
  const SimTime now = engine_.now();
  const SimTime window_end = now + coalescing_window(now);
  done_.clear();
  while (!completions_.empty() && completions_.top_key().time <= window_end) done_.push_back(completions_.pop());
  // The exact instant of the earliest completion: the others' rates change from then on.
  double exact_first = static_cast<double>(now);
  for (const std::uint32_t f : done_) exact_first = std::min(exact_first, messages_[f].exact_done);
  exact_now_ = std::max(exact_now_, exact_first);

  // Take the finished flows off their resources (swap-remove, fixing the moved flow's index).
  seeds_.clear();
  for (const std::uint32_t f : done_) {
    Message& m = messages_[f];
    const std::vector<ResourceId>& res = resources_of(m);
    for (std::size_t k = 0; k < res.size(); ++k) {
      std::vector<std::uint32_t>& list = resources_[res[k]].flows;
      const std::uint32_t at = m.slot_in_resource[k];
      const std::uint32_t moved = list.back();
      list[at] = moved;
      list.pop_back();
      if (moved != f) {
        Message& other = messages_[moved];
        const std::vector<ResourceId>& other_res = resources_of(other);
        const auto pos = std::find(other_res.begin(), other_res.end(), res[k]) - other_res.begin();
        other.slot_in_resource[static_cast<std::size_t>(pos)] = at;
      }
      seeds_.push_back(res[k]);
    }
  }
  // Flows started at this instant and not yet shared out join this recomputation.
  if (start_batch_event_.valid()) {
    engine_.cancel(start_batch_event_);
    start_batch_event_ = EventId{};
    seeds_.insert(seeds_.end(), start_seeds_.begin(), start_seeds_.end());
    start_seeds_.clear();
  }
  if (!seeds_.empty()) reshare(seeds_, exact_now_);

  // Deliver in send order, after the network state is consistent again.
  std::sort(done_.begin(), done_.end(), [this](std::uint32_t a, std::uint32_t b) { return messages_[a].id < messages_[b].id; });
  deliveries_.clear();
  for (const std::uint32_t f : done_) {
    Message& m = messages_[f];
    deliveries_.push_back(Pending{make_delivery(m, now), std::move(m.callback)});
    free_slot(f);
    --active_flows_;
    ++messages_delivered_;
    bytes_delivered_ += m.bytes;
    --in_flight_;
  }
  rearm();
  // Callbacks may send(), which only schedules events: deliveries_ is not touched meanwhile.
  for (Pending& p : deliveries_) {
    if (p.callback) p.callback(p.delivery);
  }
  deliveries_.clear();
}

void FlowNetwork::rearm() {
  if (completions_.empty()) {
    if (completion_event_.valid()) engine_.cancel(completion_event_);
    completion_event_ = EventId{};
    return;
  }
  const SimTime next = completions_.top_key().time;
  if (completion_event_.valid()) {
    if (completion_event_time_ == next) return;
    engine_.cancel(completion_event_);
  }
  completion_event_ = engine_.schedule_at(next, [this] { on_completion_event(); });
  completion_event_time_ = next;
}

}  // namespace ef21::sim
