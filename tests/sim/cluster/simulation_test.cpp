// The ps-protocol simulation end to end through the library API (DESIGN §5, §6, §8):
// iterates independent of the network, outputs independent of the thread count, analytic
// round times to the picosecond, stop targets, divergence and trace thinning.
#include "sim/cluster/simulation.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "sim/output/run_writer.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/cluster/cluster_test_support.hpp"

using namespace ef21::sim;
using ef21::test::run;
using ef21::test::scenario_from;

namespace {

constexpr SimTime kUs = 1'000'000;
constexpr SimTime kMs = 1'000'000'000;

std::vector<double> column(const RunResult& r, double TraceRow::*member) {
  std::vector<double> out;
  for (const auto& row : r.trace) out.push_back(row.*member);
  return out;
}

std::vector<std::int64_t> rounds_of(const RunResult& r) {
  std::vector<std::int64_t> out;
  for (const auto& row : r.trace) out.push_back(row.round);
  return out;
}

/// A small synthetic problem: 6 workers, d = 20, 60 rounds.
std::string base_scenario(const std::string& method, const std::string& network = "") {
  return fmt::format(R"(
[run]
name = "cluster-test"
rounds = 60
seed = 5
[data]
source = "synthetic"
workers = 6
[data.synthetic]
rows = 300
dim = 20
heterogeneity = 0.5
[algorithm]
kind = "{}"
stepsize = "theory"
multiplier = 4
[compressor]
kind = "top-k"
k = 2
[compute]
gradient_time = "auto"
speed = "1 GFLOPS"
{}
)",
                     method, network);
}

}  // namespace

TEST_CASE("synchronous iterates do not depend on the network, the clock does", "[simulation][network]") {
  const std::string method = GENERATE("gd", "ef", "ef21", "ef21-plus");
  CAPTURE(method);
  const std::vector<std::string> networks = {
      "",  // the default star
      "[[workers]]\nids = \"0-1\"\nuplink = \"2 Mbps\"\n",
      "[network.server]\nuplink = \"20 Mbps\"\ndownlink = \"20 Mbps\"\nlatency = \"1 ms\"\n",
      "[network]\nlatency = \"50 ms\"\nuplink = \"100 Mbps\"\ndownlink = \"100 Mbps\"\n",
  };
  std::vector<RunResult> results;
  for (const auto& net : networks) results.push_back(run(scenario_from(base_scenario(method, net))));
  const RunResult& ref = results.front();
  REQUIRE(ref.trace.size() == 61);
  for (std::size_t i = 1; i < results.size(); ++i) {
    CAPTURE(networks[i]);
    const RunResult& r = results[i];
    CHECK(rounds_of(r) == rounds_of(ref));
    CHECK(column(r, &TraceRow::f) == column(ref, &TraceRow::f));  // bit for bit
    CHECK(column(r, &TraceRow::grad_norm_sq) == column(ref, &TraceRow::grad_norm_sq));
    CHECK(column(r, &TraceRow::bits_up) == column(ref, &TraceRow::bits_up));
    for (std::size_t j = 0; j < i; ++j)
      CHECK(column(r, &TraceRow::time_s) != column(results[j], &TraceRow::time_s));
    CHECK(r.final_row.time_s > 0.0);
  }
}

TEST_CASE("outputs do not depend on the number of threads", "[simulation][determinism]") {
  const std::string method = GENERATE("ef21", "ef21-plus", "ef");
  CAPTURE(method);
  const std::string text = base_scenario(method, "[[workers]]\nids = [1, 4]\nuplink = \"10 Mbps\"\n");
  HostInfo host;  // the same host facts, so summary.json must match byte for byte
  host.version = "test";
  std::vector<std::string> traces, summaries;
  for (int threads : {1, 2, 3}) {
    const Scenario s = scenario_from(text, {{"run.threads", std::to_string(threads)}});
    REQUIRE(s.run.threads == static_cast<std::size_t>(threads));
    const RunResult r = run(s);
    traces.push_back(format_trace_csv(r.trace));
    summaries.push_back(format_summary_json(s, r, host));
  }
  CHECK(traces[0] == traces[1]);
  CHECK(traces[0] == traces[2]);
  CHECK(summaries[0] == summaries[1]);
  CHECK(summaries[0] == summaries[2]);
}

