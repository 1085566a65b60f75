#include <iostream>

#include "tools/ef21sim/cli_common.hpp"

namespace ef21::cli {
namespace po = boost::program_options;

std::optional<po::variables_map> parse_command_with_operand(const std::vector<std::string>& args,
                                                            const po::options_description& options,
                                                            std::string_view help_text, const std::string& operand,
                                                            std::string_view operand_usage) {
  po::options_description hidden;
  hidden.add_options()(operand.c_str(), po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add(operand.c_str(), 1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options << help_text;
    return std::nullopt;
  }
  if (!vm.count(operand)) throw UsageError("missing " + std::string(operand_usage));
  return vm;
}

std::optional<po::variables_map> parse_scenario_command(const std::vector<std::string>& args,
                                                        const po::options_description& options,
                                                        std::string_view help_text) {
  return parse_command_with_operand(args, options, help_text, "scenario", "SCENARIO.toml");
}

std::vector<std::string> set_values(const po::variables_map& vm) {
  return vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
}

}  // namespace ef21::cli
