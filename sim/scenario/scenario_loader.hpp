#pragma once
// scenario.toml (+ --set overrides) -> validated Scenario (DESIGN §4).
#include <filesystem>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "sim/scenario/scenario.hpp"

namespace ef21::sim {

/// One `--set KEY=VALUE`: KEY a dotted scenario key, VALUE parsed as TOML (a bare word that
/// is not valid TOML, such as `ef21` or `5 Mbps`, is taken as a string).
struct Override {
  std::string key;
  std::string value;
};

/// Parses "KEY=VALUE"; throws InputError on a missing '=' or empty key.
Override parse_override(const std::string& text);

/// Reads the TOML file and applies the overrides (errors: InputError with FILE:LINE:COL).
toml::table read_scenario_table(const std::filesystem::path& file, const std::vector<Override>& overrides);

/// Applies one override to a table (creating intermediate tables).
void apply_override(toml::table& table, const Override& override_value);

/// Validates a scenario table; `file` anchors relative paths and names the default run.
Scenario parse_scenario(const toml::table& table, const std::filesystem::path& file);

/// read_scenario_table + parse_scenario.
Scenario load_scenario(const std::filesystem::path& file, const std::vector<Override>& overrides = {});

/// Every key the scenario format knows, dotted ("run.seed", "network.server.uplink",
/// "workers.ids"), for `ef21sim list` and sweep validation.
std::vector<std::string> known_scenario_keys();

}  // namespace ef21::sim
