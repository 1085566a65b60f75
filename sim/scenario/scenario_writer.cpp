#include "sim/scenario/scenario_writer.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <sstream>
#include <variant>

#include "models/compressors/compressor_registry.hpp"
#include "sim/core/units.hpp"

namespace ef21::sim {
namespace {

namespace fs = std::filesystem;

std::string relative_to(const fs::path& target, const fs::path& dir) {
  const fs::path rel =
      fs::absolute(target).lexically_normal().lexically_relative(fs::absolute(dir).lexically_normal());
  return rel.empty() ? fs::absolute(target).string() : rel.generic_string();
}

std::string bandwidth(double bytes_per_s) {
  return std::isinf(bytes_per_s) ? "inf" : format_bandwidth(bytes_per_s);
}

void insert_link_traces(toml::table& table, const LinkTraceFiles& traces, const fs::path& dir) {
  if (!traces.uplink.empty()) table.insert("uplink_trace", relative_to(traces.uplink, dir));
  if (!traces.downlink.empty()) table.insert("downlink_trace", relative_to(traces.downlink, dir));
  if (!traces.latency.empty()) table.insert("latency_trace", relative_to(traces.latency, dir));
}

void insert_params(toml::table& table, const ParamSet& params) {
  for (const auto& [name, value] : params.values())
    std::visit([&, &name = name](const auto& v) { table.insert(name, v); }, value);
}

}  // namespace

std::string resolved_scenario_toml(const Scenario& s, std::int64_t k, const fs::path& dir) {
  toml::table root;

  // run.threads is left out on purpose: it never changes results, and leaving it out keeps
  // scenario.toml byte-identical for any --threads (DESIGN §8); summary.json's host.threads
  // records it.
  toml::table run{{"name", s.run.name},
                  {"seed", static_cast<std::int64_t>(s.run.seed)},
                  {"rounds", s.run.rounds},
                  {"metrics_every", s.run.metrics_every},
                  {"evaluate", s.run.evaluate_every_round ? "every-round" : "trace-rows"},
                  {"record_messages", s.run.record_messages},
                  {"timeline", s.run.timeline},
                  {"record_samples", s.run.record_samples},
                  {"record_running_mean", s.run.record_running_mean}};
  toml::table stop;
  if (s.run.stop.grad_norm_sq) stop.insert("grad_norm_sq", *s.run.stop.grad_norm_sq);
  if (s.run.stop.grad_norm_sq_relative)
    stop.insert("grad_norm_sq_relative", *s.run.stop.grad_norm_sq_relative);
  if (s.run.stop.sim_time) stop.insert("sim_time", format_duration(*s.run.stop.sim_time));
  if (s.run.stop.bits_up) stop.insert("bits_up", *s.run.stop.bits_up);
  run.insert("stop", std::move(stop));
  root.insert("run", std::move(run));

  toml::table data{{"workers", s.data.workers}};
  // Only when given: the default depends on the machine, and scenario.toml must not.
  if (s.data.max_memory) data.insert("max_memory", format_size(*s.data.max_memory));
  if (s.data.synthetic) {
    data.insert("source", "synthetic");
    const auto& syn = s.data.synthetic_spec;
    data.insert("synthetic", toml::table{{"rows", syn.rows},
                                         {"dim", syn.dim},
                                         {"density", syn.density},
                                         {"heterogeneity", syn.heterogeneity},
                                         {"label_noise", syn.label_noise},
                                         {"seed", static_cast<std::int64_t>(syn.seed)}});
  } else {
    // An absolute source stays absolute (a shared data directory); a relative one is
    // rewritten relative to the run directory, where the resolved scenario lives.
    data.insert("source",
                s.data.source_absolute ? s.data.source.generic_string() : relative_to(s.data.source, dir));
    data.insert("format", s.data.format == DataFormat::csv ? "csv" : "libsvm");
  }
  data.insert("split", s.data.split.kind == data::SplitKind::sequential ? "sequential"
                       : s.data.split.kind == data::SplitKind::shuffled ? "shuffled"
                                                                        : "label-skew");
  data.insert("split_seed", static_cast<std::int64_t>(s.data.split.seed));
  root.insert("data", std::move(data));

  toml::table problem{{"kind", std::string(problems::to_string(s.problem.spec.kind))},
                      {"lambda", s.problem.spec.lambda}};
  switch (s.problem.x0.kind) {
    case algorithms::InitialPointKind::normal:
      problem.insert("x0", "normal");
      problem.insert("x0_scale", s.problem.x0.scale);
      problem.insert("x0_seed", static_cast<std::int64_t>(s.problem.x0.seed));
      break;
    case algorithms::InitialPointKind::zeros:
      problem.insert("x0", "zeros");
      break;
    case algorithms::InitialPointKind::file:
      problem.insert("x0", relative_to(s.problem.x0.file, dir));
      break;
  }
  root.insert("problem", std::move(problem));

  toml::table algorithm{{"kind", s.algorithm.kind}};
  if (s.algorithm.stepsize)
    algorithm.insert("stepsize", *s.algorithm.stepsize);
  else
    algorithm.insert("stepsize", "theory");
  algorithm.insert("multiplier", s.algorithm.multiplier);
  insert_params(algorithm, s.algorithm.params);
  root.insert("algorithm", std::move(algorithm));

  const auto& gradient = s.algorithm.gradient;
  if (gradient.batch) root.insert("gradient", toml::table{{"batch", *gradient.batch}});
  if (gradient.batch_ratio) root.insert("gradient", toml::table{{"batch_ratio", *gradient.batch_ratio}});
  if (const auto clients = s.algorithm.participation.clients)
    root.insert("participation", toml::table{{"clients", *clients}});
  else
    root.insert("participation", toml::table{{"fraction", s.algorithm.participation.fraction}});

  const auto& acc = s.compressor.accounting;
  toml::table compressor{{"kind", s.compressor.spec.kind}};
  if (compressors::find_compressor(s.compressor.spec.kind)->takes_k) compressor.insert("k", k);
  insert_params(compressor, s.compressor.spec.params);
  compressor.insert("value_bits", acc.value_bits);
  if (acc.index_mode == compressors::IndexBits::fixed)
    compressor.insert("index_bits", acc.index_bits_fixed);
  else
    compressor.insert("index_bits", acc.index_mode == compressors::IndexBits::none ? "none" : "log2d");
  compressor.insert("bill_initialization", acc.bill_initialization);
  if (const auto& down = s.compressor.down) {
    toml::table table{{"kind", down->spec.kind}};
    if (compressors::find_compressor(down->spec.kind)->takes_k) {
      if (down->ratio)
        table.insert("ratio", *down->ratio);
      else
        table.insert("k", down->spec.k);
    }
    insert_params(table, down->spec.params);
    compressor.insert("down", std::move(table));
  }
  root.insert("compressor", std::move(compressor));

  toml::table compute;
  compute.insert("gradient_time",
                 s.compute.gradient_time ? format_duration(*s.compute.gradient_time) : std::string("auto"));
  compute.insert("speed", format_compute_speed(s.compute.speed));
  compute.insert("jitter", s.jitter == JitterKind::none        ? "none"
                           : s.jitter == JitterKind::lognormal ? "lognormal"
                                                               : "exponential");
  if (s.jitter == JitterKind::lognormal) compute.insert("jitter_sigma", s.jitter_sigma);
  root.insert("compute", std::move(compute));

  toml::table network;
  network.insert("topology",
                 s.network.star ? std::string("star") : relative_to(s.network.topology_file, dir));
  if (s.network.star) {
    network.insert("uplink", bandwidth(s.network.worker_link.uplink));
    network.insert("downlink", bandwidth(s.network.worker_link.downlink));
    network.insert("latency", format_duration(s.network.worker_link.latency));
  }
  network.insert("header_bytes", static_cast<std::int64_t>(s.network.header_bytes));
  network.insert("downlink_payload",
                 s.network.downlink_payload == DownlinkPayload::model ? "model" : "update");
  if (s.network.server_link) {
    toml::table server{{"uplink", bandwidth(s.network.server_link->uplink)},
                       {"downlink", bandwidth(s.network.server_link->downlink)},
                       {"latency", format_duration(s.network.server_link->latency)}};
    insert_link_traces(server, s.network.server_traces, dir);
    network.insert("server", std::move(server));
  }
  root.insert("network", std::move(network));

  toml::table protocol{{"kind", s.protocol.kind}};
  if (!s.protocol.ring.empty()) {
    toml::array ring;
    for (const std::uint32_t id : s.protocol.ring) ring.push_back(static_cast<std::int64_t>(id));
    protocol.insert("ring", std::move(ring));
  }
  if (s.protocol.round_deadline)
    protocol.insert("round_deadline", format_duration(*s.protocol.round_deadline));
  root.insert("protocol", std::move(protocol));
  if (s.failures.mtbf)
    root.insert("failures", toml::table{{"mtbf", format_duration(*s.failures.mtbf)},
                                        {"mttr", format_duration(*s.failures.mttr)}});

  if (!s.worker_groups.empty()) {
    toml::array groups;
    for (const auto& g : s.worker_groups) {
      toml::array ids;
      for (auto id : g.ids) ids.push_back(id);
      toml::table t{{"ids", std::move(ids)}};
      if (g.uplink) t.insert("uplink", bandwidth(*g.uplink));
      if (g.downlink) t.insert("downlink", bandwidth(*g.downlink));
      if (g.latency) t.insert("latency", format_duration(*g.latency));
      if (g.auto_gradient_time) t.insert("gradient_time", "auto");
      if (g.gradient_time) t.insert("gradient_time", format_duration(*g.gradient_time));
      if (g.speed) t.insert("speed", format_compute_speed(*g.speed));
      if (!g.speed_trace.empty()) t.insert("speed_trace", relative_to(g.speed_trace, dir));
      if (!g.availability_trace.empty())
        t.insert("availability_trace", relative_to(g.availability_trace, dir));
      insert_link_traces(t, g.link_traces, dir);
      groups.push_back(std::move(t));
    }
    root.insert("workers", std::move(groups));
  }

  std::ostringstream out;
  out << "# Resolved by ef21sim: every default filled in. Running this file again gives identical outputs.\n";
  out << toml::toml_formatter(
      root, toml::toml_formatter::default_flags & ~toml::format_flags::allow_literal_strings);
  out << '\n';
  return out.str();
}

}  // namespace ef21::sim
