// Analytic cases of the network's dynamics (issue 11): capacity steps re-share the flows in
// progress at their instant, latency changes apply to later sends, cancelled messages free
// their bandwidth at once; link traces drive the changes. Exact to the picosecond.
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "models/support/input_error.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/trace_file.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/link_dynamics.hpp"
#include "sim/net/star.hpp"

using namespace ef21::sim;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr SimTime kUs = 1'000'000;
constexpr SimTime kMs = 1'000'000'000;
constexpr SimTime kS = kPicosPerSecond;

/// Never a hub (every component on the per-flow path).
constexpr std::uint32_t kNoHubs = std::numeric_limits<std::uint32_t>::max();

/// A star and a network over it, recording every delivery by message id.
struct Run {
  Topology topo;
  Engine engine;
  FlowNetwork net;
  std::map<MessageId, Delivery> done;

  explicit Run(const StarSpec& spec, std::uint32_t min_hub_flows = 64)
      : topo(make_star(spec)), net(engine, topo, FlowNetworkOptions{min_hub_flows}) {}

  NodeId node(const std::string& name) const { return *topo.find_node(name); }
  MessageId send(const std::string& src, const std::string& dst, std::uint64_t bytes) {
    return net.send(node(src), node(dst), bytes, [this](const Delivery& d) { done[d.id] = d; });
  }
  void at(SimTime t, Action action) { engine.schedule_at(t, std::move(action)); }
  /// The direction `tail -> head` of the link between two named nodes.
  ResourceId resource(const std::string& tail, const std::string& head) const {
    for (ResourceId r = 0; r < topo.resource_count(); ++r) {
      if (topo.resource_name(r) == tail + "->" + head) return r;
    }
    FAIL("no resource " << tail << "->" << head);
    return 0;
  }
};

StarSpec one_link(double bytes_per_s, SimTime latency = 0) {
  StarSpec spec;
  spec.workers = {AccessLink{bytes_per_s, bytes_per_s, latency}};
  return spec;
}

/// `seconds` (an exact rational the caller computed) in ps, rounded up as the network does.
SimTime ps_ceil(long double seconds) { return static_cast<SimTime>(std::ceil(seconds * 1e12L - 1e-6L)); }

Trace trace_of(const std::string& text) {
  return parse_trace(text, "test.trace", TraceDomain::positive_factor);
}

}  // namespace

TEST_CASE("one flow across a bandwidth step completes at B1/c1 + (B - B1)/c2", "[flow][dynamics]") {
  // 5 MB on a 3 MB/s link; at 0.7 s the link drops to 0.7 MB/s. B1 = 2.1 MB are through by
  // then; the other 2.9 MB take 29/7 s: done at 33.9/7 s = 4.842857142857142857 s.
  const SimTime want = 4'842'857'142'858;  // ps, rounded up
  SECTION("set_capacity") {
    Run run(one_link(3e6));
    const MessageId m = run.send("w0", "server", 5'000'000);
    run.at(700 * kMs, [&] { run.net.set_capacity(run.resource("w0", "switch"), 7e5); });
    run.engine.run();
    CHECK(run.done.at(m).t_done == want);
    CHECK(run.net.capacity(run.resource("w0", "switch")) == 7e5);
    CHECK(run.net.capacity(run.resource("switch", "w0")) == 3e6);  // the other direction
  }
  SECTION("a bandwidth trace") {
    Run run(one_link(3e6));
    LinkDynamics dyn;
    dyn.bandwidth.emplace_back(run.resource("w0", "switch"), trace_of("700 ms 0.23333333333333333"));
    LinkDynamicsDriver driver(run.engine, run.net, std::move(dyn));
    const MessageId m = run.send("w0", "server", 5'000'000);
    run.engine.run();
    // 3e6 × 0.2333.. is 7e5 to within an ulp: the same instant to the picosecond.
    CHECK(std::abs(run.done.at(m).t_done - want) <= 1);
    CHECK(driver.changes_applied() == 1);
  }
  SECTION("after its latency: a step during the latency phase gives the flow the new rate throughout") {
    Run run(one_link(3e6, 400 * kMs));
    const MessageId m = run.send("w0", "server", 2'100'000);
    run.at(300 * kMs, [&] { run.net.set_capacity(run.resource("w0", "switch"), 7e5); });
    run.engine.run();
    CHECK(run.done.at(m).t_flow == 400 * kMs);
    CHECK(run.done.at(m).t_done == 400 * kMs + 3 * kS);
  }
  SECTION("setting the current capacity changes nothing") {
    Run run(one_link(1e6));
    const MessageId m = run.send("w0", "server", 1'000'000);
    run.engine.run_until(300 * kMs);
    const std::uint64_t reshares = run.net.reshare_count();
    run.net.set_capacity(run.resource("w0", "switch"), 1e6);
    CHECK(run.net.reshare_count() == reshares);
    run.engine.run();
    CHECK(run.done.at(m).t_done == 1 * kS);
  }
}

