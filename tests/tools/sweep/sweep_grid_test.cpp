// The sweep's grid: top-level comma splitting, key validation, expansion order, run names,
// and the sweep table (summary.json -> row, CSV round trip, best selection).
#include <catch2/catch.hpp>

#include "models/support/input_error.hpp"
#include "tools/ef21sim/sweep_grid.hpp"
#include "tools/ef21sim/sweep_table.hpp"

using namespace ef21;
using namespace ef21::cli;

TEST_CASE("grid values split on top-level commas only", "[sweep]") {
  CHECK(split_top_level("1, 2 ,3", "t") == std::vector<std::string>{"1", "2", "3"});
  CHECK(split_top_level(R"("5 Mbps","a,b",[1,2],{x=1,y=2},'c,d')", "t") ==
        std::vector<std::string>{"\"5 Mbps\"", "\"a,b\"", "[1,2]", "{x=1,y=2}", "'c,d'"});
  CHECK(split_top_level(R"("say \"hi, there\"",2)", "t").size() == 2);
  CHECK_THROWS_AS(split_top_level("1,,2", "t"), InputError);
  CHECK_THROWS_AS(split_top_level("1,", "t"), InputError);
  CHECK_THROWS_AS(split_top_level("\"open", "t"), InputError);
  CHECK_THROWS_AS(split_top_level("[1,2", "t"), InputError);
}

TEST_CASE("a grid axis names a known key and at least one value", "[sweep]") {
  const GridAxis a = parse_grid_axis("network.uplink=\"5 Mbps\",1Gbps");
  CHECK(a.key == "network.uplink");
  REQUIRE(a.values.size() == 2);
  CHECK(a.values[0].toml == "\"5 Mbps\"");
  CHECK(a.values[0].label == "5 Mbps");
  CHECK(a.values[1].label == "1Gbps");
  try {
    parse_grid_axis("compressor.kk=1,2");
    FAIL("accepted an unknown key");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("did you mean `compressor.k`"));
  }
  CHECK_THROWS_AS(parse_grid_axis("compressor.k="), InputError);
  CHECK_THROWS_AS(parse_grid_axis("compressor.k=  "), InputError);
  CHECK_THROWS_AS(parse_grid_axis("compressor.k"), InputError);
  CHECK_THROWS_AS(parse_grid_axis("run.output=a,b"), InputError);
  CHECK_THROWS_AS(parse_grid_axis("workers.uplink=\"1 Gbps\""), InputError);
}

TEST_CASE("seed ranges are inclusive and well formed", "[sweep]") {
  const GridAxis s = parse_seed_axis("3..5");
  CHECK(s.key == "run.seed");
  CHECK(s.column == "seed");
  REQUIRE(s.values.size() == 3);
  CHECK(s.values[2].toml == "5");
  CHECK(parse_seed_axis("7..7").values.size() == 1);
  CHECK_THROWS_AS(parse_seed_axis("5..3"), InputError);
  CHECK_THROWS_AS(parse_seed_axis("1-3"), InputError);
  CHECK_THROWS_AS(parse_seed_axis("a..3"), InputError);
  CHECK_THROWS_AS(check_axes({parse_grid_axis("run.seed=1,2"), parse_seed_axis("1..2")}), InputError);
}

TEST_CASE("the grid expands first axis slowest, with documented names", "[sweep]") {
  const std::vector<GridAxis> axes{parse_grid_axis("algorithm.kind=ef,ef21"), parse_grid_axis("algorithm.multiplier=1,8"),
                                   parse_seed_axis("2..3")};
  const auto points = expand_grid(axes);
  REQUIRE(points.size() == 8);
  CHECK(points[0].name == "algorithm.kind-ef_algorithm.multiplier-1_seed-2");
  CHECK(points[1].name == "algorithm.kind-ef_algorithm.multiplier-1_seed-3");
  CHECK(points[2].name == "algorithm.kind-ef_algorithm.multiplier-8_seed-2");
  CHECK(points[7].name == "algorithm.kind-ef21_algorithm.multiplier-8_seed-3");
  CHECK(point_description(axes, points[7]) == "algorithm.kind=ef21,algorithm.multiplier=8,seed=3");
  const auto o = point_overrides(axes, points[7]);
  REQUIRE(o.size() == 3);
  CHECK(o[2].key == "run.seed");
  CHECK(o[2].value == "3");
}

TEST_CASE("run names are filesystem-safe, bounded and unique", "[sweep]") {
  CHECK(sanitize_name_part("5 Mbps") == "5Mbps");
  CHECK(sanitize_name_part("../data/x.txt") == "..~data~x.txt");
  CHECK(sanitize_name_part("1e-3") == "1e-3");
  CHECK(sanitize_name_part("") == "~");
  const std::vector<GridAxis> dup{parse_grid_axis("compressor.k=1,1")};
  CHECK_THROWS_AS(expand_grid(dup), InputError);
  const std::vector<GridAxis> blanks{parse_grid_axis("network.uplink=\"5 Mbps\",\"5Mbps\"")};
  CHECK_THROWS_AS(expand_grid(blanks), InputError);
  const std::string long_value(300, 'a');
  const std::vector<GridAxis> long_axes{parse_grid_axis("run.name=" + long_value + "," + long_value + "b")};
  const auto points = expand_grid(long_axes);
  REQUIRE(points.size() == 2);
  CHECK(points[0].name.size() == 200);
  CHECK(points[0].name != points[1].name);
}

