#include "sim/cluster/ring_protocol.hpp"

#include "models/support/check.hpp"
#include "sim/cluster/protocol_registry.hpp"

namespace ef21::sim {

RingProtocol::RingProtocol(ProtocolHost& host, Mode mode, std::vector<std::uint32_t> ring)
    : host_(host), mode_(mode), ring_(std::move(ring)), position_(ring_.size()) {
  EF21_CHECK(ring_.size() == host_.workers() && ring_.size() >= 1, "the ring must hold every worker");
  for (std::uint32_t p = 0; p < ring_.size(); ++p) position_[ring_[p]] = p;
}

std::uint32_t RingProtocol::steps() const {
  const auto n = static_cast<std::uint32_t>(ring_.size());
  return mode_ == Mode::allgather ? n - 1 : 2 * (n - 1);
}

RingProtocol::RoundState& RingProtocol::state(std::int64_t round) {
  RoundState& st = rounds_[round];
  if (st.workers.empty()) {
    st.workers.resize(ring_.size());
    st.payload_bits.assign(ring_.size(), 0);
  }
  return st;
}

void RingProtocol::start() {
  host_.engine().schedule_at(0, [this] {
    if (!host_.begin_round(0, 0)) {
      stopped_ = true;
      return;
    }
    for (std::uint32_t i = 0; i < host_.workers(); ++i) host_.start_compute(i, 0);
  });
}

std::uint64_t RingProtocol::step_bits(const RoundState& st, std::uint32_t pos, std::uint32_t step) const {
  const auto n = static_cast<std::uint32_t>(ring_.size());
  if (mode_ == Mode::allgather) return st.payload_bits[(pos + n - step % n) % n];  // the message of pos - step
  // A chunk of ceil(d/n) values at the dense message's bits per value.
  const auto d = static_cast<std::uint64_t>(host_.dim());
  const std::uint64_t chunk = (d + n - 1) / n;
  return chunk * (st.payload_bits[pos] / d);
}

void RingProtocol::computed(std::uint32_t worker, std::int64_t round) {
  if (stopped_) return;
  RoundState& st = state(round);
  const std::uint32_t pos = position_[worker];
  st.payload_bits[pos] = host_.uplink_bits(worker);
  if (mode_ == Mode::allreduce)
    EF21_CHECK(st.payload_bits[pos] % static_cast<std::uint64_t>(host_.dim()) == 0,
               "ring-allreduce moves dense messages only (the loader checks)");
  st.workers[pos].own = true;
  pump(round, pos);
  if (st.workers[pos].received == steps()) finish(round, pos);
}

bool RingProtocol::needs_own(std::uint32_t step) const {
  return step == 0 || (mode_ == Mode::allreduce && step < static_cast<std::uint32_t>(ring_.size()));
}

void RingProtocol::pump(std::int64_t round, std::uint32_t pos) {
  WorkerRound& w = state(round).workers[pos];
  if (!w.sent_first && w.own && steps() > 0) {
    w.sent_first = true;
    send_step(round, pos, 0);
  }
  // Step s >= 1 goes out once step s - 1 has arrived (and its own message, where it adds it).
  while (w.next < steps() && w.received >= w.next && (!needs_own(w.next) || w.own)) {
    send_step(round, pos, w.next);
    ++w.next;
  }
}

void RingProtocol::send_step(std::int64_t round, std::uint32_t pos, std::uint32_t step) {
  const auto n = static_cast<std::uint32_t>(ring_.size());
  const std::uint32_t to = (pos + 1) % n;
  const std::uint64_t bytes = message_bytes(host_.header_bytes(), step_bits(state(round), pos, step));
  host_.network().send(host_.worker_node(ring_[pos]), host_.worker_node(ring_[to]), bytes,
                       [this, round, to](const Delivery& d) { on_delivered(d, round, to); });
}

void RingProtocol::on_delivered(const Delivery& d, std::int64_t round, std::uint32_t to_pos) {
  wire_bytes_ += d.bytes;
  host_.log_transfer(d, round, SpanKind::upload);
  if (stopped_) return;
  RoundState& st = state(round);
  WorkerRound& w = st.workers[to_pos];
  ++w.received;
  pump(round, to_pos);
  if (w.received == steps() && w.own) finish(round, to_pos);
}

void RingProtocol::finish(std::int64_t round, std::uint32_t pos) {
  RoundState& st = state(round);
  WorkerRound& w = st.workers[pos];
  if (w.done) return;
  w.done = true;
  ++st.finished;
  if (aggregated_ < round) {
    // The first worker with every message: x^{round+1} exists now.
    host_.aggregate(round, nullptr);
    aggregated_ = round;
    if (!host_.begin_round(round + 1, host_.engine().now())) {
      stopped_ = true;
      return;
    }
  }
  if (st.finished == ring_.size()) rounds_.erase(round);
  host_.start_compute(ring_[pos], round + 1);
}

const ProtocolInfo& allgather_registration() {
  static const ProtocolInfo info{
      .name = "allgather",
      .doc = "decentralised ring all-gather: n-1 steps, every worker aggregates every message itself (iterates = "
             "ps's bit for bit)",
      .takes_ring = true,
      .make = [](ProtocolHost& host, std::vector<std::uint32_t> ring) -> std::unique_ptr<RoundProtocol> {
        return std::make_unique<RingProtocol>(host, RingProtocol::Mode::allgather, std::move(ring));
      },
  };
  return info;
}

const ProtocolInfo& ring_allreduce_registration() {
  static const ProtocolInfo info{
      .name = "ring-allreduce",
      .doc = "decentralised ring all-reduce of dense messages: reduce-scatter + all-gather, 2(n-1) steps of "
             "ceil(d/n)-value chunks (sums in ring order: round-off from ps)",
      .dense_only = true,
      .takes_ring = true,
      .make = [](ProtocolHost& host, std::vector<std::uint32_t> ring) -> std::unique_ptr<RoundProtocol> {
        return std::make_unique<RingProtocol>(host, RingProtocol::Mode::allreduce, std::move(ring));
      },
  };
  return info;
}

}  // namespace ef21::sim
