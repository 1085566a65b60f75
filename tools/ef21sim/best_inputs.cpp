#include "tools/ef21sim/best_inputs.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace ef21::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t npos = std::string::npos;

void add_unique(std::vector<std::string>& list, const std::string& name) {
  if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(name);
}

}  // namespace

StudyTable read_study_table(const fs::path& dir) {
  StudyTable t;
  t.dir = dir;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw std::runtime_error(fmt::format("{}: no such directory", dir.string()));
  t.file = dir / "sweep.csv";
  if (!fs::exists(t.file, ec)) t.file = dir / "tune.csv";
  std::ifstream in(t.file, std::ios::binary);
  if (!in)
    throw std::runtime_error(
        fmt::format("{}: neither sweep.csv nor tune.csv (not a sweep or tune directory)", dir.string()));
  std::ostringstream text;
  text << in.rdbuf();
  try {
    t.table = parse_csv(text.str());
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(fmt::format("{}: {}", t.file.string(), e.what()));
  }
  if (t.table.column("run") == npos)
    throw std::runtime_error(fmt::format("{}: not a sweep table (no run column)", t.file.string()));
  return t;
}

std::string scenario_value(const fs::path& scenario_toml, const std::string& key) {
  toml::table table;
  try {
    table = toml::parse_file(scenario_toml.string());
  } catch (const std::exception&) {
    return "";
  }
  const toml::node_view<toml::node> node = table.at_path(key);
  if (!node) return "";
  if (const auto s = node.value_exact<std::string>()) return *s;
  if (const auto i = node.value_exact<std::int64_t>()) return fmt::format("{}", *i);
  if (const auto d = node.value_exact<double>()) return fmt::format("{}", *d);
  if (const auto b = node.value_exact<bool>()) return *b ? "true" : "false";
  std::ostringstream text;
  text << node;
  return text.str();
}

CsvTable merge_study_tables(const std::vector<StudyTable>& tables, const std::vector<std::string>& group_by,
                            bool with_source, const std::vector<std::string>& sources) {
  std::vector<std::string> varied, rest;
  for (const auto& t : tables) {
    const std::size_t run = t.table.column("run");
    for (std::size_t c = 0; c < t.table.header.size(); ++c)
      add_unique(c < run ? varied : rest, t.table.header[c]);
  }
  std::erase(rest, std::string("run"));
  const std::vector<std::string> known = sim::known_scenario_keys();
  for (const auto& g : group_by) {
    if (std::find(varied.begin(), varied.end(), g) != varied.end()) continue;
    if (std::find(known.begin(), known.end(), g) == known.end()) {
      std::string message = fmt::format("--group-by {}: neither a varied column nor a scenario key", g);
      if (const std::string near = sim::closest_name(g, known); !near.empty())
        message += fmt::format("; did you mean `{}`?", near);
      throw std::runtime_error(message);
    }
    varied.push_back(g);
  }
  CsvTable out;
  if (with_source) out.header.emplace_back("source");
  out.header.insert(out.header.end(), varied.begin(), varied.end());
  out.header.emplace_back("run");
  out.header.insert(out.header.end(), rest.begin(), rest.end());
  for (std::size_t i = 0; i < tables.size(); ++i) {
    const CsvTable& t = tables[i].table;
    const std::size_t run = t.column("run");
    for (const auto& row : t.rows) {
      std::vector<std::string> merged;
      merged.reserve(out.header.size());
      if (with_source) merged.push_back(sources[i]);
      for (std::size_t h = with_source ? 1 : 0; h < out.header.size(); ++h) {
        const std::string& name = out.header[h];
        const std::size_t c = t.column(name);
        if (c != npos) {
          merged.push_back(row[c]);
        } else if (std::find(group_by.begin(), group_by.end(), name) != group_by.end()) {
          merged.push_back(scenario_value(tables[i].dir / row[run] / "scenario.toml", name));
        } else {
          merged.emplace_back();
        }
      }
      out.rows.push_back(std::move(merged));
    }
  }
  return out;
}

}  // namespace ef21::cli
