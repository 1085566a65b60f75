#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "sim/cluster/simulation.hpp"
#include "sim/output/output_directory.hpp"
#include "sim/output/run_writer.hpp"
#include "tools/ef21sim/cli_common.hpp"
#include "tools/ef21sim/interrupt.hpp"
#include "tools/ef21sim/progress_line.hpp"
#include "tools/ef21sim/round_clock.hpp"

namespace ef21::cli {
namespace po = boost::program_options;

std::vector<sim::Override> parse_overrides(const std::vector<std::string>& sets) {
  std::vector<sim::Override> out;
  for (const auto& s : sets) out.push_back(sim::parse_override(s));
  return out;
}

int run_command(const std::vector<std::string>& args) {
  po::options_description options("ef21sim run SCENARIO.toml [options]");
  options.add_options()("help,h", "describe this command")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override a scenario key: KEY=VALUE (VALUE is TOML)")(
      "out", po::value<std::string>(), "run directory (default: run.output, else results/<run.name>)")(
      "threads", po::value<int>(), "threads for the workers' computations (outputs do not depend on it)")(
      "quiet,q", "no progress line");
  const auto parsed = parse_scenario_command(
      args, options,
      "\nRuns the scenario and writes its run directory (scenario.toml, trace.csv,\n"
      "summary.json, and messages.csv / timeline.json when asked for). An output directory\n"
      "that cannot be written is an error (exit 2) before the simulation starts.\n"
      "Ctrl-C (SIGINT) or SIGTERM stops the run at the iterate it is at: the run directory is\n"
      "written complete, status \"interrupted\", and the exit code is 130 (SIGINT) or 143\n"
      "(SIGTERM); a second signal terminates at once.\n");
  if (!parsed) return kExitOk;
  const po::variables_map& vm = *parsed;

  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> sets = set_values(vm);
  if (vm.count("threads")) {
    if (vm["threads"].as<int>() < 1) throw UsageError("--threads must be at least 1");
    sets.push_back(fmt::format("run.threads={}", vm["threads"].as<int>()));
  }
  const std::filesystem::path file = vm["scenario"].as<std::string>();
  const sim::Scenario scenario = sim::load_scenario(file, parse_overrides(sets));
  std::filesystem::path out_dir = vm.count("out") ? std::filesystem::path(vm["out"].as<std::string>())
                                  : !scenario.run.output.empty()
                                      ? scenario.run.output
                                      : std::filesystem::path("results") / scenario.run.name;

  sim::check_output_directory(out_dir);  // an unwritable --out fails now, not after the run

  const InterruptGuard interrupts;
  sim::Simulation simulation(scenario);  // every input error surfaces here, before any output
  simulation.stop_when(InterruptGuard::flag());
  const bool show_progress = !vm.count("quiet") && isatty(STDERR_FILENO);
  ProgressLine progress(show_progress);
  RoundClock round_clock;
  sim::RunResult result = simulation.run([&](const sim::Progress& p) {
    round_clock.report(p.round);
    progress.update(p);
  });
  progress.finish();

  sim::HostInfo host;
  host.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  host.ms_per_round = round_clock.ms_per_round();
  host.cpu_ms_per_round = round_clock.cpu_ms_per_round();
  host.threads = scenario.run.threads;
  host.version = EF21SIM_VERSION;
  sim::write_run_directory(out_dir, scenario, result, host);
  if (!vm.count("quiet"))
    fmt::print(stderr,
               "{}: {} after {} rounds, ||grad f||^2 = {:.3e}, time {:.6g} s, bits/worker {:.6g} -> {}\n",
               scenario.run.name, sim::to_string(result.status), result.rounds, result.final_row.grad_norm_sq,
               result.final_row.time_s, result.final_row.bits_up, out_dir.string());
  return interrupts.requested() ? interrupts.exit_code() : kExitOk;
}

}  // namespace ef21::cli