TEST_CASE("a step on a shared bottleneck changes the shares of the flows crossing it", "[flow][dynamics]") {
  // Server downlink 1 MB/s; w0 capped at 100 kB/s by its uplink, w1 not: 100 k and 900 kB/s.
  // At 1 s the server link drops to 150 kB/s: both get 75 kB/s. w0 (200 kB, 100 kB left) ends
  // 4/3 s later; w1 (1.2 MB, 300 kB left, 200 kB left then) runs alone at 150 kB/s: 4/3 s more.
  const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 2u, kNoHubs);
  CAPTURE(min_hub_flows);
  StarSpec spec;
  spec.workers = {AccessLink{1e5, kInf, 0}, AccessLink{kInf, kInf, 0}};
  spec.server = AccessLink{kInf, 1e6, 0};
  Run run(spec, min_hub_flows);
  const MessageId capped = run.send("w0", "server", 200'000);
  const MessageId fast = run.send("w1", "server", 1'200'000);
  run.at(1 * kS, [&] {
    if (min_hub_flows == 2) CHECK(run.net.active_hubs() == 1);
    run.net.set_capacity(run.resource("switch", "server"), 1.5e5);
  });
  run.engine.run();
  CHECK(run.done.at(capped).t_done == ps_ceil(1.0L + 4.0L / 3));
  CHECK(run.done.at(fast).t_done == ps_ceil(1.0L + 8.0L / 3));
}

TEST_CASE("a raised access link lets a capped flow take more of the shared link", "[flow][dynamics]") {
  // As above, but at 1 s w0's own uplink rises from 100 kB/s to 10 MB/s (on a hub: the
  // member's cap changes): both get 500 kB/s of the 1 MB/s server link. w0: 100 kB left ->
  // 0.2 s; w1: 300 kB left, 200 kB at 1.2 s, then alone at 1 MB/s: 0.2 s more.
  const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 2u, kNoHubs);
  CAPTURE(min_hub_flows);
  StarSpec spec;
  spec.workers = {AccessLink{1e5, kInf, 0}, AccessLink{kInf, kInf, 0}};
  spec.server = AccessLink{kInf, 1e6, 0};
  Run run(spec, min_hub_flows);
  const MessageId capped = run.send("w0", "server", 200'000);
  const MessageId fast = run.send("w1", "server", 1'200'000);
  run.at(1 * kS, [&] { run.net.set_capacity(run.resource("w0", "switch"), 1e7); });
  run.engine.run();
  CHECK(run.done.at(capped).t_done == 1200 * kMs);
  CHECK(run.done.at(fast).t_done == 1400 * kMs);
  CHECK(run.net.active_hubs() == 0);
}

