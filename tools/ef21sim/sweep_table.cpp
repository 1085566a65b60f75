#include "tools/ef21sim/sweep_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ef21::cli {
namespace {

using nlohmann::json;

/// The member `name` of an object, or nullptr.
const json* member(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}

/// A number's text (shortest round-trip for doubles), "" for null or absent.
std::string cell(const json* v) {
  if (!v || v->is_null()) return "";
  if (v->is_number_unsigned()) return fmt::format("{}", v->get<std::uint64_t>());
  if (v->is_number_integer()) return fmt::format("{}", v->get<std::int64_t>());
  if (v->is_number_float()) return fmt::format("{}", v->get<double>());
  throw std::runtime_error("summary.json: expected a number");
}

/// A number member as a double: false when absent or not a number.
bool number(const json* object, const char* name, double& out) {
  const json* v = object ? member(*object, name) : nullptr;
  if (!v || !v->is_number()) return false;
  out = v->get<double>();
  return true;
}

/// Wire bytes per worker (see kFixedColumns): up, down, total; empty without the counts.
std::vector<std::string> wire_bytes_cells(const json& doc) {
  const json* network = member(doc, "network");
  double n = 0.0, up = 0.0, down = 0.0, peer = 0.0;
  if (!number(member(doc, "constants"), "n", n) || n <= 0 || !number(network, "bytes_up", up) ||
      !number(network, "bytes_down", down))
    return {"", "", ""};
  number(member(doc, "protocol"), "bytes_peer", peer);  // decentralised protocols only
  const double sent = (up + peer) / n, received = (down + peer) / n;
  return {fmt::format("{}", sent), fmt::format("{}", received), fmt::format("{}", sent + received)};
}

}  // namespace

std::vector<std::string> sweep_header(const std::vector<std::string>& varied,
                                      const std::vector<std::string>& targets) {
  std::vector<std::string> h = varied;
  for (const char* c : kFixedColumns) h.emplace_back(c);
  for (const auto& t : targets)
    for (const char* suffix : kTargetSuffixes) h.push_back(t + suffix);
  h.emplace_back("message");
  return h;
}

std::vector<std::string> summary_cells(const std::string& run, std::string_view summary_json,
                                       const std::string& min_grad_norm_sq,
                                       const std::vector<std::string>& targets) {
  const json doc = json::parse(summary_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) throw std::runtime_error("summary.json: malformed JSON");
  const json* status = member(doc, "status");
  const json* final_row = member(doc, "final");
  if (!status || !status->is_string() || !final_row || !final_row->is_object())
    throw std::runtime_error("not a summary.json (no status / final)");
  std::vector<std::string> cells{run,
                                 status->get<std::string>(),
                                 cell(member(doc, "rounds")),
                                 cell(member(*final_row, "f")),
                                 cell(member(*final_row, "grad_norm_sq")),
                                 min_grad_norm_sq,
                                 cell(member(*final_row, "time_s")),
                                 cell(member(*final_row, "bits_up"))};
  const std::vector<std::string> bytes = wire_bytes_cells(doc);
  cells.insert(cells.end(), bytes.begin(), bytes.end());
  const json* reached = member(doc, "targets");
  for (const auto& name : targets) {
    const json* hit = nullptr;
    if (reached && reached->is_array())
      for (const auto& t : *reached)
        if (const json* n = member(t, "target"); n && n->is_string() && n->get<std::string>() == name)
          hit = &t;
    const json* round = hit ? member(*hit, "round") : nullptr;
    cells.push_back(cell(round));
    cells.push_back(hit ? cell(member(*hit, "time_s")) : "");
    cells.push_back(hit ? cell(member(*hit, "bits_up")) : "");
    // Met at the iterate where the run stopped (every stop target ends the run): the run's bytes.
    const bool at_stop = round && !round->is_null() && cell(round) == cells[2];
    for (const auto& b : bytes) cells.push_back(at_stop ? b : "");
  }
  cells.emplace_back("");
  return cells;
}

std::vector<std::string> error_cells(const std::string& run, const std::string& message,
                                     const std::vector<std::string>& targets) {
  std::vector<std::string> cells{run, "error"};
  cells.resize(std::size(kFixedColumns) + std::size(kTargetSuffixes) * targets.size());
  std::string one_line = message;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  std::replace(one_line.begin(), one_line.end(), '\r', ' ');
  cells.push_back(one_line);
  return cells;
}

std::vector<std::string> outcome_cells(const std::string& run, const RunOutcome& outcome,
                                       const std::vector<std::string>& targets) {
  switch (outcome.kind) {
    case RunOutcome::Kind::summary:
      try {
        return summary_cells(run, outcome.text, outcome.min_grad_norm_sq, targets);
      } catch (const std::exception& e) {
        return error_cells(run, fmt::format("internal error: {}", e.what()), targets);
      }
    case RunOutcome::Kind::input_error:
      return error_cells(run, outcome.text, targets);
    case RunOutcome::Kind::internal_error:
    case RunOutcome::Kind::interrupted:  // never reported (RunFarm): no row
      break;
  }
  return error_cells(run, fmt::format("internal error: {}", outcome.text), targets);
}

}  // namespace ef21::cli
