#include "tools/ef21sim/csv_table.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace ef21::cli {
namespace {

bool needs_quotes(std::string_view s) { return s.find_first_of(",\"\r\n") != std::string_view::npos; }

}  // namespace

std::size_t CsvTable::column(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return i;
  return std::string::npos;
}

std::string format_csv(const CsvTable& table) {
  std::string out;
  auto line = [&out](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ',';
      if (needs_quotes(cells[i])) {
        out += '"';
        for (char c : cells[i]) {
          if (c == '"') out += '"';
          out += c;
        }
        out += '"';
      } else {
        out += cells[i];
      }
    }
    out += '\n';
  };
  line(table.header);
  for (const auto& r : table.rows) line(r);
  return out;
}

CsvTable parse_csv(std::string_view text) {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> row;
  std::string current;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          current += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        current += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(current));
      current.clear();
    } else if (c == '\n') {
      row.push_back(std::move(current));
      current.clear();
      lines.push_back(std::move(row));
      row.clear();
      any = false;
    } else if (c != '\r') {
      current += c;
    }
  }
  if (quoted) throw std::runtime_error("malformed CSV: unterminated quote");
  if (any) {
    row.push_back(std::move(current));
    lines.push_back(std::move(row));
  }
  if (lines.empty()) throw std::runtime_error("empty CSV file");
  CsvTable t;
  t.header = std::move(lines.front());
  for (std::size_t i = 1; i < lines.size(); ++i) {
    if (lines[i].size() != t.header.size())
      throw std::runtime_error(fmt::format("malformed CSV: row {} has {} cells, the header {}", i + 1,
                                           lines[i].size(), t.header.size()));
    t.rows.push_back(std::move(lines[i]));
  }
  return t;
}

}  // namespace ef21::cli
