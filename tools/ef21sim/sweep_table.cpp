#include "tools/ef21sim/sweep_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <stdexcept>

namespace ef21::cli {
namespace {

// ---- a minimal JSON reader for summary.json (numbers kept as their text) ----

struct Json {
  enum Kind { null, boolean, number, string, array, object } kind = null;
  std::string text;  // number: as written; string: decoded; boolean: "true"/"false"
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> members;
  const Json* get(std::string_view name) const {
    for (const auto& [k, v] : members)
      if (k == name) return &v;
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}
  Json document() {
    Json v = value();
    skip();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error(fmt::format("malformed JSON at byte {}: {}", i_, what));
  }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(char c) {
    skip();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  void expect(char c) {
    if (!eat(c)) fail("unexpected character");
  }
  bool word(std::string_view w) {
    if (s_.substr(i_, w.size()) == w) {
      i_ += w.size();
      return true;
    }
    return false;
  }
  std::string str() {
    expect('"');
    std::string out;
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) fail("short \\u escape");
          unsigned code = 0;
          std::from_chars(s_.data() + i_, s_.data() + i_ + 4, code, 16);
          i_ += 4;
          if (code < 0x80) {
            out += static_cast<char>(code);
          } else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: out += e;
      }
    }
  }
  Json value() {
    skip();
    if (i_ >= s_.size()) fail("unexpected end");
    Json v;
    const char c = s_[i_];
    if (c == '{') {
      v.kind = Json::object;
      ++i_;
      if (eat('}')) return v;
      do {
        skip();
        std::string k = str();
        expect(':');
        v.members.emplace_back(std::move(k), value());
      } while (eat(','));
      expect('}');
    } else if (c == '[') {
      v.kind = Json::array;
      ++i_;
      if (eat(']')) return v;
      do v.items.push_back(value());
      while (eat(','));
      expect(']');
    } else if (c == '"') {
      v.kind = Json::string;
      v.text = str();
    } else if (word("null")) {
      v.kind = Json::null;
    } else if (word("true")) {
      v.kind = Json::boolean;
      v.text = "true";
    } else if (word("false")) {
      v.kind = Json::boolean;
      v.text = "false";
    } else {
      const std::size_t b = i_;
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
                                s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E'))
        ++i_;
      if (i_ == b) fail("unexpected character");
      v.kind = Json::number;
      v.text = std::string(s_.substr(b, i_ - b));
    }
    return v;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

/// A number's text, or "" for null / absent.
std::string cell(const Json* v) {
  if (!v || v->kind == Json::null) return "";
  if (v->kind != Json::number) throw std::runtime_error("summary.json: expected a number");
  return v->text;
}

bool needs_quotes(std::string_view s) { return s.find_first_of(",\"\r\n") != std::string_view::npos; }

/// Parses a cell as a double; nullopt when empty or not a number.
std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

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
      throw std::runtime_error(fmt::format("malformed CSV: row {} has {} cells, the header {}", i + 1, lines[i].size(),
                                           t.header.size()));
    t.rows.push_back(std::move(lines[i]));
  }
  return t;
}

std::vector<std::string> sweep_header(const std::vector<std::string>& varied, const std::vector<std::string>& targets) {
  std::vector<std::string> h = varied;
  for (const char* c : kFixedColumns) h.emplace_back(c);
  for (const auto& t : targets) {
    h.push_back(t + "_round");
    h.push_back(t + "_time_s");
    h.push_back(t + "_bits_up");
  }
  h.emplace_back("message");
  return h;
}

std::vector<std::string> summary_cells(const std::string& run, std::string_view summary_json,
                                       const std::vector<std::string>& targets) {
  const Json doc = JsonReader(summary_json).document();
  const Json* status = doc.get("status");
  const Json* final_row = doc.get("final");
  if (doc.kind != Json::object || !status || status->kind != Json::string || !final_row ||
      final_row->kind != Json::object)
    throw std::runtime_error("not a summary.json (no status / final)");
  std::vector<std::string> cells{run,
                                 status->text,
                                 cell(doc.get("rounds")),
                                 cell(final_row->get("f")),
                                 cell(final_row->get("grad_norm_sq")),
                                 cell(final_row->get("time_s")),
                                 cell(final_row->get("bits_up"))};
  const Json* reached = doc.get("targets");
  for (const auto& name : targets) {
    const Json* hit = nullptr;
    if (reached && reached->kind == Json::array)
      for (const auto& t : reached->items)
        if (const Json* n = t.get("target"); n && n->text == name) hit = &t;
    cells.push_back(hit ? cell(hit->get("round")) : "");
    cells.push_back(hit ? cell(hit->get("time_s")) : "");
    cells.push_back(hit ? cell(hit->get("bits_up")) : "");
  }
  cells.emplace_back("");
  return cells;
}

