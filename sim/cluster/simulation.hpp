#pragma once
// A built simulation: the scenario's data split over workers, the method running on them
// (models::Federation), and the event engine moving their messages over the network under
// the synchronous parameter-server protocol `ps` (DESIGN §6).
#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "models/algorithms/federation.hpp"
#include "models/support/huge_page_allocator.hpp"
#include "sim/cluster/availability.hpp"
#include "sim/cluster/compute_model.hpp"
#include "sim/cluster/records.hpp"
#include "sim/cluster/round_protocol.hpp"
#include "sim/cluster/theory_monitor.hpp"
#include "sim/core/engine.hpp"
#include "sim/net/flow_network.hpp"
#include "sim/net/link_dynamics.hpp"
#include "sim/net/topology.hpp"
#include "sim/scenario/scenario.hpp"

namespace ef21::sim {

struct Progress {
  std::int64_t round = 0;
  std::int64_t rounds = 0;  // the scenario's maximum
  double time_s = 0.0;
  double grad_norm_sq = 0.0;
};
using ProgressFn = std::function<void(const Progress&)>;

class Simulation final : public ProtocolHost {
 public:
  /// Loads and splits the data, builds objectives, compressor, method, topology and network.
  /// Every input error (data file, k > d, no route, ...) throws InputError here, before any
  /// output exists.
  explicit Simulation(const Scenario& scenario);
  ~Simulation() override;
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  /// Runs to a stop condition. Call once.
  RunResult run(const ProgressFn& progress = {});
  /// Once `*flag` is true (a signal handler may set it: a lock-free atomic), the run stops at
  /// the next iterate it records, with status `interrupted` and that iterate as its last row.
  /// Checked once per round. `flag` must outlive run(); nullptr = never.
  void stop_when(const std::atomic<bool>* flag) { interrupt_ = flag; }

  const algorithms::DerivedConstants& constants() const { return constants_; }
  std::int64_t samples() const { return samples_; }
  std::int64_t k() const { return k_; }
  const Scenario& scenario() const { return scenario_; }
  /// Worker i's local compute time per round, ps.
  SimTime gradient_time(std::size_t worker) const { return compute_->full_time(worker); }

  // ProtocolHost: what the round protocol asks of the driver (round_protocol.hpp).
  Engine& engine() override { return engine_; }
  FlowNetwork& network() override { return *network_; }
  std::size_t workers() const override { return federation_->workers(); }
  NodeId worker_node(std::uint32_t worker) const override { return worker_nodes_[worker]; }
  NodeId server_node() const override { return server_node_; }
  std::uint64_t header_bytes() const override { return scenario_.network.header_bytes; }
  std::optional<SimTime> round_deadline() const override { return scenario_.protocol.round_deadline; }
  bool worker_up(std::uint32_t worker) override { return !down_[worker]; }
  SimTime next_recovery() override;
  void lost_message(std::uint64_t wasted_bytes) override;
  void late_message(std::uint64_t wasted_bytes) override;
  std::int64_t dim() const override { return federation_->dim(); }
  bool begin_round(std::int64_t round, SimTime model_time,
                   const std::vector<std::uint32_t>* received) override;
  const std::vector<std::uint32_t>& participants(std::int64_t round) override;
  void start_compute(std::uint32_t worker, std::int64_t round) override;
  std::uint64_t uplink_bits(std::uint32_t worker) const override;
  std::uint64_t aggregate(std::int64_t round, std::vector<std::uint32_t>* recipients,
                          const std::vector<std::uint32_t>* applied) override;
  void log_transfer(const Delivery& d, std::int64_t round, SpanKind kind) override;

 private:
  bool record_iterate(std::int64_t round);  // false = stop
  /// Failures: worker `worker` flips up/down now; schedules its next flip.
  void on_availability_change(std::uint32_t worker);
  std::uint64_t downlink_payload_bits(std::int64_t round) const;

  Scenario scenario_;
  std::unique_ptr<algorithms::Federation> federation_;
  algorithms::DerivedConstants constants_;
  std::int64_t samples_ = 0;
  std::int64_t k_ = 0;
  std::unique_ptr<ComputeModel> compute_;
  std::unique_ptr<Availability> availability_;
  std::vector<bool> down_;  // per worker, now
  // Per-worker arrays a round reads at its participants, on huge pages (10^6 clients: see
  // models/support/huge_page_allocator.hpp).
  HugePageVector<std::uint64_t> epoch_;     // per worker: bumped when it goes down (its computation is lost)
  std::vector<SimTime> down_since_;         // per worker, while down (timeline)
  std::vector<std::uint32_t> taking_part_;  // scratch: a round's participants after availability

  Topology topology_;
  Engine engine_;
  std::unique_ptr<FlowNetwork> network_;
  NodeId server_node_ = 0;
  HugePageVector<NodeId> worker_nodes_;
  HugePageVector<std::uint32_t> worker_of_node_;  // node id -> worker index (or npos)

  std::unique_ptr<LinkDynamicsDriver> link_driver_;  // link traces (after the network it drives)
  std::unique_ptr<RoundProtocol> protocol_;          // declared after the network it sends on
  // Round state.
  std::int64_t round_ = 0;      // the latest round begun
  SimTime server_time_ = 0;     // when x^round_ came to exist (the server, or the first worker, held it)
  double bits_up_total_ = 0;    // cumulative billed uplink bits, all workers
  double bits_down_total_ = 0;  // cumulative downlink bits, all workers
  double initial_grad_norm_sq_ = 0;
  bool stopped_ = false;
  std::vector<std::int32_t> union_marks_;  // scratch for the sparse-update downlink size
  RunResult result_;
  ProgressFn progress_;
  std::unique_ptr<TheoryMonitor> theory_;         // running mean of ||grad f||^2, the method's guarantee
  const std::atomic<bool>* interrupt_ = nullptr;  // stop_when
};

}  // namespace ef21::sim
