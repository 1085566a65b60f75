#pragma once
// A validated scenario: every field typed, in SI units, defaults filled in (DESIGN §4).
// Only sim/scenario checks input; everything downstream trusts these values.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/algorithms/algorithm_spec.hpp"
#include "models/algorithms/initial_point.hpp"
#include "models/compressors/bit_accounting.hpp"
#include "models/compressors/compressor.hpp"
#include "models/data/split.hpp"
#include "models/data/synthetic.hpp"
#include "models/problems/problem_spec.hpp"
#include "models/support/input_error.hpp"
#include "sim/core/time.hpp"

namespace ef21::sim {

struct StopTargets {
  std::optional<double> grad_norm_sq;           // absolute ||grad f||^2 target
  std::optional<double> grad_norm_sq_relative;  // target as a fraction of ||grad f(x^0)||^2
  std::optional<SimTime> sim_time;              // simulated-time budget (ps)
  std::optional<double> bits_up;                // bits per worker budget
};

struct RunSpec {
  std::string name;
  std::uint64_t seed = 1;
  std::int64_t rounds = 1000;      // iterates x^0..x^rounds at most
  std::int64_t metrics_every = 1;  // trace.csv keeps every k-th iterate (and the last)
  /// f and grad f of the whole objective at every iterate (stop targets checked every round),
  /// or only at the iterates trace.csv writes: a round then costs its participants only.
  bool evaluate_every_round = true;
  std::size_t threads = 1;  // worker computations in parallel; never changes outputs
  StopTargets stop;
  std::filesystem::path output;      // run directory; empty = results/<name>
  bool record_messages = false;      // write messages.csv
  bool timeline = false;             // write timeline.json
  bool record_samples = false;       // write samples.jsonl (every random draw, by round)
  bool record_running_mean = false;  // trace.csv gains grad_norm_sq_mean (guarantee.hpp's left-hand side)
};

enum class DataFormat { libsvm, csv };

struct DataSpec {
  bool synthetic = true;
  std::filesystem::path source;  // absolute path of the data file (when !synthetic)
  bool source_absolute = false;  // written as an absolute path: the resolved scenario keeps it absolute
  DataFormat format = DataFormat::libsvm;
  data::SyntheticSpec synthetic_spec;
  std::int64_t workers = 20;
  data::SplitSpec split;
  /// data.max_memory, bytes: the data set and the run's estimate must fit (nullopt: 80% of
  /// this machine's physical memory, data::default_memory_limit()).
  std::optional<std::uint64_t> max_memory;
};

struct ProblemSection {
  problems::ProblemSpec spec;
  algorithms::InitialPointSpec x0;  // file paths absolute
};

/// A compressor as given: its spec (k still unresolved when `ratio` is set).
struct CompressorChoice {
  compressors::CompressorSpec spec;
  std::optional<double> ratio;  // k = max(1, ceil(ratio * d)) when set (resolved once d is known)
  /// k for dimension d (ratio resolved; d for kinds without k).
  std::int64_t k_for(std::int64_t d, bool takes_k) const;
};

struct CompressorSection : CompressorChoice {
  compressors::BitAccounting accounting;
  std::optional<CompressorChoice> down;  // [compressor.down]: methods with a downlink compressor
};

/// How long a worker's local step takes: a fixed duration, or flops / speed.
struct ComputeSpec {
  std::optional<SimTime> gradient_time;  // nullopt = "auto"
  double speed = 10e9;                   // FLOP/s, for "auto"
};

/// [compute] jitter: a seeded factor with mean 1 on every computation.
enum class JitterKind { none, lognormal, exponential };

struct LinkSpec {
  double uplink = 125e6;    // bytes/s, node -> switch (1 Gbps)
  double downlink = 125e6;  // bytes/s, switch -> node
  SimTime latency = 0;      // ps
};

enum class DownlinkPayload {
  model,   // the dense model x^{t+1} (d values)
  update,  // the aggregated sparse update (union of the workers' supports); workers apply it
};

/// Trace files on a star access link (issue 11): capacity factors per direction, a latency
/// factor (paths absolute; empty = none) and where the scenario names them.
struct LinkTraceFiles {
  std::filesystem::path uplink, downlink, latency;
  SourceLocation uplink_at, downlink_at, latency_at;
  bool empty() const { return uplink.empty() && downlink.empty() && latency.empty(); }
};

struct NetworkSpec {
  bool star = true;
  std::filesystem::path topology_file;             // absolute, when !star
  LinkSpec worker_link{125e6, 125e6, 20'000'000};  // 1 Gbps, 20 us
  std::optional<LinkSpec> server_link;             // absent: infinite bandwidth, zero latency
  LinkTraceFiles server_traces;                    // on the server's link (star, [network.server])
  std::uint64_t header_bytes = 0;
  DownlinkPayload downlink_payload = DownlinkPayload::model;
};

/// [protocol]: the round protocol (sim/cluster/protocol_registry.hpp).
struct ProtocolSpec {
  std::string kind = "ps";
  std::vector<std::uint32_t> ring;  // worker ids in ring order (decentralised protocols); empty = id order
  std::optional<SimTime> round_deadline;  // ps: aggregate at this long after the round starts, at the latest
};

/// [failures]: exponential up and down times per worker (both or neither).
struct FailureSpec {
  std::optional<SimTime> mtbf;  // mean time between failures (up durations), ps
  std::optional<SimTime> mttr;  // mean time to repair (down durations), ps
};

/// Per-worker overrides from [[workers]] groups.
struct WorkerGroup {
  std::vector<std::int64_t> ids;
  std::optional<double> uplink;
  std::optional<double> downlink;
  std::optional<SimTime> latency;
  std::optional<SimTime> gradient_time;
  bool auto_gradient_time = false;  // gradient_time = "auto" for this group (flops / its speed)
  std::optional<double> speed;
  std::filesystem::path speed_trace;         // absolute; empty = none (factors over time on its speed)
  SourceLocation speed_trace_at;             // where the group names it (errors about the file)
  std::filesystem::path availability_trace;  // absolute; empty = none (TIME 0|1 lines)
  LinkTraceFiles link_traces;                // star only
  SourceLocation availability_trace_at;
};

struct Scenario {
  std::filesystem::path file;  // the scenario file (absolute), for messages
  RunSpec run;
  DataSpec data;
  ProblemSection problem;
  algorithms::AlgorithmSpec algorithm;
  CompressorSection compressor;
  ComputeSpec compute;
  JitterKind jitter = JitterKind::none;
  double jitter_sigma = 0.5;  // lognormal's sigma
  NetworkSpec network;
  ProtocolSpec protocol;
  FailureSpec failures;
  std::vector<WorkerGroup> worker_groups;
  /// Whether workers can be down or a deadline can drop messages: rounds may apply a subset.
  bool unreliable() const;

  /// Where each dotted key was given ("compressor.k" -> file:line:col), so checks that need
  /// the data (k <= d, workers <= samples) can still point at the input.
  std::map<std::string, SourceLocation, std::less<>> locations;
  SourceLocation where(std::string_view key) const;

  /// Worker i's access link and compute after applying the groups.
  LinkSpec link_of(std::int64_t worker) const;
  ComputeSpec compute_of(std::int64_t worker) const;
};

}  // namespace ef21::sim
