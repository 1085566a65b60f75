#pragma once
// The round protocol seam (DESIGN §1, issue 11): what moves a round's messages between the
// methods and the network. The simulation driver (ProtocolHost) owns the math, the compute
// model and the records; a protocol decides who sends what to whom and when, when the
// aggregation happens and when each worker may start its next round. `ps` (the synchronous
// parameter server), `allgather` and `ring-allreduce` implement it; each registers itself in
// protocol_registry.cpp.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/cluster/records.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/time.hpp"
#include "sim/net/flow_network.hpp"

namespace ef21::sim {

/// What a protocol asks of the simulation driver.
class ProtocolHost {
 public:
  virtual ~ProtocolHost() = default;
  virtual Engine& engine() = 0;
  virtual FlowNetwork& network() = 0;
  virtual std::size_t workers() const = 0;
  virtual NodeId worker_node(std::uint32_t worker) const = 0;
  /// The server's node (protocols with a server only).
  virtual NodeId server_node() const = 0;
  virtual std::uint64_t header_bytes() const = 0;
  /// protocol.round_deadline, if any (ps).
  virtual std::optional<SimTime> round_deadline() const = 0;

  /// x^round exists from `model_time` on (the server or the first worker holds it): runs the
  /// round's math and records its row (time_s = model_time). False: the run stops here and
  /// the protocol must not go on.
  /// With `received` (ascending): only those may take part (they got x^round); the host also
  /// leaves out the workers down now.
  virtual bool begin_round(std::int64_t round, SimTime model_time,
                           const std::vector<std::uint32_t>* received = nullptr) = 0;
  /// The workers taking part in round `round`, ascending.
  virtual const std::vector<std::uint32_t>& participants(std::int64_t round) = 0;
  /// Worker `worker` holds x^round now and computes its round; the host calls the
  /// protocol's computed(worker, round) when its message is ready.
  virtual void start_compute(std::uint32_t worker, std::int64_t round) = 0;
  /// Payload bits of worker `worker`'s message of the round just computed.
  virtual std::uint64_t uplink_bits(std::uint32_t worker) const = 0;
  /// The server step of round `round`, x^round -> x^{round+1} (math, zero time). With
  /// `recipients` (a server's broadcast): fills them (the next round's participants, or every
  /// worker for a method's own broadcast), bills bits_down and returns the payload bits of
  /// what the server sends them; without (decentralised protocols, every worker aggregates
  /// for itself): returns 0.
  /// `applied` (ascending): the participants whose messages reached the server (nullptr:
  /// all of them); the others get their state back.
  virtual std::uint64_t aggregate(std::int64_t round, std::vector<std::uint32_t>* recipients,
                                  const std::vector<std::uint32_t>* applied = nullptr) = 0;
  /// Whether `worker` is up now (failures).
  virtual bool worker_up(std::uint32_t worker) = 0;
  /// The earliest instant after now at which a worker that is down comes back, or -1.
  virtual SimTime next_recovery() = 0;
  /// A message lost to a failure (`wasted_bytes` of it were on the wire, 0 if never sent), or
  /// one that arrived after the server's deadline.
  virtual void lost_message(std::uint64_t wasted_bytes) = 0;
  virtual void late_message(std::uint64_t wasted_bytes) = 0;
  virtual std::int64_t dim() const = 0;
  /// A delivered transfer of round `round` for messages.csv, timeline.json (the span of the
  /// worker at its worker end: the sender of an upload or a peer transfer, the receiver of a
  /// download) and the byte counts.
  virtual void log_transfer(const Delivery& d, std::int64_t round, SpanKind kind) = 0;
};

class RoundProtocol {
 public:
  virtual ~RoundProtocol() = default;
  /// Schedules round 0 at time 0.
  virtual void start() = 0;
  /// Worker `worker` finished computing round `round`: its message is ready to send. Not called
  /// when the worker went down during the computation.
  virtual void computed(std::uint32_t worker, std::int64_t round) = 0;
  /// Worker `worker` has just gone down (failures): what it was computing, sending or
  /// receiving is lost. Protocols that run without failures need not override it.
  virtual void worker_failed(std::uint32_t /*worker*/) {}
  /// Bytes on the wire so far (every transfer of every step, headers included).
  virtual std::uint64_t wire_bytes() const = 0;
};

/// message bytes on the wire: header + ceil(payload bits / 8).
inline std::uint64_t message_bytes(std::uint64_t header_bytes, std::uint64_t payload_bits) {
  return header_bytes + (payload_bits + 7) / 8;
}

}  // namespace ef21::sim
