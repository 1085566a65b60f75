// Scenario files -> validated Scenario (DESIGN §4): defaults, located type / range errors,
// "did you mean", --set overrides, [[workers]] id forms, and the resolved scenario.toml
// round-tripping through the parser.
#include "sim/scenario/scenario_loader.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "models/support/input_error.hpp"
#include "sim/scenario/scenario_writer.hpp"
#include "sim/scenario/toml_reader.hpp"

using namespace ef21;
using namespace ef21::sim;
namespace fs = std::filesystem;

namespace {

constexpr SimTime kUs = 1'000'000;
constexpr SimTime kMs = 1'000'000'000;

toml::table parse_text(const std::string& text, const std::string& file = "test.toml") {
  return toml::parse(std::string_view(text), std::string_view(file));
}

Scenario scenario_from(const std::string& text, const std::vector<Override>& overrides = {},
                       const fs::path& file = "test.toml") {
  toml::table table = parse_text(text, file.string());
  for (const auto& o : overrides) apply_override(table, o);
  return parse_scenario(table, file);
}

/// The InputError that parsing `text` raises (fails the test when none).
InputError error_of(const std::string& text, const std::vector<Override>& overrides = {}) {
  try {
    scenario_from(text, overrides);
  } catch (const InputError& e) {
    return e;
  }
  FAIL("no InputError for:\n" << text);
  throw std::logic_error("unreachable");
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

/// A self-cleaning temporary directory.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() / fmt::format("ef21sim-scenario-test-{}-{}", ::getpid(), counter++);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
};

}  // namespace

TEST_CASE("an empty scenario gets every default", "[scenario][defaults]") {
  const Scenario s = parse_scenario(toml::table{}, "some/dir/my-run.toml");
  CHECK(s.file == fs::absolute("some/dir/my-run.toml").lexically_normal());
  CHECK(s.run.name == "my-run");
  CHECK(s.run.seed == 1);
  CHECK(s.run.rounds == 1000);
  CHECK(s.run.metrics_every == 1);
  CHECK(s.run.threads == 1);
  CHECK(s.run.output.empty());
  CHECK_FALSE(s.run.record_messages);
  CHECK_FALSE(s.run.timeline);
  CHECK_FALSE(s.run.stop.grad_norm_sq);
  CHECK_FALSE(s.run.stop.grad_norm_sq_relative);
  CHECK_FALSE(s.run.stop.sim_time);
  CHECK_FALSE(s.run.stop.bits_up);
  CHECK(s.data.synthetic);
  CHECK(s.data.workers == 20);
  CHECK(s.data.split.kind == data::SplitKind::sequential);
  CHECK(s.data.split.seed == 1);
  CHECK(s.data.synthetic_spec.rows == 2000);
  CHECK(s.data.synthetic_spec.dim == 50);
  CHECK(s.data.synthetic_spec.workers == 20);
  CHECK(s.problem.spec.kind == problems::ProblemKind::logreg_nonconvex);
  CHECK(s.problem.spec.lambda == 0.1);
  CHECK(s.problem.x0.kind == algorithms::InitialPointKind::normal);
  CHECK(s.problem.x0.scale == 1.0);
  CHECK(s.problem.x0.seed == 1);
  CHECK(s.algorithm.kind == "ef21");
  CHECK_FALSE(s.algorithm.stepsize);  // "theory"
  CHECK(s.algorithm.multiplier == 1.0);
  CHECK(s.compressor.spec.kind == "top-k");
  CHECK(s.compressor.spec.k == 1);
  CHECK_FALSE(s.compressor.ratio);
  CHECK(s.compressor.accounting.value_bits == 32);
  CHECK(s.compressor.accounting.index_mode == compressors::IndexBits::none);
  CHECK_FALSE(s.compressor.accounting.bill_initialization);
  CHECK_FALSE(s.compute.gradient_time);  // "auto"
  CHECK(s.compute.speed == 10e9);
  CHECK(s.network.star);
  CHECK(s.network.worker_link.uplink == 125e6);
  CHECK(s.network.worker_link.downlink == 125e6);
  CHECK(s.network.worker_link.latency == 20 * kUs);
  CHECK_FALSE(s.network.server_link);
  CHECK(s.network.header_bytes == 0);
  CHECK(s.network.downlink_payload == DownlinkPayload::model);
  CHECK(s.worker_groups.empty());
}

