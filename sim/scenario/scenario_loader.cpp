#include "sim/scenario/scenario_loader.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <span>
#include <sstream>
#include <system_error>

#include "models/algorithms/method_registry.hpp"
#include "models/compressors/compressor_registry.hpp"
#include "models/support/input_error.hpp"
#include "sim/cluster/protocol_registry.hpp"
#include "sim/scenario/declared_keys.hpp"
#include "sim/scenario/toml_nesting.hpp"
#include "sim/scenario/toml_reader.hpp"

namespace ef21::sim {
namespace {

namespace fs = std::filesystem;

// The schema: every table and its keys. Keep in sync with scenarios/README.md.
constexpr std::string_view kTopKeys[] = {"run",      "data",          "problem",    "algorithm",
                                         "gradient", "participation", "compressor", "compute",
                                         "network",  "protocol",      "failures",   "workers"};
constexpr std::string_view kRunKeys[] = {"name",     "seed",           "rounds",   "metrics_every",
                                         "threads",  "stop",           "output",   "record_messages",
                                         "timeline", "record_samples", "evaluate", "record_running_mean"};
constexpr std::string_view kStopKeys[] = {"grad_norm_sq", "grad_norm_sq_relative", "sim_time", "bits_up"};
constexpr std::string_view kDataKeys[] = {"source",     "format",    "workers",   "split",
                                          "split_seed", "synthetic", "max_memory"};
constexpr std::string_view kSyntheticKeys[] = {"rows",          "dim",         "density",
                                               "heterogeneity", "label_noise", "seed"};
constexpr std::string_view kProblemKeys[] = {"kind", "lambda", "x0", "x0_scale", "x0_seed"};
// Fixed keys of the plug-in tables; each method and compressor declares the rest (registries).
constexpr std::string_view kAlgorithmFixedKeys[] = {"kind", "stepsize", "multiplier"};
constexpr std::string_view kGradientKeys[] = {"batch", "batch_ratio"};
constexpr std::string_view kParticipationKeys[] = {"fraction", "clients"};
constexpr std::string_view kProtocolKeys[] = {"kind", "ring", "round_deadline"};
constexpr std::string_view kFailureKeys[] = {"mtbf", "mttr"};
constexpr std::string_view kCompressorFixedKeys[] = {
    "kind", "k", "ratio", "value_bits", "index_bits", "bill_initialization", "down"};
constexpr std::string_view kDownCompressorFixedKeys[] = {"kind", "k", "ratio"};
constexpr std::string_view kComputeKeys[] = {"gradient_time", "speed", "jitter", "jitter_sigma"};
constexpr std::string_view kNetworkKeys[] = {"topology",     "uplink",           "downlink", "latency",
                                             "header_bytes", "downlink_payload", "server"};
constexpr std::string_view kServerKeys[] = {"uplink",       "downlink",       "latency",
                                            "uplink_trace", "downlink_trace", "latency_trace"};
constexpr std::string_view kWorkerGroupKeys[] = {
    "ids",           "uplink",         "downlink",     "latency",
    "gradient_time", "speed",          "speed_trace",  "availability_trace",
    "uplink_trace",  "downlink_trace", "latency_trace"};

constexpr double kHuge = 1e300;
constexpr std::int64_t kMaxInt = std::numeric_limits<std::int64_t>::max();

fs::path resolve_path(const fs::path& scenario_file, const std::string& text) {
  fs::path p(text);
  if (p.is_relative()) p = scenario_file.parent_path() / p;
  return p.lexically_normal();
}

TableReader sub_reader(const TableReader& parent, std::string_view key,
                       std::span<const std::string_view> known, const toml::table& empty) {
  const toml::table* t = parent.subtable(key);
  return TableReader(t ? *t : empty, parent.full_name(key), known, parent.where(key));
}

/// The worker ids the [[workers]] groups have named so far: disjoint ranges, first id ->
/// (last id, index of the group). Checking a range costs O(log ranges), not O(ids).
using NamedIds = std::map<std::int64_t, std::pair<std::int64_t, int>>;

/// "0-3", "5", or an array of integers / such strings -> ids, recorded in `named`. A worker
/// named again, in this group or an earlier one, is an error at the item naming it again,
/// found before its range is listed: the work stays within the worker count, however often the
/// text repeats a range.
std::vector<std::int64_t> parse_ids(const TableReader& group, std::int64_t workers, NamedIds& named,
                                    int group_index) {
  const toml::node* n = group.node("ids");
  if (!n) group.fail("ids", "a [[workers]] group needs `ids` (\"0-3\" or a list of worker ids)");
  std::vector<std::pair<const toml::node*, std::string>> items;
  if (const auto* a = n->as_array()) {
    for (const auto& item : *a) {
      if (const auto* i = item.as_integer())
        items.emplace_back(&item, std::to_string(i->get()));
      else if (const auto* s = item.as_string())
        items.emplace_back(&item, s->get());
      else
        throw InputError(location_of(item), "worker ids must be integers or ranges like \"0-3\"");
    }
  } else if (const auto* s = n->as_string()) {
    std::stringstream ss(s->get());
    std::string part;
    while (std::getline(ss, part, ',')) items.emplace_back(n, part);
  } else if (const auto* i = n->as_integer()) {
    items.emplace_back(n, std::to_string(i->get()));
  } else {
    group.fail("ids", "`workers.ids` must be a string like \"0-3\" or a list of ids");
  }
  std::vector<std::int64_t> ids;
  for (const auto& [node, raw] : items) {
    std::string text = raw;
    text.erase(std::remove(text.begin(), text.end(), ' '), text.end());
    std::int64_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream in(text);
    bool ok = static_cast<bool>(in >> lo);
    if (ok && in.peek() == '-')
      ok = static_cast<bool>(in >> dash >> hi);
    else
      hi = lo;
    if (!ok || !in.eof() || text.empty())
      throw InputError(location_of(*node),
                       fmt::format("bad worker id range \"{}\": expected \"3\" or \"0-3\"", raw));
    if (lo < 0 || hi < lo || hi >= workers)
      throw InputError(
          location_of(*node),
          fmt::format("worker ids \"{}\" out of range: this scenario has workers 0-{}", raw, workers - 1));
    // The first range named before that ends at or after lo, if it starts at or before hi.
    auto overlap = named.upper_bound(lo);
    if (overlap != named.begin() && std::prev(overlap)->second.first >= lo) --overlap;
    if (overlap != named.end() && overlap->first <= hi) {
      const std::int64_t id = std::max(lo, overlap->first);
      const int named_by = overlap->second.second;
      throw InputError(location_of(*node),
                       named_by == group_index
                           ? fmt::format("worker {} is listed twice in this [[workers]] group", id)
                           : fmt::format("worker {} is in two [[workers]] groups (groups {} and {})", id,
                                         named_by + 1, group_index + 1));
    }
    named.emplace(lo, std::pair{hi, group_index});
    const std::size_t at = ids.size();
    ids.resize(at + static_cast<std::size_t>(hi - lo + 1));
    std::iota(ids.begin() + static_cast<std::ptrdiff_t>(at), ids.end(), lo);
  }
  if (ids.empty())
    group.fail("ids", "`workers.ids` names no worker: give \"0-3\", \"0-1,5\" or a list of ids");
  return ids;
}

void record_locations(const toml::table& table, const std::string& prefix,
                      std::map<std::string, SourceLocation, std::less<>>& out) {
  for (auto&& [key, value] : table) {
    const std::string name =
        prefix.empty() ? std::string(key.str()) : fmt::format("{}.{}", prefix, key.str());
    out.emplace(name, location_of(value));
    if (const auto* t = value.as_table()) record_locations(*t, name, out);
  }
}

template <class Pred>
std::vector<std::string> methods_with(Pred pred) {
  std::vector<std::string> names;
  for (const auto* info : algorithms::method_registry())
    if (pred(*info)) names.push_back(info->name);
  return names;
}

/// uplink_trace, downlink_trace, latency_trace of a star access link (paths, read later).
LinkTraceFiles read_link_traces(const TableReader& table, const fs::path& file) {
  LinkTraceFiles t;
  const auto read = [&](std::string_view key, fs::path& path, SourceLocation& at) {
    if (const auto text = table.string(key)) {
      path = resolve_path(file, *text);
      at = table.where(key);
    }
  };
  read("uplink_trace", t.uplink, t.uplink_at);
  read("downlink_trace", t.downlink, t.downlink_at);
  read("latency_trace", t.latency, t.latency_at);
  return t;
}

/// protocol.ring: a permutation of the worker ids 0..n-1.
std::vector<std::uint32_t> parse_ring(const TableReader& table, std::int64_t workers) {
  const toml::array* a = table.node("ring")->as_array();
  if (a == nullptr) table.fail("ring", "`protocol.ring` must be an array of worker ids, e.g. [0, 2, 1, 3]");
  std::vector<std::uint32_t> ring;
  std::vector<bool> seen(static_cast<std::size_t>(workers), false);
  for (const auto& item : *a) {
    const auto* id = item.as_integer();
    if (id == nullptr || id->get() < 0 || id->get() >= workers)
      throw InputError(location_of(item),
                       fmt::format("`protocol.ring` lists worker ids 0-{}: got {}", workers - 1,
                                   id ? std::to_string(id->get()) : std::string("a non-integer")));
    if (seen[static_cast<std::size_t>(id->get())])
      throw InputError(location_of(item),
                       fmt::format("`protocol.ring` lists worker {} twice: the ring must be a "
                                   "permutation of 0-{}",
                                   id->get(), workers - 1));
    seen[static_cast<std::size_t>(id->get())] = true;
    ring.push_back(static_cast<std::uint32_t>(id->get()));
  }
  if (static_cast<std::int64_t>(ring.size()) != workers)
    table.fail("ring",
               fmt::format("`protocol.ring` must be a permutation of the {} worker ids 0-{}: it lists {}",
                           workers, workers - 1, ring.size()));
  return ring;
}

std::vector<DeclaredPlugin> method_family() {
  std::vector<DeclaredPlugin> family;
  for (const auto* info : algorithms::method_registry()) family.push_back({info->name, &info->keys});
  return family;
}

std::vector<DeclaredPlugin> compressor_family() {
  std::vector<DeclaredPlugin> family;
  for (const auto* info : compressors::compressor_registry()) family.push_back({info->name, &info->keys});
  return family;
}

/// A table's known keys: its fixed ones plus every key its plug-in family declares. The
/// strings live as long as the process (the registries never change).
std::span<const std::string_view> known_keys(std::span<const std::string_view> fixed,
                                             const std::vector<DeclaredPlugin>& family) {
  static std::mutex mutex;  // sweeps load scenarios from several threads
  static std::map<const void*, std::pair<std::vector<std::string>, std::vector<std::string_view>>> cache;
  const std::lock_guard<std::mutex> lock(mutex);
  auto& [names, views] = cache[fixed.data()];
  if (views.empty()) {
    for (auto key : fixed) names.emplace_back(key);
    for (auto& key : family_key_names(family)) names.push_back(key);
    for (const auto& name : names) views.emplace_back(name);
  }
  return views;
}

/// [compressor] or [compressor.down]: kind, k | ratio and the kind's declared keys.
CompressorChoice read_compressor_choice(const TableReader& table, std::string_view fallback_kind) {
  const auto family = compressor_family();
  CompressorChoice c;
  c.spec.kind = table.choice("kind", compressors::compressor_names()).value_or(std::string(fallback_kind));
  const compressors::CompressorInfo& info = *compressors::find_compressor(c.spec.kind);
  if (table.has("k") && table.has("ratio"))
    table.fail("ratio", fmt::format("give either `{}` or `{}`, not both", table.full_name("k"),
                                    table.full_name("ratio")));
  if (!info.takes_k && (table.has("k") || table.has("ratio")))
    table.fail(table.has("k") ? "k" : "ratio",
               fmt::format("the {} compressor takes no `k` or `ratio`", info.name));
  c.spec.k = table.integer("k", 1, std::numeric_limits<std::int32_t>::max()).value_or(1);
  c.ratio = table.number("ratio", 0.0, 1.0, false);
  c.spec.params = read_plugin_keys(table, {info.name, &info.keys}, family);
  return c;
}

}  // namespace

Override parse_override(const std::string& text) {
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError({"--set", 0, 0}, fmt::format("expected KEY=VALUE, got \"{}\"", text));
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void apply_override(toml::table& table, const Override& o) {
  const std::string origin = fmt::format("--set {}", o.key);
  const auto key_parts = static_cast<std::size_t>(std::count(o.key.begin(), o.key.end(), '.')) + 1;
  if (key_parts > kMaxTomlNesting)  // named by its start: the key itself may be megabytes long
    throw InputError({fmt::format("--set {}...", o.key.substr(0, 32)), 1, 1},
                     fmt::format("bad key: its {} dotted parts nest deeper than a scenario may (at most {})",
                                 key_parts, kMaxTomlNesting));
  toml::table parsed;
  try {
    const std::string text = fmt::format("value = {}", o.value);
    check_toml_nesting(text, origin, key_parts - 1);  // the value goes under the key's tables
    parsed = toml::parse(text, origin);
  } catch (const toml::parse_error&) {
    // Not TOML (`ef21`, `5 Mbps`): take it as a string (re-parsed as a quoted TOML string so
    // that errors about it still point at the --set).
    std::ostringstream quoted;
    quoted << toml::value<std::string>(o.value);
    try {
      parsed = toml::parse(fmt::format("value = {}", quoted.str()), origin);
    } catch (const toml::parse_error& e) {
      throw InputError(location_of(e.source()), std::string(e.description()));
    }
  }
  toml::node* value = parsed.get("value");
  std::vector<std::string> parts;
  std::stringstream ss(o.key);
  std::string part;
  while (std::getline(ss, part, '.')) parts.push_back(part);
  if (parts.empty() || o.key.back() == '.' ||
      std::any_of(parts.begin(), parts.end(), [](const std::string& s) { return s.empty(); }))
    throw InputError({origin, 0, 0},
                     fmt::format("bad key \"{}\": expected a dotted key like compressor.k", o.key));
  toml::table* current = &table;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    toml::node* next = current->get(parts[i]);
    if (!next) {
      current->insert(parts[i], toml::table{});
      next = current->get(parts[i]);
    }
    if (!next->is_table())
      throw InputError({origin, 0, 0},
                       fmt::format("cannot set \"{}\": `{}` is not a table", o.key, parts[i]));
    current = next->as_table();
  }
  current->insert_or_assign(parts.back(), std::move(*value));
}

namespace {

/// read_scenario_table on the file's text; `source` names it in messages.
toml::table parse_scenario_text(const std::string& text, const std::string& source,
                                const std::vector<Override>& overrides) {
  check_toml_nesting(text, source);  // before toml++ recurses over the tree
  toml::table table;
  try {
    table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    throw InputError(location_of(e.source()), std::string(e.description()));
  }
  for (const auto& o : overrides) apply_override(table, o);
  return table;
}

}  // namespace

toml::table read_scenario_table(const fs::path& file, const std::vector<Override>& overrides) {
  std::error_code ec;
  if (fs::is_directory(file, ec))
    throw InputError({file.string(), 0, 0}, "the scenario is a directory, not a file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError({file.string(), 0, 0}, "cannot open the scenario file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError({file.string(), 0, 0}, "cannot read the scenario file");
  return parse_scenario_text(text.str(), file.string(), overrides);
}

Scenario load_scenario(const fs::path& file, const std::vector<Override>& overrides) {
  return parse_scenario(read_scenario_table(file, overrides), file);
}

Scenario parse_scenario(const toml::table& root, const fs::path& file_in) {
  const fs::path file = fs::absolute(file_in).lexically_normal();
  const toml::table empty;
  Scenario s;
  s.file = file;
  record_locations(root, "", s.locations);
  const SourceLocation file_location{file_in.string(), 0, 0};
  TableReader top(root, "", kTopKeys, file_location);

  // [run]
  const TableReader run = sub_reader(top, "run", kRunKeys, empty);
  s.run.name = run.string("name").value_or(file.stem().string());
  if (s.run.name.empty() || s.run.name.find('/') != std::string::npos)
    run.fail("name", "`run.name` must be a non-empty name without '/'");
  s.run.seed = static_cast<std::uint64_t>(run.integer("seed", 0, kMaxInt).value_or(1));
  s.run.rounds = run.integer("rounds", 0, 1'000'000'000).value_or(1000);
  s.run.metrics_every = run.integer("metrics_every", 1, kMaxInt).value_or(1);
  s.run.evaluate_every_round =
      run.choice("evaluate", {"every-round", "trace-rows"}).value_or("every-round") == "every-round";
  s.run.threads = static_cast<std::size_t>(run.integer("threads", 1, 1024).value_or(1));
  if (auto out = run.string("output")) s.run.output = resolve_path(file, *out);
  s.run.record_messages = run.boolean("record_messages").value_or(false);
  s.run.timeline = run.boolean("timeline").value_or(false);
  s.run.record_samples = run.boolean("record_samples").value_or(false);
  s.run.record_running_mean = run.boolean("record_running_mean").value_or(false);
  if (s.run.record_running_mean && !s.run.evaluate_every_round)
    run.fail("record_running_mean",
             "`run.record_running_mean = true` averages ||grad f||^2 over every iterate: it needs "
             "run.evaluate = \"every-round\"");
  const TableReader stop = sub_reader(run, "stop", kStopKeys, empty);
  s.run.stop.grad_norm_sq = stop.number("grad_norm_sq", 0.0, kHuge, false);
  s.run.stop.grad_norm_sq_relative = stop.number("grad_norm_sq_relative", 0.0, kHuge, false);
  s.run.stop.sim_time = stop.duration("sim_time");
  if (s.run.stop.sim_time && *s.run.stop.sim_time <= 0)
    stop.fail("sim_time", "`run.stop.sim_time` must be positive");
  s.run.stop.bits_up = stop.number("bits_up", 0.0, kHuge, false);

  // [data]
  const TableReader data = sub_reader(top, "data", kDataKeys, empty);
  s.data.workers = data.integer("workers", 1, 10'000'000).value_or(20);
  s.data.max_memory = data.size("max_memory");
  const std::string source = data.string("source").value_or("synthetic");
  s.data.synthetic = source == "synthetic";
  if (!s.data.synthetic) {
    s.data.source = resolve_path(file, source);
    s.data.source_absolute = fs::path(source).is_absolute();
    const std::string format = data.choice("format", {"auto", "libsvm", "csv"}).value_or("auto");
    if (format == "csv" || (format == "auto" && s.data.source.extension() == ".csv"))
      s.data.format = DataFormat::csv;
    else
      s.data.format = DataFormat::libsvm;
  } else if (data.has("format")) {
    data.fail("format", "`data.format` applies to a data file, not to synthetic data");
  }
  const std::string split =
      data.choice("split", {"sequential", "shuffled", "label-skew"}).value_or("sequential");
  s.data.split.kind = split == "sequential" ? data::SplitKind::sequential
                      : split == "shuffled" ? data::SplitKind::shuffled
                                            : data::SplitKind::label_skew;
  s.data.split.seed = static_cast<std::uint64_t>(
      data.integer("split_seed", 0, kMaxInt).value_or(static_cast<std::int64_t>(s.run.seed)));
  const TableReader synthetic = sub_reader(data, "synthetic", kSyntheticKeys, empty);
  if (!s.data.synthetic && !synthetic.table().empty())
    data.fail("synthetic", "[data.synthetic] is only used with data.source = \"synthetic\"");
  auto& syn = s.data.synthetic_spec;
  syn.rows = synthetic.integer("rows", 1, 1'000'000'000).value_or(2000);
  syn.dim = synthetic.integer("dim", 1, 100'000'000).value_or(50);
  syn.density = synthetic.number("density", 0.0, 1.0, false).value_or(1.0);
  syn.heterogeneity = synthetic.number("heterogeneity", 0.0, 1.0).value_or(0.0);
  syn.label_noise = synthetic.number("label_noise", 0.0, 0.5).value_or(0.0);
  syn.seed = static_cast<std::uint64_t>(
      synthetic.integer("seed", 0, kMaxInt).value_or(static_cast<std::int64_t>(s.run.seed)));
  syn.workers = s.data.workers;
  if (s.data.synthetic && syn.rows < s.data.workers)
    data.fail("workers",
              fmt::format("{} workers but the synthetic data has only {} rows", s.data.workers, syn.rows));

  // [problem]
  const TableReader problem = sub_reader(top, "problem", kProblemKeys, empty);
  const std::string kind =
      problem.choice("kind", problems::problem_kind_names()).value_or("logreg-nonconvex");
  s.problem.spec.kind = *problems::problem_kind_from_string(kind);
  s.problem.spec.lambda = problem.number("lambda", 0.0, kHuge).value_or(0.1);
  syn.regression = s.problem.spec.kind == problems::ProblemKind::least_squares;
  const std::string x0 = problem.string("x0").value_or("normal");
  s.problem.x0.seed = static_cast<std::uint64_t>(
      problem.integer("x0_seed", 0, kMaxInt).value_or(static_cast<std::int64_t>(s.run.seed)));
  s.problem.x0.scale = problem.number("x0_scale", 0.0, kHuge).value_or(1.0);
  if (x0 == "normal") {
    s.problem.x0.kind = algorithms::InitialPointKind::normal;
  } else if (x0 == "zeros") {
    s.problem.x0.kind = algorithms::InitialPointKind::zeros;
  } else {
    s.problem.x0.kind = algorithms::InitialPointKind::file;
    s.problem.x0.file = resolve_path(file, x0);
    std::error_code ec;  // a name too long for the file system is "no file", not an exception
    if (!fs::is_regular_file(s.problem.x0.file, ec))
      problem.fail("x0", fmt::format("`problem.x0` is \"normal\", \"zeros\" or a file of numbers; no file {}",
                                     s.problem.x0.file.string()));
  }
  if (s.problem.x0.kind != algorithms::InitialPointKind::normal &&
      (problem.has("x0_scale") || problem.has("x0_seed")))
    problem.fail(problem.has("x0_scale") ? "x0_scale" : "x0_seed",
                 "`problem.x0_scale` and `problem.x0_seed` apply only to x0 = \"normal\"");

  // [algorithm]: kind, stepsize, multiplier, and the method's declared keys.
  const auto methods = method_family();
  const TableReader algorithm = sub_reader(top, "algorithm", known_keys(kAlgorithmFixedKeys, methods), empty);
  s.algorithm.kind = algorithm.choice("kind", algorithms::method_names()).value_or("ef21");
  const algorithms::MethodInfo& method = *algorithms::find_method(s.algorithm.kind);
  if (const toml::node* n = algorithm.node("stepsize")) {
    if (const auto* str = n->as_string()) {
      if (str->get() != "theory")
        algorithm.fail("stepsize",
                       fmt::format("`algorithm.stepsize` must be \"theory\" or a positive number, got \"{}\"",
                                   str->get()));
    } else {
      s.algorithm.stepsize = algorithm.number("stepsize", 0.0, kHuge, false);
    }
  }
  s.algorithm.multiplier = algorithm.number("multiplier", 0.0, kHuge, false).value_or(1.0);
  s.algorithm.params = read_plugin_keys(algorithm, {method.name, &method.keys}, methods);

  // [gradient]: minibatches, for the methods that take them.
  const TableReader gradient = sub_reader(top, "gradient", kGradientKeys, empty);
  if (gradient.has("batch") && gradient.has("batch_ratio"))
    gradient.fail("batch_ratio", "give either `gradient.batch` or `gradient.batch_ratio`, not both");
  s.algorithm.gradient.batch = gradient.integer("batch", 1, std::numeric_limits<std::int32_t>::max());
  s.algorithm.gradient.batch_ratio = gradient.number("batch_ratio", 0.0, 1.0, false);
  if (s.algorithm.gradient.stochastic() && !method.minibatch)
    gradient.fail(gradient.has("batch") ? "batch" : "batch_ratio",
                  fmt::format("{} does not take minibatches ([gradient]); methods that do: {}", method.name,
                              fmt::join(methods_with([](const auto& m) { return m.minibatch; }), ", ")));
  if (method.requires_minibatch && !s.algorithm.gradient.stochastic())
    algorithm.fail("kind",
                   fmt::format("{} needs minibatches: give [gradient] batch or batch_ratio", method.name));

  // [participation]
  const TableReader participation = sub_reader(top, "participation", kParticipationKeys, empty);
  if (participation.has("fraction") && participation.has("clients"))
    participation.fail("clients",
                       "give either `participation.fraction` or `participation.clients`, not both");
  s.algorithm.participation.fraction = participation.number("fraction", 0.0, 1.0, false).value_or(1.0);
  s.algorithm.participation.clients = participation.integer("clients", 1, s.data.workers);
  if (s.algorithm.participation.partial(s.data.workers) && !method.participation)
    participation.fail(
        participation.has("clients") ? "clients" : "fraction",
        fmt::format("{} has no partial participation (fraction < 1); methods that do: {}", method.name,
                    fmt::join(methods_with([](const auto& m) { return m.participation; }), ", ")));

  // [compressor]: kind, k | ratio, the kind's declared keys, the bit accounting, and
  // [compressor.down] for methods with a downlink compressor.
  const TableReader compressor =
      sub_reader(top, "compressor", known_keys(kCompressorFixedKeys, compressor_family()), empty);
  static_cast<CompressorChoice&>(s.compressor) = read_compressor_choice(compressor, "top-k");
  auto& acc = s.compressor.accounting;
  acc.value_bits = compressor.integer("value_bits", 1, 64).value_or(32);
  if (const toml::node* n = compressor.node("index_bits")) {
    if (const auto* str = n->as_string()) {
      if (str->get() == "none")
        acc.index_mode = compressors::IndexBits::none;
      else if (str->get() == "log2d")
        acc.index_mode = compressors::IndexBits::log2d;
      else
        compressor.fail(
            "index_bits",
            fmt::format("`compressor.index_bits` must be \"none\", \"log2d\" or an integer, got \"{}\"",
                        str->get()));
    } else {
      acc.index_mode = compressors::IndexBits::fixed;
      acc.index_bits_fixed = *compressor.integer("index_bits", 0, 64);
    }
  }
  acc.bill_initialization = compressor.boolean("bill_initialization").value_or(false);
  if (const toml::table* down = compressor.subtable("down")) {
    if (!method.downlink_compressor)
      compressor.fail(
          "down",
          fmt::format("[compressor.down] applies to {}, not to {}",
                      fmt::join(methods_with([](const auto& m) { return m.downlink_compressor; }), ", "),
                      method.name));
    TableReader reader(*down, "compressor.down", known_keys(kDownCompressorFixedKeys, compressor_family()),
                       compressor.where("down"));
    s.compressor.down = read_compressor_choice(reader, s.compressor.spec.kind);
  } else if (method.downlink_compressor) {
    s.compressor.down = static_cast<const CompressorChoice&>(s.compressor);  // the uplink's kind and k
  }

  // [compute]
  const TableReader compute = sub_reader(top, "compute", kComputeKeys, empty);
  if (const toml::node* n = compute.node("gradient_time");
      n && n->as_string() && n->as_string()->get() == "auto")
    s.compute.gradient_time.reset();
  else
    s.compute.gradient_time = compute.duration("gradient_time");
  s.compute.speed = compute.compute_speed("speed").value_or(10e9);
  const std::string jitter = compute.choice("jitter", {"none", "lognormal", "exponential"}).value_or("none");
  s.jitter = jitter == "lognormal"     ? JitterKind::lognormal
             : jitter == "exponential" ? JitterKind::exponential
                                       : JitterKind::none;
  if (compute.has("jitter_sigma") && s.jitter != JitterKind::lognormal)
    compute.fail("jitter_sigma", "`compute.jitter_sigma` applies to jitter = \"lognormal\"");
  s.jitter_sigma = compute.number("jitter_sigma", 0.0, 10.0, false).value_or(0.5);

  // [network]
  const TableReader network = sub_reader(top, "network", kNetworkKeys, empty);
  const std::string topology = network.string("topology").value_or("star");
  s.network.star = topology == "star";
  if (!s.network.star) {
    s.network.topology_file = resolve_path(file, topology);
    std::error_code ec;
    if (!fs::is_regular_file(s.network.topology_file, ec))
      network.fail("topology", fmt::format("`network.topology` is \"star\" or a .dot file; no file {}",
                                           s.network.topology_file.string()));
    for (const char* key : {"uplink", "downlink", "latency", "server"})
      if (network.has(key))
        network.fail(
            key, fmt::format("`network.{}` applies to the star topology; a .dot topology gives its own links",
                             key));
  }
  s.network.worker_link.uplink = network.bandwidth("uplink").value_or(s.network.worker_link.uplink);
  s.network.worker_link.downlink = network.bandwidth("downlink").value_or(s.network.worker_link.downlink);
  s.network.worker_link.latency = network.duration("latency").value_or(s.network.worker_link.latency);
  s.network.header_bytes =
      static_cast<std::uint64_t>(network.integer("header_bytes", 0, 1'000'000'000).value_or(0));
  s.network.downlink_payload =
      network.choice("downlink_payload", {"model", "update"}).value_or("model") == "model"
          ? DownlinkPayload::model
          : DownlinkPayload::update;
  if (const toml::table* server = network.subtable("server")) {
    TableReader srv(*server, "network.server", kServerKeys, network.where("server"));
    LinkSpec link{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(), 0};
    link.uplink = srv.bandwidth("uplink").value_or(link.uplink);
    link.downlink = srv.bandwidth("downlink").value_or(link.downlink);
    link.latency = srv.duration("latency").value_or(0);
    s.network.server_link = link;
    s.network.server_traces = read_link_traces(srv, file);
  }

  // [protocol]
  const TableReader protocol = sub_reader(top, "protocol", kProtocolKeys, empty);
  s.protocol.kind = protocol.choice("kind", protocol_names()).value_or("ps");
  const ProtocolInfo& protocol_info = *find_protocol(s.protocol.kind);
  if (protocol.has("ring")) {
    if (!protocol_info.takes_ring)
      protocol.fail("ring", fmt::format("`protocol.ring` applies to the decentralised protocols, not to {}",
                                        protocol_info.name));
    s.protocol.ring = parse_ring(protocol, s.data.workers);
  }
  if (protocol.has("round_deadline")) {
    if (!protocol_info.takes_deadline)
      protocol.fail("round_deadline",
                    fmt::format("`protocol.round_deadline` applies to ps, not to {}", protocol_info.name));
    s.protocol.round_deadline = protocol.duration("round_deadline");
    if (*s.protocol.round_deadline <= 0)
      protocol.fail("round_deadline",
                    "`protocol.round_deadline` must be a positive duration, e.g. \"50 ms\"");
  }

  // [failures]
  const TableReader failures = sub_reader(top, "failures", kFailureKeys, empty);
  s.failures.mtbf = failures.duration("mtbf");
  s.failures.mttr = failures.duration("mttr");
  if (s.failures.mtbf.has_value() != s.failures.mttr.has_value())
    failures.fail(s.failures.mtbf ? "mtbf" : "mttr",
                  "[failures] needs both `mtbf` (mean up time) and `mttr` (mean down time)");
  for (const char* key : {"mtbf", "mttr"})
    if (failures.has(key) && *failures.duration(key) <= 0)
      failures.fail(key, fmt::format("`failures.{}` must be a positive duration", key));

  if (!protocol_info.partial_participation && s.algorithm.participation.partial(s.data.workers))
    participation.fail(participation.has("clients") ? "clients" : "fraction",
                       fmt::format("protocol {} runs every worker every round: partial participation "
                                   "needs protocol.kind = \"ps\"",
                                   protocol_info.name));
  if (!protocol_info.method_broadcast && method.downlink_compressor)
    protocol.fail(
        protocol.has("kind") ? "kind" : "ring",
        fmt::format("{} keeps server state the workers cannot replicate (its compressed broadcast): it "
                    "needs protocol.kind = \"ps\"",
                    method.name));

  // [[workers]]
  if (const toml::array* groups = top.array("workers")) {
    NamedIds named;
    int index = 0;
    for (const auto& item : *groups) {
      const toml::table* t = item.as_table();
      if (!t) throw InputError(location_of(item), "`workers` must be an array of tables ([[workers]])");
      TableReader g(*t, "workers", kWorkerGroupKeys, location_of(item));
      WorkerGroup group;
      group.ids = parse_ids(g, s.data.workers, named, index);
      if (!s.network.star)
        for (const char* key :
             {"uplink", "downlink", "latency", "uplink_trace", "downlink_trace", "latency_trace"})
          if (g.has(key)) g.fail(key, fmt::format("`workers.{}` applies to the star topology only", key));
      group.link_traces = read_link_traces(g, file);
      group.uplink = g.bandwidth("uplink");
      group.downlink = g.bandwidth("downlink");
      group.latency = g.duration("latency");
      if (const toml::node* n = g.node("gradient_time");
          n && n->as_string() && n->as_string()->get() == "auto") {
        if (!g.has("speed") && s.compute.gradient_time)
          g.fail("gradient_time",
                 "a group with gradient_time = \"auto\" needs its `speed` (compute.gradient_time is fixed)");
        group.auto_gradient_time = true;
      } else {
        group.gradient_time = g.duration("gradient_time");
      }
      group.speed = g.compute_speed("speed");
      if (const auto trace = g.string("speed_trace")) {
        group.speed_trace = resolve_path(file, *trace);
        group.speed_trace_at = g.where("speed_trace");
      }
      if (const auto trace = g.string("availability_trace")) {
        group.availability_trace = resolve_path(file, *trace);
        group.availability_trace_at = g.where("availability_trace");
      }
      if (group.speed && !group.gradient_time && s.compute.gradient_time && !g.has("gradient_time"))
        g.fail("speed",
               "this group sets `speed`, but compute.gradient_time is a fixed duration: set the group's "
               "gradient_time, or use compute.gradient_time = \"auto\"");
      s.worker_groups.push_back(std::move(group));
      ++index;
    }
  }
  s.algorithm.participation.unreliable = s.unreliable();
  if (s.unreliable()) {  // failures or a deadline: rounds apply the messages that arrive
    const std::string why = s.failures.mtbf             ? "[failures]"
                            : s.protocol.round_deadline ? "protocol.round_deadline"
                                                        : "an availability_trace";
    if (!protocol_info.partial_participation)
      protocol.fail("kind",
                    fmt::format("{} needs protocol.kind = \"ps\": the decentralised protocols run every "
                                "worker every round",
                                why));
    if (!method.participation)
      algorithm.fail(
          "kind", fmt::format("{} makes workers miss rounds, which {} does not define (methods with "
                              "partial participation: {})",
                              why, method.name,
                              fmt::join(methods_with([](const auto& m) { return m.participation; }), ", ")));
  }
  return s;
}

std::vector<std::string> known_scenario_keys() {
  std::vector<std::string> keys;
  auto add = [&](std::string_view prefix, std::span<const std::string_view> names,
                 std::initializer_list<std::string_view> tables = {}) {
    for (auto name : names)
      if (std::find(tables.begin(), tables.end(), name) == tables.end())
        keys.push_back(fmt::format("{}.{}", prefix, name));
  };
  add("run", kRunKeys, {"stop"});
  add("run.stop", kStopKeys);
  add("data", kDataKeys, {"synthetic"});
  add("data.synthetic", kSyntheticKeys);
  add("problem", kProblemKeys);
  add("algorithm", known_keys(kAlgorithmFixedKeys, method_family()));
  add("gradient", kGradientKeys);
  add("participation", kParticipationKeys);
  add("compressor", known_keys(kCompressorFixedKeys, compressor_family()), {"down"});
  add("compressor.down", known_keys(kDownCompressorFixedKeys, compressor_family()));
  add("compute", kComputeKeys);
  add("network", kNetworkKeys, {"server"});
  add("network.server", kServerKeys);
  add("protocol", kProtocolKeys);
  add("failures", kFailureKeys);
  add("workers", kWorkerGroupKeys);
  return keys;
}

}  // namespace ef21::sim
