#include "sim/cluster/simulation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "models/algorithms/method_registry.hpp"
#include "models/compressors/compressor_registry.hpp"
#include "models/data/csv_reader.hpp"
#include "models/data/libsvm_reader.hpp"
#include "models/data/memory_estimate.hpp"
#include "models/data/split.hpp"
#include "models/data/synthetic.hpp"
#include "models/problems/smoothness.hpp"
#include "models/support/check.hpp"
#include "models/support/input_error.hpp"
#include "sim/cluster/draw_record.hpp"
#include "sim/cluster/protocol_registry.hpp"
#include "sim/net/dot_loader.hpp"
#include "sim/net/link_dynamics.hpp"
#include "sim/net/star.hpp"

namespace ef21::sim {
namespace {

constexpr std::uint32_t kNoWorker = std::numeric_limits<std::uint32_t>::max();

/// Runs `load` (a data or topology reader); an error it reports without a line (a missing or
/// empty file, a DOT syntax error) is re-anchored at the scenario key that named the file, so
/// every input error reads FILE:LINE:COL. Errors inside the file keep their own line:col.
template <class Load>
auto located_at_key(const Scenario& s, std::string_view key, const std::filesystem::path& file, Load&& load) {
  try {
    return load();
  } catch (const InputError& e) {
    if (e.where().line > 0) throw;
    const std::string named = file.string();
    throw InputError(s.where(key), e.message().find(named) != std::string::npos
                                       ? e.message()
                                       : fmt::format("{}: {}", named, e.message()));
  }
}

/// A trace file named at `at` in the scenario; an error without a line of its own (a missing
/// file) is reported there. Errors inside the file keep their line:col.
Trace trace_named_at(const SourceLocation& at, const std::filesystem::path& file, TraceDomain domain) {
  try {
    return read_trace_file(file, domain);
  } catch (const InputError& e) {
    if (e.where().line > 0) throw;
    throw InputError(at, fmt::format("{}: {}", file.string(), e.message()));
  }
}

std::uint64_t memory_limit(const Scenario& s) {
  return s.data.max_memory.value_or(data::default_memory_limit());
}

/// The data set, checked against data.max_memory before it is allocated (synthetic) or while
/// it is read (files: at the line that crosses it).
data::Dataset load_data(const Scenario& s) {
  const std::uint64_t limit = memory_limit(s);
  if (s.data.synthetic) {
    try {
      const std::uint64_t needed = data::synthetic_dataset_bytes(s.data.synthetic_spec);
      if (needed > limit)
        throw InputError(
            s.where("data.synthetic"),
            fmt::format("the synthetic data set needs {} in memory ({} rows), over data.max_memory = {}",
                        data::describe_bytes(needed), s.data.synthetic_spec.rows,
                        data::describe_bytes(limit)));
      return data::make_synthetic(s.data.synthetic_spec);
    } catch (const std::invalid_argument& e) {
      throw InputError(s.where("data.synthetic"), e.what());
    }
  }
  const auto mode =
      problems::needs_binary_labels(s.problem.spec.kind) ? data::LabelMode::binary : data::LabelMode::raw;
  return located_at_key(s, "data.source", s.data.source, [&] {
    return s.data.format == DataFormat::csv ? data::read_csv(s.data.source, mode, limit)
                                            : data::read_libsvm(s.data.source, mode, limit);
  });
}

/// The run's estimate before its per-worker state exists: the shards, and per worker the
/// method's state and message (two d-vectors, or two sparse vectors of its shard's size when
/// its shard is sparse enough for the EF21 family's compact form), plus ~2 kB of fixed cost
/// (objective, output, streams, routes) measured at 10^6 workers; and the server's d-vectors.
void check_run_memory(const Scenario& s, const std::vector<problems::Objective>& objectives) {
  const std::uint64_t limit = memory_limit(s);
  std::uint64_t data_bytes = 0, state_bytes = 0;
  for (const auto& o : objectives) {
    const data::Dataset& shard = o.shard();
    const std::int64_t stored = shard.stored_values();
    data_bytes += shard.is_sparse() ? data::sparse_dataset_bytes(shard.rows(), stored)
                                    : data::dense_dataset_bytes(shard.rows(), shard.dim());
    const bool compact = shard.is_sparse() && 4 * stored <= shard.dim();
    state_bytes += compact ? 2 * static_cast<std::uint64_t>(stored) * 12
                           : 2 * static_cast<std::uint64_t>(shard.dim()) * sizeof(double);
    state_bytes += 2048;
  }
  // The server's side, whatever the workers: x^t, x^0 and the method's d-vectors (gradient sum,
  // g, EF21's base and shared difference, a deferred x^t) plus one gradient block per thread:
  // 8 + threads d-vectors (9 measured at the peak of a one-thread EF21 run). A huge d alone
  // (a LIBSVM index of 4e8 in a two-line file) is refused here, before any of them exists.
  const auto dim = static_cast<std::uint64_t>(objectives.empty() ? 0 : objectives.front().shard().dim());
  const std::uint64_t server_bytes = (8 + s.run.threads) * dim * sizeof(double);
  if (data_bytes + state_bytes + server_bytes > limit)
    throw InputError(
        s.where(s.data.max_memory ? "data.max_memory" : "data.workers"),
        fmt::format("the run needs about {} in memory (data {}, {} workers' state {}, server {} for d = {}), "
                    "over data.max_memory = {}",
                    data::describe_bytes(data_bytes + state_bytes + server_bytes),
                    data::describe_bytes(data_bytes), objectives.size(), data::describe_bytes(state_bytes),
                    data::describe_bytes(server_bytes), dim, data::describe_bytes(limit)));
}

/// The compressor `choice` names, its k resolved against d (written to *k when asked);
/// errors at the scenario key `key` ("compressor", "compressor.down").
std::unique_ptr<compressors::Compressor> build_compressor(const Scenario& s, const CompressorChoice& choice,
                                                          const std::string& key, std::int64_t d,
                                                          std::int64_t* k) {
  const compressors::CompressorInfo& info = *compressors::find_compressor(choice.spec.kind);
  compressors::CompressorSpec spec = choice.spec;
  spec.k = choice.k_for(d, info.takes_k);
  if (spec.k > d)
    throw InputError(s.where(key + ".k"),
                     fmt::format("{}.k = {} exceeds d = {}, the data's dimension", key, spec.k, d));
  if (k != nullptr) *k = spec.k;
  try {
    return compressors::make_compressor(spec, d);
  } catch (const std::invalid_argument& e) {
    throw InputError(s.where(key + ".kind"), e.what());
  }
}

/// What the method needs of its compressor (registry): a contraction, or unbiasedness.
void check_compressor_need(const Scenario& s, const algorithms::MethodInfo& method,
                           const compressors::Compressor& c) {
  const std::string what = fmt::format("{} (compressor.kind = \"{}\")", c.name(), s.compressor.spec.kind);
  if (method.compressor == algorithms::CompressorNeed::contractive && !c.contraction()) {
    const auto omega = c.omega();
    throw InputError(s.where(s.locations.count("compressor.kind") ? "compressor.kind" : "algorithm.kind"),
                     fmt::format("{} needs a contractive compressor; {} is not contractive{}", method.name,
                                 what, omega ? fmt::format(" (unbiased with omega = {} >= 1)", *omega) : ""));
  }
  if (method.compressor == algorithms::CompressorNeed::unbiased && !c.omega())
    throw InputError(
        s.where(s.locations.count("compressor.kind") ? "compressor.kind" : "algorithm.kind"),
        fmt::format("{} needs an unbiased compressor (scaled rand-k, natural, qsgd); {} is biased",
                    method.name, what));
}

}  // namespace

Simulation::~Simulation() = default;

Simulation::Simulation(const Scenario& scenario) : scenario_(scenario) {
  const Scenario& s = scenario_;
  const auto n = static_cast<std::size_t>(s.data.workers);

  // Data and objectives.
  data::Dataset all = load_data(s);
  samples_ = all.rows();
  if (all.rows() < s.data.workers)
    throw InputError(s.where("data.workers"),
                     fmt::format("{} workers but the data has only {} samples", s.data.workers, all.rows()));
  const Eigen::Index d = all.dim();
  const double L = problems::smoothness_constant(s.problem.spec, all);
  std::vector<data::Dataset> shards = data::split_dataset(all, s.data.workers, s.data.split);
  all = data::Dataset{};  // the shards hold the rows now
  std::vector<problems::Objective> objectives;
  objectives.reserve(n);
  std::vector<double> L_i;
  for (auto& shard : shards) {
    objectives.emplace_back(s.problem.spec, std::move(shard));
    L_i.push_back(objectives.back().smoothness());
  }
  check_run_memory(s, objectives);

  // The method, its compressors and the constants they imply.
  const algorithms::MethodInfo& method = *algorithms::find_method(s.algorithm.kind);
  std::unique_ptr<compressors::Compressor> compressor =
      build_compressor(s, s.compressor, "compressor", d, &k_);
  std::unique_ptr<compressors::Compressor> down_compressor;
  if (method.downlink_compressor && s.compressor.down)
    down_compressor = build_compressor(s, *s.compressor.down, "compressor.down", d, nullptr);
  check_compressor_need(s, method, *compressor);
  if (s.algorithm.gradient.stochastic())
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t m = objectives[i].rows();
      const std::int64_t tau = s.algorithm.gradient.batch_for(m);
      if (tau > m)
        throw InputError(s.where("gradient.batch"),
                         fmt::format("gradient.batch = {} exceeds worker {}'s shard of {} rows", tau, i, m));
    }
  const bool uses_compressor = method.compressor != algorithms::CompressorNeed::unused;
  algorithms::TheoryInputs inputs =
      algorithms::theory_inputs(L, L_i, problems::regularisation_mu(s.problem.spec), n,
                                uses_compressor ? compressor->contraction() : std::optional<double>(1.0),
                                uses_compressor ? compressor->omega() : std::optional<double>(0.0));
  inputs.alpha_down = down_compressor ? down_compressor->contraction() : std::nullopt;
  inputs.participation = s.algorithm.participation.fraction;
  inputs.stochastic = s.algorithm.gradient.stochastic();
  inputs.params = &s.algorithm.params;
  try {
    constants_ = algorithms::derive_constants(s.algorithm, method, inputs);
  } catch (const algorithms::TheoryUnavailable& e) {
    // At the stepsize when given ("theory" explicitly), else at the method that has no rule.
    throw InputError(
        s.where(s.locations.count("algorithm.stepsize") ? "algorithm.stepsize" : "algorithm.kind"), e.what());
  }

