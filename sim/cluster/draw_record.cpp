#include "sim/cluster/draw_record.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace ef21::sim {
namespace {

/// {"<id>": [v, ...], ...} over the participants whose `field` is non-empty ("" if none).
template <class Field>
std::string per_worker(std::span<const std::uint32_t> participants,
                       std::span<const algorithms::WorkerOutput> outputs, Field field) {
  std::string out;
  for (const std::uint32_t i : participants) {
    const std::vector<std::int32_t>& values = field(outputs[i]);
    if (values.empty()) continue;
    fmt::format_to(std::back_inserter(out), "{}\"{}\": [{}]", out.empty() ? "" : ", ", i,
                   fmt::join(values, ", "));
  }
  return out.empty() ? out : "{" + out + "}";
}

}  // namespace

std::string format_draw_record(std::int64_t round, std::span<const std::uint32_t> participants,
                               bool drew_participants, std::span<const algorithms::WorkerOutput> outputs,
                               std::optional<int> coin) {
  std::string fields;
  if (drew_participants) fields += fmt::format(", \"participants\": [{}]", fmt::join(participants, ", "));
  const std::string batches = per_worker(
      participants, outputs, [](const auto& o) -> const auto& { return o.batch; });
  if (!batches.empty()) fields += ", \"batches\": " + batches;
  if (coin) fields += fmt::format(", \"coin\": {}", *coin);
  const std::string kept = per_worker(
      participants, outputs, [](const auto& o) -> const auto& { return o.kept; });
  if (!kept.empty()) fields += ", \"kept\": " + kept;
  if (fields.empty()) return {};
  return fmt::format("{{\"round\": {}{}}}", round, fields);
}

}  // namespace ef21::sim
