#pragma once
// Shared pieces of the ef21sim subcommands: exit codes (DESIGN §3), option parsing helpers.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <string_view>
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

/// Parses `COMMAND OPERAND [options]`: one positional argument, stored under `operand`.
/// Prints `options` and `help_text` and returns nullopt on --help; throws
/// UsageError("missing " + operand_usage) when the operand is missing.
std::optional<boost::program_options::variables_map> parse_command_with_operand(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    std::string_view help_text, const std::string& operand, std::string_view operand_usage);

/// parse_command_with_operand for `COMMAND SCENARIO.toml [options]` (operand "scenario").
std::optional<boost::program_options::variables_map> parse_scenario_command(
    const std::vector<std::string>& args, const boost::program_options::options_description& options,
    std::string_view help_text);

/// The --set values given (empty if none).
std::vector<std::string> set_values(const boost::program_options::variables_map& vm);

int run_command(const std::vector<std::string>& args);
int check_command(const std::vector<std::string>& args);
int list_command(const std::vector<std::string>& args);
int sweep_command(const std::vector<std::string>& args);
int best_command(const std::vector<std::string>& args);
int tune_command(const std::vector<std::string>& args);

}  // namespace ef21::cli
