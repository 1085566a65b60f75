#pragma once
// The routes a FlowNetwork uses, resolved on first use and kept, with the links' current
// latencies.
//
// Lookup: most traffic goes to or from one node (the server) or follows a fixed pattern (a
// ring), so each node's last route as a source and as a destination answer without hashing;
// then a hash map of every resolved pair. Resolution: after a node's second miss as a
// destination (or source) a shortest-path tree to (from) it is built, so that n routes to or
// from one node cost O(n log n) in all; at most kMaxTrees of each kind. Routes are those of
// Topology::route (shortest by nominal latency, deterministic ties) whatever the latencies
// are later.
//
// Latencies: set_link_latency() changes a link's latency for messages sent from then on: the
// latency (the sum over its links, ps) of every route crossing it is re-summed at once (a scan
// of the routes: changes are rare, sends are not, and a send just reads its route's latency).
//
// Layout: what the solver reads on every flow event (each route's finite resources) and what a
// send reads (its latency) are kept apart from the full Routes, in flat arrays: the resources
// of all routes back to back with an offset per route, and a latency per route.
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "models/support/huge_page_allocator.hpp"
#include "sim/core/time.hpp"
#include "sim/net/topology.hpp"

namespace ef21::sim {

class RouteCache {
 public:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  /// `topology` must outlive the cache.
  explicit RouteCache(const Topology& topology);

  /// Index of the route src -> dst (both known nodes), resolved on first use. Throws
  /// InputError "no route from A to B" if unreachable.
  std::uint32_t index(NodeId src, NodeId dst) {
    LastRoute& from = last_from_[src];
    if (from.other == dst) return from.route;
    LastRoute& to = last_to_[dst];
    if (to.other == src) return to.route;
    const std::uint32_t found = lookup(src, dst);
    from = LastRoute{dst, found};
    to = LastRoute{src, found};
    return found;
  }

  /// The route, its latency the sum of its links' current latencies. The reference stays
  /// valid until the next route is resolved.
  const Route& route(std::uint32_t index) const noexcept { return routes_[index]; }
  /// Its finite-capacity link directions, in path order (never change).
  std::span<const ResourceId> resources(std::uint32_t index) const noexcept {
    return {flat_resources_.data() + offsets_[index], offsets_[index + 1] - offsets_[index]};
  }
  /// Its current latency: the sum of its links' current latencies, ps.
  SimTime latency(std::uint32_t index) const noexcept { return latency_[index]; }

  /// From now on `link` has this latency (ps, >= 0) in every route crossing it.
  void set_link_latency(LinkId link, SimTime latency);
  SimTime link_latency(LinkId link) const;

 private:
  struct LastRoute {
    NodeId other = kNone;  // the route's other end (kNone: none yet)
    std::uint32_t route = kNone;
  };
  static constexpr std::size_t kMaxTrees = 16;

  std::uint32_t lookup(NodeId src, NodeId dst);
  void resum(std::uint32_t index);

  const Topology& topo_;
  // What a send reads, by route or node, is on huge pages (huge_page_allocator.hpp): 10^6
  // clients' routes spread it over tens of MB, read at random.
  std::vector<Route> routes_;
  // Route i's resources are flat_resources_[offsets_[i], offsets_[i + 1]).
  HugePageVector<std::uint32_t> offsets_{0};
  HugePageVector<ResourceId> flat_resources_;
  HugePageVector<SimTime> latency_;                           // by route, ps (= routes_[i].latency)
  std::unordered_map<std::uint64_t, std::uint32_t> by_pair_;  // (src << 32 | dst) -> routes_
  HugePageVector<LastRoute> last_from_;                       // by source node
  HugePageVector<LastRoute> last_to_;                         // by destination node
  std::vector<RoutesTo> trees_to_;
  std::vector<RoutesFrom> trees_from_;
  std::unordered_map<NodeId, std::uint32_t> misses_to_;
  std::unordered_map<NodeId, std::uint32_t> misses_from_;
  std::vector<SimTime> link_latency_;  // by LinkId, ps
  bool latency_changed_ = false;       // some link's latency differs (or differed) from nominal
};

}  // namespace ef21::sim