TEST_CASE("capacity steps on a hub of many flows agree with the per-flow path", "[flow][dynamics]") {
  // 96 workers upload through a 20 MB/s server link, their uplinks 0.1..1 MB/s (some below the
  // fair share, some above: capped and uncapped members), sends staggered over 1 s; the server
  // link and some uplinks step up and down meanwhile, some steps between a hub member's own
  // link and its hub at one instant. Solved as a hub (min_hub_flows 64, and 2) and per flow.
  const std::size_t n = 96;
  StarSpec spec;
  for (std::size_t i = 0; i < n; ++i)
    spec.workers.push_back(AccessLink{1e5 * (1 + static_cast<double>(i % 10)), kInf, 0});
  spec.server = AccessLink{kInf, 2e7, 0};
  const auto run_with = [&](std::uint32_t min_hub_flows, std::size_t* max_hubs) {
    Run run(spec, min_hub_flows);
    for (std::size_t i = 0; i < n; ++i) {
      run.at(static_cast<SimTime>(i) * 10 * kMs + 7,
             [&run, i] { run.send(fmt::format("w{}", i), "server", 300'000 + 5'000 * i); });
    }
    const ResourceId server = run.resource("switch", "server");
    const std::vector<std::pair<SimTime, double>> server_steps = {
        {500 * kMs, 5e6}, {900 * kMs, 2e6}, {1200 * kMs, 4e7}, {1300 * kMs, 3e6}, {2500 * kMs, 1e7}};
    for (const auto& step : server_steps)  // no structured binding: clang 14 cannot capture one
      run.at(step.first, [&run, server, c = step.second] { run.net.set_capacity(server, c); });
    for (std::size_t k = 0; k < 30; ++k) {
      const std::size_t w = (7 * k) % n;
      const SimTime t = static_cast<SimTime>(400 + 97 * k) * kMs + (k % 3 == 0 ? 0 : 13);
      const double c = 1e5 * (0.5 + static_cast<double>((3 * k) % 11));
      run.at(t, [&run, w, c] { run.net.set_capacity(run.resource(fmt::format("w{}", w), "switch"), c); });
    }
    run.at(900 * kMs,
           [&run] { run.net.set_capacity(run.resource("w3", "switch"), 2.5e5); });  // with the server step
    run.at(1 * kS, [&run, max_hubs] { *max_hubs = std::max(*max_hubs, run.net.active_hubs()); });
    run.at(1500 * kMs, [&run, max_hubs] { *max_hubs = std::max(*max_hubs, run.net.active_hubs()); });
    run.engine.run();
    REQUIRE(run.done.size() == n);
    std::vector<SimTime> t;
    for (const auto& [id, d] : run.done) t.push_back(d.t_done);
    return t;
  };
  std::size_t hubs_per_flow = 0;
  std::size_t hubs_64 = 0;
  std::size_t hubs_2 = 0;
  const std::vector<SimTime> per_flow = run_with(kNoHubs, &hubs_per_flow);
  const std::vector<SimTime> hub64 = run_with(64, &hubs_64);
  const std::vector<SimTime> hub2 = run_with(2, &hubs_2);
  CHECK(hubs_per_flow == 0);
  CHECK(hubs_64 == 1);
  CHECK(hubs_2 == 1);
  for (std::size_t i = 0; i < n; ++i) {
    CAPTURE(i, per_flow[i], hub64[i], hub2[i]);
    const auto tolerance =
        std::max<SimTime>(2, static_cast<SimTime>(1e-9 * static_cast<double>(per_flow[i])));
    CHECK(std::abs(hub64[i] - per_flow[i]) <= tolerance);
    CHECK(std::abs(hub2[i] - per_flow[i]) <= tolerance);
  }
}

