#include "sim/net/star.hpp"

#include <limits>
#include <fmt/format.h>

namespace ef21::sim {

Topology make_star(const StarSpec& spec) {
  Topology topo;
  const NodeId server = topo.add_node("server");
  std::vector<NodeId> workers;
  workers.reserve(spec.workers.size());
  for (std::size_t i = 0; i < spec.workers.size(); ++i) workers.push_back(topo.add_node(fmt::format("w{}", i)));
  const NodeId hub = topo.add_node("switch");
  for (std::size_t i = 0; i < spec.workers.size(); ++i) {
    const AccessLink& l = spec.workers[i];
    topo.add_link(workers[i], hub, l.up_bytes_per_s, l.down_bytes_per_s, l.latency);
  }
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const AccessLink server_link = spec.server.value_or(AccessLink{kInf, kInf, 0});
  topo.add_link(server, hub, server_link.up_bytes_per_s, server_link.down_bytes_per_s, server_link.latency);
  return topo;
}

}  // namespace ef21::sim
