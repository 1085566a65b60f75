#pragma once
// The network seam (DESIGN §1, §6): what the round protocols and the simulation see of the
// network. FlowNetwork (flow_network.hpp) is the flow-level max-min implementation.
//
// A message is sent now and delivered later through its callback; meanwhile it can be
// cancelled (a worker failing mid-transfer). Capacities of link directions and latencies of
// links can change at any instant (link traces, link_dynamics.hpp):
// - a capacity change re-shares the bandwidth of the flows in progress at that instant, as a
//   change of a SimGrid link's bandwidth profile does (bytes sent so far at the old rates);
// - a latency change applies to messages sent from then on; messages already sent keep the
//   latency they were sent with. Routes stay the ones chosen on the nominal latencies.
// Every implementation is deterministic: the same calls at the same instants give the same
// deliveries in the same order.
#include <cstddef>
#include <cstdint>

#include "sim/core/inline_function.hpp"
#include "sim/core/time.hpp"
#include "sim/net/topology.hpp"

namespace ef21::sim {

/// Messages are numbered 0, 1, 2, ... in send order within one network.
using MessageId = std::uint64_t;

struct Delivery {
  MessageId id = 0;
  NodeId src = 0;
  NodeId dst = 0;
  std::uint64_t bytes = 0;
  SimTime t_send = 0;  // when send() was called, ps
  SimTime t_flow = 0;  // t_send + route latency: when the bytes started to flow, ps
  SimTime t_done = 0;  // delivery, ps
};

class Network {
 public:
  /// Called at t_done, from the engine's event loop. Captures up to 48 bytes stay inline.
  using Callback = InlineFunction<void(const Delivery&), 48>;

  virtual ~Network() = default;

  /// Sends `bytes` from `src` to `dst` now; `on_delivered` runs at delivery. Throws
  /// InputError if there is no route. Never delivers synchronously: the callback always
  /// runs from a later (possibly equal-time) event.
  virtual MessageId send(NodeId src, NodeId dst, std::uint64_t bytes, Callback on_delivered) = 0;
  /// Drops a message now, in its latency phase or flowing: its callback never runs, and the
  /// bandwidth it held is shared out among the others at this instant. False (and nothing
  /// happens) if it was already delivered (or is being delivered at this instant), was
  /// cancelled before, or is unknown.
  virtual bool cancel(MessageId id) = 0;

  /// The route used for src -> dst (chosen on the nominal latencies), its `latency` the sum
  /// of its links' current latencies (ps): what a message sent now pays.
  virtual const Route& route(NodeId src, NodeId dst) = 0;

  /// From now on, link direction `r` (a finite resource of the topology) carries
  /// `bytes_per_s` (> 0, finite); the flows in progress are shared anew at this instant.
  virtual void set_capacity(ResourceId r, double bytes_per_s) = 0;
  /// From now on, messages sent over `link` pay `latency` (ps, >= 0) on it.
  virtual void set_latency(LinkId link, SimTime latency) = 0;
  /// Current capacity of a link direction, bytes/s (+inf for an unconstrained one).
  virtual double capacity(ResourceId r) const = 0;
  /// Current latency of a link, ps.
  virtual SimTime latency(LinkId link) const = 0;

  virtual const Topology& topology() const noexcept = 0;
  virtual std::uint64_t messages_sent() const noexcept = 0;
  virtual std::uint64_t messages_delivered() const noexcept = 0;
  virtual std::uint64_t messages_cancelled() const noexcept = 0;
  virtual std::uint64_t bytes_sent() const noexcept = 0;
  virtual std::uint64_t bytes_delivered() const noexcept = 0;
  virtual std::uint64_t bytes_cancelled() const noexcept = 0;
  /// Messages sent and neither delivered nor cancelled (in latency or flowing).
  virtual std::size_t in_flight() const noexcept = 0;
  /// Messages currently flowing (sharing bandwidth).
  virtual std::size_t active_flows() const noexcept = 0;

 protected:
  Network() = default;
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;
};

}  // namespace ef21::sim
