#pragma once
// The naive reference the flow-network tests compare against: max-min rates by textbook
// progressive filling, every round scanning all resources for the smallest fair share.
#include <algorithm>
#include <limits>
#include <vector>

#include "sim/net/topology.hpp"

namespace ef21::test {

/// Rates (bytes/s) of `flows` (each a list of resources) under `capacity` (by resource).
inline std::vector<double> naive_max_min(const std::vector<double>& capacity,
                                         const std::vector<const std::vector<sim::ResourceId>*>& flows) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<double> free = capacity;
  std::vector<int> unfixed(capacity.size(), 0);
  for (const auto* f : flows)
    for (const sim::ResourceId r : *f) ++unfixed[r];
  std::vector<double> rate(flows.size(), -1.0);
  for (;;) {
    double best = kInf;
    sim::ResourceId bottleneck = 0;
    for (sim::ResourceId r = 0; r < free.size(); ++r) {
      if (unfixed[r] > 0 && free[r] / unfixed[r] < best) {
        best = free[r] / unfixed[r];
        bottleneck = r;
      }
    }
    if (best == kInf) break;
    for (std::size_t i = 0; i < flows.size(); ++i) {
      if (rate[i] >= 0) continue;
      const auto& res = *flows[i];
      if (std::find(res.begin(), res.end(), bottleneck) == res.end()) continue;
      rate[i] = best;
      for (const sim::ResourceId r : res) {
        free[r] -= best;
        --unfixed[r];
      }
    }
  }
  return rate;
}

/// The same under the topology's nominal capacities.
inline std::vector<double> naive_max_min(const sim::Topology& topo,
                                         const std::vector<const std::vector<sim::ResourceId>*>& flows) {
  std::vector<double> capacity(topo.resource_count());
  for (sim::ResourceId r = 0; r < capacity.size(); ++r) capacity[r] = topo.resource_capacity(r);
  return naive_max_min(capacity, flows);
}

}  // namespace ef21::test