TEST_CASE("a latency change applies to messages sent after it", "[flow][dynamics]") {
  Run run(one_link(kInf, 10 * kUs));
  const LinkId link = 0;  // w0's access link
  std::optional<MessageId> before;
  std::optional<MessageId> after;
  run.at(0, [&] { before = run.send("w0", "server", 100); });
  run.at(5 * kUs, [&] {
    run.net.set_latency(link, 40 * kUs);
    CHECK(run.net.latency(link) == 40 * kUs);
    CHECK(run.net.route(run.node("w0"), run.node("server")).latency == 40 * kUs);
    after = run.send("w0", "server", 100);
  });
  run.engine.run();
  CHECK(run.done.at(*before).t_done == 10 * kUs);  // sent before: keeps its 10 us
  CHECK(run.done.at(*after).t_flow == 45 * kUs);
  CHECK(run.done.at(*after).t_done == 45 * kUs);
}

TEST_CASE("a route's latency sums its links' current latencies", "[flow][dynamics]") {
  // w0 -> w1 crosses both access links: 10 + 20 us, then 10 + 5 us after w1's link changes;
  // the route stays the one chosen on the nominal latencies.
  StarSpec spec;
  spec.workers = {AccessLink{1e6, 1e6, 10 * kUs}, AccessLink{1e6, 1e6, 20 * kUs}};
  Run run(spec);
  const NodeId w0 = run.node("w0");
  const NodeId w1 = run.node("w1");
  CHECK(run.net.route(w0, w1).latency == 30 * kUs);
  run.net.set_latency(1, 5 * kUs);
  CHECK(run.net.route(w0, w1).latency == 15 * kUs);
  CHECK(run.net.route(w1, w0).latency == 15 * kUs);
  const MessageId m = run.send("w0", "w1", 0);
  run.engine.run();
  CHECK(run.done.at(m).t_done == 15 * kUs);
}

TEST_CASE("a message cancelled in its latency phase never flows nor arrives", "[flow][dynamics]") {
  // Two 1 MB uploads through a 1 MB/s server link; one is cancelled before its latency is
  // paid: the other runs alone at 1 MB/s.
  StarSpec spec;
  spec.workers = {AccessLink{kInf, kInf, 50 * kMs}, AccessLink{kInf, kInf, 50 * kMs}};
  spec.server = AccessLink{1e6, 1e6, 0};
  Run run(spec);
  const MessageId dropped = run.send("w0", "server", 1'000'000);
  const MessageId kept = run.send("w1", "server", 1'000'000);
  const MessageId to_self = run.send("w0", "w0", 10);  // delivered at once: not cancellable after
  run.at(10 * kMs, [&] {
    CHECK(run.net.cancel(dropped));
    CHECK_FALSE(run.net.cancel(dropped));  // twice
    CHECK(run.net.in_flight() == 1);
  });
  run.engine.run();
  CHECK(run.done.count(dropped) == 0);
  CHECK(run.done.at(kept).t_done == 50 * kMs + 1 * kS);
  CHECK_FALSE(run.net.cancel(kept));     // delivered
  CHECK_FALSE(run.net.cancel(to_self));  // delivered
  CHECK_FALSE(run.net.cancel(12345));    // unknown
  CHECK(run.net.messages_cancelled() == 1);
  CHECK(run.net.bytes_cancelled() == 1'000'000);
  CHECK(run.net.messages_delivered() == 2);
  CHECK(run.net.messages_sent() == 3);
  CHECK(run.net.in_flight() == 0);
  CHECK(run.engine.pending() == 0);
}

