// ef21sim sweep SCENARIO.toml --grid KEY=V1,V2,... [--grid ...] [--seeds A..B] [--set KEY=VALUE]...
//               [--jobs N] [--out DIR] [--resume] [--quiet]
// The cartesian product of the grid, run in parallel threads, one run directory each, plus
// sweep.csv (tools/ef21sim/sweep_table.hpp). Every grid point is validated before any run.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "models/support/check.hpp"
#include "models/support/input_error.hpp"
#include "sim/cluster/simulation.hpp"
#include "sim/output/atomic_file.hpp"
#include "sim/output/run_writer.hpp"
#include "tools/ef21sim/cli_common.hpp"
#include "tools/ef21sim/sweep_grid.hpp"
#include "tools/ef21sim/sweep_table.hpp"

namespace ef21::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSweepHelp = R"(
Runs the scenario at every point of the cartesian product of the --grid axes (and of
--seeds), N runs at a time, each into its own run directory under --out, and writes
--out/sweep.csv. Each run directory is exactly what `ef21sim run SCENARIO --set KEY=V ...`
would write (scenario.toml, trace.csv, summary.json, ...); summary.json is written last.

Grid values are TOML, as for --set, separated by commas outside quotes and brackets:
  --grid algorithm.multiplier=1,2,4   --grid 'network.uplink="5 Mbps","1 Gbps"'
  --grid 'problem.x0="zeros","normal"'  (a bare word such as ef21 is taken as a string)
--seeds A..B varies run.seed over A..B inclusive (column `seed`). The first axis varies
slowest, the seed fastest. --set applies to every run, before the grid.

Run directory name: COLUMN-VALUE pairs joined by '_' in axis order, COLUMN being the key
(`seed` for --seeds), VALUE the value as written (a TOML string unquoted) with blanks
dropped and any character outside [A-Za-z0-9.+-] replaced by '~':
  algorithm.kind-ef21_algorithm.multiplier-8_seed-3
Names over 200 bytes are cut to 183 bytes plus '~' and a 16-hex-digit hash of the full name.
Two points with the same name are an error.

sweep.csv: the varied columns (in --grid order, then seed), run (the directory name),
status (converged, max_rounds, time_limit, bits_limit, diverged, or error), rounds,
final_f, final_grad_norm_sq, final_time_s, final_bits_up, then for each stop target T of
the scenario (grad_norm_sq, grad_norm_sq_relative, bits_up) T_round, T_time_s, T_bits_up
(empty when not reached), then message (why a run failed). One row per finished run, in
grid order whatever --jobs is; rewritten atomically after every run, so an interrupted
sweep leaves a valid partial table.

Before any run starts, every grid point is validated as a scenario (unknown key, wrong
type, out-of-range value, empty list, --jobs 0, an output directory that cannot be
written, a non-empty output directory without --resume): exit code 2, nothing run.
Errors that only the run itself finds (a data file missing or malformed for one grid
point, k > d, an internal error) are recorded as status `error` with the message (also in
RUN/error.txt), and the other runs go on.

--resume: keeps every run whose summary.json exists, deletes and reruns the others
(interrupted or failed), and rebuilds sweep.csv. The sweep must be given the same
scenario file (unchanged), --set, --grid and --seeds (recorded in OUT/sweep.args).

Runs are threads of this process (--jobs of them at once, each with its scenario's
run.threads); outputs never depend on --jobs. Progress: one line per finished run on
stderr unless --quiet. Exit code: 0 when every run finished or failed on its own input,
1 when a run hit an internal error, 2 bad input (nothing run).

Pick the best run per group afterwards with `ef21sim best OUT --by bits|time --group-by KEY`.
)";

struct Outcome {
  std::vector<std::string> cells;  // from "run" to "message"
  std::string progress;            // "converged in 120 rounds", "error: ..."
  bool internal_error = false;
};

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", file.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string progress_text(const std::vector<std::string>& cells) {
  const std::string& status = cells[1];
  if (status == "error") return "error: " + cells.back();
  if (status == "converged") return fmt::format("converged in {} rounds", cells[2]);
  return fmt::format("{} after {} rounds", status, cells[2]);
}

/// The recorded identity of a sweep: scenario file (path and content hash), --set and the axes.
std::string sweep_args_text(const fs::path& scenario, const std::string& content, const std::vector<std::string>& sets,
                            const std::vector<GridAxis>& axes) {
  std::string out = fmt::format("scenario = {}\nscenario_fnv1a64 = {:016x}\n",
                                fs::absolute(scenario).lexically_normal().string(), fnv1a64(content));
  for (const auto& s : sets) out += fmt::format("set = {}\n", s);
  for (const auto& a : axes) {
    out += fmt::format("axis = {} ({})", a.column, a.key);
    for (std::size_t i = 0; i < a.values.size(); ++i) out += fmt::format("{}{}", i ? " , " : " = ", a.values[i].toml);
    out += "\n";
  }
  return out;
}

}  // namespace

