// Analytic cases of the max-min flow network (DESIGN §6), exact to the picosecond.
#include <catch2/catch.hpp>

#include <limits>
#include <map>
#include <vector>
#include <fmt/format.h>

#include "sim/core/engine.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/star.hpp"

using namespace ef21::sim;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr SimTime kUs = 1'000'000;
constexpr SimTime kMs = 1'000'000'000;
constexpr SimTime kS = kPicosPerSecond;

/// Runs a star and records every delivery by message id.
struct StarRun {
  Topology topo;
  Engine engine;
  FlowNetwork net;
  std::map<MessageId, Delivery> done;

  explicit StarRun(const StarSpec& spec) : topo(make_star(spec)), net(engine, topo) {}

  NodeId node(const char* name) const { return *topo.find_node(name); }
  MessageId send(const char* src, const char* dst, std::uint64_t bytes) {
    return net.send(node(src), node(dst), bytes, [this](const Delivery& d) { done[d.id] = d; });
  }
  /// Sends at absolute time `at` (scheduled through the engine).
  void send_at(SimTime at, const char* src, const char* dst, std::uint64_t bytes) {
    engine.schedule_at(at, [this, src, dst, bytes] { send(src, dst, bytes); });
  }
};

StarSpec uniform_star(std::size_t n, AccessLink worker, std::optional<AccessLink> server = std::nullopt) {
  StarSpec spec;
  spec.workers.assign(n, worker);
  spec.server = server;
  return spec;
}

}  // namespace