namespace {

/// Dense GD on d = 10 (payload 10 * 32 bits = 40 B), two workers, 1 Mbps access links
/// (125000 B/s: 40 B take 320 us), 10 us latency, a fixed 1 ms gradient time.
std::string tiny_star(const std::string& extra = "") {
  return R"(
[run]
rounds = 5
record_messages = true
[data]
source = "synthetic"
workers = 2
[data.synthetic]
rows = 20
dim = 10
[algorithm]
kind = "gd"
stepsize = 0.1
[compute]
gradient_time = "1 ms"
[network]
uplink = "1 Mbps"
downlink = "1 Mbps"
latency = "10 us"
header_bytes = 0
)" + extra;
}

}  // namespace

TEST_CASE("round times on a tiny star are exact to the picosecond", "[simulation][time]") {
  const RunResult r = run(scenario_from(tiny_star()));
  REQUIRE(r.trace.size() == 6);
  const SimTime compute = 1 * kMs;
  const SimTime transfer = 10 * kUs + 320 * kUs;  // latency + 40 B / 125000 B/s
  // x^1: compute + upload; every later round adds download + compute + upload.
  const SimTime first = compute + transfer;
  const SimTime per_round = transfer + compute + transfer;
  CHECK(r.trace[0].time_s == 0.0);
  for (std::int64_t t = 1; t <= 5; ++t) {
    CAPTURE(t);
    CHECK(r.trace[static_cast<std::size_t>(t)].time_s == time_to_seconds(first + (t - 1) * per_round));
  }
  // Each message, to the picosecond: round r's uploads and downloads.
  REQUIRE(r.message_log.size() == 5 * 4);
  for (const auto& m : r.message_log) {
    CAPTURE(m.round, r.node_names[m.src], r.node_names[m.dst]);
    CHECK(m.bytes == 40);
    const SimTime round_start = m.round * per_round;
    const bool up = r.node_names[m.dst] == "server";
    const SimTime send = up ? round_start + compute : round_start + first;
    CHECK(m.t_send == send);
    CHECK(m.t_flow == send + 10 * kUs);
    CHECK(m.t_done == send + transfer);
  }
  CHECK(r.bytes_up == 5 * 2 * 40);
  CHECK(r.bytes_down == 5 * 2 * 40);
  CHECK(r.messages == 20);
  // bits per worker: d * 32 each way per round
  CHECK(r.trace[5].bits_up == 5 * 320.0);
  CHECK(r.trace[5].bits_down == 5 * 320.0);
}

TEST_CASE("a constraining server downlink shared by both uploads doubles their transfer",
          "[simulation][time]") {
  // The server's downlink (switch -> server) carries both 40 B uploads at 125000 B/s shared
  // max-min: 62500 B/s each, 640 us; its uplink stays infinite, so downloads are unchanged.
  const RunResult r = run(scenario_from(tiny_star("[network.server]\ndownlink = \"1 Mbps\"\n")));
  const SimTime compute = 1 * kMs;
  const SimTime upload = 10 * kUs + 640 * kUs;
  const SimTime download = 10 * kUs + 320 * kUs;
  const SimTime first = compute + upload;
  const SimTime per_round = download + compute + upload;
  for (std::int64_t t = 1; t <= 5; ++t) {
    CAPTURE(t);
    CHECK(r.trace[static_cast<std::size_t>(t)].time_s == time_to_seconds(first + (t - 1) * per_round));
  }
  for (const auto& m : r.message_log)
    CHECK(m.t_done - m.t_send == (r.node_names[m.dst] == "server" ? upload : download));
}

