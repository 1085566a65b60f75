// ef21sim tune SCENARIO.toml [--grid KEY=V1,V2,...]... [--seeds A..B] [--set KEY=VALUE]...
//              [--by bits|bytes|time|rounds] [--target T] [--refine N] [--param KEY] [--start X]
//              [--max-doublings N] [--jobs N] [--out DIR] [--resume] [--shard I/N] [--mpi] [--quiet]
// For each group (a point of the other axes), searches the stepsize multiplier (or absolute
// stepsize) that reaches the stop target at the least cost (tools/ef21sim/tune_search.hpp),
// in deterministic batches; writes tune.csv (every evaluated run) and best.csv.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <filesystem>

#include "models/support/input_error.hpp"
#include "sim/output/atomic_file.hpp"
#include "tools/ef21sim/best_selection.hpp"
#include "tools/ef21sim/cli_common.hpp"
#include "tools/ef21sim/csv_table.hpp"
#include "tools/ef21sim/interrupt.hpp"
#include "tools/ef21sim/study_setup.hpp"
#include "tools/ef21sim/sweep_table.hpp"
#include "tools/ef21sim/tune_search.hpp"
#include "tools/ef21sim/tune_start.hpp"

namespace ef21::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace {

constexpr const char* kTuneHelp = R"(
Tunes the stepsize: for each group of runs (each point of the --grid axes and --seeds; the
whole study is one group without them) it searches the value of --param that reaches the
stop target at the least cost (--by, as in `ef21sim best`), running the scenario at each
value it tries. --param is algorithm.multiplier (it scales the theory or the absolute
stepsize), or algorithm.stepsize (an absolute stepsize). By default: algorithm.stepsize when
the scenario sets an absolute stepsize, else the multiplier.

Where the ladder starts (--start):
  auto (default)  the multiplier of a theory stepsize gamma_T: 2^s per group, s = round(
                  log2(m_GD) / 2), halfway in log scale from gamma_T (multiplier 1) to GD's
                  stepsize 1/L (multiplier m_GD = 1 / (L gamma_T)): theory stepsizes of
                  compressed methods are conservative by about the compressor's factor (EF21
                  with Top-1: ~2d), and the best lies in between. s = 0 (multiplier 1) for GD
                  or without compression. Otherwise 1 for the multiplier, the scenario's
                  stepsize for algorithm.stepsize. Reading L and gamma_T loads each group's
                  data once (what `ef21sim check` prints).
  X               the value X for every group (--start 1: the ladder from the theory stepsize).

The search (values base * 2^e, base = 1, X or the scenario's stepsize; e starts at s, 0
unless automatic):
  1. ladder: e = s and s + 1; if s + 1 is better move up by x2 (s + 2, s + 3, ...) while each
     step is better than the last, else try e = s - 1 and move down the same way.
     Better: reaching the target at a lower cost; a run that never reaches it counts as
     +inf, but to get off such a plateau the search prefers the run that came closer to the
     target (the smallest ||grad f||^2 of its recorded iterates, column min_grad_norm_sq), a
     run that diverged later, a run that did not fail. The ladder stops at |e - s| =
     --max-doublings (default 20).
  2. --refine N (default 2) rounds: round r evaluates the two points at e_best -/+ 2^-r
     (round 1: x/sqrt(2) and x*sqrt(2) between the best x and its ladder neighbours x/2,
     2x; round 2: x*2^-1/4 and x*2^1/4 around the best then; and so on).