TEST_CASE("cancelling a flowing message speeds the others up at that instant", "[flow][dynamics]") {
  SECTION("two flows on a shared link") {
    // 500 kB/s each; at 0.5 s one is dropped: the other has 750 kB left, alone at 1 MB/s.
    const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 2u, 64u);
    StarSpec spec;
    spec.workers = {AccessLink{kInf, kInf, 0}, AccessLink{kInf, kInf, 0}};
    spec.server = AccessLink{1e6, 1e6, 0};
    Run run(spec, min_hub_flows);
    const MessageId dropped = run.send("w0", "server", 1'000'000);
    const MessageId kept = run.send("w1", "server", 1'000'000);
    run.at(500 * kMs, [&] {
      CHECK(run.net.active_flows() == 2);
      CHECK(run.net.cancel(dropped));
      CHECK(run.net.active_flows() == 1);
    });
    run.engine.run();
    CHECK(run.done.count(dropped) == 0);
    CHECK(run.done.at(kept).t_done == 1250 * kMs);
    CHECK(run.net.messages_cancelled() == 1);
  }
  SECTION("half of a hub's flows") {
    // 64 flows of 1 MB share a 64 MB/s link (1 MB/s each); at 0.25 s the even ones are dropped:
    // the other 32 have 0.75 MB left at 2 MB/s: done at 0.625 s.
    const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 64u, kNoHubs);
    StarSpec spec;
    spec.workers.assign(64, AccessLink{kInf, kInf, 0});
    spec.server = AccessLink{6.4e7, 6.4e7, 0};
    Run run(spec, min_hub_flows);
    std::vector<MessageId> ids;
    for (int i = 0; i < 64; ++i) ids.push_back(run.send(fmt::format("w{}", i), "server", 1'000'000));
    run.at(250 * kMs, [&] {
      CHECK(run.net.active_hubs() == (min_hub_flows == 64 ? 1u : 0u));
      for (int i = 0; i < 64; i += 2) CHECK(run.net.cancel(ids[static_cast<std::size_t>(i)]));
    });
    run.engine.run();
    REQUIRE(run.done.size() == 32);
    for (const auto& [id, d] : run.done) {
      CHECK(id % 2 == 1);
      CHECK(d.t_done == 625 * kMs);
    }
    CHECK(run.net.bytes_cancelled() == 32'000'000);
  }
  SECTION("a message cancelled by a callback of its own completion instant is delivered instead") {
    StarSpec spec;
    spec.workers = {AccessLink{1e6, kInf, 0}, AccessLink{1e6, kInf, 0}};
    Run run(spec);
    std::vector<MessageId> ids(2);
    bool cancelled = true;
    for (int i = 0; i < 2; ++i) {
      ids[static_cast<std::size_t>(i)] = run.net.send(run.node(fmt::format("w{}", i)), run.node("server"),
                                                      1'000'000, [&, i](const Delivery& d) {
                                                        run.done[d.id] = d;
                                                        if (i == 0) cancelled = run.net.cancel(ids[1]);
                                                      });
    }
    run.engine.run();
    CHECK_FALSE(cancelled);  // both end at 1 s, in one event: the second is already delivered
    CHECK(run.done.size() == 2);
  }
}

TEST_CASE("a trace point at time 0 applies before anything is sent at 0", "[flow][dynamics]") {
  Run run(one_link(1e6));
  LinkDynamics dyn;
  dyn.bandwidth.emplace_back(run.resource("w0", "switch"), trace_of("0 s 0.5\n"));
  LinkDynamicsDriver driver(run.engine, run.net, std::move(dyn));
  CHECK(run.net.capacity(run.resource("w0", "switch")) == 5e5);
  MessageId m = 0;
  run.at(0, [&] { m = run.send("w0", "server", 1'000'000); });
  run.engine.run();
  CHECK(run.done.at(m).t_done == 2 * kS);
  CHECK(driver.changes_applied() == 0);  // applied at construction, no event needed
}

TEST_CASE("a periodic bandwidth trace (LOOPAFTER) repeats from time 0", "[flow][dynamics]") {
  // 1 MB/s nominal; factor 1 on [0, 1) s and 0.5 on [1, 2) s of every 2 s period: 1.5 MB per
  // period. 5 MB: 4.5 MB by 6 s, the last 0.5 MB at 1 MB/s: done at 6.5 s.
  Run run(one_link(1e6));
  LinkDynamics dyn;
  dyn.bandwidth.emplace_back(run.resource("w0", "switch"), trace_of("1 s 0.5\nLOOPAFTER 2 s\n"));
  LinkDynamicsDriver driver(run.engine, run.net, std::move(dyn));
  const MessageId m = run.net.send(run.node("w0"), run.node("server"), 5'000'000, [&](const Delivery& d) {
    run.done[d.id] = d;
    driver.stop();  // the trace would keep the engine busy forever
  });
  run.engine.run();
  CHECK(run.done.at(m).t_done == 6500 * kMs);
  CHECK(driver.changes_applied() == 6);  // at 1, 2, 3, 4, 5, 6 s
  CHECK(driver.pending_changes() == 0);
  CHECK(run.engine.pending() == 0);
}

