// Network benchmark: messages per second of FlowNetwork against SimGrid 3.32 on the
// synchronous parameter-server pattern of a star, and on ring all-reduce and all-gather over a
// star and a DOT ring (tools/bench/network/README.md).
//
// Each case runs R rounds on an n-worker star: every worker computes (its compute time),
// uploads `up` bytes to the server; when all have arrived the server sends `down` bytes to
// every worker (n unicast flows at once); the next round starts when the last one arrived.
// Our side is timed around engine.run() (the protocol's own callbacks included; routes are
// resolved before, as the simulation does). The
// message flow starts (t_flow) are then handed to simgrid_peer (the differential test's
// reference, same SimGrid configuration), timed around its engine.run(); every completion
// time must agree to 1e-9 relative or 1 ns. Medians over --reps runs of each.
//
// Ring cases: one pipelined ring all-reduce (2(n-1) steps of ceil(d/n)-value chunks) or
// all-gather (n-1 steps of every worker's message), tests/simgrid/ring_traffic.hpp, each
// worker starting after its compute time (staggered), over the same star or over a ring of
// 1 Gbps / 50 us links read from a generated DOT file (no server). Same timing and comparison;
// the collective's completion time is compared too.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <new>
#include <string>
#include <unistd.h>
#include <vector>
#include <fmt/format.h>

#include "ring_traffic.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/dot_loader.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/star.hpp"
#include "simgrid_options.hpp"

// Counting allocations in the event loop: every global operator new goes through here.
static std::size_t g_allocations = 0;
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace ef21::sim;
namespace fs = std::filesystem;

namespace {

constexpr SimTime kUs = 1'000'000;
constexpr double kGbps = 1e9 / 8;  // bytes/s

struct Options {
  std::size_t workers = 1024;
  int rounds = 100;
  int reps = 5;
  int simgrid_reps = 3;
  std::uint64_t up_bytes = 296;     // 40-byte header + top-64 as 32-bit values
  std::uint64_t down_bytes = 1064;  // 40-byte header + a dense model of d = 256 floats
  bool simgrid = true;
  std::string simgrid_extra;       // more --cfg options for simgrid_peer (experiments only)
  std::vector<std::string> only;   // run only the cases whose name starts with one of these
  std::size_t big = 100'000;        // the one-round scale measurement (0: skip)
  bool rings = true;                // the ring all-reduce / all-gather cases
  std::uint64_t ring_d = 1 << 20;   // all-reduce: model dimension (chunks of ceil(d/n) values)
  int ring_simgrid_reps = 1;        // SimGrid runs of a ring case (a 1024-worker all-reduce: 2M messages)
};

struct Case {
  std::string name;
  bool server_link;  // a 10 Gbps server link, below the sum of the 1 Gbps access links
  bool staggered;    // compute times spread over 100 us: uploads start one by one
};

/// Compute time of worker i: 1 ms, or 1 ms + 0..100 us spread by a hash of i (staggered):
/// uploads then start one by one, faster than the server link drains them (1024 uploads
/// take 242 us on it), so hundreds of flows share it at once and it changes at every start.
SimTime compute_time(std::size_t i, bool staggered) {
  if (!staggered) return 1000 * kUs;
  std::uint64_t h = (i + 1) * 0x9E3779B97F4A7C15ull;
  h ^= h >> 31;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 29;
  return 1000 * kUs + static_cast<SimTime>(h % (100 * kUs));
}

Topology make_bench_star(std::size_t n, bool server_link) {
  StarSpec spec;
  spec.workers.assign(n, AccessLink{1 * kGbps, 1 * kGbps, 50 * kUs});
  if (server_link) spec.server = AccessLink{10 * kGbps, 10 * kGbps, 20 * kUs};
  return make_star(spec);
}

using Routes = std::map<std::pair<NodeId, NodeId>, std::vector<ResourceId>>;

struct OurRun {
  double wall_s = 0;
  std::vector<Delivery> deliveries;  // by message id
  std::size_t allocations_after_warmup = 0;
  std::uint64_t reshare_flow_visits = 0;
  Routes routes;       // every route used
  SimTime finish = 0;  // the last delivery, ps
};

/// The parameter-server protocol over FlowNetwork.
class PsProtocol {
 public:
  PsProtocol(Engine& engine, FlowNetwork& net, std::size_t n, int rounds, const Options& o, bool staggered,
             std::vector<Delivery>& out)
      : engine_(engine), net_(net), n_(n), rounds_(rounds), up_(o.up_bytes), down_(o.down_bytes), out_(out) {
    compute_.resize(n);
    for (std::size_t i = 0; i < n; ++i) compute_[i] = compute_time(i, staggered);
  }
  void start() { start_round(); }
  std::size_t allocations_at_round2 = 0;