TEST_CASE("units and values are converted to SI", "[scenario][units]") {
  const Scenario s = scenario_from(R"(
[run]
seed = 7
[run.stop]
sim_time = "10 min"
bits_up = 1e6
[compute]
gradient_time = "2 ms"
speed = "20 GFLOPS"
[network]
uplink = "100 Mbps"
downlink = "12.5 MB/s"
latency = "50us"
header_bytes = 64
[network.server]
uplink = "10 Gbps"
latency = "1 ms"
)");
  CHECK(s.run.seed == 7);
  CHECK(s.data.split.seed == 7);  // split and synthetic seeds follow run.seed
  CHECK(s.data.synthetic_spec.seed == 7);
  CHECK(s.problem.x0.seed == 7);
  CHECK(*s.run.stop.sim_time == 600 * kPicosPerSecond);
  CHECK(*s.run.stop.bits_up == 1e6);
  CHECK(*s.compute.gradient_time == 2 * kMs);
  CHECK(s.compute.speed == 20e9);
  CHECK(s.network.worker_link.uplink == 12.5e6);
  CHECK(s.network.worker_link.downlink == 12.5e6);
  CHECK(s.network.worker_link.latency == 50 * kUs);
  CHECK(s.network.header_bytes == 64);
  REQUIRE(s.network.server_link);
  CHECK(s.network.server_link->uplink == 1.25e9);
  CHECK(std::isinf(s.network.server_link->downlink));  // absent = infinite
  CHECK(s.network.server_link->latency == 1 * kMs);
}

namespace {

struct BadValue {
  const char* table;    // the [table] header ("" = top level)
  const char* line;     // the offending line
  const char* message;  // a fragment the error must contain
};

}  // namespace