TEST_CASE("a periodic trace with a point at 0 takes that value at every period start", "[flow][dynamics]") {
  // Factor 0.25 on [0, 1) s, 1 on [1, 3) s, period 3 s: 0.25 + 2 = 2.25 MB per period at
  // 1 MB/s nominal. 3 MB: 2.25 MB by 3 s, then 0.25 MB on [3, 4) s, then 0.5 MB at 1 MB/s.
  Run run(one_link(1e6));
  LinkDynamics dyn;
  dyn.bandwidth.emplace_back(run.resource("w0", "switch"), trace_of("0 s 0.25\n1 s 1\nLOOPAFTER 3 s\n"));
  LinkDynamicsDriver driver(run.engine, run.net, std::move(dyn));
  const MessageId m = run.net.send(run.node("w0"), run.node("server"), 3'000'000, [&](const Delivery& d) {
    run.done[d.id] = d;
    driver.stop();
  });
  run.engine.run();
  CHECK(run.done.at(m).t_done == 4500 * kMs);
}

TEST_CASE("a latency trace scales the nominal latency, rounded to the picosecond", "[flow][dynamics]") {
  Run run(one_link(kInf, 3));  // 3 ps
  LinkDynamics dyn;
  dyn.latency.emplace_back(0, trace_of("10 ps 0.5\n20 ps 1000\n30 ps 1\n"));
  LinkDynamicsDriver driver(run.engine, run.net, std::move(dyn));
  std::vector<MessageId> ids;
  // Sent 1 ps after each change (a send scheduled before the driver schedules the change at
  // its instant would run first: see link_dynamics.hpp).
  for (const SimTime t : {0, 11, 21, 31}) run.at(t, [&] { ids.push_back(run.send("w0", "server", 1)); });
  run.engine.run();
  REQUIRE(ids.size() == 4);
  CHECK(run.done.at(ids[0]).t_done == 3);
  CHECK(run.done.at(ids[1]).t_done == 11 + 2);  // round(1.5)
  CHECK(run.done.at(ids[2]).t_done == 21 + 3000);
  CHECK(run.done.at(ids[3]).t_done == 31 + 3);
}

TEST_CASE("the traces driver rejects what it cannot apply, at the trace file", "[flow][dynamics]") {
  StarSpec spec = one_link(1e6);  // no server link: server <-> switch is infinite
  Run run(spec);
  const auto error_of = [&](LinkDynamics dyn) -> std::string {
    try {
      LinkDynamicsDriver driver(run.engine, run.net, std::move(dyn));
    } catch (const ef21::InputError& e) {
      CHECK(e.where().file == "test.trace");
      return e.message();
    }
    return "no error";
  };
  LinkDynamics infinite;
  infinite.bandwidth.emplace_back(run.resource("server", "switch"), trace_of("1 s 0.5"));
  CHECK_THAT(error_of(std::move(infinite)), Catch::Contains("server->switch, whose bandwidth is infinite"));
  LinkDynamics twice;
  twice.bandwidth.emplace_back(0, trace_of("1 s 0.5"));
  twice.bandwidth.emplace_back(0, trace_of("2 s 0.5"));
  CHECK_THAT(error_of(std::move(twice)), Catch::Contains("a second bandwidth trace on w0->switch"));
  LinkDynamics no_link;
  no_link.latency.emplace_back(7, trace_of("1 s 0.5"));
  CHECK_THAT(error_of(std::move(no_link)), Catch::Contains("no such link"));
}
