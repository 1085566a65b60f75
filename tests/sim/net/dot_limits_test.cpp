#include "sim/net/dot_limits.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "models/support/input_error.hpp"

using ef21::InputError;
using ef21::sim::check_dot_limits;
using ef21::sim::kMaxDotNesting;

namespace {

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

InputError limits_error(const std::string& text) {
  try {
    check_dot_limits(text, "topo.dot");
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError");
  throw;  // unreachable
}

std::string members(const std::string& prefix, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += prefix + std::to_string(i) + " ";
  return out;
}

}  // namespace

TEST_CASE("the shipped topology is within the DOT limits") {
  std::ifstream in(std::filesystem::path(EF21SIM_SOURCE_DIR) / "scenarios/topologies/two_tier_racks.dot");
  std::stringstream text;
  text << in.rdbuf();
  REQUIRE(text.str().size() > 100);
  CHECK_NOTHROW(check_dot_limits(text.str(), "two_tier_racks.dot"));
}

TEST_CASE("brace nesting is bounded, located at the first brace too deep") {
  // The graph's body is depth 1: kMaxDotNesting - 1 more braces are fine.
  const std::size_t inner = kMaxDotNesting - 1;
  CHECK_NOTHROW(
      check_dot_limits("graph g {\n" + repeat("{", inner) + repeat("}", inner) + "\n}\n", "topo.dot"));
  const InputError e =
      limits_error("graph g {\n  a -- b;\n  " + repeat("{", 18000) + repeat("}", 18000) + "\n}\n");
  CHECK(e.where().file == "topo.dot");
  CHECK(e.where().line == 3);
  CHECK(e.where().column == 3 + kMaxDotNesting - 1);
  CHECK_THAT(e.message(), Catch::Contains("nest more than 100"));
  // subgraph bodies count the same way
  CHECK_THROWS_AS(check_dot_limits("graph g {" + repeat("subgraph s {", 150) + repeat("}", 151), "t.dot"),
                  InputError);
}

TEST_CASE("braces in strings, HTML strings and comments are not nesting") {
  const std::string noise = repeat("{", 500);
  CHECK_NOTHROW(check_dot_limits("graph g { a [label=\"" + noise + "\"]; }", "t.dot"));
  CHECK_NOTHROW(check_dot_limits("graph g { a [label=\"\\\"" + noise + "\"]; }", "t.dot"));
  CHECK_NOTHROW(check_dot_limits("graph g { a [label=<<b>" + noise + "</b>>]; }", "t.dot"));
  CHECK_NOTHROW(check_dot_limits("graph g { // " + noise + "\n /* " + noise + " */ a; }", "t.dot"));
  CHECK_NOTHROW(check_dot_limits("# " + noise + "\ngraph g { a; }", "t.dot"));
  // An HTML string ends where read_graphviz ends it (tags counted, not angle brackets): the
  // braces after this one are the graph's, and counted.
  CHECK_THROWS_AS(
      check_dot_limits("graph g { a [label=<x<<<></y>]; " + repeat("{", 150) + repeat("}", 150) + "}",
                       "t.dot"),
      InputError);
  CHECK_THROWS_AS(
      check_dot_limits("graph g { a [label=<<br/>>]; " + repeat("{", 150) + repeat("}", 150) + "}", "t.dot"),
      InputError);
  CHECK_NOTHROW(check_dot_limits("graph g { a [label=<<b title='>{{'>" + noise + "</b>>]; }", "t.dot"));
}

TEST_CASE("edges with a subgraph end are bounded by the links they expand to") {
  // 300 x 300 = 90 000 links: accepted; 400 x 400 = 160 000: refused at the edge operator.
  CHECK_NOTHROW(
      check_dot_limits("graph g { {" + members("a", 300) + "} -- {" + members("b", 300) + "} }", "t.dot"));
  const std::string big = "graph g {\n  {" + members("a", 400) + "}\n  -- {" + members("b", 400) + "}\n}\n";
  const InputError e = limits_error(big);
  CHECK(e.where().line == 3);
  CHECK(e.where().column == 3);
  CHECK_THAT(e.message(), Catch::Contains("more than 100000"));
  // A chain adds its pairs; a node end costs its other end's members.
  CHECK_THROWS_AS(check_dot_limits(
                      "graph g { x -- {" + members("a", 60000) + "} -- {" + members("b", 2) + "} }", "t.dot"),
                  InputError);
  CHECK_NOTHROW(check_dot_limits("graph g { server -- {" + members("w", 5000) + "} }", "t.dot"));
  // A reference to a named subgraph may hold any node of the file.
  const std::string named = "graph g { subgraph s { " + members("a", 400) + "} subgraph s -- subgraph s }";
  CHECK_THROWS_AS(check_dot_limits(named, "t.dot"), InputError);
  // Plain edges are not limited here: they cost what they say.
  std::string plain = "graph g {\n";
  for (int i = 0; i < 200000; ++i) plain += fmt::format("a{} -- b;\n", i);
  CHECK_NOTHROW(check_dot_limits(plain + "}\n", "t.dot"));
}
