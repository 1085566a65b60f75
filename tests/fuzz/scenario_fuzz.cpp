// Fuzz target: scenario files and --set overrides, through the loader `ef21sim run` and
// `check` use (parse_override, read_scenario_table, parse_scenario).
//
// Input: the scenario's TOML text, then any number of `--set` strings, each after a NUL byte:
//   TOML \0 KEY=VALUE \0 KEY=VALUE ...
// Paths in the scenario are relative to the scratch directory, which holds a small data file,
// x0 file, trace and topology under the names the seeds use, so valid scenarios get past the
// file checks.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

void write_referenced_files() {
  const auto& dir = ef21::fuzz::scratch();
  dir.write("data.svm", "1 1:0.5 2:1\n-1 1:1 3:-0.5\n1 2:1 3:2\n-1 1:-1 2:0.5\n");
  dir.write("x0.txt", "0.1 0.2 0.3\n");
  dir.write("speed.trace", "100 us 0.5\n300 us 2\nLOOPAFTER 1 ms\n");
  dir.write("ring.dot", "graph g { w0 -- w1 [bandwidth=\"1 Gbps\"]; w1 -- w0 [bandwidth=\"1 Gbps\"]; }\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool ready = (write_referenced_files(), true);
  (void)ready;
  const std::string_view input = ef21::fuzz::as_text(data, size);
  const std::size_t first_nul = input.find('\0');
  const std::string toml_text(input.substr(0, first_nul));
  std::vector<std::string> sets;
  for (std::size_t at = first_nul; at != std::string_view::npos;) {
    const std::size_t next = input.find('\0', at + 1);
    sets.emplace_back(input.substr(at + 1, next == std::string_view::npos ? next : next - at - 1));
    at = next;
  }
  const std::filesystem::path file = ef21::fuzz::scratch().write("scenario.toml", toml_text);
  ef21::fuzz::expect_only([&] {
    std::vector<ef21::sim::Override> overrides;
    for (const std::string& s : sets) overrides.push_back(ef21::sim::parse_override(s));
    const toml::table table = ef21::sim::read_scenario_table(file, overrides);
    (void)ef21::sim::parse_scenario(table, file);
  });
  return 0;
}
