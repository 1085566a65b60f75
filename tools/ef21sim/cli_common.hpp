#pragma once
// Shared pieces of the ef21sim subcommands: exit codes (DESIGN §3), option parsing helpers.
#include <boost/program_options.hpp>

#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.hpp"

namespace ef21::cli {

inline constexpr int kExitOk = 0;        // the simulation ran (whatever its status)
inline constexpr int kExitInternal = 1;  // a bug or an I/O failure
inline constexpr int kExitBadInput = 2;  // bad input or usage

/// Thrown for command-line usage errors (unknown flag, missing scenario).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<sim::Override> parse_overrides(const std::vector<std::string>& sets);

int run_command(const std::vector<std::string>& args);
int check_command(const std::vector<std::string>& args);
int list_command(const std::vector<std::string>& args);
int sweep_command(const std::vector<std::string>& args);
int best_command(const std::vector<std::string>& args);


}  // namespace ef21::cli
