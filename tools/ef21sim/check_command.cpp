#include <fmt/format.h>

#include <iostream>

#include "sim/cluster/simulation.hpp"
#include "sim/core/units.hpp"
#include "sim/scenario/scenario_writer.hpp"
#include "tools/ef21sim/cli_common.hpp"

namespace ef21::cli {
namespace po = boost::program_options;

int check_command(const std::vector<std::string>& args) {
  po::options_description options("ef21sim check SCENARIO.toml [options]");
  options.add_options()("help,h", "describe this command")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a scenario key: KEY=VALUE");
  const auto parsed = parse_scenario_command(
      args, options,
      "\nValidates the scenario (and loads its data), then prints the resolved scenario\n"
      "and the derived constants. Writes nothing.\n");
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  const std::vector<std::string> sets = set_values(vm);
  const sim::Scenario scenario = sim::load_scenario(vm["scenario"].as<std::string>(), parse_overrides(sets));
  const sim::Simulation simulation(scenario);
  const auto& c = simulation.constants();
  std::cout << sim::resolved_scenario_toml(scenario, simulation.k(), std::filesystem::current_path());
  fmt::print("\n# derived constants\n");
  fmt::print("# N = {}, d = {}, n = {}, k = {}\n", simulation.samples(), simulation.dim(),
             scenario.data.workers, simulation.k());
  fmt::print("# L = {}, L_i max = {}, L~ = {}, L_AM = {}\n", c.L, c.L_max, c.L_tilde, c.L_am);
  fmt::print("# alpha = {}, theta = {}, beta = {}{}\n", c.contraction.alpha, c.contraction.theta,
             c.contraction.beta, c.omega ? fmt::format(", omega = {}", *c.omega) : "");
  fmt::print("# gamma (theory) = {}, gamma (used) = {}\n",
             c.gamma_theory ? fmt::format("{}", *c.gamma_theory) : "n/a (no rule for this run)", c.gamma);
  sim::SimTime slowest = 0;
  for (std::int64_t i = 0; i < scenario.data.workers; ++i)
    slowest = std::max(slowest, simulation.gradient_time(static_cast<std::size_t>(i)));
  fmt::print("# slowest worker gradient time = {}\n", sim::format_duration(slowest));
  return kExitOk;
}

}  // namespace ef21::cli
