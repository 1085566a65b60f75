#pragma once
// `ef21sim sweep` / `ef21sim best`: the sweep table (sweep.csv), rows read back from a run's
// summary.json, CSV reading and writing, and the best-run selection.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ef21::cli {

/// A CSV table: a header and rows of cells (all text).
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  /// Index of a column, or npos.
  std::size_t column(std::string_view name) const;
};

/// RFC 4180: a cell with a comma, quote, CR or LF is quoted, quotes doubled; rows end in "\n".
std::string format_csv(const CsvTable& table);
/// Reads what format_csv writes. Throws std::runtime_error on a malformed table.
CsvTable parse_csv(std::string_view text);

/// The fixed columns after the varied ones, before the per-target ones.
inline constexpr const char* kFixedColumns[] = {"run",          "status",         "rounds", "final_f",
                                                "final_grad_norm_sq", "final_time_s", "final_bits_up"};

/// sweep.csv's header: varied columns, run, status, rounds, final_f, final_grad_norm_sq,
/// final_time_s, final_bits_up, then T_round, T_time_s, T_bits_up per stop target T, then message.
std::vector<std::string> sweep_header(const std::vector<std::string>& varied, const std::vector<std::string>& targets);

/// The non-varied cells of a finished run (from run to message) taken from its summary.json
/// text: numbers are copied as written there (null -> empty), so a row read back from disk is
/// byte-identical to the row of a run that just finished. Throws std::runtime_error if the
/// text is not a summary.json.
std::vector<std::string> summary_cells(const std::string& run, std::string_view summary_json,
                                       const std::vector<std::string>& targets);

/// The cells of a run that failed with an exception: status `error` and the message.
std::vector<std::string> error_cells(const std::string& run, const std::string& message,
                                     const std::vector<std::string>& targets);

/// `ef21sim best`: in each group (rows with equal values in `group_by`, in order of first
/// appearance), the row that reaches `target` with the fewest bits (`by` = "bits": column
/// TARGET_bits_up, ties by TARGET_time_s) or the least time (`by` = "time": TARGET_time_s,
/// ties by TARGET_bits_up); further ties go to the earlier row. Rows that never reach the
/// target (empty cell) or failed are not candidates; a group without one has no row.
struct BestSelection {
  struct Group {
    std::vector<std::string> values;  // the group-by values
    std::optional<std::size_t> row;   // the chosen row of the sweep table, if any
  };
  std::string target;
  std::vector<Group> groups;  // in order of first appearance
  /// The chosen rows, in group order.
  std::vector<std::size_t> chosen() const;
};
BestSelection select_best(const CsvTable& sweep, const std::string& by, const std::vector<std::string>& group_by,
                          const std::string& target);

/// The target `best` uses by default: the first stop target whose name starts with
/// "grad_norm_sq" (a TARGET_bits_up column in the sweep table). Throws std::runtime_error if none.
std::string default_best_target(const CsvTable& sweep);

/// A markdown table of the chosen rows: group columns, the other varied columns, run,
/// TARGET_round, TARGET_bits_up, TARGET_time_s; groups without a candidate say so.
std::string format_best_markdown(const CsvTable& sweep, const BestSelection& best, const std::vector<std::string>& group_by);

}  // namespace ef21::cli
