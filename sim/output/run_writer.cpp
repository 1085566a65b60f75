#include "sim/output/run_writer.hpp"

#include <fmt/format.h>

#include <cmath>

#include "sim/output/atomic_file.hpp"
#include "sim/scenario/scenario_writer.hpp"

namespace ef21::sim {
namespace {

/// A JSON number: shortest round-trip, or null for NaN/Inf (JSON has neither).
std::string json_number(double x) { return std::isfinite(x) ? fmt::format("{}", x) : "null"; }

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20)
          out += fmt::format("\\u{:04x}", static_cast<int>(c));
        else
          out += c;
    }
  }
  return out + "\"";
}

template <class T>
std::string json_optional(const std::optional<T>& v) {
  if (!v) return "null";
  if constexpr (std::is_floating_point_v<T>)
    return json_number(*v);
  else
    return fmt::format("{}", *v);
}

std::string_view span_name(SpanKind kind) {
  switch (kind) {
    case SpanKind::compute:
      return "compute";
    case SpanKind::upload:
      return "upload";
    case SpanKind::download:
      return "download";
    case SpanKind::down:
      return "down";
  }
  return "?";
}

}  // namespace

std::string format_trace_csv(const std::vector<TraceRow>& rows, bool running_mean) {
  std::string out = "round,time_s,bits_up,bits_down,f,grad_norm_sq";
  out += running_mean ? ",grad_norm_sq_mean\n" : "\n";
  for (const auto& r : rows) {
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{}", r.round, r.time_s, r.bits_up, r.bits_down,
                   r.f, r.grad_norm_sq);
    if (running_mean) fmt::format_to(std::back_inserter(out), ",{}", r.grad_norm_sq_mean);
    out += '\n';
  }
  return out;
}

std::string format_theory_json(const std::optional<TheoryCheck>& theory) {
  if (!theory) return "null";
  const TheoryCheck& t = *theory;
  return fmt::format(
      "{{\"guarantee\": {}, \"applies\": {}, \"reason\": {}, \"in_expectation\": {}, \"gamma\": {}, "
      "\"gamma_max\": {}, \"f0\": {}, \"f_low\": {}, \"bound_times_T\": {}, \"iterates\": {}, "
      "\"max_mean_to_bound\": {}, \"max_at_T\": {}}}",
      json_string(t.guarantee), t.applies ? "true" : "false",
      t.reason.empty() ? "null" : json_string(t.reason), t.in_expectation ? "true" : "false",
      json_number(t.gamma), json_optional(t.gamma_max), json_optional(t.f0), json_optional(t.f_low),
      json_optional(t.bound_times_T), t.iterates, json_optional(t.max_mean_to_bound),
      json_optional(t.max_at_T));
}

std::string format_messages_csv(const RunResult& result) {
  std::string out = "round,src,dst,bytes,t_send,t_flow,t_done\n";
  for (const auto& m : result.message_log)
    fmt::format_to(std::back_inserter(out), "{},{},{},{},{},{},{}\n", m.round, result.node_names[m.src],
                   result.node_names[m.dst], m.bytes, time_to_seconds(m.t_send), time_to_seconds(m.t_flow),
                   time_to_seconds(m.t_done));
  return out;
}

std::string format_timeline_json(const RunResult& result) {
  // Chrome trace-event format: one "process" (pid 0), a thread per worker; "X" complete
  // events with microsecond timestamps. Opens in Perfetto and chrome://tracing.
  std::string out = "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
  bool first = true;
  for (std::int64_t w = 0; w < result.workers; ++w) {
    fmt::format_to(
        std::back_inserter(out),
        "{}{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":{},\"args\":{{\"name\":\"w{}\"}}}}",
        first ? "" : ",\n", w, w);
    first = false;
  }
  for (const auto& s : result.spans) {
    const double ts_us = static_cast<double>(s.begin) / 1e6;
    const double dur_us = static_cast<double>(s.end - s.begin) / 1e6;
    fmt::format_to(
        std::back_inserter(out),
        "{}{{\"name\":\"{}\",\"cat\":\"{}\",\"ph\":\"X\",\"pid\":0,\"tid\":{},\"ts\":{},\"dur\":{},"
        "\"args\":{{\"round\":{}}}}}",
        first ? "" : ",\n", span_name(s.kind), span_name(s.kind), s.worker, ts_us, dur_us, s.round);
    first = false;
  }
  out += "\n]}\n";
  return out;
}

