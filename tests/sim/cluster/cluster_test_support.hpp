#pragma once
// Helpers shared by the sim/cluster tests: a Scenario from TOML text, and a run of it.
#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sim/cluster/simulation.hpp"
#include "sim/scenario/scenario_loader.hpp"

namespace ef21::test {

/// A scenario from TOML text (+ overrides), as if read from `file` (relative paths in the
/// text resolve against its directory).
inline sim::Scenario scenario_at(const std::string& text, const std::filesystem::path& file,
                                 const std::vector<sim::Override>& overrides = {}) {
  toml::table table = toml::parse(std::string_view(text), std::string_view(file.string()));
  for (const auto& o : overrides) sim::apply_override(table, o);
  return sim::parse_scenario(table, file);
}

/// The same, as if read from "test.toml" in the working directory.
inline sim::Scenario scenario_from(const std::string& text,
                                   const std::vector<sim::Override>& overrides = {}) {
  return scenario_at(text, "test.toml", overrides);
}

inline sim::RunResult run(const sim::Scenario& s) {
  sim::Simulation simulation(s);
  return simulation.run();
}

}  // namespace ef21::test
