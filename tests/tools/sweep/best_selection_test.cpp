// `ef21sim best` and `tune`'s ranking: standings, the best row per group by bits, bytes, time
// or rounds, the markdown table.
#include "tools/ef21sim/best_selection.hpp"

#include <catch2/catch.hpp>

#include "tools/ef21sim/csv_table.hpp"

using namespace ef21;
using namespace ef21::cli;

namespace {

const char* kTable =
    "algorithm.kind,algorithm.multiplier,run,status,rounds,final_f,min_grad_norm_sq,final_time_s,final_bits_"
    "up,"
    "grad_norm_sq_round,grad_norm_sq_time_s,grad_norm_sq_bits_up,grad_norm_sq_bytes_total,message\n"
    "ef,1,a,max_rounds,10,1,1,1,1,,,,,\n"
    "ef,2,b,converged,8,1,1,1,1,8,0.8,256,900,\n"
    "ef,4,c,converged,6,1,1,1,1,6,0.9,192,1000,\n"
    "ef21,1,d,converged,9,1,1,1,1,9,0.2,288,500,\n"
    "ef21,2,e,error,,,,,,,,,,boom\n"
    "gd,1,f,diverged,3,1,1,1,1,,,,,\n"
    "ef,8,g,converged,6,1,1,1,1,6,0.85,300,1000,\n";

}  // namespace

TEST_CASE("best picks the least cost per group among runs that reach the target", "[sweep]") {
  const CsvTable t = parse_csv(kTable);
  CHECK(default_best_target(t) == "grad_norm_sq");
  auto by_bits = select_best(t, CostKind::bits, {"algorithm.kind"}, "grad_norm_sq");
  CHECK(by_bits.chosen() == std::vector<std::size_t>{2, 3});
  REQUIRE(by_bits.groups.size() == 3);
  CHECK(by_bits.groups[2].values == std::vector<std::string>{"gd"});
  CHECK(!by_bits.groups[2].row);
  auto by_time = select_best(t, CostKind::time, {"algorithm.kind"}, "grad_norm_sq");
  CHECK(by_time.chosen() == std::vector<std::size_t>{1, 3});
  // Rounds: c and g both take 6; the tie goes to the faster (g, 0.85 s against 0.9 s).
  auto by_rounds = select_best(t, CostKind::rounds, {"algorithm.kind"}, "grad_norm_sq");
  CHECK(by_rounds.chosen() == std::vector<std::size_t>{6, 3});
  // Bytes: b sends the fewest; c and g tie on bytes and g is faster.
  auto by_bytes = select_best(t, CostKind::bytes, {"algorithm.kind"}, "grad_norm_sq");
  CHECK(by_bytes.chosen() == std::vector<std::size_t>{1, 3});
  CHECK_THROWS(parse_cost_kind("speed"));
  CHECK(parse_cost_kind("bytes") == CostKind::bytes);
  auto overall = select_best(t, CostKind::time, {}, "grad_norm_sq");
  CHECK(overall.chosen() == std::vector<std::size_t>{3});
  CHECK_THROWS(select_best(t, CostKind::bits, {"run"}, "grad_norm_sq"));
  CHECK_THROWS(select_best(t, CostKind::bits, {}, "bits_up"));
  const std::string md = format_best_markdown(t, by_bits, {"algorithm.kind"});
  CHECK_THAT(md, Catch::Contains("| ef | 4 | c | 6 | 192 | 1000 | 0.9 |"));
  CHECK_THAT(md, Catch::Contains("| gd | — | (none reached the target) | — | — | — | — |"));
}

TEST_CASE("a table without byte columns cannot be ranked by bytes, and says why", "[sweep]") {
  const CsvTable t = parse_csv(
      "k,run,status,rounds,min_grad_norm_sq,grad_norm_sq_round,grad_norm_sq_time_s,grad_norm_sq_bits_up\n"
      "1,a,converged,3,1,3,1,1\n");
  CHECK_THROWS_WITH(select_best(t, CostKind::bytes, {}, "grad_norm_sq"), Catch::Contains("--resume"));
  CHECK(select_best(t, CostKind::bits, {}, "grad_norm_sq").chosen() == std::vector<std::size_t>{0});
}

TEST_CASE("standings order reached < unreached (closer first) < diverged (later first) < failed", "[sweep]") {
  const CsvTable t = parse_csv(kTable);
  const CostColumns c = cost_columns(t, CostKind::bits, "grad_norm_sq");
  const Standing a = standing(t.rows[0], c), b = standing(t.rows[1], c), c4 = standing(t.rows[2], c),
                 e = standing(t.rows[4], c), f = standing(t.rows[5], c);
  CHECK(c4.reached());
  CHECK(c4 < b);       // 192 bits against 256
  CHECK(b < a);        // reached beats never reached
  CHECK(a.tier == 1);  // max_rounds: ranked by its final ||grad f||^2
  CHECK(a < f);        // never reached beats diverged
  CHECK(f.tier == 2);
  CHECK(f.value == -3.0);  // diverged after 3 rounds
  CHECK(f < e);            // diverged beats failed
  CHECK(e.tier == 3);
  CHECK(!(a < a));
  std::vector<std::string> later = t.rows[5];
  later[4] = "30";
  CHECK(standing(later, c) < f);  // diverging later is better
  std::vector<std::string> closer = t.rows[0];
  closer[6] = "0.5";
  CHECK(standing(closer, c) < a);  // ending closer to the target is better
}
