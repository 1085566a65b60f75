// The sweep's grid: top-level comma splitting, key validation, expansion order, run names,
// --shard specs.
#include "tools/ef21sim/sweep_grid.hpp"

#include <catch2/catch.hpp>

#include "models/support/input_error.hpp"

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
  const std::vector<GridAxis> axes{parse_grid_axis("algorithm.kind=ef,ef21"),
                                   parse_grid_axis("algorithm.multiplier=1,8"), parse_seed_axis("2..3")};
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

TEST_CASE("a shard spec is I/N with 0 <= I < N", "[sweep]") {
  const Shard s = parse_shard("2/3");
  CHECK(s.index == 2);
  CHECK(s.count == 3);
  CHECK(s.takes(2));
  CHECK(s.takes(5));
  CHECK(!s.takes(3));
  CHECK(parse_shard("0/1").takes(7));
  for (const char* bad : {"3/3", "1/0", "1", "a/3", "-1/3", "1/3/4", "", "/3", "1/"})
    CHECK_THROWS_AS(parse_shard(bad), InputError);
}
