#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "models/problems/problem_spec.hpp"
#include "sim/scenario/plugin_docs.hpp"
#include "tools/ef21sim/cli_common.hpp"

namespace ef21::cli {

int list_command(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout
        << "ef21sim list\n\nPrints the problems, algorithms, compressors and topologies ef21sim knows, and\n"
           "every scenario key (scenarios/README.md documents each one). --markdown methods|compressors "
           "prints\n"
           "the key tables that scenarios/README.md embeds.\n";
    return kExitOk;
  }
  if (args.size() == 2 && args[0] == "--markdown") {
    if (args[1] == "methods") std::cout << sim::methods_markdown();
    if (args[1] == "compressors") std::cout << sim::compressors_markdown();
    if (args[1] == "protocols") std::cout << sim::protocols_markdown();
    if (args[1] == "methods" || args[1] == "compressors" || args[1] == "protocols") return kExitOk;
  }
  if (!args.empty())
    throw UsageError(
        fmt::format("unexpected argument \"{}\" (ef21sim list [--markdown methods|compressors|protocols])", args[0]));
  fmt::print("problems (problem.kind):        {}\n", fmt::join(problems::problem_kind_names(), ", "));
  fmt::print(
      "  keys: problem.lambda, problem.x0 (\"normal\" | \"zeros\" | FILE), problem.x0_scale, "
      "problem.x0_seed\n");
  fmt::print(
      "  every method: algorithm.stepsize (\"theory\" | number), algorithm.multiplier;\n"
      "  [gradient] batch | batch_ratio; [participation] fraction\n");
  std::cout << sim::plugins_text();
  fmt::print(
      "  every compressor: compressor.k | compressor.ratio (kinds with k), compressor.value_bits,\n"
      "  compressor.index_bits (\"none\" | \"log2d\" | integer), compressor.bill_initialization\n");
  fmt::print("topologies (network.topology):  star, FILE.dot\n");
  fmt::print(
      "  star keys: network.uplink, network.downlink, network.latency, [network.server] "
      "uplink/downlink/latency\n");
  fmt::print(
      "  .dot: nodes server, w0..w{{n-1}}, any switches; edge attributes bandwidth | bandwidth_fwd +\n"
      "        bandwidth_rev, latency\n");
  fmt::print("data splits (data.split):       sequential, shuffled, label-skew\n");
  fmt::print("\nevery scenario key:\n");
  for (const auto& key : sim::known_scenario_keys()) fmt::print("  {}\n", key);
  return kExitOk;
}

}  // namespace ef21::cli
