// Fuzz target: CSV data files (plain, or gzip / bzip2 / xz by their magic bytes), through
// read_csv as `ef21sim run` calls it, then split into worker shards as the run does.
//
// Input: the file's bytes. The label mode (binary for the logistic problems, raw for least
// squares) and the split follow the input's size, so both modes and all splits are exercised.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "models/data/csv_reader.hpp"
#include "models/data/split.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto file = ef21::fuzz::scratch().write("data.csv", ef21::fuzz::as_text(data, size));
  const auto mode = size % 2 == 0 ? ef21::data::LabelMode::binary : ef21::data::LabelMode::raw;
  const auto split_kind = static_cast<ef21::data::SplitKind>(size % 3);
  ef21::fuzz::expect_only([&] {
    const ef21::data::Dataset dataset = ef21::data::read_csv(file, mode);
    const std::int64_t workers = std::min<std::int64_t>(dataset.rows(), 3);
    (void)ef21::data::split_dataset(dataset, workers, {split_kind, 7});
  });
  return 0;
}
