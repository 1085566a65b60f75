#pragma once
// Flow-level network, max-min fair (DESIGN §6): the Network (network.hpp) of every simulation.
//
// A message of B bytes sent at t first waits its route latency (sum of its links' current
// latencies, no bandwidth taken), then becomes a flow on its route's finite-bandwidth link
// directions. All active flows share every resource max-min fairly (progressive filling,
// unweighted); rates are recomputed whenever a flow starts, ends or is cancelled, and whenever
// a capacity changes. The message is delivered when its B bytes are through. Special cases:
// src == dst is delivered at t; 0 bytes or a route with no finite-bandwidth resource is
// delivered at t + latency.
//
// Numerics: remaining bytes are doubles, advanced lazily (only when a flow's rate changes).
// Completion instants are computed in double ("exact" time, ps as a double) and the event
// that delivers them is at that instant rounded UP to the picosecond. The rate changes a
// completion causes take effect at its exact instant, not at the rounded event time, so
// rounding never accumulates from one flow to the next (a chain of completions stays exact to
// the picosecond). Flows whose predicted completions fall within a rounding window of the
// earliest (2 ps + ~1e-12·t) complete in the same event, so no flow is left with a sliver.
// Capacity changes and cancellations happen at whole picoseconds (engine time).
//
// Incremental: a flow start or end recomputes only the flows connected to it through shared
// resources (transitively): the component found by a walk over per-resource flow lists. A flow
// alone on every resource of its route (no shared resource: most flows of a ring collective)
// is its own component: its rate, the smallest capacity on its route, is set without the walk.
// Flows starting at the same instant (a broadcast: n unicast flows at once) are shared out
// together: a start only marks its resources, and one recomputation runs after the other
// events of that instant (or within a completion at that instant, whichever comes first; or
// at once when no other event is due at that instant). A capacity change or a cancellation
// marks resources the same way and joins a pending recomputation of that instant, or runs one.
//
// Shared bottlenecks (hubs): a component whose only resource crossed by two or more flows is
// one resource H (every other resource on its flows' routes carries that flow alone: a star's
// server link with each worker's access link) is solved by water-filling instead: each flow's
// rate is min(cap, λ), cap = the smallest capacity on its route besides H, λ = H's free
// capacity over its uncapped flows. The uncapped flows advance together, processor-sharing
// style: the hub keeps their cumulative service (bytes each received since the hub formed) and
// each flow's finish threshold in a heap, so a flow start or end on H is O(log n) (one rate,
// one heap operation) instead of touching every flow. Capped flows keep their own rate. Hubs
// form once H carries FlowNetworkOptions::min_hub_flows flows (default 64); smaller components,
// and every component with two or more shared resources, take the per-flow path above, whose
// arithmetic is that of the original implementation (so small scenarios keep their exact
// outputs). Structure is tracked incrementally (flows per resource, shared resources per flow,
// flows per resource that cross two shared ones), so classifying a change is O(route length).
// A capacity change on H re-solves the hub (its service brought up to the instant at the old
// λ first); one on a member's own link takes that member out of the hub (its bytes left
// materialized) and puts it back with its new cap, then re-solves: no hub is dissolved.
//
// Cancellation: a message in its latency phase loses its pending event; a flowing one leaves
// its resources (and hub) as a completion would, and the flows around them are shared out at
// the instant. cancel() finds a message by id through an index (id_slot_map.hpp) kept from the
// first cancel() on, so that a network that never cancels does not pay for it.
//
// The code, by responsibility (one class, member functions defined across files):
//   route_cache.{hpp,cpp}        routes and current latencies (a helper class)
//   flow_network.cpp             construction, capacity and latency changes
//   flow_message_lifecycle.cpp   send, latency phase, flow start, completion, cancel, delivery
//   flow_max_min_sharing.cpp     structure tracking, settling, per-flow progressive filling
//   flow_hub_solver.cpp          the shared-bottleneck (hub) water-filling solver
//   flow_network_detail.hpp      rounding of completion instants, slot heaps (private)
//   id_slot_map.hpp              message id -> slot index for cancel() (a helper class)
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <span>
#include <vector>