 private:
  void start_round() {
    if (round_ == 1) allocations_at_round2 = g_allocations;
    if (round_++ == rounds_) return;
    pending_ = n_;
    for (std::size_t i = 0; i < n_; ++i) {
      engine_.schedule_after(compute_[i], [this, i] {
        net_.send(static_cast<NodeId>(1 + i), 0, up_, [this](const Delivery& d) { on_upload(d); });
      });
    }
  }
  void on_upload(const Delivery& d) {
    out_[d.id] = d;
    if (--pending_ > 0) return;
    pending_ = n_;
    for (std::size_t j = 0; j < n_; ++j) {
      net_.send(0, static_cast<NodeId>(1 + j), down_, [this](const Delivery& back) { on_download(back); });
    }
  }
  void on_download(const Delivery& d) {
    out_[d.id] = d;
    if (--pending_ == 0) start_round();
  }

  Engine& engine_;
  FlowNetwork& net_;
  std::size_t n_;
  int rounds_;
  std::uint64_t up_;
  std::uint64_t down_;
  std::vector<Delivery>& out_;
  std::vector<SimTime> compute_;
  int round_ = 0;
  std::size_t pending_ = 0;
};

OurRun run_ours(const Topology& topo, std::size_t n, int rounds, const Options& o, bool staggered) {
  OurRun r;
  r.deliveries.resize(2 * n * static_cast<std::size_t>(rounds));
  Engine engine;
  FlowNetwork net(engine, topo);
  for (std::size_t i = 0; i < n; ++i) {  // resolve routes up front, as the simulation does
    net.route(static_cast<NodeId>(1 + i), 0);
    net.route(0, static_cast<NodeId>(1 + i));
  }
  PsProtocol ps(engine, net, n, rounds, o, staggered, r.deliveries);
  engine.schedule_at(0, [&ps] { ps.start(); });
  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.allocations_after_warmup = rounds > 1 ? g_allocations - ps.allocations_at_round2 : 0;
  r.reshare_flow_visits = net.reshare_flow_visits();
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& [a, b] :
         {std::pair<NodeId, NodeId>{static_cast<NodeId>(1 + i), 0}, {0, static_cast<NodeId>(1 + i)}}) {
      r.routes.emplace(std::pair{a, b}, net.route(a, b).resources);
    }
  }
  if (net.messages_delivered() != r.deliveries.size()) {
    std::fprintf(stderr, "network_bench: %llu of %zu messages delivered\n",
                 static_cast<unsigned long long>(net.messages_delivered()), r.deliveries.size());
    std::exit(1);
  }
  return r;
}

/// A ring of n workers (w{i} -- w{i+1}, 1 Gbps / 50 us), written as a DOT file and loaded.
Topology make_bench_dot_ring(std::size_t n, const fs::path& dir) {
  const fs::path file = dir / "ring.dot";
  {
    std::ofstream out(file);
    out << "graph ring {\n";
    for (std::size_t i = 0; i < n; ++i)
      out << fmt::format("  w{} -- w{} [bandwidth=\"1 Gbps\", latency=\"50 us\"];\n", i, (i + 1) % n);
    out << "}\n";
  }
  LinkDynamics none;
  return load_dot(file, n, &none, false);
}

