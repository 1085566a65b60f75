#pragma once
// The default topology (DESIGN §6): every worker and the server on an access link to one
// switch named "switch".
#include <optional>
#include <vector>

#include "sim/core/time.hpp"
#include "sim/net/topology.hpp"

namespace ef21::sim {

/// A node's access link to the switch. up = node -> switch, down = switch -> node.
struct AccessLink {
  double up_bytes_per_s = 0;    // bytes/s, > 0, may be +inf
  double down_bytes_per_s = 0;  // bytes/s, > 0, may be +inf
  SimTime latency = 0;          // ps, >= 0
};

struct StarSpec {
  std::vector<AccessLink> workers;    // worker i is node "w{i}"
  std::optional<AccessLink> server;   // absent: infinite bandwidth, zero latency
};

/// Nodes in id order: server (0), w0..w{n-1} (1..n), switch (n+1). Link i is worker i's
/// access link (a = w{i}, b = switch); the server's link (a = server) comes last.
Topology make_star(const StarSpec& spec);

}  // namespace ef21::sim
