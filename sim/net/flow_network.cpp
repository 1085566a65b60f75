// FlowNetwork: construction, routes, and the changes of capacity and latency at an instant.
// The rest, by responsibility, is listed in flow_network.hpp.
#include "sim/net/flow_network.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "models/support/check.hpp"
#include "sim/net/flow_network_detail.hpp"

namespace ef21::sim {

FlowNetwork::FlowNetwork(Engine& engine, const Topology& topology, FlowNetworkOptions options)
    : engine_(engine), topo_(topology), routes_(topology), options_(options) {
  EF21_CHECK(options_.min_hub_flows >= 2, "FlowNetworkOptions::min_hub_flows must be at least 2");
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

const Route& FlowNetwork::route(NodeId src, NodeId dst) {
  EF21_CHECK(src < topo_.node_count() && dst < topo_.node_count(), "route endpoint out of range");
  return routes_.route(routes_.index(src, dst));
}

void FlowNetwork::set_capacity(ResourceId r, double bytes_per_s) {
  EF21_CHECK(r < resources_.size(), fmt::format("resource id {} out of range", r));
  EF21_CHECK(std::isfinite(topo_.resource_capacity(r)),
             fmt::format("capacity change on {}, which is unconstrained (no route crosses it)",
                         topo_.resource_name(r)));
  EF21_CHECK(bytes_per_s > 0 && std::isfinite(bytes_per_s),
             fmt::format("capacity of {} set to {} B/s", topo_.resource_name(r), bytes_per_s));
  Resource& res = resources_[r];
  if (res.capacity == bytes_per_s) return;  // keep every rate (and the hubs) as they are
  if (res.flows.empty()) {                  // nothing to re-share: the next flow reads it
    res.capacity = bytes_per_s;
    return;
  }
  exact_now_ = std::max(exact_now_, static_cast<double>(engine_.now()));
  std::uint32_t to_seed = r;
  if (res.flows.size() == 1 && res.hub == kNone) {
    const std::uint32_t slot = res.flows.front();
    const Message& m = messages_[slot];
    if (m.hub != kNone) {
      // A hub member's own link: its cap changes. Take it out of the hub with its bytes
      // brought up to now at its old rate; the hub's next solve puts it back with the new cap.
      Hub& hub = hubs_[m.hub];
      to_seed = hub.resource;
      hub_take_out(hub, slot, exact_now_);
    }
    // (A flow on a hub resource not yet in its hub is inserted with the new cap when it is
    // solved: seeding r then leaves it to the hub, as settle() does for a member's link.)
  }
  res.capacity = bytes_per_s;
  seed(to_seed);
  reshare_now();
}

void FlowNetwork::set_latency(LinkId link, SimTime latency) {
  EF21_CHECK(link < topo_.link_count(), fmt::format("link id {} out of range", link));
  EF21_CHECK(latency >= 0, fmt::format("latency of link {} set to {} ps", link, latency));
  routes_.set_link_latency(link, latency);
}

double FlowNetwork::capacity(ResourceId r) const {
  EF21_CHECK(r < resources_.size(), fmt::format("resource id {} out of range", r));
  return resources_[r].capacity;
}

SimTime FlowNetwork::latency(LinkId link) const { return routes_.link_latency(link); }

}  // namespace ef21::sim
