// Fuzz target: the files `ef21sim best` and `ef21sim sweep --resume` read back from a study
// directory: sweep.csv (read_study_table, then the merge, the best-run selection and its
// table, as best_command does) and a run's summary.json (summary_cells, as --resume rebuilds
// a row).
//
// Input: sweep.csv's text, then a NUL byte, then summary.json's text. The input's size picks
// --by (bits, time, rounds, bytes) and whether to group by the first column.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"
#include "tools/ef21sim/best_inputs.hpp"
#include "tools/ef21sim/best_selection.hpp"
#include "tools/ef21sim/sweep_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input = ef21::fuzz::as_text(data, size);
  const std::size_t nul = input.find('\0');
  const std::string_view json = nul == std::string_view::npos ? std::string_view{} : input.substr(nul + 1);
  const auto dir = ef21::fuzz::scratch().path() / "study";
  std::filesystem::create_directories(dir);
  ef21::fuzz::scratch().write("study/sweep.csv", input.substr(0, nul));
  static constexpr ef21::cli::CostKind kBy[] = {ef21::cli::CostKind::bits, ef21::cli::CostKind::time,
                                                ef21::cli::CostKind::rounds, ef21::cli::CostKind::bytes};
  const ef21::cli::CostKind by = kBy[size % 4];
  std::vector<std::string> targets;
  ef21::fuzz::expect_only<std::runtime_error>([&] {
    const std::vector<ef21::cli::StudyTable> tables{ef21::cli::read_study_table(dir)};
    std::vector<std::string> group_by;
    const auto& header = tables.front().table.header;
    if (size % 2 == 1 && !header.empty() && header.front() != "run") group_by.push_back(header.front());
    const ef21::cli::CsvTable table = ef21::cli::merge_study_tables(tables, group_by, false, {dir.string()});
    const std::string target = ef21::cli::default_best_target(table);
    targets.push_back(target);
    const ef21::cli::BestSelection best = ef21::cli::select_best(table, by, group_by, target);
    (void)ef21::cli::format_best_markdown(table, best, group_by);
    ef21::cli::CsvTable chosen;
    chosen.header = table.header;
    for (const std::size_t r : best.chosen()) chosen.rows.push_back(table.rows.at(r));
    // best.csv, as best_command writes it, must read back as the same table.
    const ef21::cli::CsvTable again = ef21::cli::parse_csv(ef21::cli::format_csv(chosen));
    if (again.header != chosen.header || again.rows != chosen.rows)
      ef21::fuzz::fail("best.csv does not read back");
  });
  ef21::fuzz::expect_only<std::runtime_error>([&] {
    (void)ef21::cli::summary_cells("run", json, "0.5",
                                   targets.empty() ? std::vector<std::string>{"grad_norm_sq"} : targets);
  });
  return 0;
}
