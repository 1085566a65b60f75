#include <catch2/catch.hpp>

#include <limits>
#include <fmt/format.h>

#include "models/support/input_error.hpp"
#include "models/support/rng.hpp"
#include "sim/net/star.hpp"
#include "sim/net/topology.hpp"

using namespace ef21::sim;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}

TEST_CASE("nodes are found by name", "[topology]") {
  Topology t;
  const NodeId s = t.add_node("server");
  const NodeId w = t.add_node("w0");
  CHECK(t.node_count() == 2);
  CHECK(t.find_node("server") == s);
  CHECK(t.find_node("w0") == w);
  CHECK_FALSE(t.find_node("w1"));
  CHECK(t.node_name(w) == "w0");
  CHECK_THROWS_AS(t.add_node("w0"), ef21::InputError);
  CHECK_THROWS_AS(t.add_node(""), ef21::InputError);
}

TEST_CASE("each link direction is its own resource and infinite ones are left out of routes", "[topology]") {
  Topology t;
  const NodeId a = t.add_node("a");
  const NodeId b = t.add_node("b");
  const NodeId c = t.add_node("c");
  t.add_link(a, b, 100.0, 200.0, 5);
  t.add_link(b, c, kInf, 300.0, 7);
  CHECK(t.resource_count() == 4);
  CHECK(t.resource_capacity(0) == 100.0);
  CHECK(t.resource_capacity(1) == 200.0);
  CHECK(t.resource_name(0) == "a->b");
  CHECK(t.resource_name(1) == "b->a");
  const Route ac = t.route(a, c);
  CHECK(ac.resources == std::vector<ResourceId>{0});  // b->c is infinite
  CHECK(ac.latency == 12);
  CHECK(ac.nodes == std::vector<NodeId>{a, b, c});
  CHECK(ac.links == std::vector<LinkId>{0, 1});  // every link, the infinite one too
  const Route ca = t.route(c, a);
  CHECK(ca.resources == std::vector<ResourceId>{3, 1});
  CHECK(ca.links == std::vector<LinkId>{1, 0});
  const Route aa = t.route(a, a);
  CHECK(aa.resources.empty());
  CHECK(aa.latency == 0);
}

TEST_CASE("links are validated", "[topology]") {
  Topology t;
  const NodeId a = t.add_node("a");
  const NodeId b = t.add_node("b");
  CHECK_THROWS_WITH(t.add_link(a, b, 0.0, 1.0, 0), Catch::Contains("bandwidth must be positive"));
  CHECK_THROWS_WITH(t.add_link(a, b, 1.0, -1.0, 0), Catch::Contains("bandwidth must be positive"));
  CHECK_THROWS_AS(t.add_link(a, b, std::nan(""), 1.0, 0), ef21::InputError);
  CHECK_THROWS_WITH(t.add_link(a, a, 1.0, 1.0, 0), Catch::Contains("itself"));
  CHECK_THROWS_WITH(t.add_link(a, b, 1.0, 1.0, -5), Catch::Contains("negative"));
}

TEST_CASE("routes take the least latency, then fewest hops, then the smallest node ids", "[topology]") {
  Topology t;
  const NodeId s = t.add_node("s");  // 0
  const NodeId x = t.add_node("x");  // 1
  const NodeId y = t.add_node("y");  // 2
  const NodeId z = t.add_node("z");  // 3
  const NodeId d = t.add_node("d");  // 4
  // Least latency wins even with more hops: s-x-y-d = 3 beats s-d = 10.
  t.add_link(s, d, 1.0, 1.0, 10);
  t.add_link(s, x, 1.0, 1.0, 1);
  t.add_link(x, y, 1.0, 1.0, 1);
  t.add_link(y, d, 1.0, 1.0, 1);
  CHECK(t.route(s, d).nodes == std::vector<NodeId>{s, x, y, d});
  // Equal latency 3 via z in 2 hops (s-z 2, z-d 1): fewer hops wins.
  t.add_link(s, z, 1.0, 1.0, 2);
  t.add_link(z, d, 1.0, 1.0, 1);
  CHECK(t.route(s, d).nodes == std::vector<NodeId>{s, z, d});
  CHECK(t.route(d, s).nodes == std::vector<NodeId>{d, z, s});
  // Equal latency and hops via y (s-y 2, y-d 1): the smaller node id (y=2 < z=3) wins.
  t.add_link(s, y, 1.0, 1.0, 2);
  CHECK(t.route(s, d).nodes == std::vector<NodeId>{s, y, d});
  // Parallel links of equal latency: the lower link id.
  Topology p;
  const NodeId a = p.add_node("a");
  const NodeId b = p.add_node("b");
  p.add_link(a, b, 5.0, 5.0, 1);
  p.add_link(a, b, 7.0, 7.0, 1);
  CHECK(p.route(a, b).resources == std::vector<ResourceId>{0});
  CHECK(p.route(b, a).resources == std::vector<ResourceId>{1});
}

