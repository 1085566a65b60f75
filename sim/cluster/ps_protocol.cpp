#include "sim/cluster/ps_protocol.hpp"

#include <algorithm>

#include "sim/cluster/protocol_registry.hpp"

namespace ef21::sim {

void PsProtocol::start() {
  stage_.assign(host_.workers(), Stage::idle);
  message_.assign(host_.workers(), 0);
  host_.engine().schedule_at(0, [this] { begin(0); });
}

void PsProtocol::begin(std::int64_t round) {
  round_ = round;
  aggregated_ = false;
  if (!host_.begin_round(round, server_time_, round == 0 ? nullptr : &received_)) return;
  const std::vector<std::uint32_t>& participants = host_.participants(round);
  uploads_pending_ = participants.size();
  for (const std::uint32_t i : participants) {
    stage_[i] = Stage::computing;
    host_.start_compute(i, round);
  }
  if (const auto deadline = host_.round_deadline()) {
    deadline_ = host_.engine().schedule_at(checked_add(host_.engine().now(), *deadline), [this, round] {
      deadline_ = EventId{};
      if (round_ == round && !aggregated_) aggregate();
    });
  }
  maybe_aggregate();  // nobody could take part
}

void PsProtocol::computed(std::uint32_t worker, std::int64_t round) {
  const std::uint64_t bytes = message_bytes(host_.header_bytes(), host_.uplink_bits(worker));
  const MessageId id = host_.network().send(
      host_.worker_node(worker), host_.server_node(), bytes,
      [this, round, worker](const Delivery& d) { on_uplink_delivered(d, round, worker); });
  if (round == round_ && !aggregated_) {
    stage_[worker] = Stage::uploading;
    message_[worker] = id;
  }
}

void PsProtocol::on_uplink_delivered(const Delivery& d, std::int64_t round, std::uint32_t worker) {
  wire_bytes_ += d.bytes;
  host_.log_transfer(d, round, SpanKind::upload);
  if (round != round_ || aggregated_) {  // after the deadline: dropped
    host_.late_message(d.bytes);
    return;
  }
  stage_[worker] = Stage::delivered;
  --uploads_pending_;
  maybe_aggregate();
}

void PsProtocol::maybe_aggregate() {
  if (!aggregated_ && uploads_pending_ == 0) aggregate();
}

void PsProtocol::aggregate() {
  // The server aggregates what arrived, in worker-id order, in zero time.
  aggregated_ = true;
  if (deadline_.valid()) {
    host_.engine().cancel(deadline_);
    deadline_ = EventId{};
  }
  std::vector<std::uint32_t> applied;
  bool all = true;
  for (const std::uint32_t i : host_.participants(round_)) {
    if (stage_[i] == Stage::delivered)
      applied.push_back(i);
    else
      all = false;  // lost, or late: still computing or uploading
    stage_[i] = Stage::idle;
  }
  const std::uint64_t down_bits = host_.aggregate(round_, &recipients_, all ? nullptr : &applied);
  server_time_ = host_.engine().now();
  const std::uint64_t bytes = message_bytes(host_.header_bytes(), down_bits);
  received_.clear();
  downloads_pending_ = 0;
  const std::int64_t round = round_;
  for (const std::uint32_t i : recipients_) {  // the host leaves out the workers down now
    ++downloads_pending_;
    stage_[i] = Stage::receiving;
    message_[i] = host_.network().send(host_.server_node(), host_.worker_node(i), bytes,
                                       [this, round, i](const Delivery& dl) { on_downlink_delivered(dl, round, i); });
  }
  maybe_next_round();
}

void PsProtocol::on_downlink_delivered(const Delivery& d, std::int64_t /*round*/, std::uint32_t worker) {
  wire_bytes_ += d.bytes;
  host_.log_transfer(d, round_, SpanKind::download);
  stage_[worker] = Stage::idle;
  received_.push_back(worker);
  --downloads_pending_;
  maybe_next_round();
}

void PsProtocol::maybe_next_round() {
  if (downloads_pending_ > 0) return;
  std::sort(received_.begin(), received_.end());
  // Every recipient holds x^{round+1}: the next round starts now. Scheduled (not called) so
  // the stack stays flat; equal-time ordering keeps it next. With nobody to run it (every
  // worker down), the server waits for the first to come back.
  SimTime at = host_.engine().now();
  if (received_.empty() && !recipients_.empty()) {
    at = host_.next_recovery();
    if (at < 0) return;  // nobody ever comes back: the run ends here
    received_ = recipients_;  // they get x^{round+1} when they are back
  }
  host_.engine().schedule_at(at, [this] { begin(round_ + 1); });
}

void PsProtocol::worker_failed(std::uint32_t worker) {
  switch (stage_[worker]) {
    case Stage::computing:  // the message is never sent
      host_.lost_message(0);
      stage_[worker] = Stage::lost;
      --uploads_pending_;
      maybe_aggregate();
      break;
    case Stage::uploading:  // cancelled on the wire
      host_.network().cancel(message_[worker]);
      host_.lost_message(0);
      stage_[worker] = Stage::lost;
      --uploads_pending_;
      maybe_aggregate();
      break;
    case Stage::receiving:  // the broadcast to it is cancelled: it skips the next round
      host_.network().cancel(message_[worker]);
      stage_[worker] = Stage::idle;
      --downloads_pending_;
      maybe_next_round();
      break;
    default:
      break;
  }
}

const ProtocolInfo& ps_registration() {
  static const ProtocolInfo info{
      .name = "ps",
      .doc = "synchronous parameter server: uploads to `server`, aggregation, broadcast (DESIGN §6)",
      .needs_server = true,
      .takes_deadline = true,
      .partial_participation = true,
      .method_broadcast = true,
      .make = [](ProtocolHost& host, std::vector<std::uint32_t> /*ring*/) -> std::unique_ptr<RoundProtocol> {
        return std::make_unique<PsProtocol>(host);
      },
  };
  return info;
}

}  // namespace ef21::sim
