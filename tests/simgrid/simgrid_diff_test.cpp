// Differential test: ef21sim's FlowNetwork against SimGrid 3.32 (DESIGN §6).
//
// Random star scenarios (>= 8 workers, bandwidths spanning 100x, latencies 10 us..50 ms,
// messages 40 B..40 MB, rounds of all-workers-upload then server-broadcast plus random
// traffic, with and without a constraining server link) run through our FlowNetwork; every
// message's flow start (t_flow, the latency already paid) is handed to simgrid_peer, which
// simulates the same transfers with CM02 made plain max-min. Every completion must agree to
// 1e-9 relative or 1 ns, whichever is larger. Prints its seeds; EF21SIM_TEST_SEED replays.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>
#include <fmt/format.h>

#include "models/support/rng.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/star.hpp"
#include "simgrid_options.hpp"

using namespace ef21::sim;
namespace fs = std::filesystem;

namespace {

constexpr SimTime kUs = 1'000'000;
constexpr SimTime kMs = 1'000'000'000;

using ef21::simgrid_ref::kSimGridOptions;

struct Record {
  Delivery delivery;
  bool delivered = false;
};

double log_uniform(ef21::Rng& rng, double lo, double hi) { return lo * std::pow(hi / lo, rng.uniform()); }

SimTime random_latency(ef21::Rng& rng) {  // 10 us .. 50 ms, to the picosecond
  return static_cast<SimTime>(log_uniform(rng, 10.0 * kUs, 50.0 * kMs));
}

std::uint64_t random_bytes(ef21::Rng& rng) {  // 40 B .. 40 MB
  return static_cast<std::uint64_t>(log_uniform(rng, 40.0, 40e6));
}

/// A random star and the traffic run over it with our network.
struct Scenario {
  Topology topo;
  std::vector<Record> records;  // by MessageId
  std::map<std::pair<NodeId, NodeId>, std::vector<ResourceId>> routes;
  bool server_link = false;
};

void run_ours(Scenario& sc, ef21::Rng& rng, std::uint32_t min_hub_flows) {
  const std::size_t n = 8 + rng.below(9);
  StarSpec spec;
  const double base = log_uniform(rng, 1e5, 1e7);  // bytes/s; every link within [base, 100 base]
  for (std::size_t i = 0; i < n; ++i) {
    spec.workers.push_back(AccessLink{base * log_uniform(rng, 1, 100), base * log_uniform(rng, 1, 100), random_latency(rng)});
  }
  sc.server_link = rng.uniform() < 0.6;
  if (sc.server_link) {
    // Constraining: a few workers' worth, so uploads and broadcasts contend on it.
    spec.server = AccessLink{base * log_uniform(rng, 2, 100), base * log_uniform(rng, 2, 100), random_latency(rng)};
  }
  sc.topo = make_star(spec);
  const NodeId server = 0;

  Engine engine;
  FlowNetwork net(engine, sc.topo, FlowNetworkOptions{min_hub_flows});
  const auto record = [&sc](const Delivery& d) {
    if (sc.records.size() <= d.id) sc.records.resize(d.id + 1);
    sc.records[d.id] = Record{d, true};
  };
  const auto send = [&](NodeId src, NodeId dst, std::uint64_t bytes) {
    if (src != dst) sc.routes.emplace(std::pair{src, dst}, net.route(src, dst).resources);
    net.send(src, dst, bytes, record);
  };

  // Rounds of the synchronous parameter-server protocol: each worker sends after a random
  // compute delay; once all arrived the server sends to every worker (n unicast flows
  // starting together); the next round starts when the last worker has its message.
  const int rounds = 2 + static_cast<int>(rng.below(3));
  struct RoundState {
    int round = 0;
    std::size_t pending = 0;
    std::uint64_t up_bytes = 0;
    std::uint64_t down_bytes = 0;
  } state;
  std::function<void()> start_round;
  start_round = [&] {
    if (state.round++ == rounds) return;
    state.up_bytes = random_bytes(rng);
    state.down_bytes = random_bytes(rng);
    state.pending = n;
    for (std::size_t i = 0; i < n; ++i) {
      const auto worker = static_cast<NodeId>(1 + i);
      const SimTime compute = static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(20 * kMs)));
      engine.schedule_after(compute, [&, worker] {
        net.send(worker, server, state.up_bytes, [&](const Delivery& d) {
          record(d);
          if (--state.pending > 0) return;
          state.pending = n;
          for (std::size_t j = 0; j < n; ++j) {
            const auto to = static_cast<NodeId>(1 + j);
            sc.routes.emplace(std::pair{server, to}, net.route(server, to).resources);
            net.send(server, to, state.down_bytes, [&](const Delivery& back) {
              record(back);
              if (--state.pending == 0) start_round();
            });
          }
        });
        sc.routes.emplace(std::pair{worker, server}, net.route(worker, server).resources);
      });
    }
  };
  engine.schedule_at(0, [&] { start_round(); });

  // Background traffic between random nodes at random instants in the first 2 s.
  const std::size_t extra = 10 + rng.below(40);
  for (std::size_t k = 0; k < extra; ++k) {
    const auto src = static_cast<NodeId>(rng.below(n + 1));
    const auto dst = static_cast<NodeId>(rng.below(n + 1));
    const std::uint64_t bytes = random_bytes(rng);
    engine.schedule_at(static_cast<SimTime>(rng.below(2'000'000'000'000)), [&, src, dst, bytes] { send(src, dst, bytes); });
  }
  engine.run();
}

