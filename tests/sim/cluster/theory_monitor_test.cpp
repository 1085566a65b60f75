// The running mean of ||grad f||^2 and the check of a run against its method's guarantee
// (sim/cluster/theory_monitor.hpp), against naive recomputations from the trace; the bound on
// the EF21 paper's scenarios; the interrupt flag (Simulation::stop_when).
#include "sim/cluster/theory_monitor.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <string>
#include <vector>

#include "models/algorithms/method_registry.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tests/sim/cluster/cluster_test_support.hpp"

namespace {

using ef21::sim::RunResult;
using ef21::sim::TheoryMonitor;

const char* kSynthetic = R"(
[run]
rounds = 120
seed = 4
record_running_mean = true
[data]
workers = 4
[data.synthetic]
rows = 160
dim = 12
[algorithm]
kind = "ef21"
[compressor]
kind = "top-k"
k = 2
)";

struct NaiveCheck {
  std::vector<double> means;  // (1/(t+1)) sum_{s<=t} g_s
  double max_ratio = 0.0;     // max over T of mean_T / (C / T)
};

/// The definition, term by term, from a trace that keeps every round.
NaiveCheck naive(const RunResult& r, double bound_times_T) {
  NaiveCheck out;
  double sum = 0.0;
  for (std::size_t t = 0; t < r.trace.size(); ++t) {
    REQUIRE(r.trace[t].round == static_cast<std::int64_t>(t));  // every round kept
    sum += r.trace[t].grad_norm_sq;
    const double T = static_cast<double>(t + 1);
    out.means.push_back(sum / T);
    out.max_ratio = std::max(out.max_ratio, (sum / T) / (bound_times_T / T));
  }
  return out;
}

}  // namespace

TEST_CASE("The theory monitor keeps the running mean and the largest mean-to-bound ratio", "[theory]") {
  const auto* guarantee = &*ef21::algorithms::find_method("ef21")->guarantee;
  ef21::algorithms::GuaranteeConditions c;
  c.gamma = 0.5;
  c.gamma_theory = 1.0;
  c.f_low = 0.0;
  TheoryMonitor m(guarantee, c);
  const std::vector<double> g{4.0, 1.0, 0.5, 3.0};
  const double f0 = 2.0;  // C = 2 * 2 / 0.5 = 8
  double sum = 0.0;
  for (std::size_t t = 0; t < g.size(); ++t) {
    m.observe(static_cast<std::int64_t>(t), g[t], t == 0 ? f0 : -1.0);
    sum += g[t];
    CHECK(m.running_mean() == sum / static_cast<double>(t + 1));
  }
  const auto check = m.check();
  REQUIRE(check);
  CHECK(check->guarantee == "ef21-theorem-1");
  CHECK(check->applies);
  CHECK(check->bound_times_T == 8.0);
  CHECK(check->iterates == 4);
  CHECK(check->max_mean_to_bound == Approx(8.5 / 8.0));  // above 1: the check can fail
  CHECK(check->max_at_T == 4);

  TheoryMonitor incomplete(guarantee, c);
  incomplete.observe(0, 1.0, f0);
  incomplete.missed(1);
  CHECK(std::isnan(incomplete.running_mean()));
  CHECK_FALSE(incomplete.check()->max_mean_to_bound);
  CHECK_THAT(incomplete.check()->reason, Catch::Matchers::Contains("not checked"));

  TheoryMonitor none(nullptr, c);
  none.observe(0, 1.0, f0);
  CHECK(none.running_mean() == 1.0);
  CHECK_FALSE(none.check());
}