/// One pipelined ring collective over `topo` (workers w0..w{n-1} in ring order), each worker
/// starting after its staggered compute time.
OurRun run_ring(const Topology& topo, std::size_t n, bool allreduce, const Options& o) {
  using ef21::sim::testing::RingCollective;
  OurRun r;
  Engine engine;
  FlowNetwork net(engine, topo);
  std::vector<NodeId> ring;
  for (std::size_t i = 0; i < n; ++i) ring.push_back(*topo.find_node(fmt::format("w{}", i)));
  for (std::size_t i = 0; i < n; ++i)
    net.route(ring[i], ring[(i + 1) % n]);  // up front, as the simulation does
  const std::size_t steps =
      allreduce ? RingCollective::allreduce_steps(n) : RingCollective::allgather_steps(n);
  const std::uint64_t bytes =
      allreduce ? RingCollective::allreduce_chunk_bytes(o.ring_d, n, 4, 40) : o.up_bytes;
  std::vector<SimTime> start(n);
  for (std::size_t i = 0; i < n; ++i) start[i] = compute_time(i, true);
  RingCollective collective(engine, net, ring, steps, std::vector<std::uint64_t>(n, bytes), start);
  r.deliveries.resize(collective.messages_expected());
  std::size_t delivered = 0;
  std::size_t allocations_at_half = 0;
  const std::size_t half = r.deliveries.size() / 2;
  collective.start([&](const Delivery& d) {
    r.deliveries[d.id] = d;
    if (++delivered == half) allocations_at_half = g_allocations;
  });
  const auto t0 = std::chrono::steady_clock::now();
  engine.run();
  r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.allocations_after_warmup = g_allocations - allocations_at_half;
  r.reshare_flow_visits = net.reshare_flow_visits();
  r.finish = collective.finish_time();
  if (!collective.finished() || net.messages_delivered() != r.deliveries.size()) {
    std::fprintf(stderr, "network_bench: ring: %llu of %zu messages delivered\n",
                 static_cast<unsigned long long>(net.messages_delivered()), r.deliveries.size());
    std::exit(1);
  }
  for (std::size_t i = 0; i < n; ++i)
    r.routes.emplace(std::pair{ring[i], ring[(i + 1) % n]}, net.route(ring[i], ring[(i + 1) % n]).resources);
  return r;
}

struct SimGridRun {
  double wall_s = 0;
  std::map<MessageId, double> done;
};

#ifdef EF21_BENCH_SIMGRID_PEER
/// Writes the peer's scenario (format in tests/simgrid/simgrid_peer.cpp).
void write_peer_scenario(const Topology& topo, const Routes& routes, const std::vector<Delivery>& msgs,
                         const fs::path& file) {
  std::ofstream out(file);
  const auto bw = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.17g}", v); };
  out << "links " << topo.link_count() << "\n";
  for (LinkId l = 0; l < topo.link_count(); ++l) out << bw(topo.link(l).bandwidth_a_to_b) << " " << bw(topo.link(l).bandwidth_b_to_a) << "\n";
  out << "hosts " << topo.node_count() << "\n";
  out << "routes " << routes.size() << "\n";
  for (const auto& [pair, resources] : routes) {
    out << pair.first << " " << pair.second << " " << resources.size();
    for (const ResourceId res : resources) out << " " << res / 2 << (res % 2 == 0 ? " U" : " D");
    out << "\n";
  }
  out << "messages " << msgs.size() << "\n";
  for (const Delivery& d : msgs) out << fmt::format("{} {} {} {} {:.17g}\n", d.id, d.src, d.dst, d.bytes, time_to_seconds(d.t_flow));
}

SimGridRun run_simgrid(const fs::path& scenario, const fs::path& dir, const std::string& extra) {
  const fs::path result = dir / "result.txt";
  const fs::path timing = dir / "timing.txt";
  const std::string cmd = fmt::format("\"{}\" \"{}\" --time{} > \"{}\" 2> \"{}\"", EF21_BENCH_SIMGRID_PEER, scenario.string(),
                                      std::string(ef21::simgrid_ref::kSimGridOptions) + extra, result.string(), timing.string());
  if (std::system(cmd.c_str()) != 0) {
    std::fprintf(stderr, "network_bench: simgrid_peer failed: %s\n", cmd.c_str());
    std::exit(1);
  }
  SimGridRun r;
  std::ifstream t(timing);
  std::string line;
  while (std::getline(t, line)) {
    if (line.rfind("simgrid_peer: run wall seconds ", 0) == 0) r.wall_s = std::stod(line.substr(31));
  }
  std::ifstream in(result);
  MessageId id = 0;
  double done = 0;
  while (in >> id >> done) r.done[id] = done;
  return r;
}
#endif

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t k = v.size() / 2;
  return v.size() % 2 == 1 ? v[k] : 0.5 * (v[k - 1] + v[k]);
}