  // Compute model: a fixed duration, or this worker's gradient flops / its speed, scaled for
  // rounds that do other work (minibatches), with the scenario's jitter and speed traces.
  HugePageVector<WorkerCompute> compute(n);
  for (std::size_t i = 0; i < n; ++i) {
    const ComputeSpec c = s.compute_of(static_cast<std::int64_t>(i));
    compute[i].fixed_time = c.gradient_time;
    compute[i].speed = c.speed;
    compute[i].full_flops = objectives[i].flops_per_gradient();
  }
  for (const WorkerGroup& g : s.worker_groups) {
    if (g.speed_trace.empty()) continue;
    const Trace trace = trace_named_at(g.speed_trace_at, g.speed_trace, TraceDomain::positive_factor);
    for (const std::int64_t id : g.ids) compute[static_cast<std::size_t>(id)].speed_trace = trace;
  }
  compute_ = std::make_unique<ComputeModel>(std::move(compute),
                                            s.jitter == JitterKind::lognormal     ? Jitter::lognormal
                                            : s.jitter == JitterKind::exponential ? Jitter::exponential
                                                                                  : Jitter::none,
                                            s.jitter_sigma, s.run.seed);

  algorithms::MethodContext context;
  context.accounting = s.compressor.accounting;
  context.gamma = constants_.gamma;
  context.seed = s.run.seed;
  context.params = s.algorithm.params;
  context.gradient = s.algorithm.gradient;
  Eigen::VectorXd x0 = algorithms::make_initial_point(s.problem.x0, d);
  federation_ = std::make_unique<algorithms::Federation>(
      std::move(objectives), std::move(compressor), method, context, std::move(x0), s.run.threads,
      s.algorithm.participation, std::move(down_compressor));