TEST_CASE("trace grad_norm_sq_mean and summary's theory agree with the trace, bit for bit", "[theory]") {
  for (const char* kind : {"ef21", "gd"}) {
    CAPTURE(kind);
    const RunResult r = ef21::test::run(ef21::test::scenario_from(
        kSynthetic, {ef21::sim::parse_override(std::string("algorithm.kind=") + kind)}));
    REQUIRE(r.theory);
    REQUIRE(r.theory->applies);
    REQUIRE(r.theory->bound_times_T);
    CHECK(*r.theory->f0 == r.trace.front().f);
    CHECK(*r.theory->bound_times_T == 2.0 * (r.trace.front().f - 0.0) / r.constants.gamma);
    const NaiveCheck n = naive(r, *r.theory->bound_times_T);
    for (std::size_t t = 0; t < r.trace.size(); ++t) CHECK(r.trace[t].grad_norm_sq_mean == n.means[t]);
    CHECK(*r.theory->max_mean_to_bound == n.max_ratio);
    CHECK(r.theory->iterates == static_cast<std::int64_t>(r.trace.size()));
  }
}

TEST_CASE("Above the theory stepsize the guarantee does not apply and nothing is bounded", "[theory]") {
  const RunResult r = ef21::test::run(
      ef21::test::scenario_from(kSynthetic, {ef21::sim::parse_override("algorithm.multiplier=2")}));
  REQUIRE(r.theory);
  CHECK_FALSE(r.theory->applies);
  CHECK_THAT(r.theory->reason, Catch::Matchers::Contains("by a factor 2"));
  CHECK_FALSE(r.theory->bound_times_T);
  CHECK_FALSE(r.theory->max_mean_to_bound);
}

TEST_CASE("Methods without a guarantee report none", "[theory]") {
  const RunResult r =
      ef21::test::run(ef21::test::scenario_from(kSynthetic, {ef21::sim::parse_override("algorithm.kind=ef"),
                                                             ef21::sim::parse_override("run.rounds=5")}));
  CHECK_FALSE(r.theory);
}

TEST_CASE("EF21 (Theorem 1) and GD keep their bound on the paper scenarios at the theory stepsize",
          "[theory][paper]") {
  // scenarios/paper/*.toml as shipped (Top-1, n = 20, the nonconvex regulariser), 300 rounds.
  for (const char* data : {"mushrooms", "a9a", "w8a"}) {
    for (const char* kind : {"ef21", "gd"}) {
      CAPTURE(data, kind);
      const std::string file = std::string(EF21SIM_SOURCE_DIR) + "/scenarios/paper/" + data + ".toml";
      const ef21::sim::Scenario s =
          ef21::sim::load_scenario(file, {ef21::sim::parse_override(std::string("algorithm.kind=") + kind),
                                          ef21::sim::parse_override("run.rounds=300"),
                                          ef21::sim::parse_override("run.metrics_every=1")});
      const RunResult r = ef21::test::run(s);
      REQUIRE(r.theory);
      REQUIRE(r.theory->applies);
      CHECK(r.theory->gamma == *r.theory->gamma_max);  // multiplier 1
      const NaiveCheck n = naive(r, *r.theory->bound_times_T);
      CHECK(*r.theory->max_mean_to_bound == n.max_ratio);
      CHECK(n.max_ratio <= 1.0);
      CHECK(n.max_ratio > 0.0);
    }
  }
}

TEST_CASE("A set interrupt flag stops the run at the next iterate, status interrupted", "[interrupt]") {
  std::atomic<bool> flag{false};
  ef21::sim::Simulation simulation(ef21::test::scenario_from(kSynthetic));
  simulation.stop_when(&flag);
  const RunResult r = simulation.run([&](const ef21::sim::Progress& p) {
    if (p.round == 5) flag.store(true);
  });
  CHECK(r.status == ef21::sim::RunStatus::interrupted);
  CHECK(r.rounds == 6);
  REQUIRE_FALSE(r.trace.empty());
  CHECK(r.trace.back().round == 6);
  CHECK(r.final_row.round == 6);
  CHECK(std::isfinite(r.final_row.f));

  std::atomic<bool> already{true};  // set before the run: it stops at x^0
  ef21::sim::Simulation early(ef21::test::scenario_from(kSynthetic));
  early.stop_when(&already);
  const RunResult e = early.run();
  CHECK(e.status == ef21::sim::RunStatus::interrupted);
  CHECK(e.rounds == 0);
  CHECK(e.trace.size() == 1);
}
