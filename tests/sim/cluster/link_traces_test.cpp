// Link traces from the scenario (issue 11): a star link's capacity and latency follow their
// trace files; a constant factor from time 0 is the same as the scaled nominal value.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "sim/cluster/simulation.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/cluster/cluster_test_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ef21::sim;
using ef21::test::TempDir;

namespace {

RunResult run(const std::string& text, const std::filesystem::path& file) {
  return ef21::test::run(ef21::test::scenario_at(text, file));
}

/// `server`: extra [network.server] keys; `server_down`: its downlink (the uploads' side).
std::string scenario(const std::string& worker0, const std::string& server,
                     const std::string& server_down = "10 Mbps") {
  return fmt::format(R"(
[run]
name = "traces"
rounds = 30
seed = 4
[data]
source = "synthetic"
workers = 3
[data.synthetic]
rows = 120
dim = 10
[compressor]
kind = "top-k"
k = 2
[compute]
gradient_time = "100 us"
[network]
uplink = "1 Mbps"
downlink = "1 Mbps"
latency = "50 us"
header_bytes = 40
[network.server]
uplink = "10 Mbps"
downlink = "{}"
{}
[[workers]]
ids = 0
{}
)",
                     server_down, server, worker0);
}

}  // namespace

TEST_CASE("A constant trace factor equals the scaled link, a step changes only what follows", "[traces]") {
  TempDir tmp("link-traces");
  tmp.write("half.trace", "0 s 0.5\n");
  tmp.write("slow.trace", "0 s 3\n");
  tmp.write("step.trace", "20 ms 0.25\n");
  const auto file = tmp.path() / "s.toml";
  const RunResult traced = run(scenario("uplink_trace = \"half.trace\"\nlatency_trace = \"slow.trace\"",
                                        "downlink_trace = \"half.trace\""),
                               file);
  const RunResult scaled = run(scenario("uplink = \"500 kbps\"\nlatency = \"150 us\"", "", "5 Mbps"), file);
  REQUIRE(traced.trace.size() == scaled.trace.size());
  for (std::size_t t = 0; t < traced.trace.size(); ++t) {
    CAPTURE(t);
    CHECK(traced.trace[t].time_s == scaled.trace[t].time_s);
    CHECK(std::memcmp(&traced.trace[t].grad_norm_sq, &scaled.trace[t].grad_norm_sq, sizeof(double)) == 0);
  }
  // A step at 20 ms: the rows before it as without the trace, the rounds after it slower.
  const RunResult plain = run(scenario("", ""), file);
  const RunResult step = run(scenario("uplink_trace = \"step.trace\"", ""), file);
  bool slower_after = false;
  for (std::size_t t = 0; t < plain.trace.size(); ++t) {
    if (plain.trace[t].time_s <= 0.020) CHECK(step.trace[t].time_s == plain.trace[t].time_s);
    slower_after = slower_after || step.trace[t].time_s > plain.trace[t].time_s;
  }
  CHECK(slower_after);
}
