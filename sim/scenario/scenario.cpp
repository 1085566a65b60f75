#include "sim/scenario/scenario.hpp"

#include <algorithm>
#include <cmath>

namespace ef21::sim {
namespace {

const WorkerGroup* group_of(const std::vector<WorkerGroup>& groups, std::int64_t worker) {
  for (const auto& g : groups)
    if (std::find(g.ids.begin(), g.ids.end(), worker) != g.ids.end()) return &g;
  return nullptr;
}

}  // namespace

SourceLocation Scenario::where(std::string_view key) const {
  if (auto it = locations.find(key); it != locations.end()) return it->second;
  return {file.string(), 0, 0};
}

LinkSpec Scenario::link_of(std::int64_t worker) const {
  LinkSpec link = network.worker_link;
  if (const auto* g = group_of(worker_groups, worker)) {
    if (g->uplink) link.uplink = *g->uplink;
    if (g->downlink) link.downlink = *g->downlink;
    if (g->latency) link.latency = *g->latency;
  }
  return link;
}

ComputeSpec Scenario::compute_of(std::int64_t worker) const {
  ComputeSpec c = compute;
  if (const auto* g = group_of(worker_groups, worker)) {
    if (g->gradient_time) c.gradient_time = *g->gradient_time;
    if (g->auto_gradient_time) c.gradient_time.reset();
    if (g->speed) c.speed = *g->speed;
  }
  return c;
}

}  // namespace ef21::sim

namespace ef21::sim {

bool Scenario::unreliable() const {
  if (failures.mtbf || protocol.round_deadline) return true;
  for (const auto& g : worker_groups)
    if (!g.availability_trace.empty()) return true;
  return false;
}

std::int64_t CompressorChoice::k_for(std::int64_t d, bool takes_k) const {
  if (!takes_k) return d;
  if (ratio)
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(*ratio * static_cast<double>(d))));
  return spec.k;
}

}  // namespace ef21::sim
