// The network under capacity changes, latency changes and cancellations against a naive
// reference: global progressive filling recomputed from scratch over every active flow at
// every event, in double seconds, with the changes applied at their instants.
// Randomized: prints its base seed; set EF21SIM_TEST_SEED to replay one.
#include <fmt/format.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <optional>
#include <vector>

#include "tests/sim/net/naive_max_min.hpp"
#include "models/support/rng.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/topology.hpp"

using namespace ef21::sim;

namespace {

using ef21::test::naive_max_min;

constexpr double kInf = std::numeric_limits<double>::infinity();

struct TestMessage {
  NodeId src;
  NodeId dst;
  std::uint64_t bytes;
  SimTime t_send;  // ps, even (changes happen at odd instants: no ties with sends)
};

struct CapacityChange {
  SimTime t;  // ps
  ResourceId resource;
  double capacity;  // bytes/s
};

struct LatencyChange {
  SimTime t;  // ps
  LinkId link;
  SimTime latency;  // ps
};

struct Cancel {
  SimTime t;  // ps
  std::size_t message;
};

struct Scenario {
  std::vector<TestMessage> msgs;
  std::vector<CapacityChange> capacity;
  std::vector<LatencyChange> latency;
  std::vector<Cancel> cancels;
};

/// What the reference says of one message.
struct Expected {
  double done = -1;            // s; -1: cancelled before delivery
  bool cancel_result = false;  // what the first cancel() of it returns, if it is cancelled at all
};

std::vector<Expected> naive(const Topology& topo, const Scenario& sc) {
  const std::size_t n = sc.msgs.size();
  std::vector<Expected> out(n);
  std::vector<Route> routes(n);
  std::vector<double> t_flow(n, -1);
  // Latency phase: each message pays the latencies current at its send.
  std::vector<SimTime> link_latency(topo.link_count());
  for (LinkId l = 0; l < topo.link_count(); ++l) link_latency[l] = topo.link(l).latency;
  std::size_t next_latency = 0;
  for (std::size_t i = 0; i < n; ++i) {  // messages in send order
    const TestMessage& m = sc.msgs[i];
    while (next_latency < sc.latency.size() && sc.latency[next_latency].t < m.t_send) {
      link_latency[sc.latency[next_latency].link] = sc.latency[next_latency].latency;
      ++next_latency;
    }
    if (m.src == m.dst) {
      t_flow[i] = time_to_seconds(m.t_send);
      continue;
    }
    routes[i] = topo.route(m.src, m.dst);
    SimTime latency = 0;
    for (const LinkId l : routes[i].links) latency += link_latency[l];
    t_flow[i] = time_to_seconds(m.t_send + latency);
  }
  // Events in time order: starts, capacity changes, cancels; completions in between.
  std::vector<double> capacity(topo.resource_count());
  for (ResourceId r = 0; r < capacity.size(); ++r) capacity[r] = topo.resource_capacity(r);
  std::vector<std::size_t> starts(n);
  for (std::size_t i = 0; i < n; ++i) starts[i] = i;
  std::stable_sort(starts.begin(), starts.end(),
                   [&](std::size_t a, std::size_t b) { return t_flow[a] < t_flow[b]; });
  std::vector<bool> cancelled(n, false);
  std::vector<double> remaining(n, 0);
  std::vector<std::size_t> active;
  std::size_t next_start = 0;
  std::size_t next_cap = 0;
  std::size_t next_cancel = 0;
  double t = 0;
  for (;;) {
    std::vector<const std::vector<ResourceId>*> flows;
    for (const std::size_t i : active) flows.push_back(&routes[i].resources);
    const std::vector<double> rate = naive_max_min(capacity, flows);
    double t_next = kInf;
    if (next_start < n) t_next = std::min(t_next, t_flow[starts[next_start]]);
    if (next_cap < sc.capacity.size()) t_next = std::min(t_next, time_to_seconds(sc.capacity[next_cap].t));
    if (next_cancel < sc.cancels.size())
      t_next = std::min(t_next, time_to_seconds(sc.cancels[next_cancel].t));
    for (std::size_t k = 0; k < active.size(); ++k)
      t_next = std::min(t_next, t + remaining[active[k]] / rate[k]);
    if (t_next == kInf) break;
    std::vector<std::size_t> still;
    for (std::size_t k = 0; k < active.size(); ++k) {
      const std::size_t i = active[k];
      const double left_time = remaining[i] / rate[k] - (t_next - t);
      remaining[i] -= rate[k] * (t_next - t);
      if (left_time <= 1e-13 * std::max(1.0, t_next)) {
        out[i].done = t_next;
      } else {
        still.push_back(i);
      }
    }
    active = std::move(still);
    t = t_next;
    while (next_cap < sc.capacity.size() && time_to_seconds(sc.capacity[next_cap].t) <= t) {
      capacity[sc.capacity[next_cap].resource] = sc.capacity[next_cap].capacity;
      ++next_cap;
    }
    while (next_cancel < sc.cancels.size() && time_to_seconds(sc.cancels[next_cancel].t) <= t) {
      const std::size_t i = sc.cancels[next_cancel++].message;
      if (out[i].done >= 0 || cancelled[i]) continue;  // delivered (or cancelled) already: false
      // In its latency phase (a start at this very instant comes after: the engine runs the
      // cancel, scheduled first, first) or flowing.
      cancelled[i] = true;
      out[i].cancel_result = true;
      active.erase(std::remove(active.begin(), active.end(), i), active.end());
    }
    while (next_start < n && t_flow[starts[next_start]] <= t) {
      const std::size_t i = starts[next_start++];
      if (cancelled[i]) continue;
      const TestMessage& m = sc.msgs[i];
      if (m.src == m.dst || m.bytes == 0 || routes[i].resources.empty()) {
        out[i].done = t_flow[i];
        continue;
      }
      remaining[i] = static_cast<double>(m.bytes);
      active.push_back(i);
    }
  }
  return out;
}

/// Runs the scenario through FlowNetwork: each message's t_done (-1 if never delivered) and
/// the result of the first cancel() of it (if it is cancelled).
struct Ours {
  std::vector<SimTime> done;
  std::vector<std::optional<bool>> cancel_result;
  std::size_t max_hubs = 0;
  std::uint64_t messages_cancelled = 0;
};

Ours run_ours(const Topology& topo, const Scenario& sc, std::uint32_t min_hub_flows) {
  Ours o;
  o.done.assign(sc.msgs.size(), -1);
  o.cancel_result.resize(sc.msgs.size());
  Engine engine;
  FlowNetwork net(engine, topo, FlowNetworkOptions{min_hub_flows});
  std::vector<MessageId> ids(sc.msgs.size());
  for (std::size_t i = 0; i < sc.msgs.size(); ++i) {
    engine.schedule_at(sc.msgs[i].t_send, [&, i] {
      const TestMessage& m = sc.msgs[i];
      ids[i] = net.send(m.src, m.dst, m.bytes, [&, i](const Delivery& d) {
        o.done[i] = d.t_done;
        o.max_hubs = std::max(o.max_hubs, net.active_hubs());
      });
    });
  }
  for (const CapacityChange& c : sc.capacity) {
    engine.schedule_at(c.t, [&net, &o, c] {
      o.max_hubs = std::max(o.max_hubs, net.active_hubs());
      net.set_capacity(c.resource, c.capacity);
    });
  }
  for (const LatencyChange& c : sc.latency)
    engine.schedule_at(c.t, [&net, c] { net.set_latency(c.link, c.latency); });
  for (const Cancel& c : sc.cancels) {
    engine.schedule_at(c.t, [&, c] {
      o.max_hubs = std::max(o.max_hubs, net.active_hubs());
      const bool result = net.cancel(ids[c.message]);
      if (!o.cancel_result[c.message].has_value()) {
        o.cancel_result[c.message] = result;  // the first cancel's
      } else {
        CHECK_FALSE(result);  // a later one: cancelled or delivered already
      }
    });
  }
  engine.run();
  CHECK(net.in_flight() == 0);
  CHECK(net.active_flows() == 0);
  CHECK(net.messages_delivered() + net.messages_cancelled() == sc.msgs.size());
  o.messages_cancelled = net.messages_cancelled();
  return o;
}

/// Random changes over [0, 2 s): capacity factors 0.05..20 of nominal on finite resources,
/// latencies 0..3x nominal (0..10 ms when nominal is 0), cancels of random messages after
/// their send. Changes at odd picoseconds (sends are at even ones).
void add_random_changes(ef21::Rng& rng, const Topology& topo, Scenario& sc, std::size_t capacity_changes) {
  std::vector<ResourceId> finite;
  for (ResourceId r = 0; r < topo.resource_count(); ++r) {
    if (std::isfinite(topo.resource_capacity(r))) finite.push_back(r);
  }
  const auto odd_time = [&rng](SimTime from, SimTime span) {
    return from + static_cast<SimTime>(rng.below(static_cast<std::uint64_t>(span))) / 2 * 2 + 1;
  };
  if (!finite.empty()) {
    for (std::size_t k = 0; k < capacity_changes; ++k) {
      const ResourceId r = finite[rng.below(finite.size())];
      sc.capacity.push_back({odd_time(0, 2'000'000'000'000), r,
                             topo.resource_capacity(r) * 0.05 * std::pow(400.0, rng.uniform())});
    }
  }
  const std::size_t latency_changes = rng.below(6);
  for (std::size_t k = 0; k < latency_changes && topo.link_count() > 0; ++k) {
    const auto l = static_cast<LinkId>(rng.below(topo.link_count()));
    const SimTime nominal = topo.link(l).latency;
    const SimTime latency = nominal > 0
                                ? static_cast<SimTime>(static_cast<double>(nominal) * 3 * rng.uniform())
                                : static_cast<SimTime>(rng.below(10'000'000'000));
    sc.latency.push_back({odd_time(0, 2'000'000'000'000), l, latency});
  }
  const std::size_t cancels = rng.below(1 + sc.msgs.size() / 8);
  for (std::size_t k = 0; k < cancels; ++k) {
    const std::size_t i = rng.below(sc.msgs.size());
    // Within 0.5 s of the send: often in the latency phase or flowing, sometimes after delivery.
    sc.cancels.push_back({odd_time(sc.msgs[i].t_send, 500'000'000'000), i});
  }
  const auto by_t = [](const auto& a, const auto& b) { return a.t < b.t; };
  std::stable_sort(sc.capacity.begin(), sc.capacity.end(), by_t);
  std::stable_sort(sc.latency.begin(), sc.latency.end(), by_t);
  std::stable_sort(sc.cancels.begin(), sc.cancels.end(), by_t);
}

/// Compares; returns the largest relative difference of completion times.
double compare(const Topology& topo, const Scenario& sc, const Ours& ours,
               const std::vector<Expected>& want) {
  double max_rel = 0;
  for (std::size_t i = 0; i < sc.msgs.size(); ++i) {
    const TestMessage& m = sc.msgs[i];
    INFO("message " << i << " " << topo.node_name(m.src) << "->" << topo.node_name(m.dst) << " " << m.bytes
                    << " B sent at " << m.t_send << " ps");
    if (want[i].done < 0) {
      CHECK(ours.done[i] == -1);
      REQUIRE(ours.cancel_result[i].has_value());
      CHECK(*ours.cancel_result[i]);
      continue;
    }
    REQUIRE(ours.done[i] >= 0);
    if (ours.cancel_result[i].has_value()) CHECK_FALSE(*ours.cancel_result[i]);
    const double got = time_to_seconds(ours.done[i]);
    const double err = std::abs(got - want[i].done);
    max_rel = std::max(max_rel, err / std::max(want[i].done, 1e-300));
    INFO("ours " << fmt::format("{:.17g}", got) << " s, naive " << fmt::format("{:.17g}", want[i].done)
                 << " s");
    CHECK(err <= std::max(1e-9 * want[i].done, 1e-9));
  }
  return max_rel;
}

/// A random connected graph: server, workers, a few switches; tree plus extra links.
Topology random_topology(ef21::Rng& rng, std::size_t workers, std::size_t switches) {
  Topology t;
  t.add_node("server");
  for (std::size_t i = 0; i < workers; ++i) t.add_node(fmt::format("w{}", i));
  for (std::size_t i = 0; i < switches; ++i) t.add_node(fmt::format("s{}", i));
  const auto bandwidth = [&rng] {
    return rng.uniform() < 0.1 ? kInf : std::pow(10.0, 4.0 + 3.0 * rng.uniform());
  };
  const auto latency = [&rng] {
    return static_cast<SimTime>(rng.below(10'000)) * 1'000'000;
  };  // 0..10 ms in us
  const std::size_t n = t.node_count();
  for (NodeId v = 1; v < n; ++v)
    t.add_link(v, static_cast<NodeId>(rng.below(v)), bandwidth(), bandwidth(), latency());
  const std::size_t extra = rng.below(n);
  for (std::size_t k = 0; k < extra; ++k) {
    const auto a = static_cast<NodeId>(rng.below(n));
    const auto b = static_cast<NodeId>(rng.below(n));
    if (a != b) t.add_link(a, b, bandwidth(), bandwidth(), latency());
  }
  return t;
}

std::uint64_t base_seed() {
  if (const char* env = std::getenv("EF21SIM_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return 20250301;
}

}  // namespace

TEST_CASE(
    "under capacity and latency changes and cancellations the network matches naive progressive filling",
    "[flow][dynamics][random]") {
  const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 64u, 2u);
  CAPTURE(min_hub_flows);
  const std::uint64_t base = base_seed();
  std::cout << "flow_network_dynamics_random_test: base seed " << base
            << " (set EF21SIM_TEST_SEED to replay)\n";
  double max_rel = 0;
  std::uint64_t cancelled = 0;
  for (int s = 0; s < 60; ++s) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(s);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    const Topology topo = random_topology(rng, 2 + rng.below(10), rng.below(4));
    Scenario sc;
    const std::size_t count = 10 + rng.below(150);
    for (std::size_t i = 0; i < count; ++i) {
      TestMessage m{};
      m.src = static_cast<NodeId>(rng.below(topo.node_count()));
      m.dst = rng.uniform() < 0.05 ? m.src : static_cast<NodeId>(rng.below(topo.node_count()));
      m.bytes = rng.uniform() < 0.05 ? 0 : static_cast<std::uint64_t>(std::pow(10.0, 6.0 * rng.uniform()));
      m.t_send = rng.uniform() < 0.3 ? static_cast<SimTime>(rng.below(3)) * 100'000'000'000
                                     : static_cast<SimTime>(rng.below(1'000'000'000'000)) * 2;
      sc.msgs.push_back(m);
    }
    std::stable_sort(sc.msgs.begin(), sc.msgs.end(),
                     [](const TestMessage& a, const TestMessage& b) { return a.t_send < b.t_send; });
    add_random_changes(rng, topo, sc, rng.below(30));
    const Ours ours = run_ours(topo, sc, min_hub_flows);
    max_rel = std::max(max_rel, compare(topo, sc, ours, naive(topo, sc)));
    cancelled += ours.messages_cancelled;
  }
  CHECK(cancelled > 0);
  std::cout << "flow_network_dynamics_random_test (min_hub_flows " << min_hub_flows << "): " << cancelled
            << " messages cancelled, max relative difference " << max_rel << "\n";
}

TEST_CASE("hubs under capacity changes and cancellations match naive progressive filling",
          "[flow][dynamics][random]") {
  // A star whose server link is the lone shared bottleneck (a hub with min_hub_flows 2 or 6):
  // its capacity and the members' own links change while flows join, leave and are cancelled.
  const std::uint32_t min_hub_flows = GENERATE(as<std::uint32_t>{}, 2u, 6u);
  CAPTURE(min_hub_flows);
  const std::uint64_t base = base_seed() + 1000;
  double max_rel = 0;
  std::size_t max_hubs = 0;
  for (int s = 0; s < 16; ++s) {
    const std::uint64_t seed = base + static_cast<std::uint64_t>(s);
    CAPTURE(seed);
    ef21::Rng rng(seed);
    const std::size_t workers = 20 + rng.below(60);
    Topology topo;
    const NodeId server = topo.add_node("server");
    for (std::size_t i = 0; i < workers; ++i) topo.add_node(fmt::format("w{}", i));
    const NodeId sw = topo.add_node("switch");
    for (std::size_t i = 0; i < workers; ++i) {
      const double up = rng.uniform() < 0.3 ? 1e5 * (1 + 9 * rng.uniform()) : 1e7;
      const double down = rng.uniform() < 0.3 ? 1e5 * (1 + 9 * rng.uniform()) : 1e7;
      topo.add_link(static_cast<NodeId>(1 + i), sw, up, down,
                    static_cast<SimTime>(rng.below(100)) * 1'000'000);
    }
    const LinkId server_link = static_cast<LinkId>(topo.add_link(server, sw, 2e6, 3e6, 0));
    Scenario sc;
    const std::size_t count = 200 + rng.below(300);
    for (std::size_t i = 0; i < count; ++i) {
      TestMessage m{};
      const auto w = static_cast<NodeId>(1 + rng.below(workers));
      const double kind = rng.uniform();
      if (kind < 0.45) {
        m.src = w, m.dst = server;
      } else if (kind < 0.9) {
        m.src = server, m.dst = w;
      } else {
        m.src = w, m.dst = static_cast<NodeId>(1 + rng.below(workers));
      }
      m.bytes = 1000 + rng.below(200'000);
      m.t_send = rng.uniform() < 0.2 ? static_cast<SimTime>(rng.below(3)) * 200'000'000'000
                                     : static_cast<SimTime>(rng.below(500'000'000'000)) * 2;
      sc.msgs.push_back(m);
    }
    std::stable_sort(sc.msgs.begin(), sc.msgs.end(),
                     [](const TestMessage& a, const TestMessage& b) { return a.t_send < b.t_send; });
    add_random_changes(rng, topo, sc, 20 + rng.below(40));
    // And the hub's own resource, often.
    for (int k = 0; k < 15; ++k) {
      const ResourceId r = 2 * server_link + static_cast<ResourceId>(rng.below(2));
      sc.capacity.push_back({static_cast<SimTime>(rng.below(1'000'000'000'000)) * 2 + 1, r,
                             topo.resource_capacity(r) * 0.05 * std::pow(400.0, rng.uniform())});
    }
    std::stable_sort(sc.capacity.begin(), sc.capacity.end(),
                     [](const auto& a, const auto& b) { return a.t < b.t; });
    const Ours ours = run_ours(topo, sc, min_hub_flows);
    max_hubs = std::max(max_hubs, ours.max_hubs);
    max_rel = std::max(max_rel, compare(topo, sc, ours, naive(topo, sc)));
  }
  CHECK(max_hubs > 0);
  std::cout << "flow_network_dynamics_random_test (star hubs, min_hub_flows " << min_hub_flows
            << "): max relative difference " << max_rel << "\n";
}
