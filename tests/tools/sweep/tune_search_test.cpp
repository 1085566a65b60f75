// `ef21sim tune`'s search (tools/ef21sim/tune_search.hpp) on cost functions of the exponent
// e = log2(value / start): the x2 ladder, its direction and bound, refinement by halved
// log-steps, +inf plateaus, and that refinement never makes the pick worse.
// Randomized: prints its seed; set EF21SIM_TEST_SEED to replay.
#include "tools/ef21sim/tune_search.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <random>
#include <set>

using namespace ef21;
using namespace ef21::cli;

namespace {

/// Runs the search to the end; returns the exponents evaluated, in order.
std::vector<double> drive(TuneSearch& search, const std::function<Standing(double)>& cost) {
  std::vector<double> order;
  const double per = static_cast<double>(search.ticks_per_doubling());
  while (!search.done()) {
    const std::vector<std::int64_t> batch = search.pending();
    for (const auto t : batch) {
      order.push_back(static_cast<double>(t) / per);
      search.report(t, cost(static_cast<double>(t) / per));
    }
  }
  return order;
}

double exponent(const TuneSearch& s) {
  return static_cast<double>(*s.best()) / static_cast<double>(s.ticks_per_doubling());
}

Standing reached(double cost) { return {0, cost, 0.0}; }

}  // namespace

TEST_CASE("the ladder climbs by x2 while it improves, then refinement halves the log-step", "[tune]") {
  const auto cost = [](double e) { return reached((e - 8.3) * (e - 8.3)); };
  TuneSearch ladder(0, 20);
  CHECK(drive(ladder, cost) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(exponent(ladder) == 8);
  TuneSearch refined(2, 20);
  const auto order = drive(refined, cost);
  // Round 1 tries 8 -/+ 1/2 (x/sqrt 2, x sqrt 2): 8.5 wins; round 2 tries 8.5 -/+ 1/4.
  CHECK(std::vector<double>(order.begin() + 10, order.end()) == std::vector<double>{7.5, 8.5, 8.25, 8.75});
  CHECK(exponent(refined) == 8.25);
}

TEST_CASE("the ladder goes down when x2 does not improve, and stops at the first step that does not",
          "[tune]") {
  const auto cost = [](double e) { return reached(std::abs(e + 3)); };
  TuneSearch s(0, 20);
  CHECK(drive(s, cost) == std::vector<double>{0, 1, -1, -2, -3, -4});
  CHECK(exponent(s) == -3);
  // Equal is not better: on a flat cost the ladder does not move; ties go to the smaller value,
  // so refinement looks around e = -1.
  TuneSearch flat(1, 20);
  CHECK(drive(flat, [](double) { return reached(5); }) == std::vector<double>{0, 1, -1, -1.5, -0.5});
  CHECK(exponent(flat) == -1.5);
}

TEST_CASE("runs that never reach the target lead the ladder by how close they ended", "[tune]") {
  // Below e = 5 the runs stop at max_rounds, closer to the target as e grows (the paper's EF21
  // on mushrooms: small multipliers are too slow); from 5 they reach it, best at 7; from 10 on
  // they diverge.
  const auto cost = [](double e) -> Standing {
    if (e >= 10) return {2, -100.0 / e, 0.0};
    if (e < 5) return {1, std::pow(10.0, -e), 0.0};
    return reached(std::abs(e - 7) + 1);
  };
  TuneSearch s(0, 20);
  CHECK(drive(s, cost) == std::vector<double>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  CHECK(exponent(s) == 7);
  // Starting too large: everything diverges above 2, later for smaller values.
  const auto diverging = [](double e) -> Standing {
    if (e > 2) return {2, -1.0 / e, 0.0};
    return reached(std::abs(e - 1) + 1);
  };
  // Start at e = 4 of that cost: the search begins in the diverging region and walks down.
  TuneSearch down(0, 20);
  CHECK(drive(down, [&](double e) { return diverging(e + 4); }) == std::vector<double>{0, 1, -1, -2, -3, -4});
  CHECK(exponent(down) + 4 == 1);
}

TEST_CASE("a ladder that starts at e = s is the ladder from 0 shifted by s", "[tune]") {
  // tune's automatic start (tools/ef21sim/tune_start.hpp) begins at a whole exponent s.
  const auto cost = [](double e) { return reached((e - 8.3) * (e - 8.3)); };
  TuneSearch up(0, 20, 4);
  CHECK(drive(up, cost) == std::vector<double>{4, 5, 6, 7, 8, 9});
  CHECK(exponent(up) == 8);
  TuneSearch down(1, 20, 11);  // down from 11, then refinement around 8
  CHECK(drive(down, cost) == std::vector<double>{11, 12, 10, 9, 8, 7, 7.5, 8.5});
  CHECK(exponent(down) == 8.5);
  for (int s = -5; s <= 5; ++s) {  // the same costs seen from anywhere: the same path, shifted
    TuneSearch from0(2, 6), froms(2, 6, s);
    std::vector<double> shifted = drive(from0, [&](double e) { return cost(e + s); });
    for (double& e : shifted) e += s;
    CHECK(drive(froms, cost) == shifted);
    CHECK(exponent(froms) == exponent(from0) + s);
  }
}

TEST_CASE("the ladder stops at the bound, and failures are not refined", "[tune]") {
  TuneSearch s(1, 3);
  CHECK(drive(s, [](double e) { return reached(-e); }) == std::vector<double>{0, 1, 2, 3, 2.5, 3.5});
  CHECK(exponent(s) == 3.5);
  TuneSearch failing(2, 20);
  CHECK(drive(failing, [](double) { return Standing{}; }) == std::vector<double>{0, 1, -1});
  CHECK(exponent(failing) == -1);
}

TEST_CASE("refinement never picks worse than the ladder, and the pick is the best evaluated", "[tune]") {
  const unsigned seed =
      std::getenv("EF21SIM_TEST_SEED")
          ? static_cast<unsigned>(std::strtoul(std::getenv("EF21SIM_TEST_SEED"), nullptr, 10))
          : std::random_device{}();
  std::cout << "tune_search_test: seed " << seed << " (set EF21SIM_TEST_SEED to replay)\n";
  INFO("seed " << seed);
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 200; ++trial) {
    // A random cost: a bowl in log2 space with noise, unreachable beyond random limits.
    std::uniform_real_distribution<double> u(-6, 6), noise(0, 0.3);
    const double center = u(rng), low = center - 2 - noise(rng) * 10, high = center + 2 + noise(rng) * 10;
    std::map<double, Standing> memo;
    auto cost = [&](double e) {
      if (!memo.count(e)) {
        if (e < low)
          memo[e] = {1, low - e, 0.0};
        else if (e > high)
          memo[e] = {2, -1.0 / (1 + e - high), 0.0};
        else
          memo[e] = reached((e - center) * (e - center) + noise(rng));
      }
      return memo[e];
    };
    TuneSearch ladder(0, 20), refined(2, 20);
    drive(ladder, cost);
    drive(refined, cost);
    const Standing picked = refined.evaluated().at(*refined.best());
    CHECK(!(ladder.evaluated().at(*ladder.best()) < picked));
    for (const auto& [ticks, st] : refined.evaluated()) CHECK(!(st < picked));
    CHECK(refined.evaluated().size() <= ladder.evaluated().size() + 4);
  }
}
