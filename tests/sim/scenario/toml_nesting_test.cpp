#include "sim/scenario/toml_nesting.hpp"

#include <fmt/format.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "models/support/input_error.hpp"

using ef21::InputError;
using ef21::sim::check_toml_nesting;
using ef21::sim::kMaxTomlNesting;

namespace {

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

/// The error check_toml_nesting throws on `text`; fails the test if it throws none.
InputError nesting_error(const std::string& text, std::size_t base_depth = 0) {
  try {
    check_toml_nesting(text, "s.toml", base_depth);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError for a text nesting deeper than " << kMaxTomlNesting);
  throw;  // unreachable
}

}  // namespace

TEST_CASE("every shipped scenario is within the TOML nesting bound") {
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(
           std::filesystem::path(EF21SIM_SOURCE_DIR) / "scenarios")) {
    if (entry.path().extension() != ".toml") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    INFO(entry.path());
    CHECK_NOTHROW(check_toml_nesting(text.str(), entry.path().string()));
    ++files;
  }
  CHECK(files > 5);
}

TEST_CASE("a dotted key nests one table per part, up to the bound") {
  const std::string at_bound = repeat("a.", kMaxTomlNesting - 1) + "a = 1\n";
  CHECK_NOTHROW(check_toml_nesting(at_bound, "s.toml"));
  const InputError e = nesting_error("[run]\nseed = 1\n  " + repeat("a.", kMaxTomlNesting - 1) + "a = 1\n");
  // Under [run] the key's 128 parts reach depth 129, reported at the key's first character.
  CHECK(e.where().file == "s.toml");
  CHECK(e.where().line == 3);
  CHECK(e.where().column == 3);
  CHECK_THAT(e.message(), Catch::Contains("this key nests 129") && Catch::Contains("at most 128"));
  // The 60 000 parts: an error, not a stack overflow.
  CHECK(nesting_error(repeat("a.", 59999) + "a = 1\n").where().line == 1);
}

TEST_CASE("table headers and arrays of tables count their parts") {
  // (fmt::format, not "[" + std::string: GCC 12 warns -Wrestrict on that inlined insert.)
  CHECK_NOTHROW(
      check_toml_nesting(fmt::format("[{}t]\nx = 1\n", repeat("t.", kMaxTomlNesting - 2)), "s.toml"));
  CHECK(nesting_error(fmt::format("[{}t]\nx = 1\n", repeat("t.", kMaxTomlNesting - 1))).where().line == 2);
  // [[a.b]]: the array, then its element table, then the key.
  CHECK_NOTHROW(check_toml_nesting("[[" + repeat("t.", kMaxTomlNesting - 3) + "t]]\nx = 1\n", "s.toml"));
  const InputError e = nesting_error("x = 1\n[[" + repeat("t.", kMaxTomlNesting - 1) + "t]]\n");
  CHECK(e.where().line == 2);
  CHECK(e.where().column == 1);
  CHECK_THAT(e.message(), Catch::Contains("table header"));
}

TEST_CASE("nested arrays and inline tables count one level each") {
  // v = [[[...: the k-th bracket is at depth k, column 4 + k.
  const InputError e = nesting_error("v = " + repeat("[", 200) + repeat("]", 200) + "\n");
  CHECK(e.where().line == 1);
  CHECK(e.where().column == 4 + kMaxTomlNesting + 1);
  CHECK_NOTHROW(
      check_toml_nesting("v = " + repeat("[", kMaxTomlNesting) + repeat("]", kMaxTomlNesting), "s.toml"));
  // Inline tables with dotted keys inside add both.
  CHECK_NOTHROW(check_toml_nesting("a = { b.c = { d = [1, { e = 2 }] } }\n", "s.toml"));
  CHECK_THROWS_AS(
      check_toml_nesting("a = " + repeat("{ b.c = ", 100) + "1" + repeat(" }", 100) + "\n", "s.toml"),
      InputError);
  // Arrays may span lines; a closed array does not leave its depth behind.
  CHECK_NOTHROW(check_toml_nesting(repeat("x = [\n  [1, 2],\n  [3],\n]\ny = {}\nz = { }\n", 300), "s.toml"));
}

TEST_CASE("dots and brackets in strings, comments and numbers are not nesting") {
  const std::string noise = repeat("a.b[{", 300);
  CHECK_NOTHROW(check_toml_nesting("s = \"" + noise + "\"\n", "s.toml"));
  CHECK_NOTHROW(check_toml_nesting("s = '" + noise + "'\n", "s.toml"));
  CHECK_NOTHROW(check_toml_nesting("s = \"\"\"\n" + noise + "\n\"\"\"\nt = '''" + noise + "'''\n", "s.toml"));
  CHECK_NOTHROW(check_toml_nesting("s = \"escaped \\\" " + noise + "\"\n", "s.toml"));
  CHECK_NOTHROW(check_toml_nesting("# " + noise + "\nx = 1 # " + noise + "\n", "s.toml"));
  CHECK_NOTHROW(check_toml_nesting("\"" + noise + "\" = 1\n", "s.toml"));  // a quoted key is one part
  CHECK_NOTHROW(
      check_toml_nesting("x = [" + repeat("1.5, ", 5000) + "2.5]\nt = 1979-05-27T07:32:00.999Z\n", "s.toml"));
}

TEST_CASE("a --set value counts the tables of its key") {
  CHECK_NOTHROW(check_toml_nesting("value = 1", "--set a.b", 1));
  CHECK_NOTHROW(check_toml_nesting("value = [1]", "--set a.b", kMaxTomlNesting - 1));
  const InputError e = nesting_error("value = [[1]]", kMaxTomlNesting - 1);
  CHECK(e.where().file == "s.toml");
  CHECK(e.where().column == 10);  // the inner array is at depth 127 + 2
}
