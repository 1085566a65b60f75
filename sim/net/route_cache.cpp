#include "sim/net/route_cache.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "models/support/check.hpp"

namespace ef21::sim {

RouteCache::RouteCache(const Topology& topology) : topo_(topology) {
  last_from_.resize(topo_.node_count());
  last_to_.resize(topo_.node_count());
  link_latency_.resize(topo_.link_count());
  for (LinkId l = 0; l < link_latency_.size(); ++l) link_latency_[l] = topo_.link(l).latency;
}

std::uint32_t RouteCache::lookup(NodeId src, NodeId dst) {
  const std::uint64_t key = (static_cast<std::uint64_t>(src) << 32) | dst;
  const auto it = by_pair_.find(key);
  if (it != by_pair_.end()) return it->second;
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
    EF21_CHECK(std::isfinite(topo_.resource_capacity(res)) && topo_.resource_capacity(res) > 0,
               "route resource without a finite positive capacity");
  }
  flat_resources_.insert(flat_resources_.end(), r.resources.begin(), r.resources.end());
  offsets_.push_back(static_cast<std::uint32_t>(flat_resources_.size()));
  latency_.push_back(r.latency);
  routes_.push_back(std::move(r));
  const auto index = static_cast<std::uint32_t>(routes_.size() - 1);
  if (latency_changed_) resum(index);  // the topology summed the nominal latencies
  by_pair_.emplace(key, index);
  return index;
}

void RouteCache::resum(std::uint32_t index) {
  Route& route = routes_[index];
  SimTime sum = 0;
  for (const LinkId l : route.links) sum = checked_add(sum, link_latency_[l]);
  route.latency = sum;
  latency_[index] = sum;
}

void RouteCache::set_link_latency(LinkId link, SimTime latency) {
  EF21_CHECK(link < link_latency_.size(), fmt::format("link id {} out of range", link));
  EF21_CHECK(latency >= 0, fmt::format("latency of link {} set to {} ps", link, latency));
  if (link_latency_[link] == latency) return;
  link_latency_[link] = latency;
  latency_changed_ = true;
  for (std::uint32_t i = 0; i < routes_.size(); ++i) {
    const std::vector<LinkId>& links = routes_[i].links;
    if (std::find(links.begin(), links.end(), link) != links.end()) resum(i);
  }
}

SimTime RouteCache::link_latency(LinkId link) const {
  EF21_CHECK(link < link_latency_.size(), fmt::format("link id {} out of range", link));
  return link_latency_[link];
}

}  // namespace ef21::sim
