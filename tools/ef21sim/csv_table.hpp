#pragma once
// The CSV tables of sweeps and tunes (sweep.csv, tune.csv, best.csv): text cells, RFC 4180.
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

}  // namespace ef21::cli
