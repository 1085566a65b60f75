#pragma once
// What a run records: the trace of iterates, messages, spans and the summary (DESIGN §5).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "models/algorithms/constants.hpp"
#include "sim/core/time.hpp"

namespace ef21::sim {

/// One recorded iterate x^t.
struct TraceRow {
  std::int64_t round = 0;
  double time_s = 0.0;     // simulated time at which the server holds x^t
  double bits_up = 0.0;    // cumulative uplink bits per worker (mean over workers)
  double bits_down = 0.0;  // cumulative downlink bits per worker (mean over workers)
  double f = 0.0;
  double grad_norm_sq = 0.0;
  // (1/(t+1)) sum_{s<=t} ||grad f(x^s)||^2 over every iterate so far (run.record_running_mean;
  // NaN when not recorded): the left-hand side of the methods' guarantees (guarantee.hpp).
  double grad_norm_sq_mean = std::numeric_limits<double>::quiet_NaN();
};

struct MessageRecord {
  std::int64_t round = 0;
  std::uint32_t src = 0;  // topology node ids
  std::uint32_t dst = 0;
  std::uint64_t bytes = 0;
  SimTime t_send = 0, t_flow = 0, t_done = 0;
};

enum class SpanKind { compute, upload, download, down };  // down: the worker is unavailable

struct Span {
  std::uint32_t worker = 0;
  SpanKind kind = SpanKind::compute;
  std::int64_t round = 0;
  SimTime begin = 0, end = 0;
};

/// When a stop target was first met (all empty if never).
struct TargetReach {
  std::string name;    // "grad_norm_sq", "grad_norm_sq_relative", "sim_time", "bits_up"
  double value = 0.0;  // the target, in the key's unit (seconds for sim_time)
  std::optional<std::int64_t> round;
  std::optional<double> time_s;
  std::optional<double> bits_up;
};

/// interrupted: SIGINT/SIGTERM (ef21sim run, sweep) stopped the run at the iterate it was at.
enum class RunStatus { converged, max_rounds, time_limit, bits_limit, diverged, interrupted };
std::string_view to_string(RunStatus status);

/// summary.json's "theory": the run against its method's convergence guarantee
/// (models/algorithms/guarantee.hpp), (1/T) sum_{t<T} ||grad f(x^t)||^2 <= C / T.
struct TheoryCheck {
  std::string guarantee;                // its name ("ef21-theorem-1")
  bool applies = false;                 // the run meets the hypotheses (stepsize range, participation, ...)
  std::string reason;                   // why not, or why it could not be checked; empty otherwise
  bool in_expectation = false;          // a random compressor: the bound is on the expectation
  double gamma = 0.0;                   // the stepsize used
  std::optional<double> gamma_max;      // the theorem's largest stepsize (the theory stepsize)
  std::optional<double> f0, f_low;      // f(x^0) and the problem's lower bound
  std::optional<double> bound_times_T;  // C (when it applies)
  std::int64_t iterates = 0;            // gradients averaged: T of the last running mean
  std::optional<double> max_mean_to_bound;  // max over T of mean_T / (C / T) (when checked)
  std::optional<std::int64_t> max_at_T;     // the T where it is largest
};

struct RunResult {
  RunStatus status = RunStatus::max_rounds;
  std::int64_t rounds = 0;      // index of the last iterate reached (finite)
  TraceRow final_row;           // metrics at that iterate
  std::vector<TraceRow> trace;  // recorded rows
  std::vector<TargetReach> targets;
  std::optional<std::int64_t> diverged_at;  // round whose metrics were not finite
  algorithms::DerivedConstants constants;
  std::int64_t samples = 0, dim = 0, workers = 0, k = 0;
  std::vector<std::pair<std::string, std::uint64_t>>
      method_counters;  // the method's own counts (Method::counters)
  std::uint64_t messages = 0;
  std::uint64_t bytes_up = 0;  // total over all workers, incl. headers
  std::uint64_t bytes_down = 0;
  std::uint64_t bytes_peer = 0;  // worker-to-worker transfers (decentralised protocols)
  std::uint64_t wire_bytes = 0;  // every transfer of every step, headers included
  // Failures and deadlines (issue 11): worker-rounds skipped because the worker was down when
  // its round started, messages lost (the worker went down before it or while it was sent)
  // or late (arrived after the server's deadline), and the bytes those put on the wire.
  std::uint64_t skipped_rounds = 0;
  std::uint64_t lost_messages = 0;
  std::uint64_t late_messages = 0;
  std::uint64_t wasted_bytes = 0;
  double sim_time_s = 0.0;                 // when the run ended (last event)
  std::vector<MessageRecord> message_log;  // when run.record_messages
  std::vector<Span> spans;                 // when run.timeline
  std::vector<std::string> node_names;     // topology node id -> name
  std::vector<std::string> sample_lines;   // samples.jsonl, one JSON object per line (run.record_samples)
  std::optional<TheoryCheck> theory;       // when the method declares a guarantee
};

}  // namespace ef21::sim