/// Writes the peer's scenario; returns the ids of the messages handed to it.
std::vector<MessageId> write_peer_scenario(const Scenario& sc, const fs::path& file) {
  std::ofstream out(file);
  out << "links " << sc.topo.link_count() << "\n";
  const auto bw = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.17g}", v); };
  for (LinkId l = 0; l < sc.topo.link_count(); ++l) {
    out << bw(sc.topo.link(l).bandwidth_a_to_b) << " " << bw(sc.topo.link(l).bandwidth_b_to_a) << "\n";
  }
  out << "hosts " << sc.topo.node_count() << "\n";
  out << "routes " << sc.routes.size() << "\n";
  for (const auto& [pair, resources] : sc.routes) {
    out << pair.first << " " << pair.second << " " << resources.size();
    for (const ResourceId r : resources) out << " " << r / 2 << (r % 2 == 0 ? " U" : " D");
    out << "\n";
  }
  std::vector<MessageId> handed;
  for (const Record& r : sc.records) {
    const Delivery& d = r.delivery;
    if (d.src == d.dst || d.bytes == 0 || sc.routes.at({d.src, d.dst}).empty()) continue;
    handed.push_back(d.id);
  }
  out << "messages " << handed.size() << "\n";
  for (const MessageId id : handed) {
    const Delivery& d = sc.records[id].delivery;
    out << fmt::format("{} {} {} {} {:.17g}\n", id, d.src, d.dst, d.bytes, time_to_seconds(d.t_flow));
  }
  return handed;
}

std::uint64_t base_seed() {
  if (const char* env = std::getenv("EF21SIM_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return 32032;
}

}  // namespace

TEST_CASE("flow network completion times agree with SimGrid CM02 max-min on random stars", "[simgrid]") {
  // min_hub_flows = 2: every lone shared bottleneck (the server link) is solved as a hub.
  const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 64u, 2u);
  CAPTURE(min_hub_flows);
  const std::uint64_t base = base_seed();
  constexpr int kScenarios = 24;
  std::cout << "simgrid differential test: seeds " << base << ".." << base + kScenarios - 1
            << " (set EF21SIM_TEST_SEED to replay from another base)\n";
  const fs::path dir = fs::temp_directory_path() / fmt::format("ef21sim-simgrid-{}", ::getpid());
  fs::create_directories(dir);

  double max_rel = 0;
  double max_abs = 0;
  std::size_t compared = 0;
  for (int s = 0; s < kScenarios; ++s) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(s);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    Scenario sc;
    run_ours(sc, rng, min_hub_flows);
    for (const Record& r : sc.records) REQUIRE(r.delivered);

    const fs::path scenario_file = dir / fmt::format("scenario-{}.txt", seed);
    const fs::path result_file = dir / fmt::format("result-{}.txt", seed);
    const std::vector<MessageId> handed = write_peer_scenario(sc, scenario_file);
    const std::string command = fmt::format("\"{}\" \"{}\"{} > \"{}\"", EF21SIM_SIMGRID_PEER, scenario_file.string(),
                                            kSimGridOptions, result_file.string());
    REQUIRE(std::system(command.c_str()) == 0);

    std::ifstream in(result_file);
    std::map<MessageId, double> theirs;
    MessageId id = 0;
    double done = 0;
    while (in >> id >> done) theirs[id] = done;
    REQUIRE(theirs.size() == handed.size());

    for (const Record& r : sc.records) {
      const Delivery& d = r.delivery;
      INFO("seed " << seed << " message " << d.id << " " << sc.topo.node_name(d.src) << "->" << sc.topo.node_name(d.dst)
                   << " " << d.bytes << " B, flow from " << time_to_seconds(d.t_flow) << " s, server link "
                   << (sc.server_link ? "yes" : "no"));
      const auto it = theirs.find(d.id);
      if (it == theirs.end()) {  // nothing to share: latency only
        CHECK(d.t_done == d.t_flow);
        continue;
      }
      const double ours = time_to_seconds(d.t_done);
      const double err = std::abs(ours - it->second);
      max_abs = std::max(max_abs, err);
      max_rel = std::max(max_rel, err / it->second);
      ++compared;
      INFO("ours " << fmt::format("{:.17g}", ours) << " s, SimGrid " << fmt::format("{:.17g}", it->second) << " s");
      CHECK(err <= std::max(1e-9 * it->second, 1e-9));
    }
  }
  std::cout << fmt::format("simgrid differential test (min_hub_flows {}): {} messages compared, max relative error {:.3g}, max absolute error {:.3g} s\n",
                           min_hub_flows, compared, max_rel, max_abs);
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}