std::string format_summary_json(const Scenario& scenario, const RunResult& r, const HostInfo& host) {
  std::string out = "{\n";
  auto field = [&out](std::string_view name, const std::string& value, bool last = false) {
    fmt::format_to(std::back_inserter(out), "  {}: {}{}\n", json_string(name), value, last ? "" : ",");
  };
  field("name", json_string(scenario.run.name));
  field("status", json_string(to_string(r.status)));
  field("rounds", std::to_string(r.rounds));
  field("diverged_at_round", json_optional(r.diverged_at));
  const TraceRow& f = r.final_row;
  field("final",
        fmt::format("{{\"round\": {}, \"time_s\": {}, \"bits_up\": {}, \"bits_down\": {}, \"f\": {}, "
                    "\"grad_norm_sq\": {}}}",
                    f.round, json_number(f.time_s), json_number(f.bits_up), json_number(f.bits_down),
                    json_number(f.f), json_number(f.grad_norm_sq)));
  std::string targets = "[";
  for (std::size_t i = 0; i < r.targets.size(); ++i) {
    const auto& t = r.targets[i];
    fmt::format_to(std::back_inserter(targets),
                   "{}\n    {{\"target\": {}, \"value\": {}, \"reached\": {}, \"round\": {}, \"time_s\": {}, "
                   "\"bits_up\": {}}}",
                   i ? "," : "", json_string(t.name), json_number(t.value), t.round ? "true" : "false",
                   json_optional(t.round), json_optional(t.time_s), json_optional(t.bits_up));
  }
  targets += r.targets.empty() ? "]" : "\n  ]";
  field("targets", targets);
  const auto& c = r.constants;
  field(
      "constants",
      fmt::format(
          "{{\"N\": {}, \"d\": {}, \"n\": {}, \"k\": {}, \"L\": {}, \"L_i_max\": {}, \"L_tilde\": {}, "
          "\"alpha\": {}, \"theta\": {}, \"beta\": {}, \"gamma_theory\": {}, \"gamma\": {}}}",
          r.samples, r.dim, r.workers, r.k, json_number(c.L), json_number(c.L_max), json_number(c.L_tilde),
          json_number(c.contraction.alpha), json_number(c.contraction.theta), json_number(c.contraction.beta),
          c.gamma_theory ? json_number(*c.gamma_theory) : "null", json_number(c.gamma)));
  if (c.omega) field("omega", json_number(*c.omega));
  field("network",
        fmt::format("{{\"sim_time_s\": {}, \"messages\": {}, \"bytes_up\": {}, \"bytes_down\": {}}}",
                    json_number(r.sim_time_s), r.messages, r.bytes_up, r.bytes_down));
  if (scenario.protocol.kind != "ps")  // ps's traffic is bytes_up + bytes_down above
    field("protocol", fmt::format("{{\"kind\": {}, \"wire_bytes\": {}, \"bytes_peer\": {}}}",
                                  json_string(scenario.protocol.kind), r.wire_bytes, r.bytes_peer));
  if (scenario.unreliable())
    field("failures", fmt::format("{{\"skipped_rounds\": {}, \"lost_messages\": {}, \"late_messages\": {}, "
                                  "\"wasted_bytes\": {}}}",
                                  r.skipped_rounds, r.lost_messages, r.late_messages, r.wasted_bytes));
  field("theory", format_theory_json(r.theory));
  for (const auto& [name, count] : r.method_counters) field(name, std::to_string(count));
  std::string timing;  // the steady rounds' figures, when the run measured them
  if (host.ms_per_round) timing += fmt::format("\"ms_per_round\": {}, ", json_number(*host.ms_per_round));
  if (host.cpu_ms_per_round)
    timing += fmt::format("\"cpu_ms_per_round\": {}, ", json_number(*host.cpu_ms_per_round));
  field("host",
        fmt::format("{{\"wall_seconds\": {}, {}\"threads\": {}, \"version\": {}}}",
                    json_number(host.wall_seconds), timing, host.threads, json_string(host.version)),
        true);
  out += "}\n";
  return out;
}

void write_run_directory(const std::filesystem::path& dir, const Scenario& scenario, const RunResult& result,
                         const HostInfo& host) {
  std::filesystem::create_directories(dir);
  // A rerun into the same directory must not leave a stale summary marking it complete.
  std::error_code ec;
  std::filesystem::remove(dir / "summary.json", ec);
  write_file_atomically(dir / "scenario.toml", resolved_scenario_toml(scenario, result.k, dir));
  write_file_atomically(dir / "trace.csv", format_trace_csv(result.trace, scenario.run.record_running_mean));
  if (scenario.run.record_messages) write_file_atomically(dir / "messages.csv", format_messages_csv(result));
  if (scenario.run.timeline) write_file_atomically(dir / "timeline.json", format_timeline_json(result));
  if (scenario.run.record_samples) {
    std::string lines;
    for (const auto& line : result.sample_lines) (lines += line) += '\n';
    write_file_atomically(dir / "samples.jsonl", lines);
  }
  write_file_atomically(dir / "summary.json", format_summary_json(scenario, result, host));
}

}  // namespace ef21::sim
