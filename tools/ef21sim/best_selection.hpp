#pragma once
// What `ef21sim best` and `ef21sim tune` minimise, and the best run per group of a table
// (sweep.csv, tune.csv, or several of them merged).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/ef21sim/csv_table.hpp"

namespace ef21::cli {

/// --by: the cost of reaching the target T (its column in the table), with the tie-break.
///   bits   T_bits_up     paper bits per worker (uplink)     ties: T_time_s
///   time   T_time_s      simulated seconds                  ties: T_bits_up
///   rounds T_round       rounds                             ties: T_time_s
///   bytes  T_bytes_total wire bytes per worker, up + down   ties: T_time_s
enum class CostKind { bits, time, rounds, bytes };

/// Parses --by; throws std::runtime_error naming the choices.
CostKind parse_cost_kind(std::string_view by);
/// "bits per worker", "simulated time", "rounds", "wire bytes per worker".
std::string_view cost_description(CostKind by);

/// The columns of `table` that measure `by` for target `target`. Throws std::runtime_error
/// when the table lacks them (a target the scenario does not stop on, or a table written
/// before that column existed).
struct CostColumns {
  std::size_t primary = 0, secondary = 0;
  std::size_t status = 0, rounds = 0, min_grad_norm_sq = 0;  // npos when absent
};
CostColumns cost_columns(const CsvTable& table, CostKind by, const std::string& target);

/// How a run stands with respect to a target, lower is better (compared lexicographically):
///   tier 0  it met the target: value = the cost, tie = the tie-break cost;
///   tier 1  it never met it but neither failed nor diverged: value = the smallest ||grad f||^2
///           of its recorded iterates, column min_grad_norm_sq (closer to the target is better;
///           not the final one: on nonconvex problems ||grad f|| need not fall monotonically);
///   tier 2  it diverged: value = -(rounds it survived) (diverging later is better);
///   tier 3  it failed (status error), or the row says nothing usable.
/// `best` takes tier 0 only; `tune` follows the whole order (it must move off runs that never
/// reach the target).
struct Standing {
  int tier = 3;
  double value = 0.0;
  double tie = 0.0;
  bool reached() const { return tier == 0; }
};
bool operator<(const Standing& a, const Standing& b);
bool operator==(const Standing& a, const Standing& b);
Standing standing(const std::vector<std::string>& row, const CostColumns& columns);

/// `ef21sim best`: in each group (rows with equal values in `group_by`, in order of first
/// appearance), the row that reaches `target` at the least cost (ties: the tie-break cost,
/// then the earlier row). Rows that never reach the target or failed are not candidates; a
/// group without one has no row.
struct BestSelection {
  struct Group {
    std::vector<std::string> values;  // the group-by values
    std::optional<std::size_t> row;   // the chosen row of the table, if any
  };
  std::string target;
  CostKind by = CostKind::bits;
  std::vector<Group> groups;  // in order of first appearance
  /// The chosen rows, in group order.
  std::vector<std::size_t> chosen() const;
};
/// `group_by` columns must be varied columns (before `run`). Throws std::runtime_error.
BestSelection select_best(const CsvTable& table, CostKind by, const std::vector<std::string>& group_by,
                          const std::string& target);

/// The target `best` and `tune` use by default: the first stop target whose name starts with
/// "grad_norm_sq" (a TARGET_round column of the table). Throws std::runtime_error if none.
std::string default_best_target(const CsvTable& table);

/// A markdown table of the chosen rows: group columns, the other varied columns, run,
/// T_round, T_bits_up, T_bytes_total (when the table has it), T_time_s; groups without a
/// candidate say so.
std::string format_best_markdown(const CsvTable& table, const BestSelection& best,
                                 const std::vector<std::string>& group_by);

}  // namespace ef21::cli