TEST_CASE("a header and a slow worker shift the clock as the protocol says", "[simulation][time]") {
  // header_bytes = 85: 125 B per message = 1 ms at 1 Mbps. Worker 1 computes for 3 ms: the
  // server waits for it, and the round length follows the slowest worker.
  const RunResult r = run(scenario_from(tiny_star("[[workers]]\nids = [1]\ngradient_time = \"3 ms\"\n"),
                                        {{"network.header_bytes", "85"}}));
  const SimTime transfer = 10 * kUs + 1 * kMs;
  const SimTime first = 3 * kMs + transfer;
  const SimTime per_round = transfer + 3 * kMs + transfer;
  for (std::int64_t t = 1; t <= 5; ++t)
    CHECK(r.trace[static_cast<std::size_t>(t)].time_s == time_to_seconds(first + (t - 1) * per_round));
  // bits ignore headers (the paper's accounting counts payload only)
  CHECK(r.trace[1].bits_up == 320.0);
  CHECK(r.bytes_up == 5 * 2 * 125);
}

TEST_CASE("EF21's initial dense gradients cost time but no bits", "[simulation][time][bits]") {
  const RunResult r = run(scenario_from(
      tiny_star(),
      {{"algorithm.kind", "\"ef21\""}, {"compressor.kind", "\"top-k\""}, {"compressor.k", "1"}}));
  // Round 0 uploads g_i^0 dense (40 B); later rounds one value (4 B at 32 bits, no index).
  for (const auto& m : r.message_log) {
    if (r.node_names[m.dst] != "server") continue;
    CAPTURE(m.round);
    CHECK(m.bytes == (m.round == 0 ? 40u : 4u));
  }
  for (const auto& row : r.trace) CHECK(row.bits_up == static_cast<double>(row.round) * 32.0);
  CHECK(r.trace[1].time_s == time_to_seconds(1 * kMs + 330 * kUs));
}

TEST_CASE("a grad_norm_sq target stops at the first row below it", "[simulation][stop]") {
  const std::string text = base_scenario("ef21");
  const RunResult full = run(scenario_from(text, {{"run.rounds", "400"}}));
  REQUIRE(full.status == RunStatus::max_rounds);
  const double target = full.trace.front().grad_norm_sq * 0.05;
  std::int64_t expected = -1;
  for (const auto& row : full.trace)
    if (row.grad_norm_sq <= target) {
      expected = row.round;
      break;
    }
  REQUIRE(expected > 0);
  REQUIRE(expected < 400);
  CAPTURE(target, expected);

  const RunResult r =
      run(scenario_from(text, {{"run.rounds", "400"}, {"run.stop.grad_norm_sq", fmt::format("{}", target)}}));
  CHECK(r.status == RunStatus::converged);
  CHECK(r.rounds == expected);
  REQUIRE(r.targets.size() == 1);
  CHECK(r.targets[0].name == "grad_norm_sq");
  REQUIRE(r.targets[0].round);
  CHECK(*r.targets[0].round == expected);
  CHECK(*r.targets[0].time_s == r.trace.back().time_s);
  CHECK(*r.targets[0].bits_up == r.trace.back().bits_up);
  CHECK(r.trace.back().round == expected);
  CHECK(r.trace.size() == static_cast<std::size_t>(expected + 1));
  for (std::size_t i = 0; i < r.trace.size(); ++i)
    CHECK(r.trace[i].grad_norm_sq == full.trace[i].grad_norm_sq);

  // The relative target is the same threshold expressed against ||grad f(x^0)||^2.
  const RunResult rel =
      run(scenario_from(text, {{"run.rounds", "400"}, {"run.stop.grad_norm_sq_relative", "0.05"}}));
  CHECK(rel.status == RunStatus::converged);
  std::int64_t expected_rel = -1;
  for (const auto& row : full.trace)
    if (row.grad_norm_sq <= 0.05 * full.trace.front().grad_norm_sq) {
      expected_rel = row.round;
      break;
    }
  CHECK(rel.rounds == expected_rel);

  // With thinning, the stop row is still recorded.
  const RunResult thin = run(scenario_from(text, {{"run.rounds", "400"},
                                                  {"run.metrics_every", "1000"},
                                                  {"run.stop.grad_norm_sq", fmt::format("{}", target)}}));
  CHECK(thin.status == RunStatus::converged);
  CHECK(rounds_of(thin) == std::vector<std::int64_t>{0, expected});
}