#include "models/support/huge_page_allocator.hpp"
#include "sim/core/engine.hpp"
#include "sim/core/indexed_heap.hpp"
#include "sim/core/time.hpp"
#include "sim/net/id_slot_map.hpp"
#include "sim/net/network.hpp"
#include "sim/net/route_cache.hpp"
#include "sim/net/topology.hpp"

namespace ef21::sim {

struct FlowNetworkOptions {
  /// A resource whose component has it as the only shared resource is solved as a hub once it
  /// carries this many flows (>= 2); below, per-flow progressive filling.
  std::uint32_t min_hub_flows = 64;
};

class FlowNetwork final : public Network {
 public:
  /// Both must outlive the network; the network must outlive running `engine` (its pending
  /// events are cancelled when it is destroyed). Capacities and latencies start at the
  /// topology's (nominal) values.
  FlowNetwork(Engine& engine, const Topology& topology, FlowNetworkOptions options = {});
  ~FlowNetwork() override;

  MessageId send(NodeId src, NodeId dst, std::uint64_t bytes, Callback on_delivered) override;
  bool cancel(MessageId id) override;
  const Route& route(NodeId src, NodeId dst) override;
  /// `r` must be a finite resource of the topology (EF21_CHECK): routes never cross an
  /// infinite one, so there is nothing to share on it. Setting the current value changes
  /// nothing (no recomputation).
  void set_capacity(ResourceId r, double bytes_per_s) override;
  void set_latency(LinkId link, SimTime latency) override;
  double capacity(ResourceId r) const override;
  SimTime latency(LinkId link) const override;

  const Topology& topology() const noexcept override { return topo_; }
  std::uint64_t messages_sent() const noexcept override { return messages_sent_; }
  std::uint64_t messages_delivered() const noexcept override { return messages_delivered_; }
  std::uint64_t messages_cancelled() const noexcept override { return messages_cancelled_; }
  std::uint64_t bytes_sent() const noexcept override { return bytes_sent_; }
  std::uint64_t bytes_delivered() const noexcept override { return bytes_delivered_; }
  std::uint64_t bytes_cancelled() const noexcept override { return bytes_cancelled_; }
  std::size_t in_flight() const noexcept override { return in_flight_; }
  std::size_t active_flows() const noexcept override { return active_flows_; }
  /// Max-min recomputations run so far, and flows they touched in total (for profiling the
  /// cost per event).
  std::uint64_t reshare_count() const noexcept { return reshare_count_; }
  std::uint64_t reshare_flow_visits() const noexcept { return reshare_flow_visits_; }
  /// Hubs active now (shared bottlenecks solved by water-filling, see the header).
  std::size_t active_hubs() const noexcept { return active_hubs_; }

 private:
  static constexpr std::uint32_t kNone = 0xffffffffu;

  /// Where a message slot is in its life.
  enum class Phase : std::uint8_t {
    free,        // not in use
    latency,     // sent, paying its route latency (or waiting for a direct delivery)
    flowing,     // sharing bandwidth
    delivering,  // delivered in the running completion event, its callback not yet run
  };

  /// A message slot; while flowing it is also a flow (same dense id).
  struct Message {
    MessageId id = 0;
    NodeId src = 0;
    NodeId dst = 0;
    std::uint64_t bytes = 0;
    SimTime t_send = 0;
    SimTime t_flow = 0;
    std::uint32_t route = kNone;  // index into routes_
    Phase phase = Phase::free;
    EventId pending;  // latency / direct-delivery event, if any
    Callback callback;
    // Flow state (valid while flowing).
    double remaining = 0;                         // bytes still to transfer as of last_update
    double rate = 0;                              // bytes/s
    double last_update = 0;                       // exact time of the last rate change, ps (as a double)
    double exact_done = 0;                        // predicted exact completion, ps (as a double)
    std::vector<std::uint32_t> slot_in_resource;  // position in each route resource's list
    std::uint32_t mark = 0;                       // component-walk epoch
    bool fixed = false;                           // progressive-filling scratch
    bool in_group = false;           // advancing with its hub's uncapped group (threshold, not remaining)
    std::uint32_t shared_count = 0;  // resources on its route crossed by >= 2 flows
    std::uint32_t hub = kNone;       // hub pool index while a hub member (group or capped)
    std::uint32_t pos_thr = kNone;   // position in its hub's threshold heap (group members)
    std::uint32_t pos_cap = kNone;   // position in its hub's cap heap (uncapped or capped)
    double cap = 0;                  // hub member: smallest capacity on its route besides the hub
    double threshold = 0;            // group member: hub service at which its bytes are through
  };

