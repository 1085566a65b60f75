#pragma once
// The network graph (DESIGN §6): named nodes (server, w0..w{n-1}, switches) joined by
// full-duplex links. Each direction of a link is its own resource with its own bandwidth
// (bytes/s); an infinite bandwidth never constrains and is left out of routes' resources.
//
// Routing: shortest path by latency. Ties are broken deterministically:
//   1. smaller total latency (integer ps, exact),
//   2. then fewer hops,
//   3. then the lexicographically smallest sequence of node ids along the path (ids are
//      assigned in add_node order), and between parallel links of equal latency the smaller
//      link id.
// The graph lives in a Boost.Graph adjacency_list; distances come from its Dijkstra.
// route() costs one Dijkstra; routes_to() / routes_from() cost one Dijkstra (plus a linear
// pass) for the routes from every node to one destination / from one source to every node,
// by the same tie-break rule, so that n routes to or from the server cost O(n log n).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <map>
#include <vector>

#include "sim/core/time.hpp"

namespace ef21::sim {

using NodeId = std::uint32_t;
using LinkId = std::uint32_t;
/// One direction of a link: 2·link + 0 for a->b (as given to add_link), 2·link + 1 for b->a.
using ResourceId = std::uint32_t;

struct Route {
  /// Directed link directions with finite bandwidth, in path order.
  std::vector<ResourceId> resources;
  /// Sum of the latencies of every link on the path (finite or not), ps.
  SimTime latency = 0;
  /// Nodes along the path, from source to destination inclusive.
  std::vector<NodeId> nodes;
  /// Every link along the path (finite or not), in path order: links[k] joins nodes[k] and
  /// nodes[k + 1]. What a latency change (FlowNetwork::set_latency) is summed over.
  std::vector<LinkId> links;
};

struct Link {
  NodeId a;
  NodeId b;
  double bandwidth_a_to_b;  // bytes/s, > 0, may be +inf
  double bandwidth_b_to_a;  // bytes/s, > 0, may be +inf
  SimTime latency;          // ps, >= 0
};

/// Shortest-path routes from every node to one destination: a next hop per node.
struct RoutesTo {
  NodeId to = 0;
  std::vector<NodeId> next_node;  // per node; kNoNode if unreachable (or the destination)
  std::vector<std::uint32_t> next_link;
};

/// Shortest-path routes from one source to every node: a parent per node.
struct RoutesFrom {
  NodeId from = 0;
  std::vector<NodeId> parent_node;  // per node; kNoNode if unreachable (or the source)
  std::vector<std::uint32_t> parent_link;
};

inline constexpr NodeId kNoNode = 0xffffffffu;

class Topology {
 public:
  Topology();
  ~Topology();
  Topology(Topology&&) noexcept;
  Topology& operator=(Topology&&) noexcept;
  Topology(const Topology&);
  Topology& operator=(const Topology&);

  /// Adds a node; names must be unique and non-empty (InputError otherwise).
  NodeId add_node(std::string name);
  std::optional<NodeId> find_node(std::string_view name) const;
  const std::string& node_name(NodeId node) const;
  std::size_t node_count() const noexcept { return names_.size(); }

  /// Adds a full-duplex link. Bandwidths in bytes/s must be > 0 (+inf allowed: not a
  /// constraining resource); latency >= 0; a != b. Violations throw InputError.
  LinkId add_link(NodeId a, NodeId b, double bandwidth_a_to_b, double bandwidth_b_to_a, SimTime latency);
  std::size_t link_count() const noexcept { return links_.size(); }
  const Link& link(LinkId id) const;

  /// Shortest route by latency with the tie-break rule above. from == to gives an empty
  /// route of zero latency. Throws InputError "no route from w3 to server" if unreachable.
  Route route(NodeId from, NodeId to) const;
  /// Every node's route to `to` (one Dijkstra + one pass over the links), and the route of
  /// `from` read off it: equal to route(from, to).
  RoutesTo routes_to(NodeId to) const;
  Route route(const RoutesTo& tree, NodeId from) const;
  /// Routes from `from` to every node (one Dijkstra, then the nodes ranked level by level by
  /// their lexicographically smallest path), and the route to `to`: equal to route(from, to).
  RoutesFrom routes_from(NodeId from) const;
  Route route(const RoutesFrom& tree, NodeId to) const;

  /// 2 · link_count(): both directions of every link, finite or not.
  std::size_t resource_count() const noexcept { return 2 * links_.size(); }
  /// Capacity of a link direction in bytes/s (+inf if unconstrained).
  double resource_capacity(ResourceId r) const;
  /// "w3->sw0": the direction's tail and head node names.
  std::string resource_name(ResourceId r) const;
  NodeId resource_tail(ResourceId r) const;
  NodeId resource_head(ResourceId r) const;

 private:
  struct Graph;  // the Boost.Graph adjacency_list, kept out of this header
  std::unique_ptr<Graph> graph_;
  std::vector<std::string> names_;
  std::map<std::string, NodeId, std::less<>> by_name_;
  std::vector<Link> links_;
};

}  // namespace ef21::sim
