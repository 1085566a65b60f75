// ef21sim sweep SCENARIO.toml --grid KEY=V1,V2,... [--grid ...] [--seeds A..B] [--set KEY=VALUE]...
//               [--jobs N] [--out DIR] [--resume] [--shard I/N] [--mpi] [--quiet]
// The cartesian product of the grid, one run directory each, plus sweep.csv
// (tools/ef21sim/sweep_table.hpp). Every grid point is validated before any run. Runs execute
// in threads of this process, or on MPI ranks (tools/ef21sim/mpi_session.hpp).
#include <fmt/format.h>

#include <filesystem>
#include <map>

#include "models/support/input_error.hpp"
#include "sim/output/atomic_file.hpp"
#include "tools/ef21sim/cli_common.hpp"
#include "tools/ef21sim/csv_table.hpp"
#include "tools/ef21sim/study_setup.hpp"
#include "tools/ef21sim/sweep_table.hpp"

namespace ef21::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSweepHelp = R"(
Runs the scenario at every point of the cartesian product of the --grid axes (and of
--seeds), N runs at a time, each into its own run directory under --out, and writes
--out/sweep.csv. Each run directory is exactly what `ef21sim run SCENARIO --set KEY=V ...`
would write (scenario.toml, trace.csv, summary.json, ...).

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
Two points with the same name are an error. A run is written into a private directory
(.NAME.partial-HOST-PID-N) renamed to NAME when complete: a run directory exists only
complete, with summary.json (or error.txt, for a run that failed).

sweep.csv: the varied columns (in --grid order, then seed), run (the directory name),
status (converged, max_rounds, time_limit, bits_limit, diverged, or error), rounds,
final_f, final_grad_norm_sq, min_grad_norm_sq (the smallest ||grad f||^2 of the recorded
iterates), final_time_s, final_bits_up, final_bytes_up,
final_bytes_down, final_bytes_total, then for each stop target T of the scenario
(grad_norm_sq, grad_norm_sq_relative, bits_up) T_round, T_time_s, T_bits_up, T_bytes_up,
T_bytes_down, T_bytes_total (empty when not reached), then message (why a run failed).
bits are the paper's accounting (uplink payload bits per worker, as trace.csv); bytes are
wire bytes per worker (total over the workers / n), headers and round 0 included: up = what
a worker sends, down = what it receives, total = both. One row per finished run, in grid
order whatever --jobs is; rewritten atomically after every run, so an interrupted sweep
leaves a valid partial table.

Before any run starts, every grid point is validated as a scenario (unknown key, wrong
type, out-of-range value, empty list, --jobs 0, a bad --shard, an output directory that
cannot be written, a non-empty output directory without --resume): exit code 2, nothing
run. Errors that only the run itself finds (a data file missing or malformed for one grid
point, k > d, an internal error) are recorded as status `error` with the message (also in
RUN/error.txt), and the other runs go on.

--resume: keeps every run whose summary.json exists, deletes and reruns the others
(interrupted or failed), and rebuilds sweep.csv. The sweep must be given the same
scenario file (unchanged), --set, --grid and --seeds (recorded in OUT/sweep.args).

--shard I/N (job arrays): runs only the grid points whose index (in sweep.csv order, from 0)
is I modulo N, into the shared --out, and writes no sweep.csv. Shards may run at the same
time on one directory (each keeps to its own runs); each resumes its share. When every
shard is done, `ef21sim sweep ... --resume` (same arguments, no --shard) writes sweep.csv
without running anything.

MPI: `mpirun -n N ef21sim sweep ...` (or --mpi under another launcher): rank 0 hands the
grid points out, one at a time to the rank that asks, and writes sweep.csv; ranks 1..N-1 run
them (--jobs threads each) into --out, which they must all see (a shared filesystem).
Outputs are byte-identical to a sweep in one process. A job killed part way is completed
with --resume, with MPI or without.

Runs are threads of this process (--jobs of them at once, each with its scenario's
run.threads); outputs never depend on --jobs. Progress: one line per finished run on
stderr unless --quiet. Exit code: 0 when every run finished or failed on its own input,
1 when a run hit an internal error, 2 bad input (nothing run).

Pick the best run per group afterwards with `ef21sim best OUT --by bits|bytes|time|rounds
--group-by KEY`; let `ef21sim tune` search the stepsize for you.
)";

std::string progress_text(const std::vector<std::string>& cells) {
  const std::string& status = cells[1];
  if (status == "error") return "error: " + cells.back();
  if (status == "converged") return fmt::format("converged in {} rounds", cells[2]);
  return fmt::format("{} after {} rounds", status, cells[2]);
}