int sweep_command(const std::vector<std::string>& args) {
  po::options_description options("ef21sim sweep SCENARIO.toml --grid KEY=V1,V2,... [options]");
  options.add_options()("help,h", "describe this command")(
      "grid", po::value<std::vector<std::string>>()->composing(), "a varied key: KEY=V1,V2,... (values are TOML)")(
      "seeds", po::value<std::string>(), "vary run.seed over A..B (inclusive)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a key in every run: KEY=VALUE")(
      "jobs,j", po::value<int>()->default_value(1), "runs at the same time (threads)")(
      "out", po::value<std::string>(), "sweep directory (default: results/<run.name>-sweep)")(
      "resume", "complete an interrupted sweep in --out: rerun only missing or incomplete runs")(
      "quiet,q", "no progress lines");
  const auto parsed = parse_scenario_command(args, options, kSweepHelp);
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;
  const int jobs = vm["jobs"].as<int>();
  if (jobs < 1) throw UsageError(fmt::format("--jobs must be at least 1, got {}", jobs));
  if (!vm.count("grid") && !vm.count("seeds")) throw UsageError("nothing to sweep: give --grid KEY=V1,V2,... or --seeds A..B");
  const bool quiet = vm.count("quiet") > 0;
  const bool resume = vm.count("resume") > 0;

  // 1. The grid.
  std::vector<GridAxis> axes;
  if (vm.count("grid"))
    for (const auto& g : vm["grid"].as<std::vector<std::string>>()) axes.push_back(parse_grid_axis(g));
  if (vm.count("seeds")) axes.push_back(parse_seed_axis(vm["seeds"].as<std::string>()));
  check_axes(axes);
  const std::vector<GridPoint> points = expand_grid(axes);

  // 2. Every grid point is a valid scenario.
  const fs::path file = vm["scenario"].as<std::string>();
  const std::vector<std::string> sets = set_values(vm);
  const toml::table base = sim::read_scenario_table(file, parse_overrides(sets));
  std::vector<sim::Scenario> scenarios;
  scenarios.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i) {
    try {
      toml::table table = base;
      for (const auto& o : point_overrides(axes, points[i])) sim::apply_override(table, o);
      scenarios.push_back(sim::parse_scenario(table, file));
    } catch (const InputError& e) {
      SourceLocation where = e.where();
      if (where.file.empty()) where.file = file.string();
      for (const auto& a : axes)  // the override's synthetic "value = ..." line means nothing here
        if (where.file == "--set " + a.key) where = {"--grid " + a.column, 0, 0};
      throw InputError(where, fmt::format("grid point {} of {} ({}): {}", i + 1, points.size(),
                                              point_description(axes, points[i]), e.message()));
    }
  }
  std::vector<std::string> targets;
  auto has_target = [&](auto member) {
    return std::any_of(scenarios.begin(), scenarios.end(), [&](const sim::Scenario& s) { return bool(s.run.stop.*member); });
  };
  if (has_target(&sim::StopTargets::grad_norm_sq)) targets.emplace_back("grad_norm_sq");
  if (has_target(&sim::StopTargets::grad_norm_sq_relative)) targets.emplace_back("grad_norm_sq_relative");
  if (has_target(&sim::StopTargets::bits_up)) targets.emplace_back("bits_up");
  std::vector<std::string> varied;
  for (const auto& a : axes) varied.push_back(a.column);

  // 3. The sweep directory: writable, and either new/empty or (with --resume) this sweep's.
  const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>())
                                       : fs::path("results") / (scenarios.front().run.name + "-sweep");
  const std::string args_text = sweep_args_text(file, read_text(file), sets, axes);
  std::error_code ec;
  const bool exists = fs::exists(out, ec);
  if (exists && !fs::is_directory(out, ec))
    throw InputError({out.string(), 0, 0}, "the sweep output exists and is not a directory");
  if (exists && !fs::is_empty(out, ec)) {
    if (!resume)
      throw InputError({out.string(), 0, 0},
                       "the sweep directory is not empty: use --resume to complete it, or choose another --out");
    if (!fs::exists(out / "sweep.args"))
      throw InputError({out.string(), 0, 0}, "not a sweep directory (no sweep.args): cannot --resume it");
    const std::string previous = read_text(out / "sweep.args");
    if (previous != args_text)
      throw InputError({(out / "sweep.args").string(), 0, 0},
                       fmt::format("--resume needs the same sweep (and an unchanged scenario file); this directory "
                                   "holds:\n{}this command asks for:\n{}",
                                   previous, args_text));
  }
  try {
    fs::create_directories(out);
    sim::write_file_atomically(out / "sweep.args", args_text);
  } catch (const std::exception& e) {
    throw InputError({out.string(), 0, 0}, fmt::format("cannot write the sweep directory: {}", e.what()));
  }

  // 4. What is done already (--resume), what is left.
  const std::size_t total = points.size();
  std::vector<std::optional<std::vector<std::string>>> rows(total);
  std::vector<std::size_t> todo;
  for (std::size_t i = 0; i < total; ++i) {
    const fs::path dir = out / points[i].name;
    if (fs::exists(dir / "summary.json")) {
      try {
        rows[i] = summary_cells(points[i].name, read_text(dir / "summary.json"), targets);
        continue;
      } catch (const std::exception&) {
        // Unreadable: rerun it.
      }
    }
    if (fs::exists(dir)) fs::remove_all(dir);  // leftovers of an interrupted or failed run
    todo.push_back(i);
  }

  std::mutex mutex;
  std::size_t finished = total - todo.size();
  bool internal_error = false;
  auto write_table = [&] {  // caller holds the mutex (or runs alone)
    CsvTable table;
    table.header = sweep_header(varied, targets);
    for (std::size_t i = 0; i < total; ++i)
      if (rows[i]) {
        std::vector<std::string> r;
        for (std::size_t a = 0; a < axes.size(); ++a) r.push_back(axes[a].values[points[i].index[a]].label);
        r.insert(r.end(), rows[i]->begin(), rows[i]->end());
        table.rows.push_back(std::move(r));
      }
    sim::write_file_atomically(out / "sweep.csv", format_csv(table));
  };
  write_table();
  if (!quiet) {
    if (finished > 0)
      fmt::print(stderr, "sweep: {} of {} runs already complete in {}, {} to run\n", finished, total, out.string(),
                 todo.size());
    else
      fmt::print(stderr, "sweep: {} runs into {} ({} at a time)\n", total, out.string(), jobs);
  }

  // 5. Run what is left, `jobs` at a time.
  std::atomic<std::size_t> next{0};
  auto run_one = [&](std::size_t i) {
    const fs::path dir = out / points[i].name;
    const sim::Scenario& scenario = scenarios[i];
    Outcome outcome;
    try {
      const auto started = std::chrono::steady_clock::now();
      sim::Simulation simulation(scenario);
      const sim::RunResult result = simulation.run();
      sim::HostInfo host;
      host.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      host.threads = scenario.run.threads;
      host.version = EF21SIM_VERSION;
      sim::write_run_directory(dir, scenario, result, host);
      outcome.cells = summary_cells(points[i].name, read_text(dir / "summary.json"), targets);
    } catch (const InputError& e) {
      outcome.cells = error_cells(points[i].name, e.what(), targets);
    } catch (const std::exception& e) {
      outcome.cells = error_cells(points[i].name, fmt::format("internal error: {}", e.what()), targets);
      outcome.internal_error = true;
    }
    if (outcome.cells[1] == "error") {
      std::error_code ignored;
      fs::create_directories(dir, ignored);
      try {
        sim::write_file_atomically(dir / "error.txt", outcome.cells.back() + "\n");
      } catch (const std::exception&) {
        // The row in sweep.csv still records it.
      }
    }
    std::lock_guard lock(mutex);
    rows[i] = outcome.cells;
    internal_error = internal_error || outcome.internal_error;
    ++finished;
    if (!quiet)
      fmt::print(stderr, "[{}/{}] {}: {}\n", finished, total, point_description(axes, points[i]),
                 progress_text(outcome.cells));
    try {
      write_table();
    } catch (const std::exception& e) {
      fmt::print(stderr, "ef21sim sweep: {}\n", e.what());
      internal_error = true;
    }
  };
  auto worker = [&] {
    for (std::size_t t; (t = next.fetch_add(1)) < todo.size();) run_one(todo[t]);
  };
  const std::size_t threads = std::min<std::size_t>(static_cast<std::size_t>(jobs), todo.size());
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  if (threads > 0) worker();
  for (auto& t : pool) t.join();

  // 6. The final table.
  write_table();
  if (!quiet) {
    std::map<std::string, std::size_t> counts;
    for (const auto& r : rows) ++counts[(*r)[1]];
    std::string tally;
    for (const auto& [status, n] : counts) tally += fmt::format("{}{} {}", tally.empty() ? "" : ", ", n, status);
    fmt::print(stderr, "sweep: {} runs ({}) -> {}\n", total, tally, (out / "sweep.csv").string());
  }
  return internal_error ? kExitInternal : kExitOk;
}

}  // namespace ef21::cli
