// Differential test: ef21sim's FlowNetwork against SimGrid 3.32 (DESIGN §6, issue 11).
//
// Scenarios run through our FlowNetwork; every message's flow start (t_flow, the latency
// already paid), its route, and every capacity change the network saw are handed to
// simgrid_peer, which simulates the same transfers with CM02 made plain max-min. Every
// completion must agree to 1e-9 relative or 1 ps, whichever is larger. Cases:
// - random stars (>= 8 workers, bandwidths spanning 100x, latencies 10 us..50 ms, messages
//   40 B..40 MB, rounds of all-workers-upload then server-broadcast plus random traffic, with
//   and without a constraining server link), without and with random bandwidth traces;
// - random DOT topologies (server, workers, switches, extra links, some infinite) with random
//   bandwidth traces, loaded by load_dot from generated files, random traffic;
// - ring all-gather and ring all-reduce (tests/simgrid/ring_traffic.hpp) over a DOT ring
//   without a server and over a star, staggered starts, with and without traces.
// Prints its seeds; EF21SIM_TEST_SEED replays from another base.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/support/rng.hpp"
#include "ring_traffic.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/trace_file.hpp"
#include "sim/net/dot_loader.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/link_dynamics.hpp"
#include "sim/net/star.hpp"
#include "simgrid_options.hpp"

using namespace ef21::sim;
using ef21::sim::testing::RingCollective;
namespace fs = std::filesystem;

namespace {

constexpr SimTime kUs = 1'000'000;
constexpr SimTime kMs = 1'000'000'000;
constexpr SimTime kS = kPicosPerSecond;

using ef21::simgrid_ref::kSimGridOptions;

/// A Network that forwards to a FlowNetwork and records every capacity change it is given
/// (the link traces driver's output), for the peer.
class RecordingNetwork final : public Network {
 public:
  struct CapacityChange {
    SimTime t;
    ResourceId resource;
    double capacity;
  };

  RecordingNetwork(Engine& engine, FlowNetwork& inner) : engine_(engine), inner_(inner) {}

  MessageId send(NodeId src, NodeId dst, std::uint64_t bytes, Callback on_delivered) override {
    return inner_.send(src, dst, bytes, std::move(on_delivered));
  }
  bool cancel(MessageId id) override { return inner_.cancel(id); }
  const Route& route(NodeId src, NodeId dst) override { return inner_.route(src, dst); }
  void set_capacity(ResourceId r, double bytes_per_s) override {
    changes.push_back({engine_.now(), r, bytes_per_s});
    inner_.set_capacity(r, bytes_per_s);
  }
  void set_latency(LinkId link, SimTime latency) override { inner_.set_latency(link, latency); }
  double capacity(ResourceId r) const override { return inner_.capacity(r); }
  SimTime latency(LinkId link) const override { return inner_.latency(link); }
  const Topology& topology() const noexcept override { return inner_.topology(); }
  std::uint64_t messages_sent() const noexcept override { return inner_.messages_sent(); }
  std::uint64_t messages_delivered() const noexcept override { return inner_.messages_delivered(); }
  std::uint64_t messages_cancelled() const noexcept override { return inner_.messages_cancelled(); }
  std::uint64_t bytes_sent() const noexcept override { return inner_.bytes_sent(); }
  std::uint64_t bytes_delivered() const noexcept override { return inner_.bytes_delivered(); }
  std::uint64_t bytes_cancelled() const noexcept override { return inner_.bytes_cancelled(); }
  std::size_t in_flight() const noexcept override { return inner_.in_flight(); }
  std::size_t active_flows() const noexcept override { return inner_.active_flows(); }

  std::vector<CapacityChange> changes;

