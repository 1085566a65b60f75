// ef21sim best DIR... [--by bits|time|rounds|bytes] [--group-by KEY]... [--target T] [--out DIR]
// Reads the sweep.csv (or tune.csv) of each DIR; per group, the run reaching the target at the
// least cost; prints a markdown table and writes best.csv.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "sim/output/atomic_file.hpp"
#include "tools/ef21sim/best_inputs.hpp"
#include "tools/ef21sim/best_selection.hpp"
#include "tools/ef21sim/cli_common.hpp"

namespace ef21::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kBestHelp = R"(
Chooses, in each group of runs of one or several finished (or partial) sweeps or tunes, the
run that reaches the target at the least cost:
  --by bits    fewest paper bits per worker (column T_bits_up; ties by T_time_s), the default
  --by bytes   fewest wire bytes per worker, up + down, headers and round 0 included
               (T_bytes_total; ties by T_time_s)
  --by time    least simulated time (T_time_s; ties by T_bits_up)
  --by rounds  fewest rounds (T_round; ties by T_time_s)
a remaining tie goes to the earlier row. Runs that never reach the target, and failed runs,
are not candidates. The target T is by default the first grad_norm_sq or
grad_norm_sq_relative stop target ([run.stop]).

Each DIR is a sweep directory (sweep.csv) or a tune directory (tune.csv). Several are
compared as one table: its columns are those of all of them, a column some lack is empty
there.

Groups are the distinct values of the --group-by keys, in order of first appearance; without
--group-by everything is one group. A --group-by key is a varied column (a --grid key), or
any scenario key: where a directory does not vary it, the value is read from each run's
scenario.toml. GD swept on its own against EF and EF21:
  ef21sim sweep SCEN.toml --grid algorithm.kind=ef,ef21 --grid algorithm.multiplier=1,2,4 --out sw/main
  ef21sim sweep SCEN.toml --set algorithm.kind=gd --grid algorithm.multiplier=1,2 --out sw/gd
  ef21sim best sw/main sw/gd --by bytes --group-by algorithm.kind --out sw

Prints a markdown table (groups where no run reached the target say so) and writes best.csv:
the columns of the (merged) table and the chosen rows, into --out (default: the directory
given, when there is one; with several and no --out nothing is written). When best.csv is not
in the one directory it describes, a first column `source` gives each row's directory,
relative to best.csv's directory (the run is SOURCE/RUN).
)";

}  // namespace

int best_command(const std::vector<std::string>& args) {
  po::options_description options("ef21sim best DIR... [options]");
  options.add_options()("help,h", "describe this command")(
      "by", po::value<std::string>()->default_value("bits"),
      "bits, bytes, time or rounds: what the best run minimises")(
      "group-by", po::value<std::vector<std::string>>()->composing(), "a key; one best run per group")(
      "target", po::value<std::string>(), "stop target (default: the first grad_norm_sq* target)")(
      "out", po::value<std::string>(), "directory for best.csv (default: the one DIR given)");
  po::options_description hidden;
  hidden.add_options()("dirs", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("dirs", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(all).positional(positional).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << options << kBestHelp;
    return kExitOk;
  }
  if (!vm.count("dirs")) throw UsageError("missing DIR (a sweep or tune directory)");
  const std::vector<std::string> dirs = vm["dirs"].as<std::vector<std::string>>();
  CostKind by;
  try {
    by = parse_cost_kind(vm["by"].as<std::string>());
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  const std::vector<std::string> group_by =
      vm.count("group-by") ? vm["group-by"].as<std::vector<std::string>>() : std::vector<std::string>{};
  std::optional<fs::path> out;
  if (vm.count("out"))
    out = fs::path(vm["out"].as<std::string>());
  else if (dirs.size() == 1)
    out = fs::path(dirs.front());

  auto normal = [](const fs::path& p) { return fs::absolute(p).lexically_normal(); };
  const bool with_source = dirs.size() > 1 || (out && normal(*out) != normal(dirs.front()));
  std::vector<StudyTable> tables;
  std::vector<std::string> sources;
  for (const auto& d : dirs) {
    try {
      tables.push_back(read_study_table(d));
    } catch (const std::runtime_error& e) {
      throw UsageError(e.what());
    }
    sources.push_back(out ? normal(d).lexically_relative(normal(*out)).string() : d);
  }
  CsvTable table;
  std::string target;
  BestSelection best;
  const std::string what =
      dirs.size() == 1 ? tables.front().file.string() : fmt::format("{} directories", dirs.size());
  try {
    table = merge_study_tables(tables, group_by, with_source, sources);
    target = vm.count("target") ? vm["target"].as<std::string>() : default_best_target(table);
    best = select_best(table, by, group_by, target);
  } catch (const std::runtime_error& e) {
    throw UsageError(fmt::format("{}: {}", what, e.what()));
  }
  fmt::print("best by {} to reach {} ({}):\n\n{}", cost_description(by), target, what,
             format_best_markdown(table, best, group_by));
  if (!out) {
    fmt::print("\n(best.csv not written: give --out DIR)\n");
    return kExitOk;
  }
  CsvTable chosen;
  chosen.header = table.header;
  for (auto r : best.chosen()) chosen.rows.push_back(table.rows[r]);
  try {
    fs::create_directories(*out);
    sim::write_file_atomically(*out / "best.csv", format_csv(chosen));
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("--out {}: cannot write best.csv: {}", out->string(), e.what()));
  }
  return kExitOk;
}

}  // namespace ef21::cli