TEST_CASE("every wrong type or range is an error at the value's line and column", "[scenario][errors]") {
  const BadValue cases[] = {
      {"run", "name = 3", "`run.name` must be a string"},
      {"run", "name = \"a/b\"", "without '/'"},
      {"run", "seed = 1.5", "`run.seed` must be an integer, got a float"},
      {"run", "seed = -1", "`run.seed` must be between 0"},
      {"run", "rounds = \"ten\"", "`run.rounds` must be an integer, got a string"},
      {"run", "rounds = -1", "`run.rounds` must be between 0 and"},
      {"run", "metrics_every = 0", "`run.metrics_every` must be between 1"},
      {"run", "threads = 0", "`run.threads` must be between 1"},
      {"run", "threads = true", "must be an integer, got a boolean"},
      {"run", "record_messages = 1", "`run.record_messages` must be true or false"},
      {"run", "timeline = \"yes\"", "`run.timeline` must be true or false"},
      {"run", "output = 5", "`run.output` must be a string"},
      {"run", "stop = 5", "`run.stop` must be a table"},
      {"run.stop", "grad_norm_sq = 0", "`run.stop.grad_norm_sq` must be > 0"},
      {"run.stop", "grad_norm_sq = \"small\"", "must be a number, got a string"},
      {"run.stop", "grad_norm_sq_relative = -1e-3", "must be > 0"},
      {"run.stop", "sim_time = 10", "`run.stop.sim_time` is a duration and needs a unit"},
      {"run.stop", "sim_time = \"0 s\"", "must be positive"},
      {"run.stop", "sim_time = \"10 parsecs\"", "run.stop.sim_time"},
      {"run.stop", "bits_up = 0", "`run.stop.bits_up` must be > 0"},
      {"data", "workers = 0", "`data.workers` must be between 1"},
      {"data", "workers = 2.0", "`data.workers` must be an integer, got a float"},
      {"data", "source = 1", "`data.source` must be a string"},
      {"data", "split = \"sequental\"", "did you mean \"sequential\""},
      {"data", "split_seed = \"x\"", "`data.split_seed` must be an integer"},
      {"data", "format = \"csv\"", "applies to a data file"},
      {"data.synthetic", "rows = 0", "`data.synthetic.rows` must be between 1"},
      {"data.synthetic", "dim = -3", "`data.synthetic.dim` must be between 1"},
      {"data.synthetic", "density = 0", "`data.synthetic.density` must be > 0"},
      {"data.synthetic", "density = 1.5", "`data.synthetic.density` must be > 0 and <= 1"},
      {"data.synthetic", "heterogeneity = 2", "`data.synthetic.heterogeneity`"},
      {"data.synthetic", "label_noise = 0.6", "`data.synthetic.label_noise`"},
      {"problem", "kind = \"logreg-nonconvx\"", "did you mean \"logreg-nonconvex\""},
      {"problem", "lambda = -0.1", "`problem.lambda` must be >= 0"},
      {"problem", "lambda = \"0.1\"", "`problem.lambda` must be a number, got a string"},
      {"problem", "x0 = \"no-such-x0-file.txt\"", "no file"},
      {"problem", "x0 = 0", "`problem.x0` must be a string"},
      {"problem", "x0_scale = -1", "`problem.x0_scale` must be >= 0"},
      {"algorithm", "kind = \"ef22\"", "did you mean \"ef21\""},
      {"algorithm", "kind = 21", "`algorithm.kind` must be a string"},
      {"algorithm", "stepsize = \"theroy\"", "must be \"theory\" or a positive number"},
      {"algorithm", "stepsize = 0", "`algorithm.stepsize` must be > 0"},
      {"algorithm", "stepsize = -0.5", "`algorithm.stepsize` must be > 0"},
      {"algorithm", "stepsize = inf", "`algorithm.stepsize`"},
      {"algorithm", "stepsize = nan", "`algorithm.stepsize`"},
      {"algorithm", "multiplier = 0", "`algorithm.multiplier` must be > 0"},
      {"compressor", "kind = \"topk\"", "did you mean \"top-k\""},
      {"compressor", "k = 0", "`compressor.k` must be between 1"},
      {"compressor", "k = 1.5", "`compressor.k` must be an integer, got a float"},
      {"compressor", "ratio = 0", "`compressor.ratio` must be > 0"},
      {"compressor", "ratio = 1.5", "`compressor.ratio` must be > 0 and <= 1"},
      {"compressor", "scaled = true", "applies to rand-k, not to top-k"},
      {"compressor", "value_bits = 0", "`compressor.value_bits` must be between 1 and 64"},
      {"compressor", "value_bits = 65", "`compressor.value_bits` must be between 1 and 64"},
      {"compressor", "index_bits = \"log\"", "must be \"none\", \"log2d\" or an integer"},
      {"compressor", "index_bits = -1", "`compressor.index_bits` must be between 0 and 64"},
      {"compressor", "bill_initialization = \"no\"", "must be true or false"},
      {"compute", "gradient_time = 5", "`compute.gradient_time` is a duration and needs a unit"},
      {"compute", "gradient_time = \"fast\"", "compute.gradient_time"},
      {"compute", "speed = 1e9", "`compute.speed` is a compute speed and needs a unit"},
      {"compute", "speed = \"10 GHz\"", "compute.speed"},
      {"network", "latency = 5", "`network.latency` is a duration and needs a unit"},
      {"network", "latency = \"-5 us\"", "network.latency"},
      {"network", "uplink = 100", "`network.uplink` is a bandwidth and needs a unit"},
      {"network", "uplink = \"0 Mbps\"", "positive"},
      {"network", "downlink = \"fast\"", "network.downlink"},
      {"network", "downlink = true", "`network.downlink` must be a bandwidth string"},
      {"network", "header_bytes = \"40 B\"", "`network.header_bytes` must be an integer, got a string"},
      {"network", "header_bytes = -1", "`network.header_bytes` must be between 0"},
      {"network", "downlink_payload = \"modle\"", "did you mean \"model\""},
      {"network", "topology = \"no-such.dot\"", "no file"},
      {"network", "server = \"fast\"", "`network.server` must be a table"},
      {"network.server", "uplink = 10", "`network.server.uplink` is a bandwidth and needs a unit"},
      {"network.server", "downlink = \"0 bps\"", "positive"},
      {"network.server", "latency = 1", "`network.server.latency` is a duration and needs a unit"},
  };
  for (const auto& c : cases) {
    const std::string text = fmt::format("# scenario\n[{}]\n{}\n", c.table, c.line);
    CAPTURE(text);
    const InputError e = error_of(text);
    CAPTURE(e.what());
    CHECK(contains(e.message(), c.message));
    CHECK(e.where().file == "test.toml");
    CHECK(e.where().line == 3);
    const std::string line = c.line;
    CHECK(e.where().column == line.find('=') + 3);  // the value's column, 1-based
    CHECK(contains(e.what(), fmt::format("test.toml:3:{}: error: ", line.find('=') + 3)));
  }
}

