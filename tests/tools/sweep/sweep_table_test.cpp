// The rows of sweep.csv and tune.csv: summary.json -> cells (nlohmann-json, numbers shortest
// round-trip, wire bytes per worker), error rows, and the CSV round trip.
#include "tools/ef21sim/sweep_table.hpp"

#include <catch2/catch.hpp>

#include "tools/ef21sim/csv_table.hpp"

using namespace ef21;
using namespace ef21::cli;

TEST_CASE("a sweep row keeps summary.json's numbers and derives wire bytes per worker", "[sweep]") {
  const std::string summary = R"({
  "name": "x",
  "status": "converged",
  "rounds": 120,
  "diverged_at_round": null,
  "final": {"round": 120, "time_s": 0.5, "bits_up": 3840, "bits_down": 1e+05, "f": 0.30000000000000004, "grad_norm_sq": 9.9e-07},
  "targets": [
    {"target": "grad_norm_sq", "value": 1e-06, "reached": true, "round": 120, "time_s": 0.5, "bits_up": 3840}
  ],
  "constants": {"N": 100, "d": 10, "n": 4},
  "network": {"sim_time_s": 0.5, "messages": 968, "bytes_up": 10002, "bytes_down": 20000},
  "host": {"wall_seconds": 0.1, "threads": 1, "version": "0.1.0"}
}
)";
  const auto cells = summary_cells("r", summary, "8e-07", {"grad_norm_sq", "bits_up"});
  // bytes per worker: up 10002 / 4 = 2500.5, down 20000 / 4 = 5000, total 7500.5.
  const std::vector<std::string> expected{
      "r", "converged", "120", "0.30000000000000004", "9.9e-07", "8e-07", "0.5", "3840", "2500.5", "5000",
      "7500.5",
      // grad_norm_sq: round, time, bits, bytes up / down / total; bits_up: never reached.
      "120", "0.5", "3840", "2500.5", "5000", "7500.5", "", "", "", "", "", "",
      // message
      ""};
  CHECK(cells == expected);
  const auto header = sweep_header({"k"}, {"grad_norm_sq"});
  CHECK(header.size() == 1 + 11 + 6 + 1);
  CHECK(header[6] == "min_grad_norm_sq");
  CHECK(header[17] == "grad_norm_sq_bytes_total");
  const auto err = error_cells("r", "bad, \"quoted\"\nthing", {"grad_norm_sq"});
  CHECK(err.size() == 11 + 6 + 1);
  CHECK(err[1] == "error");
  CHECK(err.back() == "bad, \"quoted\" thing");
  CHECK_THROWS(summary_cells("r", "{\"x\": 1}", "", {}));
  CHECK_THROWS(summary_cells("r", "{\"status\": ", "", {}));
}

TEST_CASE("peer protocols count what each worker sends and receives", "[sweep]") {
  const std::string summary = R"({"status": "max_rounds", "rounds": 3, "final": {"f": 1, "grad_norm_sq": 2,
    "time_s": 3, "bits_up": 4}, "targets": [], "constants": {"n": 5},
    "network": {"bytes_up": 0, "bytes_down": 0}, "protocol": {"kind": "ring-allreduce", "bytes_peer": 1000}})";
  const auto cells = summary_cells("r", summary, "", {});
  CHECK(std::vector<std::string>(cells.begin() + 8, cells.begin() + 11) ==
        std::vector<std::string>{"200", "200", "400"});
}

TEST_CASE("a summary without network counts leaves the byte cells empty", "[sweep]") {
  const std::string summary = R"({"status": "max_rounds", "rounds": 3, "final": {"f": 1, "grad_norm_sq": 2,
    "time_s": 3, "bits_up": 4}, "targets": [{"target": "grad_norm_sq", "round": null}]})";
  const auto cells = summary_cells("r", summary, "1.5", {"grad_norm_sq"});
  CHECK(cells[5] == "1.5");
  CHECK(cells[8].empty());
  CHECK(cells[10].empty());
  CHECK(cells[11].empty());
  CHECK(outcome_cells("r", {RunOutcome::Kind::summary, summary, "1.5"}, {"grad_norm_sq"}) == cells);
  CHECK(outcome_cells("r", {RunOutcome::Kind::summary, "not json", ""}, {})[1] == "error");
  CHECK(outcome_cells("r", {RunOutcome::Kind::internal_error, "boom", ""}, {}).back() ==
        "internal error: boom");
  CHECK(outcome_cells("r", {RunOutcome::Kind::input_error, "f:1:2: error: x", ""}, {}).back() ==
        "f:1:2: error: x");
}

TEST_CASE("CSV written and read back is the same table", "[sweep]") {
  CsvTable t;
  t.header = {"a", "run", "message"};
  t.rows = {{"1", "x", "plain"}, {"\"q\"", "y", "with, comma"}};
  const std::string text = format_csv(t);
  CHECK(text == "a,run,message\n1,x,plain\n\"\"\"q\"\"\",y,\"with, comma\"\n");
  const CsvTable back = parse_csv(text);
  CHECK(back.header == t.header);
  CHECK(back.rows == t.rows);
  CHECK_THROWS(parse_csv("a,b\n1\n"));
  CHECK_THROWS(parse_csv("a\n\"open\n"));
}
