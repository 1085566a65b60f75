#include "tools/ef21sim/sweep_grid.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>

#include "models/support/input_error.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace ef21::cli {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

/// The label of a value: a TOML string is shown unquoted, anything else as written.
std::string value_label(const std::string& toml_text) {
  try {
    toml::table t = toml::parse("value = " + toml_text);
    if (const auto* s = t.get("value"); s && s->is_string()) return std::string(*s->value<std::string>());
  } catch (const toml::parse_error&) {
    // A bare word (ef21, 5 Mbps): taken as a string by apply_override, shown as written.
  }
  return toml_text;
}

}  // namespace

std::vector<std::string> split_top_level(std::string_view text, std::string_view origin) {
  std::vector<std::string> items;
  std::string current;
  int depth = 0;
  char quote = 0;
  auto push = [&] {
    std::string item = trim(current);
    if (item.empty())
      throw InputError({std::string(origin), 0, 0},
                       fmt::format("empty value in the list \"{}\" (values are separated by commas)", text));
    items.push_back(std::move(item));
    current.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quote) {
      current += c;
      if (c == '\\' && quote == '"' && i + 1 < text.size()) {
        current += text[++i];
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if (c == ']' || c == '}') {
      if (--depth < 0)
        throw InputError({std::string(origin), 0, 0}, fmt::format("unbalanced '{}' in \"{}\"", c, text));
    } else if (c == ',' && depth == 0) {
      push();
      continue;
    }
    current += c;
  }
  if (quote) throw InputError({std::string(origin), 0, 0}, fmt::format("unterminated quote in \"{}\"", text));
  if (depth != 0)
    throw InputError({std::string(origin), 0, 0}, fmt::format("unbalanced brackets in \"{}\"", text));
  push();
  return items;
}

GridAxis parse_grid_axis(const std::string& text) {
  const auto eq = text.find('=');
  const std::string key =
      trim(eq == std::string::npos ? std::string_view(text) : std::string_view(text).substr(0, eq));
  const std::string origin = fmt::format("--grid {}", key.empty() ? text : key);
  if (eq == std::string::npos || key.empty())
    throw InputError({"--grid", 0, 0}, fmt::format("expected KEY=V1,V2,..., got \"{}\"", text));
  const std::vector<std::string> known = sim::known_scenario_keys();
  if (std::find(known.begin(), known.end(), key) == known.end()) {
    std::string message = fmt::format("unknown scenario key `{}`", key);
    const std::string suggestion = sim::closest_name(key, known);
    if (!suggestion.empty())
      message += fmt::format("; did you mean `{}`?", suggestion);
    else
      message += " (`ef21sim list` prints every key)";
    throw InputError({origin, 0, 0}, message);
  }
  if (key.starts_with("workers."))
    throw InputError({origin, 0, 0},
                     "[[workers]] group keys cannot be swept (write one scenario per grouping)");
  if (key == "run.output")
    throw InputError({origin, 0, 0}, "run.output cannot be swept: the sweep names each run's directory");
  const std::string list = text.substr(eq + 1);
  if (trim(list).empty())
    throw InputError({origin, 0, 0},
                     fmt::format("empty grid: give at least one value, e.g. --grid {}=V1,V2", key));
  GridAxis axis;
  axis.key = key;
  axis.column = key;
  for (auto& item : split_top_level(list, origin)) axis.values.push_back({item, value_label(item)});
  return axis;
}

GridAxis parse_seed_axis(const std::string& text) {
  const auto dots = text.find("..");
  auto number = [&](std::string_view s, std::uint64_t& out) {
    const std::string t = trim(s);
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return !t.empty() && ec == std::errc() && ptr == t.data() + t.size();
  };
  std::uint64_t lo = 0, hi = 0;
  if (dots == std::string::npos || !number(std::string_view(text).substr(0, dots), lo) ||
      !number(std::string_view(text).substr(dots + 2), hi))
    throw InputError({"--seeds", 0, 0},
                     fmt::format("expected A..B (non-negative integers, inclusive), got \"{}\"", text));
  if (lo > hi)
    throw InputError({"--seeds", 0, 0}, fmt::format("empty seed range \"{}\": A must be <= B", text));
  if (hi - lo >= 100000)
    throw InputError({"--seeds", 0, 0}, fmt::format("seed range \"{}\" is too large", text));
  GridAxis axis;
  axis.key = "run.seed";
  axis.column = "seed";
  for (std::uint64_t s = lo;; ++s) {
    axis.values.push_back({std::to_string(s), std::to_string(s)});
    if (s == hi) break;
  }
  return axis;
}

Shard parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  auto number = [](std::string_view s, std::uint64_t& out) {
    const std::string t = trim(s);
    const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    return !t.empty() && ec == std::errc() && ptr == t.data() + t.size();
  };
  std::uint64_t index = 0, count = 0;
  if (slash == std::string::npos || !number(std::string_view(text).substr(0, slash), index) ||
      !number(std::string_view(text).substr(slash + 1), count))
    throw InputError(
        {"--shard", 0, 0},
        fmt::format("expected I/N (this task's index I = 0..N-1 of N tasks, e.g. 0/4), got \"{}\"", text));
  if (count == 0) throw InputError({"--shard", 0, 0}, fmt::format("\"{}\": N must be at least 1", text));
  if (index >= count)
    throw InputError(
        {"--shard", 0, 0},
        fmt::format("\"{}\": I must be 0..{} (shards are numbered from 0, as SLURM_ARRAY_TASK_ID with "
                    "--array=0-{})",
                    text, count - 1, count - 1));
  return {static_cast<std::size_t>(index), static_cast<std::size_t>(count)};
}

