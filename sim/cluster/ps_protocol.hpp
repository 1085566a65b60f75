#pragma once
#include "sim/cluster/round_protocol.hpp"

namespace ef21::sim {

/// `ps`, the synchronous parameter server (DESIGN §6): round r, each participant computes at
/// x^r and uploads; when every upload is in, the server aggregates in worker-id order in zero
/// time (the instant x^{r+1} exists) and sends its downlink message to the next round's
/// participants (every worker for a method's own broadcast) as unicast flows starting
/// together; round r+1 starts when the last of them has it.
class PsProtocol final : public RoundProtocol {
 public:
  explicit PsProtocol(ProtocolHost& host) : host_(host) {}
  void start() override;
  void computed(std::uint32_t worker, std::int64_t round) override;
  std::uint64_t wire_bytes() const override { return wire_bytes_; }

 private:
  void begin(std::int64_t round);
  void on_uplink_delivered(const Delivery& d);
  void on_downlink_delivered(const Delivery& d);

  ProtocolHost& host_;
  std::int64_t round_ = 0;
  std::size_t uploads_pending_ = 0;
  std::size_t downloads_pending_ = 0;
  SimTime server_time_ = 0;  // when the server got the current iterate
  std::vector<std::uint32_t> recipients_;
  std::uint64_t wire_bytes_ = 0;
};

struct ProtocolInfo;
const ProtocolInfo& ps_registration();

}  // namespace ef21::sim
