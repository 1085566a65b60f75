#include "tools/ef21sim/study_setup.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "models/support/input_error.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "tools/ef21sim/cli_common.hpp"
#include "tools/ef21sim/interrupt.hpp"

namespace ef21::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;

void add_study_options(po::options_description& options, const char* out_default) {
  options.add_options()("grid", po::value<std::vector<std::string>>()->composing(),
                        "a varied key: KEY=V1,V2,... (values are TOML)")(
      "seeds", po::value<std::string>(), "vary run.seed over A..B (inclusive)")(
      "set", po::value<std::vector<std::string>>()->composing(), "override a key in every run: KEY=VALUE")(
      "jobs,j", po::value<int>()->default_value(1), "runs at the same time (threads; per rank under MPI)")(
      "out", po::value<std::string>(), out_default)(
      "resume", "complete an interrupted study in --out: rerun only missing or incomplete runs")(
      "shard", po::value<std::string>(), "I/N: run only this task's share into --out (job arrays), no table")(
      "mpi", "run under MPI (implied when mpirun or srun started several processes)")("quiet,q",
                                                                                      "no progress lines");
}

bool quiet_mpi_rank() {
  if (mpi_launch_size() <= 1) return false;
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK"})
    if (const char* value = std::getenv(name)) return std::string(value) != "0";
  return false;
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(fmt::format("cannot read {}", file.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

StudyInput read_study_input(const po::variables_map& vm, bool need_axes) {
  StudyInput in;
  in.jobs = vm["jobs"].as<int>();
  if (in.jobs < 1) throw UsageError(fmt::format("--jobs must be at least 1, got {}", in.jobs));
  if (need_axes && !vm.count("grid") && !vm.count("seeds"))
    throw UsageError("nothing to sweep: give --grid KEY=V1,V2,... or --seeds A..B");
  in.quiet = vm.count("quiet") > 0;
  in.resume = vm.count("resume") > 0;
  if (vm.count("shard")) in.shard = parse_shard(vm["shard"].as<std::string>());
  const bool mpi = vm.count("mpi") > 0 || mpi_launch_size() > 1;
  if (mpi) in.mpi = start_mpi_session();  // UsageError without MPI in this build

  if (vm.count("grid"))
    for (const auto& g : vm["grid"].as<std::vector<std::string>>()) in.axes.push_back(parse_grid_axis(g));
  if (vm.count("seeds")) in.axes.push_back(parse_seed_axis(vm["seeds"].as<std::string>()));
  check_axes(in.axes);
  in.points = expand_grid(in.axes);
  in.scenario_file = vm["scenario"].as<std::string>();
  try {
    in.scenario_text = read_text(in.scenario_file);
  } catch (const std::runtime_error&) {
    // Reading the scenario table reports a missing file with its location.
  }
  in.sets = set_values(vm);
  return in;
}

std::vector<sim::Scenario> validate_points(const StudyInput& in, const toml::table& base,
                                           const std::vector<sim::Override>& extra) {
  std::vector<sim::Scenario> scenarios;
  const std::size_t count = std::max<std::size_t>(in.points.size(), 1);  // no axes: one point
  scenarios.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const bool has_point = i < in.points.size();
    try {
      toml::table table = base;
      if (has_point)
        for (const auto& o : point_overrides(in.axes, in.points[i])) sim::apply_override(table, o);
      for (const auto& o : extra) sim::apply_override(table, o);
      scenarios.push_back(sim::parse_scenario(table, in.scenario_file));
    } catch (const InputError& e) {
      if (!has_point) throw;
      SourceLocation where = e.where();
      if (where.file.empty()) where.file = in.scenario_file.string();
      for (const auto& a : in.axes)  // the override's synthetic "value = ..." line means nothing here
        if (where.file == "--set " + a.key) where = {"--grid " + a.column, 0, 0};
      throw InputError(where, fmt::format("grid point {} of {} ({}): {}", i + 1, in.points.size(),
                                          point_description(in.axes, in.points[i]), e.message()));
    }
  }
  return scenarios;
}

std::vector<std::string> stop_target_names(const std::vector<sim::Scenario>& scenarios) {
  std::vector<std::string> targets;
  auto has_target = [&](auto member) {
    return std::any_of(scenarios.begin(), scenarios.end(),
                       [&](const sim::Scenario& s) { return bool(s.run.stop.*member); });
  };
  if (has_target(&sim::StopTargets::grad_norm_sq)) targets.emplace_back("grad_norm_sq");
  if (has_target(&sim::StopTargets::grad_norm_sq_relative)) targets.emplace_back("grad_norm_sq_relative");
  if (has_target(&sim::StopTargets::bits_up)) targets.emplace_back("bits_up");
  return targets;
}

std::string study_identity(const StudyInput& in, const std::string& extra) {
  std::string out =
      fmt::format("scenario = {}\nscenario_fnv1a64 = {:016x}\n",
                  fs::absolute(in.scenario_file).lexically_normal().string(), fnv1a64(in.scenario_text));
  for (const auto& s : in.sets) out += fmt::format("set = {}\n", s);
  for (const auto& a : in.axes) {
    out += fmt::format("axis = {} ({})", a.column, a.key);
    for (std::size_t i = 0; i < a.values.size(); ++i)
      out += fmt::format("{}{}", i ? " , " : " = ", a.values[i].toml);
    out += "\n";
  }
  return out + extra;
}

void open_study_directory(const fs::path& out, const std::string& args_file, const std::string& identity,
                          bool resume, const std::string& what) {
  std::error_code ec;
  const bool exists = fs::exists(out, ec);
  if (exists && !fs::is_directory(out, ec))
    throw InputError({out.string(), 0, 0}, fmt::format("the {} output exists and is not a directory", what));
  const fs::path args = out / args_file;
  if (exists && !fs::is_empty(out, ec)) {
    if (!resume)
      throw InputError(
          {out.string(), 0, 0},
          fmt::format("the {} directory is not empty: use --resume to complete it, or choose another --out",
                      what));
    if (!fs::exists(args))
      throw InputError({out.string(), 0, 0},
                       fmt::format("not a {} directory (no {}): cannot --resume it", what, args_file));
    std::string previous;
    try {
      previous = read_text(args);
    } catch (const std::exception& e) {
      throw InputError({args.string(), 0, 0}, e.what());
    }
    if (previous != identity)
      throw InputError(
          {args.string(), 0, 0},
          fmt::format("--resume and --shard need the same {} (and an unchanged scenario file); this "
                      "directory holds:\n{}this command asks for:\n{}",
                      what, previous, identity));
    return;
  }
  try {
    fs::create_directories(out);
    // Shards may start together on an empty directory: each writes its own temporary file and
    // renames it over the others' (the same content).
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    const fs::path temporary =
        out / fmt::format(".{}.tmp-{}-{}", args_file, host, static_cast<long>(getpid()));
    {
      std::ofstream file(temporary, std::ios::binary);
      file << identity;
      file.close();
      if (!file) throw std::runtime_error(fmt::format("cannot write {}", temporary.string()));
    }
    fs::rename(temporary, args);
  } catch (const std::exception& e) {
    throw InputError({out.string(), 0, 0}, fmt::format("cannot write the {} directory: {}", what, e.what()));
  }
}

int run_study(const StudyInput& in, const RunSetup& setup, const std::function<void()>& prepare,
              const std::function<int(RunFarm&)>& study) {
  if (!in.mpi || in.mpi->size() == 1) {
    // Ctrl-C / SIGTERM: the runs in progress stop (not published, so --resume reruns them),
    // no new one starts, the tables keep the finished runs; exit 130 / 143.
    const InterruptGuard interrupts;
    prepare();
    const auto farm = make_thread_farm(setup, in.jobs);
    const int code = study(*farm);
    return interrupts.requested() ? interrupts.exit_code() : code;
  }
  MpiSession& mpi = *in.mpi;
  if (mpi.rank() != 0) {
    if (!mpi.broadcast("").empty()) return kExitBadInput;  // rank 0 says why
    try {
      mpi.serve(setup, in.jobs);
    } catch (const std::exception& e) {
      fmt::print(stderr, "ef21sim (MPI rank {}): {}\n", mpi.rank(), e.what());
      mpi.abort(kExitInternal);
    }
    return kExitOk;
  }
  try {
    prepare();
  } catch (...) {
    mpi.broadcast("the study directory could not be opened");
    throw;
  }
  mpi.broadcast("");
  try {
    const auto farm = mpi.farm();
    const int code = study(*farm);
    mpi.stop_workers();
    return code;
  } catch (const std::exception& e) {
    fmt::print(stderr, "ef21sim (MPI rank 0): {}\n", e.what());
    mpi.abort(kExitInternal);
  }
  return kExitInternal;  // not reached: abort ends the process
}

}  // namespace ef21::cli