  // Topology and network.
  LinkDynamics dynamics;  // link traces, from the star's keys or the .dot file's edges
  if (s.network.star) {
    StarSpec star;
    for (std::size_t i = 0; i < n; ++i) {
      const LinkSpec link = s.link_of(static_cast<std::int64_t>(i));
      star.workers.push_back({link.uplink, link.downlink, link.latency});
    }
    if (s.network.server_link)
      star.server = AccessLink{s.network.server_link->uplink, s.network.server_link->downlink,
                               s.network.server_link->latency};
    topology_ = make_star(star);
    // Traces on the access links: link i is worker i's (direction 2i up, 2i + 1 down), the
    // server's comes last (its "uplink" carries the broadcast, make_star's a -> b).
    const auto add = [&](const LinkTraceFiles& files, LinkId link) {
      if (!files.uplink.empty())
        dynamics.bandwidth.emplace_back(
            2 * link, trace_named_at(files.uplink_at, files.uplink, TraceDomain::positive_factor));
      if (!files.downlink.empty())
        dynamics.bandwidth.emplace_back(
            2 * link + 1, trace_named_at(files.downlink_at, files.downlink, TraceDomain::positive_factor));
      if (!files.latency.empty())
        dynamics.latency.emplace_back(
            link, trace_named_at(files.latency_at, files.latency, TraceDomain::positive_factor));
    };
    for (const WorkerGroup& g : s.worker_groups)
      for (const std::int64_t id : g.ids) add(g.link_traces, static_cast<LinkId>(id));
    if (s.network.server_link) add(s.network.server_traces, static_cast<LinkId>(n));
  } else {
    topology_ = located_at_key(s, "network.topology", s.network.topology_file, [&] {
      return load_dot(s.network.topology_file, n, &dynamics, find_protocol(s.protocol.kind)->needs_server);
    });
  }
  const ProtocolInfo& protocol = *find_protocol(s.protocol.kind);
  if (protocol.dense_only && method.compressor != algorithms::CompressorNeed::unused &&
      !federation_->compressor().lossless())
    throw InputError(
        s.where(s.locations.count("compressor.kind") ? "compressor.kind" : "protocol.kind"),
        fmt::format("protocol {} sums dense messages only (identity, or k = d): {} sends sparse or "
                    "quantized messages; use protocol.kind = \"allgather\" to move them",
                    protocol.name, federation_->compressor().name()));
  const auto server = topology_.find_node("server");
  EF21_CHECK(server.has_value() || !protocol.needs_server,
             "the topology lacks its server (the loader checks)");
  server_node_ = server.value_or(kNoNode);
  worker_of_node_.assign(topology_.node_count(), kNoWorker);
  for (std::size_t i = 0; i < n; ++i) {
    const auto node = topology_.find_node(fmt::format("w{}", i));
    EF21_CHECK(node.has_value(), "topology lacks a worker node");
    worker_nodes_.push_back(*node);
    worker_of_node_[*node] = static_cast<std::uint32_t>(i);
  }
  network_ = std::make_unique<FlowNetwork>(engine_, topology_);
  if (!dynamics.empty())
    link_driver_ = std::make_unique<LinkDynamicsDriver>(engine_, *network_, std::move(dynamics));
  std::vector<std::uint32_t> ring = s.protocol.ring;
  if (ring.empty())
    for (std::uint32_t i = 0; i < n; ++i) ring.push_back(i);
  // Resolve every route the protocol uses now: no route is an input error, before any output.
  located_at_key(s, "network.topology", s.network.topology_file, [&] {
    for (std::size_t i = 0; i < n; ++i) {
      if (protocol.needs_server) {
        network_->route(worker_nodes_[i], server_node_);
        network_->route(server_node_, worker_nodes_[i]);
      } else {
        network_->route(worker_nodes_[ring[i]], worker_nodes_[ring[(i + 1) % n]]);
      }
    }
    return 0;
  });
  if (protocol.dense_only)
    federation_->use_ring_reduction(ring,
                                    (d + static_cast<Eigen::Index>(n) - 1) / static_cast<Eigen::Index>(n));
  protocol_ = protocol.make(*this, std::move(ring));

