// Run directory writers (DESIGN §5): atomic files, trace.csv format, summary.json is strict
// JSON (NaN/Inf as null) with the host facts kept apart, optional files only when asked.
#include "sim/output/run_writer.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "sim/cluster/simulation.hpp"
#include "sim/output/atomic_file.hpp"
#include "sim/scenario/scenario_loader.hpp"

using namespace ef21::sim;
namespace fs = std::filesystem;

namespace {

/// A HostInfo without the steady-round timings (member by member: new members keep defaults).
HostInfo host_info(double wall_seconds, std::size_t threads, std::string version) {
  HostInfo host;
  host.wall_seconds = wall_seconds;
  host.threads = threads;
  host.version = std::move(version);
  return host;
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() / fmt::format("ef21sim-output-test-{}-{}", ::getpid(), counter++);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

bool has_tmp(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().extension() == ".tmp") return true;
  return false;
}

/// A strict RFC 8259 JSON validator (no NaN / Infinity / trailing commas / comments).
class JsonChecker {
 public:
  explicit JsonChecker(std::string_view s) : s_(s) {}
  /// "" when valid, else what is wrong and where.
  std::string error() {
    try {
      value();
      ws();
      if (i_ != s_.size()) fail("trailing characters");
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }

 private:
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(
        fmt::format("{} at byte {}: ...{}...", what, i_, s_.substr(i_ > 20 ? i_ - 20 : 0, 40)));
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  char peek() { return i_ < s_.size() ? s_[i_] : '\0'; }
  void expect(char c) {
    if (peek() != c) fail("unexpected character");
    ++i_;
  }
  void literal(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) fail("bad literal");
    i_ += w.size();
  }
  void string() {
    expect('"');
    while (true) {
      if (i_ >= s_.size()) fail("unterminated string");
      const unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return;
      if (c < 0x20) fail("control character in string");
      if (c == '\\') {
        const char e = peek();
        ++i_;
        if (e == 'u') {
          for (int k = 0; k < 4; ++k)
            if (!std::isxdigit(static_cast<unsigned char>(peek())))
              fail("bad \\u escape");
            else
              ++i_;
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          fail("bad escape");
        }
      }
    }
  }
  void digits() {
    if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("digit expected");
    while (std::isdigit(static_cast<unsigned char>(peek()))) ++i_;
  }
  void number() {
    if (peek() == '-') ++i_;
    if (peek() == '0')
      ++i_;
    else
      digits();
    if (peek() == '.') {
      ++i_;
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      ++i_;
      if (peek() == '+' || peek() == '-') ++i_;
      digits();
    }
  }
  void value() {
    ws();
    const char c = peek();
    if (c == '{') {
      ++i_;
      ws();
      if (peek() == '}') {
        ++i_;
        return;
      }
      while (true) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect('}');
        return;
      }
    } else if (c == '[') {
      ++i_;
      ws();
      if (peek() == ']') {
        ++i_;
        return;
      }
      while (true) {
        value();
        ws();
        if (peek() == ',') {
          ++i_;
          continue;
        }
        expect(']');
        return;
      }
    } else if (c == '"') {
      string();
    } else if (c == 't') {
      literal("true");
    } else if (c == 'f') {
      literal("false");
    } else if (c == 'n') {
      literal("null");
    } else if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      number();
    } else {
      fail("value expected");
    }
  }
  std::string_view s_;
  std::size_t i_ = 0;
};

std::string json_error(std::string_view s) { return JsonChecker(s).error(); }

Scenario small_scenario(const std::string& extra = "", const std::string& method = "ef21-plus") {
  toml::table t = toml::parse(std::string_view(fmt::format(R"(
[run]
name = "out \"quoted\" \\ name"
rounds = 12
[data]
source = "synthetic"
workers = 3
[data.synthetic]
rows = 60
dim = 8
[algorithm]
kind = "{}"
[compressor]
k = 2
{}
)",
                                                           method, extra)),
                              std::string_view("test.toml"));
  return parse_scenario(t, "test.toml");
}

RunResult run(const Scenario& s) {
  Simulation sim(s);
  return sim.run();
}

}  // namespace

TEST_CASE("the JSON checker itself accepts JSON and rejects near misses", "[output][json]") {
  CHECK(json_error(R"({"a": [1, -2.5e-3, true, null, "x\"\n"], "b": {}})").empty());
  CHECK_FALSE(json_error(R"({"a": NaN})").empty());
  CHECK_FALSE(json_error(R"({"a": nan})").empty());
  CHECK_FALSE(json_error(R"({"a": inf})").empty());
  CHECK_FALSE(json_error(R"({"a": 1,})").empty());
  CHECK_FALSE(json_error(R"({"a": 01})").empty());
  CHECK_FALSE(json_error("{\"a\": \"tab\there\"}").empty());
  CHECK_FALSE(json_error(R"({"a": 1} x)").empty());
}

