#pragma once
// Link traces (issue 11, SimGrid's bandwidth and latency profiles): piecewise-constant factors
// over time (sim/core/trace_file.hpp) applied to a Network's nominal capacities and latencies.
//
// A bandwidth trace on a link direction r sets capacity(r) = nominal(r) × value; a latency
// trace on a link sets latency(link) = round(nominal(link) × value) ps. The value is 1 before
// a trace's first point; a periodic trace (LOOPAFTER P) repeats with period P from time 0.
//
// LinkDynamicsDriver applies them through the Network's set_capacity / set_latency: at
// construction, every trace's value at the current instant (so that a point at t = 0 applies
// before anything is sent at 0, when the driver is built before the traffic starts); then one
// engine event per change, only the next change of each trace pending at a time (the next one
// is scheduled when a change is applied, so a periodic trace costs O(1) memory). A change at
// an instant runs before the sends at that instant scheduled after it (engine order): build the
// driver before scheduling the traffic. Periodic traces keep the engine busy forever: stop()
// (or destroying the driver) cancels the pending changes so that engine.run() can return.
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/core/trace_file.hpp"
#include "sim/net/network.hpp"
#include "sim/net/topology.hpp"

namespace ef21::sim {

struct LinkDynamics {
  /// Capacity factor traces, by link direction (a finite one: infinite bandwidth stays so).
  std::vector<std::pair<ResourceId, Trace>> bandwidth;
  /// Latency factor traces, by link.
  std::vector<std::pair<LinkId, Trace>> latency;

  bool empty() const noexcept { return bandwidth.empty() && latency.empty(); }
};

class LinkDynamicsDriver {
 public:
  /// Nominal values are `nominal`'s (the topology the network was built on, by default).
  /// Throws InputError, located at the trace's file, for a bandwidth trace on an infinite link
  /// direction, two traces on one resource or link, an id out of range, or a latency that
  /// would overflow the clock. `engine`, `network` and `nominal` must outlive the driver.
  LinkDynamicsDriver(Engine& engine, Network& network, LinkDynamics dynamics, const Topology& nominal);
  LinkDynamicsDriver(Engine& engine, Network& network, LinkDynamics dynamics)
      : LinkDynamicsDriver(engine, network, std::move(dynamics), network.topology()) {}
  ~LinkDynamicsDriver();
  LinkDynamicsDriver(const LinkDynamicsDriver&) = delete;
  LinkDynamicsDriver& operator=(const LinkDynamicsDriver&) = delete;

  /// Cancels every pending change: the current values stay.
  void stop();
  /// Changes applied so far by events (not counting the values applied at construction).
  std::uint64_t changes_applied() const noexcept { return changes_applied_; }
  /// Pending change events (at most one per trace).
  std::size_t pending_changes() const noexcept;

 private:
  struct Entry {
    bool is_latency = false;
    std::uint32_t target = 0;  // ResourceId or LinkId
    Trace trace;
    double nominal_capacity = 0;  // bytes/s (bandwidth traces)
    SimTime nominal_latency = 0;  // ps (latency traces)
    EventId pending;
  };

  void apply(Entry& e, double value);
  void schedule_next(std::size_t index, SimTime after);

  Engine& engine_;
  Network& network_;
  std::vector<Entry> entries_;
  std::uint64_t changes_applied_ = 0;
};

}  // namespace ef21::sim