  // Failures: availability traces per group, or [failures] mtbf/mttr for everyone else.
  down_.assign(n, false);
  epoch_.assign(n, 0);
  down_since_.assign(n, 0);
  std::vector<std::optional<Trace>> availability(n);
  for (const WorkerGroup& g : s.worker_groups) {
    if (g.availability_trace.empty()) continue;
    const Trace trace =
        trace_named_at(g.availability_trace_at, g.availability_trace, TraceDomain::availability);
    for (const std::int64_t id : g.ids) availability[static_cast<std::size_t>(id)] = trace;
  }
  auto model =
      std::make_unique<Availability>(std::move(availability), s.failures.mtbf, s.failures.mttr, s.run.seed);
  if (model->enabled()) availability_ = std::move(model);
  union_marks_.assign(static_cast<std::size_t>(d), -1);
  theory_ = std::make_unique<TheoryMonitor>(method.guarantee ? &*method.guarantee : nullptr,
                                            guarantee_conditions(s, constants_, federation_->compressor()));
}

std::uint64_t Simulation::downlink_payload_bits(std::int64_t round) const {
  const auto& acc = scenario_.compressor.accounting;
  const std::int64_t d = federation_->dim();
  if (scenario_.network.downlink_payload == DownlinkPayload::model) return acc.payload_bits(d, d, true);
  // The aggregated update: the union of the workers' supports (dense if any message is).
  auto& marks = const_cast<std::vector<std::int32_t>&>(union_marks_);
  std::int64_t entries = 0;
  for (const std::uint32_t i : federation_->participants(round)) {  // a non-participant's output is stale
    const algorithms::WorkerOutput& out = federation_->output(i);
    if (!out.participated) continue;
    if (out.message.dense) return acc.payload_bits(d, d, true);
    for (const auto l : out.message.indices)
      if (marks[static_cast<std::size_t>(l)] != static_cast<std::int32_t>(round)) {
        marks[static_cast<std::size_t>(l)] = static_cast<std::int32_t>(round);
        ++entries;
      }
  }
  return acc.payload_bits(entries, d, entries == d);
}

