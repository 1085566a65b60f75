// Round protocols (issue 11): allgather's iterates are ps's bit for bit, ring all-reduce's
// differ by round-off only, their rounds take the analytic times on an uncontended star, and
// the loader rejects what a protocol cannot carry.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <string>

#include "models/support/input_error.hpp"
#include "sim/cluster/simulation.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/cluster/cluster_test_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ef21::sim;
using ef21::test::run;
using ef21::test::scenario_from;

namespace {

constexpr SimTime kUs = 1'000'000;

/// 5 workers, d = 12, a star of equal links: 100 Mbps, 10 us, no header; 2 us of compute.
std::string star_scenario(const std::string& extra) {
  return fmt::format(R"(
[run]
name = "protocols"
rounds = 40
seed = 7
[data]
source = "synthetic"
workers = 5
[data.synthetic]
rows = 200
dim = 12
heterogeneity = 0.5
[algorithm]
kind = "ef21"
stepsize = "theory"
multiplier = 2
[compressor]
kind = "top-k"
k = 3
[compute]
gradient_time = "2 us"
[network]
uplink = "100 Mbps"
downlink = "100 Mbps"
latency = "10 us"
{}
)",
                     extra);
}

std::string failure_of(const std::string& text) {
  try {
    Simulation sim(scenario_from(text));
  } catch (const ef21::InputError& e) {
    return fmt::format("{}:{}: {}", e.where().line, e.where().column, e.message());
  }
  return "no error";
}

}  // namespace

TEST_CASE("allgather's iterates are ps's bit for bit, only time and traffic differ",
          "[protocol][allgather]") {
  for (const std::string method : {"ef21", "gd", "ef21-hb"}) {
    CAPTURE(method);
    std::vector<Override> sets{{"algorithm.kind", method}};
    if (method == "ef21-hb") sets.push_back({"algorithm.stepsize", "0.05"});
    const RunResult ps = run(scenario_from(star_scenario(""), sets));
    sets.push_back({"protocol.kind", "allgather"});
    const RunResult ag = run(scenario_from(star_scenario(""), sets));
    REQUIRE(ps.trace.size() == ag.trace.size());
    for (std::size_t t = 0; t < ps.trace.size(); ++t) {
      CAPTURE(t);
      REQUIRE(std::memcmp(&ps.trace[t].f, &ag.trace[t].f, sizeof(double)) == 0);
      REQUIRE(std::memcmp(&ps.trace[t].grad_norm_sq, &ag.trace[t].grad_norm_sq, sizeof(double)) == 0);
      REQUIRE(ps.trace[t].bits_up == ag.trace[t].bits_up);  // what a worker emits: the same
    }
    CHECK(ag.bytes_up == 0);
    CHECK(ag.bytes_peer == ag.wire_bytes);
    CHECK(ag.trace.back().time_s != ps.trace.back().time_s);
  }
}

TEST_CASE("ring all-reduce sums in the ring's order: iterates differ from ps by round-off only",
          "[protocol][ring_allreduce]") {
  // Dense messages (k = d) and a stable stepsize: a round-off gap stays round-off.
  const std::vector<Override> dense{{"compressor.k", "12"}, {"algorithm.multiplier", "1"}};
  const RunResult ps = run(scenario_from(star_scenario(""), dense));
  auto sets = dense;
  sets.push_back({"protocol.kind", "ring-allreduce"});
  const RunResult ring = run(scenario_from(star_scenario(""), sets));
  sets.push_back({"protocol.ring", "[3, 0, 4, 1, 2]"});
  const RunResult other_ring = run(scenario_from(star_scenario(""), sets));
  REQUIRE(ps.trace.size() == ring.trace.size());
  // f to round-off on every row; ||grad f||^2 relative to itself while it is above round-off
  // (it falls to ~1e-34 here, where the sums' last bits are all there is).
  double f_gap = 0.0, grad_gap = 0.0;
  bool differs = false;
  for (std::size_t t = 0; t < ps.trace.size(); ++t) {
    for (const RunResult* other : {&ring, &other_ring}) {
      f_gap = std::max(f_gap, std::abs(other->trace[t].f - ps.trace[t].f) / std::abs(ps.trace[t].f));
      if (ps.trace[t].grad_norm_sq > 1e-16)
        grad_gap = std::max(grad_gap, std::abs(other->trace[t].grad_norm_sq - ps.trace[t].grad_norm_sq) /
                                          ps.trace[t].grad_norm_sq);
      differs = differs || other->trace[t].grad_norm_sq != ps.trace[t].grad_norm_sq;
    }
  }
  CAPTURE(f_gap, grad_gap);
  CHECK(f_gap < 1e-13);
  CHECK(grad_gap < 1e-9);
  CHECK(differs);  // the ring's order is used: not the same sums as ps
  CHECK(ps.trace.back().grad_norm_sq < 1e-6 * ps.trace.front().grad_norm_sq);  // it converged
}

