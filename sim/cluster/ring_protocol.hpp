#pragma once
// Decentralised rounds over a ring of workers (no server), issue 11:
//  * `allgather`: n - 1 steps; in step s worker i forwards to its successor the message it
//    received in step s - 1 (its own in step 0). Every worker ends with every message and
//    aggregates them as the server would (worker-id order): iterates equal `ps`'s bit for bit.
//  * `ring-allreduce` (dense messages only): reduce-scatter then all-gather, 2(n - 1) steps of
//    ceil(d/n)-value chunks. In reduce-scatter step s worker i adds its own chunk to what it
//    received and forwards chunk (pos_i - s) mod n; the all-gather passes the reduced chunks
//    on. The sums are the ring's (RingReduction), so iterates differ from `ps` by round-off.
// There is no barrier: a worker starts step s as soon as it has received step s - 1 (and, in
// a reduce-scatter step, has its own message), and its next round as soon as it has every
// message of this one. x^{r+1} exists (trace time_s) when the first worker has aggregated.
#include <map>
#include <vector>

#include "sim/cluster/round_protocol.hpp"

namespace ef21::sim {

class RingProtocol final : public RoundProtocol {
 public:
  enum class Mode { allgather, allreduce };
  /// `ring`: worker ids in ring order (a permutation of 0..n-1).
  RingProtocol(ProtocolHost& host, Mode mode, std::vector<std::uint32_t> ring);
  void start() override;
  void computed(std::uint32_t worker, std::int64_t round) override;
  std::uint64_t wire_bytes() const override { return wire_bytes_; }

 private:
  struct WorkerRound {
    bool own = false;            // its own message of the round is computed
    bool sent_first = false;     // step 0 sent
    std::uint32_t next = 1;      // the next step >= 1 to send
    std::uint32_t received = 0;  // steps received so far (counted: only sizes depend on which)
    bool done = false;           // has every message: aggregated, on to the next round
  };
  struct RoundState {
    std::vector<WorkerRound> workers;         // by ring position
    std::vector<std::uint64_t> payload_bits;  // each worker's message, by ring position
    std::uint32_t finished = 0;               // workers done with the round
  };

  std::uint32_t steps() const;
  RoundState& state(std::int64_t round);
  /// Sends every step position `pos` may send now in round `round`.
  void pump(std::int64_t round, std::uint32_t pos);
  /// Step s needs the worker's own message: step 0, and every step up to the end of the
  /// reduce-scatter (it adds its own chunk); all-gather steps only pass on what arrived.
  bool needs_own(std::uint32_t step) const;
  void send_step(std::int64_t round, std::uint32_t pos, std::uint32_t step);
  void on_delivered(const Delivery& d, std::int64_t round, std::uint32_t to_pos);
  void finish(std::int64_t round, std::uint32_t pos);
  std::uint64_t step_bits(const RoundState& st, std::uint32_t pos, std::uint32_t step) const;

  ProtocolHost& host_;
  Mode mode_;
  std::vector<std::uint32_t> ring_;      // position -> worker
  std::vector<std::uint32_t> position_;  // worker -> position
  std::map<std::int64_t, RoundState> rounds_;  // rounds in progress (at most a few)
  std::int64_t aggregated_ = -1;              // the last round aggregated
  bool stopped_ = false;
  std::uint64_t wire_bytes_ = 0;
};

struct ProtocolInfo;
const ProtocolInfo& allgather_registration();
const ProtocolInfo& ring_allreduce_registration();

}  // namespace ef21::sim
