// Network benchmark: messages per second of FlowNetwork against SimGrid 3.32 on the
// synchronous parameter-server pattern of a star (tools/bench/network/README.md).
//
// Each case runs R rounds on an n-worker star: every worker computes (its compute time),
// uploads `up` bytes to the server; when all have arrived the server sends `down` bytes to
// every worker (n unicast flows at once); the next round starts when the last one arrived.
// Our side is timed around engine.run() (the protocol's own callbacks included; routes are
// resolved before, as the simulation does). The
// message flow starts (t_flow) are then handed to simgrid_peer (the differential test's
// reference, same SimGrid configuration), timed around its engine.run(); every completion
// time must agree to 1e-9 relative or 1 ns. Medians over --reps runs of each.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <new>
#include <string>
#include <unistd.h>
#include <vector>
#include <fmt/format.h>

#include "sim/core/engine.hpp"
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

struct OurRun {
  double wall_s = 0;
  std::vector<Delivery> deliveries;  // by message id
  std::size_t allocations_after_warmup = 0;
  std::uint64_t reshare_flow_visits = 0;
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
  if (net.messages_delivered() != r.deliveries.size()) {
    std::fprintf(stderr, "network_bench: %llu of %zu messages delivered\n",
                 static_cast<unsigned long long>(net.messages_delivered()), r.deliveries.size());
    std::exit(1);
  }
  return r;
}

struct SimGridRun {
  double wall_s = 0;
  std::map<MessageId, double> done;
};

/// Writes the peer's scenario (format in tests/simgrid/simgrid_peer.cpp).
void write_peer_scenario(const Topology& topo, std::size_t n, const std::vector<Delivery>& msgs, const fs::path& file) {
  std::ofstream out(file);
  const auto bw = [](double v) { return std::isinf(v) ? std::string("inf") : fmt::format("{:.17g}", v); };
  out << "links " << topo.link_count() << "\n";
  for (LinkId l = 0; l < topo.link_count(); ++l) out << bw(topo.link(l).bandwidth_a_to_b) << " " << bw(topo.link(l).bandwidth_b_to_a) << "\n";
  out << "hosts " << topo.node_count() << "\n";
  out << "routes " << 2 * n << "\n";
  for (std::size_t i = 0; i < n; ++i) {
    for (const auto& [a, b] : {std::pair<NodeId, NodeId>{static_cast<NodeId>(1 + i), 0}, {0, static_cast<NodeId>(1 + i)}}) {
      const Route r = topo.route(a, b);
      out << a << " " << b << " " << r.resources.size();
      for (const ResourceId res : r.resources) out << " " << res / 2 << (res % 2 == 0 ? " U" : " D");
      out << "\n";
    }
  }
  out << "messages " << msgs.size() << "\n";
  for (const Delivery& d : msgs) out << fmt::format("{} {} {} {} {:.17g}\n", d.id, d.src, d.dst, d.bytes, time_to_seconds(d.t_flow));
}

#ifdef EF21_BENCH_SIMGRID_PEER
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
  std::fprintf(stderr,
               "usage: network_bench [--workers N] [--rounds R] [--reps K] [--simgrid-reps K] [--no-simgrid]\n"
               "                     [--up BYTES] [--down BYTES] [--big N (0: skip)] [--only CASE-PREFIX]...\n"
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

  std::printf("\n| case | messages | ours msgs/s | SimGrid msgs/s | ratio | max rel err | max abs err (s) | allocs after round 1 | flow visits/msg |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const Case& c : cases) {
    if (!o.only.empty() && std::none_of(o.only.begin(), o.only.end(), [&](const std::string& p) { return c.name.rfind(p, 0) == 0; })) continue;
    const Topology topo = make_bench_star(n, c.server_link);
    std::vector<double> ours_wall;
    OurRun first;
    for (int k = 0; k < o.reps; ++k) {
      OurRun r = run_ours(topo, n, o.rounds, o, c.staggered);
      ours_wall.push_back(r.wall_s);
      if (k == 0) first = std::move(r);
    }
    const double messages = static_cast<double>(first.deliveries.size());
    const double ours = messages / median(ours_wall);
    std::string theirs_col = "-";
    std::string ratio_col = "-";
    std::string rel_col = "-";
    std::string abs_col = "-";
#ifdef EF21_BENCH_SIMGRID_PEER
    if (o.simgrid) {
      const fs::path scenario = dir / "scenario.txt";
      write_peer_scenario(topo, n, first.deliveries, scenario);
      std::vector<double> sg_wall;
      SimGridRun sg;
      for (int k = 0; k < o.simgrid_reps; ++k) {
        SimGridRun r = run_simgrid(scenario, dir, o.simgrid_extra);
        sg_wall.push_back(r.wall_s);
        if (k == 0) sg = std::move(r);
      }
      double max_rel = 0;
      double max_abs = 0;
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
        if (err > std::max(1e-9 * it->second, 1e-9)) ++bad;
      }
      if (bad > 0) {
        all_agree = false;
        std::fprintf(stderr, "network_bench: %s: %zu messages disagree with SimGrid beyond 1e-9 relative / 1 ns\n", c.name.c_str(), bad);
      }
      const double theirs = messages / median(sg_wall);
      theirs_col = fmt::format("{:.4g}", theirs);
      ratio_col = fmt::format("{:.1f}x", ours / theirs);
      rel_col = fmt::format("{:.2g}", max_rel);
      abs_col = fmt::format("{:.2g}", max_abs);
    }
#endif
    std::printf("| %s | %.0f | %.4g | %s | %s | %s | %s | %zu | %.1f |\n", c.name.c_str(), messages, ours, theirs_col.c_str(),
                ratio_col.c_str(), rel_col.c_str(), abs_col.c_str(), first.allocations_after_warmup,
                static_cast<double>(first.reshare_flow_visits) / messages);
    std::fflush(stdout);
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