  struct Resource {
    double capacity = 0;  // bytes/s (current), finite on every route
    // Active flows crossing it (message slots). A worker's access link rarely carries more
    // than one, held inline: a flow start then touches one cold line per resource, not two
    // (10^6 clients: the resource array alone is ~150 MB).
    boost::container::small_vector<std::uint32_t, 1> flows;
    std::uint32_t mark = 0;           // component-walk epoch
    double free_capacity = 0;         // progressive-filling scratch, bytes/s
    std::uint32_t unfixed = 0;        // progressive-filling scratch
    std::uint32_t complex_flows = 0;  // flows on it crossing >= 2 shared resources
    bool seeded = false;              // in seeds_, awaiting the next settle()
    std::uint32_t hub = kNone;        // hub pool index while solved as a hub
  };

  /// A shared bottleneck solved by water-filling (see the header).
  struct Hub {
    std::uint32_t resource = kNone;
    double rate = 0;         // λ: rate of every uncapped member, bytes/s
    double service = 0;      // bytes each uncapped member received since the hub formed
    double last_update = 0;  // exact time of `service`, ps
    double capped_sum = 0;   // sum of the capped members' rates (compensated)
    double capped_sum_c = 0;
    double max_threshold = 0;  // >= every uncapped member's threshold (not lowered when one leaves)
    std::vector<std::uint32_t> by_threshold;  // uncapped: min-heap by (threshold, id)
    std::vector<std::uint32_t> uncapped;      // uncapped: min-heap by (cap, id)
    std::vector<std::uint32_t> capped;        // capped: max-heap by (cap, id)
    std::vector<std::uint32_t> pending;       // flows started on it (or taken out), not yet inserted
  };

  /// Completion key: predicted ps, then message id (deterministic order of equal times).
  struct CompletionKey {
    SimTime time;
    MessageId id;
    friend bool operator<(const CompletionKey& a, const CompletionKey& b) noexcept {
      return a.time != b.time ? a.time < b.time : a.id < b.id;
    }
  };

  struct ShareEntry {  // lazy heap entry of progressive filling
    double share;
    std::uint32_t resource;
  };

  // Message lifecycle (flow_message_lifecycle.cpp).
  std::uint32_t allocate_slot();
  void free_slot(std::uint32_t slot);
  void deliver_direct(std::uint32_t slot);
  void start_flow(std::uint32_t slot);
  void on_completion_event();
  void on_start_batch_event();
  /// Recomputes the rates around the seeded resources at this instant: now, or with the
  /// start batch of this instant if one is pending (or if other events are due at this
  /// instant: flows starting together are shared out once). Then re-arms the completion event.
  void reshare_now() {
    if (start_batch_event_.valid()) return;  // a recomputation is due at this instant: joins it
    if (engine_.next_event_time() == engine_.now()) {
      start_batch_event_ = engine_.schedule_at(engine_.now(), [this] { on_start_batch_event(); });
    } else {
      // Nothing else is due at this instant: the batch event would run next, so share out now.
      settle(exact_now_);
      rearm();
    }
  }
  void rearm();
  Delivery make_delivery(const Message& m, SimTime t_done) const;
  std::span<const ResourceId> resources_of(const Message& m) const { return routes_.resources(m.route); }

  // Max-min sharing (flow_max_min_sharing.cpp).
  /// Marks `r` for the next settle() (once: seeds_ stays distinct, in first-seen order).
  void seed(ResourceId r) {
    if (resources_[r].seeded) return;
    resources_[r].seeded = true;
    seeds_.push_back(r);
  }
  /// Brings the rates of every flow around the seeded resources up to date at `exact_now`.
  void settle(double exact_now);
  void reshare(const std::vector<std::uint32_t>& seed_resources, double exact_now);
  /// A fresh mark for a walk over flows and resources (their `mark` fields).
  std::uint32_t next_epoch();
  void progressive_filling();
  void materialize(Message& m, double exact_now);
  bool is_hub(std::uint32_t r) const noexcept {
    const Resource& res = resources_[r];
    return res.flows.size() >= options_.min_hub_flows && res.complex_flows == 0;
  }
  bool on_hub(const Message& m) const noexcept {
    if (m.hub != kNone) return true;
    for (const ResourceId q : resources_of(m)) {
      if (is_hub(q)) return true;
    }
    return false;
  }
  void add_to_resources(std::uint32_t slot);
  void remove_from_resources(std::uint32_t slot);
  void add_shared(std::uint32_t slot);
  void drop_shared(std::uint32_t slot);