bool Simulation::record_iterate(std::int64_t round) {
  const Scenario& s = scenario_;
  const auto n = static_cast<double>(federation_->workers());
  // The participants' messages, in worker-id order (a non-participant's output is stale).
  for (const std::uint32_t i : federation_->participants(round))
    if (const algorithms::WorkerOutput& out = federation_->output(i); out.billed)
      bits_up_total_ += static_cast<double>(out.payload_bits);
  // A method's own broadcast is billed with its round, as the uplink messages are.
  if (const auto down = federation_->method().downlink(round); down && down->billed)
    bits_down_total_ += static_cast<double>(down->payload_bits) * n;
  if (s.run.record_samples) {
    const auto& participants = federation_->participants(round);
    std::string line = format_draw_record(round, participants, participants.size() < federation_->workers(),
                                          federation_->outputs(), federation_->method().coin());
    if (!line.empty()) result_.sample_lines.push_back(std::move(line));
  }

  // row.f is filled in only for the rows that are written (it may have been deferred), and so
  // is row.grad_norm_sq in a round that did not evaluate grad f (run.evaluate = "trace-rows").
  const bool evaluated = federation_->evaluated();
  TraceRow row{round,
               time_to_seconds(server_time_),
               bits_up_total_ / n,
               bits_down_total_ / n,
               std::numeric_limits<double>::quiet_NaN(),
               federation_->grad_norm_sq()};
  if (!federation_->value_finite() || (evaluated && !std::isfinite(row.grad_norm_sq))) {
    result_.status = RunStatus::diverged;
    result_.diverged_at = round;
    return false;
  }
  if (s.run.stop.sim_time && server_time_ > *s.run.stop.sim_time) {
    result_.status = RunStatus::time_limit;
    return false;
  }
  if (round == 0) initial_grad_norm_sq_ = row.grad_norm_sq;
  if (evaluated)
    theory_->observe(round, row.grad_norm_sq, round == 0 ? federation_->value(0) : 0.0);
  else
    theory_->missed(round);
  if (s.run.record_running_mean) row.grad_norm_sq_mean = theory_->running_mean();
  result_.rounds = round;
  result_.final_row = row;

  bool stop = false;
  for (auto& target : result_.targets) {
    if (target.round) continue;
    bool reached = false;
    if (target.name == "grad_norm_sq") reached = evaluated && row.grad_norm_sq <= target.value;
    if (target.name == "grad_norm_sq_relative")
      reached = evaluated && row.grad_norm_sq <= target.value * initial_grad_norm_sq_;
    if (target.name == "bits_up") reached = row.bits_up >= target.value;
    if (!reached) continue;
    target.round = round;
    target.time_s = row.time_s;
    target.bits_up = row.bits_up;
  }
  auto reached = [&](std::string_view name) {
    for (const auto& t : result_.targets)
      if (t.name == name && t.round) return true;
    return false;
  };
  if (reached("grad_norm_sq") || reached("grad_norm_sq_relative")) {
    result_.status = RunStatus::converged;
    stop = true;
  } else if (reached("bits_up")) {
    result_.status = RunStatus::bits_limit;
    stop = true;
  } else if (round >= s.run.rounds) {
    result_.status = RunStatus::max_rounds;
    stop = true;
  } else if (interrupt_ != nullptr && interrupt_->load(std::memory_order_relaxed)) {
    result_.status = RunStatus::interrupted;  // x^round is the last iterate: a complete, valid run directory
    stop = true;
  }
  if (stop || round % s.run.metrics_every == 0) {
    const algorithms::IterateMetrics m = federation_->metrics_at(round);
    row.f = m.f;
    row.grad_norm_sq = m.grad_norm_sq;
    result_.final_row = row;
    result_.trace.push_back(row);
  }
  if (progress_) progress_({round, s.run.rounds, row.time_s, row.grad_norm_sq});
  return !stop;
}