TEST_CASE("an unreachable node has no route", "[topology]") {
  Topology t;
  const NodeId s = t.add_node("server");
  const NodeId w = t.add_node("w3");
  CHECK_THROWS_WITH(t.route(w, s), Catch::Contains("no route from w3 to server"));
}

TEST_CASE("make_star builds server, workers and one switch", "[star]") {
  StarSpec spec;
  spec.workers = {AccessLink{1e6, 2e6, 10}, AccessLink{3e6, 4e6, 20}};
  const Topology star = make_star(spec);
  CHECK(star.node_count() == 4);
  CHECK(star.find_node("server") == NodeId{0});
  CHECK(star.find_node("w0") == NodeId{1});
  CHECK(star.find_node("w1") == NodeId{2});
  CHECK(star.find_node("switch") == NodeId{3});
  const Route up = star.route(2, 0);
  CHECK(up.latency == 20);
  REQUIRE(up.resources.size() == 1);  // the server link is infinite
  CHECK(star.resource_name(up.resources[0]) == "w1->switch");
  CHECK(star.resource_capacity(up.resources[0]) == 3e6);
  const Route down = star.route(0, 1);
  REQUIRE(down.resources.size() == 1);
  CHECK(star.resource_name(down.resources[0]) == "switch->w0");
  CHECK(star.resource_capacity(down.resources[0]) == 2e6);

  spec.server = AccessLink{5e6, 6e6, 30};
  const Topology with_server = make_star(spec);
  const Route up2 = with_server.route(1, 0);
  CHECK(up2.latency == 40);
  REQUIRE(up2.resources.size() == 2);
  CHECK(with_server.resource_name(up2.resources[1]) == "switch->server");
  CHECK(with_server.resource_capacity(up2.resources[1]) == 6e6);
  const Route w2w = with_server.route(1, 2);
  CHECK(w2w.latency == 30);
}

TEST_CASE("routes read off shortest-path trees equal per-pair routes, ties included", "[topology][random]") {
  // Few distinct latencies, parallel links and several components: many equal-cost paths, so
  // the tie-break rule (fewest hops, smallest node ids, smallest link id) decides.
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    CAPTURE(seed);
    ef21::Rng rng(seed);
    Topology t;
    const std::size_t n = 3 + rng.below(14);
    for (std::size_t i = 0; i < n; ++i) t.add_node(fmt::format("v{}", i));
    const std::size_t links = n + rng.below(2 * n);
    for (std::size_t k = 0; k < links; ++k) {
      const auto a = static_cast<NodeId>(rng.below(n));
      const auto b = static_cast<NodeId>(rng.below(n));
      if (a == b) continue;
      const double bw = rng.uniform() < 0.2 ? std::numeric_limits<double>::infinity() : 1e6;
      t.add_link(a, b, bw, 2e6, static_cast<SimTime>(rng.below(3)) * 1000);
    }
    for (NodeId a = 0; a < n; ++a) {
      const RoutesFrom from = t.routes_from(a);
      const RoutesTo to = t.routes_to(a);
      for (NodeId b = 0; b < n; ++b) {
        CAPTURE(a, b);
        bool reachable = true;
        Route want;
        try {
          want = t.route(a, b);
        } catch (const ef21::InputError&) {
          reachable = false;
        }
        if (!reachable) {
          CHECK_THROWS_AS(t.route(from, b), ef21::InputError);
          CHECK_THROWS_AS(t.route(to, b), ef21::InputError);
          continue;
        }
        const Route got_from = t.route(from, b);  // a -> b off a's tree
        const Route got_to = t.route(to, b);      // b -> a off the tree into a
        const Route want_back = t.route(b, a);
        CHECK(got_from.nodes == want.nodes);
        CHECK(got_from.resources == want.resources);
        CHECK(got_from.latency == want.latency);
        CHECK(got_from.links == want.links);
        CHECK(got_to.nodes == want_back.nodes);
        CHECK(got_to.resources == want_back.resources);
        CHECK(got_to.latency == want_back.latency);
        CHECK(got_to.links == want_back.links);
      }
    }
  }
}