 private:
  Engine& engine_;
  FlowNetwork& inner_;
};

/// One scenario as run by us: the topology, every delivery (by message id), the routes used
/// and the capacity changes applied.
struct Outcome {
  std::vector<Delivery> deliveries;  // by MessageId
  std::map<std::pair<NodeId, NodeId>, std::vector<ResourceId>> routes;
  std::vector<RecordingNetwork::CapacityChange> changes;
};

/// Runs `traffic` (which schedules sends through the network it is given and returns how many
/// messages it will send) on `topo` with `dynamics`; the traces driver stops once every message
/// has been delivered (periodic traces would run forever).
Outcome run_ours(const Topology& topo, LinkDynamics dynamics, std::uint32_t min_hub_flows,
                 const std::function<std::size_t(Engine&, Network&,
                                                 const std::function<void(const Delivery&)>&)>& traffic) {
  Outcome out;
  Engine engine;
  FlowNetwork flow(engine, topo, FlowNetworkOptions{min_hub_flows});
  RecordingNetwork net(engine, flow);
  std::optional<LinkDynamicsDriver> driver;
  if (!dynamics.empty()) driver.emplace(engine, net, std::move(dynamics));  // before any traffic
  std::size_t expected = 0;
  std::size_t delivered = 0;
  const auto record = [&](const Delivery& d) {
    if (out.deliveries.size() <= d.id) out.deliveries.resize(d.id + 1);
    out.deliveries[d.id] = d;
    if (++delivered == expected && driver) driver->stop();
  };
  expected = traffic(engine, net, record);
  engine.run();
  REQUIRE(delivered == expected);
  REQUIRE(flow.messages_delivered() == expected);
  for (const Delivery& d : out.deliveries) {
    if (d.src != d.dst) out.routes.emplace(std::pair{d.src, d.dst}, net.route(d.src, d.dst).resources);
  }
  out.changes = std::move(net.changes);
  return out;
}

/// Writes the peer's scenario (format in simgrid_peer.cpp); returns the ids handed to it (the
/// messages that flow: the others take their latency only).
std::vector<MessageId> write_peer_scenario(const Topology& topo, const Outcome& o, const fs::path& file) {
  std::ofstream out(file);
  out << "links " << topo.link_count() << "\n";
  const auto bw = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.17g}", v); };
  for (LinkId l = 0; l < topo.link_count(); ++l) {
    out << bw(topo.link(l).bandwidth_a_to_b) << " " << bw(topo.link(l).bandwidth_b_to_a) << "\n";
  }
  out << "hosts " << topo.node_count() << "\n";
  // Routes with a finite resource (SimGrid forbids empty ones; their messages take their
  // latency only and are not handed over).
  const auto flowing =
      std::count_if(o.routes.begin(), o.routes.end(), [](const auto& r) { return !r.second.empty(); });
  out << "routes " << flowing << "\n";
  for (const auto& [pair, resources] : o.routes) {
    if (resources.empty()) continue;
    out << pair.first << " " << pair.second << " " << resources.size();
    for (const ResourceId r : resources) out << " " << r / 2 << (r % 2 == 0 ? " U" : " D");
    out << "\n";
  }
  if (!o.changes.empty()) {
    out << "changes " << o.changes.size() << "\n";
    for (const auto& c : o.changes) {
      out << fmt::format("{:.17g} {} {} {:.17g}\n", time_to_seconds(c.t), c.resource / 2,
                         c.resource % 2 == 0 ? "U" : "D", c.capacity);
    }
  }
  std::vector<MessageId> handed;
  for (const Delivery& d : o.deliveries) {
    if (d.src == d.dst || d.bytes == 0 || o.routes.at({d.src, d.dst}).empty()) continue;
    handed.push_back(d.id);
  }
  out << "messages " << handed.size() << "\n";
  for (const MessageId id : handed) {
    const Delivery& d = o.deliveries[id];
    out << fmt::format("{} {} {} {} {:.17g}\n", id, d.src, d.dst, d.bytes, time_to_seconds(d.t_flow));
  }
  return handed;
}

/// Agreement figures over many scenarios.
struct Agreement {
  std::size_t scenarios = 0;
  std::size_t compared = 0;
  double max_rel = 0;
  double max_abs = 0;  // s
  std::size_t changes = 0;
};

