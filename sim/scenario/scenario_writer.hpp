#pragma once
// Scenario -> the fully resolved scenario.toml of a run directory (DESIGN §5): every default
// filled in, every unit explicit, paths relative to the directory the file is written to,
// so that running it again gives identical outputs.
#include <filesystem>
#include <string>

#include "sim/scenario/scenario.hpp"

namespace ef21::sim {

/// `k` is the resolved compressor k (known once the data is loaded).
std::string resolved_scenario_toml(const Scenario& scenario, std::int64_t k, const std::filesystem::path& written_to_dir);

}  // namespace ef21::sim