TEST_CASE("a file name too long for the file system is a located \"no file\"", "[scenario][errors]") {
  // ENAMETOOLONG from the file system: found by fuzz_scenario (it escaped as filesystem_error).
  const std::string name(5000, 'a');
  for (const std::string table : {"[problem]\nx0", "[network]\ntopology"}) {
    const InputError e = error_of(fmt::format("{} = \"{}\"\n", table, name));
    CHECK(contains(e.message(), "no file"));
    CHECK(e.where().line == 2);
  }
}

TEST_CASE("top-level type errors are located", "[scenario][errors]") {
  const InputError run = error_of("run = 3\n");
  CHECK(contains(run.message(), "`run` must be a table"));
  CHECK(run.where().line == 1);
  const InputError workers = error_of("workers = 3\n");
  CHECK(contains(workers.message(), "`workers` must be an array"));
  const InputError group = error_of("workers = [1, 2]\n");
  CHECK(contains(group.message(), "array of tables"));
  const InputError ids = error_of("[data]\nworkers = 4\n[[workers]]\nids = true\n");
  CHECK(contains(ids.message(), "workers.ids"));
  CHECK(ids.where().line == 4);
  const InputError no_ids = error_of("[data]\nworkers = 4\n[[workers]]\nuplink = \"1 Mbps\"\n");
  CHECK(contains(no_ids.message(), "needs `ids`"));
  CHECK(no_ids.where().line == 3);
}

TEST_CASE("inconsistent combinations are errors", "[scenario][errors]") {
  CHECK(contains(error_of("[compressor]\nk = 2\nratio = 0.5\n").message(), "not both"));
  CHECK(contains(error_of("[compressor]\nkind = \"identity\"\nk = 2\n").message(),
                 "identity compressor takes no"));
  CHECK(contains(error_of("[data]\nworkers = 30\n[data.synthetic]\nrows = 20\n").message(), "30 workers"));
  CHECK(contains(error_of("[data]\nsource = \"x.svm\"\n[data.synthetic]\nrows = 20\n").message(),
                 "only used with data.source = \"synthetic\""));
  CHECK(contains(error_of("[problem]\nx0 = \"zeros\"\nx0_scale = 2\n").message(),
                 "apply only to x0 = \"normal\""));
  // a group with gradient_time = "auto" needs its speed when the default time is fixed
  CHECK(
      contains(error_of("[data]\nworkers = 4\n[compute]\ngradient_time = \"1 ms\"\n[[workers]]\nids = \"0\"\n"
                        "gradient_time = \"auto\"\n")
                   .message(),
               "needs its `speed`"));
  CHECK(
      contains(error_of("[data]\nworkers = 4\n[compute]\ngradient_time = \"1 ms\"\n[[workers]]\nids = \"0\"\n"
                        "speed = \"1 GFLOPS\"\n")
                   .message(),
               "compute.gradient_time is a fixed duration"));
}