/// Runs the peer on `o` and checks every completion: 1e-9 relative or 1 ps, whichever is larger.
void compare_with_simgrid(const Topology& topo, const Outcome& o, const std::string& label,
                          Agreement& agreement) {
  const fs::path dir = fs::temp_directory_path() / fmt::format("ef21sim-simgrid-{}", ::getpid());
  fs::create_directories(dir);
  const fs::path scenario_file = dir / "scenario.txt";
  const fs::path result_file = dir / "result.txt";
  const std::vector<MessageId> handed = write_peer_scenario(topo, o, scenario_file);
  const std::string command = fmt::format("\"{}\" \"{}\"{} > \"{}\"", EF21SIM_SIMGRID_PEER,
                                          scenario_file.string(), kSimGridOptions, result_file.string());
  REQUIRE(std::system(command.c_str()) == 0);
  std::ifstream in(result_file);
  std::map<MessageId, double> theirs;
  MessageId id = 0;
  double done = 0;
  while (in >> id >> done) theirs[id] = done;
  REQUIRE(theirs.size() == handed.size());
  for (const Delivery& d : o.deliveries) {
    INFO(label << ": message " << d.id << " " << topo.node_name(d.src) << "->" << topo.node_name(d.dst) << " "
               << d.bytes << " B, flow from " << fmt::format("{:.17g}", time_to_seconds(d.t_flow)) << " s");
    const auto it = theirs.find(d.id);
    if (it == theirs.end()) {  // nothing to share: latency only
      CHECK(d.t_done == d.t_flow);
      continue;
    }
    const double ours = time_to_seconds(d.t_done);
    const double err = std::abs(ours - it->second);
    agreement.max_abs = std::max(agreement.max_abs, err);
    agreement.max_rel = std::max(agreement.max_rel, err / it->second);
    ++agreement.compared;
    INFO("ours " << fmt::format("{:.17g}", ours) << " s, SimGrid " << fmt::format("{:.17g}", it->second)
                 << " s");
    CHECK(err <= std::max(1e-9 * it->second, 1e-12));
  }
  ++agreement.scenarios;
  agreement.changes += o.changes.size();
  std::error_code ignored;
  fs::remove_all(dir, ignored);
}

void print(const std::string& what, const Agreement& a) {
  std::cout << fmt::format(
      "simgrid differential test, {}: {} scenarios, {} messages compared, {} capacity changes, "
      "max relative error {:.3g}, max absolute error {:.3g} s\n",
      what, a.scenarios, a.compared, a.changes, a.max_rel, a.max_abs);
}

std::uint64_t base_seed() {
  if (const char* env = std::getenv("EF21SIM_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return 32032;
}

double log_uniform(ef21::Rng& rng, double lo, double hi) { return lo * std::pow(hi / lo, rng.uniform()); }

SimTime random_latency(ef21::Rng& rng) {  // 10 us .. 50 ms, to the picosecond
  return static_cast<SimTime>(log_uniform(rng, 10.0 * kUs, 50.0 * kMs));
}

std::uint64_t random_bytes(ef21::Rng& rng) {  // 40 B .. 40 MB
  return static_cast<std::uint64_t>(log_uniform(rng, 40.0, 40e6));
}

/// A random bandwidth trace: 1..6 steps in [0, 3 s) (sometimes one at 0), factors 0.05..5,
/// and a third of them periodic (LOOPAFTER 0.2..4 s beyond the last point).
Trace random_trace(ef21::Rng& rng) {
  Trace t;
  t.file = "random.trace";
  const std::size_t points = 1 + rng.below(6);
  std::vector<SimTime> times;
  if (rng.uniform() < 0.3) times.push_back(0);
  while (times.size() < points)
    times.push_back(1 + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(3 * kS))));
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  for (const SimTime time : times) t.points.push_back({time, log_uniform(rng, 0.05, 5.0)});
  if (rng.uniform() < 0.33)
    t.period = t.points.back().time + static_cast<SimTime>(log_uniform(rng, 0.2, 4.0) * 1e12);
  return t;
}

/// Text of a trace file for `t` (durations in ps, values with 17 digits).
std::string trace_text(const Trace& t) {
  std::string text;
  for (const TracePoint& p : t.points) text += fmt::format("{} ps {:.17g}\n", p.time, p.value);
  if (t.period > 0) text += fmt::format("LOOPAFTER {} ps\n", t.period);
  return text;
}

/// Rounds of the synchronous parameter-server protocol on a star (workers 1..n, server 0):
/// each worker sends after a random compute delay; once all arrived the server sends to every
/// worker (n unicast flows starting together); the next round starts when the last worker has
/// its message. Plus background traffic between random nodes in the first 2 s.
struct PsTraffic {
  ef21::Rng& rng;
  std::size_t n;
  struct State {
    int round = 0;
    int rounds = 0;
    std::size_t pending = 0;
    std::uint64_t up_bytes = 0;
    std::uint64_t down_bytes = 0;
    Engine* engine = nullptr;
    Network* net = nullptr;
    std::function<void(const Delivery&)> record;
  };
  std::shared_ptr<State> state = std::make_shared<State>();  // shared by the copies std::function makes