bool Simulation::begin_round(std::int64_t round, SimTime model_time,
                             const std::vector<std::uint32_t>* received) {
  round_ = round;
  server_time_ = model_time;
  if (availability_ || received != nullptr) {
    // The drawn participants that got x^round and are up now; the others skip the round.
    const std::vector<std::uint32_t>& drawn = federation_->participants(round);
    taking_part_.clear();
    for (const std::uint32_t i : drawn) {
      const bool got_model = received == nullptr || std::binary_search(received->begin(), received->end(), i);
      if (got_model && !down_[i])
        taking_part_.push_back(i);
      else
        ++result_.skipped_rounds;
    }
    if (taking_part_.size() != drawn.size()) federation_->set_participants(round, taking_part_);
  }
  // f(x^round) is needed now only for a row that is certainly written; any other row that
  // turns out to be written (a stop target met, or the final row of a run cut short) gets
  // its f from the Federation later, to the same bits.
  // With run.evaluate = "trace-rows", a round no row is certain to need evaluates nothing but
  // its participants' work; a row that turns out to be written is evaluated later.
  const bool written = round % scenario_.run.metrics_every == 0 || round >= scenario_.run.rounds;
  const algorithms::RoundValues values = written ? algorithms::RoundValues::compute
                                         : scenario_.run.evaluate_every_round ? algorithms::RoundValues::defer
                                                                              : algorithms::RoundValues::none;
  federation_->compute_worker_round(round, values);
  if (!record_iterate(round)) {
    stopped_ = true;
    engine_.stop();
    return false;
  }
  return true;
}

