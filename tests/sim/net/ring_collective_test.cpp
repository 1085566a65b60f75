// Ring collectives over the flow network, analytic: with no shared link every step of a ring
// all-reduce takes the route latency plus chunk / bandwidth, so the whole takes
// 2(n - 1)(latency + chunk / bandwidth); an all-gather n - 1 such steps. Over a DOT ring (no
// server node) and over a star (worker to worker: uplink then downlink).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "sim/core/engine.hpp"
#include "sim/net/dot_loader.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/star.hpp"
#include "tests/simgrid/ring_traffic.hpp"

using namespace ef21::sim;
using ef21::sim::testing::RingCollective;
namespace fs = std::filesystem;

namespace {

constexpr SimTime kUs = 1'000'000;

/// A ring w0 -- w1 -- ... -- w{n-1} -- w0 as a DOT file (no server), loaded.
Topology dot_ring(std::size_t n, const std::string& bandwidth, const std::string& latency) {
  std::string text = "graph ring {\n";
  for (std::size_t i = 0; i < n; ++i) {
    text +=
        fmt::format("  w{} -- w{} [bandwidth=\"{}\", latency=\"{}\"];\n", i, (i + 1) % n, bandwidth, latency);
  }
  text += "}\n";
  const fs::path file = fs::temp_directory_path() / fmt::format("ef21sim-ring-{}-{}.dot", ::getpid(), n);
  std::ofstream(file) << text;
  LinkDynamics none;
  Topology topo = load_dot(file, n, &none, false);
  fs::remove(file);
  return topo;
}

std::vector<NodeId> workers(const Topology& topo, std::size_t n) {
  std::vector<NodeId> ring;
  for (std::size_t i = 0; i < n; ++i) ring.push_back(*topo.find_node(fmt::format("w{}", i)));
  return ring;
}

/// Runs one collective from time 0 on every worker; returns its finish time.
SimTime run_collective(const Topology& topo, std::size_t n, std::size_t steps, std::uint64_t bytes) {
  Engine engine;
  FlowNetwork net(engine, topo);
  RingCollective ring(engine, net, workers(topo, n), steps, std::vector<std::uint64_t>(n, bytes),
                      std::vector<SimTime>(n, 0));
  std::size_t max_flows = 0;
  ring.start([&](const Delivery&) { max_flows = std::max(max_flows, net.active_flows()); });
  engine.run();
  CHECK(ring.finished());
  CHECK(net.messages_delivered() == n * steps);
  CHECK(max_flows <= n);  // lockstep: one flow per worker at a time
  return ring.finish_time();
}

}  // namespace

TEST_CASE("a ring all-reduce with no shared links takes 2(n-1)(latency + chunk/bandwidth)", "[flow][ring]") {
  // d = 1000 values of 4 B over 8 workers: chunks of 125 values, 500 B; 1 GB/s: 0.5 us a chunk.
  const std::size_t n = 8;
  const std::uint64_t chunk = RingCollective::allreduce_chunk_bytes(1000, n, 4, 0);
  REQUIRE(chunk == 500);
  const SimTime transfer = 500'000;  // ps: 500 B at 1 GB/s
  SECTION("over a DOT ring") {
    const Topology topo = dot_ring(n, "1 GB/s", "3 us");
    CHECK(run_collective(topo, n, RingCollective::allreduce_steps(n), chunk) ==
          static_cast<SimTime>(2 * (n - 1)) * (3 * kUs + transfer));
  }
  SECTION("over a star: each step crosses an uplink and a downlink") {
    StarSpec spec;
    spec.workers.assign(n, AccessLink{1e9, 1e9, 3 * kUs});
    const Topology topo = make_star(spec);
    CHECK(run_collective(topo, n, RingCollective::allreduce_steps(n), chunk) ==
          static_cast<SimTime>(2 * (n - 1)) * (2 * 3 * kUs + transfer));
  }
  SECTION("a chunk of d not divisible by n rounds up") {
    CHECK(RingCollective::allreduce_chunk_bytes(1001, n, 4, 40) == 40 + 126 * 4);
  }
}

TEST_CASE("a ring all-gather with no shared links takes (n-1)(latency + message/bandwidth)", "[flow][ring]") {
  const std::size_t n = 16;
  const Topology topo = dot_ring(n, "1 GB/s", "7 us");
  CHECK(run_collective(topo, n, RingCollective::allgather_steps(n), 2000) ==
        static_cast<SimTime>(n - 1) * (7 * kUs + 2'000'000));
}

TEST_CASE("a ring all-gather forwards each worker's own message around the ring", "[flow][ring]") {
  // Sizes by origin: worker k's message is 100 (k + 1) bytes; each worker must receive every
  // other worker's size exactly once (not necessarily in step order: without a barrier a
  // smaller message of a later step can overtake a larger one on the same link).
  const std::size_t n = 5;
  const Topology topo = dot_ring(n, "1 MB/s", "1 us");
  Engine engine;
  FlowNetwork net(engine, topo);
  std::vector<std::uint64_t> sizes;
  for (std::size_t k = 0; k < n; ++k) sizes.push_back(100 * (k + 1));
  RingCollective ring(engine, net, workers(topo, n), RingCollective::allgather_steps(n), sizes,
                      std::vector<SimTime>(n, 0));
  std::vector<std::vector<std::uint64_t>> received(n);
  ring.start([&](const Delivery& d) { received[d.dst].push_back(d.bytes); });  // DOT ring: w{k} is node k
  engine.run();
  for (std::size_t k = 0; k < n; ++k) {
    std::vector<std::uint64_t> want;
    for (std::size_t s = 1; s < n; ++s) want.push_back(sizes[(k + n - s) % n]);
    std::sort(want.begin(), want.end());
    std::sort(received[k].begin(), received[k].end());
    CHECK(received[k] == want);
  }
}