TEST_CASE("atomic writes leave the file and no temporary", "[output][atomic]") {
  TempDir tmp;
  const fs::path f = tmp.path / "data.txt";
  write_file_atomically(f, "first\n");
  CHECK(slurp(f) == "first\n");
  write_file_atomically(f, "second, longer content\n");  // replaces
  CHECK(slurp(f) == "second, longer content\n");
  write_file_atomically(f, "");
  CHECK(slurp(f).empty());
  CHECK(names_in(tmp.path) == std::vector<std::string>{"data.txt"});

  // A failure names the file and leaves nothing behind.
  const fs::path nowhere = tmp.path / "no-such-dir" / "x.txt";
  try {
    write_file_atomically(nowhere, "x");
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("x.txt") != std::string::npos);
  }
  // Renaming onto a directory fails: the temporary is removed.
  fs::create_directories(tmp.path / "adir");
  CHECK_THROWS_AS(write_file_atomically(tmp.path / "adir", "x"), std::runtime_error);
  CHECK_FALSE(has_tmp(tmp.path));
}

TEST_CASE("trace.csv: the header, then doubles shortest round-trip", "[output][trace]") {
  std::vector<TraceRow> rows{{0, 0.0, 0.0, 0.0, 0.1, 1e-300},
                             {7, 1.5e-5, 224.0, 3584.0, 2.0 / 3.0, 123456789.0},
                             {12, 1234.5, 1e20, 0.5, -0.0, 5e-324}};
  const std::string csv = format_trace_csv(rows);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  CHECK(line == "round,time_s,bits_up,bits_down,f,grad_norm_sq");
  std::getline(in, line);
  CHECK(line == "0,0,0,0,0.1,1e-300");
  std::getline(in, line);
  CHECK(line == fmt::format("7,1.5e-05,224,3584,{},123456789", 2.0 / 3.0));
  // shortest round-trip: parsing the text gives the double back
  const std::string third = line.substr(line.rfind(',', line.rfind(',') - 1) + 1);
  CHECK(std::stod(third.substr(0, third.find(','))) == 2.0 / 3.0);
  std::getline(in, line);
  CHECK(line == "12,1234.5,1e+20,0.5,-0,5e-324");
  CHECK(csv.back() == '\n');
  CHECK(format_trace_csv({}) == "round,time_s,bits_up,bits_down,f,grad_norm_sq\n");
}

TEST_CASE("summary.json is strict JSON, NaN and Inf are null", "[output][summary]") {
  const Scenario s = small_scenario();
  RunResult r = run(s);
  HostInfo host = host_info(1.25, 2, "9.9.9");
  const std::string good = format_summary_json(s, r, host);
  CAPTURE(good);
  CHECK(json_error(good).empty());
  CHECK(good.find("\"status\": \"max_rounds\"") != std::string::npos);
  CHECK(good.find("\"name\": \"out \\\"quoted\\\" \\\\ name\"") != std::string::npos);
  CHECK(good.find("\"ef21_plus_markov_choices\": ") != std::string::npos);
  CHECK(good.find("\"host\": {\"wall_seconds\": 1.25, \"threads\": 2, \"version\": \"9.9.9\"}") !=
        std::string::npos);

  // Non-finite numbers anywhere print as null.
  r.final_row.f = kNaN;
  r.final_row.grad_norm_sq = kInf;
  r.constants.L = -kInf;
  r.targets.push_back({"grad_norm_sq", kNaN, {}, {}, {}});
  r.diverged_at = 7;
  const std::string nan = format_summary_json(s, r, host_info(kNaN, 1, "v"));
  CAPTURE(nan);
  CHECK(json_error(nan).empty());
  CHECK(nan.find("\"f\": null") != std::string::npos);
  CHECK(nan.find("\"grad_norm_sq\": null") != std::string::npos);
  CHECK(nan.find("\"L\": null") != std::string::npos);
  CHECK(nan.find("\"value\": null") != std::string::npos);
  CHECK(nan.find("\"diverged_at_round\": 7") != std::string::npos);
  CHECK(nan.find("\"wall_seconds\": null") != std::string::npos);
  for (const char* bad : {"nan", "NaN", "inf", "Infinity"}) CHECK(nan.find(bad) == std::string::npos);

  // A run that measured its steady rounds says so (after wall_seconds); still strict JSON.
  host.ms_per_round = 8.5;
  host.cpu_ms_per_round = 12.25;
  const std::string timed = format_summary_json(s, r, host);
  CAPTURE(timed);
  CHECK(json_error(timed).empty());
  CHECK(timed.find("\"host\": {\"wall_seconds\": 1.25, \"ms_per_round\": 8.5, \"cpu_ms_per_round\": 12.25, "
                   "\"threads\": 2, \"version\": \"9.9.9\"}") != std::string::npos);
}

