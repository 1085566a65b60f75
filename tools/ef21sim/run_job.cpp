#include "tools/ef21sim/run_job.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "models/support/input_error.hpp"
#include "sim/cluster/simulation.hpp"
#include "sim/output/atomic_file.hpp"
#include "sim/output/run_writer.hpp"
#include "tools/ef21sim/interrupt.hpp"

namespace ef21::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPartial = ".partial-";

/// ".NAME.partial-HOST-PID-N": unique across threads, processes and machines.
fs::path private_directory(const fs::path& out, const std::string& name) {
  static std::atomic<std::uint64_t> counter{0};
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return out / fmt::format(".{}{}{}-{}-{}", name, kPartial, host, static_cast<long>(getpid()),
                           counter.fetch_add(1));
}

/// Renames the private directory to OUT/NAME, unless a complete NAME is there already.
void publish(const fs::path& private_dir, const fs::path& final_dir) {
  std::error_code ec;
  fs::rename(private_dir, final_dir, ec);
  if (!ec) return;
  if (fs::exists(final_dir / "summary.json")) {  // another writer finished it first: theirs stays
    fs::remove_all(private_dir, ec);
    return;
  }
  fs::remove_all(final_dir, ec);  // a stale incomplete one
  fs::rename(private_dir, final_dir, ec);
  if (ec)
    throw std::runtime_error(fmt::format("cannot move {} into place: {}", final_dir.string(), ec.message()));
}

/// Shortest round-trip text of the smallest finite value, "" when none.
std::string smallest(const std::vector<double>& values) {
  bool any = false;
  double low = 0.0;
  for (const double v : values)
    if (std::isfinite(v) && (!any || v < low)) {
      low = v;
      any = true;
    }
  return any ? fmt::format("{}", low) : "";
}

}  // namespace

RunOutcome execute_run(const RunSetup& setup, const RunJob& job) {
  const fs::path private_dir = private_directory(setup.out, job.name);
  const fs::path final_dir = setup.out / job.name;
  RunOutcome outcome;
  if (InterruptGuard::flag()->load())
    return {RunOutcome::Kind::interrupted, "", ""};  // Ctrl-C: start nothing
  try {
    const auto started = std::chrono::steady_clock::now();
    toml::table table = setup.base;
    for (const auto& o : job.overrides) sim::apply_override(table, o);
    const sim::Scenario scenario = sim::parse_scenario(table, setup.scenario_file);
    sim::Simulation simulation(scenario);
    simulation.stop_when(InterruptGuard::flag());
    const sim::RunResult result = simulation.run();
    if (result.status == sim::RunStatus::interrupted) return {RunOutcome::Kind::interrupted, "", ""};
    sim::HostInfo host;
    host.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    host.threads = scenario.run.threads;
    host.version = EF21SIM_VERSION;
    // Relative paths in scenario.toml are written relative to the run directory: the private
    // directory is a sibling of the final one, so they are the same.
    sim::write_run_directory(private_dir, scenario, result, host);
    outcome.text = sim::format_summary_json(scenario, result, host);
    std::vector<double> grad_norms;
    for (const auto& row : result.trace) grad_norms.push_back(row.grad_norm_sq);
    outcome.min_grad_norm_sq = smallest(grad_norms);
  } catch (const InputError& e) {
    outcome = {RunOutcome::Kind::input_error, e.what(), ""};
  } catch (const std::exception& e) {
    outcome = {RunOutcome::Kind::internal_error, e.what(), ""};
  }
  try {
    if (outcome.kind != RunOutcome::Kind::summary) {
      std::error_code ec;
      fs::remove_all(private_dir, ec);  // whatever the failed run wrote
      fs::create_directories(private_dir);
      const std::string prefix = outcome.kind == RunOutcome::Kind::internal_error ? "internal error: " : "";
      sim::write_file_atomically(private_dir / "error.txt", prefix + outcome.text + "\n");
    }
    publish(private_dir, final_dir);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(private_dir, ec);
    if (outcome.kind == RunOutcome::Kind::summary) outcome = {RunOutcome::Kind::internal_error, e.what(), ""};
    // A failed run whose error.txt cannot be written is still reported in the table.
  }
  return outcome;
}

bool run_is_complete(const fs::path& out, const std::string& name) {
  std::error_code ec;
  return fs::exists(out / name / "summary.json", ec);
}

RunOutcome read_complete_run(const fs::path& out, const std::string& name) {
  auto read = [](const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("cannot read {}", file.string()));
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  };
  RunOutcome outcome{RunOutcome::Kind::summary, read(out / name / "summary.json"), ""};
  // trace.csv: a header, then rows whose 6th cell is grad_norm_sq (DESIGN §5), written
  // shortest round-trip, so parsing gives back the doubles the run held.
  std::istringstream trace(read(out / name / "trace.csv"));
  std::string line;
  if (!std::getline(trace, line) || !line.starts_with("round,time_s,bits_up,bits_down,f,grad_norm_sq"))
    throw std::runtime_error(fmt::format("{}: not a trace.csv", (out / name / "trace.csv").string()));
  std::vector<double> grad_norms;
  while (std::getline(trace, line)) {
    std::size_t start = 0;
    for (int cell = 0; cell < 5; ++cell) {
      const std::size_t comma = line.find(',', start);
      if (comma == std::string::npos)
        throw std::runtime_error(
            fmt::format("{}: short row \"{}\"", (out / name / "trace.csv").string(), line));
      start = comma + 1;
    }
    const std::size_t end = std::min(line.find(',', start), line.size());
    const std::string_view text(line.data() + start, end - start);
    double value = 0.0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size())
      throw std::runtime_error(
          fmt::format("{}: bad grad_norm_sq \"{}\"", (out / name / "trace.csv").string(), text));
    grad_norms.push_back(value);
  }
  outcome.min_grad_norm_sq = smallest(grad_norms);
  return outcome;
}

void clear_incomplete_runs(const fs::path& out, const std::vector<std::string>& names) {
  std::error_code ec;
  std::set<std::string> wanted;
  for (const auto& name : names) {
    wanted.insert(name);
    if (fs::exists(out / name, ec) && !run_is_complete(out, name)) fs::remove_all(out / name);
  }
  std::vector<fs::path> leftovers;
  for (const auto& entry : fs::directory_iterator(out, ec)) {
    const std::string file = entry.path().filename().string();
    const std::size_t mark = file.find(kPartial);
    if (file.starts_with('.') && mark != std::string::npos && wanted.count(file.substr(1, mark - 1)))
      leftovers.push_back(entry.path());
  }
  for (const auto& p : leftovers) fs::remove_all(p);
}

}  // namespace ef21::cli
