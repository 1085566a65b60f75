#pragma once
// The files of a run directory (DESIGN §5): scenario.toml, trace.csv, summary.json, and
// optionally messages.csv and timeline.json.
#include <filesystem>
#include <optional>
#include <string>

#include "sim/cluster/records.hpp"
#include "sim/scenario/scenario.hpp"

namespace ef21::sim {

/// Facts about the host, kept apart in summary.json so everything else is reproducible.
struct HostInfo {
  double wall_seconds = 0.0;
  std::size_t threads = 1;
  std::string version;
  /// Mean wall ms per steady round (between the rows of x^1 and x^(T-1), see
  /// tools/ef21sim/round_clock.hpp), written as "ms_per_round" when known.
  std::optional<double> ms_per_round;
  /// The same rounds' mean CPU ms (all threads), written as "cpu_ms_per_round" when known.
  std::optional<double> cpu_ms_per_round;
};

/// trace.csv; `running_mean` (run.record_running_mean) adds the column grad_norm_sq_mean.
std::string format_trace_csv(const std::vector<TraceRow>& rows, bool running_mean = false);
/// summary.json's "theory" value: the TheoryCheck as an object, or null (no guarantee).
std::string format_theory_json(const std::optional<TheoryCheck>& theory);
std::string format_messages_csv(const RunResult& result);
std::string format_timeline_json(const RunResult& result);
std::string format_summary_json(const Scenario& scenario, const RunResult& result, const HostInfo& host);

/// Creates `dir` (and parents) and writes every file atomically; summary.json last, so its
/// presence marks a complete run directory.
void write_run_directory(const std::filesystem::path& dir, const Scenario& scenario, const RunResult& result,
                         const HostInfo& host);

}  // namespace ef21::sim