  std::size_t operator()(Engine& engine, Network& net, const std::function<void(const Delivery&)>& record) {
    State* st = state.get();
    st->engine = &engine;
    st->net = &net;
    st->record = record;
    st->rounds = 2 + static_cast<int>(rng.below(3));
    engine.schedule_at(0, [this, st] { start_round(st); });
    const std::size_t extra = 10 + rng.below(40);
    for (std::size_t k = 0; k < extra; ++k) {
      const auto src = static_cast<NodeId>(rng.below(n + 1));
      const auto dst = static_cast<NodeId>(rng.below(n + 1));
      const std::uint64_t bytes = random_bytes(rng);
      engine.schedule_at(static_cast<SimTime>(rng.below(2'000'000'000'000)), [st, src, dst, bytes] {
        st->net->send(src, dst, bytes, [st](const Delivery& d) { st->record(d); });
      });
    }
    return static_cast<std::size_t>(st->rounds) * 2 * n + extra;
  }

  void start_round(State* st) {
    if (st->round++ == st->rounds) return;
    st->up_bytes = random_bytes(rng);
    st->down_bytes = random_bytes(rng);
    st->pending = n;
    for (std::size_t i = 0; i < n; ++i) {
      const auto worker = static_cast<NodeId>(1 + i);
      const SimTime compute = static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(20 * kMs)));
      st->engine->schedule_after(compute, [this, st, worker] {
        st->net->send(worker, 0, st->up_bytes, [this, st](const Delivery& d) { on_upload(st, d); });
      });
    }
  }
  void on_upload(State* st, const Delivery& d) {
    st->record(d);
    if (--st->pending > 0) return;
    st->pending = n;
    for (std::size_t j = 0; j < n; ++j) {
      st->net->send(0, static_cast<NodeId>(1 + j), st->down_bytes, [this, st](const Delivery& back) {
        st->record(back);
        if (--st->pending == 0) start_round(st);
      });
    }
  }
};

/// A random star: bandwidths within [base, 100 base], base 1e5..1e7 B/s; a constraining server
/// link 60% of the time.
Topology random_star(ef21::Rng& rng, std::size_t n) {
  StarSpec spec;
  const double base = log_uniform(rng, 1e5, 1e7);
  for (std::size_t i = 0; i < n; ++i) {
    spec.workers.push_back(
        AccessLink{base * log_uniform(rng, 1, 100), base * log_uniform(rng, 1, 100), random_latency(rng)});
  }
  if (rng.uniform() < 0.6) {
    spec.server =
        AccessLink{base * log_uniform(rng, 2, 100), base * log_uniform(rng, 2, 100), random_latency(rng)};
  }
  return make_star(spec);
}

/// Random traces on each finite link direction with probability `p`.
LinkDynamics random_dynamics(ef21::Rng& rng, const Topology& topo, double p) {
  LinkDynamics d;
  for (ResourceId r = 0; r < topo.resource_count(); ++r) {
    if (std::isfinite(topo.resource_capacity(r)) && rng.uniform() < p)
      d.bandwidth.emplace_back(r, random_trace(rng));
  }
  return d;
}

/// A temporary directory for generated DOT and trace files.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / fmt::format("ef21sim-simgrid-dot-{}-{}", ::getpid(), counter++);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

}  // namespace

TEST_CASE("flow network completion times agree with SimGrid CM02 max-min on random stars", "[simgrid]") {
  // min_hub_flows = 2: every lone shared bottleneck (the server link) is solved as a hub.
  const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 64u, 2u);
  CAPTURE(min_hub_flows);
  const std::uint64_t base = base_seed();
  constexpr int kScenarios = 24;
  std::cout << "simgrid differential test: seeds " << base << ".." << base + kScenarios - 1
            << " (set EF21SIM_TEST_SEED to replay from another base)\n";
  Agreement agreement;
  for (int s = 0; s < kScenarios; ++s) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(s);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    const std::size_t n = 8 + rng.below(9);
    const Topology topo = random_star(rng, n);
    const Outcome o = run_ours(topo, {}, min_hub_flows, PsTraffic{rng, n});
    compare_with_simgrid(topo, o, fmt::format("seed {}", seed), agreement);
  }
  print(fmt::format("random stars (min_hub_flows {})", min_hub_flows), agreement);
}