int sweep(const po::variables_map& vm) {
  // 1. The grid, every point a valid scenario.
  const StudyInput in = read_study_input(vm, /*need_axes=*/true);
  const toml::table base = sim::read_scenario_table(in.scenario_file, parse_overrides(in.sets));
  const std::vector<sim::Scenario> scenarios = validate_points(in, base);
  const std::vector<std::string> targets = stop_target_names(scenarios);
  std::vector<std::string> varied;
  for (const auto& a : in.axes) varied.push_back(a.column);
  const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>())
                                       : fs::path("results") / (scenarios.front().run.name + "-sweep");
  const RunSetup setup{in.scenario_file, base, out};
  const std::size_t total = in.points.size();
  const std::string shard_text =
      in.shard ? fmt::format("shard {}/{}: ", in.shard->index, in.shard->count) : "";

  std::vector<std::optional<std::vector<std::string>>> rows(total);
  std::vector<std::size_t> todo;
  std::size_t share = 0, finished = 0;
  bool internal_error = false;
  auto write_table = [&] {
    if (in.shard) return;  // a shard writes no table
    CsvTable table;
    table.header = sweep_header(varied, targets);
    for (std::size_t i = 0; i < total; ++i)
      if (rows[i]) {
        std::vector<std::string> r;
        for (std::size_t a = 0; a < in.axes.size(); ++a)
          r.push_back(in.axes[a].values[in.points[i].index[a]].label);
        r.insert(r.end(), rows[i]->begin(), rows[i]->end());
        table.rows.push_back(std::move(r));
      }
    sim::write_file_atomically(out / "sweep.csv", format_csv(table));
  };

  // 2. The sweep directory (rank 0 under MPI): writable, and either new/empty or (with
  // --resume, --shard) this sweep's; what is done already, what is left.
  auto prepare = [&] {
    open_study_directory(out, "sweep.args", study_identity(in), in.resume || in.shard.has_value(), "sweep");
    std::vector<std::string> stale;
    for (std::size_t i = 0; i < total; ++i) {
      if (in.shard && !in.shard->takes(i)) continue;
      ++share;
      const std::string& name = in.points[i].name;
      if (run_is_complete(out, name)) {
        try {
          const RunOutcome done = read_complete_run(out, name);
          rows[i] = summary_cells(name, done.text, done.min_grad_norm_sq, targets);
          continue;
        } catch (const std::exception&) {
          fs::remove_all(out / name);  // unreadable: rerun it
        }
      }
      stale.push_back(name);
      todo.push_back(i);
    }
    clear_incomplete_runs(out, stale);
    finished = share - todo.size();
    write_table();
    if (in.quiet) return;
    if (finished > 0)
      fmt::print(stderr, "sweep: {}{} of {} runs already complete in {}, {} to run\n", shard_text, finished,
                 share, out.string(), todo.size());
    else
      fmt::print(
          stderr, "sweep: {}{} runs into {} ({} at a time{})\n", shard_text, share, out.string(), in.jobs,
          in.mpi && in.mpi->size() > 1 ? fmt::format(" on each of {} MPI ranks", in.mpi->size() - 1) : "");
  };

  // 3. Run what is left; rows land in grid order whoever ran them.
  auto study = [&](RunFarm& farm) {
    std::vector<RunJob> jobs;
    for (const std::size_t i : todo)
      jobs.push_back({in.points[i].name, point_overrides(in.axes, in.points[i])});
    farm.run(jobs, [&](std::size_t j, const RunOutcome& outcome, const std::string& where) {
      const std::size_t i = todo[j];
      rows[i] = outcome_cells(in.points[i].name, outcome, targets);
      internal_error =
          internal_error || ((*rows[i])[1] == "error" && outcome.kind != RunOutcome::Kind::input_error);
      ++finished;
      if (!in.quiet)
        fmt::print(stderr, "[{}{}/{}] {}: {}{}\n", shard_text, finished, share,
                   point_description(in.axes, in.points[i]), progress_text(*rows[i]),
                   where.empty() ? "" : fmt::format(" ({})", where));
      try {
        write_table();
      } catch (const std::exception& e) {
        fmt::print(stderr, "ef21sim sweep: {}\n", e.what());
        internal_error = true;
      }
    });
    write_table();
    if (!in.quiet) {
      std::map<std::string, std::size_t> counts;
      for (const auto& r : rows)
        if (r) ++counts[(*r)[1]];
      std::string tally;
      for (const auto& [status, n] : counts)
        tally += fmt::format("{}{} {}", tally.empty() ? "" : ", ", n, status);
      if (in.shard)
        fmt::print(stderr,
                   "sweep: {}{} runs ({}) in {}; once every shard is done, `--resume` without --shard writes "
                   "sweep.csv\n",
                   shard_text, share, tally, out.string());
      else
        fmt::print(stderr, "sweep: {} runs ({}) -> {}\n", total, tally, (out / "sweep.csv").string());
    }
    return internal_error ? kExitInternal : kExitOk;
  };
  return run_study(in, setup, prepare, study);
}

}  // namespace

int sweep_command(const std::vector<std::string>& args) {
  po::options_description options("ef21sim sweep SCENARIO.toml --grid KEY=V1,V2,... [options]");
  options.add_options()("help,h", "describe this command");
  add_study_options(options, "sweep directory (default: results/<run.name>-sweep)");
  try {
    const auto parsed = parse_scenario_command(args, options, kSweepHelp);
    if (!parsed) return kExitOk;
    return sweep(*parsed);
  } catch (const std::exception&) {
    // Under MPI every rank sees the same bad input; rank 0 reports it.
    if (quiet_mpi_rank()) return kExitBadInput;
    throw;
  }
}

}  // namespace ef21::cli
