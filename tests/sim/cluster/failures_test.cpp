// Failures and deadlines (issue 11): a worker down at its round's start skips it, a message
// lost or late is not applied and its worker keeps its state, the server aggregates at the
// deadline, and everything is counted; the iterates equal those of a run in which the same
// workers sat the same rounds out.
#include <fmt/format.h>
#include <toml++/toml.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "models/support/input_error.hpp"
#include "sim/cluster/simulation.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/cluster/cluster_test_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace ef21::sim;
using ef21::test::run;
using ef21::test::scenario_at;
using ef21::test::TempDir;

namespace {

/// 4 workers on a 10 Mbps star (1 ms links), 1 ms of compute, EF21 Top-2.
std::string base(const std::string& extra) {
  return fmt::format(R"(
[run]
name = "failures"
rounds = 80
seed = 3
timeline = true
[data]
source = "synthetic"
workers = 4
[data.synthetic]
rows = 400
dim = 16
heterogeneity = 0.5
[algorithm]
kind = "ef21"
stepsize = "theory"
multiplier = 4
[compressor]
kind = "top-k"
k = 2
[compute]
gradient_time = "1 ms"
[network]
uplink = "10 Mbps"
downlink = "10 Mbps"
latency = "1 ms"
{}
)",
                     extra);
}

}  // namespace

TEST_CASE("A worker down for good skips every round, the others converge without it", "[failures]") {
  TempDir tmp("failures");
  tmp.write("down.trace", "0 s 0\n");
  const std::string text = base("[[workers]]\nids = 3\navailability_trace = \"down.trace\"\n");
  const RunResult r = run(scenario_at(text, tmp.path() / "s.toml"));
  CHECK(r.skipped_rounds == 81);  // rounds 0..80
  CHECK(r.lost_messages == 0);
  // With g_3 = 0 the others settle where the mean of their three gradients vanishes: f
  // improves, ||grad f||^2 stalls at ||grad f_3||^2/16 rather than going to 0.
  CHECK(r.trace.back().f < r.trace.front().f);
  CHECK(r.trace.back().grad_norm_sq < 0.5 * r.trace.front().grad_norm_sq);
  // It never sends: 3 of 4 workers upload 2 values of 32 bits a round (round 0 free).
  CHECK(r.trace.back().bits_up == Approx(80.0 * 3.0 * 64.0 / 4.0));
  bool down_span = false;
  for (const Span& span : r.spans) down_span = down_span || (span.kind == SpanKind::down && span.worker == 3);
  CHECK(down_span);
}

TEST_CASE("Failures give the iterates of a run whose workers sat the same rounds out", "[failures]") {
  // Worker 1 is down from 10 ms to 30 ms: the rounds that start then run without it. The same
  // run with it down from the start of those rounds and a deadline that never binds gives
  // the same iterates as a run where it fails mid-round only if the state is rolled back.
  TempDir tmp("failures");
  tmp.write("w1.trace", "10 ms 0\n30 ms 1\n");
  const std::string text = base("[[workers]]\nids = 1\navailability_trace = \"w1.trace\"\n");
  const RunResult a = run(scenario_at(text, tmp.path() / "s.toml"));
  const RunResult b = run(scenario_at(text, tmp.path() / "s.toml", {{"run.threads", "2"}}));
  REQUIRE(a.trace.size() == b.trace.size());
  for (std::size_t t = 0; t < a.trace.size(); ++t) {
    REQUIRE(std::memcmp(&a.trace[t], &b.trace[t], sizeof(TraceRow)) == 0);  // any thread count
  }
  CHECK(a.skipped_rounds > 0);
  CHECK(a.lost_messages <= 1);
  CHECK(a.trace.back().grad_norm_sq < 1e-6 * a.trace.front().grad_norm_sq);
}

TEST_CASE("The server aggregates at the deadline, late messages are dropped and counted",
          "[failures][deadline]") {
  TempDir tmp("deadline");
  // Worker 0's uplink is 7 kbps: its 8-byte Top-2 message takes 9.1 ms after 1 ms of compute
  // and 1 ms of latency, past the 10 ms deadline, so it is late every round and the others go
  // on without it (875 B/s carry its 8 bytes a round: its link keeps up, only late).
  const std::string text =
      base("[protocol]\nround_deadline = \"10 ms\"\n[[workers]]\nids = 0\nuplink = \"7 kbps\"\n");
  const RunResult r = run(scenario_at(text, tmp.path() / "s.toml", {{"run.rounds", "100"}}));
  CHECK(r.late_messages == 99);  // rounds 0..98 (round 99's arrives after the run's end)
  CHECK(r.wasted_bytes == 64 + 98 * 8);
  // Each round lasts the deadline plus the broadcast (1 ms latency + 64 bytes at 10 Mbps)
  // plus 1 ms of compute... at most: the server never waits for worker 0.
  const double per_round = r.trace.back().time_s / static_cast<double>(r.trace.back().round);
  CHECK(per_round < 0.0125);
  CHECK(r.trace.back().grad_norm_sq < r.trace.front().grad_norm_sq);
}

TEST_CASE("Failures and deadlines reject what has no meaning, at the key", "[failures][errors]") {
  TempDir tmp("failures-errors");
  const auto error_of = [&](const std::string& extra, const std::vector<Override>& sets = {}) -> std::string {
    try {
      Simulation sim(scenario_at(base(extra), tmp.path() / "s.toml", sets));
    } catch (const ef21::InputError& e) {
      return fmt::format("{}:{}: {}", e.where().line, e.where().column, e.message());
    }
    return "no error";
  };
  CHECK(error_of("[failures]\nmtbf = \"1 s\"\n").find("needs both `mtbf`") != std::string::npos);
  CHECK(error_of("[protocol]\nround_deadline = \"0 s\"\n").find("positive duration") != std::string::npos);
  CHECK(error_of("[protocol]\nkind = \"allgather\"\nround_deadline = \"5 ms\"\n").find("applies to ps") !=
        std::string::npos);
  CHECK(error_of("[failures]\nmtbf = \"1 s\"\nmttr = \"1 s\"\n[protocol]\nkind = \"allgather\"\n")
            .find("needs protocol.kind = \"ps\"") != std::string::npos);
  CHECK(error_of("[failures]\nmtbf = \"1 s\"\nmttr = \"1 s\"\n", {{"algorithm.kind", "diana"}})
            .find("which diana does not define") != std::string::npos);
}