TEST_CASE("one flow takes its latency plus bytes over bandwidth", "[flow]") {
  StarRun run(uniform_star(1, AccessLink{1e6, 2e6, 10 * kUs}));
  const MessageId up = run.send("w0", "server", 1'000'000);
  const MessageId down = run.send("server", "w0", 500'000);
  run.engine.run();
  REQUIRE(run.done.size() == 2);
  CHECK(run.done[up].t_send == 0);
  CHECK(run.done[up].t_flow == 10 * kUs);
  CHECK(run.done[up].t_done == 10 * kUs + 1 * kS);
  // Full duplex: the downlink is its own resource, unaffected by the upload.
  CHECK(run.done[down].t_done == 10 * kUs + 250 * kMs);
  CHECK(run.done[up].bytes == 1'000'000);
  CHECK(run.done[up].src == run.node("w0"));
  CHECK(run.done[up].dst == run.node("server"));
}

TEST_CASE("N equal flows through a slower server link share it equally", "[flow]") {
  // 8 workers at 1 MB/s each, server link 2 MB/s: each flow gets 250 kB/s.
  StarRun run(uniform_star(8, AccessLink{1e6, 1e6, 20 * kUs}, AccessLink{2e6, 2e6, 30 * kUs}));
  for (int i = 0; i < 8; ++i) run.send(fmt::format("w{}", i).c_str(), "server", 500'000);
  // (the name strings are copied into the route lookup immediately)
  run.engine.run();
  REQUIRE(run.done.size() == 8);
  for (const auto& [id, d] : run.done) {
    CHECK(d.t_flow == 50 * kUs);
    CHECK(d.t_done == 50 * kUs + 2 * kS);
  }
}

TEST_CASE("flows with different access caps get their max-min rates on a shared link", "[flow]") {
  // Server link 1 MB/s; w0 capped at 100 kB/s, w1 at 10 MB/s: w0 gets 100 kB/s, w1 the other
  // 900 kB/s. w0's 100 kB end at 1 s; then w1 gets the full 1 MB/s for its last 900 kB.
  StarSpec spec;
  spec.workers = {AccessLink{1e5, kInf, 0}, AccessLink{1e7, kInf, 0}};
  spec.server = AccessLink{kInf, 1e6, 0};
  StarRun run(spec);
  const MessageId capped = run.send("w0", "server", 100'000);
  const MessageId fast = run.send("w1", "server", 1'800'000);
  run.engine.run();
  CHECK(run.done[capped].t_done == 1 * kS);
  CHECK(run.done[fast].t_done == 1 * kS + 900 * kMs);
}

TEST_CASE("a finishing flow frees bandwidth for the others", "[flow]") {
  // Three flows on a 3 MB/s server link, 1, 2 and 3 MB: all at 1 MB/s until the first ends
  // at 1 s, then 1.5 MB/s each: the second ends at 1 + 1/1.5 s, then the third runs alone
  // at 3 MB/s: 3 - 1 - 1 = 1 MB left at 1.666.. s -> done 1/3 s later = 2 s.
  StarRun run(uniform_star(3, AccessLink{kInf, kInf, 0}, AccessLink{kInf, 3e6, 0}));
  const MessageId a = run.send("w0", "server", 1'000'000);
  const MessageId b = run.send("w1", "server", 2'000'000);
  const MessageId c = run.send("w2", "server", 3'000'000);
  run.engine.run();
  CHECK(run.done[a].t_done == 1 * kS);
  CHECK(run.done[b].t_done == 1'666'666'666'667);  // 5/3 s rounded up to the ps
  CHECK(run.done[c].t_done == 2 * kS);
}

TEST_CASE("on a shared link the flow with lower latency runs alone until the other's latency is paid", "[flow]") {
  // Server link 1 MB/s. w0 (1 ms) starts flowing at 1 ms, alone at 1 MB/s; w1 (101 ms)
  // joins at 101 ms when w0 has 100 kB left; both at 500 kB/s: w0 ends at 301 ms with w1
  // having sent 100 kB; w1's last 900 kB at 1 MB/s: done at 1.201 s.
  StarSpec spec;
  spec.workers = {AccessLink{kInf, kInf, 1 * kMs}, AccessLink{kInf, kInf, 101 * kMs}};
  spec.server = AccessLink{kInf, 1e6, 0};
  StarRun run(spec);
  const MessageId early = run.send("w0", "server", 200'000);
  const MessageId late = run.send("w1", "server", 1'000'000);
  run.engine.run();
  CHECK(run.done[early].t_flow == 1 * kMs);
  CHECK(run.done[late].t_flow == 101 * kMs);
  CHECK(run.done[early].t_done == 301 * kMs);
  CHECK(run.done[late].t_done == 1201 * kMs);
}

TEST_CASE("a 0-byte message takes exactly its latency", "[flow]") {
  StarRun run(uniform_star(2, AccessLink{1e3, 1e3, 7 * kUs}, AccessLink{1e3, 1e3, 5 * kUs}));
  run.send("w0", "server", 10'000);  // a busy link makes no difference to a 0-byte message
  const MessageId empty = run.send("w0", "server", 0);
  const MessageId empty_w2w = run.send("w0", "w1", 0);
  run.engine.run();
  CHECK(run.done[empty].t_done == 12 * kUs);
  CHECK(run.done[empty_w2w].t_done == 14 * kUs);
}

TEST_CASE("a route without finite bandwidth delivers at send time plus latency", "[flow]") {
  StarRun run(uniform_star(2, AccessLink{kInf, kInf, 3 * kUs}));
  const MessageId m = run.send("w0", "w1", 1'000'000'000);
  run.engine.run();
  CHECK(run.done[m].t_done == 6 * kUs);
}

TEST_CASE("a message to oneself is delivered at once", "[flow]") {
  StarRun run(uniform_star(1, AccessLink{1e6, 1e6, 3 * kUs}));
  run.engine.schedule_at(42, [&] { run.send("w0", "w0", 1000); });
  run.engine.run();
  REQUIRE(run.done.size() == 1);
  CHECK(run.done.begin()->second.t_send == 42);
  CHECK(run.done.begin()->second.t_flow == 42);
  CHECK(run.done.begin()->second.t_done == 42);
}

TEST_CASE("messages sent later start later and rates follow the flows present", "[flow]") {
  // One 1 MB/s server link; A (1 MB) at 0, B (1 MB) at 0.5 s. A alone until 0.5 s (0.5 MB
  // left), then both at 0.5 MB/s: A ends at 1.5 s; B has 0.5 MB left, alone: ends at 2 s.
  StarRun run(uniform_star(2, AccessLink{kInf, kInf, 0}, AccessLink{kInf, 1e6, 0}));
  run.send_at(0, "w0", "server", 1'000'000);
  run.send_at(500 * kMs, "w1", "server", 1'000'000);
  run.engine.run();
  REQUIRE(run.done.size() == 2);
  CHECK(run.done[0].t_done == 1500 * kMs);
  CHECK(run.done[1].t_send == 500 * kMs);
  CHECK(run.done[1].t_done == 2 * kS);
}

TEST_CASE("simultaneous completions are delivered in one event in send order", "[flow]") {
  StarRun run(uniform_star(4, AccessLink{1e6, 1e6, 0}, AccessLink{3e6, 3e6, 0}));
  std::vector<MessageId> order;
  for (const char* w : {"w3", "w1", "w0", "w2"}) {
    run.net.send(run.node(w), run.node("server"), 300'000, [&](const Delivery& d) { order.push_back(d.id); });
  }
  run.engine.run();
  CHECK(order == std::vector<MessageId>{0, 1, 2, 3});
  CHECK(run.engine.now() == 400 * kMs);  // 4 flows at 750 kB/s
}

TEST_CASE("the server broadcast after a gather completes as unicast flows", "[flow]") {
  // A round: 4 workers upload 1 MB (1 MB/s up each), the server then sends 2 MB to each over
  // a 4 MB/s server downlink... here the server link is 4 MB/s both ways, workers 1 MB/s down.
  StarRun run(uniform_star(4, AccessLink{1e6, 1e6, 10 * kUs}, AccessLink{4e6, 4e6, 5 * kUs}));
  int arrived = 0;
  SimTime round_end = 0;
  for (int i = 0; i < 4; ++i) {
    run.net.send(run.node(fmt::format("w{}", i).c_str()), run.node("server"), 1'000'000, [&](const Delivery&) {
      if (++arrived < 4) return;
      for (int j = 0; j < 4; ++j) {
        run.net.send(run.node("server"), run.node(fmt::format("w{}", j).c_str()), 2'000'000,
                     [&](const Delivery& d) { round_end = std::max(round_end, d.t_done); });
      }
    });
  }
  run.engine.run();
  // Upload: 15 us latency + 1 s; download: 15 us + 2 s (each worker's 1 MB/s downlink).
  CHECK(round_end == 30 * kUs + 3 * kS);
  CHECK(run.net.messages_sent() == 8);
  CHECK(run.net.messages_delivered() == 8);
  CHECK(run.net.bytes_sent() == 12'000'000);
  CHECK(run.net.bytes_delivered() == 12'000'000);
  CHECK(run.net.in_flight() == 0);
  CHECK(run.net.active_flows() == 0);
}

TEST_CASE("independent flows are recomputed without touching each other", "[flow]") {
  // Without a server link each upload is its own component: a start touches one flow.
  StarRun run(uniform_star(16, AccessLink{1e6, 1e6, 0}));
  for (int i = 0; i < 16; ++i) run.send(fmt::format("w{}", i).c_str(), "server", 1000 * (i + 1));
  run.engine.run();
  CHECK(run.net.reshare_flow_visits() <= 2 * 16);
  for (int i = 0; i < 16; ++i) CHECK(run.done[static_cast<MessageId>(i)].t_done == (i + 1) * kMs);
}

TEST_CASE("an unreachable destination is an input error", "[flow]") {
  Topology topo;
  const NodeId a = topo.add_node("server");
  const NodeId b = topo.add_node("w0");
  Engine engine;
  FlowNetwork net(engine, topo);
  CHECK_THROWS_WITH(net.send(b, a, 10, nullptr), Catch::Contains("no route from w0 to server"));
}

TEST_CASE("completions within rounding of each other are delivered together", "[flow]") {
  // w0: exactly 1 s. w1: 1 s + 1.5 ps, which rounds up to 1 s + 2 ps: within the coalescing
  // window of w0's completion, so it is delivered in the same event rather than as a sliver.
  StarSpec spec;
  spec.workers = {AccessLink{1e6, kInf, 0}, AccessLink{1e6 / 1.0000000000015, kInf, 0}};
  StarRun run(spec);
  const MessageId a = run.send("w0", "server", 1'000'000);
  const MessageId b = run.send("w1", "server", 1'000'000);
  run.engine.run();
  CHECK(run.done[a].t_done == 1 * kS);
  CHECK(run.done[b].t_done == 1 * kS);
}

TEST_CASE("flows starting at the same instant are shared out in one recomputation", "[flow]") {
  StarRun run(uniform_star(64, AccessLink{1e6, 1e6, 0}, AccessLink{8e6, 8e6, 0}));
  for (int i = 0; i < 64; ++i) run.send(fmt::format("w{}", i).c_str(), "server", 125'000);
  run.engine.run();
  CHECK(run.net.reshare_count() == 2);  // one for the 64 starts, one for the 64 completions
  for (const auto& [id, d] : run.done) CHECK(d.t_done == 1 * kS);  // 8e6 / 64 = 125 kB/s each
}

TEST_CASE("a destroyed network leaves no events behind in its engine", "[flow]") {
  const Topology topo = make_star(uniform_star(2, AccessLink{1e6, 1e6, 5 * kUs}));
  Engine engine;
  int delivered = 0;
  {
    FlowNetwork net(engine, topo);
    net.send(1, 0, 1000, [&](const Delivery&) { ++delivered; });
    net.send(2, 2, 1000, [&](const Delivery&) { ++delivered; });
    engine.run_until(6 * kUs);  // the first message is flowing now
    CHECK(net.active_flows() == 1);
  }
  CHECK(engine.pending() == 0);
  engine.run();
  CHECK(delivered == 1);  // only the message to itself, delivered at once
}
