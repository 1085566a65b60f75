#pragma once
// samples.jsonl (DESIGN §5): one JSON object per round in which anything random was drawn,
// keys only when drawn:
//   {"round": r, "participants": [...], "batches": {"<id>": [...]}, "coin": 0|1, "kept": {"<id>": [...]}}
// Round r is the round whose messages are computed at x^r.
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "models/algorithms/method.hpp"

namespace ef21::sim {

/// The line for `round`, or "" when nothing was drawn. `participants` is written only when
/// the round drew them (`drew_participants`); batches and kept indices come from the
/// participants' outputs.
std::string format_draw_record(std::int64_t round, std::span<const std::uint32_t> participants,
                               bool drew_participants, std::span<const algorithms::WorkerOutput> outputs,
                               std::optional<int> coin);

}  // namespace ef21::sim