The best value is the one reaching the target at the least cost (ties: the tie-break cost,
then the smaller value). All groups advance together, batch by batch (a batch holds each
group's next points), so the points tried and every output are the same for any --jobs.

Outputs in --out (default results/<run.name>-tune):
  RUN/      one run directory per evaluated point, named as a sweep names it (the group's
            COLUMN-VALUE pairs, then PARAM-VALUE): algorithm.kind-ef21_algorithm.multiplier-8
  tune.csv  one row per evaluated point, groups in grid order, each by increasing value: the
            columns of sweep.csv (the group's varied columns and PARAM as varied columns),
            then `exponent` (e, value = start * 2^e) and `batch` (when it was evaluated)
  best.csv  the tune.csv row of each group's best value (groups that never reached the
            target have none), also printed as a markdown table
  tune.args the study's identity, for --resume
`ef21sim best DIR...` reads tune.csv as it reads sweep.csv.

--resume replays the search, reading every run already complete instead of running it.
--shard I/N takes the groups whose index is I modulo N (no tables; a final --resume without
--shard writes them, running nothing). MPI as for `ef21sim sweep` (rank 0 searches).

Bad input, exit 2 before any run: no stop target (tune needs [run.stop] grad_norm_sq or
grad_norm_sq_relative), a --grid on the tuned key, algorithm.stepsize with a theory
stepsize, --refine outside 0..20, --start neither auto nor > 0, and what `ef21sim sweep`
rejects; with --start auto, a group whose method has no theory stepsize rule for it.
)";

struct TuneSettings {
  CostKind by = CostKind::bits;
  std::string target;
  std::string param;      // algorithm.multiplier or algorithm.stepsize
  double start = 1.0;     // the base value: e = 0
  bool automatic = true;  // start each group's ladder at its automatic exponent (tune_start.hpp)
  int refine = 2;
  int max_doublings = 20;
};

/// An automatic start stays within this many doublings of the multiplier 1.
constexpr int kStartLimit = 20;

/// start * 2^(ticks / doubling), exact for whole doublings.
double point_value(double start, std::int64_t ticks, std::int64_t doubling) {
  const std::int64_t whole = ticks >= 0 ? ticks / doubling : -((-ticks + doubling - 1) / doubling);
  const std::int64_t fraction = ticks - whole * doubling;  // 0 .. doubling-1
  const double scaled = fraction == 0 ? start : start * std::exp2(static_cast<double>(fraction) / doubling);
  return std::ldexp(scaled, static_cast<int>(whole));
}

/// The group's points of the grid (one empty point when there are no axes).
std::vector<GridPoint> groups_of(const StudyInput& in) {
  if (!in.points.empty()) return in.points;
  return {GridPoint{{}, ""}};
}

