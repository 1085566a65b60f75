#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>
#include <fmt/format.h>

#include "models/support/input_error.hpp"
#include "sim/net/dot_loader.hpp"
#include "sim/net/link_dynamics.hpp"

using namespace ef21::sim;
namespace fs = std::filesystem;

namespace {

fs::path source_path(const std::string& relative) { return fs::path(EF21SIM_SOURCE_DIR) / relative; }

/// A DOT file in a fresh temporary directory, removed at scope exit.
class TempDot {
 public:
  explicit TempDot(const std::string& text) {
    static int counter = 0;
    dir_ = fs::temp_directory_path() / fmt::format("ef21sim-dot-test-{}-{}", ::getpid(), counter++);
    fs::create_directories(dir_);
    path_ = dir_ / "topo.dot";
    std::ofstream(path_) << text;
  }
  ~TempDot() {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  const fs::path& path() const { return path_; }
  /// Writes another file next to the DOT file (a relative path inside its directory).
  void write(const std::string& relative, const std::string& text) const {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << text;
  }

 private:
  fs::path dir_;
  fs::path path_;
};

/// The InputError thrown by loading `text`; fails the test if none is thrown.
ef21::InputError load_error(const std::string& text, std::size_t workers) {
  TempDot dot(text);
  try {
    load_dot(dot.path(), workers);
  } catch (const ef21::InputError& e) {
    CHECK(e.where().file == dot.path().string());
    return e;
  }
  FAIL("no InputError for:\n" << text);
  throw std::logic_error("unreachable");
}

/// The InputError thrown by loading `dot` with traces and the given server requirement.
ef21::InputError load_error(const TempDot& dot, std::size_t workers, bool require_server = true) {
  LinkDynamics dynamics;
  try {
    load_dot(dot.path(), workers, &dynamics, require_server);
  } catch (const ef21::InputError& e) {
    return e;
  }
  FAIL("no InputError for " << dot.path());
  throw std::logic_error("unreachable");
}

constexpr const char* kHeader = "graph g {\n  server -- sw [bandwidth=\"1 Gbps\"];\n";

}  // namespace

TEST_CASE("load_dot reads the fixture: per-direction bandwidth, latency, infinite links", "[dot]") {
  const Topology t = load_dot(source_path("tests/sim/net/fixtures/small.dot"), 2);
  REQUIRE(t.node_count() == 4);
  CHECK(t.node_name(0) == "server");
  CHECK(t.node_name(1) == "w0");
  CHECK(t.node_name(2) == "w1");
  CHECK(t.node_name(3) == "sw");
  const Route up = t.route(1, 0);
  CHECK(up.latency == 30'000'000);
  REQUIRE(up.resources.size() == 2);
  CHECK(t.resource_name(up.resources[0]) == "w0->sw");
  CHECK(t.resource_capacity(up.resources[0]) == 12.5e6);  // bandwidth_fwd: tail w0 -> head sw
  CHECK(t.resource_capacity(up.resources[1]) == 1.25e9);
  const Route down = t.route(0, 1);
  CHECK(t.resource_capacity(down.resources[1]) == 125e6);  // bandwidth_rev
  const Route w1 = t.route(2, 0);
  CHECK(w1.latency == 1'010'000'000);
  CHECK(w1.resources.size() == 1);  // w1's link is infinite
}

TEST_CASE("load_dot reads the shipped two-tier example", "[dot]") {
  const Topology t = load_dot(source_path("scenarios/topologies/two_tier_racks.dot"), 20);
  CHECK(t.node_count() == 24);
  const Route r = t.route(*t.find_node("w13"), *t.find_node("server"));
  CHECK(r.latency == 12'000'000);
  CHECK(r.resources.size() == 3);
  const Route same_rack = t.route(*t.find_node("w0"), *t.find_node("w9"));
  CHECK(same_rack.nodes.size() == 3);
}

TEST_CASE("load_dot accepts a digraph, each edge still a full-duplex link", "[dot]") {
  TempDot dot("digraph g {\n server -> w0 [bandwidth_fwd=\"2 MB/s\", bandwidth_rev=\"1 MB/s\", latency=\"1 ms\"];\n}\n");
  const Topology t = load_dot(dot.path(), 1);
  const Route up = t.route(1, 0);
  REQUIRE(up.resources.size() == 1);
  CHECK(t.resource_name(up.resources[0]) == "w0->server");
  CHECK(t.resource_capacity(up.resources[0]) == 1e6);
  CHECK(t.resource_capacity(t.route(0, 1).resources[0]) == 2e6);
}

TEST_CASE("load_dot errors name the file and, where found, the line", "[dot]") {
  SECTION("syntax error") {
    const auto e = load_error("graph g {\n  server -- ;\n}\n", 0);
    CHECK_THAT(e.message(), Catch::Contains("DOT syntax error"));
  }
  SECTION("unknown worker beyond the scenario's count") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\"];\n  w25 -- sw [bandwidth=\"1 Gbps\"];\n}\n", 1);
    CHECK(e.message() == "unknown node w25: scenario has 1 workers (w0..w0)");
    CHECK(e.where().line == 4);
  }
  SECTION("missing worker") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\"];\n}\n", 8);
    CHECK_THAT(e.message(), Catch::Contains("missing node w1"));
  }
  SECTION("missing server") {
    const auto e = load_error("graph g {\n  w0 -- sw [bandwidth=\"1 Gbps\"];\n}\n", 1);
    CHECK_THAT(e.message(), Catch::Contains("missing node server"));
  }
  SECTION("worker with no route to the server") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\"];\n  w1 -- island [bandwidth=\"1 Gbps\"];\n}\n", 2);
    CHECK(e.message() == "no route from w1 to server");
    CHECK(e.where().line == 4);
  }
  SECTION("zero bandwidth") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth=\"0 Gbps\"];\n}\n", 1);
    CHECK_THAT(e.message(), Catch::Contains("bandwidth must be positive"));
    CHECK(e.where().line == 3);
  }
  SECTION("negative bandwidth") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth_fwd=\"1 Gbps\", bandwidth_rev=\"-1 Gbps\"];\n}\n", 1);
    CHECK_THAT(e.message(), Catch::Contains("bandwidth_rev") && Catch::Contains("negative"));
    CHECK(e.where().line == 3);
  }
  SECTION("missing bandwidth") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [latency=\"1 ms\"];\n}\n", 1);
    CHECK_THAT(e.message(), Catch::Contains("link w0 -- sw has no bandwidth"));
    CHECK(e.where().line == 3);
  }
  SECTION("duration without unit") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\", latency=\"5\"];\n}\n", 1);
    CHECK_THAT(e.message(), Catch::Contains("latency") && Catch::Contains("expected a duration with a unit"));
    CHECK(e.where().line == 3);
  }
  SECTION("misspelt attribute") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\", latncy=\"5 ms\"];\n}\n", 1);
    CHECK_THAT(e.message(), Catch::Contains("unknown edge attribute \"latncy\""));
    CHECK(e.where().line == 3);
  }
  SECTION("both bandwidth forms") {
    const auto e = load_error(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\", bandwidth_fwd=\"1 Gbps\"];\n}\n", 1);
    CHECK_THAT(e.message(), Catch::Contains("either bandwidth or"));
  }
  SECTION("missing file") {
    CHECK_THROWS_AS(load_dot(fs::path(EF21SIM_SOURCE_DIR) / "no/such/file.dot", 1), ef21::InputError);
  }
}

