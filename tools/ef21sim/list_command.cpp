#include <fmt/format.h>
#include <fmt/ranges.h>

#include <iostream>

#include "models/algorithms/method_kind.hpp"
#include "models/compressors/compressor.hpp"
#include "models/problems/problem_spec.hpp"
#include "tools/ef21sim/cli_common.hpp"

namespace ef21::cli {

int list_command(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "ef21sim list\n\nPrints the problems, algorithms, compressors and topologies ef21sim knows, and\n"
                 "every scenario key (scenarios/README.md documents each one).\n";
    return kExitOk;
  }
  if (!args.empty()) throw UsageError(fmt::format("unexpected argument \"{}\"", args[0]));
  fmt::print("problems (problem.kind):        {}\n", fmt::join(problems::problem_kind_names(), ", "));
  fmt::print("  keys: problem.lambda, problem.x0 (\"normal\" | \"zeros\" | FILE), problem.x0_scale, problem.x0_seed\n");
  fmt::print("algorithms (algorithm.kind):    {}\n", fmt::join(algorithms::method_kind_names(), ", "));
  fmt::print("  keys: algorithm.stepsize (\"theory\" | number), algorithm.multiplier\n");
  fmt::print("compressors (compressor.kind):  {}\n", fmt::join(compressors::compressor_kind_names(), ", "));
  fmt::print("  keys: compressor.k | compressor.ratio, compressor.scaled (rand-k), compressor.value_bits,\n"
             "        compressor.index_bits (\"none\" | \"log2d\" | integer), compressor.bill_initialization\n");
  fmt::print("topologies (network.topology):  star, FILE.dot\n");
  fmt::print("  star keys: network.uplink, network.downlink, network.latency, [network.server] uplink/downlink/latency\n");
  fmt::print("  .dot: nodes server, w0..w{{n-1}}, any switches; edge attributes bandwidth | bandwidth_fwd +\n"
             "        bandwidth_rev, latency\n");
  fmt::print("data splits (data.split):       sequential, shuffled, label-skew\n");
  fmt::print("\nevery scenario key:\n");
  for (const auto& key : sim::known_scenario_keys()) fmt::print("  {}\n", key);
  return kExitOk;
}

}  // namespace ef21::cli
