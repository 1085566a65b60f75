#pragma once
#include <vector>

#include "models/support/huge_page_allocator.hpp"
#include "sim/cluster/round_protocol.hpp"

namespace ef21::sim {

/// `ps`, the synchronous parameter server (DESIGN §6): round r, each participant computes at
/// x^r and uploads; when every upload is in, the server aggregates in worker-id order in zero
/// time (the instant x^{r+1} exists) and sends its downlink message to the next round's
/// participants (every worker for a method's own broadcast) as unicast flows starting
/// together; round r+1 starts when the last of them has it.
///
/// Unreliable workers (issue 11): a worker that goes down loses the message it is computing or
/// sending (its flow is cancelled at that instant) and the broadcast it is receiving; the
/// server aggregates once every live participant has delivered or, with round_deadline, at
/// the deadline, whichever comes first. Messages that arrive after it are late: dropped and
/// counted. The server applies only what arrived (the others are non-participants of the
/// round; the Federation gives them their state back).
class PsProtocol final : public RoundProtocol {
 public:
  explicit PsProtocol(ProtocolHost& host) : host_(host) {}
  void start() override;
  void computed(std::uint32_t worker, std::int64_t round) override;
  void worker_failed(std::uint32_t worker) override;
  std::uint64_t wire_bytes() const override { return wire_bytes_; }

 private:
  enum class Stage : std::uint8_t { idle, computing, uploading, delivered, lost, receiving };
  void begin(std::int64_t round);
  void on_uplink_delivered(const Delivery& d, std::int64_t round, std::uint32_t worker);
  void on_downlink_delivered(const Delivery& d, std::int64_t round, std::uint32_t worker);
  /// The server aggregates round_ with what arrived and broadcasts.
  void aggregate();
  void maybe_aggregate();
  void maybe_next_round();

  ProtocolHost& host_;
  std::int64_t round_ = 0;
  bool aggregated_ = false;  // round_'s aggregation happened
  std::size_t uploads_pending_ = 0;
  std::size_t downloads_pending_ = 0;
  SimTime server_time_ = 0;            // when the server got the current iterate
  HugePageVector<Stage> stage_;        // per worker, in the current round
  HugePageVector<MessageId> message_;  // per worker: its upload or download in flight
  std::vector<std::uint32_t> recipients_;
  std::vector<std::uint32_t> received_;  // recipients that got the broadcast (the next round's)
  EventId deadline_;
  std::uint64_t wire_bytes_ = 0;
};

struct ProtocolInfo;
const ProtocolInfo& ps_registration();

}  // namespace ef21::sim