int tune(const po::variables_map& vm) {
  const StudyInput in = read_study_input(vm, /*need_axes=*/false);
  const toml::table base = sim::read_scenario_table(in.scenario_file, parse_overrides(in.sets));
  TuneSettings t;
  try {
    t.by = parse_cost_kind(vm["by"].as<std::string>());
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
  t.refine = vm["refine"].as<int>();
  if (t.refine < 0 || t.refine > 20)
    throw UsageError(fmt::format("--refine must be 0..20, got {}", t.refine));
  t.max_doublings = vm["max-doublings"].as<int>();
  if (t.max_doublings < 1 || t.max_doublings > 60)
    throw UsageError(fmt::format("--max-doublings must be 1..60, got {}", t.max_doublings));

  // 1. Groups, each a valid scenario; the tuned key and where it starts.
  std::vector<sim::Scenario> scenarios = validate_points(in, base);
  t.param = vm["param"].as<std::string>();
  const bool absolute = scenarios.front().algorithm.stepsize.has_value();
  if (t.param == "auto") t.param = absolute ? "algorithm.stepsize" : "algorithm.multiplier";
  if (t.param != "algorithm.multiplier" && t.param != "algorithm.stepsize")
    throw UsageError(fmt::format(
        "--param must be algorithm.multiplier or algorithm.stepsize (or auto), not \"{}\"", t.param));
  if (t.param == "algorithm.stepsize" && !absolute)
    throw InputError(
        {"--param", 0, 0},
        "algorithm.stepsize is \"theory\" in this scenario: tune algorithm.multiplier (it scales the "
        "theory stepsize), or set an absolute stepsize (--set algorithm.stepsize=0.1)");
  for (const auto& a : in.axes)
    if (a.key == t.param)
      throw InputError(
          {"--grid " + a.column, 0, 0},
          fmt::format("tune searches {} itself: drop this --grid (--start sets where it begins)", t.param));
  t.start = t.param == "algorithm.stepsize" ? *scenarios.front().algorithm.stepsize : 1.0;
  const std::string start_text = vm["start"].as<std::string>();
  t.automatic = start_text == "auto" && t.param == "algorithm.multiplier";
  if (start_text != "auto") {
    std::size_t used = 0;
    try {
      t.start = std::stod(start_text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != start_text.size() || !(t.start > 0) || !std::isfinite(t.start))
      throw UsageError(fmt::format("--start must be auto or a positive number, got \"{}\"", start_text));
  }
  const std::vector<std::string> targets = stop_target_names(scenarios);
  if (std::none_of(targets.begin(), targets.end(),
                   [](const std::string& n) { return n.starts_with("grad_norm_sq"); }))
    throw InputError({in.scenario_file.string(), 0, 0},
                     "tune needs a stop target to reach: [run.stop] grad_norm_sq or grad_norm_sq_relative "
                     "(e.g. --set run.stop.grad_norm_sq=1e-5)");
  t.target = vm.count("target") ? vm["target"].as<std::string>()
                                : *std::find_if(targets.begin(), targets.end(), [](const std::string& n) {
                                    return n.starts_with("grad_norm_sq");
                                  });
  if (!t.target.starts_with("grad_norm_sq") ||
      std::find(targets.begin(), targets.end(), t.target) == targets.end())
    throw UsageError(fmt::format(
        "--target {}: not a grad_norm_sq or grad_norm_sq_relative stop target of the scenario", t.target));
  // The largest and smallest values the ladder may try are valid too (a range check of the key;
  // an automatic start is within kStartLimit doublings of the base).
  const int reach = t.max_doublings + (t.automatic ? kStartLimit : 0);
  validate_points(in, base, {{t.param, fmt::format("{}", point_value(t.start, reach, 1))}});
  validate_points(in, base, {{t.param, fmt::format("{}", point_value(t.start, -reach, 1))}});

  std::vector<std::string> varied;
  for (const auto& a : in.axes) varied.push_back(a.column);
  const std::vector<std::string> group_columns = varied;
  varied.push_back(t.param);
  CsvTable header_only;
  header_only.header = sweep_header(varied, targets);
  header_only.header.emplace_back("exponent");
  header_only.header.emplace_back("batch");
  const CostColumns cost = cost_columns(header_only, t.by, t.target);

  const fs::path out = vm.count("out") ? fs::path(vm["out"].as<std::string>())
                                       : fs::path("results") / (scenarios.front().run.name + "-tune");
  const RunSetup setup{in.scenario_file, base, out};
  const std::string identity = study_identity(
      in,
      fmt::format("tune = by {}, target {}, param {}, start {}, refine {}, max_doublings {}\n",
                  vm["by"].as<std::string>(), t.target, t.param,
                  t.automatic ? std::string("auto") : fmt::format("{}", t.start), t.refine, t.max_doublings));
  const std::vector<GridPoint> groups = groups_of(in);
  std::vector<std::size_t> mine;  // the groups this process searches
  for (std::size_t g = 0; g < groups.size(); ++g)
    if (!in.shard || in.shard->takes(g)) mine.push_back(g);
  const std::string shard_text =
      in.shard ? fmt::format("shard {}/{}: ", in.shard->index, in.shard->count) : "";

  // Per group: the search and the rows of its evaluated points (by ticks).
  struct Evaluated {
    std::vector<std::string> cells;  // from run to message
    std::size_t batch = 0;
  };
  std::vector<TuneSearch> searches;  // per group, made by prepare() (the searching process only)
  std::vector<std::map<std::int64_t, Evaluated>> rows(groups.size());
  const std::int64_t doubling = std::int64_t{1} << t.refine;
  auto value_text = [&](std::int64_t ticks) {
    return fmt::format("{}", point_value(t.start, ticks, doubling));
  };
  auto run_name_of = [&](const GridPoint& g, std::int64_t ticks) {
    std::vector<GridAxis> axes = in.axes;
    const std::string value = value_text(ticks);
    axes.push_back({t.param, t.param, {{value, value}}});
    std::vector<std::size_t> index = g.index;
    index.push_back(0);
    return run_name(axes, index);
  };
  auto table_of = [&] {
    CsvTable table;
    table.header = header_only.header;
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (const auto& [ticks, e] : rows[g]) {
        std::vector<std::string> r;
        for (std::size_t a = 0; a < in.axes.size(); ++a)
          r.push_back(in.axes[a].values[groups[g].index[a]].label);
        r.push_back(value_text(ticks));
        r.insert(r.end(), e.cells.begin(), e.cells.end());
        r.push_back(fmt::format("{}", static_cast<double>(ticks) / static_cast<double>(doubling)));
        r.push_back(std::to_string(e.batch));
        table.rows.push_back(std::move(r));
      }
    return table;
  };
  auto write_tables = [&](bool final) {
    if (in.shard) return;
    const CsvTable table = table_of();
    sim::write_file_atomically(out / "tune.csv", format_csv(table));
    if (!final) return;
    const BestSelection best = select_best(table, t.by, group_columns, t.target);
    CsvTable chosen;
    chosen.header = table.header;
    for (auto r : best.chosen()) chosen.rows.push_back(table.rows[r]);
    sim::write_file_atomically(out / "best.csv", format_csv(chosen));
    fmt::print("best {} by {} to reach {} ({}):\n\n{}", t.param, cost_description(t.by), t.target,
               (out / "tune.csv").string(), format_best_markdown(table, best, group_columns));
  };

  auto prepare = [&] {
    open_study_directory(out, "tune.args", identity, in.resume || in.shard.has_value(), "tune");
    // Each group's first exponent: 0, or from its constants (this group's data, method, k).
    std::vector<int> first(groups.size(), 0);
    if (t.automatic)
      for (const std::size_t g : mine)
        first[g] = automatic_start_exponent(scenarios[g], kStartLimit).value_or(0);
    for (std::size_t g = 0; g < groups.size(); ++g)
      searches.emplace_back(t.refine, t.max_doublings, first[g]);
    if (in.quiet) return;
    std::string from = fmt::format("{}", t.start);
    if (t.automatic) {
      std::vector<std::string> values;
      for (const std::size_t g : mine) values.push_back(fmt::format("{}", point_value(t.start, first[g], 1)));
      const std::size_t shown = std::min<std::size_t>(values.size(), 8);
      from = fmt::format("{} (auto, by group{})", fmt::join(values.begin(), values.begin() + shown, ", "),
                         shown < values.size() ? ", ..." : "");
    }
    fmt::print(
        stderr,
        "tune: {}{} for {} of {} group(s), by {} to {}: from {} by x2, then {} refinement(s); into {}\n",
        shard_text, t.param, mine.size(), groups.size(), cost_description(t.by), t.target, from, t.refine,
        out.string());
  };

  auto study = [&](RunFarm& farm) {
    bool internal_error = false;
    std::size_t batch = 0, ran = 0, reused = 0;
    while (true) {
      // The batch: each unfinished group's pending points, groups in grid order.
      struct Slot {
        std::size_t group;
        std::int64_t ticks;
      };
      std::vector<Slot> slots;
      for (const std::size_t g : mine)
        for (const std::int64_t ticks : searches[g].pending()) slots.push_back({g, ticks});
      if (slots.empty()) break;
      ++batch;
      std::vector<RunJob> jobs;
      std::vector<std::size_t> job_slot;
      std::vector<std::string> stale;
      for (std::size_t s = 0; s < slots.size(); ++s) {
        const auto& [g, ticks] = slots[s];
        const std::string name = run_name_of(groups[g], ticks);
        if (run_is_complete(out, name)) {  // --resume: read it instead of running it
          try {
            const RunOutcome done = read_complete_run(out, name);
            rows[g][ticks] = {summary_cells(name, done.text, done.min_grad_norm_sq, targets), batch};
            ++reused;
            continue;
          } catch (const std::exception&) {
            fs::remove_all(out / name);
          }
        }
        stale.push_back(name);
        std::vector<sim::Override> overrides = point_overrides(in.axes, groups[g]);
        overrides.push_back({t.param, value_text(ticks)});
        jobs.push_back({name, std::move(overrides)});
        job_slot.push_back(s);
      }
      clear_incomplete_runs(out, stale);
      farm.run(jobs, [&](std::size_t j, const RunOutcome& outcome, const std::string& where) {
        const auto& [g, ticks] = slots[job_slot[j]];
        std::vector<std::string> cells = outcome_cells(jobs[j].name, outcome, targets);
        internal_error =
            internal_error || (cells[1] == "error" && outcome.kind != RunOutcome::Kind::input_error);
        ++ran;
        if (!in.quiet) {
          std::string what = point_description(in.axes, groups[g]);
          what += fmt::format("{}{}={}", what.empty() ? "" : ",", t.param, value_text(ticks));
          const std::string status = cells[1] == "error" ? "error: " + cells.back()
                                     : cells[1] == "converged"
                                         ? fmt::format("converged in {} rounds", cells[2])
                                         : fmt::format("{} after {} rounds", cells[1], cells[2]);
          fmt::print(stderr, "[{}batch {}] {}: {}{}\n", shard_text, batch, what, status,
                     where.empty() ? "" : fmt::format(" ({})", where));
        }
        rows[g][ticks] = {std::move(cells), batch};
        try {
          write_tables(false);
        } catch (const std::exception& e) {
          fmt::print(stderr, "ef21sim tune: {}\n", e.what());
          internal_error = true;
        }
      });
      if (InterruptGuard::flag()->load()) return kExitOk;  // interrupted: tune.csv holds the finished runs
      // Every point of the batch is in: the searches move on, in a fixed order.
      for (const auto& [g, ticks] : slots) {
        const Evaluated& e = rows[g].at(ticks);
        std::vector<std::string> row(in.axes.size() + 1);
        row.insert(row.end(), e.cells.begin(), e.cells.end());
        row.resize(header_only.header.size());
        searches[g].report(ticks, standing(row, cost));
      }
    }
    write_tables(true);
    if (!in.quiet)
      fmt::print(stderr, "tune: {}{} runs in {} batches ({} run now, {} already complete){}\n", shard_text,
                 ran + reused, batch, ran, reused,
                 in.shard
                     ? "; once every shard is done, `--resume` without --shard writes tune.csv and best.csv"
                     : fmt::format(" -> {}, {}", (out / "tune.csv").string(), (out / "best.csv").string()));
    return internal_error ? kExitInternal : kExitOk;
  };
  return run_study(in, setup, prepare, study);
}

}  // namespace

int tune_command(const std::vector<std::string>& args) {
  po::options_description options("ef21sim tune SCENARIO.toml [options]");
  options.add_options()("help,h", "describe this command")(
      "by", po::value<std::string>()->default_value("bits"),
      "bits, bytes, time or rounds: the cost to minimise")(
      "target", po::value<std::string>(), "stop target (default: the first grad_norm_sq* target)")(
      "param", po::value<std::string>()->default_value("auto"),
      "algorithm.multiplier, algorithm.stepsize or auto")(
      "start", po::value<std::string>()->default_value("auto"),
      "first value: auto (the multiplier halfway to GD's 1/L; else 1 or the scenario's stepsize) or X")(
      "refine", po::value<int>()->default_value(2), "refinement rounds after the x2 ladder")(
      "max-doublings", po::value<int>()->default_value(20),
      "the ladder's bound: at most N doublings from where it starts");
  add_study_options(options, "tune directory (default: results/<run.name>-tune)");
  try {
    const auto parsed = parse_scenario_command(args, options, kTuneHelp);
    if (!parsed) return kExitOk;
    return tune(*parsed);
  } catch (const std::exception&) {
    if (quiet_mpi_rank()) return kExitBadInput;  // every rank sees the same bad input; rank 0 says it
    throw;
  }
}

}  // namespace ef21::cli