TEST_CASE("flow network agrees with SimGrid on random stars under random bandwidth traces",
          "[simgrid][dynamics]") {
  const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 64u, 2u);
  CAPTURE(min_hub_flows);
  const std::uint64_t base = base_seed() + 100;
  constexpr int kScenarios = 24;
  std::cout << "simgrid differential test (traced stars): seeds " << base << ".." << base + kScenarios - 1
            << "\n";
  Agreement agreement;
  for (int s = 0; s < kScenarios; ++s) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(s);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    const std::size_t n = 8 + rng.below(9);
    const Topology topo = random_star(rng, n);
    LinkDynamics dynamics = random_dynamics(rng, topo, 0.4);
    const Outcome o = run_ours(topo, std::move(dynamics), min_hub_flows, PsTraffic{rng, n});
    compare_with_simgrid(topo, o, fmt::format("seed {}", seed), agreement);
  }
  CHECK(agreement.changes > 0);
  print(fmt::format("random stars with bandwidth traces (min_hub_flows {})", min_hub_flows), agreement);
}

TEST_CASE("flow network agrees with SimGrid on random DOT topologies under random bandwidth traces",
          "[simgrid][dynamics]") {
  // Generated DOT files with bandwidth_trace attributes (trace files next to them), read by
  // load_dot: a tree over server, workers and switches plus extra links (cycles, parallel
  // links), 10% infinite directions; random traffic between any nodes, with bursts.
  const std::uint64_t base = base_seed() + 200;
  constexpr int kScenarios = 30;
  std::cout << "simgrid differential test (traced DOT topologies): seeds " << base << ".."
            << base + kScenarios - 1 << "\n";
  Agreement agreement;
  for (int s = 0; s < kScenarios; ++s) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(s);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    const std::size_t workers = 3 + rng.below(10);
    const std::size_t switches = rng.below(4);
    std::vector<std::string> names = {"server"};
    for (std::size_t i = 0; i < workers; ++i) names.push_back(fmt::format("w{}", i));
    for (std::size_t i = 0; i < switches; ++i) names.push_back(fmt::format("s{}", i));
    TempDir dir;
    std::string dot = "graph random {\n";
    int traces = 0;
    const auto edge = [&](std::size_t a, std::size_t b) {
      const auto bandwidth = [&rng] {
        return rng.uniform() < 0.1 ? std::string("inf")
                                   : fmt::format("{:.17g} B/s", std::pow(10.0, 4.0 + 3.0 * rng.uniform()));
      };
      const std::string fwd = bandwidth();
      const std::string rev = bandwidth();
      std::string attrs = fmt::format("bandwidth_fwd=\"{}\", bandwidth_rev=\"{}\", latency=\"{} us\"", fwd,
                                      rev, rng.below(10'000));
      if ((fwd != "inf" || rev != "inf") && rng.uniform() < 0.5) {
        const std::string file = fmt::format("traces/t{}.txt", traces++);
        fs::create_directories(dir.path / "traces");
        std::ofstream(dir.path / file) << trace_text(random_trace(rng));
        attrs += fmt::format(", bandwidth_trace=\"{}\"", file);
      }
      dot += fmt::format("  {} -- {} [{}];\n", names[a], names[b], attrs);
    };
    for (std::size_t v = 1; v < names.size(); ++v) edge(v, rng.below(v));
    const std::size_t extra = rng.below(names.size());
    for (std::size_t k = 0; k < extra; ++k) {
      const std::size_t a = rng.below(names.size());
      const std::size_t b = rng.below(names.size());
      if (a != b) edge(a, b);
    }
    dot += "}\n";
    std::ofstream(dir.path / "topology.dot") << dot;
    LinkDynamics dynamics;
    const Topology topo = load_dot(dir.path / "topology.dot", workers, &dynamics);
    const std::uint32_t min_hub_flows = s % 2 == 0 ? 64u : 2u;
    const Outcome o = run_ours(
        topo, std::move(dynamics), min_hub_flows,
        [&](Engine& engine, Network& net, const std::function<void(const Delivery&)>& record) {
          const std::size_t count = 20 + rng.below(150);
          for (std::size_t i = 0; i < count; ++i) {
            const auto src = static_cast<NodeId>(rng.below(topo.node_count()));
            const auto dst = static_cast<NodeId>(rng.below(topo.node_count()));
            const std::uint64_t bytes = rng.uniform() < 0.05 ? 0 : random_bytes(rng) / 40;
            const SimTime t = rng.uniform() < 0.3 ? static_cast<SimTime>(rng.below(3)) * 100 * kMs
                                                  : static_cast<SimTime>(rng.below(2 * kS));
            engine.schedule_at(t, [&net, record, src, dst, bytes] { net.send(src, dst, bytes, record); });
          }
          return count;
        });
    compare_with_simgrid(topo, o, fmt::format("seed {}", seed), agreement);
  }
  CHECK(agreement.changes > 0);
  print("random DOT topologies with bandwidth traces", agreement);
}

TEST_CASE("ring all-gather and all-reduce agree with SimGrid over a DOT ring and a star", "[simgrid][ring]") {
  // Pipelined rings (no barrier; staggered starts of 0..2 ms), all-gather of per-worker
  // message sizes and all-reduce of ceil(d/n)-value chunks; links 1..10 MB/s, some scenarios
  // with bandwidth traces on a third of the link directions. Over a DOT ring without a server
  // (each step's flows cross one link each, the ring's other direction idle) and over a star
  // with a constraining server link (worker to worker: uplink then downlink).
  const std::uint64_t base = base_seed() + 300;
  constexpr int kScenarios = 16;
  std::cout << "simgrid differential test (rings): seeds " << base << ".." << base + kScenarios - 1 << "\n";
  Agreement agreement;
  for (int s = 0; s < kScenarios; ++s) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(s);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    const std::size_t n = 4 + rng.below(13);
    const bool over_dot = s % 2 == 0;
    const bool allreduce = s % 4 >= 2;
    const bool traced = s % 8 >= 4;
    TempDir dir;
    Topology topo;
    if (over_dot) {
      std::string dot = "graph ring {\n";
      for (std::size_t i = 0; i < n; ++i) {
        dot += fmt::format(
            "  w{} -- w{} [bandwidth_fwd=\"{:.17g} B/s\", bandwidth_rev=\"{:.17g} B/s\", latency=\"{} "
            "us\"];\n",
            i, (i + 1) % n, log_uniform(rng, 1e6, 1e7), log_uniform(rng, 1e6, 1e7), 10 + rng.below(500));
      }
      dot += "}\n";
      std::ofstream(dir.path / "ring.dot") << dot;
      LinkDynamics none;
      topo = load_dot(dir.path / "ring.dot", n, &none, false);
    } else {
      StarSpec spec;
      for (std::size_t i = 0; i < n; ++i) {
        spec.workers.push_back(AccessLink{log_uniform(rng, 1e6, 1e7), log_uniform(rng, 1e6, 1e7),
                                          static_cast<SimTime>(10 + rng.below(500)) * kUs});
      }
      spec.server = AccessLink{5e6, 5e6, 0};  // unused by worker-to-worker traffic
      topo = make_star(spec);
    }
    std::vector<NodeId> ring;
    for (std::size_t i = 0; i < n; ++i) ring.push_back(*topo.find_node(fmt::format("w{}", i)));
    std::vector<std::uint64_t> bytes(n);
    const std::uint64_t d = 1000 + rng.below(200'000);
    for (std::size_t k = 0; k < n; ++k) {
      bytes[k] =
          allreduce ? RingCollective::allreduce_chunk_bytes(d, n, 4, 40) : 40 + 8 * (1 + rng.below(d / 8));
    }
    std::vector<SimTime> start(n);
    for (SimTime& t : start) t = static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(2 * kMs)));
    LinkDynamics dynamics = traced ? random_dynamics(rng, topo, 0.33) : LinkDynamics{};
    const std::size_t steps =
        allreduce ? RingCollective::allreduce_steps(n) : RingCollective::allgather_steps(n);
    std::unique_ptr<RingCollective> collective;
    const Outcome o =
        run_ours(topo, std::move(dynamics), s % 3 == 0 ? 2u : 64u,
                 [&](Engine& engine, Network& net, const std::function<void(const Delivery&)>& record) {
                   collective = std::make_unique<RingCollective>(engine, net, ring, steps, bytes, start);
                   collective->start(record);
                   return collective->messages_expected();
                 });
    CHECK(collective->finished());
    compare_with_simgrid(
        topo, o,
        fmt::format("seed {}: {} workers, {} over {}{}", seed, n, allreduce ? "all-reduce" : "all-gather",
                    over_dot ? "a DOT ring" : "a star", traced ? ", traced" : ""),
        agreement);
  }
  print("ring all-gather and all-reduce", agreement);
}