std::vector<std::string> error_cells(const std::string& run, const std::string& message,
                                     const std::vector<std::string>& targets) {
  std::vector<std::string> cells{run, "error"};
  cells.resize(std::size(kFixedColumns) + 3 * targets.size());
  std::string one_line = message;
  std::replace(one_line.begin(), one_line.end(), '\n', ' ');
  std::replace(one_line.begin(), one_line.end(), '\r', ' ');
  cells.push_back(one_line);
  return cells;
}

std::string default_best_target(const CsvTable& sweep) {
  for (const auto& h : sweep.header)
    if (h.starts_with("grad_norm_sq") && h.ends_with("_bits_up")) return h.substr(0, h.size() - 8);
  throw std::runtime_error(
      "the sweep has no grad_norm_sq or grad_norm_sq_relative stop target ([run.stop]); name one with --target");
}

BestSelection select_best(const CsvTable& sweep, const std::string& by, const std::vector<std::string>& group_by,
                          const std::string& target) {
  if (by != "bits" && by != "time" && by != "rounds")
    throw std::runtime_error(fmt::format("--by must be bits, time or rounds, not \"{}\"", by));
  const std::size_t bits = sweep.column(target + "_bits_up"), time = sweep.column(target + "_time_s"),
                    rounds = sweep.column(target + "_round");
  if (bits == std::string::npos || time == std::string::npos || rounds == std::string::npos)
    throw std::runtime_error(fmt::format("the sweep table has no stop target \"{}\" (no {}_bits_up column)", target, target));
  const std::size_t status = sweep.column("status");
  std::vector<std::size_t> group_cols;
  const std::size_t run_col = sweep.column("run");
  for (const auto& g : group_by) {
    const std::size_t c = sweep.column(g);
    if (c == std::string::npos || c >= run_col)
      throw std::runtime_error(fmt::format("--group-by {}: not a varied column of this sweep", g));
    group_cols.push_back(c);
  }
  // Ties: bits -> time, time -> bits, rounds -> time.
  const std::size_t primary = by == "bits" ? bits : by == "time" ? time : rounds;
  const std::size_t secondary = by == "bits" ? time : by == "time" ? bits : time;
  std::vector<std::vector<std::string>> groups;        // in order of first appearance
  std::map<std::vector<std::string>, std::optional<std::size_t>> best;
  for (std::size_t r = 0; r < sweep.rows.size(); ++r) {
    const auto& row = sweep.rows[r];
    std::vector<std::string> key;
    for (auto c : group_cols) key.push_back(row[c]);
    auto [it, inserted] = best.emplace(key, std::nullopt);
    if (inserted) groups.push_back(key);
    if (status != std::string::npos && row[status] == "error") continue;
    const auto p = number(row[primary]);
    if (!p) continue;
    const double s = number(row[secondary]).value_or(0.0);
    if (!it->second) {
      it->second = r;
      continue;
    }
    const auto& cur = sweep.rows[*it->second];
    const double cp = *number(cur[primary]), cs = number(cur[secondary]).value_or(0.0);
    if (*p < cp || (*p == cp && s < cs)) it->second = r;
  }
  BestSelection out;
  out.target = target;
  for (const auto& g : groups) out.groups.push_back({g, best[g]});
  return out;
}

std::vector<std::size_t> BestSelection::chosen() const {
  std::vector<std::size_t> rows;
  for (const auto& g : groups)
    if (g.row) rows.push_back(*g.row);
  return rows;
}

std::string format_best_markdown(const CsvTable& sweep, const BestSelection& best,
                                  const std::vector<std::string>& group_by) {
  const std::size_t run_col = sweep.column("run");
  std::vector<std::size_t> cols;
  for (const auto& g : group_by) cols.push_back(sweep.column(g));
  for (std::size_t c = 0; c < run_col; ++c)
    if (std::find(cols.begin(), cols.end(), c) == cols.end()) cols.push_back(c);
  const std::size_t group_count = group_by.size();
  cols.push_back(run_col);
  for (const char* suffix : {"_round", "_bits_up", "_time_s"}) cols.push_back(sweep.column(best.target + suffix));
  std::string out = "|";
  for (auto c : cols) out += fmt::format(" {} |", sweep.header[c]);
  out += "\n|";
  for (std::size_t i = 0; i < cols.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& g : best.groups) {
    out += "|";
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (g.row)
        out += fmt::format(" {} |", sweep.rows[*g.row][cols[i]]);
      else
        out += fmt::format(" {} |", i < group_count                ? g.values[i]
                                    : i + 4 == cols.size() ? "(none reached the target)"
                                                                    : "—");
    }
    out += "\n";
  }
  return out;
}

}  // namespace ef21::cli