TEST_CASE("a sim_time budget ends the run with status time_limit", "[simulation][stop]") {
  const std::string text = base_scenario("ef21");
  const RunResult full = run(scenario_from(text));
  REQUIRE(full.trace.size() == 61);
  // A budget between the times of x^20 and x^21.
  const double t20 = full.trace[20].time_s, t21 = full.trace[21].time_s;
  REQUIRE(t20 < t21);
  const double budget = (t20 + t21) / 2;
  const RunResult r =
      run(scenario_from(text, {{"run.stop.sim_time", fmt::format("\"{} us\"", budget * 1e6)}}));
  CHECK(r.status == RunStatus::time_limit);
  CHECK(r.rounds == 20);
  CHECK(r.trace.back().round == 20);
  CHECK(r.trace.size() == 21);
  for (const auto& row : r.trace) CHECK(row.time_s <= budget);
  CHECK(r.final_row.time_s == t20);
}

TEST_CASE("a bits_up budget ends the run with status bits_limit", "[simulation][stop]") {
  // k = 2 values of 32 bits per round: 64 bits per worker per round; 640 bits at x^10.
  const RunResult r = run(scenario_from(base_scenario("ef21"), {{"run.stop.bits_up", "600"}}));
  CHECK(r.status == RunStatus::bits_limit);
  CHECK(r.rounds == 10);
  CHECK(r.trace.back().bits_up == 640.0);
}

TEST_CASE("a diverging run stops with status diverged and keeps its finite rows", "[simulation][stop]") {
  const int every = GENERATE(1, 3);
  CAPTURE(every);
  const RunResult r = run(scenario_from(base_scenario("gd"), {{"algorithm.stepsize", "1e6"},
                                                              {"problem.kind", "\"least-squares\""},
                                                              {"run.rounds", "1000"},
                                                              {"run.metrics_every", std::to_string(every)}}));
  CHECK(r.status == RunStatus::diverged);
  REQUIRE(r.diverged_at);
  CHECK(*r.diverged_at < 1000);
  CHECK(r.rounds == *r.diverged_at - 1);
  REQUIRE(!r.trace.empty());
  CHECK(r.trace.back().round == *r.diverged_at - 1);
  for (const auto& row : r.trace) {
    CHECK(std::isfinite(row.f));
    CHECK(std::isfinite(row.grad_norm_sq));
    CHECK(std::isfinite(row.time_s));
  }
  for (std::size_t i = 0; i + 1 < r.trace.size(); ++i) CHECK(r.trace[i].round % every == 0);
  CHECK(std::isfinite(r.final_row.f));
  CHECK(r.final_row.round == r.rounds);
}

TEST_CASE("metrics_every keeps every k-th iterate and the last", "[simulation][trace]") {
  const std::string text = base_scenario("ef21");
  const RunResult full = run(scenario_from(text, {{"run.rounds", "30"}}));
  const RunResult thin = run(scenario_from(text, {{"run.rounds", "30"}, {"run.metrics_every", "7"}}));
  CHECK(rounds_of(thin) == std::vector<std::int64_t>{0, 7, 14, 21, 28, 30});
  for (const auto& row : thin.trace) {
    const TraceRow& same = full.trace[static_cast<std::size_t>(row.round)];
    CHECK(row.f == same.f);
    CHECK(row.grad_norm_sq == same.grad_norm_sq);
    CHECK(row.time_s == same.time_s);
    CHECK(row.bits_up == same.bits_up);
  }
  CHECK(thin.status == RunStatus::max_rounds);
  CHECK(thin.final_row.round == 30);
  // rounds = 28, a multiple: the last row appears once
  const RunResult exact = run(scenario_from(text, {{"run.rounds", "28"}, {"run.metrics_every", "7"}}));
  CHECK(rounds_of(exact) == std::vector<std::int64_t>{0, 7, 14, 21, 28});
}