void check_axes(const std::vector<GridAxis>& axes) {
  for (std::size_t i = 0; i < axes.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (axes[i].key == axes[j].key)
        throw InputError({"--grid", 0, 0},
                         axes[i].key == "run.seed"
                             ? std::string("run.seed is varied twice (--seeds and --grid run.seed): use one")
                             : fmt::format("`{}` is given in two --grid options: list all its values in one",
                                           axes[i].key));
}

std::string sanitize_name_part(std::string_view label) {
  std::string out;
  for (char c : label) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isspace(u)) continue;
    if (std::isalnum(u) || c == '.' || c == '+' || c == '-')
      out += c;
    else
      out += '~';
  }
  return out.empty() ? "~" : out;
}

std::uint64_t fnv1a64(std::string_view bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ull;
  }
  return h;
}

std::string run_name(const std::vector<GridAxis>& axes, const std::vector<std::size_t>& index) {
  std::string name;
  for (std::size_t a = 0; a < axes.size(); ++a) {
    if (a) name += '_';
    name += axes[a].column;
    name += '-';
    name += sanitize_name_part(axes[a].values[index[a]].label);
  }
  if (name.size() > 200) name = fmt::format("{}~{:016x}", name.substr(0, 183), fnv1a64(name));
  return name;
}

std::vector<GridPoint> expand_grid(const std::vector<GridAxis>& axes) {
  std::vector<GridPoint> points;
  if (axes.empty()) return points;
  std::vector<std::size_t> index(axes.size(), 0);
  while (true) {
    points.push_back({index, run_name(axes, index)});
    std::size_t a = axes.size();
    while (a > 0) {
      --a;
      if (++index[a] < axes[a].values.size()) break;
      index[a] = 0;
      if (a == 0) {
        a = axes.size() + 1;  // wrapped around: done
        break;
      }
    }
    if (a == axes.size() + 1) break;
  }
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto [it, inserted] = seen.emplace(points[i].name, i);
    if (!inserted)
      throw InputError(
          {"--grid", 0, 0},
          fmt::format("grid points {} and {} get the same run directory name \"{}\" (a value listed twice, "
                      "or values differing only in blanks or punctuation)",
                      point_description(axes, points[it->second]), point_description(axes, points[i]),
                      points[i].name));
  }
  return points;
}

std::vector<sim::Override> point_overrides(const std::vector<GridAxis>& axes, const GridPoint& point) {
  std::vector<sim::Override> out;
  for (std::size_t a = 0; a < axes.size(); ++a)
    out.push_back({axes[a].key, axes[a].values[point.index[a]].toml});
  return out;
}

std::string point_description(const std::vector<GridAxis>& axes, const GridPoint& point) {
  std::string out;
  for (std::size_t a = 0; a < axes.size(); ++a)
    out += fmt::format("{}{}={}", a ? "," : "", axes[a].column, axes[a].values[point.index[a]].label);
  return out;
}

}  // namespace ef21::cli
