// What each round bills (DESIGN §7, the paper's accounting by default) and the Federation's
// independence from the thread count (DESIGN §8).
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "tests/models/algorithms/algorithm_test_support.hpp"

using MethodKind = std::string;
using CompressorKind = std::string;
using ef21::compressors::IndexBits;

namespace {

const std::vector<MethodKind> kAllMethods{"gd", "ef", "ef21", "ef21-plus"};

/// bits_up after the record of round t: the sum of billed payloads of rounds 0..t, per worker.
std::uint64_t bits_up(const std::vector<ef21::test::RoundRecord>& records, std::size_t t,
                      std::size_t worker) {
  std::uint64_t bits = 0;
  for (std::size_t s = 0; s <= t; ++s)
    if (records[s].outputs[worker].billed) bits += records[s].outputs[worker].payload_bits;
  return bits;
}

}  // namespace

TEST_CASE("Paper accounting: round 0 free, then k*32 per round (GD d*32)", "[bits]") {
  const std::uint64_t seed = ef21::test::test_seed(901);
  CAPTURE(seed);
  const Eigen::Index d = 10;
  const std::int64_t k = 3;
  const auto problem = ef21::test::make_federated_problem(seed, 36, d, 3);
  for (MethodKind method : kAllMethods) {
    CAPTURE(method);
    // A large step so that EF21+ also takes Markov rounds (dense increments, still k values).
    const ef21::test::RunConfig config =
        ef21::test::top_k_run(problem, method, k, method == "ef21-plus" ? 64.0 : 4.0, seed, 12);
    const auto records = ef21::test::record_run(problem, config, Eigen::VectorXd::Zero(d));
    const std::uint64_t per_round = (method == "gd" ? d : k) * 32;
    for (std::size_t t = 0; t < records.size(); ++t) {
      CAPTURE(t);
      for (std::size_t i = 0; i < problem.workers(); ++i) {
        const auto& out = records[t].outputs[i];
        CHECK(out.billed == (t > 0));
        if (t > 0) CHECK(out.payload_bits == per_round);
        // The oracle's trace: row t has bits_up = t * k * 32 (GD t * d * 32).
        CHECK(bits_up(records, t, i) == t * per_round);
      }
    }
    // Round 0 of EF21 and EF21+ is the exact gradient, dense: its (unbilled) size is d*32.
    if (method == "ef21" || method == "ef21-plus" || method == "gd")
      CHECK(records[0].outputs[0].payload_bits == static_cast<std::uint64_t>(d) * 32u);
  }
}

TEST_CASE("bill_initialization bills round 0, index bits add per entry except for dense payloads", "[bits]") {
  const std::uint64_t seed = ef21::test::test_seed(902);
  CAPTURE(seed);
  const Eigen::Index d = 10;  // ceil(log2 10) = 4 index bits
  const std::int64_t k = 3;
  const auto problem = ef21::test::make_federated_problem(seed, 20, d, 2);
  for (MethodKind method : kAllMethods) {
    CAPTURE(method);
    ef21::test::RunConfig config = ef21::test::top_k_run(problem, method, k, 1.0, seed, 3);
    config.accounting.bill_initialization = true;
    config.accounting.index_mode = IndexBits::log2d;
    const auto records = ef21::test::record_run(problem, config, Eigen::VectorXd::Zero(d));
    const bool dense_every_round = method == "gd";
    const std::uint64_t compressed = dense_every_round ? d * 32u : k * (32u + 4u);
    // Round 0: EF21/EF21+/GD send d values with no index bits; EF sends a compressed message.
    const std::uint64_t round0 = method == "ef" ? k * (32u + 4u) : d * 32u;
    for (std::size_t i = 0; i < problem.workers(); ++i) {
      CHECK(records[0].outputs[i].billed);
      CHECK(records[0].outputs[i].payload_bits == round0);
      for (std::size_t t = 1; t < records.size(); ++t) {
        CHECK(records[t].outputs[i].billed);
        CHECK(records[t].outputs[i].payload_bits == compressed);
      }
    }
  }
}

TEST_CASE("Top-k with k = d is billed as dense d*32 (no index bits) every round", "[bits]") {
  const auto problem = ef21::test::make_federated_problem(5, 20, 6, 2);
  ef21::test::RunConfig config;
  config.method = "ef21";
  config.compressor = {"top-k", 6, {}};
  config.accounting.index_mode = IndexBits::log2d;
  config.gamma = ef21::test::theory_gamma(problem, "ef21", 6);
  config.rounds = 3;
  const auto records = ef21::test::record_run(problem, config, Eigen::VectorXd::Zero(6));
  for (std::size_t t = 1; t < records.size(); ++t) CHECK(records[t].outputs[0].payload_bits == 6u * 32u);
}

