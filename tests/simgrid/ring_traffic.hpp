#pragma once
// Ring collectives as traffic over a Network, for the differential test, the analytic ring
// tests (tests/sim/net) and the network benchmark (tools/bench/network); the simulation's own
// protocols live in sim/cluster. Header-only.
//
// Ring all-gather: n - 1 steps; in step s worker i sends to worker i + 1 (mod n) the message
// it received in step s - 1 (its own in step 0): the message that originated at worker
// i - s (mod n). Ring all-reduce: reduce-scatter then all-gather, 2(n - 1) steps of
// ceil(d / n)-value chunks, pipelined the same way. Either way there is no barrier: a worker
// starts step s as soon as it has received step s - 1 (step 0 at its own start time), even if
// its own send of step s - 1 is still flowing.
#include <cstdint>
#include <functional>
#include <vector>

#include "sim/core/engine.hpp"
#include "sim/net/network.hpp"

namespace ef21::sim::testing {

class RingCollective {
 public:
  /// `ring`: the workers' nodes in ring order (n >= 2); `steps`: n - 1 (all-gather) or
  /// 2(n - 1) (all-reduce); `bytes[k]`: size of the message that originated at ring position k
  /// (all equal for all-reduce chunks); `start[k]`: when position k sends its step 0.
  RingCollective(Engine& engine, Network& net, std::vector<NodeId> ring, std::size_t steps,
                 std::vector<std::uint64_t> bytes, std::vector<SimTime> start)
      : engine_(engine),
        net_(net),
        ring_(std::move(ring)),
        steps_(steps),
        bytes_(std::move(bytes)),
        start_(std::move(start)) {}

  static std::size_t allgather_steps(std::size_t n) { return n - 1; }
  static std::size_t allreduce_steps(std::size_t n) { return 2 * (n - 1); }
  /// Bytes of an all-reduce chunk: ceil(d / n) values of `value_bytes`, plus a header.
  static std::uint64_t allreduce_chunk_bytes(std::uint64_t d, std::size_t n, std::uint64_t value_bytes,
                                             std::uint64_t header_bytes) {
    return header_bytes + (d + n - 1) / n * value_bytes;
  }

  /// Schedules every worker's step 0. `on_delivery` sees each message as it arrives.
  void start(std::function<void(const Delivery&)> on_delivery = nullptr) {
    on_delivery_ = std::move(on_delivery);
    for (std::size_t k = 0; k < ring_.size(); ++k) {
      engine_.schedule_at(start_[k], [this, k] { send_step(k, 0); });
    }
  }

  std::size_t messages_delivered() const noexcept { return delivered_; }
  std::size_t messages_expected() const noexcept { return ring_.size() * steps_; }
  bool finished() const noexcept { return delivered_ == messages_expected(); }
  /// When the last message arrived, ps.
  SimTime finish_time() const noexcept { return finish_; }

 private:
  void send_step(std::size_t k, std::size_t s) {
    const std::size_t n = ring_.size();
    const std::size_t origin = (k + n - s % n) % n;
    net_.send(ring_[k], ring_[(k + 1) % n], bytes_[origin],
              [this, k, s](const Delivery& d) { received(k, s, d); });
  }
  void received(std::size_t from, std::size_t s, const Delivery& d) {
    ++delivered_;
    finish_ = d.t_done;
    if (on_delivery_) on_delivery_(d);
    if (s + 1 < steps_) send_step((from + 1) % ring_.size(), s + 1);
  }

  Engine& engine_;
  Network& net_;
  std::vector<NodeId> ring_;
  std::size_t steps_;
  std::vector<std::uint64_t> bytes_;
  std::vector<SimTime> start_;
  std::function<void(const Delivery&)> on_delivery_;
  std::size_t delivered_ = 0;
  SimTime finish_ = 0;
};

}  // namespace ef21::sim::testing
