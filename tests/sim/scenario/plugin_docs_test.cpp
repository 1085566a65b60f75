// scenarios/README.md against the registries: the generated key tables must be the ones the
// declarations give today, and every key the loader knows must be documented.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>

#include "sim/scenario/plugin_docs.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace {

std::string read_readme() {
  std::ifstream in(std::string(EF21SIM_SOURCE_DIR) + "/scenarios/README.md");
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The text between "<!-- BEGIN generated:NAME -->\n" and "<!-- END generated:NAME -->".
std::string generated_block(const std::string& readme, const std::string& name) {
  const std::string begin = "<!-- BEGIN generated:" + name + " -->\n";
  const std::string end = "<!-- END generated:" + name + " -->";
  const auto from = readme.find(begin);
  const auto to = readme.find(end);
  REQUIRE(from != std::string::npos);
  REQUIRE(to != std::string::npos);
  REQUIRE(from + begin.size() <= to);
  return readme.substr(from + begin.size(), to - from - begin.size());
}

}  // namespace

TEST_CASE("scenarios/README.md's method and compressor tables are the registries' declarations",
          "[docs][registry]") {
  const std::string readme = read_readme();
  INFO("regenerate with: build/tools/ef21sim list --markdown methods|compressors|protocols");
  CHECK(generated_block(readme, "methods") == ef21::sim::methods_markdown());
  CHECK(generated_block(readme, "compressors") == ef21::sim::compressors_markdown());
  CHECK(generated_block(readme, "protocols") == ef21::sim::protocols_markdown());
}

TEST_CASE("Every scenario key the loader knows is documented in scenarios/README.md", "[docs]") {
  const std::string readme = read_readme();
  for (const std::string& dotted : ef21::sim::known_scenario_keys()) {
    const std::string key = dotted.substr(dotted.rfind('.') + 1);
    CAPTURE(dotted);
    CHECK(readme.find("`" + key + "`") != std::string::npos);
  }
}