const std::vector<std::uint32_t>& Simulation::participants(std::int64_t round) {
  return federation_->participants(round);
}

SimTime Simulation::next_recovery() {
  SimTime best = -1;
  for (std::uint32_t i = 0; i < down_.size(); ++i) {
    if (!down_[i]) continue;
    const SimTime at = availability_->next_change(i, engine_.now());
    if (at >= 0 && (best < 0 || at < best)) best = at;
  }
  if (best < 0) {  // nobody ever comes back: the run ends with what it has
    stopped_ = true;
    engine_.stop();
  }
  return best;
}

void Simulation::lost_message(std::uint64_t wasted_bytes) {
  ++result_.lost_messages;
  result_.wasted_bytes += wasted_bytes;
}

void Simulation::late_message(std::uint64_t wasted_bytes) {
  ++result_.late_messages;
  result_.wasted_bytes += wasted_bytes;
}

void Simulation::on_availability_change(std::uint32_t worker) {
  const SimTime now = engine_.now();
  const bool up = availability_->up(worker, now);
  if (up == !down_[worker]) return;  // no flip (a trace line that repeats the state)
  down_[worker] = !up;
  if (!up) {
    ++epoch_[worker];  // what it was computing is lost
    down_since_[worker] = now;
    protocol_->worker_failed(worker);
  } else if (scenario_.run.timeline) {
    result_.spans.push_back({worker, SpanKind::down, round_, down_since_[worker], now});
  }
  const SimTime next = availability_->next_change(worker, now);
  if (next >= 0) engine_.schedule_at(next, [this, worker] { on_availability_change(worker); });
}

void Simulation::start_compute(std::uint32_t worker, std::int64_t round) {
  const SimTime now = engine_.now();
  const algorithms::WorkerOutput& out = federation_->output(worker);
  const SimTime done = compute_->finish_time(worker, now, out.compute_fraction, out.compute_flops);
  if (scenario_.run.timeline) result_.spans.push_back({worker, SpanKind::compute, round, now, done});
  engine_.schedule_at(done, [this, worker, round, epoch = epoch_[worker]] {
    if (epoch == epoch_[worker]) protocol_->computed(worker, round);  // else it went down meanwhile
  });
}

std::uint64_t Simulation::uplink_bits(std::uint32_t worker) const {
  return federation_->output(worker).payload_bits;
}

std::uint64_t Simulation::aggregate(std::int64_t round, std::vector<std::uint32_t>* recipients,
                                    const std::vector<std::uint32_t>* applied) {
  const auto server_step = [&] {
    if (applied != nullptr)
      federation_->aggregate(round, *applied);
    else
      federation_->aggregate(round);
  };
  if (recipients == nullptr) {  // every worker aggregates for itself: no broadcast
    server_step();
    return 0;
  }
  // The method's own broadcast goes to every worker (billed with its round, record_iterate);
  // the scenario's downlink payload to the next round's participants, billed now.
  const auto method_down = federation_->method().downlink(round);
  const std::uint64_t down_bits = method_down ? method_down->payload_bits : downlink_payload_bits(round);
  server_step();
  recipients->clear();
  // Workers down now get nothing (they skip the next round).
  if (method_down) {
    for (std::uint32_t i = 0; i < federation_->workers(); ++i)
      if (!down_[i]) recipients->push_back(i);
  } else {
    for (const std::uint32_t i : federation_->participants(round + 1))
      if (!down_[i]) recipients->push_back(i);
    bits_down_total_ += static_cast<double>(down_bits) * static_cast<double>(recipients->size());
  }
  return down_bits;
}