  // Hub solver (flow_hub_solver.cpp).
  void hub_advance(Hub& hub, double exact_now);
  void hub_insert(Hub& hub, std::uint32_t slot, double exact_now);
  void hub_remove(Hub& hub, std::uint32_t slot);
  /// Takes a member out of its hub as a plain flow (remaining bytes and rate materialized at
  /// `exact_now`) and queues it for re-insertion at the hub's next solve.
  void hub_take_out(Hub& hub, std::uint32_t slot, double exact_now);
  void hub_to_capped(Hub& hub, std::uint32_t slot, double exact_now);
  void hub_to_group(Hub& hub, std::uint32_t slot, double exact_now);
  void hub_solve(std::uint32_t h, double exact_now);
  void hub_rekey(std::uint32_t h);
  std::uint32_t hub_build(std::uint32_t r, double exact_now);
  void hub_dissolve(std::uint32_t r, double exact_now);
  /// Exact completion instant (ps) of a group member with this threshold; monotone in it.
  static double group_exact_done(const Hub& hub, double threshold) {
    return hub.last_update + (threshold - hub.service) / hub.rate * 1e12;
  }
  /// The order group members finish in: by threshold, ties by message id.
  static bool group_before(const Message& a, const Message& b) noexcept {
    return a.threshold != b.threshold ? a.threshold < b.threshold : a.id < b.id;
  }
  void take_finished_members(Hub& hub, SimTime now, SimTime window_end);

  Engine& engine_;
  const Topology& topo_;

  std::vector<Message> messages_;
  std::vector<std::uint32_t> free_slots_;
  // Message id -> slot of every message sent and not yet freed, for cancel(): kept from the
  // first cancel() on (built then from the slots in use), so that a network that never cancels
  // pays nothing for it on its sends and deliveries.
  IdSlotMap slot_of_id_;
  bool track_ids_ = false;
  RouteCache routes_;
  HugePageVector<Resource> resources_;  // by ResourceId (huge pages: see huge_page_allocator.hpp)
  FlowNetworkOptions options_;
  IndexedMinHeap<CompletionKey> completions_;  // flowing messages outside hub groups
  std::vector<Hub> hubs_;                      // pool
  std::vector<std::uint32_t> free_hubs_;
  IndexedMinHeap<CompletionKey> hub_completions_;  // by hub: its group's next completion
  std::size_t active_hubs_ = 0;
  EventId completion_event_;
  SimTime completion_event_time_ = 0;
  double exact_now_ = 0;       // exact time of the latest rate change, ps (monotone)
  EventId start_batch_event_;  // pending recomputation for flows just started
  // Resources whose flows need new rates: those of flows started, finished or cancelled, of
  // flows whose shared-resource count crossed 1 <-> 2, and of capacity changes. Consumed by
  // settle().
  std::vector<std::uint32_t> seeds_;

  // Scratch, reused by every event (no allocation once warm).
  std::uint32_t epoch_ = 0;
  std::vector<std::uint32_t> settling_;
  std::vector<std::uint32_t> general_seeds_;
  std::vector<std::uint32_t> hub_work_;
  std::vector<std::uint32_t> comp_resources_;
  std::vector<std::uint32_t> comp_flows_;
  std::vector<ShareEntry> share_heap_;
  std::vector<std::uint32_t> done_;

  std::uint64_t next_id_ = 0;
  std::uint64_t messages_sent_ = 0;
  std::uint64_t messages_delivered_ = 0;
  std::uint64_t messages_cancelled_ = 0;
  std::uint64_t bytes_sent_ = 0;
  std::uint64_t bytes_delivered_ = 0;
  std::uint64_t bytes_cancelled_ = 0;
  std::size_t in_flight_ = 0;
  std::size_t active_flows_ = 0;
  std::uint64_t reshare_count_ = 0;
  std::uint64_t reshare_flow_visits_ = 0;
};

}  // namespace ef21::sim