TEST_CASE("load_dot reads bandwidth and latency traces relative to the DOT file", "[dot][dynamics]") {
  TempDot dot(
      std::string(kHeader) +
      "  w0 -- sw [bandwidth_fwd=\"1 Gbps\", bandwidth_rev=\"2 Gbps\", bandwidth_trace=\"traces/bw.txt\"];\n"
      "  w1 -- sw [bandwidth=\"1 Gbps\", latency=\"10 us\", latency_trace=\"lat.txt\"];\n"
      "  w2 -- sw [bandwidth_fwd=\"inf\", bandwidth_rev=\"1 Gbps\", "
      "bandwidth_trace=\"traces/bw.txt\"];\n}\n");
  dot.write("traces/bw.txt", "100 us 0.5\n200 us 2\nLOOPAFTER 1 ms\n");
  dot.write("lat.txt", "1 ms 3\n");
  LinkDynamics dynamics;
  const Topology t = load_dot(dot.path(), 3, &dynamics);
  // Links in edge order: server -- sw (0), w0 -- sw (1), w1 -- sw (2), w2 -- sw (3).
  REQUIRE(dynamics.bandwidth.size() == 3);
  CHECK(dynamics.bandwidth[0].first == 2);  // w0 -> sw
  CHECK(dynamics.bandwidth[1].first == 3);  // sw -> w0
  CHECK(dynamics.bandwidth[2].first == 7);  // sw -> w2 (w2 -> sw is infinite: left out)
  CHECK(t.resource_name(7) == "sw->w2");
  const Trace& bw = dynamics.bandwidth[0].second;
  CHECK(bw.points.size() == 2);
  CHECK(bw.period == 1'000'000'000);
  CHECK(bw.value_at(150'000'000) == 0.5);
  CHECK(bw.file == dot.path().parent_path() / "traces/bw.txt");
  REQUIRE(dynamics.latency.size() == 1);
  CHECK(dynamics.latency[0].first == 2);
  CHECK(dynamics.latency[0].second.value_at(1'000'000'000) == 3.0);
}

TEST_CASE("load_dot locates trace errors: the DOT line, or the trace file's line", "[dot][dynamics]") {
  SECTION("missing trace file: at the edge") {
    TempDot dot(std::string(kHeader) +
                "  w0 -- sw [bandwidth=\"1 Gbps\",\n    bandwidth_trace=\"nope.txt\"];\n}\n");
    const auto e = load_error(dot, 1);
    CHECK(e.where().file == dot.path().string());
    CHECK(e.where().line == 3);  // the edge statement's first line
    CHECK_THAT(e.message(),
               Catch::Contains("link w0 -- sw: bandwidth_trace \"nope.txt\": cannot open the trace file"));
  }
  SECTION("a bad value: in the trace file, naming the edge") {
    TempDot dot(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\", latency_trace=\"lat.txt\"];\n}\n");
    dot.write("lat.txt", "1 ms 2\n2 ms 0\n");
    const auto e = load_error(dot, 1);
    CHECK(e.where().file == (dot.path().parent_path() / "lat.txt").string());
    CHECK(e.where().line == 2);
    CHECK_THAT(e.message(), Catch::Contains("must be > 0") &&
                                Catch::Contains("the latency_trace of link w0 -- sw") &&
                                Catch::Contains("topo.dot:3"));
  }
  SECTION("unsorted times") {
    TempDot dot(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\", bandwidth_trace=\"bw.txt\"];\n}\n");
    dot.write("bw.txt", "2 ms 2\n1 ms 0.5\n");
    const auto e = load_error(dot, 1);
    CHECK(e.where().line == 2);
    CHECK_THAT(e.message(), Catch::Contains("trace times must increase"));
  }
  SECTION("a bandwidth trace on an infinite link") {
    TempDot dot(std::string(kHeader) + "  w0 -- sw [bandwidth=\"inf\", bandwidth_trace=\"bw.txt\"];\n}\n");
    dot.write("bw.txt", "1 ms 2\n");
    const auto e = load_error(dot, 1);
    CHECK(e.where().line == 3);
    CHECK_THAT(e.message(), Catch::Contains("bandwidth_trace on a link of infinite bandwidth"));
  }
  SECTION("traces where the caller takes none") {
    TempDot dot(std::string(kHeader) + "  w0 -- sw [bandwidth=\"1 Gbps\", bandwidth_trace=\"bw.txt\"];\n}\n");
    dot.write("bw.txt", "1 ms 2\n");
    try {
      load_dot(dot.path(), 1);
      FAIL("no error");
    } catch (const ef21::InputError& e) {
      CHECK(e.where().line == 3);
      CHECK_THAT(e.message(), Catch::Contains("bandwidth_trace is not supported"));
    }
  }
}

TEST_CASE("load_dot accepts a topology without a server for the decentralised protocols", "[dot]") {
  TempDot dot(
      "graph ring {\n  w0 -- w1 [bandwidth=\"1 Gbps\"];\n  w1 -- w2 [bandwidth=\"1 Gbps\"];\n"
      "  w2 -- w0 [bandwidth=\"1 Gbps\"];\n}\n");
  LinkDynamics dynamics;
  const Topology t = load_dot(dot.path(), 3, &dynamics, false);
  CHECK(t.node_count() == 3);
  CHECK_FALSE(t.find_node("server").has_value());
  CHECK(t.node_name(0) == "w0");  // w{i} = i without a server
  CHECK(t.route(0, 2).resources.size() == 1);
  CHECK(dynamics.empty());
  SECTION("still an error when a server is required") {
    const auto e = load_error(dot, 3, true);
    CHECK_THAT(e.message(), Catch::Contains("missing node server"));
  }
  SECTION("every worker must reach the others") {
    TempDot split("graph g {\n  w0 -- w1 [bandwidth=\"1 Gbps\"];\n  w2 -- sw [bandwidth=\"1 Gbps\"];\n}\n");
    const auto e = load_error(split, 3, false);
    CHECK(e.message() == "no route from w2 to w0");
    CHECK(e.where().line == 3);
  }
  SECTION("a server node, when present, is node 0 and need not be connected") {
    TempDot with_server("graph g {\n  server;\n  w0 -- w1 [bandwidth=\"1 Gbps\"];\n}\n");
    const Topology u = load_dot(with_server.path(), 2, nullptr, false);
    CHECK(u.node_name(0) == "server");
    CHECK(u.node_name(1) == "w0");
  }
}