TEST_CASE("unknown keys are errors with a did-you-mean", "[scenario][errors]") {
  struct Case {
    const char* text;
    std::uint32_t line;
    const char* message;
  } cases[] = {
      {"[compresor]\nk = 1\n", 1, "unknown key `compresor`; did you mean `compressor`?"},
      {"[compressor]\nkk = 1\n", 2, "unknown key `compressor.kk`; did you mean `compressor.k`?"},
      {"[run]\nround = 10\n", 2, "unknown key `run.round`; did you mean `run.rounds`?"},
      {"[run.stop]\ngrad_norm = 1e-3\n", 2, "did you mean `run.stop.grad_norm_sq`?"},
      {"[network.server]\nuplnk = \"1 Gbps\"\n", 2, "did you mean `network.server.uplink`?"},
      {"[data.synthetic]\ndims = 5\n", 2, "did you mean `data.synthetic.dim`?"},
      {"[data]\nworkers = 4\n[[workers]]\nids = \"0\"\nuplnik = \"1 Mbps\"\n", 5,
       "did you mean `workers.uplink`?"},
      {"[algorithm]\nstep = 0.1\n", 2, "did you mean `algorithm.stepsize`?"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const InputError e = error_of(c.text);
    CAPTURE(e.what());
    CHECK(contains(e.message(), c.message));
    CHECK(e.where().line == c.line);
    CHECK(e.where().column >= 1);
  }
  // nothing close: the known keys are listed
  const InputError far = error_of("[network]\nzzzzzzzz = 1\n");
  CHECK(contains(far.message(), "known keys here"));
  CHECK(contains(far.message(), "uplink"));
}

TEST_CASE("closest_name suggests near misses only", "[scenario][errors]") {
  const std::vector<std::string> known{"uplink", "downlink", "latency"};
  CHECK(closest_name("uplnk", known) == "uplink");
  CHECK(closest_name("latncy", known) == "latency");
  CHECK(closest_name("down", known) == "downlink");  // shared prefix
  CHECK(closest_name("xyzzy", known).empty());
}

TEST_CASE("override parsing: --set KEY=VALUE", "[scenario][overrides]") {
  const Override o = parse_override("network.uplink=5 Mbps");
  CHECK(o.key == "network.uplink");
  CHECK(o.value == "5 Mbps");
  const Override eq = parse_override("run.name=a=b");  // the first '=' splits
  CHECK(eq.key == "run.name");
  CHECK(eq.value == "a=b");
  CHECK_THROWS_AS(parse_override("compressor.k"), InputError);
  CHECK_THROWS_AS(parse_override("=3"), InputError);
}

TEST_CASE("overrides are TOML values, or strings when not TOML", "[scenario][overrides]") {
  const std::string base = "[run]\nrounds = 10\n[algorithm]\nkind = \"ef21\"\n";
  SECTION("a TOML integer replaces the file's value") {
    CHECK(scenario_from(base, {{"run.rounds", "25"}}).run.rounds == 25);
  }
  SECTION("a bare word is a string") {
    CHECK(scenario_from(base, {{"algorithm.kind", "ef"}}).algorithm.kind == "ef");
    CHECK(scenario_from(base, {{"algorithm.kind", "ef21-plus"}}).algorithm.kind == "ef21-plus");
    CHECK(scenario_from(base, {{"algorithm.kind", "\"gd\""}}).algorithm.kind == "gd");
  }
  SECTION("a unit string with a space") {
    CHECK(scenario_from(base, {{"network.uplink", "5 Mbps"}}).network.worker_link.uplink == 625e3);
    CHECK(scenario_from(base, {{"network.latency", "\"2 ms\""}}).network.worker_link.latency == 2 * kMs);
  }
  SECTION("missing tables are created") {
    const Scenario s =
        scenario_from(base, {{"run.stop.grad_norm_sq", "1e-3"}, {"network.server.uplink", "1 Gbps"}});
    CHECK(*s.run.stop.grad_norm_sq == 1e-3);
    REQUIRE(s.network.server_link);
    CHECK(s.network.server_link->uplink == 125e6);
    const Scenario empty = scenario_from("", {{"compressor.k", "3"}});
    CHECK(empty.compressor.spec.k == 3);
  }
  SECTION("a later --set wins") {
    CHECK(scenario_from(base, {{"run.rounds", "1"}, {"run.rounds", "2"}}).run.rounds == 2);
  }
  SECTION("booleans, floats and theory") {
    const Scenario s = scenario_from(
        base, {{"run.timeline", "true"}, {"algorithm.stepsize", "0.25"}, {"algorithm.multiplier", "8"}});
    CHECK(s.run.timeline);
    CHECK(*s.algorithm.stepsize == 0.25);
    CHECK(s.algorithm.multiplier == 8.0);
    CHECK_FALSE(scenario_from("[algorithm]\nstepsize = 0.1\n", {{"algorithm.stepsize", "theory"}})
                    .algorithm.stepsize);
  }
  SECTION("an array value for [[workers]]-free keys is a type error located at the --set") {
    const InputError e = error_of(base, {{"run.rounds", "[1, 2]"}});
    CHECK(contains(e.message(), "`run.rounds` must be an integer, got an array"));
    CHECK(e.where().file == "--set run.rounds");
    CHECK(e.where().line == 1);
  }
  SECTION("a wrong type from a bare word is located at the --set") {
    const InputError e = error_of(base, {{"run.rounds", "ten"}});
    CHECK(contains(e.message(), "`run.rounds` must be an integer, got a string"));
    CHECK(e.where().file == "--set run.rounds");
    CHECK(e.where().line == 1);
  }
  SECTION("an unknown key gets a did-you-mean at the --set") {
    const InputError e = error_of(base, {{"compressor.kk", "2"}});
    CHECK(contains(e.message(), "did you mean `compressor.k`"));
    CHECK(e.where().file == "--set compressor.kk");
  }
  SECTION("setting into a non-table is an error") {
    toml::table t = parse_text(base);
    try {
      apply_override(t, {"run.rounds.x", "3"});
      FAIL("no error");
    } catch (const InputError& e) {
      CHECK(contains(e.message(), "`rounds` is not a table"));
      CHECK(e.where().file == "--set run.rounds.x");
    }
    CHECK_THROWS_AS(apply_override(t, {"algorithm.kind.x", "ef"}), InputError);
  }
  SECTION("malformed keys are errors") {
    toml::table t = parse_text(base);
    CHECK_THROWS_AS(apply_override(t, {"run..rounds", "3"}), InputError);
    CHECK_THROWS_AS(apply_override(t, {".rounds", "3"}), InputError);
    CHECK_THROWS_AS(apply_override(t, {"run.", "3"}), InputError);
  }
}

TEST_CASE("[[workers]] ids accept ranges, lists and mixed forms", "[scenario][workers]") {
  const std::string head = "[data]\nworkers = 8\n";
  auto ids_of = [&](const std::string& ids) {
    const Scenario s = scenario_from(head + "[[workers]]\nids = " + ids + "\nuplink = \"1 Mbps\"\n");
    REQUIRE(s.worker_groups.size() == 1);
    return s.worker_groups[0].ids;
  };
  using V = std::vector<std::int64_t>;
  CHECK(ids_of("\"0-3\"") == V{0, 1, 2, 3});
  CHECK(ids_of("\"5\"") == V{5});
  CHECK(ids_of("5") == V{5});
  CHECK(ids_of("[1, 3, 7]") == V{1, 3, 7});
  CHECK(ids_of("\"0-1,5\"") == V{0, 1, 5});
  CHECK(ids_of("\"0 - 1, 5\"") == V{0, 1, 5});
  CHECK(ids_of("[\"0-1\", 6]") == V{0, 1, 6});
  CHECK(ids_of("\"7-7\"") == V{7});

  for (const char* bad : {"\"3-1\"", "\"8\"", "\"-1\"", "\"a\"", "\"1-\"", "\"\"", "\"1,,2\"", "[1.5]", "[8]",
                          "\"0-8\"", "[]"}) {
    CAPTURE(bad);
    const InputError e = error_of(head + "[[workers]]\nids = " + bad + "\nuplink = \"1 Mbps\"\n");
    CAPTURE(e.what());
    CHECK(e.where().line == 4);
  }
  const InputError overlap =
      error_of(head + "[[workers]]\nids = \"0-3\"\n[[workers]]\nids = \"5,3\"\nuplink = \"1 Mbps\"\n");
  CHECK(contains(overlap.message(), "worker 3 is in two [[workers]] groups (groups 1 and 2)"));
  CHECK(overlap.where().line == 6);
  const InputError dup = error_of(head + "[[workers]]\nids = [2, 2]\n");
  CHECK(contains(dup.message(), "worker 2"));
}

TEST_CASE("[[workers]] overrides apply per worker", "[scenario][workers]") {
  const Scenario s = scenario_from(R"(
[data]
workers = 6
[compute]
gradient_time = "auto"
speed = "10 GFLOPS"
[network]
uplink = "1 Gbps"
latency = "20 us"
[[workers]]
ids = "0-1"
uplink = "5 Mbps"
latency = "1 ms"
[[workers]]
ids = [4]
gradient_time = "3 ms"
[[workers]]
ids = [5]
speed = "1 GFLOPS"
)");
  CHECK(s.link_of(0).uplink == 625e3);
  CHECK(s.link_of(1).latency == 1 * kMs);
  CHECK(s.link_of(1).downlink == 125e6);
  CHECK(s.link_of(2).uplink == 125e6);
  CHECK(s.link_of(2).latency == 20 * kUs);
  CHECK(*s.compute_of(4).gradient_time == 3 * kMs);
  CHECK_FALSE(s.compute_of(3).gradient_time);
  CHECK(s.compute_of(5).speed == 1e9);
  CHECK(s.compute_of(3).speed == 10e9);
}

TEST_CASE("locations of keys are kept for checks that need the data", "[scenario][errors]") {
  const Scenario s = scenario_from("[run]\nrounds = 3\n\n[compressor]\nkind = \"top-k\"\nk = 7\n");
  CHECK(s.where("compressor.k").line == 6);
  CHECK(s.where("compressor.k").column == 5);
  CHECK(s.where("run.rounds").line == 2);
  CHECK(s.where("data.workers").line == 0);  // absent: the file itself
}

namespace {

/// resolved text -> parse as DIR/scenario.toml -> resolved text again.
void check_round_trip(const Scenario& s, const fs::path& dir) {
  const std::string first = resolved_scenario_toml(s, s.compressor.spec.k, dir);
  CAPTURE(first);
  const fs::path file = dir / "scenario.toml";
  const Scenario again = parse_scenario(parse_text(first, file.string()), file);
  const std::string second = resolved_scenario_toml(again, again.compressor.spec.k, dir);
  CHECK(first == second);
  // The resolved scenario describes the same run.
  CHECK(again.run.name == s.run.name);
  CHECK(again.run.seed == s.run.seed);
  CHECK(again.data.source == s.data.source);
  CHECK(again.problem.x0.file == s.problem.x0.file);
  CHECK(again.network.topology_file == s.network.topology_file);
  CHECK(again.network.worker_link.uplink == s.network.worker_link.uplink);
  CHECK(again.network.worker_link.latency == s.network.worker_link.latency);
  CHECK(again.compute.gradient_time == s.compute.gradient_time);
  CHECK(again.compute.speed == s.compute.speed);
  CHECK(again.algorithm.stepsize == s.algorithm.stepsize);
  CHECK(again.algorithm.multiplier == s.algorithm.multiplier);
  CHECK(again.data.synthetic_spec.density == s.data.synthetic_spec.density);
  CHECK(again.worker_groups.size() == s.worker_groups.size());
  for (std::size_t i = 0; i < s.worker_groups.size(); ++i)
    CHECK(again.worker_groups[i].ids == s.worker_groups[i].ids);
  for (std::int64_t w = 0; w < s.data.workers; ++w) {
    CHECK(again.link_of(w).uplink == s.link_of(w).uplink);
    CHECK(again.link_of(w).downlink == s.link_of(w).downlink);
    CHECK(again.link_of(w).latency == s.link_of(w).latency);
    CHECK(again.compute_of(w).gradient_time == s.compute_of(w).gradient_time);
    CHECK(again.compute_of(w).speed == s.compute_of(w).speed);
  }
}

}  // namespace

TEST_CASE("the resolved scenario round-trips through the parser", "[scenario][writer]") {
  TempDir tmp;
  SECTION("defaults") {
    check_round_trip(parse_scenario(toml::table{}, tmp.path / "a.toml"), tmp.path / "out");
  }
  SECTION("everything set, synthetic") {
    const Scenario s = scenario_from(R"(
[run]
name = "full"
seed = 42
rounds = 77
metrics_every = 3
threads = 2
record_messages = true
timeline = true
[run.stop]
grad_norm_sq = 1.5e-7
grad_norm_sq_relative = 0.001
sim_time = "90 s"
bits_up = 123456.5
[data]
workers = 5
split = "shuffled"
split_seed = 9
[data.synthetic]
rows = 123
dim = 17
density = 0.3
heterogeneity = 0.25
label_noise = 0.1
seed = 11
[problem]
kind = "logreg"
lambda = 0.01
x0 = "normal"
x0_scale = 0.1
x0_seed = 3
[algorithm]
kind = "ef21-plus"
stepsize = 0.1234567890123
multiplier = 3
[compressor]
kind = "rand-k"
k = 4
scaled = true
value_bits = 16
index_bits = "log2d"
bill_initialization = true
[compute]
gradient_time = "1.5 ms"
speed = "3 GFLOPS"
[network]
uplink = "123 Mbps"
downlink = "12.5 MB/s"
latency = "33 us"
header_bytes = 40
downlink_payload = "update"
[network.server]
downlink = "10 Gbps"
latency = "7 us"
[[workers]]
ids = "0-1,4"
uplink = "5 Mbps"
latency = "2 ms"
[[workers]]
ids = [2]
gradient_time = "auto"
speed = "1 GFLOPS"
[[workers]]
ids = 3
gradient_time = "17 us"
)",
                                     {}, tmp.path / "full.toml");
    check_round_trip(s, tmp.path / "runs" / "full");
  }
  SECTION("files relative to the run directory") {
    tmp.write("data/small.svm", "1 1:1 2:0.5\n-1 1:-1\n1 2:2\n-1 1:0.5 2:-1\n");
    tmp.write("data/x0.txt", "0.5\n-1\n");
    tmp.write("net/topo.dot", "graph g { server -- s [bandwidth=\"1 Gbps\", latency=\"1us\"]; }\n");
    const Scenario s = scenario_from(R"(
[data]
source = "../data/small.svm"
workers = 2
[problem]
x0 = "../data/x0.txt"
[algorithm]
kind = "gd"
stepsize = 0.5
[compressor]
kind = "identity"
[compute]
gradient_time = "auto"
[network]
topology = "../net/topo.dot"
)",
                                     {}, tmp.path / "scen" / "s.toml");
    CHECK(s.data.source == tmp.path / "data" / "small.svm");
    CHECK(s.problem.x0.file == tmp.path / "data" / "x0.txt");
    CHECK(s.network.topology_file == tmp.path / "net" / "topo.dot");
    CHECK(s.data.format == DataFormat::libsvm);
    const std::string text = resolved_scenario_toml(s, 2, tmp.path / "runs" / "deep");
    CHECK(contains(text, "\"../../data/small.svm\""));
    CHECK(contains(text, "\"../../net/topo.dot\""));
    CHECK_FALSE(contains(text, tmp.path.string()));
    check_round_trip(s, tmp.path / "runs" / "deep");
  }
  SECTION("every --set is in the resolved text") {
    const Scenario s = scenario_from("", {{"algorithm.kind", "ef"},
                                          {"network.uplink", "5 Mbps"},
                                          {"run.stop.grad_norm_sq", "1e-4"},
                                          {"compressor.index_bits", "12"}});
    const std::string text = resolved_scenario_toml(s, 1, tmp.path);
    CHECK(contains(text, "kind = \"ef\""));
    CHECK(contains(text, "uplink = \"5 Mbps\""));
    CHECK(contains(text, "grad_norm_sq = 0.0001"));
    CHECK(contains(text, "index_bits = 12"));
    check_round_trip(s, tmp.path);
  }
}