TEST_CASE("summary.json: the host object is the only part that depends on the host", "[output][summary]") {
  const Scenario s = small_scenario();
  const RunResult r = run(s);
  const std::string a = format_summary_json(s, r, host_info(0.5, 1, "a"));
  const std::string b = format_summary_json(s, r, host_info(99.0, 8, "b"));
  auto strip = [](const std::string& text) {
    const auto at = text.find("  \"host\": ");
    REQUIRE(at != std::string::npos);
    const auto end = text.find('\n', at);
    return text.substr(0, at) + text.substr(end + 1);
  };
  CHECK(a != b);
  CHECK(strip(a) == strip(b));
  // "host" is the last member
  CHECK(a.substr(a.find("\"host\"")).find("\n}\n") == a.substr(a.find("\"host\"")).size() - 3);
}

TEST_CASE("summary.json reports reached targets", "[output][summary]") {
  const Scenario s = small_scenario("[run.stop]\ngrad_norm_sq_relative = 0.9\nbits_up = 1e9\n", "ef21");
  const RunResult r = run(s);
  const std::string text = format_summary_json(s, r, HostInfo{});
  CAPTURE(text);
  CHECK(json_error(text).empty());
  CHECK(text.find("\"status\": \"converged\"") != std::string::npos);
  CHECK(text.find(fmt::format("{{\"target\": \"grad_norm_sq_relative\", \"value\": 0.9, \"reached\": true, "
                              "\"round\": {}",
                              r.rounds)) != std::string::npos);
  CHECK(text.find("{\"target\": \"bits_up\", \"value\": 1000000000, \"reached\": false, \"round\": null, "
                  "\"time_s\": null, \"bits_up\": null}") != std::string::npos);
}

TEST_CASE("write_run_directory writes complete files atomically", "[output][directory]") {
  TempDir tmp;
  const fs::path dir = tmp.path / "a" / "b" / "run";
  SECTION("the three files by default") {
    const Scenario s = small_scenario();
    const RunResult r = run(s);
    write_run_directory(dir, s, r, HostInfo{});
    CHECK(names_in(dir) == std::vector<std::string>{"scenario.toml", "summary.json", "trace.csv"});
    CHECK(slurp(dir / "trace.csv") == format_trace_csv(r.trace));
    CHECK(slurp(dir / "summary.json") == format_summary_json(s, r, HostInfo{}));
    CHECK(json_error(slurp(dir / "summary.json")).empty());
    // the resolved scenario parses back
    const std::string resolved = slurp(dir / "scenario.toml");
    CHECK_NOTHROW(parse_scenario(toml::parse(std::string_view(resolved), std::string_view("x.toml")),
                                 dir / "scenario.toml"));
    // a rerun into the same directory replaces everything, no temporaries
    write_run_directory(dir, s, r, host_info(3.0, 1, "x"));
    CHECK(names_in(dir) == std::vector<std::string>{"scenario.toml", "summary.json", "trace.csv"});
    CHECK_FALSE(has_tmp(tmp.path));
  }
  SECTION("messages.csv and timeline.json when asked") {
    const Scenario s = small_scenario("", "ef21");
    Scenario with = s;
    with.run.record_messages = true;
    with.run.timeline = true;
    const RunResult r = run(with);
    write_run_directory(dir, with, r, HostInfo{});
    CHECK(names_in(dir) == std::vector<std::string>{"messages.csv", "scenario.toml", "summary.json",
                                                    "timeline.json", "trace.csv"});
    const std::string messages = slurp(dir / "messages.csv");
    CHECK(messages.rfind("round,src,dst,bytes,t_send,t_flow,t_done\n", 0) == 0);
    CHECK(std::count(messages.begin(), messages.end(), '\n') == 1 + 12 * 3 * 2);
    CHECK(messages.find(",w0,server,") != std::string::npos);
    CHECK(messages.find(",server,w2,") != std::string::npos);
    const std::string timeline = slurp(dir / "timeline.json");
    CHECK(json_error(timeline).empty());
    CHECK(timeline.find("\"ph\":\"X\"") != std::string::npos);
    CHECK(timeline.find("\"name\":\"upload\"") != std::string::npos);
    CHECK_FALSE(has_tmp(tmp.path));
  }
}