void usage() {
  std::fprintf(
      stderr,
      "usage: network_bench [--workers N] [--rounds R] [--reps K] [--simgrid-reps K] [--no-simgrid]\n"
      "                     [--up BYTES] [--down BYTES] [--big N (0: skip)] [--only CASE-PREFIX]...\n"
      "                     [--no-rings] [--ring-d D] [--ring-simgrid-reps K]\n"
      "                     [--simgrid-cfg --cfg=KEY:VALUE]...\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> std::uint64_t {
      if (i + 1 >= argc) usage();
      return std::strtoull(argv[++i], nullptr, 10);
    };
    if (a == "--workers") o.workers = next();
    else if (a == "--rounds") o.rounds = static_cast<int>(next());
    else if (a == "--reps") o.reps = static_cast<int>(next());
    else if (a == "--simgrid-reps") o.simgrid_reps = static_cast<int>(next());
    else if (a == "--up") o.up_bytes = next();
    else if (a == "--down") o.down_bytes = next();
    else if (a == "--big") o.big = next();
    else if (a == "--no-simgrid") o.simgrid = false;
    else if (a == "--simgrid-cfg" && i + 1 < argc) o.simgrid_extra += std::string(" ") + argv[++i];
    else if (a == "--only" && i + 1 < argc) o.only.push_back(argv[++i]);
    else if (a == "--no-rings") o.rings = false;
    else if (a == "--ring-d") o.ring_d = next();
    else if (a == "--ring-simgrid-reps") o.ring_simgrid_reps = static_cast<int>(next());
    else usage();
  }
#ifndef EF21_BENCH_SIMGRID_PEER
  o.simgrid = false;