TEST_CASE("load_scenario reads a file and reports TOML syntax errors located", "[scenario][file]") {
  TempDir tmp;
  const fs::path good = tmp.write("good.toml", "[run]\nrounds = 4\n");
  CHECK(load_scenario(good).run.rounds == 4);
  CHECK(load_scenario(good, {{"run.rounds", "9"}}).run.rounds == 9);
  CHECK(load_scenario(good).run.name == "good");

  const fs::path bad = tmp.write("bad.toml", "[run]\nrounds = 4\n[network\n");
  try {
    load_scenario(bad);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.where().file == bad.string());
    CHECK(e.where().line == 3);
  }
  const fs::path dup = tmp.write("dup.toml", "[run]\nrounds = 4\nrounds = 5\n");
  try {
    load_scenario(dup);
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(e.where().line == 3);
  }
  try {
    load_scenario(tmp.path / "missing.toml");
    FAIL("no error");
  } catch (const InputError& e) {
    CHECK(contains(e.what(), "missing.toml"));
  }
}

TEST_CASE("known_scenario_keys lists every key of the schema", "[scenario][keys]") {
  const std::vector<std::string> keys = known_scenario_keys();
  for (const char* k : {"run.seed", "run.stop.grad_norm_sq", "data.synthetic.dim", "compressor.k",
                        "network.uplink", "network.server.uplink", "workers.ids", "workers.gradient_time"})
    CHECK(std::find(keys.begin(), keys.end(), k) != keys.end());
  // tables are not keys
  CHECK(std::find(keys.begin(), keys.end(), "run.stop") == keys.end());
  CHECK(std::find(keys.begin(), keys.end(), "network.server") == keys.end());
  // every listed key is known to the parser (whatever else it says about the value "1")
  for (const auto& k : keys) {
    if (k.starts_with("workers.")) continue;
    CAPTURE(k);
    try {
      scenario_from("", {{k, "1"}});
    } catch (const InputError& e) {
      CAPTURE(e.what());
      CHECK_FALSE(contains(e.message(), "unknown key"));
    }
  }
  for (const auto& k : keys) {
    if (!k.starts_with("workers.") || k == "workers.ids") continue;
    CAPTURE(k);
    try {
      scenario_from(fmt::format("[data]\nworkers = 4\n[[workers]]\nids = \"0\"\n{} = 1\n", k.substr(8)));
    } catch (const InputError& e) {
      CAPTURE(e.what());
      CHECK_FALSE(contains(e.message(), "unknown key"));
    }
  }
}
