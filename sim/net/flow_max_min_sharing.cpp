// FlowNetwork's max-min sharing (flow_network.hpp, "Incremental"): the structure tracked per
// resource and flow, settling the seeded resources (to the per-flow path or the hub solver),
// and per-flow progressive filling over a component.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/support/check.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/flow_network_detail.hpp"

namespace ef21::sim {

namespace {

bool share_later(const auto& a, const auto& b) {
  return a.share != b.share ? a.share > b.share : a.resource > b.resource;
}

}  // namespace

using flow_detail::ceil_to_picosecond;

// ---------------------------------------------------------------------------- structure

void FlowNetwork::add_to_resources(std::uint32_t slot) {
  Message& m = messages_[slot];
  const std::span<const ResourceId> res = resources_of(m);
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
  const std::span<const ResourceId> res = resources_of(m);
  if (m.shared_count >= 2) {
    for (const ResourceId r : res) --resources_[r].complex_flows;
  }
  m.shared_count = 0;
  // Swap-remove, fixing the moved flow's index.
  for (std::size_t k = 0; k < res.size(); ++k) {
    auto& list = resources_[res[k]].flows;
    const std::uint32_t at = m.slot_in_resource[k];
    const std::uint32_t moved = list.back();
    list[at] = moved;
    list.pop_back();
    if (moved != slot) {
      Message& other = messages_[moved];
      const std::span<const ResourceId> other_res = resources_of(other);
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
  const std::uint32_t lone_mark = next_epoch();
  for (const std::uint32_t r : seeds) {
    const Resource& res = resources_[r];
    if (res.flows.empty()) continue;
    if (is_hub(r)) {
      hub_work_.push_back(r);
    } else if (res.flows.size() > 1) {
      general_seeds_.push_back(r);
    } else if (Message& m = messages_[res.flows.front()]; m.shared_count == 0 && m.hub == kNone) {
      // Alone on every resource of its route: its component is itself, its rate the smallest
      // capacity on its route (what progressive filling gives it, the same arithmetic), found
      // without the component walk. Once, if several of its resources are seeded.
      if (m.mark == lone_mark) continue;
      m.mark = lone_mark;
      materialize(m, exact_now);
      m.rate = std::numeric_limits<double>::infinity();
      for (const ResourceId q : resources_of(m)) m.rate = std::min(m.rate, resources_[q].capacity);
      m.exact_done = m.last_update + m.remaining / m.rate * 1e12;
      completions_.update(res.flows.front(),
                          CompletionKey{std::max(engine_.now(), ceil_to_picosecond(m.exact_done)), m.id});
      ++reshare_flow_visits_;
    } else if (!on_hub(m)) {
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

std::uint32_t FlowNetwork::next_epoch() {
  if (++epoch_ == 0) {  // wrapped: clear every mark once (after 2^32 walks)
    for (Message& m : messages_) m.mark = 0;
    for (Resource& r : resources_) r.mark = 0;
    epoch_ = 1;
  }
  return epoch_;
}

void FlowNetwork::reshare(const std::vector<std::uint32_t>& seed_resources, double exact_now) {
  next_epoch();
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
    EF21_CHECK(m.rate > 0 && std::isfinite(m.rate),
               fmt::format("flow of message {} got rate {}", m.id, m.rate));
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

}  // namespace ef21::sim
