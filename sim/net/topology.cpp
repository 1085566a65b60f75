#include "sim/net/topology.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/dijkstra_shortest_paths.hpp>
#include <boost/property_map/property_map.hpp>
#include <fmt/format.h>

#include "models/support/check.hpp"
#include "models/support/input_error.hpp"

namespace ef21::sim {

namespace {

struct EdgeProps {
  LinkId link = 0;
  SimTime latency = 0;  // ps: Dijkstra's weight
};

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, boost::no_property, EdgeProps>;

/// Path cost compared lexicographically: total latency (ps), then hop count.
struct Cost {
  SimTime latency = 0;
  std::uint32_t hops = 0;
  friend bool operator==(const Cost&, const Cost&) = default;
};

struct CostLess {
  bool operator()(const Cost& x, const Cost& y) const noexcept {
    return x.latency != y.latency ? x.latency < y.latency : x.hops < y.hops;
  }
};

constexpr Cost kInfiniteCost{std::numeric_limits<SimTime>::max(), std::numeric_limits<std::uint32_t>::max()};

struct CostPlusLatency {
  // Saturates at "infinite" so a pathological sum of latencies cannot wrap around.
  Cost operator()(const Cost& c, SimTime latency) const noexcept {
    if (c == kInfiniteCost) return kInfiniteCost;
    SimTime sum = 0;
    if (__builtin_add_overflow(c.latency, latency, &sum)) return kInfiniteCost;
    return Cost{sum, c.hops + 1};
  }
};

}  // namespace

struct Topology::Graph {
  BoostGraph g;
};

Topology::Topology() : graph_(std::make_unique<Graph>()) {}
Topology::~Topology() = default;
Topology::Topology(Topology&&) noexcept = default;
Topology& Topology::operator=(Topology&&) noexcept = default;
Topology::Topology(const Topology& other)
    : graph_(std::make_unique<Graph>(*other.graph_)), names_(other.names_), by_name_(other.by_name_), links_(other.links_) {}
Topology& Topology::operator=(const Topology& other) {
  if (this != &other) *this = Topology(other);
  return *this;
}

NodeId Topology::add_node(std::string name) {
  if (name.empty()) throw InputError("a network node needs a non-empty name");
  if (by_name_.count(name) != 0) throw InputError(fmt::format("duplicate network node \"{}\"", name));
  const auto id = static_cast<NodeId>(boost::add_vertex(graph_->g));
  EF21_CHECK(id == names_.size(), "Boost graph vertex ids out of step with node names");
  by_name_.emplace(name, id);
  names_.push_back(std::move(name));
  return id;
}

std::optional<NodeId> Topology::find_node(std::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

const std::string& Topology::node_name(NodeId node) const {
  EF21_CHECK(node < names_.size(), fmt::format("node id {} out of range", node));
  return names_[node];
}

LinkId Topology::add_link(NodeId a, NodeId b, double bandwidth_a_to_b, double bandwidth_b_to_a, SimTime latency) {
  EF21_CHECK(a < names_.size() && b < names_.size(), "link endpoint out of range");
  const auto describe = [&] { return fmt::format("link {} -- {}", names_[a], names_[b]); };
  if (a == b) throw InputError(fmt::format("{} connects a node to itself", describe()));
  for (const double bw : {bandwidth_a_to_b, bandwidth_b_to_a}) {
    if (!(bw > 0)) throw InputError(fmt::format("{}: bandwidth must be positive, got {} B/s", describe(), bw));
  }
  if (latency < 0) throw InputError(fmt::format("{}: latency must not be negative", describe()));
  const auto id = static_cast<LinkId>(links_.size());
  links_.push_back(Link{a, b, bandwidth_a_to_b, bandwidth_b_to_a, latency});
  boost::add_edge(a, b, EdgeProps{id, latency}, graph_->g);
  return id;
}

const Link& Topology::link(LinkId id) const {
  EF21_CHECK(id < links_.size(), fmt::format("link id {} out of range", id));
  return links_[id];
}

double Topology::resource_capacity(ResourceId r) const {
  const Link& l = link(r / 2);
  return r % 2 == 0 ? l.bandwidth_a_to_b : l.bandwidth_b_to_a;
}

NodeId Topology::resource_tail(ResourceId r) const {
  const Link& l = link(r / 2);
  return r % 2 == 0 ? l.a : l.b;
}

NodeId Topology::resource_head(ResourceId r) const {
  const Link& l = link(r / 2);
  return r % 2 == 0 ? l.b : l.a;
}

std::string Topology::resource_name(ResourceId r) const {
  return fmt::format("{}->{}", names_[resource_tail(r)], names_[resource_head(r)]);
}

namespace {

std::vector<Cost> shortest_costs(const BoostGraph& g, NodeId root) {
  std::vector<Cost> cost(boost::num_vertices(g), kInfiniteCost);
  boost::dijkstra_shortest_paths(
      g, root,
      boost::weight_map(boost::get(&EdgeProps::latency, g))
          .distance_map(boost::make_iterator_property_map(cost.begin(), boost::get(boost::vertex_index, g)))
          .distance_compare(CostLess{})
          .distance_combine(CostPlusLatency{})
          .distance_inf(kInfiniteCost)
          .distance_zero(Cost{}));
  return cost;
}

/// True if the link of latency `latency` from a node of cost `near` reaches one of `far`
/// on a shortest path (costs from one root).
bool on_shortest(const Cost& near, SimTime latency, const Cost& far) {
  return !(near == kInfiniteCost) && CostPlusLatency{}(near, latency) == far;
}

}  // namespace

RoutesTo Topology::routes_to(NodeId to) const {
  EF21_CHECK(to < names_.size(), "route endpoint out of range");
  const std::vector<Cost> cost = shortest_costs(graph_->g, to);
  RoutesTo tree;
  tree.to = to;
  tree.next_node.assign(names_.size(), kNoNode);
  tree.next_link.assign(names_.size(), std::numeric_limits<std::uint32_t>::max());
  // Each node's next hop: the smallest neighbour on a shortest path, then the smallest link.
  const auto offer = [&](NodeId at, NodeId next, LinkId id) {
    if (at == to || cost[at] == kInfiniteCost || !on_shortest(cost[next], links_[id].latency, cost[at])) return;
    if (next < tree.next_node[at] || (next == tree.next_node[at] && id < tree.next_link[at])) {
      tree.next_node[at] = next;
      tree.next_link[at] = id;
    }
  };
  for (LinkId id = 0; id < links_.size(); ++id) {
    offer(links_[id].a, links_[id].b, id);
    offer(links_[id].b, links_[id].a, id);
  }
  return tree;
}

Route Topology::route(const RoutesTo& tree, NodeId from) const {
  EF21_CHECK(from < names_.size(), "route endpoint out of range");
  Route result;
  result.nodes.push_back(from);
  if (from == tree.to) return result;
  if (tree.next_node[from] == kNoNode) {
    throw InputError(fmt::format("no route from {} to {}", names_[from], names_[tree.to]));
  }
  for (NodeId at = from; at != tree.to;) {
    const LinkId id = tree.next_link[at];
    const Link& l = links_[id];
    const ResourceId r = 2 * id + (l.a == at ? 0 : 1);
    if (std::isfinite(resource_capacity(r))) result.resources.push_back(r);
    result.links.push_back(id);
    result.latency += l.latency;
    at = tree.next_node[at];
    result.nodes.push_back(at);
  }
  return result;
}

RoutesFrom Topology::routes_from(NodeId from) const {
  EF21_CHECK(from < names_.size(), "route endpoint out of range");
  const BoostGraph& g = graph_->g;
  const std::vector<Cost> cost = shortest_costs(g, from);
  RoutesFrom tree;
  tree.from = from;
  tree.parent_node.assign(names_.size(), kNoNode);
  tree.parent_link.assign(names_.size(), std::numeric_limits<std::uint32_t>::max());
  // Shortest paths to a node all have its hop count; the lexicographically smallest one is
  // the smallest path to a predecessor plus the node. So rank the nodes level by level (by
  // hop count): a node's parent is its predecessor of smallest rank (then smallest link), and
  // the nodes of one level are ranked by (parent's rank, own id).
  std::vector<std::vector<NodeId>> levels;
  for (NodeId v = 0; v < names_.size(); ++v) {
    if (cost[v] == kInfiniteCost) continue;
    if (levels.size() <= cost[v].hops) levels.resize(cost[v].hops + 1);
    levels[cost[v].hops].push_back(v);
  }
  std::vector<std::uint32_t> rank(names_.size(), std::numeric_limits<std::uint32_t>::max());
  rank[from] = 0;
  for (std::size_t h = 1; h < levels.size(); ++h) {
    for (const NodeId t : levels[h]) {
      for (const auto e : boost::make_iterator_range(boost::out_edges(t, g))) {
        const auto u = static_cast<NodeId>(boost::target(e, g));
        const EdgeProps& props = g[e];
        if (!on_shortest(cost[u], props.latency, cost[t])) continue;
        const NodeId best = tree.parent_node[t];
        if (best == kNoNode || rank[u] < rank[best] || (u == best && props.link < tree.parent_link[t])) {
          tree.parent_node[t] = u;
          tree.parent_link[t] = props.link;
        }
      }
    }
    std::sort(levels[h].begin(), levels[h].end(), [&](NodeId a, NodeId b) {
      const std::uint32_t ra = rank[tree.parent_node[a]];
      const std::uint32_t rb = rank[tree.parent_node[b]];
      return ra != rb ? ra < rb : a < b;
    });
    for (std::size_t k = 0; k < levels[h].size(); ++k) rank[levels[h][k]] = static_cast<std::uint32_t>(k);
  }
  return tree;
}

Route Topology::route(const RoutesFrom& tree, NodeId to) const {
  EF21_CHECK(to < names_.size(), "route endpoint out of range");
  Route result;
  if (to == tree.from) {
    result.nodes.push_back(to);
    return result;
  }
  if (tree.parent_node[to] == kNoNode) {
    throw InputError(fmt::format("no route from {} to {}", names_[tree.from], names_[to]));
  }
  result.nodes.push_back(to);
  for (NodeId at = to; at != tree.from;) {
    const LinkId id = tree.parent_link[at];
    const Link& l = links_[id];
    const NodeId parent = tree.parent_node[at];
    const ResourceId r = 2 * id + (l.a == parent ? 0 : 1);  // the direction parent -> at
    if (std::isfinite(resource_capacity(r))) result.resources.push_back(r);
    result.links.push_back(id);
    result.latency += l.latency;
    at = parent;
    result.nodes.push_back(at);
  }
  std::reverse(result.resources.begin(), result.resources.end());
  std::reverse(result.nodes.begin(), result.nodes.end());
  std::reverse(result.links.begin(), result.links.end());
  return result;
}

Route Topology::route(NodeId from, NodeId to) const {
  EF21_CHECK(from < names_.size() && to < names_.size(), "route endpoint out of range");
  Route result;
  result.nodes.push_back(from);
  if (from == to) return result;

  // Costs *to* `to` (the graph is undirected and latencies symmetric), so that the walk
  // below can pick, at each step from `from`, the smallest next node still on a shortest path.
  const BoostGraph& g = graph_->g;
  const std::vector<Cost> cost = shortest_costs(g, to);
  if (cost[from] == kInfiniteCost) {
    throw InputError(fmt::format("no route from {} to {}", names_[from], names_[to]));
  }
  result.latency = cost[from].latency;

  NodeId at = from;
  while (at != to) {
    NodeId best_next = std::numeric_limits<NodeId>::max();
    LinkId best_link = std::numeric_limits<LinkId>::max();
    for (const auto e : boost::make_iterator_range(boost::out_edges(at, g))) {
      const auto next = static_cast<NodeId>(boost::target(e, g));
      const EdgeProps& props = g[e];
      if (cost[next] == kInfiniteCost || !(CostPlusLatency{}(cost[next], props.latency) == cost[at])) continue;
      if (next < best_next || (next == best_next && props.link < best_link)) {
        best_next = next;
        best_link = props.link;
      }
    }
    EF21_CHECK(best_link != std::numeric_limits<LinkId>::max(), "shortest-path walk lost its way");
    const Link& l = links_[best_link];
    const bool forward = l.a == at;
    const ResourceId r = 2 * best_link + (forward ? 0 : 1);
    if (std::isfinite(resource_capacity(r))) result.resources.push_back(r);
    result.links.push_back(best_link);
    result.nodes.push_back(best_next);
    at = best_next;
  }
  return result;
}

}  // namespace ef21::sim