#endif
  const std::vector<Case> cases = {
      {"contended (10 Gbps server link)", true, false},
      {"contended, staggered starts", true, true},
      {"no shared link", false, false},
      {"no shared link, staggered starts", false, true},
  };
  const std::size_t n = o.workers;
  std::printf("network benchmark: %zu-worker star, %d rounds of upload (%llu B) + broadcast (%llu B); "
              "access links 1 Gbps / 50 us, server link 10 Gbps / 20 us; medians of %d (ours) and %d (SimGrid) runs\n",
              n, o.rounds, static_cast<unsigned long long>(o.up_bytes), static_cast<unsigned long long>(o.down_bytes), o.reps,
              o.simgrid_reps);
  const fs::path dir = fs::temp_directory_path() / fmt::format("ef21sim-netbench-{}", ::getpid());
  fs::create_directories(dir);
  bool all_agree = true;

  // One row: our runs (median wall time), then SimGrid's on the first run's flow starts, every
  // completion compared. Rings add the collective's completion time on both sides.
  const auto measure = [&](const std::string& name, const Topology& topo,
                           const std::function<OurRun()>& run_once, int sg_reps, bool ring) {
    (void)topo;  // for SimGrid only
    (void)sg_reps;
    std::vector<double> ours_wall;
    OurRun first;
    for (int k = 0; k < o.reps; ++k) {
      OurRun r = run_once();
      ours_wall.push_back(r.wall_s);
      if (k == 0) first = std::move(r);
    }
    const double messages = static_cast<double>(first.deliveries.size());
    const double ours = messages / median(ours_wall);
    std::string theirs_col = "-";
    std::string ratio_col = "-";
    std::string rel_col = "-";
    std::string abs_col = "-";
    std::string finish_col = fmt::format("{:.9g} / -", time_to_seconds(first.finish));
#ifdef EF21_BENCH_SIMGRID_PEER
    if (o.simgrid && sg_reps > 0) {
      const fs::path scenario = dir / "scenario.txt";
      write_peer_scenario(topo, first.routes, first.deliveries, scenario);
      std::vector<double> sg_wall;
      SimGridRun sg;
      for (int k = 0; k < sg_reps; ++k) {
        SimGridRun r = run_simgrid(scenario, dir, o.simgrid_extra);
        sg_wall.push_back(r.wall_s);
        if (k == 0) sg = std::move(r);
      }
      double max_rel = 0;
      double max_abs = 0;
      double sg_finish = 0;
      std::size_t bad = 0;
      for (const Delivery& d : first.deliveries) {
        const auto it = sg.done.find(d.id);
        if (it == sg.done.end()) {
          ++bad;
          continue;
        }
        const double err = std::abs(time_to_seconds(d.t_done) - it->second);
        max_abs = std::max(max_abs, err);
        max_rel = std::max(max_rel, err / it->second);
        sg_finish = std::max(sg_finish, it->second);
        if (err > std::max(1e-9 * it->second, 1e-9)) ++bad;
      }
      if (bad > 0) {
        all_agree = false;
        std::fprintf(stderr,
                     "network_bench: %s: %zu messages disagree with SimGrid beyond 1e-9 relative / 1 ns\n",
                     name.c_str(), bad);
      }
      const double theirs = messages / median(sg_wall);
      theirs_col = fmt::format("{:.4g}", theirs);
      ratio_col = fmt::format("{:.1f}x", ours / theirs);
      rel_col = fmt::format("{:.2g}", max_rel);
      abs_col = fmt::format("{:.2g}", max_abs);
      finish_col = fmt::format("{:.9g} / {:.9g}", time_to_seconds(first.finish), sg_finish);
    }
#endif
    std::printf("| %s | %.0f | %.4g | %s | %s | %s | %s | %zu | %.1f |", name.c_str(), messages, ours,
                theirs_col.c_str(), ratio_col.c_str(), rel_col.c_str(), abs_col.c_str(),
                first.allocations_after_warmup, static_cast<double>(first.reshare_flow_visits) / messages);
    if (ring) std::printf(" %s |", finish_col.c_str());
    std::printf("\n");
    std::fflush(stdout);
  };
  const auto selected = [&](const std::string& name) {
    return o.only.empty() || std::any_of(o.only.begin(), o.only.end(),
                                         [&](const std::string& p) { return name.rfind(p, 0) == 0; });
  };

  std::printf(
      "\n| case | messages | ours msgs/s | SimGrid msgs/s | ratio | max rel err | max abs err (s) | allocs "
      "after round 1 | flow visits/msg |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    if (!selected(c.name)) continue;
    const Topology topo = make_bench_star(n, c.server_link);
    measure(
        c.name, topo, [&] { return run_ours(topo, n, o.rounds, o, c.staggered); }, o.simgrid_reps, false);
  }

  if (o.rings) {
    // One collective per run, workers starting staggered (1 ms + 0..100 us).
    std::printf(
        "\n%zu-worker ring collectives, staggered starts: all-reduce of d = %llu float32 values (chunks of "
        "%llu B with a "
        "40-byte header), all-gather of %llu B messages; medians of %d (ours) and %d (SimGrid) runs\n\n",
        n, static_cast<unsigned long long>(o.ring_d),
        static_cast<unsigned long long>(
            ef21::sim::testing::RingCollective::allreduce_chunk_bytes(o.ring_d, n, 4, 40)),
        static_cast<unsigned long long>(o.up_bytes), o.reps, o.ring_simgrid_reps);
    std::printf(
        "| ring case | messages | ours msgs/s | SimGrid msgs/s | ratio | max rel err | max abs err (s) | "
        "allocs in 2nd half "
        "| flow visits/msg | completion ours / SimGrid (s) |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
    const Topology star = make_bench_star(n, true);
    const Topology dot_ring = make_bench_dot_ring(n, dir);
    for (const bool allreduce : {true, false}) {
      for (const bool over_dot : {false, true}) {
        const std::string name = fmt::format("ring {} over {}", allreduce ? "all-reduce" : "all-gather",
                                             over_dot ? "a DOT ring" : "the star");
        if (!selected(name)) continue;
        const Topology& topo = over_dot ? dot_ring : star;
        measure(
            name, topo, [&] { return run_ring(topo, n, allreduce, o); }, o.ring_simgrid_reps, true);
      }
    }
  }

  if (o.big > 0) {
    // Scale: construction of the star and the network, route resolution for every worker
    // (both directions), then one upload + broadcast round, contended and not.
    std::printf("\n| %zu workers, 1 round | topology build (s) | network + routes (s) | round (s) | msgs/s |\n|---|---|---|---|---|\n", o.big);
    for (const bool server_link : {true, false}) {
      const auto t0 = std::chrono::steady_clock::now();
      const Topology topo = make_bench_star(o.big, server_link);
      const auto t1 = std::chrono::steady_clock::now();
      Engine engine;
      FlowNetwork net(engine, topo);
      for (std::size_t i = 0; i < o.big; ++i) {
        net.route(static_cast<NodeId>(1 + i), 0);
        net.route(0, static_cast<NodeId>(1 + i));
      }
      const auto t2 = std::chrono::steady_clock::now();
      std::vector<Delivery> out(2 * o.big);
      PsProtocol ps(engine, net, o.big, 1, o, true, out);
      engine.schedule_at(0, [&ps] { ps.start(); });
      engine.run();
      const auto t3 = std::chrono::steady_clock::now();
      const auto s = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
      std::printf("| %s | %.3f | %.3f | %.3f | %.4g |\n", server_link ? "contended, staggered" : "no shared link, staggered",
                  s(t0, t1), s(t1, t2), s(t2, t3), static_cast<double>(2 * o.big) / s(t2, t3));
      std::fflush(stdout);
    }
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  if (!all_agree) return 1;
  return 0;
}
