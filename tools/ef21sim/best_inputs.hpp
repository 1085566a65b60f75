#pragma once
// The tables `ef21sim best` reads: the sweep.csv or tune.csv of one or several directories,
// merged into one table (columns that only some of them have are left empty elsewhere).
#include <filesystem>
#include <string>
#include <vector>

#include "tools/ef21sim/csv_table.hpp"

namespace ef21::cli {

/// The table of a sweep or tune directory.
struct StudyTable {
  std::filesystem::path dir;   // as given
  std::filesystem::path file;  // DIR/sweep.csv, or DIR/tune.csv when there is no sweep.csv
  CsvTable table;
};

/// Reads DIR/sweep.csv, else DIR/tune.csv. Throws std::runtime_error naming what is missing or
/// malformed.
StudyTable read_study_table(const std::filesystem::path& dir);

/// One table of several: the header is
///   [source] when `with_source`: the directory of the row (`sources[i]`),
///   the varied columns of all tables (those before `run`) in first-seen order,
///   then each --group-by key that no table varies,
///   run, then every other column of all tables in first-seen order;
/// a cell a table does not have is empty, except a --group-by value, which is then read from
/// the run's resolved scenario.toml (DIR/RUN/scenario.toml; empty when it cannot be read).
/// `group_by` keys must be varied columns or scenario keys (std::runtime_error otherwise, with
/// a "did you mean").
CsvTable merge_study_tables(const std::vector<StudyTable>& tables, const std::vector<std::string>& group_by,
                            bool with_source, const std::vector<std::string>& sources);

/// The value of dotted `key` in a resolved scenario.toml as a table cell: a string unquoted,
/// a number shortest round-trip, a boolean true/false; "" when absent or unreadable.
std::string scenario_value(const std::filesystem::path& scenario_toml, const std::string& key);

}  // namespace ef21::cli
