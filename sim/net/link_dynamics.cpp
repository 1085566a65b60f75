#include "sim/net/link_dynamics.hpp"

#include <fmt/format.h>

#include <cmath>

#include "models/support/check.hpp"
#include "models/support/input_error.hpp"

namespace ef21::sim {

namespace {

/// round(nominal × factor) ps; InputError (at the trace file) if it leaves the clock's range.
SimTime scaled_latency(SimTime nominal, double factor, const Trace& trace) {
  const double ps = std::round(static_cast<double>(nominal) * factor);
  if (!(ps >= 0 && ps < 9223372036854775808.0)) {
    throw InputError(
        SourceLocation{trace.file.string(), 0, 0},
        fmt::format("latency trace: {} × {} ps is beyond the clock's limit of 2^63 ps (about 106 days)",
                    factor, nominal));
  }
  return static_cast<SimTime>(ps);
}

}  // namespace

LinkDynamicsDriver::LinkDynamicsDriver(Engine& engine, Network& network, LinkDynamics dynamics,
                                       const Topology& nominal)
    : engine_(engine), network_(network) {
  const auto fail = [](const Trace& trace, const std::string& message) {
    throw InputError(SourceLocation{trace.file.string(), 0, 0}, message);
  };
  std::vector<bool> resource_taken(nominal.resource_count(), false);
  std::vector<bool> link_taken(nominal.link_count(), false);
  entries_.reserve(dynamics.bandwidth.size() + dynamics.latency.size());
  for (auto& [r, trace] : dynamics.bandwidth) {
    if (r >= nominal.resource_count())
      fail(trace, fmt::format("bandwidth trace on link direction {}: no such link", r));
    const double capacity = nominal.resource_capacity(r);
    if (!std::isfinite(capacity)) {
      fail(trace,
           fmt::format("bandwidth trace on {}, whose bandwidth is infinite: a factor leaves it infinite",
                       nominal.resource_name(r)));
    }
    if (resource_taken[r])
      fail(trace, fmt::format("a second bandwidth trace on {}", nominal.resource_name(r)));
    for (const TracePoint& p : trace.points) {  // every capacity it can set must be a bandwidth
      const double scaled = capacity * p.value;
      if (!(scaled > 0 && std::isfinite(scaled))) {
        fail(trace, fmt::format("bandwidth trace on {}: {} × {} B/s is not a usable bandwidth",
                                nominal.resource_name(r), p.value, capacity));
      }
    }
    resource_taken[r] = true;
    Entry e;
    e.target = r;
    e.trace = std::move(trace);
    e.nominal_capacity = capacity;
    entries_.push_back(std::move(e));
  }
  for (auto& [link, trace] : dynamics.latency) {
    if (link >= nominal.link_count())
      fail(trace, fmt::format("latency trace on link {}: no such link", link));
    const Link& l = nominal.link(link);
    if (link_taken[link]) {
      fail(trace, fmt::format("a second latency trace on link {} -- {}", nominal.node_name(l.a),
                              nominal.node_name(l.b)));
    }
    link_taken[link] = true;
    Entry e;
    e.is_latency = true;
    e.target = link;
    e.trace = std::move(trace);
    e.nominal_latency = l.latency;
    // Every latency the trace can take must fit the clock: check them all now, not mid-run.
    for (const TracePoint& p : e.trace.points) (void)scaled_latency(l.latency, p.value, e.trace);
    entries_.push_back(std::move(e));
  }
  const SimTime now = engine_.now();
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    apply(entries_[i], entries_[i].trace.value_at(now));
    schedule_next(i, now);
  }
}

LinkDynamicsDriver::~LinkDynamicsDriver() { stop(); }

void LinkDynamicsDriver::stop() {
  for (Entry& e : entries_) {
    if (e.pending.valid()) engine_.cancel(e.pending);
    e.pending = EventId{};
  }
}

std::size_t LinkDynamicsDriver::pending_changes() const noexcept {
  std::size_t n = 0;
  for (const Entry& e : entries_) n += e.pending.valid() ? 1 : 0;
  return n;
}

void LinkDynamicsDriver::apply(Entry& e, double value) {
  if (e.is_latency) {
    network_.set_latency(e.target, scaled_latency(e.nominal_latency, value, e.trace));
  } else {
    network_.set_capacity(e.target, e.nominal_capacity * value);
  }
}

void LinkDynamicsDriver::schedule_next(std::size_t index, SimTime after) {
  Entry& e = entries_[index];
  const TracePoint next = e.trace.next_change_after(after);
  if (next.time < 0) {
    e.pending = EventId{};
    return;
  }
  EF21_CHECK(next.time > after, "a trace's next change must lie after the current one");
  e.pending = engine_.schedule_at(next.time, [this, index, value = next.value] {
    Entry& entry = entries_[index];
    entry.pending = EventId{};
    apply(entry, value);
    ++changes_applied_;
    schedule_next(index, engine_.now());
  });
}

}  // namespace ef21::sim
