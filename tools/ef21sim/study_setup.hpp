#pragma once
// What `ef21sim sweep` and `ef21sim tune` share: their common options, the validated grid, the
// study directory (checks, identity file, --resume, --shard), and where the runs execute
// (threads of this process or MPI ranks).
#include <boost/program_options.hpp>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"
#include "tools/ef21sim/mpi_session.hpp"
#include "tools/ef21sim/run_farm.hpp"
#include "tools/ef21sim/sweep_grid.hpp"

namespace ef21::cli {

/// --grid, --seeds, --set, --jobs, --out, --resume, --shard, --mpi, --quiet.
void add_study_options(boost::program_options::options_description& options, const char* out_default);

/// The common part of a sweep's or tune's command line, read and validated.
struct StudyInput {
  std::filesystem::path scenario_file;
  std::string scenario_text;  // its content (hashed into the study identity)
  std::vector<std::string> sets;
  std::vector<GridAxis> axes;  // the --grid axes in order, then --seeds
  std::vector<GridPoint> points;
  int jobs = 1;
  bool quiet = false;
  bool resume = false;
  std::optional<Shard> shard;
  /// MPI, started when --mpi is given or an MPI launcher started this process among several.
  std::shared_ptr<MpiSession> mpi;
};
/// Throws UsageError / InputError (exit 2). `need_axes`: a sweep needs at least one axis.
StudyInput read_study_input(const boost::program_options::variables_map& vm, bool need_axes);

/// Every grid point as a validated scenario, the point's overrides followed by `extra`; the
/// first invalid point is an InputError naming it (exit 2 before anything runs).
std::vector<sim::Scenario> validate_points(const StudyInput& in, const toml::table& base,
                                           const std::vector<sim::Override>& extra = {});

/// The stop targets any of the scenarios has, in sweep.csv's order (grad_norm_sq,
/// grad_norm_sq_relative, bits_up).
std::vector<std::string> stop_target_names(const std::vector<sim::Scenario>& scenarios);

/// The identity of a study, recorded in OUT/sweep.args or OUT/tune.args: the scenario file
/// (path and content hash), --set, the axes, and `extra` lines (tune's settings).
std::string study_identity(const StudyInput& in, const std::string& extra = "");

/// Opens the study directory OUT: it must be a directory or not exist yet (it is created).
/// An empty one gets OUT/ARGS_FILE = `identity`; a non-empty one is accepted only with
/// `resume` (--resume, or --shard: the shards of a study share its directory) and when its
/// ARGS_FILE holds the same identity. Throws InputError (exit 2) before writing anything else.
void open_study_directory(const std::filesystem::path& out, const std::string& args_file,
                          const std::string& identity, bool resume, const std::string& what);

/// Runs a study here or across MPI ranks. `prepare` (the only process, or rank 0) opens the
/// directory and may throw InputError: under MPI the other ranks are told and return 2
/// without a word. `study` (the only process, or rank 0) runs the study on the farm it is
/// given: `in.jobs` threads here, or ranks 1..N-1, each with `in.jobs` threads. Returns the exit
/// code.
int run_study(const StudyInput& in, const RunSetup& setup, const std::function<void()>& prepare,
              const std::function<int(RunFarm&)>& study);

/// Under an MPI launcher, whether this process is not rank 0 (from the launcher's environment,
/// so it is known before MPI starts): such ranks keep quiet about bad input, which every rank
/// sees alike and rank 0 reports.
bool quiet_mpi_rank();

/// The content of a file (std::runtime_error when unreadable).
std::string read_text(const std::filesystem::path& file);

}  // namespace ef21::cli
