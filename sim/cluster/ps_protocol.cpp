#include "sim/cluster/ps_protocol.hpp"

#include "sim/cluster/protocol_registry.hpp"

namespace ef21::sim {

void PsProtocol::start() {
  host_.engine().schedule_at(0, [this] { begin(0); });
}

void PsProtocol::begin(std::int64_t round) {
  round_ = round;
  if (!host_.begin_round(round, server_time_)) return;
  const std::vector<std::uint32_t>& participants = host_.participants(round);
  uploads_pending_ = participants.size();
  for (const std::uint32_t i : participants) host_.start_compute(i, round);
}

void PsProtocol::computed(std::uint32_t worker, std::int64_t /*round*/) {
  const std::uint64_t bytes = message_bytes(host_.header_bytes(), host_.uplink_bits(worker));
  host_.network().send(host_.worker_node(worker), host_.server_node(), bytes,
                       [this](const Delivery& d) { on_uplink_delivered(d); });
}

void PsProtocol::on_uplink_delivered(const Delivery& d) {
  wire_bytes_ += d.bytes;
  host_.log_transfer(d, round_, SpanKind::upload);
  if (--uploads_pending_ > 0) return;
  // All uplinks are in: the server aggregates in worker-id order, in zero time.
  const std::uint64_t down_bits = host_.aggregate(round_, &recipients_);
  server_time_ = host_.engine().now();
  const std::uint64_t bytes = message_bytes(host_.header_bytes(), down_bits);
  downloads_pending_ = recipients_.size();
  for (const std::uint32_t i : recipients_)
    host_.network().send(host_.server_node(), host_.worker_node(i), bytes,
                         [this](const Delivery& dl) { on_downlink_delivered(dl); });
}

void PsProtocol::on_downlink_delivered(const Delivery& d) {
  wire_bytes_ += d.bytes;
  host_.log_transfer(d, round_, SpanKind::download);
  if (--downloads_pending_ > 0) return;
  // Every recipient holds x^{round+1}: the next round starts now. Scheduled (not called) so
  // the stack stays flat; equal-time ordering keeps it next.
  host_.engine().schedule_at(host_.engine().now(), [this] { begin(round_ + 1); });
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