TEST_CASE("Federation results are bitwise identical for 1, 2 and 3 threads", "[federation]") {
  // 7 workers: not a multiple of 2 or 3 threads, nor of the pool's chunk size of 4. Rand-k
  // makes every worker draw from its own stream, the case where a shared or order-dependent
  // stream would show.
  const std::uint64_t seed = ef21::test::test_seed(903);
  CAPTURE(seed);
  const Eigen::Index d = 12;
  const auto problem = ef21::test::make_federated_problem(seed, 75, d, 7);
  const Eigen::VectorXd x0 = ef21::test::normal_x0(seed, d);
  for (MethodKind method : kAllMethods) {
    for (CompressorKind compressor : {"top-k", "rand-k"}) {
      CAPTURE(method, compressor);
      ef21::test::RunConfig config;
      config.method = method;
      config.compressor = {compressor, 3, {}};
      config.gamma = ef21::test::theory_gamma(problem, method, 3, 4.0);
      config.seed = seed;
      config.rounds = 25;
      config.threads = 1;
      const auto one = ef21::test::record_run(problem, config, x0);
      for (std::size_t threads : {2u, 3u}) {
        CAPTURE(threads);
        config.threads = threads;
        const auto many = ef21::test::record_run(problem, config, x0);
        REQUIRE(many.size() == one.size());
        for (std::size_t t = 0; t < one.size(); ++t) {
          CAPTURE(t);
          REQUIRE(ef21::test::same_bits(one[t].x, many[t].x));
          REQUIRE(ef21::test::same_bits(one[t].f, many[t].f));
          REQUIRE(ef21::test::same_bits(one[t].grad_norm_sq, many[t].grad_norm_sq));
          for (std::size_t i = 0; i < one[t].outputs.size(); ++i) {
            REQUIRE(one[t].outputs[i].message.indices == many[t].outputs[i].message.indices);
            REQUIRE(ef21::test::same_bits(one[t].outputs[i].message.to_dense(),
                                          many[t].outputs[i].message.to_dense()));
            REQUIRE(one[t].outputs[i].payload_bits == many[t].outputs[i].payload_bits);
          }
        }
      }
    }
  }
}

TEST_CASE("Federation metrics are f = mean f_i and ||mean grad f_i||^2", "[federation]") {
  const auto problem = ef21::test::make_federated_problem(11, 31, 5, 3);
  const Eigen::VectorXd x0 = Eigen::VectorXd::LinSpaced(5, -1.0, 2.0);
  ef21::test::RunConfig config;
  config.method = "gd";
  config.gamma = 0.1;
  config.rounds = 0;
  const auto records = ef21::test::record_run(problem, config, x0);
  double f = 0.0;
  Eigen::VectorXd g = Eigen::VectorXd::Zero(5);
  for (const auto& objective : problem.objectives) {
    Eigen::VectorXd gi(5);
    f += objective.value_and_gradient(x0, gi);
    g += gi;
  }
  // DESIGN §7: the mean of worker means (not the pooled mean over rows: 31 rows are 10/10/11).
  CHECK(records[0].f == Approx(f / 3.0).epsilon(1e-15));
  CHECK(records[0].grad_norm_sq == Approx((g / 3.0).squaredNorm()).epsilon(1e-14));
}

TEST_CASE("Federation sums the workers' gradients in worker order, bit for bit, in blocks of four",
          "[federation]") {
  // 7 workers (one group of four, one of three) and d = 300 (two reduction tasks and a short
  // one with 2 threads): the grouped, parallel sum must make each coordinate's additions in
  // worker order, as the plain loop g += g_i does.
  const std::uint64_t seed = ef21::test::test_seed(917);
  CAPTURE(seed);
  const Eigen::Index d = 300;
  const auto problem = ef21::test::make_federated_problem(seed, 70, d, 7);
  const Eigen::VectorXd x0 = ef21::test::normal_x0(seed, d);
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(d);
  for (const auto& objective : problem.objectives) {
    Eigen::VectorXd gi(d);
    objective.value_and_gradient(x0, gi);
    sum += gi;
  }
  const double expected = (sum / 7.0).squaredNorm();
  for (std::size_t threads : {1u, 2u}) {
    CAPTURE(threads);
    ef21::test::RunConfig config;
    config.method = "gd";
    config.gamma = 0.1;
    config.rounds = 0;
    config.threads = threads;
    const auto records = ef21::test::record_run(problem, config, x0);
    CHECK(ef21::test::same_bits(records[0].grad_norm_sq, expected));
  }
}

TEST_CASE("Every registered method is found by its name and builds", "[method]") {
  for (const std::string& name : ef21::algorithms::method_names()) {
    const auto* info = ef21::algorithms::find_method(name);
    REQUIRE(info != nullptr);
    CHECK(info->name == name);
    CHECK(info->make);
    CHECK(info->theory_stepsize);
  }
  CHECK(ef21::algorithms::find_method("ef21+") == nullptr);
}