TEST_CASE("a sweep row copies summary.json's numbers verbatim", "[sweep]") {
  const std::string summary = R"({
  "name": "x",
  "status": "converged",
  "rounds": 120,
  "diverged_at_round": null,
  "final": {"round": 120, "time_s": 0.5, "bits_up": 3840, "bits_down": 1e+05, "f": 0.30000000000000004, "grad_norm_sq": 9.9e-07},
  "targets": [
    {"target": "grad_norm_sq", "value": 1e-06, "reached": true, "round": 120, "time_s": 0.5, "bits_up": 3840}
  ],
  "host": {"wall_seconds": 0.1, "threads": 1, "version": "0.1.0"}
}
)";
  const auto cells = summary_cells("r", summary, {"grad_norm_sq", "bits_up"});
  CHECK(cells == std::vector<std::string>{"r", "converged", "120", "0.30000000000000004", "9.9e-07", "0.5", "3840", "120",
                                          "0.5", "3840", "", "", "", ""});
  CHECK(sweep_header({"k"}, {"grad_norm_sq"}).size() == 1 + 7 + 3 + 1);
  const auto err = error_cells("r", "bad, \"quoted\"\nthing", {"grad_norm_sq"});
  CHECK(err.size() == 7 + 3 + 1);
  CHECK(err[1] == "error");
  CHECK(err.back() == "bad, \"quoted\" thing");
  CHECK_THROWS(summary_cells("r", "{\"x\": 1}", {}));
}

TEST_CASE("CSV written and read back is the same table", "[sweep]") {
  CsvTable t;
  t.header = {"a", "run", "message"};
  t.rows = {{"1", "x", "plain"}, {"\"q\"", "y", "with, comma"}};
  const std::string text = format_csv(t);
  CHECK(text == "a,run,message\n1,x,plain\n\"\"\"q\"\"\",y,\"with, comma\"\n");
  const CsvTable back = parse_csv(text);
  CHECK(back.header == t.header);
  CHECK(back.rows == t.rows);
}

TEST_CASE("best picks the fewest bits (or least time, or fewest rounds) per group among runs that reach the target",
          "[sweep]") {
  CsvTable t = parse_csv(
      "algorithm.kind,algorithm.multiplier,run,status,rounds,final_f,final_grad_norm_sq,final_time_s,final_bits_up,"
      "grad_norm_sq_round,grad_norm_sq_time_s,grad_norm_sq_bits_up,message\n"
      "ef,1,a,max_rounds,10,1,1,1,1,,,,\n"
      "ef,2,b,converged,8,1,1,1,1,8,0.8,256,\n"
      "ef,4,c,converged,6,1,1,1,1,6,0.9,192,\n"
      "ef21,1,d,converged,9,1,1,1,1,9,0.2,288,\n"
      "ef21,2,e,error,,,,,,,,,boom\n"
      "gd,1,f,diverged,3,1,1,1,1,,,,\n"
      "ef,8,g,converged,6,1,1,1,1,6,0.85,300,\n");
  CHECK(default_best_target(t) == "grad_norm_sq");
  auto by_bits = select_best(t, "bits", {"algorithm.kind"}, "grad_norm_sq");
  CHECK(by_bits.chosen() == std::vector<std::size_t>{2, 3});
  REQUIRE(by_bits.groups.size() == 3);
  CHECK(by_bits.groups[2].values == std::vector<std::string>{"gd"});
  CHECK(!by_bits.groups[2].row);
  auto by_time = select_best(t, "time", {"algorithm.kind"}, "grad_norm_sq");
  CHECK(by_time.chosen() == std::vector<std::size_t>{1, 3});
  // Rounds: c and g both take 6; the tie goes to the faster (g, 0.85 s against 0.9 s).
  auto by_rounds = select_best(t, "rounds", {"algorithm.kind"}, "grad_norm_sq");
  CHECK(by_rounds.chosen() == std::vector<std::size_t>{6, 3});
  CHECK_THROWS(select_best(t, "speed", {"algorithm.kind"}, "grad_norm_sq"));
  auto overall = select_best(t, "time", {}, "grad_norm_sq");
  CHECK(overall.chosen() == std::vector<std::size_t>{3});
  CHECK_THROWS(select_best(t, "bits", {"run"}, "grad_norm_sq"));
  CHECK_THROWS(select_best(t, "bits", {}, "bits_up"));
  const std::string md = format_best_markdown(t, by_bits, {"algorithm.kind"});
  CHECK_THAT(md, Catch::Contains("| ef | 4 | c | 6 | 192 | 0.9 |"));
  CHECK_THAT(md, Catch::Contains("| gd | — | (none reached the target) | — | — | — |"));
}