TEST_CASE("ring all-reduce and all-gather rounds take their analytic times on an uncontended star",
          "[protocol][analytic]") {
  // Worker to worker over the star: two links of 10 us each and 100 Mbps (12.5e6 B/s).
  // Every worker sends one message a step, on its own uplink to its own successor's
  // downlink: no link is shared, so each step takes 2 latency + bytes / bandwidth.
  const SimTime step_latency = 2 * 10 * kUs;
  const auto step_time = [&](std::uint64_t bytes) {
    return step_latency + static_cast<SimTime>(std::llround(static_cast<double>(bytes) / 12.5e6 * 1e12));
  };
  {  // ring all-reduce, dense d = 12 over n = 5: chunks of ceil(12/5) = 3 values = 12 bytes
    const RunResult r =
        run(scenario_from(star_scenario(""), {{"compressor.k", "12"}, {"protocol.kind", "ring-allreduce"}}));
    const SimTime round = 2 * kUs + 2 * (5 - 1) * step_time(12);
    REQUIRE(r.trace.size() > 3);
    CHECK(r.trace[1].time_s == Approx(static_cast<double>(round) * 1e-12).epsilon(1e-12));
    CHECK(r.trace[3].time_s == Approx(3.0 * static_cast<double>(round) * 1e-12).epsilon(1e-12));
  }
  {  // all-gather of Top-3 messages (3 x 32 bits = 12 bytes) after round 0's dense ones (48 bytes)
    const RunResult r = run(scenario_from(star_scenario(""), {{"protocol.kind", "allgather"}}));
    const SimTime round0 = 2 * kUs + (5 - 1) * step_time(48);
    const SimTime round = 2 * kUs + (5 - 1) * step_time(12);
    CHECK(r.trace[1].time_s == Approx(static_cast<double>(round0) * 1e-12).epsilon(1e-12));
    CHECK(r.trace[2].time_s == Approx(static_cast<double>(round0 + round) * 1e-12).epsilon(1e-12));
  }
}

TEST_CASE("Protocols reject what they cannot carry, at the key", "[protocol][errors]") {
  const auto with = [](const std::string& protocol, const std::string& more = "") {
    return star_scenario("[protocol]\n" + protocol + "\n" + more);
  };
  CHECK(
      failure_of(with("kind = \"allgather\"\nring = [0, 1, 2, 3]")).find("permutation of the 5 worker ids") !=
      std::string::npos);
  CHECK(failure_of(with("kind = \"allgather\"\nring = [0, 1, 2, 2, 4]")).find("lists worker 2 twice") !=
        std::string::npos);
  CHECK(failure_of(with("kind = \"allgather\"\nring = [0, 1, 2, 3, 7]")).find("worker ids 0-4: got 7") !=
        std::string::npos);
  CHECK(failure_of(with("kind = \"ps\"\nring = [0, 1, 2, 3, 4]"))
            .find("`protocol.ring` applies to the decentralised") != std::string::npos);
  const std::string sparse = failure_of(with("kind = \"ring-allreduce\""));
  CHECK(sparse.find("dense messages only") != std::string::npos);
  CHECK(sparse.find("allgather") != std::string::npos);
  CHECK(failure_of(with("kind = \"allgather\"", "[participation]\nfraction = 0.4\n"))
            .find("partial participation") != std::string::npos);
  CHECK(failure_of(star_scenario("[protocol]\nkind = \"allgather\"\n")
                       .replace(star_scenario("").find("kind = \"ef21\""), 13, "kind = \"ef21-bc\""))
            .find("server state") != std::string::npos);
}

TEST_CASE("A .dot ring without a server carries the decentralised protocols, ps needs its server",
          "[protocol][dot]") {
  ef21::test::TempDir tmp("dot-ring");
  tmp.write("ring.dot", R"(graph ring {
  w0 -- w1 [bandwidth="100 Mbps", latency="10 us"];
  w1 -- w2 [bandwidth="100 Mbps", latency="10 us"];
  w2 -- w3 [bandwidth="100 Mbps", latency="10 us"];
  w3 -- w4 [bandwidth="100 Mbps", latency="10 us"];
  w4 -- w0 [bandwidth="100 Mbps", latency="10 us"];
})");
  std::string text = star_scenario("");
  text.replace(
      text.find("[network]"),
      std::string("[network]\nuplink = \"100 Mbps\"\ndownlink = \"100 Mbps\"\nlatency = \"10 us\"").size(),
      "[network]\ntopology = \"ring.dot\"");
  const auto load = [&](const std::string& protocol) {
    toml::table table =
        toml::parse(std::string_view(text), std::string_view((tmp.path() / "s.toml").string()));
    apply_override(table, {"protocol.kind", protocol});
    apply_override(table, {"compressor.k", "12"});
    return parse_scenario(table, tmp.path() / "s.toml");
  };
  for (const std::string protocol : {"allgather", "ring-allreduce"}) {
    CAPTURE(protocol);
    const RunResult r = run(load(protocol));
    CHECK(r.trace.back().grad_norm_sq < r.trace.front().grad_norm_sq);
    // One hop of 10 us a step (neighbours on the ring): a round-0 all-gather takes 4 steps of
    // 10 us + 48 bytes at 12.5 MB/s after 2 us of compute.
    if (protocol == "allgather")
      CHECK(r.trace[1].time_s == Approx((2e-6 + 4 * (10e-6 + 48 / 12.5e6))).epsilon(1e-12));
  }
  try {
    Simulation sim(load("ps"));
    FAIL("ps over a topology without a server must be an input error");
  } catch (const ef21::InputError& e) {
    CHECK(std::string(e.what()).find("server") != std::string::npos);
  }
}
