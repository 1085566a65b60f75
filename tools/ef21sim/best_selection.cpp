#include "tools/ef21sim/best_selection.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <tuple>

namespace ef21::cli {
namespace {

constexpr std::size_t npos = std::string::npos;

/// Parses a cell as a double; nullopt when empty or not a number.
std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

const char* primary_suffix(CostKind by) {
  switch (by) {
    case CostKind::bits:
      return "_bits_up";
    case CostKind::time:
      return "_time_s";
    case CostKind::rounds:
      return "_round";
    case CostKind::bytes:
      return "_bytes_total";
  }
  return "";
}

const char* tie_suffix(CostKind by) { return by == CostKind::time ? "_bits_up" : "_time_s"; }

}  // namespace

CostKind parse_cost_kind(std::string_view by) {
  if (by == "bits") return CostKind::bits;
  if (by == "time") return CostKind::time;
  if (by == "rounds") return CostKind::rounds;
  if (by == "bytes") return CostKind::bytes;
  throw std::runtime_error(fmt::format("--by must be bits, time, rounds or bytes, not \"{}\"", by));
}

std::string_view cost_description(CostKind by) {
  switch (by) {
    case CostKind::bits:
      return "bits per worker";
    case CostKind::time:
      return "simulated time";
    case CostKind::rounds:
      return "rounds";
    case CostKind::bytes:
      return "wire bytes per worker";
  }
  return "";
}

CostColumns cost_columns(const CsvTable& table, CostKind by, const std::string& target) {
  if (table.column(target + "_round") == npos)
    throw std::runtime_error(
        fmt::format("the table has no stop target \"{}\" (no {}_round column)", target, target));
  CostColumns c;
  c.primary = table.column(target + primary_suffix(by));
  c.secondary = table.column(target + tie_suffix(by));
  if (c.primary == npos)
    throw std::runtime_error(
        fmt::format("the table has no {}{} column (written before wire bytes were recorded: `--resume` the "
                    "sweep to rebuild it)",
                    target, primary_suffix(by)));
  if (c.secondary == npos)
    throw std::runtime_error(fmt::format("the table has no {}{} column", target, tie_suffix(by)));
  c.status = table.column("status");
  c.rounds = table.column("rounds");
  c.min_grad_norm_sq = table.column("min_grad_norm_sq");
  return c;
}

bool operator<(const Standing& a, const Standing& b) {
  return std::tie(a.tier, a.value, a.tie) < std::tie(b.tier, b.value, b.tie);
}
bool operator==(const Standing& a, const Standing& b) {
  return std::tie(a.tier, a.value, a.tie) == std::tie(b.tier, b.value, b.tie);
}

Standing standing(const std::vector<std::string>& row, const CostColumns& c) {
  const std::string status = c.status == npos ? "" : row[c.status];
  if (status == "error") return {};
  if (const auto cost = number(row[c.primary])) return {0, *cost, number(row[c.secondary]).value_or(0.0)};
  if (status == "diverged") {
    if (const auto rounds = c.rounds == npos ? std::nullopt : number(row[c.rounds]))
      return {2, -*rounds, 0.0};
    return {};
  }
  if (const auto g = c.min_grad_norm_sq == npos ? std::nullopt : number(row[c.min_grad_norm_sq]))
    return {1, *g, 0.0};
  return {};
}

std::string default_best_target(const CsvTable& table) {
  for (const auto& h : table.header)
    if (h.starts_with("grad_norm_sq") && h.ends_with("_round")) return h.substr(0, h.size() - 6);
  throw std::runtime_error(
      "the table has no grad_norm_sq or grad_norm_sq_relative stop target ([run.stop]); name one with "
      "--target");
}

BestSelection select_best(const CsvTable& table, CostKind by, const std::vector<std::string>& group_by,
                          const std::string& target) {
  const CostColumns columns = cost_columns(table, by, target);
  std::vector<std::size_t> group_cols;
  const std::size_t run_col = table.column("run");
  for (const auto& g : group_by) {
    const std::size_t c = table.column(g);
    if (c == npos || c >= run_col)
      throw std::runtime_error(fmt::format("--group-by {}: not a varied column of this table", g));
    group_cols.push_back(c);
  }
  std::vector<std::vector<std::string>> groups;  // in order of first appearance
  std::map<std::vector<std::string>, std::optional<std::size_t>> best;
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const auto& row = table.rows[r];
    std::vector<std::string> key;
    for (auto c : group_cols) key.push_back(row[c]);
    auto [it, inserted] = best.emplace(key, std::nullopt);
    if (inserted) groups.push_back(key);
    const Standing s = standing(row, columns);
    if (!s.reached()) continue;
    if (!it->second || s < standing(table.rows[*it->second], columns)) it->second = r;
  }
  BestSelection out;
  out.target = target;
  out.by = by;
  for (const auto& g : groups) out.groups.push_back({g, best[g]});
  return out;
}

std::vector<std::size_t> BestSelection::chosen() const {
  std::vector<std::size_t> rows;
  for (const auto& g : groups)
    if (g.row) rows.push_back(*g.row);
  return rows;
}

std::string format_best_markdown(const CsvTable& table, const BestSelection& best,
                                 const std::vector<std::string>& group_by) {
  const std::size_t run_col = table.column("run");
  std::vector<std::size_t> cols;
  for (const auto& g : group_by) cols.push_back(table.column(g));
  for (std::size_t c = 0; c < run_col; ++c)
    if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  const std::size_t group_count = group_by.size();
  cols.push_back(run_col);
  const std::size_t first_cost = cols.size();
  for (const char* suffix : {"_round", "_bits_up", "_bytes_total", "_time_s"})
    if (const std::size_t c = table.column(best.target + suffix); c != npos) cols.push_back(c);
  std::string out = "|";
  for (auto c : cols) out += fmt::format(" {} |", table.header[c]);
  out += "\n|";
  for (std::size_t i = 0; i < cols.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& g : best.groups) {
    out += "|";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (g.row)
        out += fmt::format(" {} |", table.rows[*g.row][cols[i]]);
      else
        out += fmt::format(" {} |", i < group_count       ? g.values[i]
                                    : i + 1 == first_cost ? "(none reached the target)"
                                                          : "—");
    }
    out += "\n";
  }
  return out;
}

}  // namespace ef21::cli
