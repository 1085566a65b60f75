// Cross-device runs (issue 13): `participation.clients` draws exactly that many workers a
// round, and `run.evaluate = "trace-rows"` evaluates f and grad f only at the rows trace.csv
// writes, so a round costs its participants only. The rows written must be the every-round
// run's rows bit for bit, including rows that turn out to be written (a stop, a time limit).
#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "models/support/input_error.hpp"
#include "tests/sim/cluster/cluster_test_support.hpp"

using namespace ef21::sim;
using ef21::test::run;
using ef21::test::scenario_from;

namespace {

/// 300 clients with 2 sparse rows each, 12 a round, EF21 Top-3 on a star.
std::string clients_scenario() {
  return R"(
[run]
name = "clients"
rounds = 60
seed = 5
metrics_every = 7
[data]
source = "synthetic"
workers = 300
[data.synthetic]
rows = 600
dim = 80
density = 0.05
heterogeneity = 0.5
[algorithm]
kind = "ef21"
stepsize = 0.4
[participation]
clients = 12
[compressor]
kind = "top-k"
k = 3
[network]
topology = "star"
uplink = "10 Mbps"
downlink = "50 Mbps"
latency = "5 ms"
)";
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void require_same_row(const TraceRow& a, const TraceRow& b) {
  CAPTURE(a.round, b.round);
  REQUIRE(a.round == b.round);
  REQUIRE(same_bits(a.time_s, b.time_s));
  REQUIRE(same_bits(a.bits_up, b.bits_up));
  REQUIRE(same_bits(a.bits_down, b.bits_down));
  REQUIRE(same_bits(a.f, b.f));
  REQUIRE(same_bits(a.grad_norm_sq, b.grad_norm_sq));
}

const TraceRow& row_at(const RunResult& r, std::int64_t round) {
  for (const TraceRow& row : r.trace)
    if (row.round == round) return row;
  FAIL("no row for round " << round);
  return r.trace.front();
}

}  // namespace

TEST_CASE("run.evaluate = trace-rows writes the every-round run's rows bit for bit",
          "[simulation][clients]") {
  const std::string text = clients_scenario();
  const RunResult every = run(scenario_from(text));
  const RunResult rows = run(scenario_from(text, {{"run.evaluate", "\"trace-rows\""}}));
  REQUIRE(every.status == RunStatus::max_rounds);
  REQUIRE(rows.status == RunStatus::max_rounds);
  REQUIRE(every.trace.size() == rows.trace.size());
  REQUIRE(every.trace.size() == 10);  // 0, 7, ..., 56 and the last, 60
  for (std::size_t t = 0; t < every.trace.size(); ++t) require_same_row(every.trace[t], rows.trace[t]);
  require_same_row(every.final_row, rows.final_row);
  CHECK(every.bytes_up == rows.bytes_up);
  CHECK(every.messages == rows.messages);
  // Uploads: 300 in round 0, then 12 in each of rounds 1-59; the broadcast after each of
  // rounds 0-59 goes to the next round's 12 (the run stops as it holds x^60).
  CHECK(rows.messages == 300 + 12 * 59 + 12 * 60);
}

TEST_CASE("trace-rows: a row that turns out to be written is evaluated then, to the same bits",
          "[simulation][clients]") {
  const std::string text = clients_scenario();
  const RunResult every = run(scenario_from(text, {{"run.metrics_every", "1"}}));
  REQUIRE(every.trace.size() == 61);

  SECTION("a time limit ends the trace with the round before it, not a multiple of metrics_every") {
    const double t23 = every.trace[23].time_s, t24 = every.trace[24].time_s;
    REQUIRE(t23 < t24);
    const std::string budget = fmt::format("\"{} us\"", (t23 + t24) / 2 * 1e6);
    const RunResult r =
        run(scenario_from(text, {{"run.evaluate", "\"trace-rows\""}, {"run.stop.sim_time", budget}}));
    CHECK(r.status == RunStatus::time_limit);
    REQUIRE(r.trace.back().round == 23);
    require_same_row(every.trace[23], r.trace.back());
    require_same_row(every.trace[23], r.final_row);
  }
  SECTION("a grad_norm_sq target is checked at the written rows") {
    // A target the every-round run meets between two rows of the thinned trace.
    const double target = every.trace[30].grad_norm_sq;
    const std::string value = fmt::format("{}", target);
    const RunResult each = run(scenario_from(text, {{"run.stop.grad_norm_sq", value}}));
    const RunResult r =
        run(scenario_from(text, {{"run.evaluate", "\"trace-rows\""}, {"run.stop.grad_norm_sq", value}}));
    REQUIRE(each.status == RunStatus::converged);
    REQUIRE(r.status == RunStatus::converged);
    const std::int64_t met = each.trace.back().round;
    CAPTURE(met);
    // trace-rows meets it at the first row of 0, 7, 14, ... at or after one below the target.
    std::int64_t expected = -1;
    for (std::int64_t t = 0; t <= 60 && expected < 0; t += 7)
      if (every.trace[static_cast<std::size_t>(t)].grad_norm_sq <= target) expected = t;
    REQUIRE(expected >= met);
    CHECK(r.trace.back().round == expected);
    require_same_row(every.trace[static_cast<std::size_t>(expected)], r.trace.back());
    require_same_row(row_at(each, met), every.trace[static_cast<std::size_t>(met)]);
  }
}

TEST_CASE("participation.clients: one of clients or fraction, at most n", "[scenario][clients]") {
  const std::string text = clients_scenario();
  CHECK(scenario_from(text).algorithm.participation.per_round(300) == 12);
  CHECK_THROWS_WITH(scenario_from(text, {{"participation.fraction", "0.5"}}),
                    Catch::Contains("either `participation.fraction` or `participation.clients`"));
  CHECK_THROWS_AS(scenario_from(text, {{"participation.clients", "301"}}), ef21::InputError);
  CHECK_THROWS_AS(scenario_from(text, {{"participation.clients", "0"}}), ef21::InputError);
  CHECK_THROWS_WITH(scenario_from(text, {{"run.evaluate", "\"sometimes\""}}), Catch::Contains("every-round"));
  // clients = n: everyone, every round (no draw).
  const RunResult all = run(scenario_from(text, {{"participation.clients", "300"}, {"run.rounds", "3"}}));
  CHECK(all.messages == 2 * 300 * 3);  // rounds 0-2 upload, and each is followed by a broadcast
}
