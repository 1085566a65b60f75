// ef21sim best SWEEP_DIR [--by bits|time|rounds] [--group-by KEY]... [--target T]
// Reads SWEEP_DIR/sweep.csv; per group, the run reaching the target with the fewest bits
// per worker (or the least simulated time, or the fewest rounds); prints a markdown table, writes SWEEP_DIR/best.csv.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/output/atomic_file.hpp"
#include "tools/ef21sim/cli_common.hpp"
#include "tools/ef21sim/sweep_table.hpp"

namespace ef21::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBestHelp = R"(
Chooses, in each group of runs of a finished (or partial) sweep, the run that reaches the
target first: with the fewest bits per worker (--by bits, column T_bits_up; ties broken by
T_time_s), in the least simulated time (--by time, T_time_s; ties by T_bits_up) or in the
fewest rounds (--by rounds, T_round; ties by T_time_s); a remaining tie goes to the earlier row of sweep.csv. Runs that never reach the target, and
failed runs, are not candidates. The target T is by default the scenario's first
grad_norm_sq or grad_norm_sq_relative stop target ([run.stop]).

Groups are the distinct values of the --group-by columns (varied keys of the sweep), in
order of first appearance; without --group-by the whole sweep is one group. The paper's
"best stepsize multiplier per method":
  ef21sim sweep scenarios/paper/mushrooms.toml --grid algorithm.kind=ef,ef21 \
      --grid algorithm.multiplier=1,2,4,8,16,32,64,128,256,512,1024,2048,4096 --jobs 2 --out results/mush
  ef21sim best results/mush --by bits --group-by algorithm.kind

Prints a markdown table (groups where no run reached the target say so) and writes
SWEEP_DIR/best.csv: the header of sweep.csv and the chosen rows.
)";

}  // namespace

int best_command(const std::vector<std::string>& args) {
  po::options_description options("ef21sim best SWEEP_DIR [options]");
  options.add_options()("help,h", "describe this command")(
      "by", po::value<std::string>()->default_value("bits"), "bits, time or rounds: what the best run minimises")(
      "group-by", po::value<std::vector<std::string>>()->composing(), "a varied key; one best run per group")(
      "target", po::value<std::string>(), "stop target (default: the first grad_norm_sq* target)");
  const auto parsed = parse_command_with_operand(args, options, kBestHelp, "sweep", "SWEEP_DIR");
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  const std::string by = vm["by"].as<std::string>();
  if (by != "bits" && by != "time" && by != "rounds")
    throw UsageError(fmt::format("--by must be bits, time or rounds, not \"{}\"", by));
  const fs::path dir = vm["sweep"].as<std::string>();
  const fs::path csv = dir / "sweep.csv";
  std::ifstream in(csv, std::ios::binary);
  if (!in) throw UsageError(fmt::format("cannot read {} (is {} a sweep directory?)", csv.string(), dir.string()));
  std::ostringstream text;
  text << in.rdbuf();
  CsvTable sweep;
  std::string target;
  const std::vector<std::string> group_by =
      vm.count("group-by") ? vm["group-by"].as<std::vector<std::string>>() : std::vector<std::string>{};
  BestSelection best;
  try {
    sweep = parse_csv(text.str());
    if (sweep.column("run") == std::string::npos) throw std::runtime_error("not a sweep table (no run column)");
    target = vm.count("target") ? vm["target"].as<std::string>() : default_best_target(sweep);
    best = select_best(sweep, by, group_by, target);
  } catch (const std::runtime_error& e) {
    throw UsageError(fmt::format("{}: {}", csv.string(), e.what()));
  }
  fmt::print("best by {} to reach {} ({}):\n\n{}", by == "bits" ? "bits per worker" : by == "time" ? "simulated time" : "rounds", target,
             csv.string(), format_best_markdown(sweep, best, group_by));
  CsvTable chosen;
  chosen.header = sweep.header;
  for (auto r : best.chosen()) chosen.rows.push_back(sweep.rows[r]);
  sim::write_file_atomically(dir / "best.csv", format_csv(chosen));
  return kExitOk;
}

}  // namespace ef21::cli