TEST_CASE("rows whose f was deferred have the f of a run that computes it every round",
          "[simulation][trace]") {
  // metrics_every = 7 defers f in six rounds of seven; the rows written anyway (a stop
  // target, a time limit, the last finite row before divergence) must not show it.
  const std::string text = base_scenario("ef21");
  const RunResult full = run(scenario_from(text, {{"run.rounds", "400"}}));
  const auto same_row = [&](const TraceRow& row, const RunResult& reference) {
    const TraceRow& ref = reference.trace.at(static_cast<std::size_t>(row.round));
    CHECK(std::memcmp(&row.f, &ref.f, sizeof row.f) == 0);
    CHECK(row.grad_norm_sq == ref.grad_norm_sq);
  };
  SECTION("stop target") {
    const double target = full.trace[52].grad_norm_sq;
    const RunResult r = run(scenario_from(
        text, {{"run.metrics_every", "7"}, {"run.stop.grad_norm_sq", fmt::format("{:.17g}", target)}}));
    REQUIRE(r.status == RunStatus::converged);
    REQUIRE(r.rounds % 7 != 0);
    same_row(r.final_row, full);
    same_row(r.trace.back(), full);
  }
  SECTION("time limit: the final row is the round before the one that stopped the run") {
    const double budget = (full.trace[20].time_s + full.trace[21].time_s) / 2;
    const RunResult r = run(scenario_from(
        text, {{"run.metrics_every", "7"}, {"run.stop.sim_time", fmt::format("\"{} us\"", budget * 1e6)}}));
    REQUIRE(r.status == RunStatus::time_limit);
    REQUIRE(r.rounds == 20);
    same_row(r.final_row, full);
    same_row(r.trace.back(), full);
  }
  SECTION("divergence of a logistic loss") {
    // L2-regularised logistic regression with a huge step: x grows ~1e5-fold a round until
    // ||x||^2 overflows. f goes to +inf while every deferred round still had to prove it finite.
    const std::vector<Override> diverging{
        {"algorithm.kind", "\"gd\""}, {"algorithm.stepsize", "1e6"}, {"problem.kind", "\"logreg\""}};
    std::vector<Override> every1 = diverging, every7 = diverging;
    every7.push_back({"run.metrics_every", "7"});
    const RunResult reference = run(scenario_from(text, every1));
    const RunResult r = run(scenario_from(text, every7));
    REQUIRE(reference.status == RunStatus::diverged);
    REQUIRE(r.status == RunStatus::diverged);
    CHECK(r.diverged_at == reference.diverged_at);
    REQUIRE(r.rounds == reference.rounds);
    REQUIRE(r.rounds % 7 != 0);
    CHECK(std::isfinite(r.final_row.f));
    same_row(r.final_row, reference);
    same_row(r.trace.back(), reference);
  }
}

TEST_CASE("rounds = 0 records x^0 only", "[simulation][trace]") {
  const RunResult r = run(scenario_from(base_scenario("ef21"), {{"run.rounds", "0"}}));
  CHECK(r.status == RunStatus::max_rounds);
  CHECK(rounds_of(r) == std::vector<std::int64_t>{0});
  CHECK(r.trace[0].time_s == 0.0);
  CHECK(r.trace[0].bits_up == 0.0);
}

TEST_CASE("two simulations in one process do not interact", "[simulation][determinism]") {
  const Scenario a = scenario_from(base_scenario("ef21"));
  const Scenario b = scenario_from(base_scenario("ef"));
  const RunResult alone = run(a);
  Simulation sa(a), sb(b);
  const RunResult rb = sb.run();
  const RunResult ra = sa.run();
  CHECK(format_trace_csv(ra.trace) == format_trace_csv(alone.trace));
  CHECK(format_trace_csv(rb.trace) != format_trace_csv(ra.trace));
}
