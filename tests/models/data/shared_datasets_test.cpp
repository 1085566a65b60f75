// The real datasets: heart_scale (Debian liblinear-tools) and the EF21 paper's mushrooms,
// a9a, w8a (../shared/data/libsvm). Missing files fail with where to get them.
//
// Regression figures (rows, d, nnz, label counts, value sums) were computed once from the
// files with awk, independently of our reader:
//   awk '{c[$1]++; for(i=2;i<=NF;i++){split($i,a,":"); if(a[1]+0>d)d=a[1]+0; if(a[2]+0!=0)nz++; s+=a[2]}}
//        END{print NR, d, nz, s; for(k in c) print k, c[k]}' FILE
// (no file has blank lines or explicit zeros), and the heart_scale value sum with Python:
//   sum(float(t.split(':')[1]) for line in open(FILE) for t in line.split()[1:])
#include <catch2/catch.hpp>

#include <filesystem>

#include "models/data/libsvm_reader.hpp"
#include "models/data/split.hpp"
#include "tests/models/data/data_test_support.hpp"

namespace ef21::data {
namespace {

using test::shared_dataset;

std::int64_t count_label(const Dataset& data, double y) { return (data.labels.array() == y).count(); }

double sum_of_values(const Dataset& data) {
  const auto& m = std::get<SparseRowMatrix>(data.features);
  return Eigen::Map<const Eigen::VectorXd>(m.valuePtr(), m.nonZeros()).sum();
}

/// Column indices and values of sparse row r, for spot checks against the file's text.
std::vector<std::pair<int, double>> row_entries(const Dataset& data, Eigen::Index r) {
  std::vector<std::pair<int, double>> out;
  for (SparseRowMatrix::InnerIterator it(std::get<SparseRowMatrix>(data.features), r); it; ++it) {
    out.emplace_back(static_cast<int>(it.col()) + 1, it.value());  // back to 1-based
  }
  return out;
}

TEST_CASE("heart_scale from liblinear-tools reads as 270 x 13 with 120/150 labels") {
  const std::filesystem::path file = "/usr/share/doc/liblinear-tools/examples/heart_scale";
  if (!std::filesystem::exists(file)) {
    FAIL(file.string() << " is missing: run tools/setup.sh (it installs Debian's liblinear-tools)");
  }
  const Dataset data = read_libsvm(file);
  CHECK(data.name == "heart_scale");
  CHECK(data.is_sparse());
  CHECK(data.rows() == 270);
  CHECK(data.dim() == 13);
  CHECK(data.stored_values() == 3378);
  CHECK(count_label(data, 1.0) == 120);
  CHECK(count_label(data, -1.0) == 150);
  CHECK(sum_of_values(data) == Approx(-666.4008602999996).epsilon(1e-12));
  // First line: +1 1:0.708333 2:1 3:1 4:-0.320755 5:-0.105023 6:-1 7:1 8:-0.419847 9:-1
  //             10:-0.225806 12:1 13:-1   (feature 11 absent)
  CHECK(data.labels[0] == 1.0);
  const std::vector<std::pair<int, double>> first = {{1, 0.708333},  {2, 1},   {3, 1},         {4, -0.320755},
                                                      {5, -0.105023}, {6, -1}, {7, 1},         {8, -0.419847},
                                                      {9, -1},        {10, -0.225806}, {12, 1}, {13, -1}};
  CHECK(row_entries(data, 0) == first);
}

TEST_CASE("mushrooms reads as 8124 x 112 with labels {1,2} mapped to 3916 x -1 and 4208 x +1") {
  const Dataset data = read_libsvm(shared_dataset("mushrooms"));
  CHECK(data.rows() == 8124);
  CHECK(data.dim() == 112);
  CHECK(data.stored_values() == 170604);
  CHECK(count_label(data, -1.0) == 3916);  // label 1 in the file
  CHECK(count_label(data, 1.0) == 4208);   // label 2 in the file
  CHECK(sum_of_values(data) == 170604.0);  // every stored value is 1
  // First line: 1 6:1 8:1 15:1 21:1 29:1 33:1 34:1 37:1 42:1 50:1 53:1 57:1 67:1 76:1 78:1
  //             81:1 84:1 86:1 93:1 103:1 111:1
  CHECK(data.labels[0] == -1.0);
  CHECK(data.labels[1] == 1.0);
  const int first_columns[] = {6, 8, 15, 21, 29, 33, 34, 37, 42, 50, 53, 57, 67, 76, 78, 81, 84, 86, 93, 103, 111};
  const auto first = row_entries(data, 0);
  REQUIRE(first.size() == std::size(first_columns));
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(first[i] == std::pair<int, double>(first_columns[i], 1.0));

  const std::vector<Dataset> shards = split_dataset(data, 20, SplitSpec{});
  CHECK(shards.front().rows() == 406);
  CHECK(shards.back().rows() == 410);  // 8124 = 20 * 406 + 4, the remainder to the last
}

TEST_CASE("a9a reads as 32561 x 123 with 7841 x +1 and 24720 x -1") {
  const Dataset data = read_libsvm(shared_dataset("a9a"));
  CHECK(data.rows() == 32561);
  CHECK(data.dim() == 123);
  CHECK(data.stored_values() == 451592);
  CHECK(count_label(data, 1.0) == 7841);
  CHECK(count_label(data, -1.0) == 24720);
  CHECK(sum_of_values(data) == 451592.0);
  // Last line (no final blank line issues): +1 5:1 8:1 18:1 22:1 36:1 40:1 51:1 61:1 67:1 72:1
  //                                         75:1 76:1 80:1 83:1
  CHECK(data.labels[32560] == 1.0);
  const int last_columns[] = {5, 8, 18, 22, 36, 40, 51, 61, 67, 72, 75, 76, 80, 83};
  const auto last = row_entries(data, 32560);
  REQUIRE(last.size() == std::size(last_columns));
  for (std::size_t i = 0; i < last.size(); ++i) CHECK(last[i].first == last_columns[i]);
}

TEST_CASE("w8a reads as 49749 x 300 with 1479 x +1 and 48270 x -1, including feature-less rows") {
  const Dataset data = read_libsvm(shared_dataset("w8a"));
  CHECK(data.rows() == 49749);
  CHECK(data.dim() == 300);
  CHECK(data.stored_values() == 579586);
  CHECK(count_label(data, 1.0) == 1479);
  CHECK(count_label(data, -1.0) == 48270);
  CHECK(sum_of_values(data) == 579586.0);
  const auto& m = std::get<SparseRowMatrix>(data.features);
  Eigen::Index empty_rows = 0;
  for (Eigen::Index r = 0; r < m.rows(); ++r) empty_rows += (m.outerIndexPtr()[r + 1] == m.outerIndexPtr()[r]);
  CHECK(empty_rows == 4203);  // samples such as "-1 " with no features: awk 'NF == 1' w8a | wc -l
}

}  // namespace
}  // namespace ef21::data