void Simulation::log_transfer(const Delivery& d, std::int64_t round, SpanKind kind) {
  if (d.dst == server_node_)
    result_.bytes_up += d.bytes;
  else if (d.src == server_node_)
    result_.bytes_down += d.bytes;
  else
    result_.bytes_peer += d.bytes;
  const std::uint32_t worker = kind == SpanKind::download ? worker_of_node_[d.dst] : worker_of_node_[d.src];
  if (scenario_.run.record_messages)
    result_.message_log.push_back({round, d.src, d.dst, d.bytes, d.t_send, d.t_flow, d.t_done});
  if (scenario_.run.timeline) result_.spans.push_back({worker, kind, round, d.t_send, d.t_done});
}

RunResult Simulation::run(const ProgressFn& progress) {
  progress_ = progress;
  const auto& stop = scenario_.run.stop;
  if (stop.grad_norm_sq) result_.targets.push_back({"grad_norm_sq", *stop.grad_norm_sq, {}, {}, {}});
  if (stop.grad_norm_sq_relative)
    result_.targets.push_back({"grad_norm_sq_relative", *stop.grad_norm_sq_relative, {}, {}, {}});
  if (stop.bits_up) result_.targets.push_back({"bits_up", *stop.bits_up, {}, {}, {}});
  protocol_->start();
  if (availability_) {
    for (std::uint32_t i = 0; i < down_.size(); ++i) {
      down_[i] = !availability_->up(i, 0);  // down from the start: skips round 0
      if (down_[i]) down_since_[i] = 0;
      const SimTime next = availability_->next_change(i, 0);
      if (next >= 0) engine_.schedule_at(next, [this, i] { on_availability_change(i); });
    }
  }
  engine_.run();
  EF21_CHECK(stopped_, "the event loop ran dry before the run stopped");
  if (scenario_.run.timeline)  // down intervals still open at the end
    for (std::uint32_t i = 0; i < down_.size(); ++i)
      if (down_[i]) result_.spans.push_back({i, SpanKind::down, round_, down_since_[i], engine_.now()});
  // A run cut short (diverged, time limit) still ends its trace with its last good iterate.
  const bool has_iterate = !(result_.diverged_at && *result_.diverged_at == 0);
  if (has_iterate) {
    const algorithms::IterateMetrics m = federation_->metrics_at(result_.final_row.round);
    result_.final_row.f = m.f;
    result_.final_row.grad_norm_sq = m.grad_norm_sq;
  }
  if (has_iterate && (result_.trace.empty() || result_.trace.back().round != result_.rounds))
    result_.trace.push_back(result_.final_row);

  result_.constants = constants_;
  result_.samples = samples_;
  result_.dim = federation_->dim();
  result_.workers = static_cast<std::int64_t>(federation_->workers());
  result_.k = k_;
  result_.method_counters = std::as_const(*federation_).method().counters();
  result_.messages = network_->messages_delivered();
  result_.wire_bytes = protocol_->wire_bytes();
  result_.sim_time_s = time_to_seconds(engine_.now());
  result_.theory = theory_->check();
  for (std::size_t node = 0; node < topology_.node_count(); ++node)
    result_.node_names.push_back(topology_.node_name(static_cast<NodeId>(node)));
  return std::move(result_);
}

}  // namespace ef21::sim
