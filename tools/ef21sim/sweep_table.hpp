#pragma once
// The rows of sweep.csv and tune.csv: one per finished run, made from the run's summary.json
// (parsed with nlohmann-json, numbers re-printed shortest round-trip, so a row is the same
// whether the run just finished, was read back by --resume or came from another MPI rank).
#include <string>
#include <string_view>
#include <vector>

#include "tools/ef21sim/run_job.hpp"

namespace ef21::cli {

/// The fixed columns after the varied ones, before the per-target ones.
///
/// min_grad_norm_sq: the smallest ||grad f||^2 among the recorded iterates (trace.csv: every
/// run.metrics_every rounds and the last), how close a run came to a gradient target.
///
/// Wire bytes (final_bytes_*, T_bytes_*): bytes of the messages delivered by the time the run
/// stopped, headers and round 0 (EF21's dense initial gradients) included, per worker = the
/// total over the run divided by the number of workers n (a mean, so not always an integer):
///   bytes_up    what a worker sends: its uploads to the server (ps), its sends to peers
///               (allgather, ring-allreduce);
///   bytes_down  what a worker receives: the server's broadcasts to it, its receipts from peers;
///   bytes_total bytes_up + bytes_down, the traffic through a worker's access link.
/// They come from summary.json's network (bytes_up, bytes_down), protocol (bytes_peer) and
/// constants (n); a summary without them leaves the cells empty.
inline constexpr const char* kFixedColumns[] = {"run",
                                                "status",
                                                "rounds",
                                                "final_f",
                                                "final_grad_norm_sq",
                                                "min_grad_norm_sq",
                                                "final_time_s",
                                                "final_bits_up",
                                                "final_bytes_up",
                                                "final_bytes_down",
                                                "final_bytes_total"};

/// Per stop target T, the columns T + suffix: the round, simulated time, paper bits per worker
/// and wire bytes per worker at the first iterate that met T (empty when never met). Every
/// stop target ends the run, so T_bytes_* equal final_bytes_* when T was met.
inline constexpr const char* kTargetSuffixes[] = {"_round",    "_time_s",     "_bits_up",
                                                  "_bytes_up", "_bytes_down", "_bytes_total"};

/// sweep.csv's header: the varied columns, the fixed columns, the per-target columns of each
/// stop target (in the order given), then message.
std::vector<std::string> sweep_header(const std::vector<std::string>& varied,
                                      const std::vector<std::string>& targets);

/// The non-varied cells of a finished run (from run to message) made from its summary.json
/// text and the smallest ||grad f||^2 of its trace (RunOutcome): numbers shortest round-trip
/// (null -> empty). Throws std::runtime_error if the text is not a summary.json.
std::vector<std::string> summary_cells(const std::string& run, std::string_view summary_json,
                                       const std::string& min_grad_norm_sq,
                                       const std::vector<std::string>& targets);

/// The cells of a run that failed with an exception: status `error` and the message.
std::vector<std::string> error_cells(const std::string& run, const std::string& message,
                                     const std::vector<std::string>& targets);

/// The cells of a run's outcome: summary_cells, or error_cells ("internal error: ..." for an
/// internal error, or a summary that cannot be read).
std::vector<std::string> outcome_cells(const std::string& run, const RunOutcome& outcome,
                                       const std::vector<std::string>& targets);

}  // namespace ef21::cli
