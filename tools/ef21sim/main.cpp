// ef21sim: the command line (DESIGN §3).
//   ef21sim run SCENARIO.toml [--set KEY=VALUE]... [--out DIR] [--threads N] [--quiet]
//   ef21sim check SCENARIO.toml [--set ...]
//   ef21sim list
//   ef21sim sweep SCENARIO.toml --grid KEY=V1,V2,... [--seeds A..B] [--jobs N] [--out DIR] [--resume]
//                 [--shard I/N] [--mpi]
//   ef21sim tune SCENARIO.toml [--grid KEY=V1,V2,...]... [--by bits|bytes|time|rounds] [--refine N] ...
//   ef21sim best DIR... [--by bits|bytes|time|rounds] [--group-by KEY]... [--out DIR]
#include <fmt/format.h>

#include <cstdio>
#include <string>
#include <vector>

#include "models/support/check.hpp"
#include "models/support/input_error.hpp"
#include "tools/ef21sim/cli_common.hpp"

namespace {

constexpr const char* kUsage =
    "usage: ef21sim <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO.toml [--set KEY=VALUE]... [--out DIR] [--threads N] [--quiet]\n"
    "                      run one scenario; writes scenario.toml, trace.csv, summary.json\n"
    "  check SCENARIO.toml [--set KEY=VALUE]...\n"
    "                      validate; print the resolved scenario and derived constants\n"
    "  sweep SCENARIO.toml --grid KEY=V1,V2,... [--grid ...] [--seeds A..B] [--jobs N] [--out DIR]\n"
    "        [--resume] [--shard I/N] [--mpi]\n"
    "                      run the cartesian product of the grid; one run directory each, plus sweep.csv\n"
    "                      (also under `mpirun -n N`, or as job-array tasks with --shard)\n"
    "  tune SCENARIO.toml [--grid KEY=V1,V2,...]... [--by bits|bytes|time|rounds] [--refine N] ...\n"
    "                      per group of the grid, search the stepsize multiplier reaching the stop target\n"
    "                      at the least cost; tune.csv (every run tried) and best.csv\n"
    "  best DIR... [--by bits|bytes|time|rounds] [--group-by KEY]... [--out DIR]\n"
    "                      per group, the run of one or several sweeps / tunes reaching the stop target\n"
    "                      at the least cost\n"
    "  list                problems, algorithms, compressors, topologies and every scenario key\n"
    "\n"
    "`ef21sim COMMAND --help` describes a command. Exit codes: 0 ran, 2 bad input, 1 internal error.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace ef21;
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? cli::kExitBadInput : cli::kExitOk;
  }
  if (args[0] == "--version") {
    fmt::print("ef21sim {}\n", EF21SIM_VERSION);
    return cli::kExitOk;
  }
  const std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "run") return cli::run_command(args);
    if (command == "check") return cli::check_command(args);
    if (command == "list") return cli::list_command(args);
    if (command == "sweep") return cli::sweep_command(args);
    if (command == "best") return cli::best_command(args);
    if (command == "tune") return cli::tune_command(args);
    fmt::print(stderr, "ef21sim: unknown command \"{}\"\n\n{}", command, kUsage);
    return cli::kExitBadInput;
  } catch (const InputError& e) {
    fmt::print(stderr, "{}\n", e.what());
    return cli::kExitBadInput;
  } catch (const cli::UsageError& e) {
    fmt::print(stderr, "ef21sim {}: {}\n(see `ef21sim {} --help`)\n", command, e.what(), command);
    return cli::kExitBadInput;
  } catch (const boost::program_options::error& e) {
    fmt::print(stderr, "ef21sim {}: {}\n(see `ef21sim {} --help`)\n", command, e.what(), command);
    return cli::kExitBadInput;
  } catch (const InternalError& e) {
    fmt::print(stderr, "ef21sim: {}\n", e.what());
    return cli::kExitInternal;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ef21sim: error: {}\n", e.what());
    return cli::kExitInternal;
  }
}
