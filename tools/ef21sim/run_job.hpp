#pragma once
// One run of a sweep or tune, executed by whichever process gets it (a thread of this
// process, another MPI rank, a job-array task): the scenario with the job's overrides, into
// the study directory.
#include <toml++/toml.h>

#include <filesystem>
#include <string>
#include <vector>

#include "sim/scenario/scenario_loader.hpp"

namespace ef21::cli {

/// One run: the scenario (after --set) with these overrides, into OUT/NAME.
struct RunJob {
  std::string name;                      // run directory name under the study directory
  std::vector<sim::Override> overrides;  // applied in order after --set
};

/// What a finished run reports: its summary.json text, or why it failed.
struct RunOutcome {
  /// interrupted: SIGINT/SIGTERM stopped it (or it never started): nothing is published, no
  /// outcome is reported (RunFarm), and --resume runs it again.
  enum class Kind { summary, input_error, internal_error, interrupted };
  Kind kind = Kind::summary;
  std::string text;  // summary.json's content (Kind::summary) or the error message
  /// The smallest finite ||grad f||^2 among the recorded iterates (trace.csv's rows),
  /// shortest round-trip; "" when there is none. How close a run that never reached its
  /// target came to it.
  std::string min_grad_norm_sq;
};

/// What a process needs to run jobs; every process of a study builds it from the same
/// command line.
struct RunSetup {
  std::filesystem::path scenario_file;  // anchors relative paths
  toml::table base;                     // the scenario file with --set applied
  std::filesystem::path out;            // the study directory
};

/// Runs one job and publishes OUT/NAME whole. Everything is written into a private sibling
/// directory, ".NAME.partial-HOST-PID-N", renamed to NAME at the end: a run directory exists
/// only complete (with summary.json, or error.txt when the run failed), and writers working
/// at the same time (threads, job-array shards, MPI ranks on other machines) never touch each
/// other's files. A complete NAME already there (another writer finished it first) is kept.
/// The run's own failures are returned, never thrown.
RunOutcome execute_run(const RunSetup& setup, const RunJob& job);

/// Whether OUT/NAME is a complete run with a summary (what --resume keeps).
bool run_is_complete(const std::filesystem::path& out, const std::string& name);

/// The outcome of a complete run read back from OUT/NAME (summary.json, trace.csv): the same
/// as when it finished. Throws std::runtime_error when they cannot be read.
RunOutcome read_complete_run(const std::filesystem::path& out, const std::string& name);

/// Deletes what interrupted or failed runs of these names left: OUT/NAME without
/// summary.json, and every ".NAME.partial-*" directory. Only for runs nobody else is writing.
void clear_incomplete_runs(const std::filesystem::path& out, const std::vector<std::string>& names);

}  // namespace ef21::cli
